#ifndef NASPRUNE_CONTROLLER_SEARCH_FACTORY_H_
#define NASPRUNE_CONTROLLER_SEARCH_FACTORY_H_

// The strategy a job spec asks for (JobSpec.strategy and multi_fidelity),
// seeded with JobSpec.seed.

#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "controller/search/strategy.h"
#include "nasprune/v1/job.pb.h"

namespace nasprune::controller {

// The rungs of a prepared spec (jobspec::PrepareJobSpec), lowest first.
// Without multi-fidelity: one rung, the full fidelity. Otherwise resources
// min·η^k below max (k = 0, 1, …, while below max), then max; epochs are
// rounded to whole numbers (at least 1), examples to whole examples. A rung
// at the job's full fidelity leaves its fields 0, so its trials share the
// cache with single-fidelity jobs, unless promotions continue
// (multi_fidelity.continue_promotions): then rung k lists the epochs of the
// rungs below it in resume_epochs. With the whole training split as the top
// (resource TRAIN_SUBSET, max_resource 0) the rungs are min, min·η and the
// whole split.
std::vector<v1::Fidelity> RungFidelities(const v1::JobSpec& spec);

// The strategy of a prepared spec: random, evolution, NSGA-II or REINFORCE
// with the spec's parameters, objectives, constraints and seed, wrapped in
// MultiFidelity when the spec asks for successive halving, ASHA or the
// median stopping rule. INVALID_ARGUMENT when the spec is unusable.
absl::StatusOr<std::unique_ptr<SearchStrategy>> CreateStrategy(
    const v1::JobSpec& spec);

}  // namespace nasprune::controller

#endif  // NASPRUNE_CONTROLLER_SEARCH_FACTORY_H_
