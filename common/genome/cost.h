#ifndef NASPRUNE_COMMON_GENOME_COST_H_
#define NASPRUNE_COMMON_GENOME_COST_H_

// Analytic parameter and MAC counts of a genome's network (pruning applied),
// computed before any training so that constraints filter genomes before
// dispatch. The worker's LibTorch model must report exactly these numbers.
//
// Conventions:
//   params  every trainable parameter: convolution weights (no conv bias,
//           except the two 1×1 convs of squeeze-excite, which have one),
//           batch-norm γ and β (2 per channel; running statistics are
//           buffers, not parameters), linear weights and biases. A factorized
//           linear in→r→out has in·r (no bias) + r·out + out (bias).
//   MACs    multiply-accumulates of one forward pass at batch 1, counted for
//           convolutions (out_h · out_w · out_c · in_c/groups · k²) and
//           linear layers (in · out), including squeeze-excite's two 1×1
//           convs (C·r + r·C at 1×1). Batch norm (folded into the conv at
//           inference), activations, pooling, residual additions, the SE
//           channel scaling, dropout and biases count 0.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/genome/network_plan.h"
#include "nasprune/v1/genome.pb.h"

namespace nasprune::genome {

// One layer's share; names follow ChannelGroup members ("stem.conv",
// "stages[0].blocks[1].dw", "head.classifier").
struct LayerCost {
  std::string name;
  int64_t params = 0;
  int64_t macs = 0;
};

struct ModelCost {
  int64_t params = 0;
  int64_t macs = 0;
  // False when the count cannot be known before training: energy-based
  // low-rank factorization picks its rank from trained weights, so the
  // counts are those of the unfactorized layers (an upper bound).
  bool exact = true;
  std::vector<LayerCost> layers;
};

// The cost of a plan.
ModelCost ComputeCost(const NetworkPlan& plan, bool low_rank_by_energy);

// BuildNetworkPlan then ComputeCost. INVALID_ARGUMENT as BuildNetworkPlan.
absl::StatusOr<ModelCost> ComputeGenomeCost(const nasprune::v1::Genome& genome,
                                            const InputSpec& input);

}  // namespace nasprune::genome

#endif  // NASPRUNE_COMMON_GENOME_COST_H_
