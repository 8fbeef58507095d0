// nasprune: the command-line client. Composition root: flags are read here
// and nowhere else. Every command and its output is in docs/cli.md.
//
// Offline (no service): validate, sample, cost, data check, data import.
// Against a controller (--controller HOST[:PORT], else NASPRUNE_CONTROLLER,
// else the config file, else 127.0.0.1:50051; cli/config.h): submit,
// watch, list, status, cancel, trials, pareto, workers, plot, export.
//
// Exit status: 0 success; 1 an error (I/O, an unreachable controller, an
// unknown job); 2 bad input or usage (the message names the flag, field or
// file); 3 a followed job ended other than SUCCEEDED.

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "cli/config.h"
#include "cli/controller_client.h"
#include "cli/data_commands.h"
#include "cli/data_import.h"
#include "cli/dataset_probe.h"
#include "cli/offline_commands.h"
#include "cli/plot.h"
#include "cli/read_commands.h"
#include "cli/service_commands.h"
#include "common/daemon/dimensions.h"
#include "common/jobspec/job_spec.h"
#include "common/jobspec/load_job_spec.h"
#include "common/status/suggest.h"
#include "common/version.h"

namespace {

using nasprune::cli::OutputFormat;

constexpr int kExitError = 1;
constexpr int kExitBadInput = 2;
constexpr int kExitJobEnded = 3;

int Report(const absl::Status& status) {
  if (status.ok()) return 0;
  // One error per line (a spec's problems come one per line).
  for (absl::string_view line : absl::StrSplit(status.message(), '\n')) {
    std::cerr << "error: " << line << "\n";
  }
  if (nasprune::cli::IsJobEnded(status)) return kExitJobEnded;
  return status.code() == absl::StatusCode::kInvalidArgument ? kExitBadInput
                                                             : kExitError;
}

// --output, with the forms a command has.
void AddFormat(CLI::App* command, std::string* format,
               const std::vector<std::string>& forms) {
  command->add_option("--output,-o", *format, "Output form")
      ->check(CLI::IsMember(forms))
      ->capture_default_str();
}

OutputFormat Format(const std::string& name) {
  if (name == "json") return OutputFormat::kJson;
  if (name == "csv") return OutputFormat::kCsv;
  return OutputFormat::kTable;
}

// The command named on the command line (its first word that is neither a
// flag nor a flag's value), or "" when there is none.
std::string CommandWord(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--controller" || arg == "--config") {
      ++i;
      continue;
    }
    if (!arg.empty() && arg[0] == '-') continue;
    return arg;
  }
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  namespace cli = nasprune::cli;
  CLI::App app{"nasprune: joint architecture and pruning search"};
  app.set_version_flag("--version",
                       std::string("nasprune ") + nasprune::kVersion);
  app.require_subcommand(1);
  app.fallthrough();  // --controller and --config after the command too.
  std::string controller_flag, config_flag;
  app.add_option("--controller", controller_flag,
                 "Controller HOST[:PORT] (default 127.0.0.1:50051; also "
                 "NASPRUNE_CONTROLLER or the config file)");
  app.add_option("--config", config_flag,
                 "Config file (default $NASPRUNE_CONFIG, else "
                 "~/.config/nasprune/config.yaml)");
  const std::vector<std::string> table_json = {"table", "json"};
  const std::vector<std::string> all_forms = {"table", "json", "csv"};

  std::string spec_path;
  std::string format = "table";
  auto* validate = app.add_subcommand(
      "validate", "Check a job spec file and print it with defaults applied");
  validate->add_option("spec", spec_path, "Job spec (YAML or JSON)")
      ->required();
  AddFormat(validate, &format, table_json);

  int count = 10;
  uint64_t seed = 0;
  auto* sample = app.add_subcommand(
      "sample", "Sample genomes from a job's search space with their costs");
  sample->add_option("spec", spec_path, "Job spec (YAML or JSON)")->required();
  sample->add_option("--count,-n", count, "How many genomes")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  sample->add_option("--seed", seed, "Sampling seed")->capture_default_str();
  AddFormat(sample, &format, all_forms);

  std::string genome_path;
  std::string input = "1x28x28";
  int classes = 10;
  auto* cost = app.add_subcommand(
      "cost", "Analytic params/MACs and channel groups of a genome file");
  cost->add_option("genome", genome_path, "Genome (YAML or JSON)")->required();
  cost->add_option("--input", input, "Input shape CxHxW")
      ->capture_default_str();
  cost->add_option("--classes", classes, "Number of classes")
      ->capture_default_str();
  AddFormat(cost, &format, table_json);

  cli::SubmitOptions submit_options;
  auto* submit =
      app.add_subcommand("submit", "Submit a job spec to a controller");
  std::string submit_path;
  submit->add_option("spec", submit_path, "Job spec (YAML or JSON)")
      ->required();
  submit->add_option("--request-id", submit_options.request_id,
                     "Idempotency key: a retried submit returns the same job "
                     "(default: a new one per submit)");
  submit->add_flag("--watch,--wait", submit_options.wait,
                   "Follow the job until it ends; exit 0 only if it "
                   "succeeded (3 otherwise)");

  std::string job_id;
  auto* watch = app.add_subcommand(
      "watch", "Follow a job until it ends, with a live progress line");
  watch->add_option("job", job_id, "Job id")->required();

  std::string states;
  auto* list = app.add_subcommand("list", "List jobs, newest first");
  list->add_option("--state", states,
                   "Only jobs in these states (comma-separated: pending, "
                   "running, succeeded, failed, cancelled)");
  AddFormat(list, &format, all_forms);

  auto* status = app.add_subcommand(
      "status", "One job: state, times, trial counts, best model, rungs");
  status->add_option("job", job_id, "Job id")->required();
  AddFormat(status, &format, all_forms);

  std::string reason;
  auto* cancel =
      app.add_subcommand("cancel", "Cancel a job and its running trials");
  cancel->add_option("job", job_id, "Job id")->required();
  cancel->add_option("--reason", reason, "Recorded as the job's message");
  AddFormat(cancel, &format, all_forms);

  cli::TrialsQuery query;
  int top = 0;
  auto* trials = app.add_subcommand("trials", "A job's trials");
  trials->add_option("job", job_id, "Job id")->required();
  trials->add_option("--state", states,
                     "Only trials in these states (comma-separated: queued, "
                     "running, succeeded, failed, early_stopped, cancelled)");
  trials
      ->add_option("--sort", query.sort,
                   "Order: index; accuracy, test_accuracy (highest first); "
                   "params, macs, latency, seconds (lowest first)")
      ->check(CLI::IsMember(std::vector<std::string>(
          std::begin(cli::kTrialSortKeys), std::end(cli::kTrialSortKeys))))
      ->capture_default_str();
  trials->add_option("--top", top, "Only the first N after sorting (0: all)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  AddFormat(trials, &format, all_forms);

  auto* pareto = app.add_subcommand("pareto", "A job's Pareto front");
  pareto->add_option("job", job_id, "Job id")->required();
  AddFormat(pareto, &format, all_forms);

  auto* workers = app.add_subcommand(
      "workers", "The workers registered with the controller");
  AddFormat(workers, &format, all_forms);

  std::string data_dir, data_format = "auto";
  int data_classes = 0;
  auto* data = app.add_subcommand(
      "data", "Check a data set folder, or make one from images or arrays");
  data->require_subcommand(1);
  auto* data_check = data->add_subcommand(
      "check", "Read a data set folder as a worker would and report it");
  data_check->add_option("dir", data_dir, "The folder")->required();
  data_check->add_option("--format", data_format, "The files' format")
      ->check(CLI::IsMember(
          std::vector<std::string>{"auto", "idx", "cifar10_binary"}))
      ->capture_default_str();
  data_check
      ->add_option("--classes", data_classes,
                   "Check every label against this class count (0: infer)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  AddFormat(data_check, &format, all_forms);

  cli::ImportOptions import_options;
  std::string import_size;
  auto* data_import = data->add_subcommand(
      "import",
      "Make a data set folder (IDX files) from a folder of class folders of "
      "PNG/JPEG/BMP images, or from NumPy .npy arrays");
  data_import
      ->add_option("source", import_options.source,
                   "A folder with one sub-folder of images per class "
                   "(optionally under train/ and test/), or an images .npy")
      ->required();
  data_import
      ->add_option("--output,-o", import_options.output,
                   "The data set folder to create (must not exist, or be "
                   "empty)")
      ->required();
  data_import->add_option("--labels", import_options.labels,
                          "With an .npy source: the labels .npy (N integers)");
  data_import->add_option("--test-images", import_options.test_images,
                          "A test split's images .npy (with --test-labels)");
  data_import->add_option("--test-labels", import_options.test_labels,
                          "The test split's labels .npy");
  data_import
      ->add_option("--test-fraction", import_options.test_fraction,
                   "Share of each class held out as the test split when the "
                   "source has none (0: no test split)")
      ->capture_default_str();
  data_import
      ->add_option("--seed", import_options.seed,
                   "Chooses the held-out images and the order")
      ->capture_default_str();
  data_import->add_option(
      "--channels", import_options.channels,
      "1 (grayscale) or 3 (RGB); default: 1 if every image is grayscale");
  data_import->add_option("--size", import_size,
                          "Resize every image to HxW (default: keep their "
                          "size, which must then be the same)");

  std::string x_axis = "params", plot_path;
  auto* plot = app.add_subcommand(
      "plot", "Draw a job's trials and front as an SVG (accuracy vs a cost)");
  plot->add_option("job", job_id, "Job id")->required();
  plot->add_option("--output,-o", plot_path, "Where to write the SVG")
      ->required();
  plot->add_option("--x", x_axis, "The cost on the x axis")
      ->check(CLI::IsMember(std::vector<std::string>(std::begin(cli::kPlotAxes),
                                                     std::end(cli::kPlotAxes))))
      ->capture_default_str();

  std::string target, best = "accuracy", output_path;
  auto* export_model =
      app.add_subcommand("export", "Download an exported TorchScript model");
  export_model
      ->add_option("target", target,
                   "Trial id (<job>/<index>), or a job id for its best model")
      ->required();
  export_model
      ->add_option("--best", best,
                   "With a job id: the front member with a model that is "
                   "best by this")
      ->check(CLI::IsMember(std::vector<std::string>(
          std::begin(cli::kExportBest), std::end(cli::kExportBest))))
      ->capture_default_str();
  export_model->add_option("--output,-o", output_path, "Where to write it")
      ->required();

  // An unknown command is named as such (CLI11 would ask for "a
  // subcommand").
  if (const std::string word = CommandWord(argc, argv); !word.empty()) {
    std::vector<std::string> names;
    for (const CLI::App* c :
         {validate, sample, cost, submit, watch, list, status, cancel, trials,
          pareto, workers, plot, export_model, data}) {
      names.push_back(c->get_name());
    }
    if (std::find(names.begin(), names.end(), word) == names.end()) {
      std::cerr << "error: unknown command \"" << word
                << "\"; commands: " << absl::StrJoin(names, ", ")
                << " (nasprune --help)" << nasprune::DidYouMean(word, names)
                << "\n";
      return kExitBadInput;
    }
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version exit 0; every usage error exits 2, like bad input.
    return app.exit(e) == 0 ? 0 : kExitBadInput;
  }

  if (*validate) {
    return Report(cli::ValidateCommand(spec_path, Format(format), std::cout));
  }
  if (*sample) {
    return Report(
        cli::SampleCommand(spec_path, count, seed, Format(format), std::cout));
  }
  if (*cost) {
    absl::StatusOr<std::vector<int>> chw =
        nasprune::ParseDimensions("--input", input, "CxHxW", "3x32x32");
    if (!chw.ok()) return Report(chw.status());
    return Report(cli::CostCommand(genome_path, (*chw)[0], (*chw)[1], (*chw)[2],
                                   classes, Format(format), std::cout));
  }

  if (*data_import) {
    if (!import_size.empty()) {
      absl::StatusOr<std::vector<int>> hw =
          nasprune::ParseDimensions("--size", import_size, "HxW", "32x32");
      if (!hw.ok()) return Report(hw.status());
      import_options.height = (*hw)[0];
      import_options.width = (*hw)[1];
    }
    return Report(cli::DataImportCommand(import_options, OutputFormat::kTable,
                                         std::cout));
  }
  if (*data_check) {
    return Report(cli::DataCheckCommand(data_dir, data_format, data_classes,
                                        Format(format), std::cout));
  }

  // The service commands. A spec is checked before the controller's
  // address is resolved, so bad input is reported as such whatever the
  // connection.
  if (*submit) {
    absl::StatusOr<nasprune::v1::JobSpec> spec =
        nasprune::jobspec::LoadJobSpec(submit_path, cli::ReadDatasetFiles());
    if (!spec.ok()) return Report(spec.status());
    submit_options.spec = *std::move(spec);
  }
  absl::StatusOr<cli::ConnectionSettings> settings =
      cli::ResolveSettings(controller_flag, config_flag,
                           [](const char* name) { return std::getenv(name); });
  if (!settings.ok()) return Report(settings.status());
  const std::string& address = settings->controller;
  if (*submit) {
    submit_options.controller = address;
    submit_options.live = isatty(STDERR_FILENO) != 0;
    return Report(cli::SubmitCommand(submit_options, std::cout, std::cerr));
  }
  if (*watch) {
    return Report(cli::WatchCommand(address, job_id, isatty(STDOUT_FILENO) != 0,
                                    std::cout));
  }
  if (*export_model) {
    return Report(
        cli::ExportCommand(address, target, best, output_path, std::cout));
  }
  cli::ControllerClient client(address);
  if (*list) {
    absl::StatusOr<std::vector<nasprune::v1::JobState>> job_states =
        cli::ParseJobStates(states, "--state");
    if (!job_states.ok()) return Report(job_states.status());
    return Report(
        cli::ListCommand(client, *job_states, Format(format), std::cout));
  }
  if (*status) {
    return Report(
        cli::StatusCommand(client, job_id, Format(format), std::cout));
  }
  if (*cancel) {
    return Report(
        cli::CancelCommand(client, job_id, reason, Format(format), std::cout));
  }
  if (*trials) {
    absl::StatusOr<std::vector<nasprune::v1::TrialState>> trial_states =
        cli::ParseTrialStates(states, "--state");
    if (!trial_states.ok()) return Report(trial_states.status());
    query.states = *trial_states;
    query.top = top;
    return Report(
        cli::TrialsCommand(client, job_id, query, Format(format), std::cout));
  }
  if (*pareto) {
    return Report(
        cli::ParetoCommand(client, job_id, Format(format), std::cout));
  }
  if (*workers) {
    return Report(cli::WorkersCommand(client, Format(format), std::cout));
  }
  if (*plot) {
    return Report(
        cli::PlotCommand(client, job_id, x_axis, plot_path, std::cout));
  }
  return 0;
}
