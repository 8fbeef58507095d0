#ifndef NASPRUNE_COMMON_GENOME_VALIDATE_H_
#define NASPRUNE_COMMON_GENOME_VALIDATE_H_

// Validation of genomes and search spaces. Every error names the field path
// of the offending value and what is allowed, e.g.
//   arch.stages[2].blocks[0].kernel: 9 not in {3, 5, 7}
// and all errors of an input are reported together (FieldErrors).
//
// Real-valued genes match a space's choices within kRealTolerance, the
// quantum of the canonical form (canonical.h).

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "common/genome/network_plan.h"
#include "common/genome/search_scope.h"
#include "common/status/field_errors.h"
#include "nasprune/v1/genome.pb.h"
#include "nasprune/v1/search_space.pb.h"

namespace nasprune::genome {

inline constexpr double kRealTolerance = 1e-6;

// The input shape and class count a network is built for.
void ValidateInputSpec(const InputSpec& input, absl::string_view path,
                       FieldErrors* errors);

// Absolute validity of an architecture (limits.h, required fields, residual
// only where shapes allow), reported under `path` ("arch").
void ValidateArchitecture(const nasprune::v1::ArchitectureGenome& arch,
                          absl::string_view path, FieldErrors* errors);

// Absolute validity of a pruning plan for `arch` (keep ratios name its
// channel groups and lie in (0, 1], a criterion when anything is pruned,
// ranges), reported under `path` ("pruning").
void ValidatePruning(const nasprune::v1::PruningGenome& pruning,
                     const nasprune::v1::ArchitectureGenome& arch,
                     absl::string_view path, FieldErrors* errors);

// ValidateArchitecture + ValidatePruning of a whole genome. OK or
// INVALID_ARGUMENT with every error.
absl::Status ValidateGenome(const nasprune::v1::Genome& genome);

// The search space is usable for `mode`: non-empty choice lists, values
// inside the absolute limits, no duplicates, consistent ranges. Only the
// parts `mode` searches are checked.
void ValidateSearchSpace(const nasprune::v1::SearchSpace& space,
                         nasprune::v1::SearchMode mode, absl::string_view path,
                         FieldErrors* errors);

// `genome` is valid and inside `scope`: every searched gene is one of the
// space's choices; an architecture-only genome prunes nothing; a
// pruning-only genome has the scope's base architecture. `scope.space` must
// itself be valid.
absl::Status ValidateGenomeInScope(const nasprune::v1::Genome& genome,
                                   const SearchScope& scope);

}  // namespace nasprune::genome

#endif  // NASPRUNE_COMMON_GENOME_VALIDATE_H_
