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

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"

namespace nasprune {

// Parses `text` into `message` (which is cleared first). `source` names the
// text in errors (a file path, or "<stdin>"). INVALID_ARGUMENT with every
// problem found; `message` is left cleared on error.
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
