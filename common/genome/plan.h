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
  int in_height = 0;  // After the optional max pool.
  int in_width = 0;
  int out_height = 0;
  int out_width = 0;
};

struct HeadPlan {
  int in_channels = 0;
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
};

}  // namespace nasprune::genome

#endif  // NASPRUNE_COMMON_GENOME_PLAN_H_
