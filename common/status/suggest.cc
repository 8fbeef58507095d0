#include "common/status/suggest.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace nasprune {

size_t EditDistance(absl::string_view a, absl::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1,
                         diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

std::string ClosestMatch(absl::string_view value,
                         const std::vector<std::string>& choices) {
  const std::string lower = absl::AsciiStrToLower(value);
  if (lower.empty()) return "";
  for (const std::string& choice : choices) {
    if (absl::AsciiStrToLower(choice) == lower) return choice;
  }
  if (lower.size() >= 3) {
    for (const std::string& choice : choices) {
      if (absl::StartsWith(absl::AsciiStrToLower(choice), lower)) {
        return choice;
      }
    }
  }
  const size_t allowed = std::clamp<size_t>(lower.size() / 4, 1, 3);
  std::string best;
  size_t best_distance = allowed + 1;
  for (const std::string& choice : choices) {
    const size_t d = EditDistance(lower, absl::AsciiStrToLower(choice));
    if (d < best_distance) {
      best_distance = d;
      best = choice;
    }
  }
  return best;
}

std::string DidYouMean(absl::string_view value,
                       const std::vector<std::string>& choices) {
  const std::string match = ClosestMatch(value, choices);
  if (match.empty()) return "";
  return absl::StrCat("; did you mean \"", match, "\"?");
}

}  // namespace nasprune
