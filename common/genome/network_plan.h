#ifndef NASPRUNE_COMMON_GENOME_NETWORK_PLAN_H_
#define NASPRUNE_COMMON_GENOME_NETWORK_PLAN_H_

// The concrete network a genome describes: every layer's channel counts
// (after the pruning plan), strides and feature-map sizes. The analytic cost
// (cost.h) and the worker's LibTorch model builder both read this plan, so the
// channel arithmetic exists once.
//
// Network, for an input of C×H×W and K classes (docs/genome.md):
//   stem:   conv k×k (stride 1, pad k/2, no bias) → BN → act
//   stage:  [2×2 max pool, stride 2, ceil mode] when downsample is MAX_POOL,
//           then its blocks; the first block has stride 2 when downsample is
//           STRIDE2. Every spatial conv pads k/2, so stride 2 maps H to
//           ceil(H/2), the same as the pool; sizes never reach 0.
//   CONV:   conv k×k (in→out) → BN → act → [SE(out)]
//   DS:     dw k×k (in) → BN → act → [SE(in)] → pw 1×1 (in→out) → BN → act
//   MBCONV: [pw 1×1 (in→mid) → BN → act] (mid = in·e; absent when e = 1) →
//           dw k×k (mid) → BN → act → [SE(mid)] → pw 1×1 (mid→out) → BN
//   residual: output += input (stride 1 and in = out channels only).
//   SE(C):  global avg pool → 1×1 conv C→r (bias) → ReLU → 1×1 conv r→C
//           (bias) → sigmoid → scale, r = max(1, C_unpruned / 4).
//   head:   global avg pool → [linear (bias) → act] → dropout →
//           linear (bias) → K logits.
// Convolutions have no bias (BN follows each).
//
// Channel groups (the units the pruner removes together, named in
// PruningGenome.keep_ratios):
//   "stem"                      the stem's output channels, and every channel
//                               space joined to it by residual blocks.
//   "stages[s].blocks[b]"       output channels of a block WITHOUT residual,
//                               plus the outputs of the residual blocks that
//                               follow it (they add into the same channels),
//                               the depthwise convs and SE of DS blocks and of
//                               MBConv blocks with e = 1 reading them, and
//                               the classifier input when last.
//   "stages[s].blocks[b].expanded"  inner channels of an MBConv with e > 1
//                               (expand pw out, its BN, dw, BN, SE, project
//                               pw in).
//   "head.hidden"               the head's hidden units.
// kept(C, ratio) = clamp(round(C · ratio), 1, C), round half away from zero.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/genome/plan.h"
#include "nasprune/v1/genome.pb.h"

namespace nasprune::genome {

// One prunable channel group.
struct ChannelGroup {
  // Key in PruningGenome.keep_ratios.
  std::string name;
  // Channels before pruning (from the architecture).
  int channels = 0;
  // Layers whose channels this group removes, e.g. "stages[0].blocks[1].dw",
  // "stages[0].blocks[1].bn1", "head.classifier.in".
  std::vector<std::string> members;
};

// The channel groups of an architecture, in network order. The architecture
// must be valid (validate.h); an invalid one gives unspecified groups.
std::vector<ChannelGroup> ChannelGroups(
    const nasprune::v1::ArchitectureGenome& arch);

// Channels kept of `channels` at `keep_ratio`.
int KeptChannels(int channels, double keep_ratio);

// The keep ratio a plan gives `group`: its entry, or 1 when unlisted.
double KeepRatioOf(const nasprune::v1::PruningGenome& pruning,
                   const std::string& group);

// Whether a plan removes any channel: some keep ratio is below 1 once
// rounded to the canonical quantum (hash.h).
bool PrunesAnything(const nasprune::v1::PruningGenome& pruning);

// Whether block `block` of stage `stage` may carry a residual connection:
// stride 1 and input channels equal to output channels (unpruned).
bool ResidualAllowed(const nasprune::v1::ArchitectureGenome& arch, int stage,
                     int block);

// The plan of `genome` (pruning applied) for `input`. INVALID_ARGUMENT, with
// field paths, when the genome is invalid (ValidateGenome) or the input is
// out of range.
absl::StatusOr<NetworkPlan> BuildNetworkPlan(const nasprune::v1::Genome& genome,
                                             const InputSpec& input);

// The proto-free pruning plan of a valid genome (defaults resolved: 0 steps
// mean 1, temperature 0 means 4).
PruningPlan BuildPruningPlan(const nasprune::v1::PruningGenome& pruning);

}  // namespace nasprune::genome

#endif  // NASPRUNE_COMMON_GENOME_NETWORK_PLAN_H_
