#include "controller/jobs/job.h"

#include "absl/strings/str_cat.h"
#include "common/genome/hash.h"
#include "gtest/gtest.h"
#include "tests/controller/jobs/job_testing.h"

namespace nasprune::controller {
namespace {

using testing::FailureEvent;
using testing::ResultFor;
using testing::Spec;

const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);

std::unique_ptr<Job> NewJob(const v1::JobSpec& spec, int max_attempts = 3) {
  v1::JobStatus status;
  status.set_job_id("j");
  *status.mutable_spec() = spec;
  status.set_state(v1::JOB_STATE_PENDING);
  absl::StatusOr<std::unique_ptr<Job>> job =
      Job::Create(status, {.max_attempts = max_attempts});
  EXPECT_TRUE(job.ok()) << job.status();
  (*job)->Start(kNow);
  return *std::move(job);
}

// Takes the next trial and dispatches it; its request.
v1::EvaluateRequest DispatchNext(Job& job, const std::string& worker = "w") {
  std::optional<int64_t> index = job.NextTrial(1, kNow);
  EXPECT_TRUE(index.has_value());
  v1::EvaluateRequest request = job.Request(*index, "synthetic-1");
  EXPECT_EQ(job.Dispatched(*index, worker, kNow), request.attempt());
  return request;
}

int64_t IndexOf(const v1::EvaluateRequest& request) {
  return std::stoll(request.trial_id().substr(2));
}

TEST(Job, ProposesTrialsOnDemandUpToTheBudget) {
  auto job = NewJob(Spec("", 3));
  EXPECT_EQ(job->status().state(), v1::JOB_STATE_RUNNING);
  EXPECT_TRUE(job->WantsSlot());
  for (int i = 0; i < 3; ++i) {
    const v1::EvaluateRequest request = DispatchNext(*job);
    EXPECT_EQ(request.trial_id(), absl::StrCat("j/", i));
    EXPECT_EQ(request.attempt(), 1);
    EXPECT_FALSE(request.cache_key().empty());
  }
  EXPECT_FALSE(job->WantsSlot());
  EXPECT_FALSE(job->NextTrial(4, kNow).has_value());
  EXPECT_EQ(job->status().trials().total(), 3);
  EXPECT_EQ(job->status().trials().running(), 3);
}

TEST(Job, MaxParallelLimitsRunningTrials) {
  auto job = NewJob(Spec("max_parallel: 2\n", 5));
  DispatchNext(*job);
  DispatchNext(*job);
  EXPECT_FALSE(job->WantsSlot());
  EXPECT_FALSE(job->NextTrial(4, kNow).has_value());
}

TEST(Job, TrialsAboutToRunCountTowardMaxParallel) {
  auto job = NewJob(Spec("max_parallel: 3\n", 10));
  // Two trials already taken for this round: room for one more proposal.
  ASSERT_TRUE(job->NextTrial(10, kNow, /*taken=*/2).has_value());
  EXPECT_EQ(job->trials().size(), 1u);
  EXPECT_FALSE(job->NextTrial(10, kNow, /*taken=*/3).has_value());
}

TEST(Job, ASuccessIsRecordedObservedAndCached) {
  auto job = NewJob(Spec("", 1));
  const v1::EvaluateRequest request = DispatchNext(*job);
  const Job::Effect effect =
      job->Finished(0, 1, ResultFor(request), kNow + absl::Seconds(1));
  ASSERT_TRUE(effect.cache_put.has_value());
  EXPECT_EQ(effect.cache_put->first, request.cache_key());
  const v1::TrialRecord& trial = job->trials()[0];
  EXPECT_EQ(trial.state(), v1::TRIAL_STATE_SUCCEEDED);
  EXPECT_EQ(trial.end_time().seconds(), 1'800'000'001);
  EXPECT_EQ(job->status().trials().succeeded(), 1);
  EXPECT_EQ(job->status().best_trial_id(), "j/0");
  EXPECT_EQ(job->ParetoFront().points_size(), 1);
}

TEST(Job, ARetryableFailureIsQueuedAgainUntilTheAttemptLimit) {
  auto job = NewJob(Spec("", 1), /*max_attempts=*/2);
  DispatchNext(*job, "a");
  job->Finished(0, 1, FailureEvent(/*deterministic=*/false), kNow);
  EXPECT_EQ(job->trials()[0].state(), v1::TRIAL_STATE_QUEUED);
  EXPECT_EQ(job->status().trials().failed(), 0);
  const v1::EvaluateRequest again = DispatchNext(*job, "b");
  EXPECT_EQ(again.attempt(), 2);
  job->Finished(0, 2, absl::UnavailableError("stream broke"), kNow);
  const v1::TrialRecord& trial = job->trials()[0];
  EXPECT_EQ(trial.state(), v1::TRIAL_STATE_FAILED);
  EXPECT_EQ(trial.failure().code(), "UNAVAILABLE");
  EXPECT_NE(trial.failure().message().find("failed 2 attempts"),
            std::string::npos)
      << trial.failure().message();
  EXPECT_EQ(job->status().trials().failed(), 1);
}

TEST(Job, ADeterministicFailureIsNotRetried) {
  auto job = NewJob(Spec("", 2));
  DispatchNext(*job);
  job->Finished(0, 1, FailureEvent(/*deterministic=*/true), kNow);
  EXPECT_EQ(job->trials()[0].state(), v1::TRIAL_STATE_FAILED);
  EXPECT_EQ(job->trials()[0].attempts(), 1);
  EXPECT_TRUE(job->trials()[0].failure().deterministic());
}

// (A busy worker's refusal never reaches Finished: the dispatcher turns it
// into NotRun, up to a limit; past it, it is such a failure.)
TEST(Job, ACallThatEndedWithoutAnEventUsesAnAttempt) {
  auto job = NewJob(Spec("", 1), /*max_attempts=*/2);
  DispatchNext(*job);
  job->Finished(0, 1, absl::ResourceExhaustedError("all slots busy"), kNow);
  EXPECT_EQ(job->trials()[0].state(), v1::TRIAL_STATE_QUEUED);
  DispatchNext(*job);
  job->Finished(0, 2, absl::ResourceExhaustedError("all slots busy"), kNow);
  EXPECT_EQ(job->trials()[0].state(), v1::TRIAL_STATE_FAILED);
}

TEST(Job, AStaleOutcomeIsIgnored) {
  auto job = NewJob(Spec("", 1));
  const v1::EvaluateRequest first = DispatchNext(*job);
  job->Finished(0, 1, absl::UnavailableError("lost"), kNow);
  const v1::EvaluateRequest second = DispatchNext(*job);
  // The first attempt's late result changes nothing.
  const Job::Effect effect = job->Finished(0, 1, ResultFor(first), kNow);
  EXPECT_FALSE(effect.cache_put.has_value());
  EXPECT_EQ(job->trials()[0].state(), v1::TRIAL_STATE_RUNNING);
  job->Finished(0, 2, ResultFor(second), kNow);
  EXPECT_EQ(job->trials()[0].state(), v1::TRIAL_STATE_SUCCEEDED);
  EXPECT_EQ(job->status().trials().succeeded(), 1);
}

TEST(Job, ACacheAnswerCompletesTheTrial) {
  auto job = NewJob(Spec("", 1));
  std::optional<int64_t> index = job->NextTrial(1, kNow);
  ASSERT_TRUE(index.has_value());
  job->AnsweredFromCache(*index, ResultFor(job->Request(*index, "s")).result(),
                         kNow);
  EXPECT_TRUE(job->trials()[0].cache_hit());
  EXPECT_EQ(job->trials()[0].attempts(), 0);
  EXPECT_EQ(job->status().trials().cache_hits(), 1);
  EXPECT_EQ(job->status().trials().succeeded(), 1);
}

TEST(Job, TheSearchEndsThenTheBestTrialsAreExported) {
  auto job = NewJob(Spec("export: {top_k: 1, evaluate_test_split: true}\n", 3));
  for (int i = 0; i < 3; ++i) {
    const v1::EvaluateRequest r = DispatchNext(*job);
    job->Finished(IndexOf(r), 1, ResultFor(r), kNow);
  }
  EXPECT_TRUE(job->Advance(kNow).empty());
  EXPECT_EQ(job->status().state(), v1::JOB_STATE_RUNNING);
  ASSERT_EQ(job->trials().size(), 4u);
  const v1::EvaluateRequest exporting = DispatchNext(*job);
  EXPECT_EQ(exporting.trial_id(), "j/3");
  EXPECT_TRUE(exporting.export_model());
  EXPECT_TRUE(exporting.evaluate_test_split());
  EXPECT_NE(exporting.cache_key().find(":export"), std::string::npos);
  EXPECT_EQ(job->trials()[3].promoted_from(),
            job->ParetoFront().points(0).trial_id());
  job->Finished(3, 1, ResultFor(exporting, "abc"), kNow);
  job->Advance(kNow);
  EXPECT_EQ(job->status().state(), v1::JOB_STATE_SUCCEEDED);
  EXPECT_NE(job->status().message().find("1 models exported"),
            std::string::npos)
      << job->status().message();
  // The export is counted apart: a 3-trial job says 3 trials.
  const v1::TrialCounts& counts = job->status().trials();
  EXPECT_EQ(counts.total(), 3);
  EXPECT_EQ(counts.succeeded(), 3);
  EXPECT_EQ(counts.exports(), 1);
  EXPECT_EQ(counts.exported(), 1);
  EXPECT_EQ(job->status().message().rfind("3 trials: 3 succeeded", 0), 0u)
      << job->status().message();
  EXPECT_TRUE(job->ParetoFront().points(0).has_model());
  EXPECT_EQ(job->ModelTrial(job->trials()[3].promoted_from())->trial_id(),
            "j/3");
}

// What a worker answers when it scores a kept model.
v1::EvaluateEvent ScoredEvent(const v1::EvaluateRequest& request,
                              double test_accuracy) {
  v1::EvaluateEvent event;
  v1::EvaluationResult* r = event.mutable_result();
  r->set_cache_key(request.cache_key());
  r->set_val_accuracy(0.01);  // Not taken: the search's figure stands.
  r->set_test_accuracy(test_accuracy);
  r->set_artifact_sha256(request.score_model_sha256());
  r->set_kept_model(true);
  r->set_total_seconds(0.5);
  return event;
}

TEST(Job, KeptModelsAreExportedByScoringTheScoredWeights) {
  auto job = NewJob(Spec("export: {top_k: 1}\n", 3));
  for (int i = 0; i < 3; ++i) {
    const v1::EvaluateRequest r = DispatchNext(*job);
    EXPECT_TRUE(r.keep_model());
    EXPECT_FALSE(r.export_model());
    EXPECT_TRUE(r.score_model_sha256().empty());
    job->Finished(IndexOf(r), 1, ResultFor(r, absl::StrCat("sha", i)), kNow);
  }
  job->Advance(kNow);
  ASSERT_EQ(job->trials().size(), 4u);
  // Until its export is done, a trial's own kept model is the one served.
  const v1::TrialRecord source =
      *job->FindTrial(job->trials()[3].promoted_from());
  EXPECT_TRUE(job->ParetoFront().points(0).has_model());
  EXPECT_EQ(job->ModelTrial(source.trial_id())->trial_id(), source.trial_id());
  const v1::EvaluateRequest exporting = DispatchNext(*job);
  const std::string& sha = source.result().artifact_sha256();
  EXPECT_EQ(exporting.score_model_sha256(), sha);
  EXPECT_FALSE(exporting.export_model());
  EXPECT_FALSE(exporting.keep_model());
  EXPECT_TRUE(exporting.evaluate_test_split());
  EXPECT_NE(exporting.cache_key().find(":kept:" + sha), std::string::npos);
  job->Finished(3, 1, ScoredEvent(exporting, 0.42), kNow);
  job->Advance(kNow);
  EXPECT_EQ(job->status().state(), v1::JOB_STATE_SUCCEEDED);
  EXPECT_NE(job->status().message().find("1 models exported"),
            std::string::npos)
      << job->status().message();
  // The export reports the search's figures with the test accuracy of the
  // same weights.
  const v1::EvaluationResult& exported = job->trials()[3].result();
  EXPECT_EQ(exported.val_accuracy(), source.result().val_accuracy());
  EXPECT_EQ(exported.params(), source.result().params());
  EXPECT_EQ(exported.test_accuracy(), 0.42);
  EXPECT_TRUE(exported.kept_model());
  EXPECT_EQ(exported.artifact_sha256(), sha);
  EXPECT_EQ(exported.phase_seconds().export_(), 0.5);
  EXPECT_EQ(job->ModelTrial(source.trial_id())->trial_id(), "j/3");

  // Retention: the front's and the export's models stay.
  const std::set<std::string> used = job->ModelsUsed();
  const std::set<std::string> kept = job->ModelsKept();
  EXPECT_EQ(used.size(), 3u);
  EXPECT_TRUE(kept.contains(sha));
  for (const std::string& digest : kept) EXPECT_TRUE(used.contains(digest));
  const v1::ParetoFront front = job->ParetoFront();
  for (const v1::ParetoPoint& point : front.points()) {
    EXPECT_TRUE(kept.contains(
        job->FindTrial(point.trial_id())->result().artifact_sha256()));
  }
  job->ModelsReleased({"sha0", "sha1", "sha2"});
  EXPECT_TRUE(job->ModelsUsed().empty());
  EXPECT_TRUE(job->TakeUpdate().has_value());
}

TEST(Job, AKeptModelThatIsGoneIsExportedByTrainingAgain) {
  auto job = NewJob(Spec("export: {top_k: 1}\n", 1));
  const v1::EvaluateRequest r = DispatchNext(*job);
  job->Finished(IndexOf(r), 1, ResultFor(r, "gone"), kNow);
  job->Advance(kNow);
  const v1::EvaluateRequest scoring = DispatchNext(*job);
  ASSERT_EQ(scoring.score_model_sha256(), "gone");
  v1::EvaluateEvent missing;
  missing.mutable_failure()->set_code("NOT_FOUND");
  missing.mutable_failure()->set_message("no such archive");
  job->Finished(IndexOf(scoring), 1, missing, kNow);
  EXPECT_TRUE(job->trials()[0].result().artifact_sha256().empty());
  const v1::EvaluateRequest training = DispatchNext(*job);
  EXPECT_EQ(training.trial_id(), scoring.trial_id());
  EXPECT_EQ(training.attempt(), 1);
  EXPECT_TRUE(training.export_model());
  EXPECT_TRUE(training.score_model_sha256().empty());
  job->Finished(IndexOf(training), 1, ResultFor(training, "again"), kNow);
  job->Advance(kNow);
  EXPECT_EQ(job->status().trials().exported(), 1);
  EXPECT_EQ(job->ModelTrial("j/0")->result().artifact_sha256(), "again");
}

TEST(Job, AJobThatKeepsNoModelsTakesNoneFromTheCache) {
  auto job = NewJob(Spec("export: {top_k: 1, retain_models: none}\n", 1));
  std::optional<int64_t> index = job->NextTrial(1, kNow);
  ASSERT_TRUE(index.has_value());
  const v1::EvaluateRequest r = job->Request(*index, "synthetic-1");
  job->AnsweredFromCache(*index, ResultFor(r, "other-jobs").result(), kNow);
  EXPECT_TRUE(job->trials()[0].result().artifact_sha256().empty());
  EXPECT_TRUE(job->ModelsUsed().empty());
}

TEST(Job, WithoutKeptModelsAnExportTrainsAgain) {
  auto job = NewJob(Spec("export: {top_k: 1, retain_models: none}\n", 2));
  for (int i = 0; i < 2; ++i) {
    const v1::EvaluateRequest r = DispatchNext(*job);
    EXPECT_FALSE(r.keep_model());
    job->Finished(IndexOf(r), 1, ResultFor(r, absl::StrCat("sha", i)), kNow);
  }
  job->Advance(kNow);
  const v1::EvaluateRequest exporting = DispatchNext(*job);
  EXPECT_TRUE(exporting.export_model());
  EXPECT_TRUE(exporting.score_model_sha256().empty());
  EXPECT_NE(exporting.cache_key().find(":export"), std::string::npos);
}

TEST(Job, RetainingEveryModelKeepsThemAll) {
  auto job = NewJob(Spec("export: {top_k: 0, retain_models: all}\n", 3));
  for (int i = 0; i < 3; ++i) {
    const v1::EvaluateRequest r = DispatchNext(*job);
    job->Finished(IndexOf(r), 1, ResultFor(r, absl::StrCat("sha", i)), kNow);
  }
  job->Advance(kNow);
  EXPECT_EQ(job->status().state(), v1::JOB_STATE_SUCCEEDED);
  EXPECT_EQ(job->ModelsKept(), job->ModelsUsed());
}

TEST(Job, TheWallBudgetStopsTheSearchThenExportsTheKeptModels) {
  auto job =
      NewJob(Spec("budget: {max_wall_seconds: 10}\nexport: {top_k: 2}\n", 5));
  const v1::EvaluateRequest a = DispatchNext(*job);
  const v1::EvaluateRequest b = DispatchNext(*job);
  const v1::EvaluateRequest c = DispatchNext(*job);
  job->Finished(IndexOf(a), 1, ResultFor(a, "sha-a"), kNow);
  job->Finished(IndexOf(b), 1, ResultFor(b, "sha-b"), kNow);
  // Two more search trials wait in the queue.
  std::optional<int64_t> taken = job->NextTrial(2, kNow);
  ASSERT_TRUE(taken.has_value());
  job->Requeue(*taken);
  ASSERT_EQ(job->queued(), 2);
  EXPECT_TRUE(job->Advance(kNow + absl::Seconds(9)).empty());
  // At the limit the running trial is stopped, and the kept models of the
  // front are exported.
  EXPECT_EQ(job->Advance(kNow + absl::Seconds(10)),
            std::vector<int64_t>{IndexOf(c)});
  EXPECT_EQ(job->trials()[IndexOf(c)].state(), v1::TRIAL_STATE_CANCELLED);
  EXPECT_EQ(job->trials()[3].state(), v1::TRIAL_STATE_CANCELLED);
  EXPECT_EQ(job->trials()[4].state(), v1::TRIAL_STATE_CANCELLED);
  EXPECT_EQ(job->status().state(), v1::JOB_STATE_RUNNING);
  const int exports = job->status().trials().exports();
  ASSERT_GE(exports, 1);
  for (int i = 0; i < exports; ++i) {
    const v1::EvaluateRequest e = DispatchNext(*job);
    EXPECT_FALSE(e.score_model_sha256().empty());
    job->Finished(IndexOf(e), 1, ScoredEvent(e, 0.5), kNow + absl::Seconds(11));
  }
  job->Advance(kNow + absl::Seconds(11));
  EXPECT_EQ(job->status().state(), v1::JOB_STATE_SUCCEEDED);
  EXPECT_EQ(job->status().trials().total(), 5);  // No new search trial.
  EXPECT_EQ(job->status().message().rfind(
                "stopped at budget.max_wall_seconds (10 s); 5 trials", 0),
            0u)
      << job->status().message();
  EXPECT_NE(
      job->status().message().find(absl::StrCat(exports, " models exported")),
      std::string::npos)
      << job->status().message();
}

TEST(Job, EveryRungIsSummedUpAndTheBestOfAnyRungIsExported) {
  // Rungs at 1 and 3 epochs.
  auto job =
      NewJob(Spec("recipe: {epochs: 3}\n"
                  "multi_fidelity: {method: asha, reduction_factor: 3}\n"
                  "export: {top_k: 1}\n",
                  4));
  ASSERT_EQ(job->status().rungs_size(), 2);
  EXPECT_EQ(job->status().rungs(0).fidelity().epochs(), 1);
  std::vector<v1::EvaluateRequest> low;
  for (int i = 0; i < 3; ++i) {
    low.push_back(DispatchNext(*job));
    job->Finished(IndexOf(low[i]), 1, ResultFor(low[i], absl::StrCat("sha", i)),
                  kNow);
  }
  // Before any trial reaches the top rung, the job's front is rung 0's.
  EXPECT_EQ(job->ParetoFront().rung(), 0);
  EXPECT_GT(job->ParetoFront().points_size(), 0);
  const v1::RungSummary rung0 = job->status().rungs(0);
  EXPECT_EQ(rung0.succeeded(), 3);
  EXPECT_GT(rung0.front_size(), 0);
  EXPECT_EQ(job->status().best_trial_id(), rung0.best_trial_id());
  EXPECT_EQ(job->status().best_accuracy(), rung0.best_accuracy());

  // The promotion ends less accurate than rung 0's best.
  const v1::EvaluateRequest promoted = DispatchNext(*job);
  ASSERT_EQ(job->trials()[IndexOf(promoted)].rung(), 1);
  v1::EvaluateEvent worse = ResultFor(promoted, "sha-top");
  worse.mutable_result()->set_val_accuracy(0.001);
  ASSERT_EQ(job->trials()[IndexOf(promoted)].promoted_from(),
            rung0.best_trial_id());
  job->Finished(IndexOf(promoted), 1, worse, kNow);
  EXPECT_EQ(job->status().rungs(1).succeeded(), 1);
  // The promotion supersedes its genome's rung-0 point, the only one of
  // rung 0's front (accuracy alone): the job's front is the promotion,
  // less accurate as it came out.
  const v1::ParetoFront after = job->ParetoFront();
  EXPECT_EQ(after.rung(), 1);
  ASSERT_EQ(after.points_size(), 1);
  EXPECT_EQ(after.points(0).trial_id(), promoted.trial_id());
  EXPECT_EQ(after.points(0).rung(), 1);
  EXPECT_EQ(job->status().best_trial_id(), promoted.trial_id());
  EXPECT_EQ(job->status().best_accuracy(), 0.001);

  job->Advance(kNow);
  std::set<std::string> sources;
  for (const v1::TrialRecord& trial : job->trials()) {
    if (trial.index() > IndexOf(promoted))
      sources.insert(trial.promoted_from());
  }
  // Read back after a restart: the same rungs, front and exports.
  std::optional<JobUpdate> update = job->TakeUpdate();
  ASSERT_TRUE(update.has_value());
  absl::StatusOr<std::unique_ptr<Job>> restored =
      Job::Restore(*update->job, update->trials, update->checkpoint, {}, kNow);
  ASSERT_TRUE(restored.ok()) << restored.status();
  ASSERT_EQ((*restored)->status().rungs_size(), 2);
  for (int r = 0; r < 2; ++r) {
    EXPECT_EQ((*restored)->status().rungs(r).DebugString(),
              job->status().rungs(r).DebugString());
  }
  EXPECT_EQ((*restored)->ParetoFront().DebugString(),
            job->ParetoFront().DebugString());
  EXPECT_EQ((*restored)->status().best_trial_id(),
            job->status().best_trial_id());
  EXPECT_EQ((*restored)->status().trials().exports(), 2);
  EXPECT_EQ(sources, (std::set<std::string>{promoted.trial_id(),
                                            rung0.best_trial_id()}));
}

TEST(Job, TheFrontKeepsTheSmallerModelsOfLowerRungs) {
  auto job =
      NewJob(Spec("objectives: [{metric: accuracy},"
                  " {metric: params, target: 2000}]\n"
                  "recipe: {epochs: 3}\n"
                  "multi_fidelity: {method: asha, reduction_factor: 3}\n",
                  4));
  std::set<std::string> low;
  for (int i = 0; i < 3; ++i) {
    const v1::EvaluateRequest e = DispatchNext(*job);
    low.insert(e.trial_id());
    // More accurate, and larger.
    v1::EvaluateEvent result = ResultFor(e);
    result.mutable_result()->set_val_accuracy(0.5 + 0.1 * i);
    result.mutable_result()->set_params(1000 + 100 * i);
    job->Finished(IndexOf(e), 1, result, kNow);
  }
  const v1::ParetoFront before = job->ParetoFront();
  ASSERT_EQ(before.points_size(), 3);
  const v1::EvaluateRequest promoted = DispatchNext(*job);
  ASSERT_EQ(job->trials()[IndexOf(promoted)].rung(), 1);
  low.erase(job->trials()[IndexOf(promoted)].promoted_from());
  v1::EvaluateEvent better = ResultFor(promoted);
  better.mutable_result()->set_val_accuracy(0.99);
  better.mutable_result()->set_params(1200);
  job->Finished(IndexOf(promoted), 1, better, kNow);

  // The top rung's one result does not hide the smaller rung-0 models.
  const v1::ParetoFront front = job->ParetoFront();
  EXPECT_EQ(front.rung(), 1);
  ASSERT_EQ(front.points_size(), before.points_size());
  EXPECT_EQ(front.points(0).trial_id(), promoted.trial_id());
  EXPECT_EQ(front.points(0).rung(), 1);
  for (int i = 1; i < front.points_size(); ++i) {
    EXPECT_TRUE(low.contains(front.points(i).trial_id()));
    EXPECT_EQ(front.points(i).rung(), 0);
  }
  EXPECT_GT(front.hypervolume(), before.hypervolume());
  EXPECT_EQ(job->status().best_trial_id(), promoted.trial_id());
  EXPECT_EQ(job->status().best_accuracy(), 0.99);
}

TEST(Job, TooManyFailuresFailTheJob) {
  auto job = NewJob(Spec("budget: {max_trials: 5, max_failed_trials: 2}\n", 5));
  const v1::EvaluateRequest a = DispatchNext(*job);
  const v1::EvaluateRequest b = DispatchNext(*job);
  const v1::EvaluateRequest c = DispatchNext(*job);
  job->Finished(IndexOf(a), 1, FailureEvent(true), kNow);
  job->Finished(IndexOf(b), 1, FailureEvent(true), kNow);
  const std::vector<int64_t> stopped = job->Advance(kNow);
  EXPECT_EQ(stopped, std::vector<int64_t>{IndexOf(c)});
  EXPECT_EQ(job->status().state(), v1::JOB_STATE_FAILED);
  EXPECT_NE(job->status().message().find("max_failed_trials"),
            std::string::npos);
  EXPECT_EQ(job->trials()[IndexOf(c)].state(), v1::TRIAL_STATE_CANCELLED);
}

TEST(Job, TheWallClockLimitEndsTheJobWhenNoModelWasKept) {
  auto job = NewJob(Spec("budget: {max_trials: 5, max_wall_seconds: 10}\n", 5));
  DispatchNext(*job);
  EXPECT_TRUE(job->Advance(kNow + absl::Seconds(9)).empty());
  EXPECT_EQ(job->Advance(kNow + absl::Seconds(10)).size(), 1u);
  // Nothing finished within the wall budget: nothing to hand back.
  EXPECT_EQ(job->status().state(), v1::JOB_STATE_FAILED);
  EXPECT_NE(job->status().message().find("no trial succeeded"),
            std::string::npos)
      << job->status().message();
  EXPECT_NE(job->status().message().find("max_wall_seconds"),
            std::string::npos);
}

TEST(Job, AJobWhoseEveryTrialFailedUnderItsFailureLimitFails) {
  auto job = NewJob(Spec("budget: {max_trials: 2, max_failed_trials: 5}\n", 2));
  for (int64_t i = 0; i < 2; ++i) {
    DispatchNext(*job);
    job->Finished(i, 1, FailureEvent(/*deterministic=*/true), kNow);
  }
  job->Advance(kNow);
  EXPECT_EQ(job->status().trials().failed(), 2);
  EXPECT_EQ(job->status().state(), v1::JOB_STATE_FAILED);
  EXPECT_NE(job->status().message().find("no trial succeeded (2 trials, 2 "
                                         "failed); the last failure: "),
            std::string::npos)
      << job->status().message();
}

TEST(Job, EndingCancelsQueuedAndRunningTrials) {
  auto job = NewJob(Spec("", 4));
  DispatchNext(*job);
  job->NextTrial(3, kNow);  // Three more queued, one taken.
  const std::vector<int64_t> stopped =
      job->End(v1::JOB_STATE_CANCELLED, "stop", kNow);
  EXPECT_EQ(stopped, std::vector<int64_t>{0});
  EXPECT_EQ(job->status().state(), v1::JOB_STATE_CANCELLED);
  EXPECT_EQ(job->status().message(), "stop");
  for (const v1::TrialRecord& trial : job->trials()) {
    if (trial.index() == 1) continue;  // Taken by NextTrial, not queued.
    EXPECT_EQ(trial.state(), v1::TRIAL_STATE_CANCELLED) << trial.trial_id();
  }
  EXPECT_TRUE(job->End(v1::JOB_STATE_FAILED, "again", kNow).empty());
  EXPECT_EQ(job->status().state(), v1::JOB_STATE_CANCELLED);
}

TEST(Job, ARestoredJobQueuesItsInFlightTrialsAndContinuesAlike) {
  const v1::JobSpec spec =
      Spec("strategy: {evolution: {population_size: 3, sample_size: 2}}\n", 8);
  auto original = NewJob(spec);
  std::vector<v1::EvaluateRequest> running;
  for (int i = 0; i < 4; ++i) running.push_back(DispatchNext(*original));
  original->Finished(0, 1, ResultFor(running[0]), kNow);
  original->Finished(1, 1, ResultFor(running[1]), kNow);
  // What a store would hold after this write.
  std::optional<JobUpdate> update = original->TakeUpdate();
  ASSERT_TRUE(update.has_value());
  ASSERT_TRUE(update->checkpoint.has_value());
  ASSERT_EQ(update->trials.size(), 4u);

  absl::StatusOr<std::unique_ptr<Job>> restored =
      Job::Restore(*update->job, update->trials, update->checkpoint, {},
                   kNow + absl::Seconds(5));
  ASSERT_TRUE(restored.ok()) << restored.status();
  Job& copy = **restored;
  // Sequences continue above the original's.
  EXPECT_GT(copy.last_sequence(), original->last_sequence());
  EXPECT_EQ(copy.trials()[2].state(), v1::TRIAL_STATE_QUEUED);
  EXPECT_EQ(copy.trials()[2].attempts(), 1);
  EXPECT_EQ(copy.status().trials().succeeded(), 2);
  EXPECT_EQ(copy.status().trials().running(), 0);
  // The in-flight trials go first, as second attempts; then both propose
  // the same new genomes.
  const v1::EvaluateRequest again = DispatchNext(copy);
  EXPECT_EQ(again.trial_id(), "j/2");
  EXPECT_EQ(again.attempt(), 2);
  EXPECT_EQ(DispatchNext(copy).trial_id(), "j/3");
  original->Finished(2, 1, ResultFor(running[2]), kNow);
  original->Finished(3, 1, ResultFor(running[3]), kNow);
  copy.Finished(2, 2, ResultFor(running[2]), kNow);
  copy.Finished(3, 2, ResultFor(running[3]), kNow);
  const v1::EvaluateRequest next_original = DispatchNext(*original);
  const v1::EvaluateRequest next_copy = DispatchNext(copy);
  EXPECT_EQ(next_original.trial_id(), next_copy.trial_id());
  EXPECT_EQ(next_original.genome().DebugString(),
            next_copy.genome().DebugString());
}

TEST(Job, TheStatusCarriesTheScreeningRecordAcrossARestore) {
  auto plain = NewJob(Spec("", 2));
  EXPECT_FALSE(plain->status().has_screening());
  auto job =
      NewJob(Spec("strategy: {evolution: {population_size: 4, sample_size: 2}, "
                  "screening: {candidates: 4, min_observations: 2}}\n",
                  6));
  ASSERT_TRUE(job->status().has_screening());
  EXPECT_EQ(job->status().screening().observations(), 0);
  for (int i = 0; i < 4; ++i) {
    const v1::EvaluateRequest request = DispatchNext(*job);
    job->Finished(IndexOf(request), 1, ResultFor(request), kNow);
  }
  // Learnt 4; the last two were predicted first and the last two proposals
  // were screened.
  const v1::ScreeningReport& report = job->status().screening();
  EXPECT_EQ(report.observations(), 4);
  EXPECT_EQ(report.held_out(), 2);
  EXPECT_EQ(report.screened_proposals(), 2);
  EXPECT_EQ(report.screened_candidates(), 8);
  std::optional<JobUpdate> update = job->TakeUpdate();
  ASSERT_TRUE(update.has_value());
  absl::StatusOr<std::unique_ptr<Job>> restored =
      Job::Restore(*update->job, update->trials, update->checkpoint, {}, kNow);
  ASSERT_TRUE(restored.ok()) << restored.status();
  EXPECT_EQ((*restored)->status().screening().DebugString(),
            report.DebugString());
}

// Children name the trial of the member they were bred from, also under
// multi-fidelity; with strategy.inherit_weights, one whose architecture
// differs from its parent's starts from the parent's kept model, which its
// request names (with that trial's genome) and its cache key depends on. A
// child of the same architecture starts where its parent started;
// promotions carry their source's lineage.
TEST(Job, ChildrenKnowTheirParentAndInheritItsKeptModel) {
  for (bool asha : {false, true}) {
    for (bool inherit : {false, true}) {
      auto job = NewJob(Spec(
          absl::StrCat(
              "strategy: {evolution: {population_size: 4, sample_size: 2}, "
              "inherit_weights: ",
              inherit ? "true" : "false", "}\nexport: {top_k: 0}\n",
              asha ? "recipe: {epochs: 3}\n"
                     "multi_fidelity: {method: asha, reduction_factor: 3}\n"
                   : ""),
          24));
      int children = 0, inheriting = 0, promoted = 0;
      for (int i = 0; i < 24; ++i) {
        const v1::EvaluateRequest request = DispatchNext(*job);
        const v1::TrialRecord& trial = job->trials()[IndexOf(request)];
        const std::string& sha = trial.inherit_model_sha256();
        EXPECT_EQ(request.inherit_model_sha256(), sha);
        EXPECT_EQ(request.cache_key().find(":inherit:") != std::string::npos,
                  !sha.empty());
        if (!sha.empty()) {
          // The genome of the trial that kept the model.
          const v1::TrialRecord* source =
              job->FindTrial(trial.parent_trial_id());
          while (source != nullptr &&
                 source->result().artifact_sha256() != sha) {
            source = job->FindTrial(source->parent_trial_id());
          }
          ASSERT_NE(source, nullptr);
          EXPECT_EQ(request.inherit_genome().DebugString(),
                    source->genome().DebugString());
        }
        if (const v1::TrialRecord* from =
                job->FindTrial(trial.promoted_from())) {
          ++promoted;
          EXPECT_EQ(trial.parent_trial_id(), from->parent_trial_id());
          EXPECT_EQ(sha, from->inherit_model_sha256());
        } else if (const v1::TrialRecord* parent =
                       job->FindTrial(trial.parent_trial_id())) {
          ++children;
          EXPECT_EQ(parent->state(), v1::TRIAL_STATE_SUCCEEDED);
          const bool same_arch =
              genome::ArchitectureHash(parent->genome().arch()) ==
              genome::ArchitectureHash(trial.genome().arch());
          if (!inherit) {
            EXPECT_TRUE(sha.empty());
          } else if (same_arch) {
            EXPECT_EQ(sha, parent->inherit_model_sha256());
          } else {
            ++inheriting;
            EXPECT_EQ(sha, parent->result().artifact_sha256());
          }
        } else {
          EXPECT_LT(i, 4 + promoted) << "random draws come first";
          EXPECT_TRUE(sha.empty());
        }
        job->Finished(IndexOf(request), 1,
                      ResultFor(request, absl::StrCat("sha", i)), kNow);
      }
      EXPECT_GE(children, 8) << inherit << asha;
      EXPECT_EQ(promoted > 0, asha);
      EXPECT_EQ(inheriting > 0, inherit) << asha;
    }
  }
}

TEST(Job, RestoreRejectsRecordsThatDoNotFit) {
  auto job = NewJob(Spec("", 2));
  DispatchNext(*job);
  std::optional<JobUpdate> update = job->TakeUpdate();
  ASSERT_TRUE(update.has_value());
  // Trials without a checkpoint.
  absl::StatusOr<std::unique_ptr<Job>> no_checkpoint =
      Job::Restore(*update->job, update->trials, std::nullopt, {}, kNow);
  EXPECT_EQ(no_checkpoint.status().code(), absl::StatusCode::kDataLoss);
  // A gap in the trial indices.
  std::vector<v1::TrialRecord> gap = update->trials;
  gap[0].set_index(5);
  absl::StatusOr<std::unique_ptr<Job>> gapped =
      Job::Restore(*update->job, gap, update->checkpoint, {}, kNow);
  EXPECT_EQ(gapped.status().code(), absl::StatusCode::kDataLoss);
}

TEST(Job, AnUpdateNotWrittenIsWrittenWithTheNext) {
  auto job = NewJob(Spec("", 2));
  DispatchNext(*job);
  std::optional<JobUpdate> first = job->TakeUpdate();
  ASSERT_TRUE(first.has_value());
  EXPECT_FALSE(job->TakeUpdate().has_value());
  job->UntakeUpdate(*first);
  std::optional<JobUpdate> again = job->TakeUpdate();
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->trials.size(), first->trials.size());
  EXPECT_TRUE(again->checkpoint.has_value());
}

TEST(Job, EventsAreNumberedFromOneAndTheStatusKnowsTheLast) {
  auto job = NewJob(Spec("", 2));
  const v1::EvaluateRequest r = DispatchNext(*job);
  job->Finished(0, 1, ResultFor(r), kNow);
  std::vector<v1::JobEvent> all = job->events().After(0, 100);
  ASSERT_GE(all.size(), 4u);  // PENDING, RUNNING, started, finished.
  for (size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(all[i].sequence(), static_cast<int64_t>(i) + 1);
  }
  EXPECT_EQ(all[0].status().state(), v1::JOB_STATE_PENDING);
  EXPECT_EQ(all[0].status().last_sequence(), 1);
  EXPECT_EQ(all.back().sequence(), job->last_sequence());
  EXPECT_EQ(job->status().last_sequence(), job->last_sequence());
  bool started = false, finished = false;
  for (const v1::JobEvent& e : all) {
    started |= e.has_trial_started();
    finished |= e.has_trial_finished();
  }
  EXPECT_TRUE(started && finished);
}

TEST(Job, ATrialThatNeverRanGoesAgainWithoutUsingAnAttempt) {
  auto job = NewJob(Spec("", 3), /*max_attempts=*/1);
  const v1::EvaluateRequest first = DispatchNext(*job);
  job->NotRun(IndexOf(first));
  EXPECT_EQ(job->trials()[0].state(), v1::TRIAL_STATE_QUEUED);
  EXPECT_EQ(job->trials()[0].attempts(), 0);
  EXPECT_EQ(job->status().trials().running(), 0);
  // It is next, still as a first attempt, and a late event of the turned
  // away call changes nothing.
  const v1::EvaluateRequest again = DispatchNext(*job);
  EXPECT_EQ(again.trial_id(), first.trial_id());
  EXPECT_EQ(again.attempt(), 1);
  job->Finished(0, 1, ResultFor(again), kNow);
  EXPECT_EQ(job->trials()[0].state(), v1::TRIAL_STATE_SUCCEEDED);
  EXPECT_EQ(job->status().trials().total(), 1);
}

TEST(ParseTrialId, SplitsJobAndIndexAndRejectsTheRest) {
  std::optional<TrialRef> ref = ParseTrialId("search-1a2b/42");
  ASSERT_TRUE(ref.has_value());
  EXPECT_EQ(ref->job_id, "search-1a2b");
  EXPECT_EQ(ref->index, 42);
  for (const char* bad : {"", "job", "job/", "/3", "job/x1", "job/-1", "job/3 ",
                          "job/1234567890123456789"}) {
    EXPECT_FALSE(ParseTrialId(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace nasprune::controller
