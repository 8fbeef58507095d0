// The evaluation cache over a store that fails on demand: the overlay of
// results on their way, batched reads, an unreadable value, exports, and
// the counts.

#include "controller/cache/evaluation_cache.h"

#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "common/canonical/canonical.h"
#include "common/metrics/metrics.h"
#include "gtest/gtest.h"
#include "tests/controller/jobs/job_testing.h"

namespace nasprune::controller {
namespace {

using testing::FlakyStore;

v1::EvaluationResult Result(double accuracy, const std::string& sha = "") {
  v1::EvaluationResult result;
  result.set_val_accuracy(accuracy);
  result.set_artifact_sha256(sha);
  return result;
}

class EvaluationCacheTest : public ::testing::Test {
 protected:
  EvaluationCacheTest() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "cache-XXXXXX").string();
    dir_ = mkdtemp(pattern.data());
    cache_ = std::make_unique<EvaluationCache>(EvaluationCache::Options{
        .store = &store_, .metrics = &metrics_, .artifact_dir = dir_});
  }
  ~EvaluationCacheTest() override { std::filesystem::remove_all(dir_); }

  std::vector<std::optional<v1::EvaluationResult>> Lookup(
      const std::vector<std::string>& keys, bool read_store = true) {
    std::vector<EvaluationCache::Query> queries;
    for (const std::string& key : keys) queries.push_back({.key = key});
    return cache_->Lookup(queries, read_store);
  }

  double Count(const char* result) {
    return metrics_.cache_requests.Labels({result}).Value();
  }

  FlakyStore store_;
  metrics::Registry registry_;
  ControllerMetrics metrics_{registry_};
  std::string dir_;
  std::unique_ptr<EvaluationCache> cache_;
};

TEST_F(EvaluationCacheTest, HitsAndMissesComeFromOneBatchedRead) {
  ASSERT_TRUE(store_.PutCachedResult("a", Result(0.5)).ok());
  const auto results = Lookup({"a", "b"});
  ASSERT_TRUE(results[0].has_value());
  EXPECT_EQ(results[0]->val_accuracy(), 0.5);
  EXPECT_FALSE(results[1].has_value());
  EXPECT_EQ(Count("hit"), 1);
  EXPECT_EQ(Count("miss"), 1);
}

TEST_F(EvaluationCacheTest, AResultOnItsWayAnswersUntilTheStoreHasIt) {
  cache_->Put("a", Result(0.7));
  store_.down = true;
  EXPECT_EQ(Lookup({"a"})[0]->val_accuracy(), 0.7);
  std::vector<Store::CacheEntry> taken = cache_->TakePending();
  ASSERT_EQ(taken.size(), 1u);
  EXPECT_EQ(cache_->pending(), 0u);
  // The write failed: it goes first next time, and still answers.
  cache_->Written(taken);
  EXPECT_EQ(cache_->pending(), 1u);
  EXPECT_EQ(Lookup({"a"}, /*read_store=*/false)[0]->val_accuracy(), 0.7);
  // Written: it leaves the overlay, and the store answers.
  store_.down = false;
  taken = cache_->TakePending();
  ASSERT_TRUE(store_.PutCachedResults(taken).ok());
  cache_->Written({});
  EXPECT_EQ(cache_->overlay_size(), 0u);
  EXPECT_EQ(Lookup({"a"})[0]->val_accuracy(), 0.7);
}

TEST_F(EvaluationCacheTest, ANewerResultStaysWhileItWaitsForItsOwnWrite) {
  cache_->Put("a", Result(0.1));
  std::vector<Store::CacheEntry> taken = cache_->TakePending();
  cache_->Put("a", Result(0.2));  // Arrives while the first is written.
  cache_->Written({});
  EXPECT_EQ(cache_->overlay_size(), 1u);
  EXPECT_EQ(Lookup({"a"}, false)[0]->val_accuracy(), 0.2);
}

TEST_F(EvaluationCacheTest, AFailingStoreCountsErrorsNotMisses) {
  store_.down = true;
  const auto results = Lookup({"a", "b"});
  EXPECT_FALSE(results[0].has_value());
  EXPECT_EQ(Count("error"), 2);
  EXPECT_EQ(Count("miss"), 0);
  Lookup({"c"}, /*read_store=*/false);
  EXPECT_EQ(Count("error"), 3);
}

TEST_F(EvaluationCacheTest, AnUnreadableValueMissesAlone) {
  ASSERT_TRUE(store_.PutCachedResult("a", Result(0.5)).ok());
  ASSERT_TRUE(store_.PutCachedResult("b", Result(0.6)).ok());
  store_.corrupt = "b";
  const auto results = Lookup({"a", "b"});
  EXPECT_TRUE(results[0].has_value());
  EXPECT_FALSE(results[1].has_value());
}

TEST_F(EvaluationCacheTest, AnExportIsAHitOnlyWhileItsModelIsThere) {
  const std::string sha = Sha256Hex("model");
  ASSERT_TRUE(store_.PutCachedResult("e", Result(0.9, sha)).ok());
  const std::vector<EvaluationCache::Query> query = {
      {.key = "e", .needs_model = true}};
  EXPECT_FALSE(cache_->Lookup(query, true)[0].has_value());
  std::ofstream(dir_ + "/" + sha + ".pt") << "model";
  EXPECT_TRUE(cache_->Lookup(query, true)[0].has_value());
  // A search trial's lookup needs no model.
  EXPECT_TRUE(Lookup({"e"})[0].has_value());
  EXPECT_EQ(Lookup({"e"})[0]->artifact_sha256(), sha);
}

TEST_F(EvaluationCacheTest, AResultWhoseModelIsGoneIsAnsweredWithoutIt) {
  const std::string sha = Sha256Hex("deleted");
  ASSERT_TRUE(store_.PutCachedResult("s", Result(0.8, sha)).ok());
  const auto results = Lookup({"s"});
  ASSERT_TRUE(results[0].has_value());
  EXPECT_EQ(results[0]->val_accuracy(), 0.8);
  EXPECT_TRUE(results[0]->artifact_sha256().empty());
}

}  // namespace
}  // namespace nasprune::controller
