#ifndef NASPRUNE_CONTROLLER_SEARCH_GENOME_FEATURES_H_
#define NASPRUNE_CONTROLLER_SEARCH_GENOME_FEATURES_H_

// The numbers the screening predictor sees of a genome (predictor.h): its
// analytic size and cost before and after pruning, how its parent's MACs
// split over the operators, its depth and shape, and its pruning and
// fine-tuning genes. All computed before training, from the genome alone.

#include <vector>

#include "absl/status/statusor.h"
#include "common/genome/plan.h"
#include "nasprune/v1/genome.pb.h"

namespace nasprune::controller {

// kGenomeFeatureCount values; INVALID_ARGUMENT as BuildNetworkPlan.
absl::StatusOr<std::vector<float>> GenomeFeatures(
    const v1::Genome& genome, const genome::InputSpec& input);

inline constexpr int kGenomeFeatureCount = 20;

}  // namespace nasprune::controller

#endif  // NASPRUNE_CONTROLLER_SEARCH_GENOME_FEATURES_H_
