// nasprune-prune-bench: the pruning benchmark of docs/benchmarks.md on
// Fashion-MNIST. One run trains (or reloads) the parent of
// bench/prune/parent.yaml and prints four Markdown tables:
//   1. importance criteria against random at equal uniform keep ratios;
//   2. a per-group plan found by random search against uniform pruning at
//      equal MACs (50 % and 25 % of the parent's);
//   3. the 2× MAC cut after fine-tuning, with and without distillation;
//   4. measured latency before and after pruning.
//
//   nasprune-prune-bench [--data /usr/share/datasets/fashion-mnist]
//       [--threads 2] [--parent-epochs 8] [--finetune-epochs 4]
//       [--candidates 16] [--parent-dir bench-out/parents] [--seed 0]

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <map>
#include <numeric>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/str_format.h"
#include "common/genome/cost.h"
#include "common/genome/network_plan.h"
#include "common/jobspec/yaml_proto.h"
#include "common/random/rng.h"
#include "worker/data/dataset.h"
#include "worker/measure/measure.h"
#include "worker/memory/caching_allocator.h"
#include "worker/prune/parent_store.h"
#include "worker/prune/pruner.h"
#include "worker/train/trainer.h"

namespace nasprune::worker {
namespace {

using genome::Criterion;

struct Settings {
  std::string data = "/usr/share/datasets/fashion-mnist";
  std::string parent_dir = "bench-out/parents";
  int threads = 2;
  int parent_epochs = 8;
  int finetune_epochs = 4;
  int candidates = 16;
  int proxy_examples = 10000;
  uint64_t seed = 0;
};

const char* Name(Criterion c) {
  switch (c) {
    case Criterion::kL1:
      return "L1";
    case Criterion::kL2:
      return "L2";
    case Criterion::kBnScale:
      return "BN scale";
    case Criterion::kTaylor:
      return "Taylor";
    case Criterion::kRandom:
      return "random";
    default:
      return "none";
  }
}

class Bench {
 public:
  Bench(const Settings& s, v1::Genome genome, Datasets data)
      : s_(s), genome_(std::move(genome)), data_(std::move(data)) {
    proxy_ = data_;
    proxy_.train = {data_.train.images.slice(0, 0, s.proxy_examples),
                    data_.train.labels.slice(0, 0, s.proxy_examples)};
    input_ = {.channels = data_.channels,
              .height = data_.height,
              .width = data_.width,
              .num_classes = data_.num_classes};
    parent_plan_ = PlanFor({});
  }

  // The plan with per-group keep ratios (missing groups keep all).
  genome::NetworkPlan PlanFor(const std::map<std::string, double>& ratios) {
    v1::Genome g = genome_;
    g.clear_pruning();
    if (!ratios.empty()) {
      g.mutable_pruning()->set_criterion(v1::IMPORTANCE_CRITERION_L1);
      for (const auto& [name, r] : ratios) {
        (*g.mutable_pruning()->mutable_keep_ratios())[name] =
            std::clamp(std::round(r * 1e6) / 1e6, 1e-6, 1.0);
      }
    }
    auto plan = genome::BuildNetworkPlan(g, input_);
    if (!plan.ok()) {
      std::cerr << plan.status() << "\n";
      std::exit(1);
    }
    return *plan;
  }

  static int64_t Macs(const genome::NetworkPlan& plan) {
    return genome::ComputeCost(plan, /*low_rank_by_energy=*/false).macs;
  }

  std::map<std::string, double> Uniform(double r) {
    std::map<std::string, double> ratios;
    for (const auto& g : parent_plan_.groups) ratios[g.name] = r;
    return ratios;
  }

  // Scales `shape` (per-group ratios) by the largest factor whose plan has
  // at most `target` MACs.
  std::map<std::string, double> AtMacs(const std::vector<double>& shape,
                                       int64_t target) {
    auto make = [&](double scale) {
      std::map<std::string, double> ratios;
      for (size_t g = 0; g < shape.size(); ++g) {
        ratios[parent_plan_.groups[g].name] =
            std::clamp(shape[g] * scale, 0.02, 1.0);
      }
      return ratios;
    };
    double lo = 0, hi = 1.0 / *std::min_element(shape.begin(), shape.end());
    for (int i = 0; i < 30; ++i) {
      const double mid = (lo + hi) / 2;
      (Macs(PlanFor(make(mid))) <= target ? lo : hi) = mid;
    }
    return make(lo);
  }

  Network& Parent() { return parent_; }

  void TrainParent() {
    ParentStore store({.directory = s_.parent_dir});
    const std::string key = absl::StrFormat(
        "prune-bench-e%d-s%d-t%d", s_.parent_epochs, s_.seed, s_.threads);
    torch::manual_seed(s_.seed);
    parent_ = Network(parent_plan_);
    if (auto stored = store.Find(key)) {
      RestoreState(stored->state, *parent_);
      std::cerr << "parent reloaded from " << s_.parent_dir << "\n";
      return;
    }
    TrainOptions o;
    o.epochs = s_.parent_epochs;
    o.seed = s_.seed;
    const TrainResult r = Train(
        *parent_, data_, o,
        [](const EpochStats& e) {
          std::cerr << absl::StrFormat("parent epoch %d val %.4f %.1f s\n",
                                       e.epoch, e.val_accuracy, e.seconds);
        },
        nullptr);
    auto keep = std::make_shared<TrainedParent>();
    keep->state = CaptureState(*parent_);
    keep->epochs = r.epochs;
    keep->val_accuracy = r.epochs.back().val_accuracy;
    store.Put(key, keep);
  }

  struct Run {
    double pruned_val = 0;  // Before fine-tuning.
    double val = 0;
    double test = 0;
    int64_t macs = 0;
    int64_t params = 0;
    Network model{nullptr};
  };

  Run Prune(const genome::NetworkPlan& plan, Criterion criterion, int epochs,
            bool full_data, double distill, uint64_t seed, bool test) {
    PruneRequest r;
    r.target = plan;
    r.pruning.criterion = criterion;
    r.pruning.finetune_epochs = epochs;
    r.pruning.distill_weight = distill;
    r.pruning.distill_temperature = 4;
    r.finetune.learning_rate = 0.01;
    r.finetune.seed = seed;
    r.seed = seed;
    const Datasets& d = full_data ? data_ : proxy_;
    PruneOutcome out = PruneAndFinetune(*parent_, d, r, {}, nullptr);
    Run run;
    run.pruned_val = out.pruned_val_accuracy;
    run.val = Evaluate(*out.model, data_.validation, 1024).accuracy;
    if (test) run.test = Evaluate(*out.model, data_.test, 1024).accuracy;
    const CostMeasurement cost = MeasureCost(*out.model);
    run.macs = cost.macs;
    run.params = cost.params;
    run.model = out.model;
    return run;
  }

  const Settings& s_;
  v1::Genome genome_;
  Datasets data_;
  Datasets proxy_;
  genome::InputSpec input_;
  genome::NetworkPlan parent_plan_;
  Network parent_{nullptr};
};

double Mean(const std::vector<double>& v) {
  return std::accumulate(v.begin(), v.end(), 0.0) / v.size();
}

double Sd(const std::vector<double>& v) {
  const double m = Mean(v);
  double s = 0;
  for (double x : v) s += (x - m) * (x - m);
  return v.size() > 1 ? std::sqrt(s / (v.size() - 1)) : 0;
}

std::string Pct(double x) { return absl::StrFormat("%.2f", 100 * x); }

std::string RatiosText(const std::map<std::string, double>& ratios,
                       const genome::NetworkPlan& plan) {
  std::string out;
  for (const auto& g : plan.groups) {
    out += absl::StrFormat("%s%d/%d", out.empty() ? "" : " ",
                           genome::KeptChannels(g.channels, ratios.at(g.name)),
                           g.channels);
  }
  return out;
}

int Main(int argc, char** argv) {
  Settings s;
  CLI::App app{"nasprune pruning benchmark"};
  app.add_option("--data", s.data);
  app.add_option("--parent-dir", s.parent_dir);
  app.add_option("--threads", s.threads);
  app.add_option("--parent-epochs", s.parent_epochs);
  app.add_option("--finetune-epochs", s.finetune_epochs);
  app.add_option("--candidates", s.candidates);
  app.add_option("--seed", s.seed);
  CLI11_PARSE(app, argc, argv);
  InstallCachingCpuAllocator();
  at::set_num_threads(s.threads);

  v1::Genome genome;
  if (absl::Status st = LoadYamlFile("bench/prune/parent.yaml", &genome);
      !st.ok()) {
    std::cerr << st << "\n";
    return 1;
  }
  DataOptions data_options{.directory = s.data, .load_test = true};
  Bench b(s, genome, LoadDatasets(data_options));
  b.TrainParent();
  Network& parent = b.Parent();
  const double parent_val =
      Evaluate(*parent, b.data_.validation, 1024).accuracy;
  const double parent_test = Evaluate(*parent, b.data_.test, 1024).accuracy;
  const CostMeasurement parent_cost = MeasureCost(*parent);
  std::cout << absl::StrFormat(
      "Parent (bench/prune/parent.yaml, %d epochs): %d params, %d MACs, "
      "val %s %%, test %s %%.\n\n",
      s.parent_epochs, parent_cost.params, parent_cost.macs, Pct(parent_val),
      Pct(parent_test));

  // 1. Criteria against random at equal uniform keep ratios.
  std::cout << "### Criteria against random (uniform keep ratio, val %)\n\n"
            << "| keep | criterion | after removal | after 1 fine-tune epoch "
               "on 10k |\n| --- | --- | --- | --- |\n";
  for (double keep : {0.75, 0.5, 0.3}) {
    const genome::NetworkPlan plan = b.PlanFor(b.Uniform(keep));
    for (Criterion c : {Criterion::kL1, Criterion::kL2, Criterion::kBnScale,
                        Criterion::kTaylor}) {
      const auto run = b.Prune(plan, c, 1, false, 0, s.seed, false);
      std::cout << absl::StrFormat("| %.2f | %s | %s | %s |\n", keep, Name(c),
                                   Pct(run.pruned_val), Pct(run.val));
    }
    std::vector<double> removal, tuned;
    for (uint64_t seed = 1; seed <= 5; ++seed) {
      const auto run =
          b.Prune(plan, Criterion::kRandom, 1, false, 0, seed, false);
      removal.push_back(run.pruned_val);
      tuned.push_back(run.val);
    }
    std::cout << absl::StrFormat(
        "| %.2f | random (5 seeds, mean ± sd) | %s ± %s | %s ± %s |\n", keep,
        Pct(Mean(removal)), Pct(Sd(removal)), Pct(Mean(tuned)), Pct(Sd(tuned)));
    std::cout.flush();
  }

  // 2 and 3. Searched per-group plans against uniform at equal MACs.
  std::cout << "\n### Searched per-group plan against uniform at equal MACs\n\n"
            << "| MACs target | plan | kept channels per group | MACs | "
               "proxy val | final val | final test | drop vs parent (test) "
               "|\n| --- | --- | --- | --- | --- | --- | --- | --- |\n";
  std::vector<std::pair<std::string, Network>> latency_models = {
      {"parent", parent}};
  for (double fraction : {0.5, 0.25}) {
    const int64_t target =
        static_cast<int64_t>(fraction * static_cast<double>(parent_cost.macs));
    const auto uniform = b.AtMacs(std::vector<double>(4, 1.0), target);
    const genome::NetworkPlan uniform_plan = b.PlanFor(uniform);
    const auto uniform_proxy =
        b.Prune(uniform_plan, Criterion::kL1, 1, false, 0, s.seed, false);
    Rng rng(s.seed + 17);
    double best_proxy = -1;
    std::map<std::string, double> best;
    int beats = 0;
    for (int i = 0; i < s.candidates; ++i) {
      std::vector<double> shape;
      for (int g = 0; g < 4; ++g)
        shape.push_back(0.15 + 0.85 * rng.UniformDouble());
      const auto ratios = b.AtMacs(shape, target);
      const auto run = b.Prune(b.PlanFor(ratios), Criterion::kL1, 1, false, 0,
                               s.seed, false);
      beats += run.val > uniform_proxy.val;
      if (run.val > best_proxy) {
        best_proxy = run.val;
        best = ratios;
      }
      std::cerr << absl::StrFormat("candidate %d %s proxy %s\n", i,
                                   RatiosText(ratios, b.parent_plan_),
                                   Pct(run.val));
    }
    const genome::NetworkPlan best_plan = b.PlanFor(best);
    struct Row {
      std::string name;
      const genome::NetworkPlan* plan;
      const std::map<std::string, double>* ratios;
      double proxy;
      double distill;
    };
    std::vector<Row> rows = {
        {"uniform", &uniform_plan, &uniform, uniform_proxy.val, 0},
        {"searched", &best_plan, &best, best_proxy, 0}};
    if (fraction == 0.5) {
      rows.push_back(
          {"uniform + KD", &uniform_plan, &uniform, uniform_proxy.val, 0.5});
      rows.push_back({"searched + KD", &best_plan, &best, best_proxy, 0.5});
    }
    for (const Row& row : rows) {
      const auto run = b.Prune(*row.plan, Criterion::kL1, s.finetune_epochs,
                               true, row.distill, s.seed, true);
      std::cout << absl::StrFormat(
          "| %.0f %% | %s | %s | %d (%.2fx fewer) | %s | %s | %s | %+.2f |\n",
          100 * fraction, row.name, RatiosText(*row.ratios, b.parent_plan_),
          run.macs, static_cast<double>(parent_cost.macs) / run.macs,
          Pct(row.proxy), Pct(run.val), Pct(run.test),
          100 * (parent_test - run.test));
      std::cout.flush();
      if (row.distill == 0) {
        latency_models.emplace_back(
            absl::StrFormat("%s %.0f %% MACs", row.name, 100 * fraction),
            run.model);
      }
    }
    std::cout << absl::StrFormat(
        "| %.0f %% | (%d of %d random candidates beat uniform on the proxy) "
        "| | | | | | |\n",
        100 * fraction, beats, s.candidates);
  }

  // 4. Latency, interleaved rounds, medians.
  std::cout << "\n### Latency before and after pruning (CPU, " << s.threads
            << " threads, median of 5 interleaved rounds)\n\n"
            << "| model | params | MACs | batch 1 ms | batch 128 ms |\n"
            << "| --- | --- | --- | --- | --- |\n";
  std::vector<std::vector<double>> b1(latency_models.size()),
      b128(latency_models.size());
  for (int round = 0; round < 5; ++round) {
    for (size_t i = 0; i < latency_models.size(); ++i) {
      const LatencyMeasurement m =
          MeasureLatency(*latency_models[i].second,
                         {.warmup = 5, .repeats = 30, .batch_size = 128});
      b1[i].push_back(m.batch1_ms);
      b128[i].push_back(m.batch_ms);
    }
  }
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  for (size_t i = 0; i < latency_models.size(); ++i) {
    const CostMeasurement c = MeasureCost(*latency_models[i].second);
    std::cout << absl::StrFormat("| %s | %d | %d | %.3f | %.2f |\n",
                                 latency_models[i].first, c.params, c.macs,
                                 median(b1[i]), median(b128[i]));
  }
  return 0;
}

}  // namespace
}  // namespace nasprune::worker

int main(int argc, char** argv) { return nasprune::worker::Main(argc, argv); }
