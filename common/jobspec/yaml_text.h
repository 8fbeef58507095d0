#ifndef NASPRUNE_COMMON_JOBSPEC_YAML_TEXT_H_
#define NASPRUNE_COMMON_JOBSPEC_YAML_TEXT_H_

// What is wrong with a spec's text itself, before any field is read: bytes
// that are not text, and YAML syntax errors with the mistake that usually
// causes them (a tab in the indentation, a key at the wrong indentation, an
// unclosed bracket, an unknown escape). yaml_proto.h reports them.

#include <yaml-cpp/exceptions.h>

#include <string>

#include "absl/strings/string_view.h"

namespace nasprune {

// A place in the text, 1-based; line 0 when unknown.
struct TextPosition {
  int line = 0;
  int column = 0;
};

// "<source>:<line>:<column>", or "<source>" when the position is unknown.
std::string Where(absl::string_view source, TextPosition at);

// Why `text` is not a text file (a NUL byte, bytes that are not UTF-8), or
// "" when it is one.
std::string BinaryProblem(absl::string_view text);

struct SyntaxError {
  TextPosition at;
  std::string message;
};

// yaml-cpp's syntax error in `text`, with what usually causes it.
SyntaxError ExplainSyntaxError(absl::string_view text,
                               const YAML::ParserException& e);

}  // namespace nasprune

#endif  // NASPRUNE_COMMON_JOBSPEC_YAML_TEXT_H_
