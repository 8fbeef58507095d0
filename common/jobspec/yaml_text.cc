#include "common/jobspec/yaml_text.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace nasprune {

std::string Where(absl::string_view source, TextPosition at) {
  if (at.line <= 0) return std::string(source);
  return absl::StrCat(source, ":", at.line, ":", at.column);
}

// Why `text` is not a text file, or "" when it is one.
std::string BinaryProblem(absl::string_view text) {
  if (const size_t nul = text.find('\0'); nul != absl::string_view::npos) {
    return absl::StrCat("is a binary file (a NUL byte at offset ", nul,
                        "), not YAML or JSON text");
  }
  size_t i = 0;
  while (i < text.size()) {
    const unsigned char c = text[i];
    size_t length = c < 0x80           ? 1
                    : (c >> 5) == 0x6  ? 2
                    : (c >> 4) == 0xe  ? 3
                    : (c >> 3) == 0x1e ? 4
                                       : 0;
    bool valid = length > 0 && i + length <= text.size();
    for (size_t k = 1; valid && k < length; ++k) {
      valid = (static_cast<unsigned char>(text[i + k]) >> 6) == 0x2;
    }
    if (!valid) {
      return absl::StrCat("is not UTF-8 text (byte 0x",
                          absl::Hex(c, absl::kZeroPad2), " at offset ", i,
                          "); a job spec is YAML or JSON text");
    }
    i += length;
  }
  return "";
}

namespace {

// A tab in the indentation of the error's line or the line before it
// (where YAML's block structure breaks), or a position with line 0. JSON
// (flow style, where tabs are whitespace) and comment lines are not blamed.
TextPosition IndentationTab(absl::string_view text, int error_line) {
  const size_t first = text.find_first_not_of(" \t\r\n");
  if (first != absl::string_view::npos &&
      (text[first] == '{' || text[first] == '[')) {
    return {};
  }
  int line = 1;
  size_t start = 0;
  while (start <= text.size() && line <= error_line) {
    size_t end = text.find('\n', start);
    if (end == absl::string_view::npos) end = text.size();
    if (line >= error_line - 1) {
      for (size_t i = start; i < end; ++i) {
        if (text[i] == '\t') {
          const size_t next = text.find_first_not_of(" \t", i);
          if (next != absl::string_view::npos && next < end &&
              text[next] != '#') {
            return {line, static_cast<int>(i - start) + 1};
          }
          break;
        }
        if (text[i] != ' ') break;
      }
    }
    start = end + 1;
    ++line;
  }
  return {};
}

}  // namespace

SyntaxError ExplainSyntaxError(absl::string_view text,
                               const YAML::ParserException& e) {
  TextPosition at{e.mark.line + 1, e.mark.column + 1};
  if (const TextPosition tab = IndentationTab(text, at.line); tab.line > 0) {
    return {.at = tab,
            .message =
                "a tab in the indentation; YAML indents with spaces "
                "only"};
  }
  std::string cause;
  if (e.msg == YAML::ErrorMsg::MAP_VALUE ||
      e.msg == YAML::ErrorMsg::END_OF_MAP) {
    cause =
        "a 'key: value' where none can start: indent this line like the "
        "other keys of its mapping, or quote a value that holds ': '";
  } else if (e.msg == YAML::ErrorMsg::END_OF_MAP_FLOW ||
             e.msg == YAML::ErrorMsg::END_OF_SEQ_FLOW ||
             e.msg == YAML::ErrorMsg::FLOW_END) {
    cause =
        "a '{' or '[' that is not closed, or entries without a comma "
        "between them";
  } else if (absl::StartsWith(e.msg, YAML::ErrorMsg::INVALID_ESCAPE)) {
    cause =
        "a backslash escape YAML does not know inside double quotes; use "
        "single quotes, or write the backslash twice";
  } else if (e.msg == YAML::ErrorMsg::BLOCK_ENTRY) {
    cause =
        "a '- ' list entry where a list cannot start: check its "
        "indentation";
  } else if (e.msg == YAML::ErrorMsg::END_OF_SEQ) {
    cause = "a list entry at the wrong indentation";
  }
  return {.at = at,
          .message = cause.empty()
                         ? absl::StrCat("not valid YAML or JSON: ", e.msg)
                         : absl::StrCat(cause, " (YAML: ", e.msg, ")")};
}

}  // namespace nasprune
