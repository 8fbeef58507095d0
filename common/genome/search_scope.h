#ifndef NASPRUNE_COMMON_GENOME_SEARCH_SCOPE_H_
#define NASPRUNE_COMMON_GENOME_SEARCH_SCOPE_H_

#include "nasprune/v1/genome.pb.h"
#include "nasprune/v1/job.pb.h"
#include "nasprune/v1/search_space.pb.h"

namespace nasprune::genome {

// What a job searches: the space, which genes (mode) and, for pruning-only
// jobs, the fixed architecture.
struct SearchScope {
  nasprune::v1::SearchSpace space;
  // SEARCH_MODE_UNSPECIFIED means joint.
  nasprune::v1::SearchMode mode = nasprune::v1::SEARCH_MODE_JOINT;
  // The architecture of a pruning-only job; ignored otherwise.
  nasprune::v1::ArchitectureGenome base_architecture;
};

inline bool SearchesArchitecture(nasprune::v1::SearchMode mode) {
  return mode != nasprune::v1::SEARCH_MODE_PRUNING_ONLY;
}
inline bool SearchesPruning(nasprune::v1::SearchMode mode) {
  return mode != nasprune::v1::SEARCH_MODE_ARCHITECTURE_ONLY;
}

}  // namespace nasprune::genome

#endif  // NASPRUNE_COMMON_GENOME_SEARCH_SCOPE_H_
