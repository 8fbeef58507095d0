#include "cli/offline_commands.h"

#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/genome/cost.h"
#include "common/genome/hash.h"
#include "common/genome/network_plan.h"
#include "common/genome/sampler.h"
#include "common/genome/validate.h"
#include "common/jobspec/job_spec.h"
#include "common/jobspec/yaml_proto.h"

namespace nasprune::cli {
namespace {

std::string Short(const google::protobuf::EnumDescriptor* type, int value) {
  const auto* v = type->FindValueByNumber(value);
  return v == nullptr ? absl::StrCat(value) : ShortEnumName(v);
}

std::string StrategyName(const v1::StrategySpec& strategy) {
  switch (strategy.kind_case()) {
    case v1::StrategySpec::kRandom:
      return "random";
    case v1::StrategySpec::kEvolution:
      return absl::StrFormat("evolution (population %d, sample %d)",
                             strategy.evolution().population_size(),
                             strategy.evolution().sample_size());
    case v1::StrategySpec::kNsga2:
      return absl::StrFormat("nsga2 (population %d)",
                             strategy.nsga2().population_size());
    case v1::StrategySpec::kReinforce:
      return "reinforce";
    case v1::StrategySpec::KIND_NOT_SET:
      break;
  }
  return "none";
}

// Whether the analytic cost meets the spec's analytic constraints.
bool Feasible(const v1::Constraints& c, const genome::ModelCost& cost) {
  return (c.max_params() == 0 || cost.params <= c.max_params()) &&
         (c.max_macs() == 0 || cost.macs <= c.max_macs());
}

}  // namespace

absl::Status ValidateCommand(const std::string& spec_path, OutputFormat format,
                             std::ostream& out) {
  absl::StatusOr<v1::JobSpec> spec = jobspec::LoadJobSpec(spec_path);
  if (!spec.ok()) return spec.status();
  if (format == OutputFormat::kJson) {
    PrintJson(ToJson(*spec), out);
    return absl::OkStatus();
  }
  const auto& d = spec->dataset();
  std::vector<std::string> objectives;
  for (const auto& o : spec->objectives()) {
    objectives.push_back(Short(v1::Metric_descriptor(), o.metric()));
  }
  out << spec_path << ": valid\n"
      << absl::StrFormat("  job         %s (%s)\n", spec->name(),
                         Short(v1::SearchMode_descriptor(), spec->mode()))
      << absl::StrFormat(
             "  dataset     %s, %dx%dx%d, %d classes, %g held out "
             "for validation\n",
             d.name(), d.shape().channels(), d.shape().height(),
             d.shape().width(), d.num_classes(), d.validation_fraction())
      << absl::StrFormat("  strategy    %s\n", StrategyName(spec->strategy()))
      << absl::StrFormat("  objectives  %s\n", absl::StrJoin(objectives, ", "))
      << absl::StrFormat(
             "  budget      %d trials%s\n", spec->budget().max_trials(),
             spec->budget().max_wall_seconds() > 0
                 ? absl::StrFormat(" or %d s of wall time, whichever first",
                                   spec->budget().max_wall_seconds())
                 : "")
      << absl::StrFormat(
             "  recipe      %s, lr %g, %d epochs, batch %d\n",
             Short(v1::Optimizer_descriptor(), spec->recipe().optimizer()),
             spec->recipe().learning_rate(), spec->recipe().epochs(),
             spec->recipe().batch_size())
      << absl::StrFormat("  fidelity    %s\n",
                         Short(v1::MultiFidelityMethod_descriptor(),
                               spec->multi_fidelity().method()));
  if (spec->constraints().max_params() > 0) {
    out << absl::StrFormat("  constraint  params ≤ %d\n",
                           spec->constraints().max_params());
  }
  if (spec->constraints().max_macs() > 0) {
    out << absl::StrFormat("  constraint  MACs ≤ %d\n",
                           spec->constraints().max_macs());
  }
  return absl::OkStatus();
}

absl::Status SampleCommand(const std::string& spec_path, int count,
                           uint64_t seed, OutputFormat format,
                           std::ostream& out) {
  if (count < 1 || count > 100000) {
    return absl::InvalidArgumentError(
        absl::StrCat("--count: ", count, " is outside [1, 100000]"));
  }
  absl::StatusOr<v1::JobSpec> spec = jobspec::LoadJobSpec(spec_path);
  if (!spec.ok()) return spec.status();
  auto sampler =
      genome::GenomeSampler::Create({.scope = jobspec::ScopeOf(*spec)});
  if (!sampler.ok()) return sampler.status();
  const genome::InputSpec input = jobspec::InputSpecOf(spec->dataset());
  Rng rng(seed);
  Table table{.columns = {{"n"},
                          {"genome"},
                          {"params"},
                          {"macs"},
                          {"stages"},
                          {"blocks"},
                          {"feasible"}}};
  for (int i = 0; i < count; ++i) {
    const v1::Genome genome = (*sampler)->Sample(rng);
    absl::StatusOr<genome::ModelCost> cost =
        genome::ComputeGenomeCost(genome, input);
    if (!cost.ok()) return cost.status();
    if (format == OutputFormat::kJson) {
      out << ToJson(genome).dump() << "\n";
      continue;
    }
    int blocks = 0;
    for (const auto& stage : genome.arch().stages())
      blocks += stage.blocks_size();
    table.rows.push_back({int64_t{i}, genome::GenomeHash(genome),
                          int64_t{cost->params}, int64_t{cost->macs},
                          int64_t{genome.arch().stages_size()}, int64_t{blocks},
                          Feasible(spec->constraints(), *cost)});
  }
  if (format == OutputFormat::kCsv) PrintCsv(table, out);
  if (format == OutputFormat::kTable) PrintTable(table, out);
  return absl::OkStatus();
}

absl::Status CostCommand(const std::string& genome_path, int channels,
                         int height, int width, int num_classes,
                         std::ostream& out) {
  v1::Genome genome;
  if (absl::Status s = LoadYamlFile(genome_path, &genome); !s.ok()) return s;
  const genome::InputSpec input{.channels = channels,
                                .height = height,
                                .width = width,
                                .num_classes = num_classes};
  absl::StatusOr<genome::ModelCost> cost =
      genome::ComputeGenomeCost(genome, input);
  if (!cost.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(genome_path, ": ", cost.status().message()));
  }
  out << absl::StrFormat("genome   %s\n", genome::GenomeHash(genome))
      << absl::StrFormat("input    %dx%dx%d, %d classes\n", channels, height,
                         width, num_classes)
      << absl::StrFormat("params   %d%s\n", cost->params,
                         cost->exact ? "" : " (upper bound: energy low-rank)")
      << absl::StrFormat("MACs     %d\n\n", cost->macs);
  out << absl::StrFormat("%-36s %10s %12s\n", "layer", "params", "MACs");
  for (const auto& layer : cost->layers) {
    out << absl::StrFormat("%-36s %10d %12d\n", layer.name, layer.params,
                           layer.macs);
  }
  out << "\nchannel groups (keep_ratios keys):\n";
  for (const auto& group : genome::ChannelGroups(genome.arch())) {
    const double ratio = genome::KeepRatioOf(genome.pruning(), group.name);
    out << absl::StrFormat("  %-32s %4d → %4d channels\n", group.name,
                           group.channels,
                           genome::KeptChannels(group.channels, ratio));
  }
  return absl::OkStatus();
}

}  // namespace nasprune::cli
