#include "common/genome/validate.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/canonical/canonical.h"
#include "common/genome/hash.h"
#include "common/genome/limits.h"
#include "google/protobuf/generated_enum_reflection.h"

namespace nasprune::genome {
namespace {

using google::protobuf::EnumDescriptor;
using google::protobuf::RepeatedField;
using v1::ArchitectureGenome;
using v1::PruningGenome;
using v1::SearchSpace;

std::string EnumName(const EnumDescriptor* type, int value) {
  const auto* v = type->FindValueByNumber(value);
  return v != nullptr ? v->name() : absl::StrCat(value);
}

std::string KernelSet() {
  return absl::StrCat("{", absl::StrJoin(kKernels, ", "), "}");
}

// Formats a choice list for a message: "{3, 5}", "{ACTIVATION_RELU}".
std::string FormatInts(const RepeatedField<int32_t>& values) {
  return absl::StrCat("{", absl::StrJoin(values, ", "), "}");
}
std::string FormatReals(const RepeatedField<double>& values) {
  std::vector<std::string> parts;
  for (double v : values) parts.push_back(FormatDouble(v));
  return absl::StrCat("{", absl::StrJoin(parts, ", "), "}");
}
std::string FormatBools(const RepeatedField<bool>& values) {
  std::vector<std::string> parts;
  for (bool v : values) parts.push_back(v ? "true" : "false");
  return absl::StrCat("{", absl::StrJoin(parts, ", "), "}");
}
std::string FormatEnums(const EnumDescriptor* type,
                        const RepeatedField<int>& values) {
  std::vector<std::string> parts;
  for (int v : values) parts.push_back(EnumName(type, v));
  return absl::StrCat("{", absl::StrJoin(parts, ", "), "}");
}

// A required enum: a known value other than UNSPECIFIED (0).
void CheckEnumSet(const EnumDescriptor* type, int value, absl::string_view path,
                  FieldErrors* errors) {
  if (value == 0) {
    errors->Add(path, absl::StrCat("must be set (one of the ", type->name(),
                                   " values)"));
  } else if (type->FindValueByNumber(value) == nullptr) {
    errors->Add(path, absl::StrCat(value, " is not a ", type->name()));
  }
}

void CheckKernel(int kernel, absl::string_view path, FieldErrors* errors) {
  if (std::find(kKernels.begin(), kKernels.end(), kernel) == kKernels.end()) {
    errors->Add(path, absl::StrCat(kernel, " not in ", KernelSet()));
  }
}

bool RealEquals(double a, double b) {
  return std::fabs(a - b) <= kRealTolerance;
}

// --- Space checks ----------------------------------------------------------

template <typename T, typename Key>
void CheckNoDuplicates(const RepeatedField<T>& values, absl::string_view path,
                       Key key, FieldErrors* errors) {
  for (int i = 0; i < values.size(); ++i) {
    for (int j = 0; j < i; ++j) {
      if (key(values[i]) == key(values[j])) {
        errors->Add(IndexPath(path, i),
                    absl::StrCat("duplicate of ", IndexPath(path, j)));
        break;
      }
    }
  }
}

void CheckIntChoices(const RepeatedField<int32_t>& values,
                     absl::string_view path, bool required, int lo, int hi,
                     FieldErrors* errors) {
  if (required && values.empty()) errors->Add(path, "must not be empty");
  for (int i = 0; i < values.size(); ++i) {
    errors->CheckRange(IndexPath(path, i), values[i], lo, hi);
  }
  CheckNoDuplicates(
      values, path, [](int v) { return v; }, errors);
}

void CheckKernelChoices(const RepeatedField<int32_t>& values,
                        absl::string_view path, FieldErrors* errors) {
  if (values.empty()) errors->Add(path, "must not be empty");
  for (int i = 0; i < values.size(); ++i) {
    CheckKernel(values[i], IndexPath(path, i), errors);
  }
  CheckNoDuplicates(
      values, path, [](int v) { return v; }, errors);
}

void CheckRealChoices(const RepeatedField<double>& values,
                      absl::string_view path, double lo, double hi,
                      bool lo_open, FieldErrors* errors) {
  for (int i = 0; i < values.size(); ++i) {
    const std::string p = IndexPath(path, i);
    if (errors->CheckRealRange(p, values[i], lo, hi) && lo_open &&
        values[i] <= lo) {
      errors->Add(p, absl::StrCat(FormatDouble(values[i]), " must be above ",
                                  FormatDouble(lo)));
    }
  }
  CheckNoDuplicates(
      values, path, [](double v) { return std::llround(v / kRealTolerance); },
      errors);
}

void CheckEnumChoices(const EnumDescriptor* type,
                      const RepeatedField<int>& values, absl::string_view path,
                      bool required, FieldErrors* errors) {
  if (required && values.empty()) errors->Add(path, "must not be empty");
  for (int i = 0; i < values.size(); ++i) {
    CheckEnumSet(type, values[i], IndexPath(path, i), errors);
  }
  CheckNoDuplicates(
      values, path, [](int v) { return v; }, errors);
}

void CheckBoolChoices(const RepeatedField<bool>& values, absl::string_view path,
                      FieldErrors* errors) {
  CheckNoDuplicates(
      values, path, [](bool v) { return v; }, errors);
}

// --- Membership checks -------------------------------------------------------

void CheckIntIn(int value, const RepeatedField<int32_t>& choices,
                int default_value, absl::string_view path,
                FieldErrors* errors) {
  if (choices.empty()) {
    if (value != default_value) {
      errors->Add(path, absl::StrCat(value, " not in {", default_value, "}"));
    }
    return;
  }
  if (std::find(choices.begin(), choices.end(), value) == choices.end()) {
    errors->Add(path, absl::StrCat(value, " not in ", FormatInts(choices)));
  }
}

void CheckRealIn(double value, const RepeatedField<double>& choices,
                 double default_value, absl::string_view path,
                 FieldErrors* errors) {
  if (choices.empty()) {
    if (!RealEquals(value, default_value)) {
      errors->Add(path, absl::StrCat(FormatDouble(value), " not in {",
                                     FormatDouble(default_value), "}"));
    }
    return;
  }
  if (std::none_of(choices.begin(), choices.end(),
                   [&](double c) { return RealEquals(c, value); })) {
    errors->Add(path, absl::StrCat(FormatDouble(value), " not in ",
                                   FormatReals(choices)));
  }
}

void CheckBoolIn(bool value, const RepeatedField<bool>& choices,
                 absl::string_view path, FieldErrors* errors) {
  const bool allowed =
      choices.empty()
          ? !value
          : std::find(choices.begin(), choices.end(), value) != choices.end();
  if (!allowed) {
    errors->Add(path, absl::StrCat(value ? "true" : "false", " not in ",
                                   choices.empty() ? std::string("{false}")
                                                   : FormatBools(choices)));
  }
}

void CheckEnumIn(const EnumDescriptor* type, int value,
                 const RepeatedField<int>& choices, absl::string_view path,
                 FieldErrors* errors) {
  if (std::find(choices.begin(), choices.end(), value) == choices.end()) {
    errors->Add(path, absl::StrCat(EnumName(type, value), " not in ",
                                   FormatEnums(type, choices)));
  }
}

bool KeepRatioInRange(double ratio, const v1::DoubleRange& range) {
  if (ratio < range.min() - kRealTolerance ||
      ratio > range.max() + kRealTolerance) {
    return false;
  }
  if (range.step() <= 0) return true;
  const double k = (ratio - range.min()) / range.step();
  return std::fabs(k - std::round(k)) * range.step() <= kRealTolerance;
}

std::string FormatRange(const v1::DoubleRange& range) {
  std::string s = absl::StrCat("[", FormatDouble(range.min()), ", ",
                               FormatDouble(range.max()), "]");
  if (range.step() > 0) {
    absl::StrAppend(&s, " in steps of ", FormatDouble(range.step()));
  }
  return s;
}

}  // namespace

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
  if (arch.stages_size() < kMinStages || arch.stages_size() > kMaxStages) {
    errors->Add(stages,
                absl::StrCat("has ", arch.stages_size(), " entries; allowed [",
                             kMinStages, ", ", kMaxStages, "]"));
  }
  for (int s = 0; s < arch.stages_size(); ++s) {
    const auto& stage = arch.stages(s);
    const std::string sp = IndexPath(stages, s);
    errors->CheckRange(FieldPath(sp, "channels"), stage.channels(),
                       kMinChannels, kMaxChannels);
    CheckEnumSet(v1::Downsample_descriptor(), stage.downsample(),
                 FieldPath(sp, "downsample"), errors);
    const std::string blocks = FieldPath(sp, "blocks");
    if (stage.blocks_size() < kMinBlocks || stage.blocks_size() > kMaxBlocks) {
      errors->Add(blocks, absl::StrCat("has ", stage.blocks_size(),
                                       " entries; allowed [", kMinBlocks, ", ",
                                       kMaxBlocks, "]"));
    }
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
  if (errors.ok())
    ValidatePruning(genome.pruning(), genome.arch(), "pruning", &errors);
  return errors.ToStatus();
}

void ValidateSearchSpace(const SearchSpace& space, v1::SearchMode mode,
                         absl::string_view path, FieldErrors* errors) {
  if (SearchesArchitecture(mode)) {
    CheckIntChoices(space.stem_channels(), FieldPath(path, "stem_channels"),
                    /*required=*/true, kMinChannels, kMaxChannels, errors);
    CheckKernelChoices(space.stem_kernels(), FieldPath(path, "stem_kernels"),
                       errors);
    const std::string stages = FieldPath(path, "stages");
    const int n = space.stages_size();
    if (n < kMinStages || n > kMaxStages) {
      errors->Add(stages, absl::StrCat("has ", n, " entries; allowed [",
                                       kMinStages, ", ", kMaxStages, "]"));
    }
    if (errors->CheckRange(FieldPath(path, "min_stages"), space.min_stages(),
                           kMinStages, std::max(n, kMinStages))) {
      errors->CheckRange(FieldPath(path, "max_stages"), space.max_stages(),
                         space.min_stages(), std::max(n, space.min_stages()));
    }
    for (int s = 0; s < n; ++s) {
      const auto& stage = space.stages(s);
      const std::string sp = IndexPath(stages, s);
      CheckIntChoices(stage.channels(), FieldPath(sp, "channels"), true,
                      kMinChannels, kMaxChannels, errors);
      CheckEnumChoices(v1::Downsample_descriptor(), stage.downsample(),
                       FieldPath(sp, "downsample"), true, errors);
      if (errors->CheckRange(FieldPath(sp, "min_blocks"), stage.min_blocks(),
                             kMinBlocks, kMaxBlocks)) {
        errors->CheckRange(FieldPath(sp, "max_blocks"), stage.max_blocks(),
                           stage.min_blocks(), kMaxBlocks);
      }
    }
    CheckEnumChoices(v1::Operator_descriptor(), space.operators(),
                     FieldPath(path, "operators"), true, errors);
    CheckKernelChoices(space.kernels(), FieldPath(path, "kernels"), errors);
    const bool mbconv =
        std::find(space.operators().begin(), space.operators().end(),
                  v1::OPERATOR_MBCONV) != space.operators().end();
    CheckIntChoices(space.expansions(), FieldPath(path, "expansions"), mbconv,
                    kMinExpansion, kMaxExpansion, errors);
    CheckEnumChoices(v1::Activation_descriptor(), space.activations(),
                     FieldPath(path, "activations"), true, errors);
    CheckBoolChoices(space.squeeze_excite(), FieldPath(path, "squeeze_excite"),
                     errors);
    CheckBoolChoices(space.residual(), FieldPath(path, "residual"), errors);
    CheckIntChoices(space.head_hidden_units(),
                    FieldPath(path, "head_hidden_units"), false, 0,
                    kMaxHiddenUnits, errors);
    CheckRealChoices(space.head_dropout(), FieldPath(path, "head_dropout"), 0.0,
                     kMaxDropout, /*lo_open=*/false, errors);
  }
  if (SearchesPruning(mode)) {
    const auto& pruning = space.pruning();
    const std::string pp = FieldPath(path, "pruning");
    CheckEnumChoices(v1::ImportanceCriterion_descriptor(), pruning.criteria(),
                     FieldPath(pp, "criteria"), true, errors);
    const std::string kr = FieldPath(pp, "keep_ratio");
    const auto& range = pruning.keep_ratio();
    if (errors->CheckRealRange(FieldPath(kr, "min"), range.min(), 0.0, 1.0)) {
      if (range.min() <= 0) {
        errors->Add(FieldPath(kr, "min"),
                    "must be above 0 (a group keeps at least one channel)");
      } else if (errors->CheckRealRange(FieldPath(kr, "max"), range.max(),
                                        range.min(), 1.0)) {
        errors->CheckRealRange(FieldPath(kr, "step"), range.step(), 0.0,
                               range.max() - range.min());
      }
    }
    CheckIntChoices(pruning.iterative_steps(), FieldPath(pp, "iterative_steps"),
                    false, 1, kMaxIterativeSteps, errors);
    CheckIntChoices(pruning.finetune_epochs(), FieldPath(pp, "finetune_epochs"),
                    false, 0, kMaxFinetuneEpochs, errors);
    CheckRealChoices(pruning.distill_weights(),
                     FieldPath(pp, "distill_weights"), 0.0, 1.0, false, errors);
    CheckRealChoices(pruning.distill_temperatures(),
                     FieldPath(pp, "distill_temperatures"), 0.0,
                     kMaxDistillTemperature, /*lo_open=*/true, errors);
    CheckRealChoices(pruning.low_rank_ratios(),
                     FieldPath(pp, "low_rank_ratios"), 0.0, 1.0, false, errors);
    CheckBoolChoices(pruning.quantize_int8(), FieldPath(pp, "quantize_int8"),
                     errors);
  }
}

absl::Status ValidateGenomeInScope(const v1::Genome& genome,
                                   const SearchScope& scope) {
  if (absl::Status status = ValidateGenome(genome); !status.ok()) {
    return status;
  }
  FieldErrors errors;
  const SearchSpace& space = scope.space;
  const ArchitectureGenome& arch = genome.arch();
  const auto* activation_type = v1::Activation_descriptor();
  if (!SearchesPruning(scope.mode) &&
      CanonicalText(CanonicalPruning(genome.pruning())) != "{}") {
    errors.Add("pruning", "must be empty in an architecture-only job");
  }
  if (!SearchesArchitecture(scope.mode) &&
      ArchitectureHash(arch) != ArchitectureHash(scope.base_architecture)) {
    errors.Add("arch",
               "must equal the job's base_architecture in a "
               "pruning-only job");
  }
  if (SearchesArchitecture(scope.mode)) {
    CheckIntIn(arch.stem().channels(), space.stem_channels(), 0,
               "arch.stem.channels", &errors);
    CheckIntIn(arch.stem().kernel(), space.stem_kernels(), 0,
               "arch.stem.kernel", &errors);
    CheckEnumIn(activation_type, arch.stem().activation(), space.activations(),
                "arch.stem.activation", &errors);
    if (arch.stages_size() < space.min_stages() ||
        arch.stages_size() > space.max_stages()) {
      errors.Add(
          "arch.stages",
          absl::StrCat("has ", arch.stages_size(), " entries; allowed [",
                       space.min_stages(), ", ", space.max_stages(), "]"));
    }
    for (int s = 0; s < arch.stages_size() && s < space.stages_size(); ++s) {
      const auto& stage = arch.stages(s);
      const auto& ss = space.stages(s);
      const std::string sp = IndexPath("arch.stages", s);
      CheckIntIn(stage.channels(), ss.channels(), 0, FieldPath(sp, "channels"),
                 &errors);
      CheckEnumIn(v1::Downsample_descriptor(), stage.downsample(),
                  ss.downsample(), FieldPath(sp, "downsample"), &errors);
      if (stage.blocks_size() < ss.min_blocks() ||
          stage.blocks_size() > ss.max_blocks()) {
        errors.Add(
            FieldPath(sp, "blocks"),
            absl::StrCat("has ", stage.blocks_size(), " entries; allowed [",
                         ss.min_blocks(), ", ", ss.max_blocks(), "]"));
      }
      for (int b = 0; b < stage.blocks_size(); ++b) {
        const auto& block = stage.blocks(b);
        const std::string bp = IndexPath(FieldPath(sp, "blocks"), b);
        CheckEnumIn(v1::Operator_descriptor(), block.op(), space.operators(),
                    FieldPath(bp, "op"), &errors);
        CheckIntIn(block.kernel(), space.kernels(), 0, FieldPath(bp, "kernel"),
                   &errors);
        if (block.op() == v1::OPERATOR_MBCONV) {
          CheckIntIn(block.expansion(), space.expansions(), 0,
                     FieldPath(bp, "expansion"), &errors);
        }
        CheckEnumIn(activation_type, block.activation(), space.activations(),
                    FieldPath(bp, "activation"), &errors);
        CheckBoolIn(block.squeeze_excite(), space.squeeze_excite(),
                    FieldPath(bp, "squeeze_excite"), &errors);
        if (ResidualAllowed(arch, s, b)) {
          CheckBoolIn(block.residual(), space.residual(),
                      FieldPath(bp, "residual"), &errors);
        }
      }
    }
    CheckIntIn(arch.head().hidden_units(), space.head_hidden_units(), 0,
               "arch.head.hidden_units", &errors);
    if (arch.head().hidden_units() > 0) {
      CheckEnumIn(activation_type, arch.head().activation(),
                  space.activations(), "arch.head.activation", &errors);
    }
    CheckRealIn(arch.head().dropout(), space.head_dropout(), 0,
                "arch.head.dropout", &errors);
  }
  if (SearchesPruning(scope.mode)) {
    const PruningGenome& pruning = genome.pruning();
    const auto& ps = space.pruning();
    const bool pruned = PrunesAnything(pruning);
    if (pruned) {
      CheckEnumIn(v1::ImportanceCriterion_descriptor(), pruning.criterion(),
                  ps.criteria(), "pruning.criterion", &errors);
    }
    double first_ratio = -1;
    for (const ChannelGroup& group : ChannelGroups(arch)) {
      const auto it = pruning.keep_ratios().find(group.name);
      const double ratio = it == pruning.keep_ratios().end() ? 1.0 : it->second;
      const std::string p = KeyPath("pruning.keep_ratios", group.name);
      if (!KeepRatioInRange(ratio, ps.keep_ratio())) {
        errors.Add(p,
                   absl::StrCat(
                       FormatDouble(ratio),
                       it == pruning.keep_ratios().end() ? " (not listed)" : "",
                       " is outside ", FormatRange(ps.keep_ratio())));
      }
      if (ps.uniform_keep_ratio()) {
        if (first_ratio < 0) {
          first_ratio = ratio;
        } else if (!RealEquals(ratio, first_ratio)) {
          errors.Add(p, absl::StrCat(FormatDouble(ratio),
                                     " differs from the other groups' ",
                                     FormatDouble(first_ratio),
                                     "; the space asks for one uniform ratio"));
        }
      }
    }
    if (pruned) {
      CheckIntIn(std::max(1, pruning.iterative_steps()), ps.iterative_steps(),
                 1, "pruning.iterative_steps", &errors);
    }
    CheckIntIn(pruning.finetune_epochs(), ps.finetune_epochs(), 0,
               "pruning.finetune_epochs", &errors);
    CheckRealIn(pruning.distill_weight(), ps.distill_weights(), 0,
                "pruning.distill_weight", &errors);
    if (pruning.distill_weight() > 0) {
      const double t = pruning.distill_temperature() > 0
                           ? pruning.distill_temperature()
                           : kDefaultDistillTemperature;
      CheckRealIn(t, ps.distill_temperatures(), kDefaultDistillTemperature,
                  "pruning.distill_temperature", &errors);
    }
    CheckRealIn(pruning.low_rank().rank_ratio(), ps.low_rank_ratios(), 0,
                "pruning.low_rank.rank_ratio", &errors);
    if (pruning.low_rank().energy() > 0) {
      errors.Add("pruning.low_rank.energy",
                 "energy-based rank selection is not searched by a space; "
                 "it must be 0");
    }
    CheckBoolIn(pruning.quantize_int8(), ps.quantize_int8(),
                "pruning.quantize_int8", &errors);
  }
  return errors.ToStatus();
}

}  // namespace nasprune::genome
