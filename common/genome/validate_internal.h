#ifndef NASPRUNE_COMMON_GENOME_VALIDATE_INTERNAL_H_
#define NASPRUNE_COMMON_GENOME_VALIDATE_INTERNAL_H_

// Helpers shared by the genome, search-space and scope validators
// (validate_genome.cc, validate_space.cc, validate_scope.cc). Not part of the
// API; use validate.h.

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "common/status/field_errors.h"
#include "google/protobuf/descriptor.h"

namespace nasprune::genome::internal {

// The name of `value` in `type` ("ACTIVATION_RELU"), or the number when
// `type` has no such value.
std::string EnumName(const google::protobuf::EnumDescriptor* type, int value);

// Choice lists as written in messages: "{3, 5}", "{0.5, 1}", "{true}",
// "{ACTIVATION_RELU}"; "{}" when empty. Reals use FormatDouble, enums
// EnumName.
std::string FormatInts(absl::Span<const int32_t> values);
std::string FormatReals(absl::Span<const double> values);
std::string FormatBools(absl::Span<const bool> values);
std::string FormatEnums(const google::protobuf::EnumDescriptor* type,
                        absl::Span<const int> values);

// Records "<path>: <value> not in <choices>", both already formatted; the
// message of every failed membership check.
void AddNotIn(absl::string_view path, absl::string_view value,
              absl::string_view choices, FieldErrors* errors);

// A required enum: records an error unless `value` is a known value of
// `type` other than UNSPECIFIED (0).
void CheckEnumSet(const google::protobuf::EnumDescriptor* type, int value,
                  absl::string_view path, FieldErrors* errors);

// Records an error unless `kernel` is one of kKernels (limits.h).
void CheckKernel(int kernel, absl::string_view path, FieldErrors* errors);

}  // namespace nasprune::genome::internal

#endif  // NASPRUNE_COMMON_GENOME_VALIDATE_INTERNAL_H_
