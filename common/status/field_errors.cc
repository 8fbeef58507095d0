#include "common/status/field_errors.h"

#include <charconv>
#include <cmath>

#include "absl/strings/str_join.h"

namespace nasprune {
namespace {

// "[lo, hi]".
std::string Interval(absl::string_view lo, absl::string_view hi) {
  return absl::StrCat("[", lo, ", ", hi, "]");
}

}  // namespace

void FieldErrors::Add(absl::string_view path, absl::string_view message) {
  paths_.emplace_back(path);
  errors_.push_back(path.empty() ? std::string(message)
                                 : absl::StrCat(path, ": ", message));
}

bool FieldErrors::CheckRange(absl::string_view path, int64_t value, int64_t lo,
                             int64_t hi) {
  if (value >= lo && value <= hi) return true;
  AddOutside(path, absl::StrCat(value),
             Interval(absl::StrCat(lo), absl::StrCat(hi)));
  return false;
}

bool FieldErrors::CheckRealRange(absl::string_view path, double value,
                                 double lo, double hi) {
  if (!std::isfinite(value)) {
    Add(path, absl::StrCat(FormatDouble(value), " is not a finite number"));
    return false;
  }
  if (value >= lo && value <= hi) return true;
  AddOutside(path, FormatDouble(value),
             Interval(FormatDouble(lo), FormatDouble(hi)));
  return false;
}

bool FieldErrors::CheckCount(absl::string_view path, int64_t count, int64_t lo,
                             int64_t hi) {
  if (count >= lo && count <= hi) return true;
  Add(path, absl::StrCat("has ", count, " entries; allowed ",
                         Interval(absl::StrCat(lo), absl::StrCat(hi))));
  return false;
}

void FieldErrors::AddOutside(absl::string_view path, absl::string_view value,
                             absl::string_view range) {
  Add(path, absl::StrCat(value, " is outside ", range));
}

absl::Status FieldErrors::ToStatus() const {
  if (errors_.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrJoin(errors_, "; "));
}

std::string FieldPath(absl::string_view base, absl::string_view field) {
  if (base.empty()) return std::string(field);
  return absl::StrCat(base, ".", field);
}

std::string IndexPath(absl::string_view base, int64_t index) {
  return absl::StrCat(base, "[", index, "]");
}

std::string KeyPath(absl::string_view base, absl::string_view key) {
  return absl::StrCat(base, "[\"", key, "\"]");
}

std::string FormatDouble(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  if (value == 0) return "0";  // Also folds -0.
  char buffer[64];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), value);
  return std::string(buffer, end);
}

}  // namespace nasprune
