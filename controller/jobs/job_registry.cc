#include "controller/jobs/job_registry.h"

#include <iostream>
#include <random>
#include <set>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/artifacts/artifacts.h"
#include "common/canonical/canonical.h"
#include "common/jobspec/job_spec.h"
#include "common/status/field_errors.h"
#include "common/time/proto_time.h"

namespace nasprune::controller {
namespace {

constexpr size_t kMaxRequestId = 128;

// The `states` filter of a list request: each a known state other than
// UNSPECIFIED.
absl::StatusOr<std::set<int>> StateFilter(
    const google::protobuf::RepeatedField<int>& states, bool (*is_valid)(int),
    const char* kind) {
  std::set<int> filter;
  for (int i = 0; i < states.size(); ++i) {
    if (states[i] == 0 || !is_valid(states[i])) {
      return absl::InvalidArgumentError(absl::StrCat(
          "states[", i, "]: ", states[i], " is not a ", kind, " state"));
    }
    filter.insert(states[i]);
  }
  return filter;
}

// A page request: its size (0 meaning `default_size`, at most `max_size`)
// and the offset its token names (an offset written by an earlier page).
struct Page {
  int size = 0;
  int64_t offset = 0;
};
absl::StatusOr<Page> ParsePage(int32_t page_size, const std::string& token,
                               int default_size, int max_size) {
  FieldErrors errors;
  errors.CheckRange("page_size", page_size, 0, max_size);
  if (absl::Status s = errors.ToStatus(); !s.ok()) return s;
  Page page{.size = page_size > 0 ? page_size : default_size};
  if (!token.empty() &&
      (!absl::SimpleAtoi(token, &page.offset) || page.offset < 0)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "page_token: \"", token, "\" is not a token from an earlier page"));
  }
  return page;
}

// The last part of the id of a job submitted with `request_id`: the same
// for every retry, whatever the job's name.
std::string RequestSuffix(const std::string& request_id) {
  return Hash128Hex("request-id", request_id).substr(0, 12);
}

// The 12 hex digits that end a job id, or "" for an id of another form.
std::string IdSuffix(const std::string& job_id) {
  const size_t dash = job_id.rfind('-');
  if (dash == std::string::npos || job_id.size() - dash - 1 != 12) return "";
  return job_id.substr(dash + 1);
}

// A job read back from its records in the store.
absl::StatusOr<std::unique_ptr<Job>> LoadJob(Store& store, v1::JobStatus status,
                                             const Job::Options& options,
                                             absl::Time now) {
  const std::string id = status.job_id();
  absl::StatusOr<std::vector<v1::TrialRecord>> trials = store.ListTrials(id);
  if (!trials.ok()) return trials.status();
  absl::StatusOr<std::optional<v1::StrategyState>> checkpoint =
      store.GetCheckpoint(id);
  if (!checkpoint.ok()) return checkpoint.status();
  return Job::Restore(std::move(status), *std::move(trials),
                      *std::move(checkpoint), options, now);
}

std::string RandomId(const std::string& name) {
  std::random_device device;
  return absl::StrFormat("%s-%08x%04x", name, device(), device() & 0xffff);
}

}  // namespace

absl::StatusOr<std::unique_ptr<JobRegistry>> JobRegistry::Create(
    Options options) {
  if (options.store == nullptr || options.clock == nullptr) {
    return absl::InvalidArgumentError("JobRegistry needs a store and a clock");
  }
  auto registry = std::unique_ptr<JobRegistry>(new JobRegistry(options));
  Store& store = *options.store;
  absl::StatusOr<std::vector<v1::JobStatus>> jobs = store.ListJobs();
  if (!jobs.ok()) return jobs.status();
  absl::MutexLock lock(&registry->mu_);
  for (v1::JobStatus& status : *jobs) {
    const std::string id = status.job_id();
    absl::StatusOr<std::unique_ptr<Job>> job =
        LoadJob(store, std::move(status), options.job, options.clock->Now());
    if (job.status().code() == absl::StatusCode::kDataLoss) {
      std::cerr << "controller: skipping job " << id << ": "
                << job.status().message() << "\n";
      continue;
    }
    if (!job.ok()) return job.status();  // The store cannot be read.
    registry->Add(*std::move(job));
  }
  return registry;
}

void JobRegistry::Add(std::unique_ptr<Job> job) {
  order_.push_back(job.get());
  if (const std::string suffix = IdSuffix(job->id()); !suffix.empty()) {
    by_suffix_[suffix] = job.get();
  }
  by_id_[job->id()] = std::move(job);
}

absl::Status JobRegistry::CheckJobId(const std::string& job_id) {
  if (job_id.empty()) return absl::InvalidArgumentError("job_id: required");
  return absl::OkStatus();
}

Job* JobRegistry::Find(const std::string& job_id) {
  auto it = by_id_.find(job_id);
  return it == by_id_.end() ? nullptr : it->second.get();
}

absl::StatusOr<Job*> JobRegistry::Require(const std::string& job_id) {
  if (absl::Status s = CheckJobId(job_id); !s.ok()) return s;
  Job* job = Find(job_id);
  if (job == nullptr) {
    return absl::NotFoundError(absl::StrCat("job_id: no job \"", job_id, "\""));
  }
  return job;
}

absl::StatusOr<v1::JobStatus> JobRegistry::Submit(
    const v1::SubmitJobRequest& request) {
  const std::string& request_id = request.request_id();
  if (request_id.size() > kMaxRequestId) {
    return absl::InvalidArgumentError(
        absl::StrCat("request_id: ", request_id.size(),
                     " characters, above the maximum ", kMaxRequestId));
  }
  if (!request.has_spec()) return absl::InvalidArgumentError("spec: required");
  absl::StatusOr<v1::JobSpec> spec = jobspec::PrepareJobSpec(request.spec());
  if (!spec.ok()) return spec.status();
  v1::JobStatus status;
  *status.mutable_spec() = *std::move(spec);
  status.set_state(v1::JOB_STATE_PENDING);
  *status.mutable_create_time() = ToProtoTime(options_.clock->Now());
  // Builds the strategy: a spec it cannot use is rejected here.
  if (absl::StatusOr<std::unique_ptr<Job>> probe =
          Job::Create(status, options_.job);
      !probe.ok()) {
    return probe.status();
  }
  if (request.validate_only()) return status;

  // The same request again answers with its job, and a different one under
  // its id is refused, whether the job is known here or only in the store.
  const std::string spec_text = CanonicalText(status.spec());
  auto repeat =
      [&](const v1::JobStatus& existing) -> absl::StatusOr<v1::JobStatus> {
    if (CanonicalText(existing.spec()) == spec_text) return existing;
    return absl::AlreadyExistsError(absl::StrCat(
        "request_id: \"", request_id, "\" was used for job ", existing.job_id(),
        " with a different spec; submit with a new request_id to create "
        "another job"));
  };
  if (!request_id.empty()) {
    // Whatever the name: the request id alone decides the id's suffix.
    absl::ReaderMutexLock lock(&mu_);
    auto it = by_suffix_.find(RequestSuffix(request_id));
    if (it != by_suffix_.end()) return repeat(it->second->status());
  }
  bool created_here = false;
  absl::StatusOr<v1::JobStatus> stored =
      CreateInStore(std::move(status), request_id, &created_here);
  if (!stored.ok()) return stored.status();
  absl::StatusOr<std::unique_ptr<Job>> job;
  if (created_here) {
    job = Job::Create(*stored, options_.job);
  } else {
    // An earlier submit of this request, known only to the store (its
    // answer was lost before this controller loaded it): read it back as
    // it stands.
    if (CanonicalText(stored->spec()) != spec_text) return repeat(*stored);
    job =
        LoadJob(*options_.store, *stored, options_.job, options_.clock->Now());
  }
  if (!job.ok()) return job.status();
  absl::MutexLock lock(&mu_);
  if (const Job* existing = Find(stored->job_id())) {
    return repeat(existing->status());  // Another submit of it won a race.
  }
  const v1::JobStatus added = (*job)->status();
  Add(*std::move(job));
  return added;
}

absl::StatusOr<v1::JobStatus> JobRegistry::CreateInStore(
    v1::JobStatus status, const std::string& request_id, bool* created_here) {
  const std::string& name = status.spec().name();
  for (int tries = 0;; ++tries) {
    status.set_job_id(request_id.empty()
                          ? RandomId(name)
                          : absl::StrCat(name, "-", RequestSuffix(request_id)));
    const absl::Status created = options_.store->CreateJob(status);
    if (created.ok()) {
      *created_here = true;
      return status;
    }
    if (created.code() != absl::StatusCode::kAlreadyExists) {
      if (options_.metrics) options_.metrics->store_errors.Increment();
      return absl::UnavailableError(
          absl::StrCat("the job could not be stored: ", created.message()));
    }
    if (!request_id.empty()) {
      // Created by an earlier submit with this request id (perhaps one
      // whose answer was lost).
      return options_.store->GetJob(status.job_id());
    }
    if (tries == 3) {
      return absl::InternalError(
          absl::StrCat("could not find a free job id for ", name));
    }
  }
}

absl::StatusOr<v1::JobStatus> JobRegistry::GetJob(
    const v1::GetJobRequest& request) {
  absl::ReaderMutexLock lock(&mu_);
  absl::StatusOr<Job*> job = Require(request.job_id());
  if (!job.ok()) return job.status();
  return (*job)->status();
}

absl::StatusOr<v1::ListJobsResponse> JobRegistry::ListJobs(
    const v1::ListJobsRequest& request) {
  absl::StatusOr<Page> page =
      ParsePage(request.page_size(), request.page_token(), /*default_size=*/100,
                /*max_size=*/1000);
  if (!page.ok()) return page.status();
  absl::StatusOr<std::set<int>> states =
      StateFilter(request.states(), v1::JobState_IsValid, "job");
  if (!states.ok()) return states.status();
  v1::ListJobsResponse response;
  absl::ReaderMutexLock lock(&mu_);
  int64_t seen = 0;
  for (auto it = order_.rbegin(); it != order_.rend(); ++it) {
    const v1::JobStatus& status = (*it)->status();
    if (!states->empty() && !states->contains(status.state())) continue;
    if (seen++ < page->offset) continue;
    if (response.jobs_size() == page->size) {
      response.set_next_page_token(absl::StrCat(page->offset + page->size));
      break;
    }
    *response.add_jobs() = status;
  }
  return response;
}

absl::StatusOr<v1::ListTrialsResponse> JobRegistry::ListTrials(
    const v1::ListTrialsRequest& request) {
  if (absl::Status s = CheckJobId(request.job_id()); !s.ok()) return s;
  absl::StatusOr<Page> page =
      ParsePage(request.page_size(), request.page_token(), /*default_size=*/500,
                /*max_size=*/10000);
  if (!page.ok()) return page.status();
  absl::StatusOr<std::set<int>> states =
      StateFilter(request.states(), v1::TrialState_IsValid, "trial");
  if (!states.ok()) return states.status();
  absl::ReaderMutexLock lock(&mu_);
  absl::StatusOr<Job*> job = Require(request.job_id());
  if (!job.ok()) return job.status();
  v1::ListTrialsResponse response;
  const std::vector<v1::TrialRecord>& trials = (*job)->trials();
  for (int64_t i = page->offset; i < static_cast<int64_t>(trials.size()); ++i) {
    if (!states->empty() && !states->contains(trials[i].state())) continue;
    if (response.trials_size() == page->size) {
      response.set_next_page_token(absl::StrCat(i));
      break;
    }
    *response.add_trials() = trials[i];
  }
  return response;
}

absl::StatusOr<v1::ParetoFront> JobRegistry::GetParetoFront(
    const v1::GetParetoFrontRequest& request) {
  absl::ReaderMutexLock lock(&mu_);
  absl::StatusOr<Job*> job = Require(request.job_id());
  if (!job.ok()) return job.status();
  return (*job)->ParetoFront();
}

absl::StatusOr<JobRegistry::Model> JobRegistry::ReadModel(
    const v1::DownloadModelRequest& request) {
  const std::string& trial_id = request.trial_id();
  if (trial_id.empty()) return absl::InvalidArgumentError("trial_id: required");
  const std::optional<TrialRef> ref = ParseTrialId(trial_id);
  if (!ref.has_value()) {
    return absl::InvalidArgumentError(
        absl::StrCat("trial_id: \"", trial_id, "\" is not <job_id>/<index>"));
  }
  std::string digest;
  {
    absl::ReaderMutexLock lock(&mu_);
    const Job* job = Find(ref->job_id);
    if (job == nullptr || job->FindTrial(trial_id) == nullptr) {
      return absl::NotFoundError(
          absl::StrCat("trial_id: no trial \"", trial_id, "\""));
    }
    const v1::TrialRecord* trial = job->ModelTrial(trial_id);
    if (trial == nullptr) {
      return absl::FailedPreconditionError(absl::StrCat(
          "trial ", trial_id,
          " has no model: a trial keeps its scored model unless its job "
          "says export.retain_models: none, and once the job has ended only "
          "the models of its Pareto fronts and exports are kept"));
    }
    digest = trial->result().artifact_sha256();
  }
  if (options_.artifact_dir.empty()) {
    return absl::FailedPreconditionError(
        "this controller has no artifact directory (--artifact-dir)");
  }
  absl::StatusOr<std::string> data =
      artifacts::ReadVerified(options_.artifact_dir, digest);
  if (data.status().code() == absl::StatusCode::kNotFound) {
    return absl::FailedPreconditionError(
        absl::StrCat("the model of trial ", trial_id, " (",
                     artifacts::PathFor(options_.artifact_dir, digest),
                     ") is not in the artifact directory"));
  }
  if (!data.ok()) return data.status();
  return Model{.data = *std::move(data), .sha256 = digest};
}

}  // namespace nasprune::controller
