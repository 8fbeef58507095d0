// nasprune-multi-fidelity-bench: the surrogate NAS problem of surrogate.h
// with a cost proportional to training epochs, searched with and without
// successive halving, at equal cost budgets, averaged over seeds.
//
// A genome g trained for e of the full 9 epochs shows
//   v(g, e) = S(g) − c(g) · exp(−e / 3) + N(0, 0.01²)
// where S is the surrogate score (optimum 1) and c(g) in [0.05, 0.35] a
// fixed per-genome "slow starter" factor, so that short runs rank genomes
// imperfectly. An evaluation at e epochs costs e. What a search delivers is
// a fully trained model, so its value is the best S among the genomes it
// evaluated at the full 9 epochs; regret = 1 − that.
//
// Each strategy runs alone (random search, regularized evolution P=20 S=5)
// and wrapped in successive halving and ASHA (η = 3, rungs 1, 3, 9 epochs).
// Evaluations go one at a time.
//
//   nasprune-multi-fidelity-bench [--seeds 30]

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "bench/search/surrogate.h"
#include "common/genome/default_space.h"
#include "common/genome/hash.h"
#include "common/genome/sampler.h"
#include "controller/search/multi_fidelity.h"
#include "controller/search/random_search.h"
#include "controller/search/regularized_evolution.h"

namespace nasprune::bench {
namespace {

const genome::InputSpec kGray{
    .channels = 1, .height = 28, .width = 28, .num_classes = 10};
constexpr int kFullEpochs = 9;
// Budgets in epochs: the cost of 100, 300 and 1,000 full evaluations.
const std::vector<int64_t> kBudgets = {100 * kFullEpochs, 300 * kFullEpochs,
                                       1000 * kFullEpochs};

genome::SearchScope Scope() {
  return {.space = genome::DefaultSearchSpace(kGray),
          .mode = v1::SEARCH_MODE_JOINT};
}

double SlowStart(const std::string& hash) {
  Rng rng(std::stoull(hash.substr(16, 16), nullptr, 16));
  return 0.05 + 0.3 * rng.UniformDouble();
}

double Observed(const v1::Genome& g, const std::string& hash,
                const v1::Genome& target, int epochs, uint64_t seed) {
  // The noise differs per fidelity: mix the epochs into the seed.
  return NoisyScore(g, target, seed * 131 + epochs) -
         SlowStart(hash) * std::exp(-epochs / 3.0);
}

// Best true score among full-fidelity evaluations after each budget.
std::vector<double> Run(controller::SearchStrategy& strategy,
                        const v1::Genome& target, uint64_t seed) {
  std::vector<double> best_at;
  double best = 0;
  int64_t spent = 0;
  size_t next = 0;
  while (next < kBudgets.size()) {
    const std::vector<controller::Proposal> p = strategy.Propose(1);
    if (p.empty()) break;
    const int epochs =
        p[0].fidelity.epochs() > 0 ? p[0].fidelity.epochs() : kFullEpochs;
    spent += epochs;
    while (next < kBudgets.size() && spent > kBudgets[next]) {
      best_at.push_back(best);
      ++next;
    }
    if (epochs == kFullEpochs) {
      best = std::max(best, SurrogateScore(p[0].genome, target));
    }
    controller::Observation o{.genome_hash = p[0].genome_hash,
                              .rung = p[0].rung};
    o.result.set_val_accuracy(
        Observed(p[0].genome, p[0].genome_hash, target, epochs, seed));
    strategy.Observe(o);
  }
  while (best_at.size() < kBudgets.size()) best_at.push_back(best);
  return best_at;
}

int Main(int argc, char** argv) {
  int seeds = 30;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::string(argv[i]) == "--seeds") seeds = std::atoi(argv[i + 1]);
  }
  v1::Objective accuracy;
  accuracy.set_metric(v1::METRIC_ACCURACY);
  using Factory =
      std::function<std::unique_ptr<controller::SearchStrategy>(uint64_t)>;
  const Factory random = [](uint64_t seed) {
    return std::unique_ptr<controller::SearchStrategy>(
        *controller::RandomSearch::Create(
            {.scope = Scope(), .input = kGray, .seed = seed}));
  };
  const Factory evolution = [&](uint64_t seed) {
    return std::unique_ptr<controller::SearchStrategy>(
        *controller::RegularizedEvolution::Create({.scope = Scope(),
                                                   .input = kGray,
                                                   .objectives = {accuracy},
                                                   .seed = seed,
                                                   .population_size = 20,
                                                   .sample_size = 5}));
  };
  auto wrapped = [&](Factory inner, v1::MultiFidelityMethod method) {
    return Factory([=](uint64_t seed) {
      std::vector<v1::Fidelity> rungs(3);
      rungs[0].set_epochs(1);
      rungs[1].set_epochs(3);
      rungs[2].set_epochs(kFullEpochs);
      return std::unique_ptr<controller::SearchStrategy>(
          *controller::MultiFidelity::Create({.inner = inner(seed),
                                              .method = method,
                                              .rungs = rungs,
                                              .reduction_factor = 3,
                                              .objectives = {accuracy}}));
    });
  };
  const std::vector<std::pair<std::string, Factory>> strategies = {
      {"random", random},
      {"random + SH",
       wrapped(random, v1::MULTI_FIDELITY_METHOD_SUCCESSIVE_HALVING)},
      {"random + ASHA", wrapped(random, v1::MULTI_FIDELITY_METHOD_ASHA)},
      {"evolution", evolution},
      {"evolution + SH",
       wrapped(evolution, v1::MULTI_FIDELITY_METHOD_SUCCESSIVE_HALVING)},
      {"evolution + ASHA", wrapped(evolution, v1::MULTI_FIDELITY_METHOD_ASHA)},
  };
  // best[strategy][budget][seed]
  std::vector<std::vector<std::vector<double>>> best(
      strategies.size(), std::vector<std::vector<double>>(kBudgets.size()));
  for (int s = 0; s < seeds; ++s) {
    auto sampler = genome::GenomeSampler::Create({.scope = Scope()});
    Rng target_rng(5000 + s);
    const v1::Genome target =
        genome::CanonicalGenome((*sampler)->Sample(target_rng));
    for (size_t k = 0; k < strategies.size(); ++k) {
      auto strategy = strategies[k].second(static_cast<uint64_t>(s));
      const std::vector<double> run =
          Run(*strategy, target, static_cast<uint64_t>(s));
      for (size_t b = 0; b < kBudgets.size(); ++b) {
        best[k][b].push_back(run[b]);
      }
    }
  }
  std::cout << "Best true score of a fully trained genome (mean ± sd over "
            << seeds
            << " seeds); wins = seeds where the wrapped strategy "
               "beats the same strategy alone.\n\n| strategy |";
  for (int64_t b : kBudgets) std::cout << " " << b << " epochs |";
  std::cout << "\n| --- |";
  for (size_t b = 0; b < kBudgets.size(); ++b) std::cout << " --- |";
  std::cout << "\n";
  for (size_t k = 0; k < strategies.size(); ++k) {
    const size_t base = k < 3 ? 0 : 3;
    std::cout << "| " << strategies[k].first << " |";
    for (size_t b = 0; b < kBudgets.size(); ++b) {
      std::cout << " " << Stats(best[k][b]);
      if (k != base) {
        int wins = 0;
        for (int s = 0; s < seeds; ++s)
          wins += best[k][b][s] > best[base][b][s];
        std::cout << absl::StrFormat(" (wins %d/%d)", wins, seeds);
      }
      std::cout << " |";
    }
    std::cout << "\n";
  }
  return 0;
}

}  // namespace
}  // namespace nasprune::bench

int main(int argc, char** argv) { return nasprune::bench::Main(argc, argv); }
