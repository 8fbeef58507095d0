#include "cli/offline_commands.h"

#include <filesystem>

#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "cli/dataset_probe.h"
#include "common/genome/cost.h"
#include "common/genome/hash.h"
#include "common/genome/network_plan.h"
#include "common/genome/sampler.h"
#include "common/genome/validate.h"
#include "common/jobspec/job_spec.h"
#include "common/jobspec/load_job_spec.h"
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

// "on" / "off".
const char* OnOff(bool value) { return value ? "on" : "off"; }

std::string Objectives(const v1::JobSpec& spec) {
  std::vector<std::string> parts;
  for (const auto& o : spec.objectives()) {
    std::string part = Short(v1::Metric_descriptor(), o.metric());
    std::vector<std::string> details;
    if (o.target() > 0) details.push_back(absl::StrCat("target ", o.target()));
    if (o.has_weight()) details.push_back(absl::StrCat("weight ", o.weight()));
    if (!details.empty()) {
      absl::StrAppend(&part, " (", absl::StrJoin(details, ", "), ")");
    }
    parts.push_back(std::move(part));
  }
  return absl::StrJoin(parts, "; ");
}

std::string Constraints(const v1::Constraints& c) {
  std::vector<std::string> parts;
  if (c.max_params() > 0)
    parts.push_back(absl::StrCat("params ≤ ", c.max_params()));
  if (c.max_macs() > 0) parts.push_back(absl::StrCat("MACs ≤ ", c.max_macs()));
  if (c.max_latency_ms() > 0) {
    parts.push_back(absl::StrCat("latency ≤ ", c.max_latency_ms(), " ms"));
  }
  if (c.max_model_bytes() > 0) {
    parts.push_back(absl::StrCat("model ≤ ", c.max_model_bytes(), " bytes"));
  }
  return parts.empty() ? "none" : absl::StrJoin(parts, "; ");
}

std::string DataLocation(const v1::DatasetSpec& d) {
  if (!d.path().empty()) return d.path();
  const jobspec::KnownDataset* known = jobspec::FindKnownDataset(d.name());
  if (known == nullptr) return "(none)";
  std::error_code error;
  return absl::StrCat(
      known->default_path, " (built in; a worker's --dataset-root moves it",
      std::filesystem::exists(known->default_path, error)
          ? ")"
          : "; not on this machine: docs/data.md, \"Adding MNIST and "
            "CIFAR-10\")");
}

std::string Fidelity(const v1::MultiFidelitySpec& mf) {
  std::string text = Short(v1::MultiFidelityMethod_descriptor(), mf.method());
  if (mf.method() != v1::MULTI_FIDELITY_METHOD_NONE) {
    absl::StrAppendFormat(
        &text, " on %s, %g to %g, η %d, promotions %s",
        Short(v1::FidelityResource_descriptor(), mf.resource()),
        mf.min_resource(), mf.max_resource(), mf.reduction_factor(),
        mf.continue_promotions() ? "continue training" : "train from scratch");
  }
  if (mf.median_stopping()) {
    absl::StrAppend(&text, "; median stopping after ", mf.median_grace_epochs(),
                    " epoch(s)");
  }
  return text;
}

}  // namespace

absl::Status ValidateCommand(const std::string& spec_path, OutputFormat format,
                             std::ostream& out) {
  absl::StatusOr<v1::JobSpec> spec =
      jobspec::LoadJobSpec(spec_path, ReadDatasetFiles());
  if (!spec.ok()) return spec.status();
  if (format == OutputFormat::kJson) {
    PrintJson(ToJson(*spec), out);
    return absl::OkStatus();
  }
  const auto& d = spec->dataset();
  const auto& r = spec->recipe();
  const auto& b = spec->budget();
  auto line = [&](absl::string_view label, absl::string_view text) {
    out << absl::StrFormat("  %-11s %s\n", label, text);
  };
  out << spec_path << ": valid, with every default applied\n";
  line("job",
       absl::StrFormat("%s (%s), seed %d, %s", spec->name(),
                       Short(v1::SearchMode_descriptor(), spec->mode()),
                       spec->seed(),
                       spec->max_parallel() > 0
                           ? absl::StrCat("at most ", spec->max_parallel(),
                                          " trials at once")
                           : "as many trials at once as workers take"));
  line("dataset",
       absl::StrFormat("%s, %dx%dx%d, %d classes, %s", d.name(),
                       d.shape().channels(), d.shape().height(),
                       d.shape().width(), d.num_classes(),
                       Short(v1::DatasetFormat_descriptor(), d.format())));
  line("data path", DataLocation(d));
  line("validation",
       absl::StrFormat(
           "%g of the training files held out; training on %s, validating "
           "on %s",
           d.validation_fraction(),
           d.train_subset() > 0 ? absl::StrCat(d.train_subset(), " examples")
                                : "all",
           d.validation_subset() > 0
               ? absl::StrCat(d.validation_subset(), " examples")
               : "all"));
  line("strategy", StrategyName(spec->strategy()));
  line("objectives", Objectives(*spec));
  line("constraints", Constraints(spec->constraints()));
  line("budget",
       absl::StrFormat(
           "%d trials%s; the job fails after %d failed trials", b.max_trials(),
           b.max_wall_seconds() > 0
               ? absl::StrFormat(" or %d s of wall time, whichever first",
                                 b.max_wall_seconds())
               : ", no wall-time limit",
           b.max_failed_trials()));
  line("recipe",
       absl::StrFormat(
           "%s, lr %g (%s, warm-up %g epochs), momentum %g%s, weight decay "
           "%g, batch %d, %d epoch%s",
           Short(v1::Optimizer_descriptor(), r.optimizer()), r.learning_rate(),
           Short(v1::LrSchedule_descriptor(), r.schedule()), r.warmup_epochs(),
           r.momentum(), r.nesterov() ? " (nesterov)" : "", r.weight_decay(),
           r.batch_size(), r.epochs(), r.epochs() == 1 ? "" : "s"));
  line("",
       absl::StrFormat(
           "augmentation %s, label smoothing %g, mixed precision %s, "
           "fine-tune lr × %g, %s",
           OnOff(r.augment()), r.label_smoothing(), OnOff(r.mixed_precision()),
           r.finetune_lr_scale(),
           r.max_trial_seconds() > 0
               ? absl::StrCat("a trial stops at ", r.max_trial_seconds(), " s")
               : "no per-trial time limit"));
  line("fidelity", Fidelity(spec->multi_fidelity()));
  line("export",
       absl::StrFormat("the best %d of the front%s", spec->export_().top_k(),
                       spec->export_().evaluate_test_split()
                           ? ", scored on the test split"
                           : ""));
  return absl::OkStatus();
}

absl::Status SampleCommand(const std::string& spec_path, int count,
                           uint64_t seed, OutputFormat format,
                           std::ostream& out) {
  if (count < 1 || count > 100000) {
    return absl::InvalidArgumentError(
        absl::StrCat("--count: ", count, " is outside [1, 100000]"));
  }
  absl::StatusOr<v1::JobSpec> spec =
      jobspec::LoadJobSpec(spec_path, ReadDatasetFiles());
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
                         OutputFormat format, std::ostream& out) {
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
  if (format == OutputFormat::kJson) {
    nlohmann::json json = {
        {"genome", genome::GenomeHash(genome)},
        {"input",
         {{"channels", channels}, {"height", height}, {"width", width}}},
        {"num_classes", num_classes},
        {"params", cost->params},
        {"params_exact", cost->exact},
        {"macs", cost->macs},
        {"layers", nlohmann::json::array()},
        {"channel_groups", nlohmann::json::array()}};
    for (const auto& layer : cost->layers) {
      json["layers"].push_back({{"name", layer.name},
                                {"params", layer.params},
                                {"macs", layer.macs}});
    }
    for (const auto& group : genome::ChannelGroups(genome.arch())) {
      const double ratio = genome::KeepRatioOf(genome.pruning(), group.name);
      json["channel_groups"].push_back(
          {{"name", group.name},
           {"channels", group.channels},
           {"keep_ratio", ratio},
           {"kept", genome::KeptChannels(group.channels, ratio)}});
    }
    PrintJson(json, out);
    return absl::OkStatus();
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
