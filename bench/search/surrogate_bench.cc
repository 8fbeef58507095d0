// nasprune-surrogate-bench: regret of random search and regularized evolution
// on the surrogate NAS problem of surrogate.h (the genome's default joint
// space for 28×28 gray images), at equal evaluation budgets, averaged over
// seeds. Proposals go one at a time, each observed before the next.
//
//   nasprune-surrogate-bench [--seeds 30]

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

std::string Stats(const std::vector<double>& v) {
  double m = 0, sd = 0;
  for (double x : v) m += x;
  m /= v.size();
  for (double x : v) sd += (x - m) * (x - m);
  sd = v.size() > 1 ? std::sqrt(sd / (v.size() - 1)) : 0;
  return absl::StrFormat("%.4f ± %.4f", m, sd);
}

int Main(int argc, char** argv) {
  int seeds = 30;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::string(argv[i]) == "--seeds") seeds = std::atoi(argv[i + 1]);
  }
  v1::Objective accuracy;
  accuracy.set_metric(v1::METRIC_ACCURACY);
  std::vector<std::vector<double>> random(kBudgets.size()),
      evolution(kBudgets.size());
  int evolution_wins[3] = {0, 0, 0};
  for (int s = 0; s < seeds; ++s) {
    // A different hidden target per seed, drawn from the same space.
    auto sampler = genome::GenomeSampler::Create({.scope = Scope()});
    Rng target_rng(5000 + s);
    const v1::Genome target =
        genome::CanonicalGenome((*sampler)->Sample(target_rng));
    auto r = controller::RandomSearch::Create(
        {.scope = Scope(), .input = kGray, .seed = static_cast<uint64_t>(s)});
    auto e = controller::RegularizedEvolution::Create(
        {.scope = Scope(),
         .input = kGray,
         .objectives = {accuracy},
         .seed = static_cast<uint64_t>(s),
         .population_size = 20,
         .sample_size = 5});
    if (!r.ok() || !e.ok()) {
      std::cerr << r.status() << " " << e.status() << "\n";
      return 1;
    }
    const auto rr = Regrets(**r, target, s);
    const auto er = Regrets(**e, target, s);
    for (size_t b = 0; b < kBudgets.size(); ++b) {
      random[b].push_back(rr[b]);
      evolution[b].push_back(er[b]);
      evolution_wins[b] += er[b] < rr[b];
    }
  }
  std::cout << "| evaluations | random regret (mean ± sd) | evolution regret "
               "(mean ± sd) | seeds where evolution is better |\n"
               "| --- | --- | --- | --- |\n";
  for (size_t b = 0; b < kBudgets.size(); ++b) {
    std::cout << absl::StrFormat("| %d | %s | %s | %d of %d |\n", kBudgets[b],
                                 Stats(random[b]), Stats(evolution[b]),
                                 evolution_wins[b], seeds);
  }
  return 0;
}

}  // namespace
}  // namespace nasprune::bench

int main(int argc, char** argv) { return nasprune::bench::Main(argc, argv); }
