// nasprune-worker: the worker process. Composition root: flags are read here
// and nowhere else.
//
//   nasprune-worker evaluate --genome G.yaml [--dataset fashion-mnist]
//       [--dataset-path DIR --format idx --shape 1x28x28 --classes 10]
//       [--epochs N] [--subset N] [--export model.pt] [--test] ...
// runs the whole evaluation pipeline once and prints the EvaluationResult as
// JSON on stdout (progress goes to stderr).
//
//   nasprune-worker serve --listen 127.0.0.1:50052 [--controller HOST:PORT]
//       [--slots 1] [--evaluator libtorch|synthetic]
//       [--metrics-address 0.0.0.0:9465] ...
// runs the daemon: the gRPC Worker service and the health service, /metrics,
// /healthz and /readyz on the metrics port, and (with --controller)
// registration and heartbeats, until SIGTERM or SIGINT.
//
//   nasprune-worker drain [--worker 127.0.0.1:50052] [--timeout-seconds 600]
// tells a serving worker to take no new evaluations and waits until those
// it runs have ended (a Kubernetes preStop hook).
//
// Exit status: 0 success, 1 evaluation failure or serving error, 2 bad input
// or usage.

#include <chrono>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "common/daemon/daemon.h"
#include "common/daemon/dimensions.h"
#include "common/daemon/host_port.h"
#include "common/jobspec/job_spec.h"
#include "common/jobspec/yaml_proto.h"
#include "common/metrics/metrics.h"
#include "common/metrics/metrics_server.h"
#include "common/version.h"
#include "google/protobuf/util/json_util.h"
#include "worker/evaluator/device.h"
#include "worker/evaluator/libtorch_evaluator.h"
#include "worker/memory/caching_allocator.h"
#include "worker/memory/device_memory.h"
#include "worker/service/drain.h"
#include "worker/service/metrics.h"
#include "worker/service/worker_daemon.h"
#include "worker/synthetic/synthetic_evaluator.h"

namespace {

namespace w = nasprune::worker;

int Fail(const absl::Status& status) {
  std::cerr << "error: " << status.message() << "\n";
  return status.code() == absl::StatusCode::kInvalidArgument ? 2 : 1;
}

// What both subcommands pass to the LibTorch pipeline.
struct EngineFlags {
  std::vector<std::string> dataset_roots = {"/usr/share/datasets"};
  std::string device = "cpu";
  int threads = 0;
  std::string parent_dir;
  int cpu_cache_mib = 256;
  int device_memory_reserve_mib = 1024;

  // A daemon keeps trained parents (in memory, and in --parent-dir when
  // set) for the evaluations that follow; a single evaluation only in
  // --parent-dir.
  w::EvaluatorOptions ToOptions(bool daemon) const {
    w::EvaluatorOptions options;
    options.dataset_search_path = dataset_roots;
    options.device = device;
    options.threads = threads;
    options.device_memory_reserve_bytes =
        static_cast<int64_t>(device_memory_reserve_mib) << 20;
    if (daemon || !parent_dir.empty()) {
      options.parents = std::make_shared<w::ParentStore>(
          w::ParentStore::Options{.directory = parent_dir});
    }
    w::CachingCpuAllocator* cache =
        w::InstallCachingCpuAllocator(static_cast<size_t>(cpu_cache_mib) << 20);
    options.on_idle = [cache] { w::ReleaseFreeMemory(cache); };
    return options;
  }
};

struct ServeFlags {
  w::WorkerDaemon::Options daemon{.listen = "127.0.0.1:50052"};
  std::string evaluator = "libtorch";
  int synthetic_delay_ms = 0;
  int synthetic_stop_delay_ms = 0;
  bool synthetic_fail_all = false;
  std::string artifact_dir;
  std::string metrics_address;  // Empty: no metrics port.
};

struct EvaluateFlags {
  std::string genome_path, dataset = "fashion-mnist", dataset_path, export_path,
                           optimizer, format, shape;
  int epochs = 0, batch_size = 0, classes = 0;
  int64_t subset = 0, validation_subset = 0;
  double learning_rate = 0;
  uint64_t seed = 0;
  bool augment = false, test_split = false, quiet = false;
};

// The evaluator `serve` runs with, or INVALID_ARGUMENT naming the flag.
absl::StatusOr<std::unique_ptr<w::Evaluator>> MakeEvaluator(
    const ServeFlags& flags, const EngineFlags& engine) {
  if (flags.evaluator == "synthetic") {
    if (flags.synthetic_delay_ms < 0 || flags.synthetic_stop_delay_ms < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          flags.synthetic_delay_ms < 0 ? "--synthetic-delay-ms: "
                                       : "--synthetic-stop-delay-ms: ",
          std::min(flags.synthetic_delay_ms, flags.synthetic_stop_delay_ms),
          " is negative"));
    }
    return std::make_unique<w::SyntheticEvaluator>(w::SyntheticOptions{
        .delay = std::chrono::milliseconds(flags.synthetic_delay_ms),
        .fail_all = flags.synthetic_fail_all,
        .stop_delay =
            std::chrono::milliseconds(flags.synthetic_stop_delay_ms)});
  }
  if (flags.evaluator == "libtorch") {
    // A worker that cannot use its device says so now, not per trial.
    if (absl::Status device = w::ParseDevice(engine.device).status();
        !device.ok()) {
      return absl::Status(device.code(),
                          absl::StrCat("--device: ", device.message()));
    }
    if (absl::Status s =
            nasprune::CreateFlagDirectory("--artifact-dir", flags.artifact_dir);
        !s.ok()) {
      return s;
    }
    return std::make_unique<w::LibTorchEvaluator>(
        engine.ToOptions(/*daemon=*/true), flags.artifact_dir);
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "--evaluator: \"", flags.evaluator, "\" is not libtorch or synthetic"));
}

// The device memory gauges of a CUDA worker.
void SampleDeviceMemory(const torch::Device& device, w::WorkerMetrics& m) {
  const std::optional<w::DeviceMemory> memory = w::QueryDeviceMemory(device);
  if (!memory) return;
  auto& g = m.device_memory_bytes;
  g.Labels({"free"}).Set(static_cast<double>(memory->free_bytes));
  g.Labels({"total"}).Set(static_cast<double>(memory->total_bytes));
  g.Labels({"allocated"}).Set(static_cast<double>(memory->allocated_bytes));
  g.Labels({"reserved"}).Set(static_cast<double>(memory->reserved_bytes));
}

int Serve(const ServeFlags& flags, const EngineFlags& engine) {
  absl::StatusOr<std::unique_ptr<w::Evaluator>> evaluator =
      MakeEvaluator(flags, engine);
  if (!evaluator.ok()) return Fail(evaluator.status());
  nasprune::StopSignals stop_signals;  // Before any thread starts.
  nasprune::metrics::Registry registry;
  w::WorkerMetrics metrics(registry);
  w::WorkerDaemon::Options options = flags.daemon;
  options.evaluator = evaluator->get();
  options.metrics = &metrics;
  absl::StatusOr<std::unique_ptr<w::WorkerDaemon>> daemon =
      w::WorkerDaemon::Create(options);
  if (!daemon.ok()) {
    // The daemon's errors name its options, which are the flags' names.
    return Fail(absl::Status(daemon.status().code(),
                             absl::StrCat("--", daemon.status().message())));
  }
  std::unique_ptr<nasprune::metrics::MetricsServer> metrics_server;
  if (!flags.metrics_address.empty()) {
    w::WorkerDaemon* d = daemon->get();
    std::optional<torch::Device> cuda;
    if (flags.evaluator == "libtorch") {
      absl::StatusOr<torch::Device> device = w::ParseDevice(engine.device);
      if (device.ok() && device->is_cuda()) cuda = *device;
    }
    absl::StatusOr<std::unique_ptr<nasprune::metrics::MetricsServer>> started =
        nasprune::metrics::MetricsServer::Create(
            {.address = flags.metrics_address,
             .registry = &registry,
             .before_scrape =
                 [&metrics, cuda] {
                   metrics.resident_memory_bytes.Set(
                       static_cast<double>(w::ResidentBytes()));
                   if (cuda) SampleDeviceMemory(*cuda, metrics);
                 },
             .readiness = [d] { return d->Readiness(); }});
    if (!started.ok()) return Fail(started.status());
    metrics_server = *std::move(started);
  }
  const w::WorkerIdentity& identity = (*daemon)->identity();
  std::cerr << absl::StrFormat(
      "nasprune-worker %s: serving on %s, %d slot(s), evaluator %s%s%s\n",
      identity.name, identity.address, flags.daemon.slots,
      identity.evaluator_version,
      flags.daemon.controller.empty()
          ? ""
          : absl::StrCat(", controller ", flags.daemon.controller),
      metrics_server
          ? absl::StrCat(", metrics on port ", metrics_server->port())
          : "");
  const int signal = stop_signals.Wait();
  std::cerr << "nasprune-worker: signal " << signal << ", stopping\n";
  metrics_server.reset();  // Its readiness check asks the daemon.
  (*daemon)->Stop();
  return 0;
}

struct DrainFlags {
  std::string worker = "127.0.0.1:50052";
  int timeout_seconds = 600;
};

int Drain(const DrainFlags& flags) {
  if (absl::Status address =
          nasprune::ParseHostPort("--worker", flags.worker).status();
      !address.ok()) {
    return Fail(address);
  }
  const absl::Status drained = w::DrainWorker(
      {.address = flags.worker,
       .timeout = std::chrono::seconds(flags.timeout_seconds),
       .log = [](const std::string& line) { std::cerr << line << "\n"; }});
  return drained.ok() ? 0 : Fail(drained);
}

int Evaluate(const EvaluateFlags& flags, const EngineFlags& engine) {
  nasprune::v1::EvaluateRequest request;
  request.set_trial_id("cli/0");
  request.set_attempt(1);
  if (absl::Status s =
          nasprune::LoadYamlFile(flags.genome_path, request.mutable_genome());
      !s.ok()) {
    return Fail(s);
  }
  // The job-spec code supplies defaults and validates data set and recipe.
  nasprune::v1::JobSpec spec;
  spec.set_name("evaluate");
  spec.mutable_dataset()->set_name(flags.dataset);
  spec.mutable_dataset()->set_path(flags.dataset_path);
  spec.mutable_dataset()->set_num_classes(flags.classes);
  if (!flags.format.empty()) {
    nasprune::v1::DatasetFormat format;
    if (!nasprune::v1::DatasetFormat_Parse(
            "DATASET_FORMAT_" + absl::AsciiStrToUpper(flags.format), &format)) {
      return Fail(absl::InvalidArgumentError(absl::StrCat(
          "--format: \"", flags.format, "\" is not idx or cifar10_binary")));
    }
    spec.mutable_dataset()->set_format(format);
  }
  if (!flags.shape.empty()) {
    absl::StatusOr<std::vector<int>> chw =
        nasprune::ParseDimensions("--shape", flags.shape, "CxHxW", "3x32x32");
    if (!chw.ok()) return Fail(chw.status());
    auto* shape = spec.mutable_dataset()->mutable_shape();
    shape->set_channels((*chw)[0]);
    shape->set_height((*chw)[1]);
    shape->set_width((*chw)[2]);
  }
  spec.mutable_dataset()->set_train_subset(flags.subset);
  spec.mutable_dataset()->set_validation_subset(flags.validation_subset);
  auto* recipe = spec.mutable_recipe();
  recipe->set_epochs(flags.epochs);
  recipe->set_batch_size(flags.batch_size);
  recipe->set_learning_rate(flags.learning_rate);
  recipe->set_augment(flags.augment);
  if (!flags.optimizer.empty()) {
    nasprune::v1::Optimizer kind;
    const std::string upper =
        "OPTIMIZER_" + absl::AsciiStrToUpper(flags.optimizer);
    if (!nasprune::v1::Optimizer_Parse(upper, &kind)) {
      return Fail(absl::InvalidArgumentError(absl::StrCat(
          "--optimizer: \"", flags.optimizer, "\" is not sgd or adamw")));
    }
    recipe->set_optimizer(kind);
  }
  // A data set that is not built in is described by flags here.
  if (nasprune::jobspec::FindKnownDataset(flags.dataset) == nullptr) {
    std::vector<std::string> missing;
    if (flags.format.empty()) missing.push_back("--format idx|cifar10_binary");
    if (flags.shape.empty()) missing.push_back("--shape CxHxW");
    if (flags.classes == 0) missing.push_back("--classes K");
    if (flags.dataset_path.empty())
      missing.insert(missing.begin(), "--dataset-path DIR");
    if (!missing.empty()) {
      return Fail(absl::InvalidArgumentError(absl::StrCat(
          "--dataset: \"", flags.dataset,
          "\" is not built in (fashion-mnist, mnist, cifar10); give ",
          absl::StrJoin(missing, ", "),
          " (nasprune data check DIR prints them)")));
    }
  }
  absl::StatusOr<nasprune::v1::JobSpec> prepared =
      nasprune::jobspec::PrepareJobSpec(spec);
  if (!prepared.ok()) return Fail(prepared.status());
  *request.mutable_dataset() = prepared->dataset();
  *request.mutable_recipe() = prepared->recipe();
  request.set_seed(flags.seed);
  request.set_evaluate_test_split(flags.test_split);
  request.set_export_model(!flags.export_path.empty());

  auto progress = [&](const nasprune::v1::TrialProgress& p) {
    if (flags.quiet) return;
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
  absl::StatusOr<nasprune::v1::EvaluationResult> result = w::EvaluateGenome(
      request, flags.export_path, engine.ToOptions(/*daemon=*/false), progress,
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

// The flags both subcommands take for the LibTorch pipeline.
void AddEngineFlags(CLI::App* command, EngineFlags& engine) {
  command
      ->add_option("--dataset-root", engine.dataset_roots,
                   "Roots searched for named data sets")
      ->capture_default_str();
  command->add_option("--device", engine.device, "cpu or cuda[:N]")
      ->capture_default_str();
  command->add_option("--threads", engine.threads,
                      "LibTorch threads (0 = every hardware thread)");
  command->add_option("--parent-dir", engine.parent_dir,
                      "Keep trained parents here and reuse them for other "
                      "pruning plans of the same architecture");
  command
      ->add_option("--cpu-cache-mib", engine.cpu_cache_mib,
                   "Most MiB of freed CPU tensor memory kept for reuse; all "
                   "of it goes back to the system whenever no evaluation runs")
      ->check(CLI::Range(0, 1 << 20))
      ->capture_default_str();
  command
      ->add_option("--device-memory-reserve-mib",
                   engine.device_memory_reserve_mib,
                   "On a CUDA device, start an evaluation only while this "
                   "many MiB are free on it (0: always)")
      ->check(CLI::Range(0, 1 << 24))
      ->capture_default_str();
}

}  // namespace

int main(int argc, char** argv) {
  // Mutex deadlock detection (on in Debian's abseil) costs a graph lookup
  // per lock on every evaluation's path; lock order is fixed by design
  // (docs/architecture.md).
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  CLI::App app{"nasprune-worker: evaluates genomes with LibTorch"};
  app.require_subcommand(1);
  app.set_version_flag("--version",
                       std::string("nasprune-worker ") + nasprune::kVersion);

  EngineFlags engine;
  EvaluateFlags e;
  auto* evaluate = app.add_subcommand(
      "evaluate", "Train, measure and optionally export one genome");
  evaluate->add_option("--genome", e.genome_path, "Genome file (YAML or JSON)")
      ->required();
  evaluate->add_option("--dataset", e.dataset, "Data set name")
      ->capture_default_str();
  evaluate->add_option("--dataset-path", e.dataset_path,
                       "Directory of the data set files");
  evaluate->add_option("--format", e.format,
                       "With a data set that is not built in: idx or "
                       "cifar10_binary (nasprune data check tells)");
  evaluate->add_option("--shape", e.shape,
                       "With a data set that is not built in: CxHxW");
  evaluate->add_option("--classes", e.classes,
                       "With a data set that is not built in: class count");
  evaluate->add_option("--epochs", e.epochs, "Training epochs (default 10)");
  evaluate->add_option("--subset", e.subset, "Training examples (0 = all)");
  evaluate->add_option("--validation-subset", e.validation_subset,
                       "Validation examples (0 = all)");
  evaluate->add_option("--batch-size", e.batch_size,
                       "Batch size (default 128)");
  evaluate->add_option("--lr", e.learning_rate, "Peak learning rate");
  evaluate->add_option("--optimizer", e.optimizer, "sgd or adamw");
  evaluate->add_flag("--augment", e.augment, "Random crop (and flip for RGB)");
  evaluate->add_option("--seed", e.seed,
                       "Seed for initialization and data order");
  evaluate->add_option("--export", e.export_path,
                       "Write the TorchScript archive here");
  evaluate->add_flag("--test", e.test_split, "Also score the test split");
  evaluate->add_flag("--quiet,-q", e.quiet, "No progress on stderr");
  AddEngineFlags(evaluate, engine);

  ServeFlags s;
  auto* serve = app.add_subcommand(
      "serve", "Run the worker daemon (gRPC Worker service)");
  serve->add_option("--listen", s.daemon.listen, "HOST:PORT to serve on")
      ->capture_default_str();
  serve->add_option("--advertise", s.daemon.advertise,
                    "Address the controller dials (default: --listen, with "
                    "127.0.0.1 for a wildcard host)");
  serve->add_option("--name", s.daemon.name,
                    "Unique worker name (default: <hostname>-<port>)");
  serve->add_option("--controller", s.daemon.controller,
                    "Controller HOST:PORT to register with (none: serve "
                    "unregistered)");
  serve
      ->add_option("--slots", s.daemon.slots,
                   "Evaluations run at once, in [1, 1024]")
      ->capture_default_str();
  serve
      ->add_option("--evaluator", s.evaluator,
                   "libtorch, or synthetic (a deterministic function of the "
                   "genome for scale and fault tests; never trains)")
      ->capture_default_str();
  serve
      ->add_option("--synthetic-delay-ms", s.synthetic_delay_ms,
                   "Wall time of one synthetic evaluation")
      ->capture_default_str();
  serve
      ->add_option("--synthetic-stop-delay-ms", s.synthetic_stop_delay_ms,
                   "How long a cancelled synthetic evaluation takes to end")
      ->capture_default_str();
  serve->add_flag("--synthetic-fail-all", s.synthetic_fail_all,
                  "Fail every synthetic evaluation (fault tests)");
  serve->add_option("--artifact-dir", s.artifact_dir,
                    "Where exported models are written, as <sha256>.pt");
  serve->add_option("--metrics-address", s.metrics_address,
                    "HOST:PORT of /metrics, /healthz and /readyz (HOST an "
                    "IPv4 address or localhost, PORT 0 for any; empty: none)");
  AddEngineFlags(serve, engine);

  DrainFlags d;
  auto* drain = app.add_subcommand(
      "drain",
      "Tell a serving worker to take no new evaluations, then wait until "
      "those it runs have ended");
  drain->add_option("--worker", d.worker, "The worker's gRPC HOST:PORT")
      ->capture_default_str();
  drain
      ->add_option("--timeout-seconds", d.timeout_seconds,
                   "How long to wait for running evaluations (0: do not "
                   "wait); exit 1 when they outlast it")
      ->check(CLI::Range(0, 86400))
      ->capture_default_str();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    return app.exit(error) == 0 ? 0 : 2;
  }
  if (drain->parsed()) return Drain(d);
  return serve->parsed() ? Serve(s, engine) : Evaluate(e, engine);
}
