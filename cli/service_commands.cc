#include "cli/service_commands.h"

#include <algorithm>
#include <chrono>
#include <memory>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "cli/model_download.h"
#include "common/jobspec/job_spec.h"
#include "common/jobspec/states.h"
#include "common/status/grpc_status.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "nasprune/v1/controller.grpc.pb.h"

namespace nasprune::cli {
namespace {

constexpr auto kCallDeadline = std::chrono::seconds(30);

std::unique_ptr<v1::NasController::Stub> Connect(const std::string& address) {
  return v1::NasController::NewStub(
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
}

void SetDeadline(grpc::ClientContext& context) {
  context.set_deadline(std::chrono::system_clock::now() + kCallDeadline);
}

absl::Status CallError(const std::string& controller,
                       const absl::Status& status) {
  if (status.code() == absl::StatusCode::kUnavailable ||
      status.code() == absl::StatusCode::kDeadlineExceeded) {
    return absl::Status(
        status.code(),
        absl::StrCat("controller at ", controller, ": ", status.message()));
  }
  return status;
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
  progress << absl::StrFormat("trial %-28s %-13s %s\n", trial.trial_id(),
                              TrialStateName(trial.state()), detail);
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

}  // namespace

absl::Status SubmitCommand(const SubmitOptions& options, std::ostream& out,
                           std::ostream& progress) {
  absl::StatusOr<v1::JobSpec> spec = jobspec::LoadJobSpec(options.spec_path);
  if (!spec.ok()) return spec.status();
  auto stub = Connect(options.controller);
  v1::SubmitJobRequest request;
  *request.mutable_spec() = *spec;
  request.set_request_id(options.request_id);
  v1::SubmitJobResponse response;
  grpc::ClientContext context;
  SetDeadline(context);
  if (grpc::Status s = stub->SubmitJob(&context, request, &response); !s.ok()) {
    return CallError(options.controller, FromGrpcStatus(s));
  }
  const std::string job_id = response.job().job_id();
  out << job_id << "\n";
  if (!options.wait) return absl::OkStatus();

  v1::JobStatus last = response.job();
  // From right after the submission: nothing the job did is missed.
  int64_t after = response.job().last_sequence();
  // A broken watch (a controller restart) is resumed from the last event.
  for (int reconnects = 0;; ++reconnects) {
    grpc::ClientContext watch_context;
    v1::WatchJobRequest watch;
    watch.set_job_id(job_id);
    watch.set_after_sequence(after);
    auto reader = stub->WatchJob(&watch_context, watch);
    v1::JobEvent event;
    while (reader->Read(&event)) {
      after = std::max(after, event.sequence());  // A snapshot is 0.
      if (event.has_status()) {
        if (event.status().state() != last.state()) {
          progress << "job " << job_id << ": "
                   << JobStateName(event.status().state()) << "\n";
        }
        last = event.status();
      } else if (event.has_trial_finished()) {
        PrintTrial(event.trial_finished(), progress);
      }
    }
    const grpc::Status end = reader->Finish();
    if (end.ok()) break;
    if (end.error_code() != grpc::StatusCode::UNAVAILABLE || reconnects >= 60) {
      return CallError(options.controller, FromGrpcStatus(end));
    }
    progress << "watch interrupted (" << end.error_message()
             << "); reconnecting\n";
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  // The final status and front.
  grpc::ClientContext get_context;
  SetDeadline(get_context);
  v1::GetJobRequest get;
  get.set_job_id(job_id);
  if (grpc::Status s = stub->GetJob(&get_context, get, &last); !s.ok()) {
    return CallError(options.controller, FromGrpcStatus(s));
  }
  grpc::ClientContext front_context;
  SetDeadline(front_context);
  v1::GetParetoFrontRequest front_request;
  front_request.set_job_id(job_id);
  v1::ParetoFront front;
  if (grpc::Status s =
          stub->GetParetoFront(&front_context, front_request, &front);
      !s.ok()) {
    return CallError(options.controller, FromGrpcStatus(s));
  }
  PrintSummary(last, front, out);
  if (last.state() != v1::JOB_STATE_SUCCEEDED) {
    return absl::AbortedError(absl::StrCat("job ", job_id, " ended ",
                                           JobStateName(last.state()), ": ",
                                           last.message()));
  }
  return absl::OkStatus();
}

absl::Status ExportCommand(const std::string& controller,
                           const std::string& trial_id,
                           const std::string& output_path, std::ostream& out) {
  auto stub = Connect(controller);
  absl::StatusOr<DownloadedModel> model =
      DownloadModel(*stub, trial_id, output_path);
  if (!model.ok()) return CallError(controller, model.status());
  out << absl::StrFormat("%s: %d bytes, sha256 %s\n", output_path, model->bytes,
                         model->sha256);
  return absl::OkStatus();
}

}  // namespace nasprune::cli
