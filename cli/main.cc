// nasprune: the command-line client. Composition root: flags are read here
// and nowhere else.
//
// Commands available now (no service needed):
//   nasprune validate JOB.yaml [--output table|json]
//   nasprune sample JOB.yaml [--count N] [--seed S] [--output table|json]
//   nasprune cost GENOME.yaml [--input CxHxW] [--classes K]
// Commands that call a controller (--controller HOST:PORT, default
// 127.0.0.1:50051):
//   nasprune submit JOB.yaml [--wait] [--request-id ID]
//   nasprune export TRIAL_ID --output model.pt
// The other service commands (watch, list, status, cancel, trials, pareto,
// plot) are still to come.
//
// Exit status: 0 success, 1 an I/O or internal error, 2 bad input or usage.

#include <cstdio>
#include <iostream>
#include <map>
#include <string>

#include "CLI/CLI.hpp"
#include "cli/offline_commands.h"
#include "cli/service_commands.h"

namespace {

int Report(const absl::Status& status) {
  if (status.ok()) return 0;
  std::cerr << "error: " << status.message() << "\n";
  return status.code() == absl::StatusCode::kInvalidArgument ? 2 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  using nasprune::cli::OutputFormat;
  CLI::App app{"nasprune: joint architecture and pruning search"};
  app.require_subcommand(1);
  const std::map<std::string, OutputFormat> formats = {
      {"table", OutputFormat::kTable}, {"json", OutputFormat::kJson}};

  std::string spec_path;
  OutputFormat format = OutputFormat::kTable;
  auto* validate = app.add_subcommand(
      "validate", "Check a job spec file and print it with defaults applied");
  validate->add_option("spec", spec_path, "Job spec (YAML or JSON)")
      ->required();
  validate->add_option("--output,-o", format, "table or json")
      ->transform(CLI::CheckedTransformer(formats, CLI::ignore_case));

  int count = 10;
  uint64_t seed = 0;
  auto* sample = app.add_subcommand(
      "sample", "Sample genomes from a job's search space with their costs");
  sample->add_option("spec", spec_path, "Job spec (YAML or JSON)")->required();
  sample->add_option("--count,-n", count, "How many genomes")
      ->check(CLI::Range(1, 100000));
  sample->add_option("--seed", seed, "Sampling seed");
  sample->add_option("--output,-o", format, "table or json")
      ->transform(CLI::CheckedTransformer(formats, CLI::ignore_case));

  std::string genome_path;
  std::string input = "1x28x28";
  int classes = 10;
  auto* cost = app.add_subcommand(
      "cost", "Analytic params/MACs and channel groups of a genome file");
  cost->add_option("genome", genome_path, "Genome (YAML or JSON)")->required();
  cost->add_option("--input", input, "Input shape CxHxW");
  cost->add_option("--classes", classes, "Number of classes");

  nasprune::cli::SubmitOptions submit_options{.controller = "127.0.0.1:50051"};
  auto* submit =
      app.add_subcommand("submit", "Submit a job spec to a controller");
  submit
      ->add_option("spec", submit_options.spec_path, "Job spec (YAML or JSON)")
      ->required();
  submit
      ->add_option("--controller", submit_options.controller,
                   "Controller HOST:PORT")
      ->capture_default_str();
  submit->add_option("--request-id", submit_options.request_id,
                     "Idempotency key: a retried submit returns the same job");
  submit->add_flag("--wait", submit_options.wait,
                   "Follow the job until it ends; exit 0 only if it "
                   "succeeded");

  std::string controller = "127.0.0.1:50051";
  std::string trial_id, output_path;
  auto* export_model = app.add_subcommand(
      "export", "Download a trial's exported TorchScript model");
  export_model->add_option("trial", trial_id, "Trial id (<job>/<index>)")
      ->required();
  export_model->add_option("--output,-o", output_path, "Where to write it")
      ->required();
  export_model->add_option("--controller", controller, "Controller HOST:PORT")
      ->capture_default_str();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help exits 0; every usage error exits 2, like bad input.
    return app.exit(e) == 0 ? 0 : 2;
  }

  if (*validate) {
    return Report(nasprune::cli::ValidateCommand(spec_path, format, std::cout));
  }
  if (*sample) {
    return Report(nasprune::cli::SampleCommand(spec_path, count, seed, format,
                                               std::cout));
  }
  if (*submit) {
    return Report(
        nasprune::cli::SubmitCommand(submit_options, std::cout, std::cerr));
  }
  if (*export_model) {
    return Report(nasprune::cli::ExportCommand(controller, trial_id,
                                               output_path, std::cout));
  }
  if (*cost) {
    int c = 0, h = 0, w = 0;
    char extra = 0;
    if (std::sscanf(input.c_str(), "%dx%dx%d%c", &c, &h, &w, &extra) != 3) {
      std::cerr << "error: --input: \"" << input
                << "\" is not CxHxW (for example 3x32x32)\n";
      return 2;
    }
    return Report(
        nasprune::cli::CostCommand(genome_path, c, h, w, classes, std::cout));
  }
  return 0;
}
