#include "common/genome/plan.h"

#include <algorithm>
#include <cmath>

namespace nasprune::genome {

NetworkPlan WithKeptChannels(const NetworkPlan& plan,
                             const std::vector<int>& kept) {
  NetworkPlan out = plan;
  if (plan.groups.empty()) return out;  // A hand-built plan without groups.
  for (size_t g = 0; g < out.groups.size(); ++g) out.groups[g].kept = kept[g];
  out.stem.out_channels = kept[0];
  for (BlockPlan& block : out.blocks) {
    block.in_channels = kept[block.in_group];
    block.out_channels = kept[block.out_group];
    switch (block.op) {
      case Operator::kConv:
        block.mid_channels = block.out_channels;
        break;
      case Operator::kDepthwiseSeparable:
        block.mid_channels = block.in_channels;
        break;
      case Operator::kMbconv:
        block.mid_channels =
            block.has_expand ? kept[block.expanded_group] : block.in_channels;
        break;
    }
    if (block.se.channels > 0) block.se.channels = block.mid_channels;
  }
  HeadPlan& head = out.head;
  head.in_channels = kept[head.in_group];
  int classifier_in = head.in_channels;
  if (head.has_hidden) {
    head.hidden.in = head.in_channels;
    head.hidden.out = kept[head.hidden_group];
    classifier_in = head.hidden.out;
  }
  head.classifier.in = classifier_in;
  return out;
}

NetworkPlan UnprunedPlan(const NetworkPlan& plan) {
  std::vector<int> full;
  for (const GroupPlan& group : plan.groups) full.push_back(group.channels);
  NetworkPlan out = WithKeptChannels(plan, full);
  out.head.hidden.rank = 0;
  out.head.classifier.rank = 0;
  return out;
}

bool PlanPrunes(const NetworkPlan& plan) {
  return std::any_of(plan.groups.begin(), plan.groups.end(),
                     [](const GroupPlan& g) { return g.kept < g.channels; });
}

std::vector<int> KeptPerGroup(const NetworkPlan& plan) {
  std::vector<int> kept;
  for (const GroupPlan& group : plan.groups) kept.push_back(group.kept);
  return kept;
}

namespace {

bool RankSaves(long rank, long in, long out) {
  return rank * (in + out) < in * out;
}

}  // namespace

int LowRankRank(int in, int out, double rank_ratio) {
  if (rank_ratio <= 0) return 0;
  const long rank = std::max<long>(
      1, std::lround(rank_ratio * static_cast<double>(std::min(in, out))));
  return RankSaves(rank, in, out) ? static_cast<int>(rank) : 0;
}

int LowRankRankByEnergy(int in, int out, const std::vector<double>& singular,
                        double energy) {
  if (energy <= 0 || singular.empty()) return 0;
  double total = 0;
  for (double s : singular) total += s * s;
  double kept = 0;
  long rank = 0;
  for (double s : singular) {
    kept += s * s;
    ++rank;
    if (kept >= energy * total) break;
  }
  return RankSaves(rank, in, out) ? static_cast<int>(rank) : 0;
}

}  // namespace nasprune::genome
