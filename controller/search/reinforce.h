#ifndef NASPRUNE_CONTROLLER_SEARCH_REINFORCE_H_
#define NASPRUNE_CONTROLLER_SEARCH_REINFORCE_H_

// REINFORCE policy search (Zoph & Le 2017) over the job's decisions
// (decisions.h) with the LSTM policy of policy.h. Each proposal is an
// episode: the policy emits every architecture and pruning decision, and the
// decoded genome is proposed unless it repeats an earlier proposal or breaks
// the analytic constraints, in which case the policy draws again, up to 8
// draws per proposal; then a mutation of a rejected draw is proposed (near
// what the policy wants; up to max_attempts tries, or random genomes when no
// draw was made). Such a proposal is not an episode: it teaches the policy
// nothing. The reward is the job's
// ScalarReward (reward.h); every batch_size observed episodes make one
// policy update. Failed evaluations are not episodes.
//
// Not thread-safe.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/genome/sampler.h"
#include "common/random/rng.h"
#include "controller/search/decisions.h"
#include "controller/search/policy.h"
#include "controller/search/proposal_filter.h"
#include "controller/search/strategy.h"

namespace nasprune::controller {

class Reinforce : public SearchStrategy {
 public:
  struct Options {
    genome::SearchScope scope;
    genome::InputSpec input;
    v1::Constraints constraints;
    std::vector<v1::Objective> objectives;  // For ScalarReward.
    uint64_t seed = 0;
    double learning_rate = 0.01;
    int batch_size = 8;
    double entropy_weight = 0.001;
    double baseline_decay = 0.95;
    int hidden_size = 64;
    int max_attempts = 100;
  };

  // INVALID_ARGUMENT for an unusable scope or policy settings, or a batch
  // size outside [1, 1024].
  static absl::StatusOr<std::unique_ptr<Reinforce>> Create(Options options);

  std::vector<Proposal> Propose(int count) override;
  void Observe(const Observation& observation) override;
  DrawCounts Draws() const override { return filter_.Draws(); }
  v1::StrategyState Save() const override;
  absl::Status Restore(const v1::StrategyState& state) override;

  const CategoricalPolicy& policy() const { return *policy_; }

 private:
  Reinforce(Options options, DecisionSpace decisions,
            std::unique_ptr<CategoricalPolicy> policy,
            std::unique_ptr<genome::GenomeSampler> sampler);
  // Admits `genome` (with its actions, or none for a random draw) as a
  // proposal; false when the filter rejects it.
  bool Admit(v1::Genome genome, const std::vector<int>& actions,
             std::vector<Proposal>* out);

  Options options_;
  DecisionSpace decisions_;
  std::unique_ptr<CategoricalPolicy> policy_;
  std::unique_ptr<genome::GenomeSampler> sampler_;
  Rng rng_;
  ProposalFilter filter_;
  std::map<std::string, v1::SearchMember> pending_;  // By hash.
  std::vector<v1::SearchMember> episodes_;  // Observed since the last update.
};

}  // namespace nasprune::controller

#endif  // NASPRUNE_CONTROLLER_SEARCH_REINFORCE_H_
