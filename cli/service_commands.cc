#include "cli/service_commands.h"

#include <algorithm>
#include <chrono>
#include <memory>
#include <random>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "cli/controller_client.h"
#include "cli/model_download.h"
#include "cli/progress.h"
#include "common/jobspec/states.h"
#include "common/status/grpc_status.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "nasprune/v1/controller.grpc.pb.h"

namespace nasprune::cli {
namespace {

// Submit attempts when the controller cannot be reached or does not answer
// in time: the request id makes a repeat return the job the first made.
constexpr int kSubmitAttempts = 4;

// A request id for a submit without one: "cli-" and 16 random hex digits.
std::string NewRequestId() {
  std::random_device random;
  return absl::StrFormat("cli-%08x%08x", random(), random());
}

using jobspec::JobStateName;
using jobspec::TrialStateName;

void PrintTrial(const v1::TrialRecord& trial, std::ostream& progress) {
  std::string detail;
  if (trial.state() == v1::TRIAL_STATE_SUCCEEDED ||
      trial.state() == v1::TRIAL_STATE_EARLY_STOPPED) {
    detail = absl::StrFormat("val_acc %.4f  params %d  MACs %d%s%s",
                             trial.result().val_accuracy(),
                             trial.result().params(), trial.result().macs(),
                             trial.cache_hit() ? "  (cache)" : "",
                             trial.result().synthetic() ? "  (synthetic)" : "");
  } else if (trial.state() == v1::TRIAL_STATE_FAILED) {
    detail =
        absl::StrCat(trial.failure().code(), ": ", trial.failure().message());
  }
  // Flushed: a file or a pipe sees each line when it happens.
  progress << absl::StrFormat("trial %-28s %-13s %s\n", trial.trial_id(),
                              TrialStateName(trial.state()), detail)
           << std::flush;
}

void PrintSummary(const v1::JobStatus& job, const v1::ParetoFront& front,
                  std::ostream& out) {
  out << absl::StrFormat("job %s: %s", job.job_id(), JobStateName(job.state()));
  if (!job.message().empty()) out << " (" << job.message() << ")";
  out << "\n";
  if (!job.best_trial_id().empty()) {
    out << absl::StrFormat("best: %s, val_acc %.4f\n", job.best_trial_id(),
                           job.best_accuracy());
  }
  if (front.points().empty()) return;
  out << "Pareto front (";
  for (int i = 0; i < front.objectives_size(); ++i) {
    std::string name = v1::Metric_Name(front.objectives(i));
    out << (i ? ", " : "") << name.substr(std::string("METRIC_").size());
  }
  out << "):\n";
  for (const v1::ParetoPoint& point : front.points()) {
    out << "  " << point.trial_id();
    for (double value : point.values()) out << "  " << value;
    if (job.rungs_size() > 1) out << "  rung " << point.rung();
    if (point.has_model()) out << "  [model]";
    out << "\n";
  }
}

// Prints the job's events from `job` (a status just read) until it ends:
// finished trials and state changes on `progress`, redrawing the progress
// line under them when `live`; then the summary and front on `out`.
// JobEndedError when the job did not succeed.
absl::Status FollowJob(ControllerClient& client, const v1::JobStatus& job,
                       bool live, std::ostream& out, std::ostream& progress) {
  const std::string job_id = job.job_id();
  JobProgress state{.status = job};
  v1::JobState shown = job.state();  // The last state printed.
  absl::Time refreshed = absl::InfinitePast();
  // The live line: cleared before anything is printed above it, drawn again
  // after.
  auto clear = [&] {
    if (live) progress << "\r\033[K";
  };
  auto draw = [&] {
    if (live) progress << ProgressLine(state, absl::Now()) << std::flush;
  };
  // Trial counts change with every trial, the status event only with the
  // state: the live line reads them at most twice a second.
  auto refresh = [&] {
    if (!live || absl::Now() - refreshed < absl::Milliseconds(500)) return;
    refreshed = absl::Now();
    if (absl::StatusOr<v1::JobStatus> fresh = client.GetJob(job_id);
        fresh.ok()) {
      state.status = *std::move(fresh);
    }
  };
  refresh();
  draw();
  // From right after the status read: nothing the job did is missed, and
  // an event seen once is not shown again after a reconnect.
  int64_t after = job.last_sequence();
  // A broken watch (a controller restart) is resumed from the last event.
  for (int reconnects = 0;; ++reconnects) {
    grpc::ClientContext watch_context;
    v1::WatchJobRequest watch;
    watch.set_job_id(job_id);
    watch.set_after_sequence(after);
    auto reader = client.stub().WatchJob(&watch_context, watch);
    v1::JobEvent event;
    while (reader->Read(&event)) {
      if (event.sequence() != 0 && event.sequence() <= after) continue;
      after = std::max(after, event.sequence());  // A snapshot is 0.
      if (event.has_status()) {
        if (event.status().state() != shown) {
          shown = event.status().state();
          clear();
          progress << "job " << job_id << ": " << JobStateName(shown)
                   << std::endl;
        }
        state.status = event.status();
      } else if (event.has_trial_finished()) {
        clear();
        PrintTrial(event.trial_finished(), progress);
        refresh();
      } else if (event.has_pareto_updated()) {
        state.front_size = event.pareto_updated().points_size();
        state.hypervolume = event.pareto_updated().hypervolume();
      } else {
        continue;
      }
      draw();
    }
    const grpc::Status end = reader->Finish();
    if (end.ok()) break;
    clear();
    if (end.error_code() != grpc::StatusCode::UNAVAILABLE || reconnects >= 60) {
      return client.Error(end);
    }
    progress << "watch interrupted (" << end.error_message()
             << "); reconnecting" << std::endl;
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  clear();
  // The final status and front.
  absl::StatusOr<v1::JobStatus> last = client.GetJob(job_id);
  if (!last.ok()) return last.status();
  absl::StatusOr<v1::ParetoFront> front = client.GetFront(job_id);
  if (!front.ok()) return front.status();
  PrintSummary(*last, *front, out);
  if (last->state() != v1::JOB_STATE_SUCCEEDED) {
    return JobEndedError(
        absl::StrCat("job ", job_id, " ended ", JobStateName(last->state()),
                     last->message().empty() ? "" : ": ", last->message()));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status SubmitCommand(const SubmitOptions& options, std::ostream& out,
                           std::ostream& progress) {
  ControllerClient client(options.controller);
  v1::SubmitJobRequest request;
  *request.mutable_spec() = options.spec;
  request.set_request_id(options.request_id.empty() ? NewRequestId()
                                                    : options.request_id);
  v1::SubmitJobResponse response;
  for (int attempt = 1;; ++attempt) {
    const absl::Status s =
        client.Call(&v1::NasController::Stub::SubmitJob, request, &response);
    if (s.ok()) break;
    const bool again = s.code() == absl::StatusCode::kUnavailable ||
                       s.code() == absl::StatusCode::kDeadlineExceeded;
    if (!again || attempt == kSubmitAttempts) return s;
    std::this_thread::sleep_for(std::chrono::milliseconds(250 << attempt));
  }
  const std::string job_id = response.job().job_id();
  out << job_id << "\n";
  if (!options.wait) return absl::OkStatus();
  return FollowJob(client, response.job(), options.live, out, progress);
}

absl::Status WatchCommand(const std::string& controller,
                          const std::string& job_id, bool live,
                          std::ostream& out) {
  ControllerClient client(controller);
  absl::StatusOr<v1::JobStatus> job = client.GetJob(job_id);
  if (!job.ok()) return job.status();
  return FollowJob(client, *job, live, out, out);
}

namespace {

// The trial whose model `export JOB --best` downloads.
// The chosen trial's id and the figures of the model a download of it
// holds ("test accuracy 0.9054, 9805 params").
struct BestModel {
  std::string trial_id;
  std::string figures;
};

absl::StatusOr<BestModel> BestModelTrial(ControllerClient& client,
                                         const std::string& job_id,
                                         const std::string& best) {
  if (std::find(std::begin(kExportBest), std::end(kExportBest), best) ==
      std::end(kExportBest)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--best: \"", best,
                     "\" is not one of accuracy, params, macs, latency"));
  }
  absl::StatusOr<v1::ParetoFront> front = client.GetFront(job_id);
  if (!front.ok()) return front.status();
  std::set<std::string> with_model;
  for (const v1::ParetoPoint& p : front->points()) {
    if (p.has_model()) with_model.insert(p.trial_id());
  }
  if (with_model.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "job ", job_id,
        " has no downloadable model yet (models are exported when the search "
        "ends, unless export.top_k is 0)"));
  }
  absl::StatusOr<std::vector<v1::TrialRecord>> trials =
      client.AllTrials(job_id);
  if (!trials.ok()) return trials.status();
  // A front member's model is its export's when it has one: that trial's
  // result is what the download holds (test accuracy included).
  const auto exports = ExportsBySource(*trials);
  auto result =
      [&exports](const v1::TrialRecord& t) -> const v1::EvaluationResult& {
    const auto e = exports.find(t.trial_id());
    return e == exports.end() ? t.result() : e->second->result();
  };
  // Higher is better: accuracy (test where measured), or less cost.
  auto score = [&best](const v1::EvaluationResult& r) {
    if (best == "params") return -double(r.params());
    if (best == "macs") return -double(r.macs());
    if (best == "latency") return -r.latency().batch1_ms();
    return r.has_test_accuracy() ? r.test_accuracy() : r.val_accuracy();
  };
  const v1::TrialRecord* chosen = nullptr;
  for (const v1::TrialRecord& t : *trials) {
    if (!with_model.contains(t.trial_id())) continue;
    if (chosen == nullptr || score(result(t)) > score(result(*chosen))) {
      chosen = &t;
    }
  }
  if (chosen == nullptr) {
    return absl::NotFoundError(absl::StrCat(
        "job ", job_id, ": the front's trials are not among its trials"));
  }
  const v1::EvaluationResult& r = result(*chosen);
  return BestModel{
      .trial_id = chosen->trial_id(),
      .figures = absl::StrFormat(
          "%s accuracy %.4f, %d params, %d MACs",
          r.has_test_accuracy() ? "test" : "validation",
          r.has_test_accuracy() ? r.test_accuracy() : r.val_accuracy(),
          r.params(), r.macs())};
}

}  // namespace

absl::Status ExportCommand(const std::string& controller,
                           const std::string& target, const std::string& best,
                           const std::string& output_path, std::ostream& out) {
  ControllerClient client(controller);
  std::string trial_id = target;
  if (target.find('/') == std::string::npos) {  // A job: its best model.
    absl::StatusOr<BestModel> chosen = BestModelTrial(client, target, best);
    if (!chosen.ok()) return chosen.status();
    trial_id = chosen->trial_id;
    out << absl::StrFormat("best by %s: %s (%s)\n", best, trial_id,
                           chosen->figures);
  }
  absl::StatusOr<DownloadedModel> model =
      DownloadModel(client.stub(), trial_id, output_path);
  if (!model.ok()) return client.Error(model.status());
  out << absl::StrFormat("%s: %d bytes, sha256 %s\n", output_path, model->bytes,
                         model->sha256);
  return absl::OkStatus();
}

}  // namespace nasprune::cli
