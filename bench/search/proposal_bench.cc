// nasprune-proposal-bench: how fast each strategy proposes and observes,
// with a population of 1,000, built through CreateStrategy from job specs
// as the controller builds them (Fashion-MNIST's default space).
//
// Each run first proposes and observes `--warmup` genomes (so the
// population is full and evolution / NSGA-II breed children), then times
// `--measure` rounds of Propose(1) + Observe; the evaluation itself (the
// surrogate score of surrogate.h and the analytic cost) is outside the
// timing. Reported: median over `--runs` seeds of the rate and of the mean
// time per round.
//
//   nasprune-proposal-bench [--runs 3] [--warmup 2000] [--measure 2000]

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "bench/search/surrogate.h"
#include "common/genome/cost.h"
#include "common/genome/sampler.h"
#include "common/jobspec/job_spec.h"
#include "controller/search/factory.h"
#include "torch/torch.h"

namespace nasprune::bench {
namespace {

struct Config {
  std::string name;
  v1::JobSpec spec;
};

std::vector<Config> Configs() {
  std::vector<Config> configs;
  auto base = [] {
    v1::JobSpec spec;
    spec.set_name("proposal-bench");
    spec.mutable_dataset()->set_name("fashion-mnist");
    return spec;
  };
  {
    Config c{"random", base()};
    c.spec.mutable_strategy()->mutable_random();
    configs.push_back(c);
  }
  {
    Config c{"evolution (P=1000, S=16)", base()};
    c.spec.mutable_strategy()->mutable_evolution()->set_population_size(1000);
    configs.push_back(c);
  }
  {
    Config c{"evolution (P=1000), max_params 30k, max_macs 3M", base()};
    c.spec.mutable_strategy()->mutable_evolution()->set_population_size(1000);
    c.spec.mutable_constraints()->set_max_params(30000);
    c.spec.mutable_constraints()->set_max_macs(3000000);
    configs.push_back(c);
  }
  {
    Config c{"NSGA-II (P=1000; accuracy, params)", base()};
    c.spec.mutable_strategy()->mutable_nsga2()->set_population_size(1000);
    c.spec.add_objectives()->set_metric(v1::METRIC_ACCURACY);
    c.spec.add_objectives()->set_metric(v1::METRIC_PARAMS);
    configs.push_back(c);
  }
  {
    Config c{"REINFORCE (LSTM 64, batch 8)", base()};
    c.spec.mutable_strategy()->mutable_reinforce();
    configs.push_back(c);
  }
  {
    Config c{"evolution (P=1000) + ASHA", base()};
    c.spec.mutable_strategy()->mutable_evolution()->set_population_size(1000);
    c.spec.mutable_multi_fidelity()->set_method(v1::MULTI_FIDELITY_METHOD_ASHA);
    configs.push_back(c);
  }
  return configs;
}

controller::Observation Evaluate(const controller::Proposal& p,
                                 const v1::Genome& target) {
  controller::Observation o{.genome_hash = p.genome_hash, .rung = p.rung};
  o.result.set_val_accuracy(NoisyScore(p.genome, target, 1));
  const genome::InputSpec input{
      .channels = 1, .height = 28, .width = 28, .num_classes = 10};
  if (auto cost = genome::ComputeGenomeCost(p.genome, input); cost.ok()) {
    o.result.set_params(cost->params);
    o.result.set_macs(cost->macs);
  }
  return o;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

int Main(int argc, char** argv) {
  int runs = 3, warmup = 2000, measure = 2000;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--runs") runs = std::atoi(argv[i + 1]);
    if (flag == "--warmup") warmup = std::atoi(argv[i + 1]);
    if (flag == "--measure") measure = std::atoi(argv[i + 1]);
  }
  at::set_num_threads(1);
  std::cout << "| strategy | proposals + observations per second | µs per "
               "round (propose + observe) |\n| --- | --- | --- |\n";
  for (const Config& config : Configs()) {
    std::vector<double> rates, micros;
    for (int r = 0; r < runs; ++r) {
      v1::JobSpec spec = config.spec;
      spec.set_seed(static_cast<uint64_t>(r));
      auto prepared = jobspec::PrepareJobSpec(spec);
      if (!prepared.ok()) {
        std::cerr << config.name << ": " << prepared.status() << "\n";
        return 1;
      }
      auto strategy = controller::CreateStrategy(*prepared);
      if (!strategy.ok()) {
        std::cerr << config.name << ": " << strategy.status() << "\n";
        return 1;
      }
      Rng target_rng(100 + r);
      auto sampler =
          genome::GenomeSampler::Create({.scope = jobspec::ScopeOf(*prepared)});
      const v1::Genome target = (*sampler)->Sample(target_rng);
      for (int i = 0; i < warmup; ++i) {
        for (const auto& p : (*strategy)->Propose(1)) {
          (*strategy)->Observe(Evaluate(p, target));
        }
      }
      std::chrono::nanoseconds spent{0};
      int done = 0;
      for (int i = 0; i < measure; ++i) {
        auto t0 = std::chrono::steady_clock::now();
        const std::vector<controller::Proposal> p = (*strategy)->Propose(1);
        spent += std::chrono::steady_clock::now() - t0;
        if (p.empty()) break;
        const controller::Observation o = Evaluate(p[0], target);
        t0 = std::chrono::steady_clock::now();
        (*strategy)->Observe(o);
        spent += std::chrono::steady_clock::now() - t0;
        ++done;
      }
      const double seconds = std::chrono::duration<double>(spent).count();
      rates.push_back(done / seconds);
      micros.push_back(seconds * 1e6 / done);
    }
    std::cout << absl::StrFormat("| %s | %.0f | %.1f |\n", config.name,
                                 Median(rates), Median(micros))
              << std::flush;
  }
  return 0;
}

}  // namespace
}  // namespace nasprune::bench

int main(int argc, char** argv) { return nasprune::bench::Main(argc, argv); }
