// The store writer with an in-memory store that fails on demand: what it
// writes, what it hands back when the store fails, and its thread.

#include "controller/jobs/store_writer.h"

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"
#include "tests/controller/jobs/job_testing.h"

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
  FlakyStore store_;
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
  StoreWriter writer(&store_, nullptr);
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
  StoreWriter writer(&store_, [&] { written.Notify(); });
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
  StoreWriter writer(&store_, nullptr);
  writer.Start();
  writer.Write(MakeBatch(600, {"a", "b"}));
  writer.Stop();
  std::optional<StoreWriter::Result> result = writer.Collect();
  ASSERT_TRUE(result.has_value());
  EXPECT_TRUE(result->status.ok());
  EXPECT_TRUE(store_.GetCachedResult("key599")->has_value());
  EXPECT_EQ(store_.GetJob("b")->state(), v1::JOB_STATE_RUNNING);
}

}  // namespace
}  // namespace nasprune::controller
