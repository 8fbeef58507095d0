#ifndef NASPRUNE_CONTROLLER_SEARCH_RANDOM_SEARCH_H_
#define NASPRUNE_CONTROLLER_SEARCH_RANDOM_SEARCH_H_

// Random search: genomes drawn uniformly gene by gene from the job's scope
// (common/genome/sampler.h). The control every other strategy is measured
// against. Not thread-safe.

#include <memory>

#include "absl/status/statusor.h"
#include "common/genome/sampler.h"
#include "common/random/rng.h"
#include "controller/search/proposal_filter.h"
#include "controller/search/strategy.h"

namespace nasprune::controller {

class RandomSearch : public SearchStrategy {
 public:
  struct Options {
    genome::SearchScope scope;
    genome::InputSpec input;
    v1::Constraints constraints;
    uint64_t seed = 0;
    // Draws per requested proposal before giving up (duplicates and
    // infeasible genomes count).
    int max_attempts = 1000;
  };

  // INVALID_ARGUMENT when the scope is unusable (GenomeSampler::Create).
  static absl::StatusOr<std::unique_ptr<RandomSearch>> Create(Options options);

  std::vector<Proposal> Propose(int count) override;
  void Observe(const Observation&) override {}
  DrawCounts Draws() const override { return filter_.Draws(); }
  v1::StrategyState Save() const override;
  absl::Status Restore(const v1::StrategyState& state) override;

 private:
  RandomSearch(Options options, std::unique_ptr<genome::GenomeSampler> sampler);

  Options options_;
  std::unique_ptr<genome::GenomeSampler> sampler_;
  Rng rng_;
  ProposalFilter filter_;
};

}  // namespace nasprune::controller

#endif  // NASPRUNE_CONTROLLER_SEARCH_RANDOM_SEARCH_H_
