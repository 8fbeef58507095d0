#ifndef NASPRUNE_COMMON_STATUS_FIELD_ERRORS_H_
#define NASPRUNE_COMMON_STATUS_FIELD_ERRORS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace nasprune {

// Collects validation errors, each tied to the field path of the offending
// value ("arch.stages[2].blocks[0].kernel"), so that a user sees every problem
// of an input at once.
//
// Not thread-safe; one collector per validation.
class FieldErrors {
 public:
  // Records `message` for `path`. The rendered error is "<path>: <message>".
  void Add(absl::string_view path, absl::string_view message);

  // Records a range error when `value` lies outside [lo, hi]:
  // "<path>: <value> is outside [lo, hi]". Returns whether the value was in
  // range.
  bool CheckRange(absl::string_view path, int64_t value, int64_t lo,
                  int64_t hi);
  // Same for reals; also rejects NaN and infinities.
  bool CheckRealRange(absl::string_view path, double value, double lo,
                      double hi);
  // Records a count error when a list of `count` entries has fewer than `lo`
  // or more than `hi`: "<path>: has <count> entries; allowed [lo, hi]".
  // Returns whether the count was in range.
  bool CheckCount(absl::string_view path, int64_t count, int64_t lo,
                  int64_t hi);

  // Records "<path>: <value> is outside <range>", with `value` and `range`
  // already formatted ("0.3", "[0.5, 1] in steps of 0.1"). The range checks
  // above record through it; call it for ranges they cannot express.
  void AddOutside(absl::string_view path, absl::string_view value,
                  absl::string_view range);

  bool ok() const { return errors_.empty(); }
  const std::vector<std::string>& errors() const { return errors_; }
  // The field path of each error, in the same order.
  const std::vector<std::string>& paths() const { return paths_; }

  // OK when nothing was recorded; otherwise INVALID_ARGUMENT whose message is
  // every error in the order recorded, joined by "; ".
  absl::Status ToStatus() const;

 private:
  std::vector<std::string> errors_;
  std::vector<std::string> paths_;
};

// "<base>.<field>" or "<field>" when base is empty.
std::string FieldPath(absl::string_view base, absl::string_view field);
// "<base>[<index>]".
std::string IndexPath(absl::string_view base, int64_t index);
// <base>["<key>"].
std::string KeyPath(absl::string_view base, absl::string_view key);

// Shortest decimal form that reads back as the same double ("0.1", "1e-05").
std::string FormatDouble(double value);

}  // namespace nasprune

#endif  // NASPRUNE_COMMON_STATUS_FIELD_ERRORS_H_
