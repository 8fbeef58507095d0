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
#include "nasprune/v1/genome.pb.h"

namespace nasprune::genome {

// The input a network is built for.
struct InputSpec {
  int channels = 1;
  int height = 28;
  int width = 28;
  int num_classes = 10;
};

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

// Squeeze-excite on `channels` (pruned) with a fixed hidden width.
struct SqueezeExcitePlan {
  int channels = 0;  // 0: no SE.
  int hidden = 0;
};

// A fully connected layer, optionally factorized into in→rank→out.
struct LinearPlan {
  int in = 0;
  int out = 0;
  int rank = 0;  // 0: dense.
};

struct StemPlan {
  int in_channels = 0;
  int out_channels = 0;
  int kernel = 3;
  nasprune::v1::Activation activation = nasprune::v1::ACTIVATION_RELU;
  int height = 0;  // Output size (= input size, stride 1).
  int width = 0;
};

struct BlockPlan {
  std::string name;  // "stages[s].blocks[b]".
  int stage = 0;
  int index = 0;
  nasprune::v1::Operator op = nasprune::v1::OPERATOR_CONV;
  nasprune::v1::Activation activation = nasprune::v1::ACTIVATION_RELU;
  int kernel = 3;
  int stride = 1;
  bool max_pool_before = false;
  int in_channels = 0;
  // Channels of the depthwise conv (DS, MBConv) or, for CONV, = out_channels.
  int mid_channels = 0;
  // MBConv with expansion > 1: a pointwise expand in→mid precedes the dw.
  bool has_expand = false;
  int out_channels = 0;
  SqueezeExcitePlan se;
  bool residual = false;
  int in_height = 0;  // After the optional max pool.
  int in_width = 0;
  int out_height = 0;
  int out_width = 0;
};

struct HeadPlan {
  int in_channels = 0;
  bool has_hidden = false;
  LinearPlan hidden;
  nasprune::v1::Activation activation = nasprune::v1::ACTIVATION_UNSPECIFIED;
  double dropout = 0;
  LinearPlan classifier;
};

struct NetworkPlan {
  InputSpec input;
  StemPlan stem;
  std::vector<BlockPlan> blocks;
  HeadPlan head;
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

// The rank a LowRankFactorization with rank_ratio gives a linear in→out, or 0
// when factorizing would not reduce the parameter count.
int LowRankRank(int in, int out, double rank_ratio);

// The plan of `genome` (pruning applied) for `input`. INVALID_ARGUMENT, with
// field paths, when the genome is invalid (ValidateGenome) or the input is
// out of range.
absl::StatusOr<NetworkPlan> BuildNetworkPlan(const nasprune::v1::Genome& genome,
                                             const InputSpec& input);

}  // namespace nasprune::genome

#endif  // NASPRUNE_COMMON_GENOME_NETWORK_PLAN_H_
