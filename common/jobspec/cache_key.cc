#include "common/jobspec/cache_key.h"

#include "absl/strings/str_cat.h"
#include "common/canonical/canonical.h"
#include "common/genome/hash.h"

namespace nasprune::jobspec {

std::string EvaluationCacheKey(const v1::Genome& genome,
                               const v1::TrainingRecipe& recipe,
                               const v1::DatasetSpec& dataset,
                               const v1::Fidelity& fidelity,
                               const std::string& evaluator_version) {
  v1::TrainingRecipe keyed = recipe;
  keyed.clear_max_trial_seconds();
  return Hash128Hex(
      "nasprune.v1.EvaluationCacheKey",
      absl::StrCat(genome::GenomeHash(genome), "|", CanonicalText(keyed), "|",
                   CanonicalText(dataset), "|", CanonicalText(fidelity), "|",
                   evaluator_version));
}

}  // namespace nasprune::jobspec
