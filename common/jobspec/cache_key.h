#ifndef NASPRUNE_COMMON_JOBSPEC_CACHE_KEY_H_
#define NASPRUNE_COMMON_JOBSPEC_CACHE_KEY_H_

// The key of the evaluation cache (docs/store.md): a 128-bit hash of what
// decides an evaluation's result. Identical genomes are never trained twice,
// across jobs and restarts.
//
// In the key: the canonical genome, the training recipe (defaults applied;
// its wall-time limit excluded, since a result that finished within one
// limit is the result under any other), the data set spec (name, path,
// shape, classes, splits and subsets: the fingerprint the controller knows),
// the fidelity, and the evaluator version. Not in it: the job's seed (a
// result for one seed answers another; a different seed is another sample,
// not another genome) and export settings.

#include <string>

#include "absl/strings/string_view.h"
#include "nasprune/v1/genome.pb.h"
#include "nasprune/v1/job.pb.h"

namespace nasprune::jobspec {

// 32 hex digits. The genome need not be canonical.
std::string EvaluationCacheKey(const v1::Genome& genome,
                               const v1::TrainingRecipe& recipe,
                               const v1::DatasetSpec& dataset,
                               const v1::Fidelity& fidelity,
                               const std::string& evaluator_version);

// The same key in two steps, for a job that asks for many: the part that
// comes from the job (recipe and data set), once, and then each key from
// the genome's hash (genome::GenomeHash) and that part.
std::string JobKeyPart(const v1::TrainingRecipe& recipe,
                       const v1::DatasetSpec& dataset);
std::string EvaluationCacheKey(absl::string_view genome_hash,
                               absl::string_view job_part,
                               const v1::Fidelity& fidelity,
                               absl::string_view evaluator_version);

}  // namespace nasprune::jobspec

#endif  // NASPRUNE_COMMON_JOBSPEC_CACHE_KEY_H_
