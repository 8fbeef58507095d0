#ifndef NASPRUNE_COMMON_JOBSPEC_YAML_PROTO_H_
#define NASPRUNE_COMMON_JOBSPEC_YAML_PROTO_H_

// YAML or JSON text → any protobuf message, checked against the message's
// schema with errors a person can act on:
//   job.yaml:12:5: space.stages[1].chanels: unknown field; did you mean
//   "channels"?
//
// The text is parsed with yaml-cpp (JSON is YAML), walked against the message
// descriptor (field names in snake_case or lowerCamelCase; enum values by
// full name or by their short lower-case form, "relu" for ACTIVATION_RELU;
// numbers, booleans and strings type-checked and range-checked), turned into
// JSON and handed to protobuf's JSON parser with unknown fields rejected.
// An empty value (`key:` or `key: null`) leaves a scalar field unset and sets
// a message field to an empty message (`random:` selects random search).

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/jobspec/yaml_text.h"
#include "google/protobuf/message.h"

namespace nasprune {

// One problem of a parsed text: the field path of the value ("" for the
// document), where it is, and the whole message ("job.yaml:4:23:
// objectives[0].metric: \"acuracy\" is not one of ...").
struct ParseProblem {
  std::string path;
  TextPosition at;
  std::string text;
  // For an unknown field with a close match: the path it was likely meant
  // to be ("dataset.name" for "dataset.nmae").
  std::string suggested_path = {};
};

// Everything a parse found, for callers that go on checking what was
// well-formed (`nasprune validate` reports every problem in one run).
struct ParseReport {
  // False when nothing more can be checked: the text is not YAML (binary, a
  // syntax error), is empty or not a mapping. `problems` then says why and
  // the message is empty.
  bool syntax_ok = false;
  std::vector<ParseProblem> problems;
  // Where each field path seen starts ("dataset.name", "objectives[0]").
  std::map<std::string, TextPosition> positions;

  // The position of `path` or of its nearest enclosing field with one.
  TextPosition PositionOf(absl::string_view path) const;
};

// Parses `text` into `message` (cleared first), keeping every value that is
// well-formed: a value of the wrong type or an unknown field is recorded and
// left out (list entries get the field's zero value).
ParseReport ParseYamlKeepGoing(absl::string_view text, absl::string_view source,
                               google::protobuf::Message* message);

// Parses `text` into `message` (which is cleared first). `source` names the
// text in errors (a file path, or "<stdin>"). INVALID_ARGUMENT with every
// problem found, one per line; `message` is left cleared on error. Binary
// input (a NUL byte, or bytes that are not UTF-8) is reported as such.
absl::Status ParseYamlToMessage(absl::string_view text,
                                absl::string_view source,
                                google::protobuf::Message* message);

// Reads a whole file. NOT_FOUND / PERMISSION_DENIED / INVALID_ARGUMENT
// (a directory, or larger than `max_bytes`) naming the path.
absl::StatusOr<std::string> ReadTextFile(const std::string& path,
                                         size_t max_bytes = 16 << 20);

// ReadTextFile then ParseYamlToMessage.
absl::Status LoadYamlFile(const std::string& path,
                          google::protobuf::Message* message);

// The short form of an enum value: "ACTIVATION_HARD_SWISH" of enum
// Activation → "hard_swish".
std::string ShortEnumName(const google::protobuf::EnumValueDescriptor* value);

}  // namespace nasprune

#endif  // NASPRUNE_COMMON_JOBSPEC_YAML_PROTO_H_
