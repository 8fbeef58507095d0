#include "common/status/suggest.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace nasprune {

size_t EditDistance(absl::string_view a, absl::string_view b) {
  // Optimal string alignment: Levenshtein plus swaps of two neighbours.
  std::vector<std::vector<size_t>> d(a.size() + 1,
                                     std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1,
                          d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
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
