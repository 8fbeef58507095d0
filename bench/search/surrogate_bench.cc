// nasprune-surrogate-bench: regret of random search, regularized evolution
// and REINFORCE on the surrogate NAS problem of surrogate.h (the genome's
// default joint space for 28×28 gray images), at equal evaluation budgets,
// averaged over seeds. Proposals go one at a time, each observed before the
// next.
//
//   nasprune-surrogate-bench [--seeds 30] [--lr 0.01] [--batch 8]
//       [--entropy 0.001] [--hidden 64]

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "bench/search/surrogate.h"
#include "common/genome/default_space.h"
#include "common/genome/sampler.h"
#include "controller/search/random_search.h"
#include "controller/search/regularized_evolution.h"
#include "controller/search/reinforce.h"

namespace nasprune::bench {
namespace {

const genome::InputSpec kGray{
    .channels = 1, .height = 28, .width = 28, .num_classes = 10};
const std::vector<int> kBudgets = {100, 300, 1000};

genome::SearchScope Scope() {
  return {.space = genome::DefaultSearchSpace(kGray),
          .mode = v1::SEARCH_MODE_JOINT};
}

// Regret after each budget for one run of `strategy`.
std::vector<double> Regrets(controller::SearchStrategy& strategy,
                            const v1::Genome& target, uint64_t seed) {
  std::vector<double> regrets;
  double best = -1;
  for (int e = 1; e <= kBudgets.back(); ++e) {
    const std::vector<controller::Proposal> p = strategy.Propose(1);
    if (p.empty()) break;
    best = std::max(best, SurrogateScore(p[0].genome, target));
    controller::Observation o{.genome_hash = p[0].genome_hash};
    o.result.set_val_accuracy(NoisyScore(p[0].genome, target, seed));
    strategy.Observe(o);
    if (std::find(kBudgets.begin(), kBudgets.end(), e) != kBudgets.end()) {
      regrets.push_back(1 - best);
    }
  }
  return regrets;
}

int Main(int argc, char** argv) {
  int seeds = 30;
  controller::Reinforce::Options reinforce{.scope = Scope(), .input = kGray};
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--seeds") seeds = std::atoi(argv[i + 1]);
    if (flag == "--lr") reinforce.learning_rate = std::atof(argv[i + 1]);
    if (flag == "--batch") reinforce.batch_size = std::atoi(argv[i + 1]);
    if (flag == "--entropy") reinforce.entropy_weight = std::atof(argv[i + 1]);
    if (flag == "--hidden") reinforce.hidden_size = std::atoi(argv[i + 1]);
  }
  at::set_num_threads(1);
  v1::Objective accuracy;
  accuracy.set_metric(v1::METRIC_ACCURACY);
  reinforce.objectives = {accuracy};
  const std::vector<std::string> names = {"random", "evolution", "REINFORCE"};
  // regrets[strategy][budget][seed]
  std::vector<std::vector<std::vector<double>>> regrets(
      names.size(), std::vector<std::vector<double>>(kBudgets.size()));
  for (int s = 0; s < seeds; ++s) {
    // A different hidden target per seed, drawn from the same space.
    auto sampler = genome::GenomeSampler::Create({.scope = Scope()});
    Rng target_rng(5000 + s);
    const v1::Genome target =
        genome::CanonicalGenome((*sampler)->Sample(target_rng));
    const uint64_t seed = static_cast<uint64_t>(s);
    std::vector<std::unique_ptr<controller::SearchStrategy>> strategies;
    auto r = controller::RandomSearch::Create(
        {.scope = Scope(), .input = kGray, .seed = seed});
    auto e = controller::RegularizedEvolution::Create({.scope = Scope(),
                                                       .input = kGray,
                                                       .objectives = {accuracy},
                                                       .seed = seed,
                                                       .population_size = 20,
                                                       .sample_size = 5});
    reinforce.seed = seed;
    auto p = controller::Reinforce::Create(reinforce);
    if (!r.ok() || !e.ok() || !p.ok()) {
      std::cerr << r.status() << " " << e.status() << " " << p.status() << "\n";
      return 1;
    }
    strategies.push_back(*std::move(r));
    strategies.push_back(*std::move(e));
    strategies.push_back(*std::move(p));
    for (size_t k = 0; k < strategies.size(); ++k) {
      const std::vector<double> run = Regrets(*strategies[k], target, seed);
      for (size_t b = 0; b < kBudgets.size(); ++b) {
        regrets[k][b].push_back(run[b]);
      }
    }
  }
  std::cout << "| evaluations |";
  for (const std::string& n : names) std::cout << " " << n << " regret |";
  for (size_t k = 1; k < names.size(); ++k) {
    std::cout << " seeds " << names[k] << " beats random |";
  }
  std::cout << "\n|";
  for (size_t c = 0; c < 2 * names.size(); ++c) std::cout << " --- |";
  std::cout << "\n";
  for (size_t b = 0; b < kBudgets.size(); ++b) {
    std::cout << "| " << kBudgets[b] << " |";
    for (size_t k = 0; k < names.size(); ++k) {
      std::cout << " " << Stats(regrets[k][b]) << " |";
    }
    for (size_t k = 1; k < names.size(); ++k) {
      int wins = 0;
      for (int s = 0; s < seeds; ++s)
        wins += regrets[k][b][s] < regrets[0][b][s];
      std::cout << absl::StrFormat(" %d of %d |", wins, seeds);
    }
    std::cout << "\n";
  }
  return 0;
}

}  // namespace
}  // namespace nasprune::bench

int main(int argc, char** argv) { return nasprune::bench::Main(argc, argv); }
