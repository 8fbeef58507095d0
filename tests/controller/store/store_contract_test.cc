// One contract for every Store: the in-memory one and the Redis one (on a
// real redis-server started by the test).

#include <unistd.h>

#include <functional>
#include <memory>

#include "controller/store/memory_store.h"
#include "controller/store/redis_store.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "tests/testing/redis_server.h"

namespace nasprune::controller {
namespace {

using ::google::protobuf::util::MessageDifferencer;

testing::RedisServer* redis_server = nullptr;

std::unique_ptr<Store> MakeStore(const std::string& kind) {
  if (kind == "memory") return std::make_unique<MemoryStore>();
  static int run = 0;
  auto store =
      RedisStore::Connect({.redis = {.port = redis_server->port()},
                           .key_prefix = "test-" + std::to_string(getpid()) +
                                         "-" + std::to_string(++run) + ":"});
  EXPECT_TRUE(store.ok()) << store.status();
  return *std::move(store);
}

v1::JobStatus Job(const std::string& id, int64_t seconds) {
  v1::JobStatus job;
  job.set_job_id(id);
  job.set_state(v1::JOB_STATE_RUNNING);
  job.mutable_spec()->set_name("contract");
  job.mutable_create_time()->set_seconds(seconds);
  return job;
}

v1::TrialRecord Trial(const std::string& job_id, int index,
                      v1::TrialState state) {
  v1::TrialRecord t;
  t.set_job_id(job_id);
  t.set_index(index);
  t.set_trial_id(job_id + "/" + std::to_string(index));
  t.set_state(state);
  return t;
}

class StoreContract : public ::testing::TestWithParam<std::string> {
 protected:
  static void SetUpTestSuite() {
    redis_server = new testing::RedisServer();
    ASSERT_TRUE(redis_server->Start(::testing::TempDir()));
  }
  static void TearDownTestSuite() {
    redis_server->Stop();
    delete redis_server;
    redis_server = nullptr;
  }
  void SetUp() override { store_ = MakeStore(GetParam()); }
  std::unique_ptr<Store> store_;
};

TEST_P(StoreContract, CacheMissesThenHits) {
  auto miss = store_->GetCachedResult("k1");
  ASSERT_TRUE(miss.ok());
  EXPECT_FALSE(miss->has_value());
  v1::EvaluationResult result;
  result.set_val_accuracy(0.91);
  result.set_genome_hash(std::string("bin\0ary", 7));
  ASSERT_TRUE(store_->PutCachedResult("k1", result).ok());
  auto hit = store_->GetCachedResult("k1");
  ASSERT_TRUE(hit.ok() && hit->has_value());
  EXPECT_TRUE(MessageDifferencer::Equals(**hit, result));
}

TEST_P(StoreContract, CacheReadsAndWritesManyKeysInOrder) {
  std::vector<Store::CacheEntry> entries;
  for (int i = 0; i < 3; ++i) {
    v1::EvaluationResult result;
    result.set_val_accuracy(0.1 * (i + 1));
    entries.push_back({"many-" + std::to_string(i), result});
  }
  ASSERT_TRUE(store_->PutCachedResults(entries).ok());
  auto results =
      store_->GetCachedResults({"many-2", "absent", "many-0", "many-1"});
  ASSERT_TRUE(results.ok()) << results.status();
  ASSERT_EQ(results->size(), 4u);
  ASSERT_TRUE((*results)[0].has_value());
  EXPECT_DOUBLE_EQ((*results)[0]->val_accuracy(), 0.3);
  EXPECT_FALSE((*results)[1].has_value());
  EXPECT_DOUBLE_EQ((*results)[2]->val_accuracy(), 0.1);
  EXPECT_DOUBLE_EQ((*results)[3]->val_accuracy(), 0.2);
  EXPECT_TRUE(store_->GetCachedResults({})->empty());
  EXPECT_TRUE(store_->PutCachedResults({}).ok());
}

TEST_P(StoreContract, JobsAreCreatedOnceAndListedOldestFirst) {
  ASSERT_TRUE(store_->CreateJob(Job("job-b", 20)).ok());
  ASSERT_TRUE(store_->CreateJob(Job("job-a", 30)).ok());
  ASSERT_TRUE(store_->CreateJob(Job("job-c", 10)).ok());
  EXPECT_EQ(store_->CreateJob(Job("job-a", 40)).code(),
            absl::StatusCode::kAlreadyExists);
  // The identical record again (a retried call) is not a clash.
  EXPECT_TRUE(store_->CreateJob(Job("job-a", 30)).ok());
  auto jobs = store_->ListJobs();
  ASSERT_TRUE(jobs.ok());
  ASSERT_EQ(jobs->size(), 3u);
  EXPECT_EQ((*jobs)[0].job_id(), "job-c");
  EXPECT_EQ((*jobs)[1].job_id(), "job-b");
  EXPECT_EQ((*jobs)[2].job_id(), "job-a");
  EXPECT_EQ((*jobs)[2].create_time().seconds(), 30);  // Not overwritten.
  EXPECT_EQ(store_->GetJob("job-x").status().code(),
            absl::StatusCode::kNotFound);
}

TEST_P(StoreContract, CommitWritesStatusTrialsAndCheckpointTogether) {
  ASSERT_TRUE(store_->CreateJob(Job("job-1", 1)).ok());
  JobUpdate update;
  update.job = Job("job-1", 1);
  update.job->mutable_trials()->set_total(2);
  update.trials = {Trial("job-1", 1, v1::TRIAL_STATE_RUNNING),
                   Trial("job-1", 0, v1::TRIAL_STATE_SUCCEEDED)};
  update.checkpoint.emplace();
  update.checkpoint->set_strategy("evolution");
  update.checkpoint->add_proposed("h0");
  ASSERT_TRUE(store_->Commit("job-1", update).ok());

  auto job = store_->GetJob("job-1");
  ASSERT_TRUE(job.ok());
  EXPECT_EQ(job->trials().total(), 2);
  auto trials = store_->ListTrials("job-1");
  ASSERT_TRUE(trials.ok());
  ASSERT_EQ(trials->size(), 2u);
  EXPECT_EQ((*trials)[0].trial_id(), "job-1/0");
  EXPECT_EQ((*trials)[1].trial_id(), "job-1/1");
  auto checkpoint = store_->GetCheckpoint("job-1");
  ASSERT_TRUE(checkpoint.ok() && checkpoint->has_value());
  EXPECT_EQ((*checkpoint)->proposed(0), "h0");
}

TEST_P(StoreContract, ATrialWrittenTwiceIsRecordedOnce) {
  ASSERT_TRUE(store_->CreateJob(Job("job-2", 1)).ok());
  ASSERT_TRUE(store_
                  ->Commit("job-2", {.trials = {Trial(
                                         "job-2", 0, v1::TRIAL_STATE_RUNNING)}})
                  .ok());
  ASSERT_TRUE(
      store_
          ->Commit("job-2",
                   {.trials = {Trial("job-2", 0, v1::TRIAL_STATE_SUCCEEDED)}})
          .ok());
  auto trials = store_->ListTrials("job-2");
  ASSERT_TRUE(trials.ok());
  ASSERT_EQ(trials->size(), 1u);
  EXPECT_EQ((*trials)[0].state(), v1::TRIAL_STATE_SUCCEEDED);
}

TEST_P(StoreContract, CommitToAnUnknownJobIsNotFoundAndWritesNothing) {
  const absl::Status status = store_->Commit(
      "job-none", {.trials = {Trial("job-none", 0, v1::TRIAL_STATE_RUNNING)}});
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  auto trials = store_->ListTrials("job-none");
  ASSERT_TRUE(trials.ok());
  EXPECT_TRUE(trials->empty());
}

TEST_P(StoreContract, CheckpointIsAbsentThenTheLatest) {
  ASSERT_TRUE(store_->CreateJob(Job("job-3", 1)).ok());
  auto none = store_->GetCheckpoint("job-3");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  for (const std::string kind : {"random", "nsga2"}) {
    v1::StrategyState state;
    state.set_strategy(kind);
    ASSERT_TRUE(store_->Commit("job-3", {.checkpoint = state}).ok());
  }
  auto latest = store_->GetCheckpoint("job-3");
  ASSERT_TRUE(latest.ok() && latest->has_value());
  EXPECT_EQ((*latest)->strategy(), "nsga2");
}

INSTANTIATE_TEST_SUITE_P(Stores, StoreContract,
                         ::testing::Values("memory", "redis"));

// What only the Redis store can show: persistence and outages.
class RedisStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(server_.Start(::testing::TempDir())); }
  void TearDown() override { server_.Kill(); }
  std::unique_ptr<RedisStore> Connect() {
    auto store = RedisStore::Connect({.redis = {.port = server_.port()}});
    EXPECT_TRUE(store.ok()) << store.status();
    return *std::move(store);
  }
  testing::RedisServer server_;
};

TEST_F(RedisStoreTest,
       AcknowledgedWritesSurviveARestartAndTheClientReconnects) {
  auto store = Connect();
  ASSERT_TRUE(store->CreateJob(Job("job-r", 5)).ok());
  ASSERT_TRUE(
      store
          ->Commit("job-r",
                   {.trials = {Trial("job-r", 0, v1::TRIAL_STATE_SUCCEEDED)}})
          .ok());
  v1::EvaluationResult result;
  result.set_val_accuracy(0.5);
  ASSERT_TRUE(store->PutCachedResult("ck", result).ok());

  server_.Stop();
  EXPECT_EQ(store->GetJob("job-r").status().code(),
            absl::StatusCode::kUnavailable);
  ASSERT_TRUE(server_.Restart()) << server_.Log();

  // The same store object reconnects on its next call.
  auto job = store->GetJob("job-r");
  ASSERT_TRUE(job.ok()) << job.status();
  EXPECT_EQ(job->create_time().seconds(), 5);
  auto trials = store->ListTrials("job-r");
  ASSERT_TRUE(trials.ok());
  EXPECT_EQ(trials->size(), 1u);
  auto cached = store->GetCachedResult("ck");
  ASSERT_TRUE(cached.ok() && cached->has_value());
  EXPECT_EQ((*cached)->val_accuracy(), 0.5);
}

TEST_F(RedisStoreTest, ACorruptRecordIsDataLoss) {
  auto store = Connect();
  auto raw = redis::RedisClient::Connect({.port = server_.port()});
  ASSERT_TRUE(raw.ok());
  ASSERT_TRUE(
      (*raw)->Command({"SET", "nasprune:v1:cache:bad", "\xff\xff"}).ok());
  const auto result = store->GetCachedResult("bad");
  EXPECT_EQ(result.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(result.status().message().find("nasprune:v1:cache:bad"),
            std::string::npos);
}

TEST(RedisStoreConnect, NoServerIsUnavailable) {
  const auto store = RedisStore::Connect(
      {.redis = {.port = testing::FreePort(),
                 .timeout = std::chrono::milliseconds(500)}});
  EXPECT_EQ(store.status().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace nasprune::controller
