// ValidateGenomeInScope of validate.h: a valid genome lies inside a job's
// search scope.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/types/span.h"
#include "common/canonical/canonical.h"
#include "common/genome/hash.h"
#include "common/genome/limits.h"
#include "common/genome/validate.h"
#include "common/genome/validate_internal.h"

namespace nasprune::genome {
namespace {

using google::protobuf::EnumDescriptor;
using internal::AddNotIn;
using internal::EnumName;
using internal::FormatBools;
using internal::FormatEnums;
using internal::FormatInts;
using internal::FormatReals;
using v1::ArchitectureGenome;
using v1::PruningGenome;
using v1::SearchSpace;

constexpr absl::string_view kArchPath = "arch";
constexpr absl::string_view kPruningPath = "pruning";

bool RealEquals(double a, double b) {
  return std::fabs(a - b) <= kRealTolerance;
}

// The membership checks: each records "<path>: <value> not in <choices>"
// unless `value` is one of `choices`. An empty list allows only the gene's
// default (`default_value`; false for bools; nothing for enums).
void CheckIntIn(int value, absl::Span<const int32_t> choices, int default_value,
                absl::string_view path, FieldErrors* errors) {
  if (choices.empty()) choices = absl::MakeConstSpan(&default_value, 1);
  if (std::find(choices.begin(), choices.end(), value) == choices.end()) {
    AddNotIn(path, absl::StrCat(value), FormatInts(choices), errors);
  }
}

void CheckRealIn(double value, absl::Span<const double> choices,
                 double default_value, absl::string_view path,
                 FieldErrors* errors) {
  if (choices.empty()) choices = absl::MakeConstSpan(&default_value, 1);
  if (std::none_of(choices.begin(), choices.end(),
                   [&](double c) { return RealEquals(c, value); })) {
    AddNotIn(path, FormatDouble(value), FormatReals(choices), errors);
  }
}

void CheckBoolIn(bool value, absl::Span<const bool> choices,
                 absl::string_view path, FieldErrors* errors) {
  static constexpr bool kDefault = false;
  if (choices.empty()) choices = absl::MakeConstSpan(&kDefault, 1);
  if (std::find(choices.begin(), choices.end(), value) == choices.end()) {
    AddNotIn(path, value ? "true" : "false", FormatBools(choices), errors);
  }
}

void CheckEnumIn(const EnumDescriptor* type, int value,
                 absl::Span<const int> choices, absl::string_view path,
                 FieldErrors* errors) {
  if (std::find(choices.begin(), choices.end(), value) == choices.end()) {
    AddNotIn(path, EnumName(type, value), FormatEnums(type, choices), errors);
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

// "[min, max]", with " in steps of <step>" when the range has a step.
std::string FormatRange(const v1::DoubleRange& range) {
  std::string s = absl::StrCat("[", FormatDouble(range.min()), ", ",
                               FormatDouble(range.max()), "]");
  if (range.step() > 0) {
    absl::StrAppend(&s, " in steps of ", FormatDouble(range.step()));
  }
  return s;
}

// Every gene of a valid `arch` is one of `space`'s choices; errors are
// reported under `path`.
void CheckArchitectureInSpace(const ArchitectureGenome& arch,
                              const SearchSpace& space, absl::string_view path,
                              FieldErrors* errors) {
  const auto* activation_type = v1::Activation_descriptor();
  const std::string stem = FieldPath(path, "stem");
  CheckIntIn(arch.stem().channels(), space.stem_channels(), 0,
             FieldPath(stem, "channels"), errors);
  CheckIntIn(arch.stem().kernel(), space.stem_kernels(), 0,
             FieldPath(stem, "kernel"), errors);
  CheckEnumIn(activation_type, arch.stem().activation(), space.activations(),
              FieldPath(stem, "activation"), errors);
  const std::string stages = FieldPath(path, "stages");
  errors->CheckCount(stages, arch.stages_size(), space.min_stages(),
                     space.max_stages());
  for (int s = 0; s < arch.stages_size() && s < space.stages_size(); ++s) {
    const auto& stage = arch.stages(s);
    const auto& ss = space.stages(s);
    const std::string sp = IndexPath(stages, s);
    CheckIntIn(stage.channels(), ss.channels(), 0, FieldPath(sp, "channels"),
               errors);
    CheckEnumIn(v1::Downsample_descriptor(), stage.downsample(),
                ss.downsample(), FieldPath(sp, "downsample"), errors);
    const std::string blocks = FieldPath(sp, "blocks");
    errors->CheckCount(blocks, stage.blocks_size(), ss.min_blocks(),
                       ss.max_blocks());
    for (int b = 0; b < stage.blocks_size(); ++b) {
      const auto& block = stage.blocks(b);
      const std::string bp = IndexPath(blocks, b);
      CheckEnumIn(v1::Operator_descriptor(), block.op(), space.operators(),
                  FieldPath(bp, "op"), errors);
      CheckIntIn(block.kernel(), space.kernels(), 0, FieldPath(bp, "kernel"),
                 errors);
      if (block.op() == v1::OPERATOR_MBCONV) {
        CheckIntIn(block.expansion(), space.expansions(), 0,
                   FieldPath(bp, "expansion"), errors);
      }
      CheckEnumIn(activation_type, block.activation(), space.activations(),
                  FieldPath(bp, "activation"), errors);
      CheckBoolIn(block.squeeze_excite(), space.squeeze_excite(),
                  FieldPath(bp, "squeeze_excite"), errors);
      if (ResidualAllowed(arch, s, b)) {
        CheckBoolIn(block.residual(), space.residual(),
                    FieldPath(bp, "residual"), errors);
      }
    }
  }
  const std::string head = FieldPath(path, "head");
  CheckIntIn(arch.head().hidden_units(), space.head_hidden_units(), 0,
             FieldPath(head, "hidden_units"), errors);
  if (arch.head().hidden_units() > 0) {
    CheckEnumIn(activation_type, arch.head().activation(), space.activations(),
                FieldPath(head, "activation"), errors);
  }
  CheckRealIn(arch.head().dropout(), space.head_dropout(), 0,
              FieldPath(head, "dropout"), errors);
}

// Every gene of a valid `pruning` of `arch` is one of `ps`'s choices; a
// group without a keep ratio keeps 1. Errors are reported under `path`.
void CheckPruningInSpace(const PruningGenome& pruning,
                         const ArchitectureGenome& arch,
                         const v1::PruningSpace& ps, absl::string_view path,
                         FieldErrors* errors) {
  const bool pruned = PrunesAnything(pruning);
  if (pruned) {
    CheckEnumIn(v1::ImportanceCriterion_descriptor(), pruning.criterion(),
                ps.criteria(), FieldPath(path, "criterion"), errors);
  }
  const std::string ratios = FieldPath(path, "keep_ratios");
  double first_ratio = -1;
  for (const ChannelGroup& group : ChannelGroups(arch)) {
    const auto it = pruning.keep_ratios().find(group.name);
    const bool listed = it != pruning.keep_ratios().end();
    const double ratio = listed ? it->second : 1.0;
    const std::string p = KeyPath(ratios, group.name);
    if (!KeepRatioInRange(ratio, ps.keep_ratio())) {
      errors->AddOutside(
          p, absl::StrCat(FormatDouble(ratio), listed ? "" : " (not listed)"),
          FormatRange(ps.keep_ratio()));
    }
    if (ps.uniform_keep_ratio()) {
      if (first_ratio < 0) {
        first_ratio = ratio;
      } else if (!RealEquals(ratio, first_ratio)) {
        errors->Add(p, absl::StrCat(FormatDouble(ratio),
                                    " differs from the other groups' ",
                                    FormatDouble(first_ratio),
                                    "; the space asks for one uniform ratio"));
      }
    }
  }
  if (pruned) {
    CheckIntIn(std::max(1, pruning.iterative_steps()), ps.iterative_steps(), 1,
               FieldPath(path, "iterative_steps"), errors);
  }
  CheckIntIn(pruning.finetune_epochs(), ps.finetune_epochs(), 0,
             FieldPath(path, "finetune_epochs"), errors);
  CheckRealIn(pruning.distill_weight(), ps.distill_weights(), 0,
              FieldPath(path, "distill_weight"), errors);
  if (pruning.distill_weight() > 0) {
    const double t = pruning.distill_temperature() > 0
                         ? pruning.distill_temperature()
                         : kDefaultDistillTemperature;
    CheckRealIn(t, ps.distill_temperatures(), kDefaultDistillTemperature,
                FieldPath(path, "distill_temperature"), errors);
  }
  const std::string low_rank = FieldPath(path, "low_rank");
  CheckRealIn(pruning.low_rank().rank_ratio(), ps.low_rank_ratios(), 0,
              FieldPath(low_rank, "rank_ratio"), errors);
  if (pruning.low_rank().energy() > 0) {
    errors->Add(FieldPath(low_rank, "energy"),
                "energy-based rank selection is not searched by a space; "
                "it must be 0");
  }
  CheckBoolIn(pruning.quantize_int8(), ps.quantize_int8(),
              FieldPath(path, "quantize_int8"), errors);
}

}  // namespace

absl::Status ValidateGenomeInScope(const v1::Genome& genome,
                                   const SearchScope& scope) {
  if (absl::Status status = ValidateGenome(genome); !status.ok()) {
    return status;
  }
  FieldErrors errors;
  if (!SearchesPruning(scope.mode) &&
      CanonicalText(CanonicalPruning(genome.pruning())) != "{}") {
    errors.Add(kPruningPath, "must be empty in an architecture-only job");
  }
  if (!SearchesArchitecture(scope.mode) &&
      ArchitectureHash(genome.arch()) !=
          ArchitectureHash(scope.base_architecture)) {
    errors.Add(kArchPath,
               "must equal the job's base_architecture in a "
               "pruning-only job");
  }
  if (SearchesArchitecture(scope.mode)) {
    CheckArchitectureInSpace(genome.arch(), scope.space, kArchPath, &errors);
  }
  if (SearchesPruning(scope.mode)) {
    CheckPruningInSpace(genome.pruning(), genome.arch(), scope.space.pruning(),
                        kPruningPath, &errors);
  }
  return errors.ToStatus();
}

}  // namespace nasprune::genome
