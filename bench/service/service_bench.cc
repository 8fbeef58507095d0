// The controller's overhead, end to end (docs/benchmarks.md): a real
// redis-server, nasprune-controller and synthetic nasprune-worker processes
// on loopback, as in production but with evaluations that take a fixed time
// (the synthetic evaluator; every result says synthetic).
//
//   nasprune-service-bench [--trials 20000] [--workers 8] [--slots 4]
//       [--util-workers 4] [--util-slots 16] [--util-trials 7680]
//       [--util-delay-ms 100]
//       [--strategy random|evolution]
//
// 1. Throughput: --workers workers of --slots slots answering at once
//    (0 ms); one job of --trials trials. Trials per second between the job's
//    start and end, the controller's CPU time per trial (from /proc), and the
//    dispatch gap: on each worker, the time from one trial's result to the
//    next trial's dispatch (p50/p99), which is the controller's latency.
// 2. Utilization: --util-workers × --util-slots simulated workers (slots)
//    with --util-delay-ms evaluations; busy time / (slots × wall time), where
//    busy time is what the workers report as each evaluation's time (also
//    shown counting exactly --util-delay-ms per trial).
//    Simulating them as slots of a few processes keeps 64 LibTorch-linked
//    processes from competing for the machine's cores.
//
// Targets: ≥ 2,000 trials/s, ≤ 0.5 ms controller CPU per trial, ≥ 95 %
// utilization with 64 workers and 100-ms evaluations.

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <deque>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "common/time/proto_time.h"
#include "tests/testing/cluster.h"

namespace {

using nasprune::FromProtoTime;
using nasprune::testing::Cluster;
namespace v1 = nasprune::v1;

// utime + stime of a process, seconds.
double CpuSeconds(pid_t pid) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/stat"));
  std::string stat((std::istreambuf_iterator<char>(in)),
                   std::istreambuf_iterator<char>());
  // Fields after the command name (which may hold spaces) at its last ')'.
  std::istringstream fields(stat.substr(stat.rfind(')') + 2));
  std::string field;
  long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14) utime = std::stol(field);
    if (i == 15) stime = std::stol(field);
  }
  return static_cast<double>(utime + stime) / sysconf(_SC_CLK_TCK);
}

double Quantile(std::vector<double> values, double q) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t i = std::min(values.size() - 1,
                            static_cast<size_t>(q * (values.size() - 1) + 0.5));
  return values[i];
}

struct Run {
  double wall_seconds = 0;
  double controller_cpu_seconds = 0;
  std::vector<v1::TrialRecord> trials;
};

// Runs one job on a fresh cluster of `workers` workers of `slots` slots.
bool RunJob(int workers, int slots, int delay_ms, const std::string& strategy,
            int trials, Run* run) {
  Cluster cluster;
  if (!cluster.Start(/*heartbeat_interval_ms=*/1000)) {
    std::cerr << "the cluster did not start\n";
    return false;
  }
  cluster.AddWorkers(workers, {.slots = slots, .synthetic_delay_ms = delay_ms});
  const double cpu_before = CpuSeconds(cluster.controller_pid());
  const std::string params = strategy == "evolution"
                                 ? "{population_size: 100, sample_size: 10}"
                                 : "{}";
  absl::StatusOr<v1::JobStatus> job =
      cluster.Submit(nasprune::testing::SyntheticJobSpec(
          "bench", absl::StrCat(strategy, ": ", params), trials));
  if (!job.ok()) {
    std::cerr << "submit: " << job.status() << "\n";
    return false;
  }
  absl::StatusOr<v1::JobStatus> done =
      cluster.WaitForJob(job->job_id(), std::chrono::minutes(20));
  const double cpu_after = CpuSeconds(cluster.controller_pid());
  if (!done.ok() || done->state() != v1::JOB_STATE_SUCCEEDED) {
    std::cerr << "job: "
              << (done.ok() ? done->message() : done.status().ToString())
              << "\n";
    return false;
  }
  run->wall_seconds = absl::ToDoubleSeconds(FromProtoTime(done->end_time()) -
                                            FromProtoTime(done->start_time()));
  run->controller_cpu_seconds = cpu_after - cpu_before;
  // Pages under gRPC's 4 MiB message limit.
  absl::StatusOr<std::vector<v1::TrialRecord>> records =
      cluster.Trials(job->job_id(), 2000);
  if (!records.ok()) {
    std::cerr << "trials: " << records.status() << "\n";
    return false;
  }
  run->trials = *std::move(records);
  return true;
}

// Per worker, how long each trial's slot stood free before it was given
// the trial: the time from a result to the next dispatch on that worker.
// Slots freed by results are matched to dispatches in time order; a
// worker's first dispatches (to slots never used) have no gap.
std::vector<double> DispatchGaps(const std::vector<v1::TrialRecord>& trials) {
  // (time, is_start) per worker.
  std::map<std::string, std::vector<std::pair<absl::Time, bool>>> events;
  for (const v1::TrialRecord& t : trials) {
    events[t.worker()].push_back({FromProtoTime(t.start_time()), true});
    events[t.worker()].push_back({FromProtoTime(t.end_time()), false});
  }
  std::vector<double> gaps;
  for (auto& [worker, list] : events) {
    // Ends sort before starts at the same instant.
    std::sort(list.begin(), list.end(), [](const auto& a, const auto& b) {
      return a.first != b.first ? a.first < b.first : a.second < b.second;
    });
    std::deque<absl::Time> freed;
    for (const auto& [time, is_start] : list) {
      if (!is_start) {
        freed.push_back(time);
      } else if (!freed.empty()) {
        gaps.push_back(absl::ToDoubleMilliseconds(time - freed.front()));
        freed.pop_front();
      }
    }
  }
  return gaps;
}

double Mean(const std::vector<double>& values) {
  double sum = 0;
  for (double v : values) sum += v;
  return values.empty() ? 0 : sum / values.size();
}

// Evaluation round trips (dispatch to result), milliseconds.
std::vector<double> RoundTrips(const std::vector<v1::TrialRecord>& trials) {
  std::vector<double> rtt;
  for (const v1::TrialRecord& t : trials) {
    rtt.push_back(absl::ToDoubleMilliseconds(FromProtoTime(t.end_time()) -
                                             FromProtoTime(t.start_time())));
  }
  return rtt;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"nasprune-service-bench: controller overhead end to end"};
  int trials = 20000, workers = 8, slots = 4, util_workers = 4, util_slots = 16,
      util_trials = 7680, util_delay_ms = 100;
  std::string strategy = "random";
  app.add_option("--trials", trials, "Trials of the throughput job");
  app.add_option("--workers", workers, "Workers, throughput run");
  app.add_option("--slots", slots, "Slots per worker, throughput run");
  app.add_option("--util-workers", util_workers,
                 "One-slot workers, utilization run (0 skips it)");
  app.add_option("--util-slots", util_slots,
                 "Slots per worker, utilization run");
  app.add_option("--util-trials", util_trials, "Trials, utilization run");
  app.add_option("--util-delay-ms", util_delay_ms,
                 "Evaluation time, utilization run");
  app.add_option("--strategy", strategy, "random or evolution");
  CLI11_PARSE(app, argc, argv);

  Run run;
  if (!RunJob(workers, slots, 0, strategy, trials, &run)) return 1;
  const std::vector<double> rtt = RoundTrips(run.trials);
  const std::vector<double> gaps = DispatchGaps(run.trials);
  std::cout << absl::StrFormat(
      "throughput (%s, %d workers x %d slots, 0-ms evaluations, %d "
      "trials):\n"
      "  %.0f trials/s (%.2f s); controller CPU %.3f ms/trial\n"
      "  dispatch gap p50 %.3f ms, p99 %.3f ms; evaluation round trip p50 "
      "%.3f ms, p99 %.3f ms\n",
      strategy, workers, slots, trials, trials / run.wall_seconds,
      run.wall_seconds, 1000 * run.controller_cpu_seconds / trials,
      Quantile(gaps, 0.5), Quantile(gaps, 0.99), Quantile(rtt, 0.5),
      Quantile(rtt, 0.99));

  if (util_workers > 0) {
    Run util;
    if (!RunJob(util_workers, util_slots, util_delay_ms, strategy, util_trials,
                &util)) {
      return 1;
    }
    const std::vector<double> util_gaps = DispatchGaps(util.trials);
    const std::vector<double> util_rtt = RoundTrips(util.trials);
    std::vector<double> overhead;  // Round trip minus the worker's own time.
    double busy = 0;  // Seconds the workers spent evaluating, as they say.
    for (const v1::TrialRecord& t : util.trials) {
      overhead.push_back(
          absl::ToDoubleMilliseconds(FromProtoTime(t.end_time()) -
                                     FromProtoTime(t.start_time())) -
          1000 * t.result().total_seconds());
      busy += t.result().total_seconds();
    }
    const double nominal = util_trials * util_delay_ms / 1000.0;
    const int simulated = util_workers * util_slots;
    std::cout << absl::StrFormat(
        "utilization (%d workers x %d slots, %d-ms evaluations, %d "
        "trials):\n"
        "  %.1f %% busy (the workers' evaluation time / slots x wall; "
        "%.1f %% counting %d ms per trial); %.2f s wall, ideal %.2f s; "
        "controller CPU %.3f ms/trial\n"
        "  dispatch gap p50 %.3f ms, p99 %.3f ms, mean %.3f ms; evaluation "
        "round trip p50 %.3f ms, p99 %.3f ms, mean %.3f ms\n"
        "  round trip minus the worker's evaluation time: p50 %.3f ms, p99 "
        "%.3f ms, mean %.3f ms\n",
        util_workers, util_slots, util_delay_ms, util_trials,
        100 * busy / (simulated * util.wall_seconds),
        100 * nominal / (simulated * util.wall_seconds), util_delay_ms,
        util.wall_seconds, nominal / simulated,
        1000 * util.controller_cpu_seconds / util_trials,
        Quantile(util_gaps, 0.5), Quantile(util_gaps, 0.99), Mean(util_gaps),
        Quantile(util_rtt, 0.5), Quantile(util_rtt, 0.99), Mean(util_rtt),
        Quantile(overhead, 0.5), Quantile(overhead, 0.99), Mean(overhead));
  }
  return 0;
}
