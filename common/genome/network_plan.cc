#include "common/genome/network_plan.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "common/genome/hash.h"
#include "common/genome/limits.h"
#include "common/genome/validate.h"

namespace nasprune::genome {
namespace {

using v1::ArchitectureGenome;

Operator ToOperator(v1::Operator op) {
  switch (op) {
    case v1::OPERATOR_DEPTHWISE_SEPARABLE:
      return Operator::kDepthwiseSeparable;
    case v1::OPERATOR_MBCONV:
      return Operator::kMbconv;
    default:
      return Operator::kConv;
  }
}

Activation ToActivation(v1::Activation activation) {
  switch (activation) {
    case v1::ACTIVATION_RELU6:
      return Activation::kRelu6;
    case v1::ACTIVATION_HARD_SWISH:
      return Activation::kHardSwish;
    case v1::ACTIVATION_SILU:
      return Activation::kSilu;
    default:
      return Activation::kRelu;
  }
}
using v1::Block;

int CeilHalf(int size) { return (size + 1) / 2; }

std::string BlockName(int stage, int block) {
  return absl::StrCat("stages[", stage, "].blocks[", block, "]");
}

bool IsStrided(const ArchitectureGenome& arch, int stage, int block) {
  return block == 0 &&
         arch.stages(stage).downsample() == v1::DOWNSAMPLE_STRIDE2;
}

int UnprunedInputChannels(const ArchitectureGenome& arch, int stage,
                          int block) {
  if (block > 0) return arch.stages(stage).channels();
  if (stage > 0) return arch.stages(stage - 1).channels();
  return arch.stem().channels();
}

bool HasExpand(const Block& block) {
  return block.op() == v1::OPERATOR_MBCONV && block.expansion() > 1;
}

// Walks the architecture's channel spaces once; both ChannelGroups and
// BuildNetworkPlan are views of this walk, so they cannot disagree.
struct GroupWalk {
  std::vector<ChannelGroup> groups;
  // For each block, in network order: index of the group of its input, its
  // output, and its expanded channels (-1 when none).
  struct BlockGroups {
    int in = 0;
    int out = 0;
    int expanded = -1;
  };
  std::vector<BlockGroups> blocks;
  int head_in = 0;
  int head_hidden = -1;
};

GroupWalk WalkGroups(const ArchitectureGenome& arch) {
  GroupWalk walk;
  walk.groups.push_back(
      {"stem", arch.stem().channels(), {"stem.conv", "stem.bn"}});
  int current = 0;
  for (int s = 0; s < arch.stages_size(); ++s) {
    const auto& stage = arch.stages(s);
    for (int b = 0; b < stage.blocks_size(); ++b) {
      const Block& block = stage.blocks(b);
      const std::string name = BlockName(s, b);
      GroupWalk::BlockGroups bg;
      bg.in = current;
      auto& in_members = walk.groups[current].members;
      in_members.push_back(absl::StrCat(name, ".in"));
      const bool dw_on_input =
          block.op() == v1::OPERATOR_DEPTHWISE_SEPARABLE ||
          (block.op() == v1::OPERATOR_MBCONV && !HasExpand(block));
      if (dw_on_input) {
        in_members.push_back(absl::StrCat(name, ".dw"));
        in_members.push_back(absl::StrCat(name, ".bn_dw"));
        if (block.squeeze_excite()) {
          in_members.push_back(absl::StrCat(name, ".se"));
        }
      }
      if (HasExpand(block)) {
        bg.expanded = static_cast<int>(walk.groups.size());
        std::vector<std::string> members = {
            absl::StrCat(name, ".expand"), absl::StrCat(name, ".bn_expand"),
            absl::StrCat(name, ".dw"), absl::StrCat(name, ".bn_dw"),
            absl::StrCat(name, ".project.in")};
        if (block.squeeze_excite()) {
          members.push_back(absl::StrCat(name, ".se"));
        }
        walk.groups.push_back(
            {absl::StrCat(name, ".expanded"),
             UnprunedInputChannels(arch, s, b) * block.expansion(),
             std::move(members)});
      }
      if (!block.residual()) {
        current = static_cast<int>(walk.groups.size());
        walk.groups.push_back({name, stage.channels(), {}});
      }
      bg.out = current;
      auto& out_members = walk.groups[current].members;
      switch (block.op()) {
        case v1::OPERATOR_CONV:
          out_members.push_back(absl::StrCat(name, ".conv"));
          out_members.push_back(absl::StrCat(name, ".bn"));
          if (block.squeeze_excite()) {
            out_members.push_back(absl::StrCat(name, ".se"));
          }
          break;
        case v1::OPERATOR_DEPTHWISE_SEPARABLE:
          out_members.push_back(absl::StrCat(name, ".pw"));
          out_members.push_back(absl::StrCat(name, ".bn_pw"));
          break;
        default:
          out_members.push_back(absl::StrCat(name, ".project"));
          out_members.push_back(absl::StrCat(name, ".bn_project"));
          break;
      }
      if (block.residual()) {
        out_members.push_back(absl::StrCat(name, ".residual"));
      }
      walk.blocks.push_back(bg);
    }
  }
  walk.head_in = current;
  if (arch.head().hidden_units() > 0) {
    walk.groups[current].members.push_back("head.hidden.in");
    walk.head_hidden = static_cast<int>(walk.groups.size());
    walk.groups.push_back({"head.hidden",
                           arch.head().hidden_units(),
                           {"head.hidden.out", "head.classifier.in"}});
  } else {
    walk.groups[current].members.push_back("head.classifier.in");
  }
  return walk;
}

}  // namespace

std::vector<ChannelGroup> ChannelGroups(const ArchitectureGenome& arch) {
  return WalkGroups(arch).groups;
}

int KeptChannels(int channels, double keep_ratio) {
  const long kept = std::lround(static_cast<double>(channels) * keep_ratio);
  return static_cast<int>(std::clamp<long>(kept, 1, channels));
}

double KeepRatioOf(const v1::PruningGenome& pruning, const std::string& group) {
  const auto it = pruning.keep_ratios().find(group);
  return it == pruning.keep_ratios().end() ? 1.0 : it->second;
}

bool PrunesAnything(const v1::PruningGenome& pruning) {
  return std::any_of(
      pruning.keep_ratios().begin(), pruning.keep_ratios().end(),
      [](const auto& entry) { return CanonicalReal(entry.second) < 1.0; });
}

bool ResidualAllowed(const ArchitectureGenome& arch, int stage, int block) {
  return !IsStrided(arch, stage, block) &&
         UnprunedInputChannels(arch, stage, block) ==
             arch.stages(stage).channels();
}

absl::StatusOr<NetworkPlan> BuildNetworkPlan(const v1::Genome& genome,
                                             const InputSpec& input) {
  FieldErrors errors;
  ValidateInputSpec(input, "input", &errors);
  if (!errors.ok()) return errors.ToStatus();
  if (absl::Status status = ValidateGenome(genome); !status.ok()) {
    return status;
  }
  const ArchitectureGenome& arch = genome.arch();
  const GroupWalk walk = WalkGroups(arch);

  // The unpruned network first; WithKeptChannels then applies the plan.
  NetworkPlan plan;
  plan.input = input;
  std::vector<int> kept;
  for (const ChannelGroup& group : walk.groups) {
    plan.groups.push_back({group.name, group.channels, group.channels});
    kept.push_back(KeptChannels(group.channels,
                                KeepRatioOf(genome.pruning(), group.name)));
  }
  plan.stem = {.in_channels = input.channels,
               .kernel = arch.stem().kernel(),
               .activation = ToActivation(arch.stem().activation()),
               .height = input.height,
               .width = input.width};
  int height = input.height;
  int width = input.width;
  size_t flat = 0;
  for (int s = 0; s < arch.stages_size(); ++s) {
    const auto& stage = arch.stages(s);
    for (int b = 0; b < stage.blocks_size(); ++b, ++flat) {
      const Block& block = stage.blocks(b);
      const GroupWalk::BlockGroups& bg = walk.blocks[flat];
      BlockPlan bp;
      bp.name = BlockName(s, b);
      bp.stage = s;
      bp.index = b;
      bp.op = ToOperator(block.op());
      bp.activation = ToActivation(block.activation());
      bp.kernel = block.kernel();
      bp.stride = IsStrided(arch, s, b) ? 2 : 1;
      bp.max_pool_before =
          b == 0 && stage.downsample() == v1::DOWNSAMPLE_MAX_POOL;
      if (bp.max_pool_before) {
        height = CeilHalf(height);
        width = CeilHalf(width);
      }
      bp.in_height = height;
      bp.in_width = width;
      if (bp.stride == 2) {
        height = CeilHalf(height);
        width = CeilHalf(width);
      }
      bp.out_height = height;
      bp.out_width = width;
      bp.in_group = bg.in;
      bp.out_group = bg.out;
      bp.expanded_group = bg.expanded;
      bp.has_expand = bg.expanded >= 0;
      // Widths come from the groups (WithKeptChannels below); SE only
      // records that it is there until the unpruned widths are known.
      if (block.squeeze_excite()) bp.se.channels = 1;
      bp.residual = block.residual();
      plan.blocks.push_back(std::move(bp));
    }
  }

  const auto& head = arch.head();
  plan.head.in_group = walk.head_in;
  plan.head.dropout = head.dropout();
  if (walk.head_hidden >= 0) {
    plan.head.has_hidden = true;
    plan.head.hidden_group = walk.head_hidden;
    plan.head.activation = ToActivation(head.activation());
  }
  plan.head.classifier = {.in = 0, .out = input.num_classes};
  plan = UnprunedPlan(plan);
  // SE's hidden width follows the unpruned channels it scales.
  for (BlockPlan& block : plan.blocks) {
    if (block.se.channels > 0) {
      block.se.hidden = std::max(1, block.mid_channels / kSeReduction);
    }
  }
  plan = WithKeptChannels(plan, kept);

  const double rank_ratio = genome.pruning().low_rank().rank_ratio();
  for (LinearPlan* linear : {&plan.head.hidden, &plan.head.classifier}) {
    if (linear == &plan.head.hidden && !plan.head.has_hidden) continue;
    linear->rank = LowRankRank(linear->in, linear->out, rank_ratio);
  }
  return plan;
}

PruningPlan BuildPruningPlan(const v1::PruningGenome& pruning) {
  PruningPlan plan;
  switch (pruning.criterion()) {
    case v1::IMPORTANCE_CRITERION_L1:
      plan.criterion = Criterion::kL1;
      break;
    case v1::IMPORTANCE_CRITERION_L2:
      plan.criterion = Criterion::kL2;
      break;
    case v1::IMPORTANCE_CRITERION_BN_SCALE:
      plan.criterion = Criterion::kBnScale;
      break;
    case v1::IMPORTANCE_CRITERION_TAYLOR:
      plan.criterion = Criterion::kTaylor;
      break;
    case v1::IMPORTANCE_CRITERION_RANDOM:
      plan.criterion = Criterion::kRandom;
      break;
    default:
      plan.criterion = Criterion::kNone;
      break;
  }
  plan.iterative_steps = std::max(1, pruning.iterative_steps());
  plan.finetune_epochs = pruning.finetune_epochs();
  plan.distill_weight = pruning.distill_weight();
  plan.distill_temperature = pruning.distill_temperature() > 0
                                 ? pruning.distill_temperature()
                                 : kDefaultDistillTemperature;
  plan.low_rank_ratio = pruning.low_rank().rank_ratio();
  plan.low_rank_energy = pruning.low_rank().energy();
  plan.quantize_int8 = pruning.quantize_int8();
  return plan;
}

}  // namespace nasprune::genome
