#include "controller/search/factory.h"

#include <cmath>

#include "common/jobspec/job_spec.h"
#include "controller/search/multi_fidelity.h"
#include "controller/search/nsga2.h"
#include "controller/search/ordered.h"
#include "controller/search/predictor_screen.h"
#include "controller/search/random_search.h"
#include "controller/search/regularized_evolution.h"
#include "controller/search/reinforce.h"

namespace nasprune::controller {
namespace {

template <typename T>
absl::StatusOr<std::unique_ptr<SearchStrategy>> Upcast(
    absl::StatusOr<std::unique_ptr<T>> strategy) {
  if (!strategy.ok()) return strategy.status();
  return std::unique_ptr<SearchStrategy>(*std::move(strategy));
}

// The screen of spec.strategy.screening; null when it is off.
absl::StatusOr<std::shared_ptr<Screen>> CreateScreen(const v1::JobSpec& spec) {
  const v1::ScreeningSpec& screening = spec.strategy().screening();
  if (screening.candidates() == 0) return nullptr;
  absl::StatusOr<std::unique_ptr<PredictorScreen>> screen =
      PredictorScreen::Create(
          {.input = jobspec::InputSpecOf(spec.dataset()),
           .objectives = std::vector<v1::Objective>(spec.objectives().begin(),
                                                    spec.objectives().end()),
           .constraints = spec.constraints(),
           .min_observations = screening.min_observations() > 0
                                   ? screening.min_observations()
                                   : 8,
           .exploration = screening.exploration(),
           .cost_weight = screening.cost_weight(),
           .accuracy_every = screening.accuracy_every(),
           .seed = spec.seed()});
  if (!screen.ok()) return screen.status();
  return std::shared_ptr<Screen>(*std::move(screen));
}

absl::StatusOr<std::unique_ptr<SearchStrategy>> CreateBase(
    const v1::JobSpec& spec) {
  const genome::SearchScope scope = jobspec::ScopeOf(spec);
  const genome::InputSpec input = jobspec::InputSpecOf(spec.dataset());
  const std::vector<v1::Objective> objectives(spec.objectives().begin(),
                                              spec.objectives().end());
  const v1::StrategySpec& s = spec.strategy();
  absl::StatusOr<std::shared_ptr<Screen>> screen = CreateScreen(spec);
  if (!screen.ok()) return screen.status();
  switch (s.kind_case()) {
    case v1::StrategySpec::kRandom:
      return Upcast(RandomSearch::Create({.scope = scope,
                                          .input = input,
                                          .constraints = spec.constraints(),
                                          .seed = spec.seed()}));
    case v1::StrategySpec::kNsga2:
      return Upcast(Nsga2::Create(
          {.scope = scope,
           .input = input,
           .constraints = spec.constraints(),
           .objectives = objectives,
           .seed = spec.seed(),
           .population_size = s.nsga2().population_size(),
           .crossover_probability = s.nsga2().crossover_probability(),
           .mutation_probability = s.nsga2().mutation_probability(),
           .screen = *screen,
           .screen_candidates = s.screening().candidates()}));
    case v1::StrategySpec::kReinforce:
      return Upcast(
          Reinforce::Create({.scope = scope,
                             .input = input,
                             .constraints = spec.constraints(),
                             .objectives = objectives,
                             .seed = spec.seed(),
                             .learning_rate = s.reinforce().learning_rate(),
                             .batch_size = s.reinforce().batch_size(),
                             .entropy_weight = s.reinforce().entropy_weight(),
                             .baseline_decay = s.reinforce().baseline_decay(),
                             .hidden_size = s.reinforce().hidden_size()}));
    case v1::StrategySpec::kEvolution:
    case v1::StrategySpec::KIND_NOT_SET:
      break;
  }
  return Upcast(RegularizedEvolution::Create(
      {.scope = scope,
       .input = input,
       .constraints = spec.constraints(),
       .objectives = objectives,
       .seed = spec.seed(),
       .population_size = s.evolution().population_size(),
       .sample_size = s.evolution().sample_size(),
       .crossover_probability = s.evolution().crossover_probability(),
       .screen = *std::move(screen),
       .screen_candidates = s.screening().candidates()}));
}

// The boundaries a rung of `epochs` trains through: those of the highest
// lower rung whose remaining segment is at least as long as that rung's own
// last one (a short final segment would restart the learning rate at its
// peak only to anneal it at once), then that rung's epochs. Empty when no
// lower rung qualifies.
std::vector<int32_t> ContinuedChain(
    const std::vector<int32_t>& lower_epochs,
    const std::vector<std::vector<int32_t>>& lower_chains, int32_t epochs) {
  for (size_t j = lower_epochs.size(); j-- > 0;) {
    const int32_t from = lower_epochs[j];
    const int32_t before = lower_chains[j].empty() ? 0 : lower_chains[j].back();
    if (epochs - from >= from - before) {
      std::vector<int32_t> chain = lower_chains[j];
      chain.push_back(from);
      return chain;
    }
  }
  return {};
}

}  // namespace

std::vector<v1::Fidelity> RungFidelities(const v1::JobSpec& spec) {
  const v1::MultiFidelitySpec& mf = spec.multi_fidelity();
  if (mf.method() != v1::MULTI_FIDELITY_METHOD_ASHA &&
      mf.method() != v1::MULTI_FIDELITY_METHOD_SUCCESSIVE_HALVING) {
    return {v1::Fidelity()};
  }
  const double eta = std::max(2, mf.reduction_factor());
  const bool epochs = mf.resource() != v1::FIDELITY_RESOURCE_TRAIN_SUBSET;
  const double min = std::max(1.0, mf.min_resource());
  std::vector<double> resources;
  if (!epochs && mf.max_resource() <= 0) {
    resources = {min, min * eta, 0};  // 0: the whole split.
  } else {
    const double max =
        mf.max_resource() > 0 ? mf.max_resource() : spec.recipe().epochs();
    for (double r = min; r < max * (1 - 1e-9); r *= eta) resources.push_back(r);
    resources.push_back(max);
  }
  std::vector<v1::Fidelity> rungs;
  // Per rung when continuing: its epochs, and the boundaries it trains
  // through (the lower rung it continues from, and that one's).
  std::vector<int32_t> rung_epochs;
  std::vector<std::vector<int32_t>> chains;
  int64_t last = -1;
  for (double r : resources) {
    const int64_t amount = r <= 0 ? 0 : std::max<int64_t>(1, std::llround(r));
    if (amount == last) continue;
    last = amount;
    v1::Fidelity f;
    if (epochs) {
      if (amount != spec.recipe().epochs()) {
        f.set_epochs(static_cast<int32_t>(amount));
      }
      if (mf.continue_promotions()) {
        const auto e = static_cast<int32_t>(amount);
        chains.push_back(ContinuedChain(rung_epochs, chains, e));
        rung_epochs.push_back(e);
        for (int32_t b : chains.back()) f.add_resume_epochs(b);
      }
    } else if (amount != spec.dataset().train_subset()) {
      f.set_train_subset(amount);
    }
    rungs.push_back(f);
  }
  return rungs;
}

namespace {

// The base strategy, wrapped in MultiFidelity when the spec asks for it.
absl::StatusOr<std::unique_ptr<SearchStrategy>> CreateScheduled(
    const v1::JobSpec& spec) {
  absl::StatusOr<std::unique_ptr<SearchStrategy>> base = CreateBase(spec);
  if (!base.ok()) return base.status();
  const v1::MultiFidelitySpec& mf = spec.multi_fidelity();
  const bool halving =
      mf.method() == v1::MULTI_FIDELITY_METHOD_ASHA ||
      mf.method() == v1::MULTI_FIDELITY_METHOD_SUCCESSIVE_HALVING;
  if (!halving && !mf.median_stopping()) return base;
  return Upcast(MultiFidelity::Create(
      {.inner = *std::move(base),
       .method = halving ? mf.method() : v1::MULTI_FIDELITY_METHOD_NONE,
       .rungs = RungFidelities(spec),
       .reduction_factor = std::max(2, mf.reduction_factor()),
       .median_stopping = mf.median_stopping(),
       .median_grace_epochs = mf.median_grace_epochs(),
       .objectives = std::vector<v1::Objective>(spec.objectives().begin(),
                                                spec.objectives().end()),
       .constraints = spec.constraints(),
       .multi_objective = spec.strategy().has_nsga2()}));
}

}  // namespace

absl::StatusOr<std::unique_ptr<SearchStrategy>> CreateStrategy(
    const v1::JobSpec& spec) {
  absl::StatusOr<std::unique_ptr<SearchStrategy>> scheduled =
      CreateScheduled(spec);
  if (!scheduled.ok() || spec.strategy().reproducible_window() == 0) {
    return scheduled;
  }
  return Upcast(
      OrderedSearch::Create({.inner = *std::move(scheduled),
                             .window = spec.strategy().reproducible_window()}));
}

}  // namespace nasprune::controller
