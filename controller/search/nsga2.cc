#include "controller/search/nsga2.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/genome/hash.h"
#include "controller/search/reward.h"
#include "controller/search/strategy_state.h"

namespace nasprune::controller {
namespace {

std::vector<Objectives> PointsOf(const std::vector<v1::SearchMember>& members,
                                 std::vector<double>* violations) {
  std::vector<Objectives> points;
  for (const v1::SearchMember& m : members) {
    points.emplace_back(m.objectives().begin(), m.objectives().end());
    violations->push_back(m.violation());
  }
  return points;
}

}  // namespace

RankedPopulation RankMembers(const std::vector<v1::SearchMember>& members) {
  std::vector<double> violations;
  const std::vector<Objectives> points = PointsOf(members, &violations);
  return RankPopulation(points, violations);
}

absl::StatusOr<std::unique_ptr<Nsga2>> Nsga2::Create(Options options) {
  if (options.objectives.empty() || options.population_size < 4 ||
      options.crossover_probability < 0 || options.crossover_probability > 1 ||
      options.mutation_probability < 0 || options.mutation_probability > 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "strategy.nsga2: ", options.objectives.size(),
        " objectives, population_size ", options.population_size,
        ", crossover_probability ", options.crossover_probability,
        ", mutation_probability ", options.mutation_probability,
        ": need an objective, population ≥ 4, probabilities in [0, 1]"));
  }
  absl::StatusOr<std::unique_ptr<genome::GenomeSampler>> sampler =
      genome::GenomeSampler::Create({.scope = options.scope});
  if (!sampler.ok()) return sampler.status();
  return std::unique_ptr<Nsga2>(
      new Nsga2(std::move(options), *std::move(sampler)));
}

Nsga2::Nsga2(Options options, std::unique_ptr<genome::GenomeSampler> sampler)
    : options_(std::move(options)),
      sampler_(std::move(sampler)),
      rng_(options_.seed),
      filter_(options_.constraints, options_.input) {}

void Nsga2::Rank() { ranked_ = RankMembers(population_); }

Offspring Nsga2::Child() {
  const v1::SearchMember& a = population_[CrowdedTournament(ranked_, rng_)];
  const v1::Genome& b = population_[CrowdedTournament(ranked_, rng_)].genome();
  if (rng_.Bernoulli(options_.crossover_probability)) {
    v1::Genome child = sampler_->Crossover(a.genome(), b, rng_);
    return BredFrom(a, rng_.Bernoulli(options_.mutation_probability)
                           ? sampler_->Mutate(child, rng_)
                           : child);
  }
  return BredFrom(a, sampler_->Mutate(a.genome(), rng_));
}

std::vector<Proposal> Nsga2::Propose(int count) {
  return ProposeChildrenOrRandom(
      count, options_.max_attempts, !population_.empty(),
      [this] { return Child(); }, [this] { return sampler_->Sample(rng_); },
      filter_, pending_,
      {.screen = options_.screen.get(),
       .candidates = options_.screen_candidates,
       .population = HashesOf(population_)});
}

void Nsga2::Observe(const Observation& observation) {
  if (options_.screen != nullptr) options_.screen->Observe(observation);
  auto it = pending_.find(observation.genome_hash);
  if (it == pending_.end()) {
    // A later result of a member (a higher fidelity under multi-fidelity)
    // replaces its figures wherever it is kept.
    if (observation.state != v1::TRIAL_STATE_SUCCEEDED) return;
    bool ranked_member = false;
    for (auto* members : {&population_, &offspring_}) {
      for (v1::SearchMember& m : *members) {
        if (m.genome_hash() != observation.genome_hash) continue;
        m.set_rung(observation.rung);
        m.clear_objectives();
        for (double v :
             ObjectiveVector(options_.objectives, observation.result)) {
          m.add_objectives(v);
        }
        m.set_violation(
            MeasuredViolation(options_.constraints, observation.result));
        ranked_member |= members == &population_;
      }
    }
    if (ranked_member) Rank();
    return;
  }
  v1::SearchMember member = std::move(it->second);
  pending_.erase(it);
  if (observation.state == v1::TRIAL_STATE_FAILED) return;
  member.set_observed(true);
  member.set_rung(observation.rung);
  for (double v : ObjectiveVector(options_.objectives, observation.result)) {
    member.add_objectives(v);
  }
  member.set_violation(
      MeasuredViolation(options_.constraints, observation.result));
  offspring_.push_back(std::move(member));
  MaybeSelect();
}

void Nsga2::MaybeSelect() {
  if (static_cast<int>(offspring_.size()) < options_.population_size) return;
  std::vector<v1::SearchMember> all = std::move(population_);
  for (v1::SearchMember& m : offspring_) all.push_back(std::move(m));
  offspring_.clear();
  std::vector<double> violations;
  const std::vector<Objectives> points = PointsOf(all, &violations);
  population_.clear();
  for (size_t i : SelectSurvivors(
           points, violations, static_cast<size_t>(options_.population_size))) {
    population_.push_back(std::move(all[i]));
  }
  Rank();
}

v1::StrategyState Nsga2::Save() const {
  v1::StrategyState state = SaveCommon("nsga2", rng_, filter_);
  if (options_.screen != nullptr) options_.screen->SaveTo(&state);
  for (const v1::SearchMember& m : population_) *state.add_population() = m;
  for (const v1::SearchMember& m : offspring_) *state.add_offspring() = m;
  SavePendingMembers(pending_, state.mutable_population());
  return state;
}

absl::Status Nsga2::Restore(const v1::StrategyState& state) {
  const size_t objectives = options_.objectives.size();
  for (const auto* members : {&state.population(), &state.offspring()}) {
    for (const v1::SearchMember& m : *members) {
      if (m.observed() &&
          static_cast<size_t>(m.objectives_size()) != objectives) {
        return absl::InvalidArgumentError(absl::StrCat(
            "strategy.population: member ", m.genome_hash(), " has ",
            m.objectives_size(), " objectives, the job has ", objectives));
      }
    }
  }
  if (absl::Status status = RestoreCommon(state, "nsga2", &rng_, &filter_);
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
  offspring_.clear();
  pending_.clear();
  for (const v1::SearchMember& m : state.population()) {
    if (m.observed()) {
      population_.push_back(m);
    } else {
      pending_[m.genome_hash()] = m;
    }
  }
  offspring_.assign(state.offspring().begin(), state.offspring().end());
  Rank();
  return absl::OkStatus();
}

std::optional<v1::ScreeningReport> Nsga2::ScreeningRecord() const {
  if (options_.screen == nullptr) return std::nullopt;
  return options_.screen->Report();
}

}  // namespace nasprune::controller
