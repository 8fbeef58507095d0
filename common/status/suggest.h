#ifndef NASPRUNE_COMMON_STATUS_SUGGEST_H_
#define NASPRUNE_COMMON_STATUS_SUGGEST_H_

// "Did you mean ...?" for a value that is not one of a known set: a field
// name, an enum value, a data set name, a command.

#include <cstddef>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace nasprune {

// Edit distance: insertions, deletions, substitutions and swaps of two
// neighbouring bytes ("nmae" is one edit from "name").
size_t EditDistance(absl::string_view a, absl::string_view b);

// The choice `value` most likely meant, or "" when none is close: the same
// word in other case ("Fashion-MNIST"), a choice that `value` begins
// ("latency" for "latency_ms", at three letters or more), or the nearest
// within one edit per four letters (at least one, at most three).
std::string ClosestMatch(absl::string_view value,
                         const std::vector<std::string>& choices);

// "; did you mean \"<match>\"?" when there is a match, else "".
std::string DidYouMean(absl::string_view value,
                       const std::vector<std::string>& choices);

}  // namespace nasprune

#endif  // NASPRUNE_COMMON_STATUS_SUGGEST_H_
