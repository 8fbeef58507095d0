#include "controller/search/genome_features.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "absl/strings/match.h"
#include "common/genome/cost.h"
#include "common/genome/network_plan.h"

namespace nasprune::controller {
namespace {

float Log10(int64_t v) {
  return static_cast<float>(
      std::log10(static_cast<double>(std::max<int64_t>(v, 1))));
}

float Log2p1(double v) { return static_cast<float>(std::log2(1 + v)); }

}  // namespace

absl::StatusOr<std::vector<float>> GenomeFeatures(
    const v1::Genome& genome, const genome::InputSpec& input) {
  absl::StatusOr<genome::NetworkPlan> plan =
      genome::BuildNetworkPlan(genome, input);
  if (!plan.ok()) return plan.status();
  // The unpruned parent: what the worker trains before pruning.
  v1::Genome parent_genome = genome;
  parent_genome.mutable_pruning()->clear_keep_ratios();
  parent_genome.mutable_pruning()->clear_low_rank();
  absl::StatusOr<genome::NetworkPlan> parent =
      genome::BuildNetworkPlan(parent_genome, input);
  if (!parent.ok()) parent = plan;
  const genome::ModelCost cost = genome::ComputeCost(*plan, false);
  const genome::ModelCost parent_cost = genome::ComputeCost(*parent, false);

  // The parent's MACs per operator, from its layers' names.
  double op_macs[3] = {0, 0, 0};
  for (const genome::LayerCost& layer : parent_cost.layers) {
    for (const genome::BlockPlan& block : parent->blocks) {
      if (absl::StartsWith(layer.name, block.name + ".") ||
          layer.name == block.name) {
        op_macs[static_cast<int>(block.op)] += static_cast<double>(layer.macs);
        break;
      }
    }
  }
  const double total_macs =
      std::max<double>(1, static_cast<double>(parent_cost.macs));
  int se = 0, residual = 0, max_channels = 0;
  double kernels = 0;
  for (const genome::BlockPlan& block : parent->blocks) {
    se += block.se.channels > 0;
    residual += block.residual;
    kernels += block.kernel;
    max_channels = std::max(max_channels, block.out_channels);
  }
  const double blocks = std::max<size_t>(1, parent->blocks.size());
  const v1::ArchitectureGenome& arch = genome.arch();
  const v1::PruningGenome& pruning = genome.pruning();

  std::vector<float> f = {
      Log10(cost.params),
      Log10(cost.macs),
      Log10(parent_cost.params),
      Log10(parent_cost.macs),
      static_cast<float>(op_macs[0] / total_macs),
      static_cast<float>(op_macs[1] / total_macs),
      static_cast<float>(op_macs[2] / total_macs),
      static_cast<float>(parent->blocks.size()),
      static_cast<float>(arch.stages_size()),
      static_cast<float>(se / blocks),
      static_cast<float>(residual / blocks),
      static_cast<float>(kernels / blocks),
      Log2p1(arch.stem().channels()),
      Log2p1(max_channels),
      Log2p1(arch.head().hidden_units()),
      static_cast<float>(arch.head().dropout()),
      static_cast<float>(static_cast<double>(cost.params) /
                         std::max<int64_t>(1, parent_cost.params)),
      static_cast<float>(pruning.finetune_epochs()),
      static_cast<float>(pruning.distill_weight()),
      static_cast<float>(pruning.quantize_int8()),
  };
  return f;
}

}  // namespace nasprune::controller
