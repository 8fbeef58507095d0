// nasprune-worker: the worker process. Composition root: flags are read here
// and nowhere else.
//
//   nasprune-worker evaluate --genome G.yaml [--dataset fashion-mnist]
//       [--epochs N] [--subset N] [--export model.pt] [--test] ...
// runs the whole evaluation pipeline once and prints the EvaluationResult as
// JSON on stdout (progress goes to stderr). The daemon mode (gRPC Worker
// service) arrives with the service issue.
//
// Exit status: 0 success, 1 evaluation failure, 2 bad input or usage.

#include <iostream>
#include <string>

#include "CLI/CLI.hpp"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/jobspec/job_spec.h"
#include "common/jobspec/yaml_proto.h"
#include "google/protobuf/util/json_util.h"
#include "worker/evaluator/evaluator.h"
#include "worker/memory/caching_allocator.h"

namespace {

int Fail(const absl::Status& status) {
  std::cerr << "error: " << status.message() << "\n";
  return status.code() == absl::StatusCode::kInvalidArgument ? 2 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"nasprune-worker: evaluates genomes with LibTorch"};
  app.require_subcommand(1);

  std::string genome_path, dataset = "fashion-mnist", dataset_path, export_path,
                           device = "cpu", optimizer, parent_dir;
  std::vector<std::string> dataset_roots = {"/usr/share/datasets"};
  int epochs = 0, batch_size = 0, threads = 0;
  int64_t subset = 0, validation_subset = 0;
  double learning_rate = 0;
  uint64_t seed = 0;
  bool augment = false, test_split = false, quiet = false;
  auto* evaluate = app.add_subcommand(
      "evaluate", "Train, measure and optionally export one genome");
  evaluate->add_option("--genome", genome_path, "Genome file (YAML or JSON)")
      ->required();
  evaluate->add_option("--dataset", dataset, "Data set name")
      ->capture_default_str();
  evaluate->add_option("--dataset-path", dataset_path,
                       "Directory of the data set files");
  evaluate
      ->add_option("--dataset-root", dataset_roots,
                   "Roots searched for named data sets")
      ->capture_default_str();
  evaluate->add_option("--epochs", epochs, "Training epochs (default 10)");
  evaluate->add_option("--subset", subset, "Training examples (0 = all)");
  evaluate->add_option("--validation-subset", validation_subset,
                       "Validation examples (0 = all)");
  evaluate->add_option("--batch-size", batch_size, "Batch size (default 128)");
  evaluate->add_option("--lr", learning_rate, "Peak learning rate");
  evaluate->add_option("--optimizer", optimizer, "sgd or adamw");
  evaluate->add_flag("--augment", augment, "Random crop (and flip for RGB)");
  evaluate->add_option("--seed", seed,
                       "Seed for initialization and data order");
  evaluate->add_option("--threads", threads,
                       "LibTorch threads (0 = every hardware thread)");
  evaluate->add_option("--device", device, "cpu or cuda[:N]")
      ->capture_default_str();
  evaluate->add_option("--export", export_path,
                       "Write the TorchScript archive here");
  evaluate->add_flag("--test", test_split, "Also score the test split");
  evaluate->add_option("--parent-dir", parent_dir,
                       "Keep trained parents here and reuse them for other "
                       "pruning plans of the same architecture");
  evaluate->add_flag("--quiet,-q", quiet, "No progress on stderr");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }

  nasprune::worker::InstallCachingCpuAllocator();
  nasprune::v1::EvaluateRequest request;
  request.set_trial_id("cli/0");
  request.set_attempt(1);
  if (absl::Status s =
          nasprune::LoadYamlFile(genome_path, request.mutable_genome());
      !s.ok()) {
    return Fail(s);
  }
  // The job-spec code supplies defaults and validates data set and recipe.
  nasprune::v1::JobSpec spec;
  spec.set_name("evaluate");
  spec.mutable_dataset()->set_name(dataset);
  spec.mutable_dataset()->set_path(dataset_path);
  spec.mutable_dataset()->set_train_subset(subset);
  spec.mutable_dataset()->set_validation_subset(validation_subset);
  auto* recipe = spec.mutable_recipe();
  recipe->set_epochs(epochs);
  recipe->set_batch_size(batch_size);
  recipe->set_learning_rate(learning_rate);
  recipe->set_augment(augment);
  if (!optimizer.empty()) {
    nasprune::v1::Optimizer kind;
    const std::string upper = "OPTIMIZER_" + absl::AsciiStrToUpper(optimizer);
    if (!nasprune::v1::Optimizer_Parse(upper, &kind)) {
      return Fail(absl::InvalidArgumentError(absl::StrCat(
          "--optimizer: \"", optimizer, "\" is not sgd or adamw")));
    }
    recipe->set_optimizer(kind);
  }
  absl::StatusOr<nasprune::v1::JobSpec> prepared =
      nasprune::jobspec::PrepareJobSpec(spec);
  if (!prepared.ok()) return Fail(prepared.status());
  *request.mutable_dataset() = prepared->dataset();
  *request.mutable_recipe() = prepared->recipe();
  request.set_seed(seed);
  request.set_evaluate_test_split(test_split);
  request.set_export_model(!export_path.empty());

  nasprune::worker::EvaluatorOptions options;
  options.dataset_search_path = dataset_roots;
  options.device = device;
  options.threads = threads;
  if (!parent_dir.empty()) {
    options.parents = std::make_shared<nasprune::worker::ParentStore>(
        nasprune::worker::ParentStore::Options{.directory = parent_dir});
  }
  auto progress = [&](const nasprune::v1::TrialProgress& p) {
    if (quiet) return;
    if (p.has_epoch()) {
      const auto& e = p.epoch();
      std::cerr << absl::StrFormat(
          "%s epoch %d/%d  loss %.4f  train %.4f  val %.4f  %.1f s  %.0f "
          "samples/s\n",
          p.phase() == nasprune::v1::PHASE_FINETUNE ? "fine-tune" : "train",
          e.epoch(), p.total_epochs(), e.train_loss(), e.train_accuracy(),
          e.val_accuracy(), e.seconds(), e.samples_per_second());
    } else {
      std::cerr << "phase " << nasprune::v1::Phase_Name(p.phase()) << "\n";
    }
  };
  absl::StatusOr<nasprune::v1::EvaluationResult> result =
      nasprune::worker::EvaluateGenome(request, export_path, options, progress,
                                       /*cancel=*/nullptr);
  if (!result.ok()) return Fail(result.status());
  google::protobuf::util::JsonPrintOptions json_options;
  json_options.add_whitespace = true;
  json_options.preserve_proto_field_names = true;
  json_options.always_print_primitive_fields = true;
  std::string json;
  (void)google::protobuf::util::MessageToJsonString(*result, &json,
                                                    json_options);
  std::cout << json;
  return 0;
}
