#ifndef NASPRUNE_BENCH_TRAIN_THROUGHPUT_BENCH_PLAN_H_
#define NASPRUNE_BENCH_TRAIN_THROUGHPUT_BENCH_PLAN_H_

// The benchmark network as a plan written out by hand, so the benchmark
// builds without protobuf (NASPRUNE_ENGINE_ONLY on GPU machines). A unit test
// checks it equals the plan of examples/genomes/two-conv.yaml, and
// reference_net.py builds the same network in PyTorch.

#include "common/genome/plan.h"

namespace nasprune::bench {

// `op` replaces the two blocks' convolutions: depthwise-separable (a 3×3
// depthwise on the block's input, then a pointwise), or MBConv with
// expansion 4 (pointwise expand, 3×3 depthwise, pointwise project): the
// operators searched besides plain convolutions, on the same widths.
inline genome::NetworkPlan TwoConvPlan(
    int height = 28, int width = 28, int classes = 10,
    genome::Operator op = genome::Operator::kConv) {
  genome::NetworkPlan plan;
  plan.input = {
      .channels = 1, .height = height, .width = width, .num_classes = classes};
  plan.stem = {.in_channels = 1,
               .out_channels = 16,
               .kernel = 3,
               .activation = genome::Activation::kRelu,
               .height = height,
               .width = width};
  int h = height, w = width, in = 16;
  const int widths[] = {32, 64};
  for (int s = 0; s < 2; ++s) {
    genome::BlockPlan block;
    block.name = "stages[" + std::to_string(s) + "].blocks[0]";
    block.stage = s;
    block.op = op;
    block.activation = genome::Activation::kRelu;
    block.kernel = 3;
    block.max_pool_before = true;
    h = (h + 1) / 2;
    w = (w + 1) / 2;
    block.in_height = block.out_height = h;
    block.in_width = block.out_width = w;
    block.in_channels = in;
    block.mid_channels = block.out_channels = widths[s];
    if (op == genome::Operator::kDepthwiseSeparable) block.mid_channels = in;
    if (op == genome::Operator::kMbconv) {
      block.mid_channels = 4 * in;
      block.has_expand = true;
    }
    in = widths[s];
    plan.blocks.push_back(block);
  }
  plan.head.in_channels = in;
  plan.head.classifier = {.in = in, .out = classes};
  return plan;
}

}  // namespace nasprune::bench

#endif  // NASPRUNE_BENCH_TRAIN_THROUGHPUT_BENCH_PLAN_H_
