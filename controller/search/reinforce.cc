#include "controller/search/reinforce.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/genome/hash.h"
#include "controller/search/reward.h"
#include "controller/search/strategy_state.h"

namespace nasprune::controller {
namespace {

constexpr int kPolicyDraws = 8;

}  // namespace

absl::StatusOr<std::unique_ptr<Reinforce>> Reinforce::Create(Options options) {
  if (options.batch_size < 1 || options.batch_size > 1024) {
    return absl::InvalidArgumentError(
        absl::StrCat("strategy.reinforce.batch_size: ", options.batch_size,
                     " is outside [1, 1024]"));
  }
  absl::StatusOr<DecisionSpace> decisions =
      DecisionSpace::Create(options.scope);
  if (!decisions.ok()) return decisions.status();
  std::vector<int> choices;
  for (const Decision& d : decisions->decisions()) choices.push_back(d.choices);
  absl::StatusOr<std::unique_ptr<CategoricalPolicy>> policy =
      CategoricalPolicy::Create({.choices = std::move(choices),
                                 .hidden_size = options.hidden_size,
                                 .learning_rate = options.learning_rate,
                                 .entropy_weight = options.entropy_weight,
                                 .baseline_decay = options.baseline_decay,
                                 .seed = options.seed});
  if (!policy.ok()) return policy.status();
  absl::StatusOr<std::unique_ptr<genome::GenomeSampler>> sampler =
      genome::GenomeSampler::Create({.scope = options.scope});
  if (!sampler.ok()) return sampler.status();
  return std::unique_ptr<Reinforce>(
      new Reinforce(std::move(options), *std::move(decisions),
                    *std::move(policy), *std::move(sampler)));
}

Reinforce::Reinforce(Options options, DecisionSpace decisions,
                     std::unique_ptr<CategoricalPolicy> policy,
                     std::unique_ptr<genome::GenomeSampler> sampler)
    : options_(std::move(options)),
      decisions_(std::move(decisions)),
      policy_(std::move(policy)),
      sampler_(std::move(sampler)),
      rng_(options_.seed),
      filter_(options_.constraints, options_.input) {}

bool Reinforce::Admit(v1::Genome genome, const std::vector<int>& actions,
                      std::vector<Proposal>* out) {
  v1::SearchMember* member =
      AdmitPending(std::move(genome), filter_, pending_, out);
  if (member == nullptr) return false;
  member->mutable_actions()->Add(actions.begin(), actions.end());
  return true;
}

std::vector<Proposal> Reinforce::Propose(int count) {
  std::vector<Proposal> proposals;
  if (count <= 0) return proposals;
  // Draw from the policy in batches of what is missing; after a rejection
  // (a converging policy repeats itself) the next batch doubles. A batch
  // costs about as much per episode as single draws, so the policy gets
  // kPolicyDraws draws per proposal. Surplus episodes are dropped.
  const int64_t policy_budget = static_cast<int64_t>(count) * kPolicyDraws;
  std::vector<v1::Genome> rejected;
  int64_t drawn = 0;
  int factor = 1;
  while (static_cast<int>(proposals.size()) < count && drawn < policy_budget) {
    const int missing = count - static_cast<int>(proposals.size());
    const int draws = static_cast<int>(std::min<int64_t>(
        static_cast<int64_t>(missing) * factor, policy_budget - drawn));
    factor *= 2;
    for (const std::vector<int>& actions : policy_->Sample(draws, rng_)) {
      ++drawn;
      if (static_cast<int>(proposals.size()) >= count) continue;
      v1::Genome genome = decisions_.Decode(actions);
      if (!Admit(genome, actions, &proposals)) {
        rejected.push_back(std::move(genome));
      }
    }
  }
  // Then mutations of the rejected draws (near what the policy wants), or
  // random genomes when there are none. They are not episodes.
  const int64_t budget = static_cast<int64_t>(count) * options_.max_attempts;
  for (int64_t attempt = 0;
       static_cast<int>(proposals.size()) < count && attempt < budget;
       ++attempt) {
    v1::Genome genome =
        rejected.empty()
            ? sampler_->Sample(rng_)
            : sampler_->Mutate(rejected[attempt % rejected.size()], rng_);
    Admit(genome::CanonicalGenome(genome), {}, &proposals);
  }
  return proposals;
}

void Reinforce::Observe(const Observation& observation) {
  auto it = pending_.find(observation.genome_hash);
  if (it == pending_.end()) return;
  v1::SearchMember member = std::move(it->second);
  pending_.erase(it);
  if (observation.state == v1::TRIAL_STATE_FAILED || member.actions().empty()) {
    return;
  }
  member.set_observed(true);
  member.set_reward(ScalarReward(options_.objectives, observation.result));
  episodes_.push_back(std::move(member));
  if (static_cast<int>(episodes_.size()) < options_.batch_size) return;
  std::vector<CategoricalPolicy::Episode> batch;
  for (const v1::SearchMember& m : episodes_) {
    std::vector<int> actions(m.actions().begin(), m.actions().end());
    std::vector<bool> used = decisions_.Used(actions);
    batch.push_back({.actions = std::move(actions),
                     .used = std::move(used),
                     .reward = m.reward()});
  }
  policy_->Update(batch);
  episodes_.clear();
}

v1::StrategyState Reinforce::Save() const {
  v1::StrategyState state = SaveCommon("reinforce", rng_, filter_);
  *state.mutable_policy() = policy_->Save();
  for (const v1::SearchMember& m : episodes_) *state.add_episodes() = m;
  SavePendingMembers(pending_, state.mutable_population());
  return state;
}

absl::Status Reinforce::Restore(const v1::StrategyState& state) {
  const int decisions = static_cast<int>(decisions_.decisions().size());
  for (const auto* members : {&state.population(), &state.episodes()}) {
    for (const v1::SearchMember& m : *members) {
      if (!m.actions().empty() && m.actions_size() != decisions) {
        return absl::InvalidArgumentError(
            absl::StrCat("strategy.population: member ", m.genome_hash(),
                         " has ", m.actions_size(), " actions, the job has ",
                         decisions, " decisions"));
      }
    }
  }
  // Restore into copies first, so that a failure changes nothing.
  Rng rng = rng_;
  ProposalFilter filter = filter_;
  if (absl::Status status = RestoreCommon(state, "reinforce", &rng, &filter);
      !status.ok()) {
    return status;
  }
  if (absl::Status status = policy_->Restore(state.policy()); !status.ok()) {
    return status;
  }
  rng_ = rng;
  filter_ = std::move(filter);
  pending_.clear();
  episodes_.assign(state.episodes().begin(), state.episodes().end());
  for (const v1::SearchMember& m : state.population()) {
    pending_[m.genome_hash()] = m;
  }
  return absl::OkStatus();
}

}  // namespace nasprune::controller
