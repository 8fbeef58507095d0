#include "common/genome/cost.h"

#include "absl/strings/str_cat.h"

namespace nasprune::genome {
namespace {

class CostBuilder {
 public:
  explicit CostBuilder(ModelCost* cost) : cost_(cost) {}

  void Conv(const std::string& name, int64_t in, int64_t out, int64_t kernel,
            int64_t groups, int64_t out_h, int64_t out_w, bool bias = false) {
    const int64_t weights = out * (in / groups) * kernel * kernel;
    Add(name, weights + (bias ? out : 0), weights * out_h * out_w);
  }
  void BatchNorm(const std::string& name, int64_t channels) {
    Add(name, 2 * channels, 0);
  }
  void Linear(const std::string& name, const LinearPlan& linear) {
    const int64_t in = linear.in, out = linear.out, rank = linear.rank;
    if (rank > 0) {
      Add(absl::StrCat(name, ".u"), in * rank, in * rank);
      Add(absl::StrCat(name, ".v"), rank * out + out, rank * out);
    } else {
      Add(name, in * out + out, in * out);
    }
  }
  void SqueezeExcite(const std::string& name, const SqueezeExcitePlan& se) {
    if (se.channels == 0) return;
    Conv(absl::StrCat(name, ".reduce"), se.channels, se.hidden, 1, 1, 1, 1,
         /*bias=*/true);
    Conv(absl::StrCat(name, ".expand"), se.hidden, se.channels, 1, 1, 1, 1,
         /*bias=*/true);
  }

 private:
  void Add(std::string name, int64_t params, int64_t macs) {
    cost_->params += params;
    cost_->macs += macs;
    cost_->layers.push_back({std::move(name), params, macs});
  }
  ModelCost* cost_;
};

}  // namespace

ModelCost ComputeCost(const NetworkPlan& plan, bool low_rank_by_energy) {
  ModelCost cost;
  cost.exact = !low_rank_by_energy;
  CostBuilder b(&cost);
  const StemPlan& stem = plan.stem;
  b.Conv("stem.conv", stem.in_channels, stem.out_channels, stem.kernel, 1,
         stem.height, stem.width);
  b.BatchNorm("stem.bn", stem.out_channels);
  for (const BlockPlan& block : plan.blocks) {
    const std::string& n = block.name;
    const int oh = block.out_height, ow = block.out_width;
    switch (block.op) {
      case Operator::kConv:
        b.Conv(n + ".conv", block.in_channels, block.out_channels, block.kernel,
               1, oh, ow);
        b.BatchNorm(n + ".bn", block.out_channels);
        b.SqueezeExcite(n + ".se", block.se);
        break;
      case Operator::kDepthwiseSeparable:
        b.Conv(n + ".dw", block.in_channels, block.in_channels, block.kernel,
               block.in_channels, oh, ow);
        b.BatchNorm(n + ".bn_dw", block.in_channels);
        b.SqueezeExcite(n + ".se", block.se);
        b.Conv(n + ".pw", block.in_channels, block.out_channels, 1, 1, oh, ow);
        b.BatchNorm(n + ".bn_pw", block.out_channels);
        break;
      default:
        if (block.has_expand) {
          b.Conv(n + ".expand", block.in_channels, block.mid_channels, 1, 1,
                 block.in_height, block.in_width);
          b.BatchNorm(n + ".bn_expand", block.mid_channels);
        }
        b.Conv(n + ".dw", block.mid_channels, block.mid_channels, block.kernel,
               block.mid_channels, oh, ow);
        b.BatchNorm(n + ".bn_dw", block.mid_channels);
        b.SqueezeExcite(n + ".se", block.se);
        b.Conv(n + ".project", block.mid_channels, block.out_channels, 1, 1, oh,
               ow);
        b.BatchNorm(n + ".bn_project", block.out_channels);
        break;
    }
  }
  if (plan.head.has_hidden) b.Linear("head.hidden", plan.head.hidden);
  b.Linear("head.classifier", plan.head.classifier);
  return cost;
}

absl::StatusOr<ModelCost> ComputeGenomeCost(const nasprune::v1::Genome& genome,
                                            const InputSpec& input) {
  absl::StatusOr<NetworkPlan> plan = BuildNetworkPlan(genome, input);
  if (!plan.ok()) return plan.status();
  return ComputeCost(*plan, genome.pruning().low_rank().energy() > 0);
}

}  // namespace nasprune::genome
