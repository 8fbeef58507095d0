#include "worker/evaluator/libtorch_evaluator.h"

#include <c10/util/Exception.h>

#include <filesystem>
#include <memory>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/artifacts/artifacts.h"
#include "common/canonical/canonical.h"
#include "common/genome/cost.h"
#include "common/genome/hash.h"
#include "common/genome/network_plan.h"
#include "worker/data/data_error.h"
#include "worker/engine/engine.h"
#include "worker/engine/score_model.h"
#include "worker/evaluator/device.h"
#include "worker/evaluator/oom_retry.h"
#include "worker/memory/device_memory.h"

namespace nasprune::worker {
namespace {

v1::Phase ToPhase(EnginePhase phase) {
  switch (phase) {
    case EnginePhase::kSetup:
      return v1::PHASE_SETUP;
    case EnginePhase::kTrain:
      return v1::PHASE_TRAIN;
    case EnginePhase::kPrune:
      return v1::PHASE_PRUNE;
    case EnginePhase::kFinetune:
      return v1::PHASE_FINETUNE;
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
  int previous = 0;
  for (int boundary : r.fidelity().resume_epochs()) {
    if (boundary <= previous || boundary >= o.epochs) {
      return absl::InvalidArgumentError(
          absl::StrCat("fidelity.resume_epochs: must ascend within [1, ",
                       o.epochs, ") (the fidelity's epochs), got [",
                       absl::StrJoin(r.fidelity().resume_epochs(), ", "), "]"));
    }
    previous = boundary;
  }
  return o;
}

void FillEpochs(const std::vector<EpochStats>& epochs, v1::Phase phase,
                v1::EvaluationResult* result) {
  for (const EpochStats& e : epochs) {
    v1::EpochMetrics* m = result->add_epochs();
    m->set_phase(phase);
    m->set_epoch(e.epoch);
    m->set_train_loss(e.train_loss);
    m->set_train_accuracy(e.train_accuracy);
    m->set_val_loss(e.val_loss);
    m->set_val_accuracy(e.val_accuracy);
    m->set_seconds(e.seconds);
    m->set_samples_per_second(e.samples_per_second);
    m->set_samples(e.samples);
  }
}

// The same network as `plan` (channels per layer; ranks of head layers only
// when `ranks`).
bool SameNetwork(const genome::NetworkPlan& a, const genome::NetworkPlan& b,
                 bool ranks) {
  if (a.blocks.size() != b.blocks.size() ||
      a.stem.out_channels != b.stem.out_channels ||
      a.head.in_channels != b.head.in_channels ||
      a.head.hidden.out != b.head.hidden.out) {
    return false;
  }
  for (size_t i = 0; i < a.blocks.size(); ++i) {
    const auto &x = a.blocks[i], &y = b.blocks[i];
    if (x.in_channels != y.in_channels || x.mid_channels != y.mid_channels ||
        x.out_channels != y.out_channels || x.se.channels != y.se.channels) {
      return false;
    }
  }
  return !ranks || (a.head.hidden.rank == b.head.hidden.rank &&
                    a.head.classifier.rank == b.head.classifier.rank);
}

// The data options of `request` (its fidelity's train_subset included).
DataOptions ToDataOptions(const v1::EvaluateRequest& request,
                          const torch::Device& device) {
  const v1::DatasetSpec& dataset = request.dataset();
  DataOptions data;
  data.format = dataset.format() == v1::DATASET_FORMAT_CIFAR10_BINARY
                    ? DataFormat::kCifar10Binary
                    : DataFormat::kIdx;
  data.num_classes = dataset.num_classes();
  data.validation_fraction = dataset.validation_fraction();
  data.train_subset = request.fidelity().train_subset() > 0
                          ? request.fidelity().train_subset()
                          : dataset.train_subset();
  data.validation_subset = dataset.validation_subset();
  data.device = device;
  return data;
}

// The kept model `request` inherits from, read into `engine`. A request
// without inherit_genome, or with one that is not a valid genome, is
// INVALID_ARGUMENT; a model that cannot be read is FAILED_PRECONDITION (no
// artifact directory), NOT_FOUND (gone) or DATA_LOSS (damaged), all
// retryable elsewhere: training from scratch instead would store a result
// and a parent under keys that say they were inherited.
absl::Status AddInheritance(const v1::EvaluateRequest& request,
                            const genome::InputSpec& input,
                            const EvaluatorOptions& options,
                            EngineRequest* engine) {
  const std::string& digest = request.inherit_model_sha256();
  if (digest.empty()) return absl::OkStatus();
  if (!request.has_inherit_genome()) {
    return absl::InvalidArgumentError(
        "inherit_genome: required with inherit_model_sha256");
  }
  absl::StatusOr<genome::NetworkPlan> source =
      genome::BuildNetworkPlan(request.inherit_genome(), input);
  if (!source.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("inherit_genome: ", source.status().message()));
  }
  if (options.artifact_dir.empty()) {
    return absl::FailedPreconditionError(
        "inherit_model_sha256: this worker has no artifact directory "
        "(--artifact-dir) to read the kept model from");
  }
  absl::StatusOr<std::string> archive =
      artifacts::ReadVerified(options.artifact_dir, digest);
  if (!archive.ok()) {
    return absl::Status(
        archive.status().code(),
        absl::StrCat("inherit_model_sha256: ", archive.status().message()));
  }
  engine->inherit_archive = *std::move(archive);
  engine->inherit_plan = *std::move(source);
  return absl::OkStatus();
}

}  // namespace

std::string EvaluatorVersion(const std::string& device) {
  return NamesCudaDevice(device) ? absl::StrCat(kEvaluatorVersion, "+cuda")
                                 : kEvaluatorVersion;
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

std::string ParentKey(const v1::EvaluateRequest& request,
                      const std::string& device) {
  v1::TrainingRecipe recipe = request.recipe();
  recipe.clear_finetune_lr_scale();
  recipe.clear_max_trial_seconds();
  // The fidelity as trained: defaults resolved, so that a boundary of a
  // segmented run (ResumeBoundaries) names the same parent as the lower
  // rung's own trial.
  v1::Fidelity fidelity = request.fidelity();
  if (fidelity.epochs() == 0) fidelity.set_epochs(recipe.epochs());
  if (fidelity.train_subset() == 0) {
    fidelity.set_train_subset(request.dataset().train_subset());
  }
  std::string key =
      absl::StrCat(genome::ArchitectureHash(request.genome().arch()), "|",
                   CanonicalText(recipe), "|", CanonicalText(request.dataset()),
                   "|", CanonicalText(fidelity), "|", request.seed(), "|",
                   device, "|", kEvaluatorVersion);
  if (!request.inherit_model_sha256().empty()) {
    absl::StrAppend(&key, "|inherit:", request.inherit_model_sha256());
  }
  return Hash128Hex("nasprune.v1.ParentKey", key);
}

std::vector<EngineRequest::Boundary> ResumeBoundaries(
    const v1::EvaluateRequest& request, const std::string& device) {
  std::vector<EngineRequest::Boundary> boundaries;
  v1::EvaluateRequest lower = request;
  const auto& resume = request.fidelity().resume_epochs();
  for (int i = 0; i < resume.size(); ++i) {
    v1::Fidelity* fidelity = lower.mutable_fidelity();
    fidelity->set_epochs(resume[i]);
    fidelity->clear_resume_epochs();
    for (int j = 0; j < i; ++j) fidelity->add_resume_epochs(resume[j]);
    boundaries.push_back({resume[i], ParentKey(lower, device)});
  }
  return boundaries;
}

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
  engine.pruning = genome::BuildPruningPlan(request.genome().pruning());
  if (genome::PlanPrunes(*plan) &&
      engine.pruning.criterion == genome::Criterion::kNone) {
    return absl::InvalidArgumentError(
        "genome.pruning.criterion: not supported by this worker");
  }
  engine.finetune_lr_scale = request.recipe().finetune_lr_scale() > 0
                                 ? request.recipe().finetune_lr_scale()
                                 : 0.1;
  if (options.parents != nullptr) {
    engine.parents = options.parents.get();
    engine.parent_key = ParentKey(request, device->str());
  }
  engine.resume = ResumeBoundaries(request, device->str());
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
  engine.data = ToDataOptions(request, *device);
  if (absl::Status inherit = AddInheritance(request, input, options, &engine);
      !inherit.ok()) {
    return inherit;
  }
  // A fidelity of fewer epochs than the recipe's scales fine-tuning alike,
  // so that the rung's resource bounds the whole trial.
  if (request.recipe().epochs() > 0 &&
      train->epochs < request.recipe().epochs()) {
    engine.finetune_fraction =
        static_cast<double>(train->epochs) / request.recipe().epochs();
  }

  EngineCallbacks callbacks;
  const int train_epochs = train->epochs;
  const int finetune_epochs = engine.pruning.finetune_epochs;
  if (progress) {
    auto report = [&](v1::Phase phase, const EpochStats* epoch) {
      v1::TrialProgress p;
      p.set_trial_id(request.trial_id());
      p.set_phase(phase);
      if (phase == v1::PHASE_TRAIN) p.set_total_epochs(train_epochs);
      if (phase == v1::PHASE_FINETUNE) p.set_total_epochs(finetune_epochs);
      if (epoch != nullptr) {
        v1::EvaluationResult scratch;
        FillEpochs({*epoch}, phase, &scratch);
        *p.mutable_epoch() = scratch.epochs(0);
      }
      progress(p);
    };
    callbacks.on_phase = [report](EnginePhase phase) {
      report(ToPhase(phase), nullptr);
    };
    callbacks.on_epoch = [report](EnginePhase phase, const EpochStats& e) {
      report(ToPhase(phase), &e);
    };
  }

  EngineResult outcome;
  OomRetries retries;
  try {
    engine.data.directory = ResolveDatasetDirectory(
        dataset.name(), dataset.path(), options.dataset_search_path);
    ResetDevicePeak(*device);
    outcome = RunHalvingBatchOnOom(
        engine, kMinOomBatchSize,
        [&](const EngineRequest& r) { return RunEngine(r, callbacks, cancel); },
        ReleaseDeviceCache, &retries);
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
  // The final model must be the genome's pruned network, with the analytic
  // counts (energy-based ranks are chosen from trained weights, so then the
  // counts are those of the plan the engine chose).
  const bool by_energy = engine.pruning.low_rank_energy > 0;
  const genome::ModelCost expected =
      by_energy ? genome::ComputeCost(outcome.final_plan, false) : *analytic;
  if (!SameNetwork(outcome.final_plan, *plan, /*ranks=*/!by_energy) ||
      outcome.cost.params != expected.params ||
      outcome.cost.macs != expected.macs) {
    return absl::InternalError(
        absl::StrCat("model builder disagrees with the analytic cost: params ",
                     outcome.cost.params, " vs ", expected.params, ", MACs ",
                     outcome.cost.macs, " vs ", expected.macs));
  }

  v1::EvaluationResult result;
  result.set_genome_hash(genome::GenomeHash(request.genome()));
  result.set_cache_key(request.cache_key());
  result.set_evaluator_version(EvaluatorVersion(options.device));
  result.set_synthetic(false);
  result.set_val_accuracy(outcome.val_accuracy);
  result.set_val_loss(outcome.val_loss);
  if (outcome.test_accuracy) result.set_test_accuracy(*outcome.test_accuracy);
  result.set_parent_val_accuracy(outcome.parent_val_accuracy);
  result.set_params(outcome.cost.params);
  result.set_macs(outcome.cost.macs);
  result.set_parent_params(outcome.parent_cost.params);
  result.set_parent_macs(outcome.parent_cost.macs);
  result.set_model_bytes(outcome.model_bytes);
  result.set_pruned(outcome.pruned);
  if (outcome.pruned_val_accuracy) {
    result.set_pruned_val_accuracy(*outcome.pruned_val_accuracy);
  }
  result.set_hidden_rank(outcome.final_plan.head.hidden.rank);
  result.set_classifier_rank(outcome.final_plan.head.classifier.rank);
  result.set_parent_reused(outcome.parent_reused);
  v1::Latency* latency = result.mutable_latency();
  latency->set_batch1_ms(outcome.latency.batch1_ms);
  latency->set_batch_ms(outcome.latency.batch_ms);
  latency->set_batch_size(static_cast<int32_t>(outcome.latency.batch_size));
  latency->set_repeats(outcome.latency.repeats);
  latency->set_device(outcome.latency.device);
  latency->set_batch1_p90_ms(outcome.latency.batch1_p90_ms);
  latency->set_batch_p90_ms(outcome.latency.batch_p90_ms);
  latency->set_timing(outcome.latency.timing);
  latency->set_int8_batch1_ms(outcome.int8_batch1_ms);
  latency->set_quantization_note(outcome.quantization_note);
  if (outcome.int8_val_accuracy) {
    result.set_int8_val_accuracy(*outcome.int8_val_accuracy);
  }
  result.set_parent_latency_batch1_ms(outcome.parent_latency_batch1_ms);
  v1::PhaseSeconds* seconds = result.mutable_phase_seconds();
  seconds->set_setup(outcome.setup_seconds);
  seconds->set_train(outcome.train_seconds);
  seconds->set_prune(outcome.prune_seconds);
  seconds->set_finetune(outcome.finetune_seconds);
  seconds->set_measure(outcome.measure_seconds);
  seconds->set_export_(outcome.export_seconds);
  result.set_total_seconds(outcome.total_seconds);
  result.set_train_samples_per_second(outcome.train_samples_per_second);
  result.set_train_gflops_per_second(6.0 * outcome.parent_cost.macs *
                                     outcome.train_samples_per_second / 1e9);
  result.set_resumed_epochs(outcome.resumed_epochs);
  result.set_batch_size(retries.batch_size);
  result.set_oom_retries(retries.retries);
  if (std::optional<DeviceMemory> memory = QueryDeviceMemory(*device)) {
    result.set_device_peak_memory_bytes(memory->peak_allocated_bytes);
  }
  result.set_inherited_fraction(outcome.inherited_fraction);
  FillEpochs(outcome.epochs, v1::PHASE_TRAIN, &result);
  FillEpochs(outcome.finetune_epochs, v1::PHASE_FINETUNE, &result);
  v1::Fidelity* fidelity = result.mutable_fidelity();
  fidelity->set_epochs(train->epochs);
  fidelity->set_train_subset(engine.data.train_subset);
  *fidelity->mutable_resume_epochs() = request.fidelity().resume_epochs();
  if (!outcome.export_path.empty()) {
    absl::StatusOr<std::string> digest =
        artifacts::FileSha256(outcome.export_path);
    if (!digest.ok()) return digest.status();
    result.set_artifact_sha256(*digest);
  }
  return result;
}

absl::StatusOr<v1::EvaluationResult> ScoreKeptModel(
    const v1::EvaluateRequest& request, const std::string& artifact_dir,
    const EvaluatorOptions& options) {
  const std::string& digest = request.score_model_sha256();
  if (artifact_dir.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "score_model_sha256: this worker has no artifact directory "
        "(--artifact-dir) to find ",
        digest, " in"));
  }
  absl::StatusOr<std::string> archive =
      artifacts::ReadVerified(artifact_dir, digest);
  if (!archive.ok()) return archive.status();
  absl::StatusOr<torch::Device> device = ParseDevice(options.device);
  if (!device.ok()) return device.status();
  ScoreRequest score;
  score.archive = *std::move(archive);
  score.data = ToDataOptions(request, *device);
  score.evaluate_test = request.evaluate_test_split();
  score.threads = options.threads;
  ScoreResult scored;
  try {
    score.data.directory = ResolveDatasetDirectory(request.dataset().name(),
                                                   request.dataset().path(),
                                                   options.dataset_search_path);
    scored = ScoreModel(score);
  } catch (const std::exception& e) {
    return StatusFromException(e);
  }
  v1::EvaluationResult result;
  result.set_genome_hash(genome::GenomeHash(request.genome()));
  result.set_cache_key(request.cache_key());
  result.set_evaluator_version(EvaluatorVersion(options.device));
  result.set_val_accuracy(scored.val_accuracy);
  result.set_val_loss(scored.val_loss);
  if (scored.test_accuracy) result.set_test_accuracy(*scored.test_accuracy);
  result.set_artifact_sha256(digest);
  result.set_model_bytes(static_cast<int64_t>(score.archive.size()));
  result.set_kept_model(true);
  result.mutable_phase_seconds()->set_measure(scored.seconds);
  result.set_total_seconds(scored.seconds);
  *result.mutable_fidelity() = request.fidelity();
  return result;
}

Evaluator::Info LibTorchEvaluator::info() const {
  return {.version = EvaluatorVersion(options_.device),
          .device = options_.device,
          .synthetic = false};
}

absl::StatusOr<v1::EvaluationResult> LibTorchEvaluator::Evaluate(
    const v1::EvaluateRequest& request, const ProgressCallback& progress,
    Canceller& canceller) {
  ++running_;
  absl::StatusOr<v1::EvaluationResult> result =
      !request.score_model_sha256().empty()
          ? ScoreKeptModel(request, artifact_dir_, options_)
          : Run(request, progress, canceller);
  const int others = running_.load() - 1;
  if (--running_ == 0 && options_.on_idle) options_.on_idle();
  if (!result.ok() &&
      result.status().code() == absl::StatusCode::kResourceExhausted &&
      others > 0 && NamesCudaDevice(options_.device)) {
    return absl::UnavailableError(absl::StrCat(
        result.status().message(), " (", others, " other evaluation(s) shared ",
        options_.device, "; it may fit alone, so it is retried)"));
  }
  return result;
}

absl::Status LibTorchEvaluator::Admit() {
  // Called before every evaluation: a CPU worker has nothing to check.
  if (!NamesCudaDevice(options_.device)) return absl::OkStatus();
  absl::StatusOr<torch::Device> device = ParseDevice(options_.device);
  if (!device.ok() || !device->is_cuda() ||
      options_.device_memory_reserve_bytes <= 0) {
    return absl::OkStatus();  // A bad device fails in Evaluate, by name.
  }
  std::optional<DeviceMemory> memory = QueryDeviceMemory(*device);
  if (!memory || memory->free_bytes >= options_.device_memory_reserve_bytes) {
    return absl::OkStatus();
  }
  return absl::ResourceExhaustedError(absl::StrFormat(
      "device %s has %d MiB free, less than the %d MiB a new evaluation "
      "needs (--device-memory-reserve-mib)",
      options_.device, memory->free_bytes >> 20,
      options_.device_memory_reserve_bytes >> 20));
}

absl::StatusOr<v1::EvaluationResult> LibTorchEvaluator::Run(
    const v1::EvaluateRequest& request, const ProgressCallback& progress,
    Canceller& canceller) {
  const std::string temporary =
      (request.export_model() || request.keep_model()) && !artifact_dir_.empty()
          ? artifacts::TemporaryPath(artifact_dir_, request.trial_id(),
                                     request.attempt())
          : "";
  // The hook may run on another thread just as the evaluation ends, so it
  // holds the token, not a reference to it.
  auto token = std::make_shared<CancellationToken>();
  canceller.OnCancel([token] { token->Cancel(); });
  absl::StatusOr<v1::EvaluationResult> result =
      EvaluateGenome(request, temporary, options_, progress, token.get());
  canceller.OnCancel(nullptr);
  if (temporary.empty()) return result;
  if (!result.ok() || result->artifact_sha256().empty()) {
    std::error_code ignored;
    std::filesystem::remove(temporary, ignored);  // Failed or cancelled.
    return result;
  }
  absl::StatusOr<std::string> published =
      artifacts::Publish(artifact_dir_, temporary, result->artifact_sha256());
  if (!published.ok()) return published.status();
  return result;
}

}  // namespace nasprune::worker
