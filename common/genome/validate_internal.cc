#include "common/genome/validate_internal.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/genome/limits.h"

namespace nasprune::genome::internal {
namespace {

// "{a, b}", each value written by `format`.
template <typename T, typename Format>
std::string FormatSet(absl::Span<const T> values, Format format) {
  return absl::StrCat(
      "{",
      absl::StrJoin(values, ", ",
                    [&](std::string* out, T v) { out->append(format(v)); }),
      "}");
}

}  // namespace

std::string EnumName(const google::protobuf::EnumDescriptor* type, int value) {
  const auto* v = type->FindValueByNumber(value);
  return v != nullptr ? std::string(v->name()) : absl::StrCat(value);
}

std::string FormatInts(absl::Span<const int32_t> values) {
  return FormatSet(values, [](int32_t v) { return absl::StrCat(v); });
}

std::string FormatReals(absl::Span<const double> values) {
  return FormatSet(values, [](double v) { return FormatDouble(v); });
}

std::string FormatBools(absl::Span<const bool> values) {
  return FormatSet(values,
                   [](bool v) { return std::string(v ? "true" : "false"); });
}

std::string FormatEnums(const google::protobuf::EnumDescriptor* type,
                        absl::Span<const int> values) {
  return FormatSet(values, [type](int v) { return EnumName(type, v); });
}

void AddNotIn(absl::string_view path, absl::string_view value,
              absl::string_view choices, FieldErrors* errors) {
  errors->Add(path, absl::StrCat(value, " not in ", choices));
}

void CheckEnumSet(const google::protobuf::EnumDescriptor* type, int value,
                  absl::string_view path, FieldErrors* errors) {
  if (value == 0) {
    errors->Add(path, absl::StrCat("must be set (one of the ", type->name(),
                                   " values)"));
  } else if (type->FindValueByNumber(value) == nullptr) {
    errors->Add(path, absl::StrCat(value, " is not a ", type->name()));
  }
}

void CheckKernel(int kernel, absl::string_view path, FieldErrors* errors) {
  if (std::find(kKernels.begin(), kKernels.end(), kernel) == kKernels.end()) {
    AddNotIn(path, absl::StrCat(kernel), FormatInts(kKernels), errors);
  }
}

}  // namespace nasprune::genome::internal
