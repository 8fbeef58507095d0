// ValidateSearchSpace of validate.h: a search space is usable for a mode.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/genome/limits.h"
#include "common/genome/validate.h"
#include "common/genome/validate_internal.h"

namespace nasprune::genome {
namespace {

using google::protobuf::EnumDescriptor;
using google::protobuf::RepeatedField;
using internal::CheckEnumSet;
using internal::CheckKernel;
using v1::SearchSpace;

// Records "<path>[i]: duplicate of <path>[j]" for each value whose `key`
// equals that of an earlier one, naming the first such j.
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

// The choice-list checks: each records an error for an empty list when
// `required`, for each value outside the allowed set or range, and for each
// duplicate.
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

// Reals lie in [lo, hi], or (lo, hi] when `lo_open`; duplicates are equal
// within kRealTolerance.
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

}  // namespace

void ValidateSearchSpace(const SearchSpace& space, v1::SearchMode mode,
                         absl::string_view path, FieldErrors* errors) {
  if (SearchesArchitecture(mode)) {
    CheckIntChoices(space.stem_channels(), FieldPath(path, "stem_channels"),
                    /*required=*/true, kMinChannels, kMaxChannels, errors);
    CheckKernelChoices(space.stem_kernels(), FieldPath(path, "stem_kernels"),
                       errors);
    const std::string stages = FieldPath(path, "stages");
    const int n = space.stages_size();
    errors->CheckCount(stages, n, kMinStages, kMaxStages);
    if (errors->CheckRange(FieldPath(path, "min_stages"), space.min_stages(),
                           kMinStages, std::max(n, kMinStages))) {
      errors->CheckRange(FieldPath(path, "max_stages"), space.max_stages(),
                         space.min_stages(), std::max(n, space.min_stages()));
    }
    for (int s = 0; s < n; ++s) {
      const auto& stage = space.stages(s);
      const std::string sp = IndexPath(stages, s);
      CheckIntChoices(stage.channels(), FieldPath(sp, "channels"),
                      /*required=*/true, kMinChannels, kMaxChannels, errors);
      CheckEnumChoices(v1::Downsample_descriptor(), stage.downsample(),
                       FieldPath(sp, "downsample"), /*required=*/true, errors);
      if (errors->CheckRange(FieldPath(sp, "min_blocks"), stage.min_blocks(),
                             kMinBlocks, kMaxBlocks)) {
        errors->CheckRange(FieldPath(sp, "max_blocks"), stage.max_blocks(),
                           stage.min_blocks(), kMaxBlocks);
      }
    }
    CheckEnumChoices(v1::Operator_descriptor(), space.operators(),
                     FieldPath(path, "operators"), /*required=*/true, errors);
    CheckKernelChoices(space.kernels(), FieldPath(path, "kernels"), errors);
    const bool mbconv =
        std::find(space.operators().begin(), space.operators().end(),
                  v1::OPERATOR_MBCONV) != space.operators().end();
    CheckIntChoices(space.expansions(), FieldPath(path, "expansions"),
                    /*required=*/mbconv, kMinExpansion, kMaxExpansion, errors);
    CheckEnumChoices(v1::Activation_descriptor(), space.activations(),
                     FieldPath(path, "activations"), /*required=*/true, errors);
    CheckBoolChoices(space.squeeze_excite(), FieldPath(path, "squeeze_excite"),
                     errors);
    CheckBoolChoices(space.residual(), FieldPath(path, "residual"), errors);
    CheckIntChoices(space.head_hidden_units(),
                    FieldPath(path, "head_hidden_units"), /*required=*/false, 0,
                    kMaxHiddenUnits, errors);
    CheckRealChoices(space.head_dropout(), FieldPath(path, "head_dropout"), 0.0,
                     kMaxDropout, /*lo_open=*/false, errors);
  }
  if (SearchesPruning(mode)) {
    const auto& pruning = space.pruning();
    const std::string pp = FieldPath(path, "pruning");
    CheckEnumChoices(v1::ImportanceCriterion_descriptor(), pruning.criteria(),
                     FieldPath(pp, "criteria"), /*required=*/true, errors);
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
                    /*required=*/false, 1, kMaxIterativeSteps, errors);
    CheckIntChoices(pruning.finetune_epochs(), FieldPath(pp, "finetune_epochs"),
                    /*required=*/false, 0, kMaxFinetuneEpochs, errors);
    CheckRealChoices(pruning.distill_weights(),
                     FieldPath(pp, "distill_weights"), 0.0, 1.0,
                     /*lo_open=*/false, errors);
    CheckRealChoices(pruning.distill_temperatures(),
                     FieldPath(pp, "distill_temperatures"), 0.0,
                     kMaxDistillTemperature, /*lo_open=*/true, errors);
    CheckRealChoices(pruning.low_rank_ratios(),
                     FieldPath(pp, "low_rank_ratios"), 0.0, 1.0,
                     /*lo_open=*/false, errors);
    CheckBoolChoices(pruning.quantize_int8(), FieldPath(pp, "quantize_int8"),
                     errors);
  }
}

}  // namespace nasprune::genome
