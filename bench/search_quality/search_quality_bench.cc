// Search quality against wall time (docs/benchmarks.md, "Search quality"):
// the service as real processes on this machine (redis-server, the
// controller, LibTorch workers of one thread each), one job on the full
// data set with a fixed wall budget. Every --snapshot-minutes it records the
// job's front; when the job has ended it scores every model those fronts
// held on the *test* split, in Python, from the weights the search kept
// (scripts/score_model.py), so a snapshot says what a user stopping the
// job then would have taken home. Not a test: run it by hand, one at a time,
// with nothing else on the machine.
//
//   build/bench/nasprune-search-quality-bench --minutes 60
//       --spec bench/search_quality/joint.yaml --out /tmp/sq-joint
//
// Prints one table row per snapshot (markdown), and writes the rows to
// <out>/snapshots.csv with the models in <out>/models/. Then where the time
// went, per rung (trials, epochs trained and taken over from a lower rung,
// training seconds, median GFLOP/s), with every trial in <out>/trials.csv.
// --no-continue-promotions, --no-screening, --no-inheritance and
// --train-subset change the spec for ablations and shorter runs;
// --no-shared-parents gives each worker a parent store of its own (the
// workers share one by default, so a promotion continues from its lower
// rung on either). A screening job ends with the predictor's record
// (held-out rank correlations).

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <thread>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "cli/model_download.h"
#include "common/jobspec/job_spec.h"
#include "common/jobspec/load_job_spec.h"
#include "common/jobspec/states.h"
#include "grpcpp/client_context.h"
#include "tests/testing/cluster.h"

namespace {

using nasprune::testing::Cluster;
namespace v1 = nasprune::v1;

struct Point {
  std::string trial_id;
  int64_t params = 0;
  double val_accuracy = 0;
  int rung = 0;
};

struct Snapshot {
  double minutes = 0;
  int64_t finished = 0;  // Search trials with an outcome.
  double hypervolume = 0;
  int front_rung = 0;
  std::vector<Point> front;
};

// The rungs the front's points come from, e.g. "0,2"; "–" when empty.
std::string FrontRungs(const Snapshot& snap) {
  std::set<int> rungs;
  for (const Point& p : snap.front) rungs.insert(p.rung);
  return rungs.empty() ? std::string("–") : absl::StrJoin(rungs, ",");
}

double Elapsed(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
             .count() /
         60;
}

// The test accuracy scripts/score_model.py measures; -1 when it fails.
double ScoreInPython(const std::string& model, const std::string& dataset) {
  const std::string command = absl::StrCat(
      "/usr/bin/python3 scripts/score_model.py ", model, " ", dataset);
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return -1;
  char buffer[256];
  std::string output;
  while (fgets(buffer, sizeof(buffer), pipe)) output += buffer;
  if (pclose(pipe) != 0) return -1;
  return std::stod(output);
}

struct RungTotals {
  int trials = 0;
  int64_t trained_epochs = 0;
  int64_t resumed_epochs = 0;
  double train_seconds = 0;
  double total_seconds = 0;
  std::vector<double> gflops;
};

// Per rung: what the finished search trials cost; every search trial to
// `csv` (export trials repeat a search trial's result and are left out).
void PrintWhereTimeWent(const std::vector<v1::TrialRecord>& trials,
                        const std::string& csv_path) {
  std::ofstream csv(csv_path);
  csv << "trial,rung,state,params,parent_macs,val_accuracy,epochs,"
         "resumed_epochs,setup_s,train_s,prune_s,finetune_s,measure_s,"
         "export_s,total_s,gflops,inherited,worker\n";
  std::map<int, RungTotals> rungs;
  std::map<std::string, int> rung_of;
  for (const v1::TrialRecord& t : trials) rung_of[t.trial_id()] = t.rung();
  for (const v1::TrialRecord& t : trials) {
    if (t.state() != v1::TRIAL_STATE_SUCCEEDED &&
        t.state() != v1::TRIAL_STATE_EARLY_STOPPED) {
      continue;
    }
    // An export trial (promoted from a trial of its own rung) repeats its
    // search trial's result.
    auto source = rung_of.find(t.promoted_from());
    if (source != rung_of.end() && source->second == t.rung()) continue;
    const v1::EvaluationResult& r = t.result();
    int epochs = 0;
    for (const v1::EpochMetrics& e : r.epochs()) {
      epochs += e.phase() == v1::PHASE_TRAIN;
    }
    csv << absl::StrFormat(
        "%s,%d,%s,%d,%d,%.6f,%d,%d,%.1f,%.1f,%.1f,%.1f,%.1f,%.1f,%.1f,%.2f,"
        "%.3f,%s\n",
        t.trial_id(), t.rung(), v1::TrialState_Name(t.state()), r.params(),
        r.parent_macs(), r.val_accuracy(), epochs, r.resumed_epochs(),
        r.phase_seconds().setup(), r.phase_seconds().train(),
        r.phase_seconds().prune(), r.phase_seconds().finetune(),
        r.phase_seconds().measure(), r.phase_seconds().export_(),
        r.total_seconds(), r.train_gflops_per_second(), r.inherited_fraction(),
        t.worker());
    if (t.cache_hit()) continue;
    RungTotals& total = rungs[t.rung()];
    ++total.trials;
    if (!r.parent_reused()) {
      total.trained_epochs += epochs - r.resumed_epochs();
      total.resumed_epochs += r.resumed_epochs();
    }
    total.train_seconds += r.phase_seconds().train();
    total.total_seconds += r.total_seconds();
    if (r.train_gflops_per_second() > 0) {
      total.gflops.push_back(r.train_gflops_per_second());
    }
  }
  std::cout << "\n| rung | trials | epochs trained | epochs taken over | "
               "training s | trial s | median GFLOP/s |\n"
               "| --- | --- | --- | --- | --- | --- | --- |\n";
  for (auto& [rung, total] : rungs) {
    double median = 0;
    if (!total.gflops.empty()) {
      std::sort(total.gflops.begin(), total.gflops.end());
      median = total.gflops[total.gflops.size() / 2];
    }
    std::cout << absl::StrFormat("| %d | %d | %d | %d | %.0f | %.0f | %.2f |\n",
                                 rung, total.trials, total.trained_epochs,
                                 total.resumed_epochs, total.train_seconds,
                                 total.total_seconds, median);
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "nasprune-search-quality-bench: test accuracy of the front "
      "over wall time, with real processes"};
  std::string spec_path, out;
  double minutes = 60, snapshot_minutes = 10;
  int workers = 2;
  std::string dataset = "/usr/share/datasets/fashion-mnist";
  app.add_option("--spec", spec_path, "Job spec (YAML)")->required();
  app.add_option("--minutes", minutes, "Wall budget of the job")
      ->capture_default_str();
  app.add_option("--snapshot-minutes", snapshot_minutes,
                 "Minutes between two snapshots of the front")
      ->capture_default_str();
  app.add_option("--workers", workers, "LibTorch workers of one thread")
      ->capture_default_str();
  app.add_option("--dataset-dir", dataset, "Where the test split is read")
      ->capture_default_str();
  app.add_option("--out", out, "Directory for the models and the CSV")
      ->required();
  bool no_continue = false;
  bool no_screening = false;
  bool no_inheritance = false;
  bool no_shared_parents = false;
  int64_t train_subset = 0;
  app.add_flag("--no-continue-promotions", no_continue,
               "Promotions train from scratch (the ablation)");
  app.add_flag("--no-screening", no_screening,
               "Dispatch the strategy's proposals unscreened (the ablation)");
  app.add_flag("--no-inheritance", no_inheritance,
               "Children train from scratch (the ablation)");
  app.add_flag("--no-shared-parents", no_shared_parents,
               "Each worker keeps its trained parents to itself, so a "
               "promotion run on another worker trains from scratch");
  app.add_option("--train-subset", train_subset,
                 "Train on this many examples (0: the spec's)");
  CLI11_PARSE(app, argc, argv);

  absl::StatusOr<v1::JobSpec> spec = nasprune::jobspec::LoadJobSpec(spec_path);
  if (!spec.ok()) {
    std::cerr << spec.status().message() << "\n";
    return 2;
  }
  spec->mutable_budget()->set_max_wall_seconds(
      static_cast<int64_t>(minutes * 60));
  // Every model the snapshots name must still be there when they are scored.
  spec->mutable_export_()->set_retain_models(v1::MODEL_RETENTION_ALL);
  if (no_continue) {
    spec->mutable_multi_fidelity()->set_continue_promotions(false);
  }
  if (no_screening) spec->mutable_strategy()->clear_screening();
  if (no_inheritance) spec->mutable_strategy()->set_inherit_weights(false);
  if (train_subset > 0) spec->mutable_dataset()->set_train_subset(train_subset);
  std::filesystem::create_directories(out + "/models");

  Cluster cluster;
  if (!cluster.Start()) return 1;
  for (int i = 0; i < workers; ++i) {
    cluster.AddWorker(
        {.evaluator = "libtorch", .shared_parents = !no_shared_parents});
  }
  v1::SubmitJobRequest submit;
  *submit.mutable_spec() = *spec;
  v1::SubmitJobResponse submitted;
  {
    grpc::ClientContext context;
    const grpc::Status s =
        cluster.api().SubmitJob(&context, submit, &submitted);
    if (!s.ok()) {
      std::cerr << "submit: " << s.error_message() << "\n";
      return 1;
    }
  }
  const std::string job_id = submitted.job().job_id();
  std::cerr << "job " << job_id << ", " << minutes << " min, " << workers
            << " workers\n";
  const auto start = std::chrono::steady_clock::now();

  std::vector<Snapshot> snapshots;
  auto take = [&](const v1::JobStatus& status) {
    Snapshot snap;
    snap.minutes = Elapsed(start);
    const v1::TrialCounts& c = status.trials();
    snap.finished = c.succeeded() + c.failed() + c.early_stopped();
    v1::GetParetoFrontRequest request;
    request.set_job_id(job_id);
    v1::ParetoFront front;
    grpc::ClientContext context;
    if (!cluster.api().GetParetoFront(&context, request, &front).ok()) return;
    snap.hypervolume = front.hypervolume();
    snap.front_rung = front.rung();
    absl::StatusOr<std::vector<v1::TrialRecord>> trials =
        cluster.Trials(job_id, 500);
    if (!trials.ok()) return;
    for (const v1::ParetoPoint& point : front.points()) {
      const size_t index =
          std::stoul(point.trial_id().substr(point.trial_id().rfind('/') + 1));
      const v1::TrialRecord& trial = (*trials)[index];
      snap.front.push_back({.trial_id = point.trial_id(),
                            .params = trial.result().params(),
                            .val_accuracy = trial.result().val_accuracy(),
                            .rung = trial.rung()});
    }
    std::cerr << absl::StrFormat("%.1f min: %d trials, front %d (rungs %s)\n",
                                 snap.minutes, snap.finished, snap.front.size(),
                                 FrontRungs(snap));
    snapshots.push_back(std::move(snap));
  };

  double next = snapshot_minutes;
  v1::JobStatus status;
  for (;;) {
    std::this_thread::sleep_for(std::chrono::seconds(5));
    absl::StatusOr<v1::JobStatus> read = cluster.GetJob(job_id);
    if (!read.ok()) continue;
    status = *read;
    if (nasprune::jobspec::IsFinal(status.state())) break;
    if (Elapsed(start) >= next) {
      take(status);
      next += snapshot_minutes;
    }
  }
  take(status);  // The end: what the job exported is on this front.
  std::cerr << "ended: " << status.message() << "\n";

  // Test accuracy of every model a snapshot named, from its kept weights.
  std::map<std::string, double> test;
  for (const Snapshot& snap : snapshots) {
    for (const Point& p : snap.front) {
      if (test.contains(p.trial_id)) continue;
      std::string name = p.trial_id;
      std::replace(name.begin(), name.end(), '/', '-');
      const std::string path = absl::StrCat(out, "/models/", name, ".pt");
      absl::StatusOr<nasprune::cli::DownloadedModel> model =
          nasprune::cli::DownloadModel(cluster.api(), p.trial_id, path);
      test[p.trial_id] = model.ok() ? ScoreInPython(path, dataset) : -1;
    }
  }

  std::ofstream csv(out + "/snapshots.csv");
  csv << "minutes,trials,front_rung,front_size,hypervolume,trial,rung,params,"
         "val_accuracy,test_accuracy\n";
  std::cout << "| minutes | trials | front (rungs) | hypervolume | best test "
               "acc, ≤ 25k params | best test acc, ≤ 5k params |\n"
               "| --- | --- | --- | --- | --- | --- |\n";
  for (const Snapshot& snap : snapshots) {
    const Point* best25 = nullptr;
    const Point* best5 = nullptr;
    for (const Point& p : snap.front) {
      csv << absl::StrFormat(
          "%.2f,%d,%d,%d,%.6f,%s,%d,%d,%.6f,%.6f\n", snap.minutes,
          snap.finished, snap.front_rung, snap.front.size(), snap.hypervolume,
          p.trial_id, p.rung, p.params, p.val_accuracy, test[p.trial_id]);
      if (p.params <= 25000 &&
          (best25 == nullptr || test[p.trial_id] > test[best25->trial_id])) {
        best25 = &p;
      }
      if (p.params <= 5000 &&
          (best5 == nullptr || test[p.trial_id] > test[best5->trial_id])) {
        best5 = &p;
      }
    }
    auto cell = [&](const Point* p) {
      return p == nullptr ? std::string("–")
                          : absl::StrFormat("%.2f %% (%d params)",
                                            100 * test[p->trial_id], p->params);
    };
    std::cout << absl::StrFormat("| %.0f | %d | %d (%s) | %.4f | %s | %s |\n",
                                 snap.minutes, snap.finished, snap.front.size(),
                                 FrontRungs(snap), snap.hypervolume,
                                 cell(best25), cell(best5));
  }
  std::cout << "\n" << status.message() << "\n";
  if (status.has_screening()) {
    const v1::ScreeningReport& r = status.screening();
    std::cout << absl::StrFormat(
        "screening: %d results learnt, %d predicted before they were learnt: "
        "Spearman %.3f (accuracy), %.3f (seconds); %d proposals chosen from "
        "%d candidates\n",
        r.observations(), r.held_out(), r.accuracy_rank_correlation(),
        r.cost_rank_correlation(), r.screened_proposals(),
        r.screened_candidates());
  }
  absl::StatusOr<std::vector<v1::TrialRecord>> trials =
      cluster.Trials(job_id, 500);
  if (!trials.ok()) {
    std::cerr << "trials: " << trials.status() << "\n";
    return 1;
  }
  PrintWhereTimeWent(*trials, out + "/trials.csv");
  return 0;
}
