#include "controller/search/regularized_evolution.h"

#include <algorithm>
#include <numeric>

#include "absl/strings/str_cat.h"
#include "common/genome/hash.h"
#include "controller/search/reward.h"
#include "controller/search/strategy_state.h"

namespace nasprune::controller {

size_t TournamentWinner(const std::vector<double>& rewards, int sample,
                        Rng& rng) {
  const size_t n = rewards.size();
  const size_t k =
      std::clamp<size_t>(static_cast<size_t>(std::max(sample, 1)), 1, n);
  // Partial Fisher–Yates: the first k entries of `order` are the sample.
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  size_t best = n;
  for (size_t i = 0; i < k; ++i) {
    std::swap(order[i], order[i + rng.Uniform(n - i)]);
    if (best == n || rewards[order[i]] > rewards[best]) best = order[i];
  }
  return best;
}

absl::StatusOr<std::unique_ptr<RegularizedEvolution>>
RegularizedEvolution::Create(Options options) {
  if (options.population_size < 2 || options.sample_size < 1 ||
      options.sample_size > options.population_size ||
      options.crossover_probability < 0 || options.crossover_probability > 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "strategy.evolution: population_size ", options.population_size,
        ", sample_size ", options.sample_size, ", crossover_probability ",
        options.crossover_probability,
        ": need population ≥ 2, 1 ≤ sample ≤ population, probability in "
        "[0, 1]"));
  }
  absl::StatusOr<std::unique_ptr<genome::GenomeSampler>> sampler =
      genome::GenomeSampler::Create({.scope = options.scope});
  if (!sampler.ok()) return sampler.status();
  return std::unique_ptr<RegularizedEvolution>(
      new RegularizedEvolution(std::move(options), *std::move(sampler)));
}

RegularizedEvolution::RegularizedEvolution(
    Options options, std::unique_ptr<genome::GenomeSampler> sampler)
    : options_(std::move(options)),
      sampler_(std::move(sampler)),
      rng_(options_.seed),
      filter_(options_.constraints, options_.input) {}

size_t RegularizedEvolution::Tournament() {
  std::vector<double> rewards;
  for (const v1::SearchMember& m : population_) rewards.push_back(m.reward());
  return TournamentWinner(rewards, options_.sample_size, rng_);
}

Offspring RegularizedEvolution::Child() {
  const v1::SearchMember& parent = population_[Tournament()];
  if (options_.crossover_probability > 0 &&
      rng_.Bernoulli(options_.crossover_probability)) {
    const v1::Genome& other = population_[Tournament()].genome();
    return BredFrom(parent, sampler_->Crossover(parent.genome(), other, rng_));
  }
  return BredFrom(parent, sampler_->Mutate(parent.genome(), rng_));
}

std::vector<Proposal> RegularizedEvolution::Propose(int count) {
  // Children once the population is full, else (and as a fallback) random
  // draws.
  return ProposeChildrenOrRandom(
      count, options_.max_attempts,
      static_cast<int>(population_.size()) >= options_.population_size,
      [this] { return Child(); }, [this] { return sampler_->Sample(rng_); },
      filter_, pending_,
      {.screen = options_.screen.get(),
       .candidates = options_.screen_candidates,
       .population = HashesOf(population_)});
}

void RegularizedEvolution::Observe(const Observation& observation) {
  if (options_.screen != nullptr) options_.screen->Observe(observation);
  auto it = pending_.find(observation.genome_hash);
  if (it == pending_.end()) {
    // A later result of a member (a higher fidelity under multi-fidelity)
    // replaces its figures while it is in the population; its age stays.
    if (observation.state == v1::TRIAL_STATE_SUCCEEDED) {
      for (v1::SearchMember& m : population_) {
        if (m.genome_hash() != observation.genome_hash) continue;
        m.set_reward(ScalarReward(options_.objectives, observation.result));
        m.set_rung(observation.rung);
        m.clear_objectives();
        for (double v :
             ObjectiveVector(options_.objectives, observation.result)) {
          m.add_objectives(v);
        }
      }
    }
    return;
  }
  v1::SearchMember member = std::move(it->second);
  pending_.erase(it);
  if (observation.state == v1::TRIAL_STATE_FAILED) return;
  member.set_observed(true);
  member.set_rung(observation.rung);
  member.set_reward(ScalarReward(options_.objectives, observation.result));
  for (double v : ObjectiveVector(options_.objectives, observation.result)) {
    member.add_objectives(v);
  }
  population_.push_back(std::move(member));
  // Aging: the oldest member dies, whatever its reward.
  while (static_cast<int>(population_.size()) > options_.population_size) {
    population_.pop_front();
  }
}

v1::StrategyState RegularizedEvolution::Save() const {
  v1::StrategyState state = SaveCommon("evolution", rng_, filter_);
  if (options_.screen != nullptr) options_.screen->SaveTo(&state);
  for (const v1::SearchMember& m : population_) *state.add_population() = m;
  SavePendingMembers(pending_, state.mutable_population());
  return state;
}

absl::Status RegularizedEvolution::Restore(const v1::StrategyState& state) {
  if (absl::Status status = RestoreCommon(state, "evolution", &rng_, &filter_);
      !status.ok()) {
    return status;
  }
  if (options_.screen != nullptr) {
    if (absl::Status status = options_.screen->RestoreFrom(state);
        !status.ok()) {
      return status;
    }
  }
  population_.clear();
  pending_.clear();
  for (const v1::SearchMember& m : state.population()) {
    if (m.observed()) {
      population_.push_back(m);
    } else {
      pending_[m.genome_hash()] = m;
    }
  }
  return absl::OkStatus();
}

std::optional<v1::ScreeningReport> RegularizedEvolution::ScreeningRecord()
    const {
  if (options_.screen == nullptr) return std::nullopt;
  return options_.screen->Report();
}

}  // namespace nasprune::controller
