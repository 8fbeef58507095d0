// nasprune-worker: the worker process. Composition root: flags are read here
// and nowhere else.
//
//   nasprune-worker evaluate --genome G.yaml [--dataset fashion-mnist]
//       [--epochs N] [--subset N] [--export model.pt] [--test] ...
// runs the whole evaluation pipeline once and prints the EvaluationResult as
// JSON on stdout (progress goes to stderr).
//
//   nasprune-worker serve --listen 127.0.0.1:50052 [--controller HOST:PORT]
//       [--slots 1] [--evaluator libtorch|synthetic] ...
// runs the daemon: the gRPC Worker service and the health service, and
// (with --controller) registration and heartbeats, until SIGTERM or SIGINT.
//
// Exit status: 0 success, 1 evaluation failure or serving error, 2 bad input
// or usage.

#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <string>

#include "CLI/CLI.hpp"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/daemon/daemon.h"
#include "common/jobspec/job_spec.h"
#include "common/jobspec/yaml_proto.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "worker/evaluator/evaluator.h"
#include "worker/memory/caching_allocator.h"
#include "worker/service/registrar.h"
#include "worker/service/slots.h"
#include "worker/service/worker_service.h"
#include "worker/synthetic/synthetic_evaluator.h"

namespace {

namespace w = nasprune::worker;

int Fail(const absl::Status& status) {
  std::cerr << "error: " << status.message() << "\n";
  return status.code() == absl::StatusCode::kInvalidArgument ? 2 : 1;
}

struct ServeFlags {
  std::string listen = "127.0.0.1:50052";
  std::string advertise;
  std::string name;
  std::string controller;
  int slots = 1;
  std::string evaluator = "libtorch";
  int synthetic_delay_ms = 0;
  bool synthetic_fail_all = false;
  std::string artifact_dir;
};

// The LibTorch evaluation for the daemon: cancellation reaches the training
// loop through a CancellationToken; an exported archive lands in the
// artifact directory under its SHA-256.
w::EvaluateFn LibTorchEvaluation(w::EvaluatorOptions options,
                                 std::string artifact_dir) {
  return [options = std::move(options), artifact_dir = std::move(artifact_dir)](
             const nasprune::v1::EvaluateRequest& request,
             const std::function<void(const nasprune::v1::TrialProgress&)>&
                 progress,
             w::Canceller& canceller)
             -> absl::StatusOr<nasprune::v1::EvaluationResult> {
    std::string export_path;
    if (request.export_model() && !artifact_dir.empty()) {
      std::string safe = request.trial_id();
      for (char& c : safe)
        c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
      export_path = absl::StrCat(artifact_dir, "/.tmp-", safe, "-",
                                 request.attempt(), ".pt");
    }
    // The hook may run on another thread just as the evaluation ends, so
    // it holds the token, not a reference to it.
    auto token = std::make_shared<w::CancellationToken>();
    canceller.OnCancel([token] { token->Cancel(); });
    absl::StatusOr<nasprune::v1::EvaluationResult> result =
        w::EvaluateGenome(request, export_path, options, progress, token.get());
    canceller.OnCancel(nullptr);
    if (export_path.empty()) return result;
    std::error_code error;
    if (result.ok() && !result->artifact_sha256().empty()) {
      std::filesystem::rename(
          export_path,
          absl::StrCat(artifact_dir, "/", result->artifact_sha256(), ".pt"),
          error);
      if (error) {
        std::filesystem::remove(export_path, error);
        return absl::InternalError(
            absl::StrCat("cannot move the exported model into ", artifact_dir,
                         ": ", error.message()));
      }
    } else {
      std::filesystem::remove(export_path, error);  // Failed or cancelled.
    }
    return result;
  };
}

int Serve(const ServeFlags& flags, const w::EvaluatorOptions& options) {
  if (flags.slots < 1 || flags.slots > 1024) {
    return Fail(absl::InvalidArgumentError(
        absl::StrCat("--slots: ", flags.slots, " is outside [1, 1024]")));
  }
  w::WorkerIdentity identity;
  w::EvaluateFn evaluate;
  if (flags.evaluator == "synthetic") {
    if (flags.synthetic_delay_ms < 0) {
      return Fail(absl::InvalidArgumentError(absl::StrCat(
          "--synthetic-delay-ms: ", flags.synthetic_delay_ms, " is negative")));
    }
    const w::SyntheticOptions synthetic{
        .delay = std::chrono::milliseconds(flags.synthetic_delay_ms),
        .fail_all = flags.synthetic_fail_all};
    evaluate = [synthetic](const nasprune::v1::EvaluateRequest& request,
                           const std::function<void(
                               const nasprune::v1::TrialProgress&)>& progress,
                           w::Canceller& canceller) {
      return w::EvaluateSynthetic(
          request, synthetic, progress,
          [&canceller](std::chrono::steady_clock::time_point deadline) {
            return canceller.WaitUntil(deadline);
          });
    };
    identity.evaluator_version = w::kSyntheticEvaluatorVersion;
    identity.synthetic = true;
    identity.device = "synthetic";
  } else if (flags.evaluator == "libtorch") {
    if (absl::Status s =
            nasprune::CreateFlagDirectory("--artifact-dir", flags.artifact_dir);
        !s.ok()) {
      return Fail(s);
    }
    evaluate = LibTorchEvaluation(options, flags.artifact_dir);
    identity.evaluator_version = w::kEvaluatorVersion;
    identity.device = options.device;
  } else {
    return Fail(absl::InvalidArgumentError(
        absl::StrCat("--evaluator: \"", flags.evaluator,
                     "\" is not libtorch or synthetic")));
  }

  nasprune::StopSignals stop_signals;  // Before any thread starts.

  // The identity (name, address) is known before serving: --listen names
  // its port.
  const size_t colon = flags.listen.rfind(':');
  int listen_port = 0;
  if (colon == std::string::npos ||
      !absl::SimpleAtoi(flags.listen.substr(colon + 1), &listen_port) ||
      listen_port <= 0 || listen_port > 65535) {
    return Fail(absl::InvalidArgumentError(
        absl::StrCat("--listen: \"", flags.listen,
                     "\" is not HOST:PORT with a port in "
                     "[1, 65535]")));
  }
  const std::string host = flags.listen.substr(0, colon);
  identity.address =
      !flags.advertise.empty()
          ? flags.advertise
          : absl::StrCat(
                host == "0.0.0.0" || host == "[::]" ? "127.0.0.1" : host, ":",
                listen_port);
  if (!flags.name.empty()) {
    identity.name = flags.name;
  } else {
    char hostname[256] = {};
    gethostname(hostname, sizeof(hostname) - 1);
    identity.name = absl::StrCat(hostname, "-", listen_port);
  }

  w::SlotTable slots(flags.slots);
  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(flags.listen, grpc::InsecureServerCredentials(),
                           &port);
  nasprune::metrics::Registry registry;
  w::WorkerMetrics metrics(registry);
  w::WorkerServiceImpl service(identity, &slots, evaluate, &metrics);
  builder.RegisterService(&service);
  // One thread per slot waits for work, plus a few for Cancel and Status:
  // gRPC's default (one or two) starts a thread for each call that arrives
  // and ends it afterwards, which costs milliseconds per dispatch.
  builder.SetSyncServerOption(
      grpc::ServerBuilder::SyncServerOption::MIN_POLLERS, flags.slots + 2);
  builder.SetSyncServerOption(
      grpc::ServerBuilder::SyncServerOption::MAX_POLLERS, flags.slots + 4);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    std::cerr << "error: cannot listen on " << flags.listen << "\n";
    return 1;
  }
  std::unique_ptr<w::Registrar> registrar;
  if (!flags.controller.empty()) {
    registrar = std::make_unique<w::Registrar>(
        w::Registrar::Options{.controller_address = flags.controller,
                              .identity = identity,
                              .slots = &slots});
    registrar->Start();
  }
  std::cerr << absl::StrFormat(
      "nasprune-worker %s: serving on %s, %d slot(s), evaluator %s%s\n",
      identity.name, identity.address, flags.slots, identity.evaluator_version,
      flags.controller.empty()
          ? ""
          : absl::StrCat(", controller ", flags.controller));
  const int signal = stop_signals.Wait();
  std::cerr << "nasprune-worker: signal " << signal << ", stopping\n";
  if (registrar) registrar->Stop();
  // Running evaluations are told to stop; the deadline bounds the wait.
  for (const std::string& id : slots.Running()) slots.Cancel(id);
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(10));
  return 0;
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

  ServeFlags serve_flags;
  auto* serve = app.add_subcommand(
      "serve", "Run the worker daemon (gRPC Worker service)");
  serve->add_option("--listen", serve_flags.listen, "HOST:PORT to serve on")
      ->capture_default_str();
  serve->add_option("--advertise", serve_flags.advertise,
                    "Address the controller dials (default: --listen, with "
                    "127.0.0.1 for a wildcard host)");
  serve->add_option("--name", serve_flags.name,
                    "Unique worker name (default: <hostname>-<port>)");
  serve->add_option("--controller", serve_flags.controller,
                    "Controller HOST:PORT to register with (none: serve "
                    "unregistered)");
  serve
      ->add_option("--slots", serve_flags.slots,
                   "Evaluations run at once, in [1, 1024]")
      ->capture_default_str();
  serve
      ->add_option("--evaluator", serve_flags.evaluator,
                   "libtorch, or synthetic (a deterministic function of the "
                   "genome for scale and fault tests; never trains)")
      ->capture_default_str();
  serve
      ->add_option("--synthetic-delay-ms", serve_flags.synthetic_delay_ms,
                   "Wall time of one synthetic evaluation")
      ->capture_default_str();
  serve->add_flag("--synthetic-fail-all", serve_flags.synthetic_fail_all,
                  "Fail every synthetic evaluation (fault tests)");
  serve->add_option("--artifact-dir", serve_flags.artifact_dir,
                    "Where exported models are written, as <sha256>.pt");
  serve->add_option("--device", device, "cpu or cuda[:N]")
      ->capture_default_str();
  serve->add_option("--threads", threads,
                    "LibTorch threads (0 = every hardware thread)");
  serve
      ->add_option("--dataset-root", dataset_roots,
                   "Roots searched for named data sets")
      ->capture_default_str();
  serve->add_option("--parent-dir", parent_dir,
                    "Keep trained parents here for reuse across evaluations");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }

  nasprune::worker::InstallCachingCpuAllocator();
  if (serve->parsed()) {
    w::EvaluatorOptions options;
    options.dataset_search_path = dataset_roots;
    options.device = device;
    options.threads = threads;
    options.parents = std::make_shared<w::ParentStore>(
        w::ParentStore::Options{.directory = parent_dir});
    return Serve(serve_flags, options);
  }
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
