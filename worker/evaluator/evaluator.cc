#include "worker/evaluator/evaluator.h"

#include <c10/util/Exception.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/canonical/canonical.h"
#include "common/genome/cost.h"
#include "common/genome/hash.h"
#include "common/genome/network_plan.h"
#include "common/jobspec/yaml_proto.h"
#include "worker/data/data_error.h"
#include "worker/engine/engine.h"

namespace nasprune::worker {
namespace {

v1::Phase ToPhase(EnginePhase phase) {
  switch (phase) {
    case EnginePhase::kSetup:
      return v1::PHASE_SETUP;
    case EnginePhase::kTrain:
      return v1::PHASE_TRAIN;
    case EnginePhase::kMeasure:
      return v1::PHASE_MEASURE;
    case EnginePhase::kExport:
      return v1::PHASE_EXPORT;
  }
  return v1::PHASE_UNSPECIFIED;
}

absl::StatusOr<TrainOptions> ToTrainOptions(const v1::EvaluateRequest& r) {
  const v1::TrainingRecipe& recipe = r.recipe();
  TrainOptions o;
  o.optimizer = recipe.optimizer() == v1::OPTIMIZER_ADAMW
                    ? OptimizerKind::kAdamW
                    : OptimizerKind::kSgd;
  o.learning_rate = recipe.learning_rate();
  o.momentum = recipe.momentum();
  o.nesterov = recipe.nesterov();
  o.weight_decay = recipe.weight_decay();
  o.batch_size = recipe.batch_size();
  o.epochs =
      r.fidelity().epochs() > 0 ? r.fidelity().epochs() : recipe.epochs();
  o.warmup_epochs = recipe.warmup_epochs();
  o.schedule = recipe.schedule() == v1::LR_SCHEDULE_CONSTANT
                   ? ScheduleKind::kConstant
                   : ScheduleKind::kCosine;
  o.label_smoothing = recipe.label_smoothing();
  o.augment = recipe.augment();
  o.mixed_precision = recipe.mixed_precision();
  o.max_seconds = recipe.max_trial_seconds();
  o.seed = r.seed();
  if (o.learning_rate <= 0 || o.batch_size < 1 || o.epochs < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "recipe: learning_rate, batch_size and epochs must be positive (got ",
        o.learning_rate, ", ", o.batch_size, ", ", o.epochs,
        "); apply the job defaults first"));
  }
  return o;
}

absl::StatusOr<torch::Device> ParseDevice(const std::string& device) {
  try {
    torch::Device parsed(device);
    if (parsed.is_cuda() && !torch::cuda::is_available()) {
      return absl::FailedPreconditionError(
          absl::StrCat("device \"", device, "\": no CUDA device available"));
    }
    return parsed;
  } catch (const c10::Error& e) {
    return absl::InvalidArgumentError(
        absl::StrCat("device \"", device, "\" is not a device (cpu, cuda:N)"));
  }
}

absl::Status StatusFromException(const std::exception& e) {
  const std::string what = e.what();
  // c10 messages may start with a newline and carry a C++ backtrace after
  // the message; keep the first non-empty line.
  std::string first;
  for (absl::string_view line : absl::StrSplit(what, '\n')) {
    if (!absl::StripAsciiWhitespace(line).empty()) {
      first = std::string(absl::StripAsciiWhitespace(line));
      break;
    }
  }
  if (dynamic_cast<const DataError*>(&e) != nullptr) {
    return absl::FailedPreconditionError(first);
  }
  if (what.find("out of memory") != std::string::npos ||
      what.find("CUDA out of memory") != std::string::npos ||
      dynamic_cast<const std::bad_alloc*>(&e) != nullptr) {
    return absl::ResourceExhaustedError(absl::StrCat("out of memory: ", first));
  }
  return absl::InternalError(absl::StrCat("evaluation failed: ", first));
}

void FillEpochs(const std::vector<EpochStats>& epochs,
                v1::EvaluationResult* result) {
  for (const EpochStats& e : epochs) {
    v1::EpochMetrics* m = result->add_epochs();
    m->set_phase(v1::PHASE_TRAIN);
    m->set_epoch(e.epoch);
    m->set_train_loss(e.train_loss);
    m->set_train_accuracy(e.train_accuracy);
    m->set_val_loss(e.val_loss);
    m->set_val_accuracy(e.val_accuracy);
    m->set_seconds(e.seconds);
    m->set_samples_per_second(e.samples_per_second);
  }
}

}  // namespace

absl::StatusOr<v1::EvaluationResult> EvaluateGenome(
    const v1::EvaluateRequest& request, const std::string& export_path,
    const EvaluatorOptions& options, const ProgressCallback& progress,
    const CancellationToken* cancel) {
  const v1::DatasetSpec& dataset = request.dataset();
  const genome::InputSpec input{.channels = dataset.shape().channels(),
                                .height = dataset.shape().height(),
                                .width = dataset.shape().width(),
                                .num_classes = dataset.num_classes()};
  absl::StatusOr<genome::NetworkPlan> plan =
      genome::BuildNetworkPlan(request.genome(), input);
  if (!plan.ok()) return plan.status();
  absl::StatusOr<genome::ModelCost> analytic =
      genome::ComputeGenomeCost(request.genome(), input);
  if (!analytic.ok()) return analytic.status();
  absl::StatusOr<TrainOptions> train = ToTrainOptions(request);
  if (!train.ok()) return train.status();
  absl::StatusOr<torch::Device> device = ParseDevice(options.device);
  if (!device.ok()) return device.status();

  EngineRequest engine;
  engine.plan = *plan;
  engine.train = *train;
  engine.threads = options.threads;
  engine.seed = request.seed();
  engine.evaluate_test = request.evaluate_test_split();
  engine.export_path = export_path;
  if (request.latency_repeats() > 0) {
    engine.latency.repeats = request.latency_repeats();
  }
  if (request.latency_batch_size() > 0) {
    engine.latency.batch_size = request.latency_batch_size();
  }
  engine.data.format = dataset.format() == v1::DATASET_FORMAT_CIFAR10_BINARY
                           ? DataFormat::kCifar10Binary
                           : DataFormat::kIdx;
  engine.data.num_classes = dataset.num_classes();
  engine.data.validation_fraction = dataset.validation_fraction();
  engine.data.train_subset = request.fidelity().train_subset() > 0
                                 ? request.fidelity().train_subset()
                                 : dataset.train_subset();
  engine.data.validation_subset = dataset.validation_subset();
  engine.data.device = *device;

  EngineCallbacks callbacks;
  int total_epochs = train->epochs;
  v1::Phase current_phase = v1::PHASE_SETUP;
  if (progress) {
    callbacks.on_phase = [&](EnginePhase phase) {
      current_phase = ToPhase(phase);
      v1::TrialProgress p;
      p.set_trial_id(request.trial_id());
      p.set_phase(current_phase);
      p.set_total_epochs(current_phase == v1::PHASE_TRAIN ? total_epochs : 0);
      progress(p);
    };
    callbacks.on_epoch = [&](const EpochStats& e) {
      v1::TrialProgress p;
      p.set_trial_id(request.trial_id());
      p.set_phase(v1::PHASE_TRAIN);
      p.set_total_epochs(total_epochs);
      v1::EvaluationResult scratch;
      FillEpochs({e}, &scratch);
      *p.mutable_epoch() = scratch.epochs(0);
      progress(p);
    };
  }

  EngineResult outcome;
  try {
    engine.data.directory = ResolveDatasetDirectory(
        dataset.name(), dataset.path(), options.dataset_search_path);
    outcome = RunEngine(engine, callbacks, cancel);
  } catch (const std::exception& e) {
    return StatusFromException(e);
  }
  if (outcome.cancelled) {
    return absl::CancelledError(absl::StrCat("evaluation cancelled after ",
                                             outcome.epochs.size(), " epochs"));
  }
  if (outcome.timed_out) {
    return absl::DeadlineExceededError(absl::StrCat(
        "evaluation ran out of its ", request.recipe().max_trial_seconds(),
        " s budget after ", outcome.epochs.size(), " epochs"));
  }
  if (outcome.cost.params != analytic->params ||
      outcome.cost.macs != analytic->macs) {
    return absl::InternalError(
        absl::StrCat("model builder disagrees with the analytic cost: params ",
                     outcome.cost.params, " vs ", analytic->params, ", MACs ",
                     outcome.cost.macs, " vs ", analytic->macs));
  }

  v1::EvaluationResult result;
  result.set_genome_hash(genome::GenomeHash(request.genome()));
  result.set_cache_key(request.cache_key());
  result.set_evaluator_version(kEvaluatorVersion);
  result.set_synthetic(false);
  result.set_val_accuracy(outcome.val_accuracy);
  result.set_val_loss(outcome.val_loss);
  if (outcome.test_accuracy) result.set_test_accuracy(*outcome.test_accuracy);
  result.set_parent_val_accuracy(outcome.val_accuracy);
  result.set_params(outcome.cost.params);
  result.set_macs(outcome.cost.macs);
  result.set_parent_params(outcome.cost.params);
  result.set_parent_macs(outcome.cost.macs);
  result.set_model_bytes(outcome.model_bytes);
  v1::Latency* latency = result.mutable_latency();
  latency->set_batch1_ms(outcome.latency.batch1_ms);
  latency->set_batch_ms(outcome.latency.batch_ms);
  latency->set_batch_size(static_cast<int32_t>(outcome.latency.batch_size));
  latency->set_repeats(outcome.latency.repeats);
  latency->set_device(outcome.latency.device);
  result.set_parent_latency_batch1_ms(outcome.latency.batch1_ms);
  v1::PhaseSeconds* seconds = result.mutable_phase_seconds();
  seconds->set_setup(outcome.setup_seconds);
  seconds->set_train(outcome.train_seconds);
  seconds->set_measure(outcome.measure_seconds);
  seconds->set_export_(outcome.export_seconds);
  result.set_total_seconds(outcome.total_seconds);
  result.set_train_samples_per_second(outcome.train_samples_per_second);
  FillEpochs(outcome.epochs, &result);
  v1::Fidelity* fidelity = result.mutable_fidelity();
  fidelity->set_epochs(train->epochs);
  fidelity->set_train_subset(engine.data.train_subset);
  if (!outcome.export_path.empty()) {
    absl::StatusOr<std::string> bytes =
        ReadTextFile(outcome.export_path, size_t{1} << 34);
    if (!bytes.ok()) return bytes.status();
    result.set_artifact_sha256(Sha256Hex(*bytes));
  }
  return result;
}

}  // namespace nasprune::worker
