// Watching a job (WatchJob) against the real service: from its first event,
// fresh, reconnected after a dropped stream, and once it is finished; and a
// job submitted right after a cancellation, whose trials find the slots
// still finishing the cancelled evaluations (redis-server, the controller
// and synthetic workers as processes).

#include <map>
#include <thread>

#include "absl/strings/str_cat.h"
#include "common/jobspec/states.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "tests/testing/cluster.h"

namespace nasprune::testing {
namespace {

std::string Job(const std::string& name, int max_trials, int seed = 5) {
  return SyntheticJobSpec(name, "random: {}", max_trials, /*epochs=*/2, seed);
}

// Reads a watch until the stream ends or `stop(event)` says so; the events
// read and how the stream ended (OK when it ended by itself).
struct Watched {
  std::vector<v1::JobEvent> events;
  grpc::Status status;
};
Watched Watch(Cluster& cluster, const v1::WatchJobRequest& request,
              const std::function<bool(const v1::JobEvent&)>& stop = nullptr) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::minutes(1));
  auto reader = cluster.api().WatchJob(&context, request);
  Watched watched;
  v1::JobEvent event;
  while (reader->Read(&event)) {
    watched.events.push_back(event);
    if (stop && stop(event)) {
      context.TryCancel();
      break;
    }
  }
  watched.status = reader->Finish();
  return watched;
}

v1::WatchJobRequest WatchRequest(const std::string& job_id, int64_t after = 0,
                                 bool from_first = false) {
  v1::WatchJobRequest request;
  request.set_job_id(job_id);
  request.set_after_sequence(after);
  request.set_from_first_event(from_first);
  return request;
}

// Sequences 1, 2, 3, ... in order, ending with the job's final status.
void ExpectWholeLog(const std::vector<v1::JobEvent>& events) {
  ASSERT_FALSE(events.empty());
  for (size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(events[i].sequence(), static_cast<int64_t>(i) + 1);
  }
  EXPECT_EQ(events.front().status().state(), v1::JOB_STATE_PENDING);
  ASSERT_TRUE(events.back().has_status());
  EXPECT_TRUE(jobspec::IsFinal(events.back().status().state()));
}

TEST(Watch, AWatchFromSubmissionSeesEveryEventFromTheFirst) {
  Cluster cluster;
  ASSERT_TRUE(cluster.Start());
  cluster.AddWorker({.slots = 2, .synthetic_delay_ms = 100});
  absl::StatusOr<v1::JobStatus> job = cluster.Submit(Job("first", 6));
  ASSERT_TRUE(job.ok()) << job.status();
  EXPECT_GE(job->last_sequence(), 1);
  const Watched watched =
      Watch(cluster, WatchRequest(job->job_id(), 0, /*from_first=*/true));
  ASSERT_TRUE(watched.status.ok()) << watched.status.error_message();
  ExpectWholeLog(watched.events);
  int finished = 0;
  for (const v1::JobEvent& e : watched.events)
    finished += e.has_trial_finished();
  EXPECT_EQ(finished, 6);

  // The same job again: every trial is a cache hit, all in its own log
  // from event 1, however fast they come.
  absl::StatusOr<v1::JobStatus> again = cluster.Submit(Job("first", 6));
  ASSERT_TRUE(again.ok()) << again.status();
  const Watched replay =
      Watch(cluster, WatchRequest(again->job_id(), 0, /*from_first=*/true));
  ASSERT_TRUE(replay.status.ok());
  ExpectWholeLog(replay.events);
  int hits = 0;
  for (const v1::JobEvent& e : replay.events) {
    hits += e.has_trial_finished() && e.trial_finished().cache_hit();
  }
  EXPECT_EQ(hits, 6);
}

TEST(Watch, AFreshWatchOpensWithASnapshotAndAReconnectMissesNothing) {
  Cluster cluster;
  ASSERT_TRUE(cluster.Start());
  cluster.AddWorker({.slots = 1, .synthetic_delay_ms = 200});
  absl::StatusOr<v1::JobStatus> job = cluster.Submit(Job("reconnect", 6));
  ASSERT_TRUE(job.ok()) << job.status();
  // A fresh watch, dropped after its second trial finishes.
  int finished = 0;
  const Watched first =
      Watch(cluster, WatchRequest(job->job_id()), [&](const v1::JobEvent& e) {
        return e.has_trial_finished() && ++finished == 2;
      });
  ASSERT_GE(first.events.size(), 2u);
  EXPECT_EQ(first.events[0].sequence(), 0);  // The snapshot: no event.
  ASSERT_TRUE(first.events[0].has_status());
  const int64_t start = first.events[0].status().last_sequence();
  EXPECT_GE(start, 1);
  for (size_t i = 1; i < first.events.size(); ++i) {
    EXPECT_EQ(first.events[i].sequence(), start + static_cast<int64_t>(i));
  }
  // The reconnect continues right after the last event seen.
  const int64_t last = first.events.back().sequence();
  const Watched second = Watch(cluster, WatchRequest(job->job_id(), last));
  ASSERT_TRUE(second.status.ok()) << second.status.error_message();
  ASSERT_FALSE(second.events.empty());
  for (size_t i = 0; i < second.events.size(); ++i) {
    EXPECT_EQ(second.events[i].sequence(), last + 1 + static_cast<int64_t>(i));
  }
  ASSERT_TRUE(second.events.back().has_status());
  EXPECT_EQ(second.events.back().status().state(), v1::JOB_STATE_SUCCEEDED);
  // Between them, every trial finished once.
  std::map<std::string, int> ends;
  for (const Watched* w : {&first, &second}) {
    for (const v1::JobEvent& e : w->events) {
      if (e.has_trial_finished()) ++ends[e.trial_finished().trial_id()];
    }
  }
  EXPECT_EQ(ends.size(), 6u);
  for (const auto& [trial, count] : ends) EXPECT_EQ(count, 1) << trial;
}

TEST(Watch, AWatchOfAFinishedJobSaysHowItEndedAndEnds) {
  Cluster cluster;
  ASSERT_TRUE(cluster.Start());
  cluster.AddWorker({.slots = 2});
  absl::StatusOr<v1::JobStatus> job = cluster.Submit(Job("done", 3));
  ASSERT_TRUE(job.ok()) << job.status();
  absl::StatusOr<v1::JobStatus> done =
      cluster.WaitForJob(job->job_id(), std::chrono::seconds(30));
  ASSERT_TRUE(done.ok()) << done.status();
  const Watched watched = Watch(cluster, WatchRequest(job->job_id()));
  ASSERT_TRUE(watched.status.ok());
  ASSERT_EQ(watched.events.size(), 1u);
  EXPECT_EQ(watched.events[0].sequence(), 0);
  EXPECT_EQ(watched.events[0].status().state(), v1::JOB_STATE_SUCCEEDED);
  EXPECT_EQ(watched.events[0].status().last_sequence(), done->last_sequence());
  // From the first event, the whole log; an unknown job is NOT_FOUND.
  ExpectWholeLog(
      Watch(cluster, WatchRequest(job->job_id(), 0, /*from_first=*/true))
          .events);
  EXPECT_EQ(Watch(cluster, WatchRequest("nope")).status.error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST(Watch, AJobSubmittedRightAfterACancellationRunsNormally) {
  Cluster cluster;
  ASSERT_TRUE(cluster.Start());
  // Each cancelled evaluation takes half a second to stop, like a training
  // step: the new job's trials meet a busy slot if sent too soon.
  cluster.AddWorker(
      {.slots = 1, .synthetic_delay_ms = 1500, .synthetic_stop_delay_ms = 500});
  absl::StatusOr<v1::JobStatus> first = cluster.Submit(Job("cancelled", 5));
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(cluster
                  .WaitForJob(first->job_id(), std::chrono::seconds(30),
                              [](const v1::JobStatus& s) {
                                return s.trials().running() == 1;
                              })
                  .ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // Arrived.
  v1::CancelJobRequest cancel;
  cancel.set_job_id(first->job_id());
  v1::JobStatus cancelled;
  grpc::ClientContext context;
  ASSERT_TRUE(cluster.api().CancelJob(&context, cancel, &cancelled).ok());
  absl::StatusOr<v1::JobStatus> second =
      cluster.Submit(SyntheticJobSpec("next", "random: {}", 3, 1, 9));
  ASSERT_TRUE(second.ok()) << second.status();
  absl::StatusOr<v1::JobStatus> done =
      cluster.WaitForJob(second->job_id(), std::chrono::seconds(60));
  ASSERT_TRUE(done.ok()) << done.status();
  EXPECT_EQ(done->state(), v1::JOB_STATE_SUCCEEDED)
      << done->message() << cluster.ControllerLog();
  EXPECT_EQ(done->trials().failed(), 0);
  absl::StatusOr<std::vector<v1::TrialRecord>> trials =
      cluster.Trials(second->job_id());
  ASSERT_TRUE(trials.ok());
  ASSERT_EQ(trials->size(), 3u);
  for (const v1::TrialRecord& trial : *trials) {
    EXPECT_EQ(trial.attempts(), 1) << trial.trial_id();
  }
}

}  // namespace
}  // namespace nasprune::testing
