#ifndef NASPRUNE_CONTROLLER_SEARCH_NSGA2_H_
#define NASPRUNE_CONTROLLER_SEARCH_NSGA2_H_

// NSGA-II over genomes (Deb et al. 2002), on the selection of nsga2_core.h,
// for jobs with several objectives (accuracy up; params, MACs, latency,
// model bytes down). Members are compared by Deb's constraint domination:
// the analytic constraints (params, MACs) are filtered before proposing, and
// the measured ones (latency, model bytes) count as violations.
//
// Asynchronous and generational. Until `population_size` results are in,
// proposals are random. Each later proposal is a child of two crowded
// binary tournament winners of the current population: their crossover with
// crossover_probability (else a copy of the first), then one mutation with
// mutation_probability (always when there was no crossover, so that a child
// differs from its parent). Observed children gather as offspring; whenever
// `population_size` of them are in, environmental selection keeps the best
// `population_size` of population ∪ offspring. Failed evaluations never
// join.
//
// Not thread-safe.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/genome/sampler.h"
#include "common/random/rng.h"
#include "controller/search/nsga2_core.h"
#include "controller/search/proposal_filter.h"
#include "controller/search/screen.h"
#include "controller/search/strategy.h"
#include "controller/search/strategy_state.h"

namespace nasprune::controller {

class Nsga2 : public SearchStrategy {
 public:
  struct Options {
    genome::SearchScope scope;
    genome::InputSpec input;
    v1::Constraints constraints;
    std::vector<v1::Objective> objectives;  // At least one.
    uint64_t seed = 0;
    int population_size = 64;
    double crossover_probability = 0.9;
    double mutation_probability = 1;
    // Children per requested proposal before falling back to random draws,
    // and random draws before giving up.
    int max_attempts = 100;
    // Screening before training (screen.h): `screen` ranks
    // `screen_candidates` (≥ 2) admissible draws per proposal. Optional.
    std::shared_ptr<Screen> screen;
    int screen_candidates = 0;
  };

  // INVALID_ARGUMENT for an unusable scope, no objectives, a population
  // below 4, or a probability outside [0, 1].
  static absl::StatusOr<std::unique_ptr<Nsga2>> Create(Options options);

  std::vector<Proposal> Propose(int count) override;
  void Observe(const Observation& observation) override;
  DrawCounts Draws() const override { return filter_.Draws(); }
  v1::StrategyState Save() const override;
  absl::Status Restore(const v1::StrategyState& state) override;
  std::optional<v1::ScreeningReport> ScreeningRecord() const override;

 private:
  Nsga2(Options options, std::unique_ptr<genome::GenomeSampler> sampler);
  Offspring Child();
  // Merges the offspring into the population once there are enough.
  void MaybeSelect();
  void Rank();

  Options options_;
  std::unique_ptr<genome::GenomeSampler> sampler_;
  Rng rng_;
  ProposalFilter filter_;
  std::vector<v1::SearchMember> population_;
  std::vector<v1::SearchMember> offspring_;          // Observed, not merged.
  std::map<std::string, v1::SearchMember> pending_;  // By hash.
  RankedPopulation ranked_;                          // Of population_.
};

// Rank and crowding of members by their objectives and violations.
RankedPopulation RankMembers(const std::vector<v1::SearchMember>& members);

}  // namespace nasprune::controller

#endif  // NASPRUNE_CONTROLLER_SEARCH_NSGA2_H_
