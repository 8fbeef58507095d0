#ifndef NASPRUNE_CONTROLLER_SEARCH_REGULARIZED_EVOLUTION_H_
#define NASPRUNE_CONTROLLER_SEARCH_REGULARIZED_EVOLUTION_H_

// Regularized (aging) evolution, Real et al. 2019. Until `population_size`
// results have been observed, proposals are random. Then each proposal takes
// the best of `sample_size` members drawn uniformly without replacement (by
// ScalarReward) and mutates it (or, with crossover_probability, crosses the
// winners of two tournaments), with architecture and pruning genes alike
// (GenomeSampler). Each observed result joins the population and the oldest
// member dies, whatever its fitness. Failed evaluations never join.
// Asynchronous: proposals may be outstanding while others are observed.
//
// Not thread-safe.

#include <deque>
#include <map>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "common/genome/sampler.h"
#include "common/random/rng.h"
#include "controller/search/proposal_filter.h"
#include "controller/search/screen.h"
#include "controller/search/strategy.h"
#include "controller/search/strategy_state.h"

namespace nasprune::controller {

class RegularizedEvolution : public SearchStrategy {
 public:
  struct Options {
    genome::SearchScope scope;
    genome::InputSpec input;
    v1::Constraints constraints;
    std::vector<v1::Objective> objectives;  // For ScalarReward.
    uint64_t seed = 0;
    int population_size = 64;
    int sample_size = 16;
    double crossover_probability = 0;
    // Children per requested proposal before falling back to random draws,
    // and random draws before giving up.
    int max_attempts = 100;
    // Screening before training (screen.h): `screen` ranks
    // `screen_candidates` (≥ 2) admissible draws per proposal. Optional.
    std::shared_ptr<Screen> screen;
    int screen_candidates = 0;
  };

  // INVALID_ARGUMENT for an unusable scope or sizes (population ≥ 2,
  // 1 ≤ sample ≤ population, crossover probability in [0, 1]).
  static absl::StatusOr<std::unique_ptr<RegularizedEvolution>> Create(
      Options options);

  std::vector<Proposal> Propose(int count) override;
  void Observe(const Observation& observation) override;
  DrawCounts Draws() const override { return filter_.Draws(); }
  v1::StrategyState Save() const override;
  absl::Status Restore(const v1::StrategyState& state) override;
  std::optional<v1::ScreeningReport> ScreeningRecord() const override;

 private:
  RegularizedEvolution(Options options,
                       std::unique_ptr<genome::GenomeSampler> sampler);
  // Index into population_ of a tournament winner.
  size_t Tournament();
  Offspring Child();

  Options options_;
  std::unique_ptr<genome::GenomeSampler> sampler_;
  Rng rng_;
  ProposalFilter filter_;
  std::deque<v1::SearchMember> population_;          // Oldest first.
  std::map<std::string, v1::SearchMember> pending_;  // By hash.
};

// The index of the best of `sample` entries of `rewards` drawn uniformly
// without replacement (ties: the earliest drawn). sample is clamped to
// [1, size]; rewards must be non-empty.
size_t TournamentWinner(const std::vector<double>& rewards, int sample,
                        Rng& rng);

}  // namespace nasprune::controller

#endif  // NASPRUNE_CONTROLLER_SEARCH_REGULARIZED_EVOLUTION_H_
