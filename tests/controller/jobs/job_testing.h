#ifndef NASPRUNE_TESTS_CONTROLLER_JOBS_JOB_TESTING_H_
#define NASPRUNE_TESTS_CONTROLLER_JOBS_JOB_TESTING_H_

// Helpers for the job and job-manager tests: specs from YAML, made-up
// results, a hand-written EvaluationClient that records calls and lets the
// test finish them, and a store that fails on demand.

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "common/jobspec/job_spec.h"
#include "common/jobspec/yaml_proto.h"
#include "controller/scheduler/evaluation_client.h"
#include "controller/store/memory_store.h"
#include "gtest/gtest.h"
#include "nasprune/v1/job.pb.h"

namespace nasprune::controller::testing {

// A store that refuses every write (and cache read) while `down` is set,
// refuses commits of job `fail_commits_of`, holds commits while
// `hold_commits` is set, and reports `corrupt` as an unreadable cache value.
class FlakyStore final : public Store {
 public:
  std::atomic<bool> down{false};
  std::atomic<bool> unreadable{false};  // ListJobs fails.
  std::string corrupt;
  std::string fail_commits_of;  // A job whose commits fail.
  // While set, commits wait for it (a write in flight, for tests with the
  // manager's threads); AwaitHeld waits until `n` commits are waiting.
  std::atomic<absl::Notification*> hold_commits{nullptr};
  void AwaitHeld(int n) {
    absl::MutexLock lock(&held_mu_);
    auto reached = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(held_mu_) {
      return held_ >= n;
    };
    held_mu_.Await(absl::Condition(&reached));
  }
  size_t largest_put = 0;
  MemoryStore inner;

  absl::StatusOr<std::vector<std::optional<v1::EvaluationResult>>>
  GetCachedResults(const std::vector<std::string>& keys) override {
    if (down) return absl::UnavailableError("down");
    for (const std::string& key : keys) {
      if (key == corrupt) return absl::DataLossError("corrupt " + key);
    }
    return inner.GetCachedResults(keys);
  }
  absl::Status PutCachedResults(
      const std::vector<CacheEntry>& entries) override {
    if (down) return absl::UnavailableError("down");
    largest_put = std::max(largest_put, entries.size());
    return inner.PutCachedResults(entries);
  }
  absl::Status CreateJob(const v1::JobStatus& job) override {
    if (down) return absl::UnavailableError("down");
    return inner.CreateJob(job);
  }
  absl::StatusOr<v1::JobStatus> GetJob(const std::string& id) override {
    return inner.GetJob(id);
  }
  absl::StatusOr<std::vector<v1::JobStatus>> ListJobs() override {
    if (unreadable) return absl::UnavailableError("cannot read");
    return inner.ListJobs();
  }
  absl::Status Commit(const std::string& id, const JobUpdate& u) override {
    if (absl::Notification* gate = hold_commits.load()) {
      {
        absl::MutexLock lock(&held_mu_);
        ++held_;
      }
      gate->WaitForNotification();
    }
    if (down || id == fail_commits_of) return absl::UnavailableError("down");
    return inner.Commit(id, u);
  }
  absl::StatusOr<std::vector<v1::TrialRecord>> ListTrials(
      const std::string& id) override {
    return inner.ListTrials(id);
  }
  absl::StatusOr<std::optional<v1::StrategyState>> GetCheckpoint(
      const std::string& id) override {
    return inner.GetCheckpoint(id);
  }

 private:
  absl::Mutex held_mu_;
  int held_ ABSL_GUARDED_BY(held_mu_) = 0;
};

// A prepared spec: random search, `max_trials` trials, no exports, with
// the fields of the YAML `extra` merged over it.
inline v1::JobSpec Spec(const std::string& extra = "", int max_trials = 4) {
  v1::JobSpec spec, more;
  const std::string yaml =
      "name: t\ndataset: {name: fashion-mnist}\n"
      "strategy: {random: {}}\nseed: 3\n"
      "export: {top_k: 0}\nbudget: {max_trials: " +
      std::to_string(max_trials) + "}\n";
  EXPECT_TRUE(ParseYamlToMessage(yaml, "test", &spec).ok());
  if (!extra.empty()) {
    const absl::Status parsed = ParseYamlToMessage(extra, "extra", &more);
    EXPECT_TRUE(parsed.ok()) << parsed;
    spec.MergeFrom(more);
  }
  absl::StatusOr<v1::JobSpec> prepared = jobspec::PrepareJobSpec(spec);
  EXPECT_TRUE(prepared.ok()) << prepared.status();
  return prepared.ok() ? *prepared : spec;
}

// A result event for a request: accuracy from the stem width.
inline v1::EvaluateEvent ResultFor(const v1::EvaluateRequest& request,
                                   const std::string& artifact = "") {
  v1::EvaluateEvent event;
  v1::EvaluationResult* r = event.mutable_result();
  r->set_genome_hash("h");
  r->set_cache_key(request.cache_key());
  r->set_evaluator_version("synthetic-1");
  r->set_synthetic(true);
  r->set_val_accuracy(request.genome().arch().stem().channels() / 100.0);
  r->set_params(1000 + request.genome().arch().stem().channels());
  r->set_artifact_sha256(artifact);
  return event;
}

inline v1::EvaluateEvent FailureEvent(bool deterministic) {
  v1::EvaluateEvent event;
  event.mutable_failure()->set_code(deterministic ? "INVALID_ARGUMENT"
                                                  : "INTERNAL");
  event.mutable_failure()->set_message("made up");
  event.mutable_failure()->set_deterministic(deterministic);
  return event;
}

class FakeEvaluationClient final : public EvaluationClient {
 public:
  // When set, every call succeeds as soon as it starts (ResultFor).
  std::atomic<bool> auto_succeed{false};

  // Like the real client, a cancelled call ends with CANCELLED.
  struct Handle final : Evaluation {
    void Cancel() override {
      cancelled = true;
      if (on_cancel) on_cancel();
    }
    std::atomic<bool> cancelled{false};
    std::function<void()> on_cancel;
  };
  struct Call {
    std::string address;
    v1::EvaluateRequest request;
    std::chrono::milliseconds deadline;
    Callbacks callbacks;
    std::shared_ptr<Handle> handle;
  };

  std::shared_ptr<Evaluation> Start(const std::string& address,
                                    const v1::EvaluateRequest& request,
                                    std::chrono::milliseconds deadline,
                                    Callbacks callbacks) override {
    auto handle = std::make_shared<Handle>();
    size_t index = 0;
    {
      absl::MutexLock lock(&mu_);
      index = calls_.size();
      handle->on_cancel = [this, index] {
        FinishCall(index, absl::CancelledError("cancelled by the caller"));
      };
      calls_.push_back(
          {address, request, deadline, std::move(callbacks), handle});
    }
    if (auto_succeed) FinishCall(index, ResultFor(request));
    return handle;
  }

  // Waits until `n` calls have started.
  void AwaitStarted(size_t n) {
    absl::MutexLock lock(&mu_);
    auto reached = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return calls_.size() >= n;
    };
    mu_.Await(absl::Condition(&reached));
  }

  // Calls not finished yet, oldest first.
  std::vector<Call> Open() {
    absl::MutexLock lock(&mu_);
    std::vector<Call> open;
    for (size_t i = 0; i < calls_.size(); ++i) {
      if (!done_.contains(i)) open.push_back(calls_[i]);
    }
    return open;
  }
  // Every call, oldest first.
  std::vector<Call> All() {
    absl::MutexLock lock(&mu_);
    return calls_;
  }
  size_t started() {
    absl::MutexLock lock(&mu_);
    return calls_.size();
  }
  // Finishes the open call of `trial_id` with `outcome`.
  void Finish(const std::string& trial_id,
              absl::StatusOr<v1::EvaluateEvent> outcome) {
    size_t index = SIZE_MAX;
    {
      absl::MutexLock lock(&mu_);
      for (size_t i = 0; i < calls_.size(); ++i) {
        if (calls_[i].request.trial_id() == trial_id && !done_.contains(i)) {
          index = i;
          break;
        }
      }
    }
    ASSERT_NE(index, SIZE_MAX) << "no open call for " << trial_id;
    FinishCall(index, std::move(outcome));
  }
  // Finishes every open call with a result.
  void SucceedAll() {
    for (const Call& call : Open()) {
      Finish(call.request.trial_id(), ResultFor(call.request));
    }
  }

 private:
  // Runs the call's on_done once.
  void FinishCall(size_t index, absl::StatusOr<v1::EvaluateEvent> outcome) {
    Callbacks callbacks;
    {
      absl::MutexLock lock(&mu_);
      if (!done_.insert(index).second) return;
      callbacks = calls_[index].callbacks;
    }
    callbacks.on_done(std::move(outcome));
  }

  absl::Mutex mu_;
  std::vector<Call> calls_ ABSL_GUARDED_BY(mu_);
  std::set<size_t> done_ ABSL_GUARDED_BY(mu_);
};

}  // namespace nasprune::controller::testing

#endif  // NASPRUNE_TESTS_CONTROLLER_JOBS_JOB_TESTING_H_
