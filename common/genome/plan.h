#ifndef NASPRUNE_COMMON_GENOME_PLAN_H_
#define NASPRUNE_COMMON_GENOME_PLAN_H_

// The concrete network a genome describes, as plain C++ with no protobuf or
// abseil in it, so that the LibTorch engine (worker/) builds on machines that
// have only LibTorch. network_plan.h makes a plan from a genome; the layer
// sequence each field describes is documented there and in docs/genome.md.

#include <string>
#include <vector>

namespace nasprune::genome {

enum class Operator { kConv, kDepthwiseSeparable, kMbconv };
enum class Activation { kRelu, kRelu6, kHardSwish, kSilu };
// How the pruner ranks channels (v1::ImportanceCriterion).
enum class Criterion { kNone, kL1, kL2, kBnScale, kTaylor, kRandom };

// The input a network is built for.
struct InputSpec {
  int channels = 1;
  int height = 28;
  int width = 28;
  int num_classes = 10;
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

// One prunable channel group (network_plan.h lists the rules). The group's
// layers refer to it by index into NetworkPlan::groups.
struct GroupPlan {
  std::string name;  // Key in PruningGenome.keep_ratios.
  int channels = 0;  // Before pruning.
  int kept = 0;      // After pruning: the width every member has in the plan.
};

// Stem output channels are always group 0 ("stem").
struct StemPlan {
  int in_channels = 0;
  int out_channels = 0;
  int kernel = 3;
  Activation activation = Activation::kRelu;
  int height = 0;  // Output size (= input size, stride 1).
  int width = 0;
};

struct BlockPlan {
  std::string name;  // "stages[s].blocks[b]".
  int stage = 0;
  int index = 0;
  Operator op = Operator::kConv;
  Activation activation = Activation::kRelu;
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
  // Groups (indices into NetworkPlan::groups) of the block's input, output
  // and, for MBConv with expansion > 1, inner channels (-1 otherwise). A
  // residual block's output group is its input group.
  int in_group = 0;
  int out_group = 0;
  int expanded_group = -1;
  int in_height = 0;  // After the optional max pool.
  int in_width = 0;
  int out_height = 0;
  int out_width = 0;
};

struct HeadPlan {
  int in_channels = 0;
  int in_group = 0;       // The last block's output group.
  int hidden_group = -1;  // When has_hidden.
  bool has_hidden = false;
  LinearPlan hidden;
  Activation activation = Activation::kRelu;  // When has_hidden.
  double dropout = 0;
  LinearPlan classifier;
};

struct NetworkPlan {
  InputSpec input;
  StemPlan stem;
  std::vector<BlockPlan> blocks;
  HeadPlan head;
  std::vector<GroupPlan> groups;  // In network order; groups[0] is "stem".
};

// How a trained network is pruned and recovered (v1::PruningGenome with the
// defaults resolved). The per-group keep counts live in NetworkPlan::groups.
struct PruningPlan {
  Criterion criterion = Criterion::kNone;
  int iterative_steps = 1;  // Prune → fine-tune rounds (AGP cubic schedule).
  int finetune_epochs = 0;  // Spread over the steps.
  double distill_weight = 0;  // 0: no distillation.
  double distill_temperature = 4;
  double low_rank_ratio = 0;   // Low-rank head layers by ratio (in the plan)...
  double low_rank_energy = 0;  // ...or by kept energy (chosen when trained).
  bool quantize_int8 = false;  // Also measure int8 dynamic quantization.
};

// `plan` with every group at `kept[g]` channels (kept.size() must equal
// plan.groups.size(); each in [1, channels]): the channel counts of every
// layer follow their groups; squeeze-excite hidden widths, feature-map sizes
// and head ranks are unchanged. This is the one place the widths of layers
// are derived from their groups. A plan without groups is returned as is.
NetworkPlan WithKeptChannels(const NetworkPlan& plan,
                             const std::vector<int>& kept);

// `plan` before pruning: every group at full width, dense head layers.
NetworkPlan UnprunedPlan(const NetworkPlan& plan);

// Whether some group of `plan` keeps fewer channels than it has.
bool PlanPrunes(const NetworkPlan& plan);

// Kept channels per group, as in the plan.
std::vector<int> KeptPerGroup(const NetworkPlan& plan);

// The rank a LowRankFactorization with rank_ratio gives a linear in→out, or 0
// when factorizing would not reduce the parameter count:
// r = max(1, round(ratio · min(in, out))), used only when r·(in+out) < in·out.
int LowRankRank(int in, int out, double rank_ratio);

// The smallest rank whose singular values (descending, any scale) keep
// `energy` of the squared sum, or 0 when that rank would not reduce the
// parameter count of an in→out layer.
int LowRankRankByEnergy(int in, int out, const std::vector<double>& singular,
                        double energy);

}  // namespace nasprune::genome

#endif  // NASPRUNE_COMMON_GENOME_PLAN_H_
