// The store writer with an in-memory store that fails on demand: what it
// writes, what it hands back when the store fails, its backoff and health,
// the calls it answers, and its thread.

#include "controller/jobs/store_writer.h"

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"
#include "tests/controller/jobs/job_testing.h"
#include "tests/testing/fake_clock.h"

namespace nasprune::controller {
namespace {

using testing::FlakyStore;

// A batch of `puts` cache entries and a status update for each job.
StoreWriter::Batch MakeBatch(int puts, const std::vector<std::string>& jobs) {
  StoreWriter::Batch batch;
  for (int i = 0; i < puts; ++i) {
    v1::EvaluationResult result;
    result.set_val_accuracy(i / 1000.0);
    batch.cache_puts.emplace_back(absl::StrCat("key", i), result);
  }
  for (const std::string& id : jobs) {
    JobUpdate update;
    update.job.emplace();
    update.job->set_job_id(id);
    update.job->set_state(v1::JOB_STATE_RUNNING);
    batch.updates.emplace_back(id, update);
  }
  return batch;
}

class StoreWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* id : {"a", "b"}) {
      v1::JobStatus job;
      job.set_job_id(id);
      job.set_state(v1::JOB_STATE_PENDING);
      ASSERT_TRUE(store_.CreateJob(job).ok());
    }
  }
  StoreWriter::Options Options(std::function<void()> written = nullptr) {
    return {.store = &store_,
            .clock = &clock_,
            .min_backoff = std::chrono::milliseconds(100),
            .max_backoff = std::chrono::milliseconds(400),
            .written = std::move(written),
            .on_health = [this](bool healthy) { health_.push_back(healthy); }};
  }

  FlakyStore store_;
  nasprune::testing::FakeClock clock_;
  std::vector<bool> health_;  // Each change of health, in order.
};

TEST_F(StoreWriterTest, WritesEveryResultInChunksAndEveryUpdate) {
  StoreWriter::Result result =
      StoreWriter::WriteNow(store_, MakeBatch(1200, {"a", "b"}));
  ASSERT_TRUE(result.status.ok()) << result.status;
  EXPECT_TRUE(result.unwritten.empty());
  EXPECT_EQ(store_.largest_put, StoreWriter::kCacheChunk);
  for (int i = 0; i < 1200; ++i) {
    ASSERT_TRUE(store_.GetCachedResult(absl::StrCat("key", i))->has_value());
  }
  EXPECT_EQ(store_.GetJob("a")->state(), v1::JOB_STATE_RUNNING);
  EXPECT_EQ(store_.GetJob("b")->state(), v1::JOB_STATE_RUNNING);
}

TEST_F(StoreWriterTest, AFailureHandsBackEverythingNotWritten) {
  store_.down = true;
  StoreWriter::Result result =
      StoreWriter::WriteNow(store_, MakeBatch(3, {"a", "b"}));
  EXPECT_EQ(result.status.code(), absl::StatusCode::kUnavailable);
  ASSERT_EQ(result.unwritten.cache_puts.size(), 3u);
  EXPECT_EQ(result.unwritten.cache_puts[0].first, "key0");
  ASSERT_EQ(result.unwritten.updates.size(), 2u);
  EXPECT_EQ(result.unwritten.updates[0].first, "a");
  EXPECT_EQ(result.unwritten.updates[1].first, "b");
  EXPECT_EQ(store_.GetJob("a")->state(), v1::JOB_STATE_PENDING);
}

TEST_F(StoreWriterTest, ACommitThatFailsHandsBackItAndTheRest) {
  store_.fail_commits_of = "b";
  StoreWriter::Result result =
      StoreWriter::WriteNow(store_, MakeBatch(2, {"a", "b"}));
  EXPECT_FALSE(result.status.ok());
  EXPECT_TRUE(result.unwritten.cache_puts.empty());
  ASSERT_EQ(result.unwritten.updates.size(), 1u);
  EXPECT_EQ(result.unwritten.updates[0].first, "b");
  EXPECT_EQ(store_.GetJob("a")->state(), v1::JOB_STATE_RUNNING);
}

TEST_F(StoreWriterTest, WithoutItsThreadAWriteIsDoneAtOnce) {
  StoreWriter writer(Options());
  EXPECT_FALSE(writer.Collect().has_value());
  writer.Write(MakeBatch(1, {"a"}));
  EXPECT_TRUE(writer.busy());
  std::optional<StoreWriter::Result> result = writer.Collect();
  ASSERT_TRUE(result.has_value());
  EXPECT_TRUE(result->status.ok());
  EXPECT_FALSE(writer.busy());
  EXPECT_EQ(store_.GetJob("a")->state(), v1::JOB_STATE_RUNNING);
}

TEST_F(StoreWriterTest, ItsThreadWritesAndSaysSo) {
  absl::Notification written;
  StoreWriter writer(Options([&] { written.Notify(); }));
  writer.Start();
  writer.Write(MakeBatch(2, {"a"}));
  EXPECT_TRUE(writer.busy());
  written.WaitForNotification();
  std::optional<StoreWriter::Result> result = writer.Collect();
  ASSERT_TRUE(result.has_value());
  EXPECT_TRUE(result->status.ok());
  EXPECT_FALSE(writer.busy());
  EXPECT_TRUE(store_.GetCachedResult("key1")->has_value());
  writer.Stop();
}

TEST_F(StoreWriterTest, StopWaitsForTheBatchHandedOver) {
  StoreWriter writer(Options());
  writer.Start();
  writer.Write(MakeBatch(600, {"a", "b"}));
  writer.Stop();
  std::optional<StoreWriter::Result> result = writer.Collect();
  ASSERT_TRUE(result.has_value());
  EXPECT_TRUE(result->status.ok());
  EXPECT_TRUE(store_.GetCachedResult("key599")->has_value());
  EXPECT_EQ(store_.GetJob("b")->state(), v1::JOB_STATE_RUNNING);
}

TEST_F(StoreWriterTest, AFailureBacksOffDoublingAndHealthFollows) {
  StoreWriter writer(Options());
  store_.down = true;
  ASSERT_TRUE(writer.Ready());
  writer.Write(MakeBatch(1, {"a"}));
  EXPECT_FALSE(writer.Collect()->status.ok());
  EXPECT_FALSE(writer.healthy());
  EXPECT_TRUE(writer.in_backoff());
  EXPECT_FALSE(writer.Ready());
  clock_.Advance(absl::Milliseconds(100));
  ASSERT_TRUE(writer.Ready());  // 100 ms, then 200 ms.
  writer.Write(MakeBatch(1, {"a"}));
  EXPECT_FALSE(writer.Collect()->status.ok());
  clock_.Advance(absl::Milliseconds(150));
  EXPECT_FALSE(writer.Ready());
  clock_.Advance(absl::Milliseconds(50));
  ASSERT_TRUE(writer.Ready());
  store_.down = false;
  writer.Write(MakeBatch(1, {"a"}));
  EXPECT_TRUE(writer.Collect()->status.ok());
  EXPECT_TRUE(writer.healthy());
  EXPECT_FALSE(writer.in_backoff());
  EXPECT_EQ(health_, (std::vector<bool>{false, true}));
}

TEST_F(StoreWriterTest, ACallIsAnsweredOnceItsJobIsWritten) {
  StoreWriter writer(Options());
  std::vector<std::string> answers;
  auto record = [&](const std::string& name) {
    return [&answers, name](absl::Status s) {
      answers.push_back(name + (s.ok() ? ":ok" : ":unavailable"));
    };
  };
  writer.AwaitWrite("a", record("a"));
  EXPECT_TRUE(writer.has_waiters());
  store_.fail_commits_of = "b";
  writer.Write(MakeBatch(0, {"a", "b"}));
  EXPECT_TRUE(answers.empty());  // Not before the result is collected.
  writer.Collect();
  EXPECT_EQ(answers, (std::vector<std::string>{"a:ok"}));
  // One whose job was not written is told so; so is one waiting while the
  // store is in backoff.
  writer.AwaitWrite("b", record("b"));
  clock_.Advance(absl::Seconds(1));
  ASSERT_TRUE(writer.Ready());
  writer.Write(MakeBatch(0, {"a", "b"}));
  writer.Collect();
  writer.AwaitWrite("a", record("a2"));
  EXPECT_FALSE(writer.Ready());
  EXPECT_EQ(answers, (std::vector<std::string>{"a:ok", "b:unavailable",
                                               "a2:unavailable"}));
  EXPECT_FALSE(writer.has_waiters());
}

TEST_F(StoreWriterTest, AnEmptyWriteAnswersAtOnce) {
  StoreWriter writer(Options());
  bool answered = false;
  writer.AwaitWrite("a", [&](absl::Status s) { answered = s.ok(); });
  writer.Write(StoreWriter::Batch());
  EXPECT_TRUE(answered);
  EXPECT_FALSE(writer.busy());
}

}  // namespace
}  // namespace nasprune::controller
