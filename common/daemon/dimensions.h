#ifndef NASPRUNE_COMMON_DAEMON_DIMENSIONS_H_
#define NASPRUNE_COMMON_DAEMON_DIMENSIONS_H_

// "CxHxW" and "HxW" as flags write an image shape (header only). The values
// are range-checked where they are used.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"

namespace nasprune {

// As many integers as `form` ("CxHxW") has parts, joined by 'x'.
// INVALID_ARGUMENT "<flag>: \"<value>\" is not <form> (for example
// <example>)" otherwise.
inline absl::StatusOr<std::vector<int>> ParseDimensions(
    absl::string_view flag, absl::string_view value, absl::string_view form,
    absl::string_view example) {
  const std::vector<absl::string_view> parts = absl::StrSplit(value, 'x');
  const std::vector<absl::string_view> wanted = absl::StrSplit(form, 'x');
  std::vector<int> dims;
  for (absl::string_view part : parts) {
    int dim = 0;
    if (!absl::SimpleAtoi(part, &dim)) break;
    dims.push_back(dim);
  }
  if (parts.size() != wanted.size() || dims.size() != wanted.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, ": \"", value, "\" is not ", form, " (for example ",
                     example, ")"));
  }
  return dims;
}

}  // namespace nasprune

#endif  // NASPRUNE_COMMON_DAEMON_DIMENSIONS_H_
