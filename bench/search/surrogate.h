#ifndef NASPRUNE_BENCH_SEARCH_SURROGATE_H_
#define NASPRUNE_BENCH_SEARCH_SURROGATE_H_

// A surrogate NAS problem over nasprune's own genome with a known optimum,
// for comparing search strategies cheaply (docs/benchmarks.md).
//
// A hidden target genome T is drawn from the job's scope with a fixed seed.
// The true score of a genome g is 1 − D(g, T), where D is the mean of
// per-gene distances, each in [0, 1]:
//   - widths (stem, stage channels, hidden units): |log2(a / b)| / 4,
//     capped at 1 (0 units vs some units: 1);
//   - kernels |Δ| / 4; expansion |Δ| / 7; dropout |Δ| / 0.9;
//   - categorical genes (operator, activation, downsampling, SE, residual,
//     criterion): 0 when equal, else 1;
//   - keep ratios (every group either genome names, 1 when unnamed) |Δ|;
//     iterative steps |Δ| / 9; fine-tuning epochs |Δ| / 10 (capped);
//     distillation weight |Δ|;
//   - stages and blocks are aligned by index; every gene of a stage or block
//     that one genome lacks counts 1.
// So the optimum is T itself, with score 1, and nearby genomes score close to
// it. What a strategy observes is the score plus Gaussian noise (σ = 0.01)
// that is a fixed function of the genome and the run's seed. Regret = 1 −
// the best true score among the genomes evaluated.

#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "common/genome/hash.h"
#include "common/random/rng.h"
#include "nasprune/v1/genome.pb.h"

namespace nasprune::bench {

class GeneDistance {
 public:
  void Width(double a, double b) {
    if (a <= 0 || b <= 0) {
      Add(a == b ? 0 : 1);
    } else {
      Add(std::min(1.0, std::abs(std::log2(a / b)) / 4));
    }
  }
  void Scaled(double a, double b, double scale) {
    Add(std::min(1.0, std::abs(a - b) / scale));
  }
  void Same(bool equal) { Add(equal ? 0 : 1); }
  void Missing(int genes) {
    for (int i = 0; i < genes; ++i) Add(1);
  }
  double mean() const { return count_ > 0 ? sum_ / count_ : 0; }

 private:
  void Add(double d) {
    sum_ += d;
    ++count_;
  }
  double sum_ = 0;
  int count_ = 0;
};

inline constexpr int kBlockGenes = 6;

inline void CompareBlocks(const v1::Block& a, const v1::Block& b,
                          GeneDistance* d) {
  d->Same(a.op() == b.op());
  d->Scaled(a.kernel(), b.kernel(), 4);
  d->Scaled(a.expansion(), b.expansion(), 7);
  d->Same(a.activation() == b.activation());
  d->Same(a.squeeze_excite() == b.squeeze_excite());
  d->Same(a.residual() == b.residual());
}

inline double KeepRatio(const v1::PruningGenome& p, const std::string& group) {
  const auto it = p.keep_ratios().find(group);
  return it == p.keep_ratios().end() ? 1.0 : it->second;
}

// 1 − D(g, t).
inline double SurrogateScore(const v1::Genome& g, const v1::Genome& t) {
  GeneDistance d;
  const auto &ga = g.arch(), &ta = t.arch();
  d.Width(ga.stem().channels(), ta.stem().channels());
  d.Scaled(ga.stem().kernel(), ta.stem().kernel(), 4);
  d.Same(ga.stem().activation() == ta.stem().activation());
  const int stages = std::max(ga.stages_size(), ta.stages_size());
  for (int s = 0; s < stages; ++s) {
    if (s >= ga.stages_size() || s >= ta.stages_size()) {
      const auto& only = s < ga.stages_size() ? ga.stages(s) : ta.stages(s);
      d.Missing(2 + kBlockGenes * only.blocks_size());
      continue;
    }
    const auto &gs = ga.stages(s), &ts = ta.stages(s);
    d.Width(gs.channels(), ts.channels());
    d.Same(gs.downsample() == ts.downsample());
    const int blocks = std::max(gs.blocks_size(), ts.blocks_size());
    for (int b = 0; b < blocks; ++b) {
      if (b >= gs.blocks_size() || b >= ts.blocks_size()) {
        d.Missing(kBlockGenes);
      } else {
        CompareBlocks(gs.blocks(b), ts.blocks(b), &d);
      }
    }
  }
  d.Width(ga.head().hidden_units(), ta.head().hidden_units());
  d.Scaled(ga.head().dropout(), ta.head().dropout(), 0.9);
  const auto &gp = g.pruning(), &tp = t.pruning();
  std::vector<std::string> groups;
  for (const auto& [name, r] : gp.keep_ratios()) groups.push_back(name);
  for (const auto& [name, r] : tp.keep_ratios()) {
    if (!gp.keep_ratios().contains(name)) groups.push_back(name);
  }
  for (const std::string& group : groups) {
    d.Scaled(KeepRatio(gp, group), KeepRatio(tp, group), 1);
  }
  d.Same(gp.criterion() == tp.criterion());
  d.Scaled(gp.iterative_steps(), tp.iterative_steps(), 9);
  d.Scaled(gp.finetune_epochs(), tp.finetune_epochs(), 10);
  d.Scaled(gp.distill_weight(), tp.distill_weight(), 1);
  return 1 - d.mean();
}

// The observed score: SurrogateScore plus N(0, sigma²) noise fixed by the
// genome and `seed`.
inline double NoisyScore(const v1::Genome& g, const v1::Genome& t,
                         uint64_t seed, double sigma = 0.01) {
  const std::string hash = genome::GenomeHash(g);
  Rng rng(seed ^ std::stoull(hash.substr(0, 16), nullptr, 16));
  const double u1 = std::max(rng.UniformDouble(), 1e-300);
  const double u2 = rng.UniformDouble();
  const double normal =
      std::sqrt(-2 * std::log(u1)) * std::cos(2 * 3.14159265358979 * u2);
  return SurrogateScore(g, t) + sigma * normal;
}

// "mean ± sd" (sample standard deviation) of a non-empty series.
inline std::string Stats(const std::vector<double>& v) {
  double m = 0, sd = 0;
  for (double x : v) m += x;
  m /= v.size();
  for (double x : v) sd += (x - m) * (x - m);
  sd = v.size() > 1 ? std::sqrt(sd / (v.size() - 1)) : 0;
  return absl::StrFormat("%.4f ± %.4f", m, sd);
}

}  // namespace nasprune::bench

#endif  // NASPRUNE_BENCH_SEARCH_SURROGATE_H_
