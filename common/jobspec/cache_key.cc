#include "common/jobspec/cache_key.h"

#include "absl/strings/str_cat.h"
#include "common/canonical/canonical.h"
#include "common/genome/hash.h"

namespace nasprune::jobspec {

std::string JobKeyPart(const v1::TrainingRecipe& recipe,
                       const v1::DatasetSpec& dataset) {
  v1::TrainingRecipe keyed = recipe;
  keyed.clear_max_trial_seconds();
  return absl::StrCat(CanonicalText(keyed), "|", CanonicalText(dataset));
}

std::string EvaluationCacheKey(absl::string_view genome_hash,
                               absl::string_view job_part,
                               const v1::Fidelity& fidelity,
                               absl::string_view evaluator_version) {
  return Hash128Hex(
      "nasprune.v1.EvaluationCacheKey",
      absl::StrCat(genome_hash, "|", job_part, "|", CanonicalText(fidelity),
                   "|", evaluator_version));
}

std::string EvaluationCacheKey(const v1::Genome& genome,
                               const v1::TrainingRecipe& recipe,
                               const v1::DatasetSpec& dataset,
                               const v1::Fidelity& fidelity,
                               const std::string& evaluator_version) {
  return EvaluationCacheKey(genome::GenomeHash(genome),
                            JobKeyPart(recipe, dataset), fidelity,
                            evaluator_version);
}

}  // namespace nasprune::jobspec
