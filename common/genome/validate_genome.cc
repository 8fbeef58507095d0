// ValidateInputSpec, ValidateArchitecture, ValidatePruning and ValidateGenome
// of validate.h: the absolute validity of a genome, whatever the job.

#include <algorithm>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/genome/limits.h"
#include "common/genome/validate.h"
#include "common/genome/validate_internal.h"

namespace nasprune::genome {

using internal::CheckEnumSet;
using internal::CheckKernel;
using internal::EnumName;
using v1::ArchitectureGenome;
using v1::PruningGenome;

void ValidateInputSpec(const InputSpec& input, absl::string_view path,
                       FieldErrors* errors) {
  errors->CheckRange(FieldPath(path, "channels"), input.channels, 1, 16);
  errors->CheckRange(FieldPath(path, "height"), input.height, 1, 1024);
  errors->CheckRange(FieldPath(path, "width"), input.width, 1, 1024);
  errors->CheckRange(FieldPath(path, "num_classes"), input.num_classes, 2,
                     100000);
}

void ValidateArchitecture(const ArchitectureGenome& arch,
                          absl::string_view path, FieldErrors* errors) {
  const auto* activation_type = v1::Activation_descriptor();
  if (!arch.has_stem()) {
    errors->Add(FieldPath(path, "stem"), "must be set");
  } else {
    const std::string stem = FieldPath(path, "stem");
    errors->CheckRange(FieldPath(stem, "channels"), arch.stem().channels(),
                       kMinChannels, kMaxChannels);
    CheckKernel(arch.stem().kernel(), FieldPath(stem, "kernel"), errors);
    CheckEnumSet(activation_type, arch.stem().activation(),
                 FieldPath(stem, "activation"), errors);
  }
  const std::string stages = FieldPath(path, "stages");
  errors->CheckCount(stages, arch.stages_size(), kMinStages, kMaxStages);
  for (int s = 0; s < arch.stages_size(); ++s) {
    const auto& stage = arch.stages(s);
    const std::string sp = IndexPath(stages, s);
    errors->CheckRange(FieldPath(sp, "channels"), stage.channels(),
                       kMinChannels, kMaxChannels);
    CheckEnumSet(v1::Downsample_descriptor(), stage.downsample(),
                 FieldPath(sp, "downsample"), errors);
    const std::string blocks = FieldPath(sp, "blocks");
    errors->CheckCount(blocks, stage.blocks_size(), kMinBlocks, kMaxBlocks);
    for (int b = 0; b < stage.blocks_size(); ++b) {
      const auto& block = stage.blocks(b);
      const std::string bp = IndexPath(blocks, b);
      CheckEnumSet(v1::Operator_descriptor(), block.op(), FieldPath(bp, "op"),
                   errors);
      CheckKernel(block.kernel(), FieldPath(bp, "kernel"), errors);
      if (block.op() == v1::OPERATOR_MBCONV) {
        errors->CheckRange(FieldPath(bp, "expansion"), block.expansion(),
                           kMinExpansion, kMaxExpansion);
      } else if (block.expansion() != 0) {
        errors->Add(
            FieldPath(bp, "expansion"),
            absl::StrCat("must be 0 for ",
                         EnumName(v1::Operator_descriptor(), block.op()),
                         " (it applies to OPERATOR_MBCONV only)"));
      }
      CheckEnumSet(activation_type, block.activation(),
                   FieldPath(bp, "activation"), errors);
      if (block.residual() && !ResidualAllowed(arch, s, b)) {
        errors->Add(FieldPath(bp, "residual"),
                    "not allowed here: a residual needs stride 1 and equal "
                    "input and output channels");
      }
    }
  }
  const std::string head = FieldPath(path, "head");
  errors->CheckRange(FieldPath(head, "hidden_units"),
                     arch.head().hidden_units(), 0, kMaxHiddenUnits);
  if (arch.head().hidden_units() > 0) {
    CheckEnumSet(activation_type, arch.head().activation(),
                 FieldPath(head, "activation"), errors);
  }
  errors->CheckRealRange(FieldPath(head, "dropout"), arch.head().dropout(), 0.0,
                         kMaxDropout);
}

void ValidatePruning(const PruningGenome& pruning,
                     const ArchitectureGenome& arch, absl::string_view path,
                     FieldErrors* errors) {
  const std::string ratios = FieldPath(path, "keep_ratios");
  if (!pruning.keep_ratios().empty()) {
    std::set<std::string> names;
    for (const ChannelGroup& group : ChannelGroups(arch)) {
      names.insert(group.name);
    }
    // Sorted for a deterministic message order.
    std::vector<std::pair<std::string, double>> entries(
        pruning.keep_ratios().begin(), pruning.keep_ratios().end());
    std::sort(entries.begin(), entries.end());
    for (const auto& [name, ratio] : entries) {
      const std::string p = KeyPath(ratios, name);
      if (!names.contains(name)) {
        errors->Add(p, absl::StrCat("no such channel group; the groups are ",
                                    absl::StrJoin(names, ", ")));
      }
      if (errors->CheckRealRange(p, ratio, 0.0, 1.0) && ratio <= 0) {
        errors->Add(p, "0 would empty the group; ratios are in (0, 1]");
      }
    }
  }
  const std::string criterion = FieldPath(path, "criterion");
  if (pruning.criterion() != 0 &&
      v1::ImportanceCriterion_descriptor()->FindValueByNumber(
          pruning.criterion()) == nullptr) {
    errors->Add(criterion, absl::StrCat(pruning.criterion(),
                                        " is not an ImportanceCriterion"));
  } else if (pruning.criterion() == 0 && PrunesAnything(pruning)) {
    errors->Add(criterion, "must be set when a keep ratio is below 1");
  }
  errors->CheckRange(FieldPath(path, "iterative_steps"),
                     pruning.iterative_steps(), 0, kMaxIterativeSteps);
  errors->CheckRange(FieldPath(path, "finetune_epochs"),
                     pruning.finetune_epochs(), 0, kMaxFinetuneEpochs);
  errors->CheckRealRange(FieldPath(path, "distill_weight"),
                         pruning.distill_weight(), 0.0, 1.0);
  errors->CheckRealRange(FieldPath(path, "distill_temperature"),
                         pruning.distill_temperature(), 0.0,
                         kMaxDistillTemperature);
  const std::string low_rank = FieldPath(path, "low_rank");
  const bool ratio_ok =
      errors->CheckRealRange(FieldPath(low_rank, "rank_ratio"),
                             pruning.low_rank().rank_ratio(), 0.0, 1.0);
  const bool energy_ok = errors->CheckRealRange(
      FieldPath(low_rank, "energy"), pruning.low_rank().energy(), 0.0, 1.0);
  if (ratio_ok && energy_ok && pruning.low_rank().rank_ratio() > 0 &&
      pruning.low_rank().energy() > 0) {
    errors->Add(low_rank, "set rank_ratio or energy, not both");
  }
}

absl::Status ValidateGenome(const v1::Genome& genome) {
  FieldErrors errors;
  if (!genome.has_arch()) {
    errors.Add("arch", "must be set");
    return errors.ToStatus();
  }
  ValidateArchitecture(genome.arch(), "arch", &errors);
  // Group names are only meaningful for a valid architecture.
  if (errors.ok()) {
    ValidatePruning(genome.pruning(), genome.arch(), "pruning", &errors);
  }
  return errors.ToStatus();
}

}  // namespace nasprune::genome
