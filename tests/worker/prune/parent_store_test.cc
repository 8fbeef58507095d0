#include "worker/prune/parent_store.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "common/genome/network_plan.h"
#include "gtest/gtest.h"
#include "tests/worker/testing/data_files.h"
#include "tests/worker/testing/networks.h"

namespace nasprune::worker {
namespace {

// A parent of `floats` float32 elements.
std::shared_ptr<TrainedParent> ParentOf(int64_t floats, double accuracy) {
  auto parent = std::make_shared<TrainedParent>();
  parent->state.emplace_back("w", torch::full({floats}, 1.5f));
  parent->val_accuracy = accuracy;
  parent->val_loss = 0.25;
  parent->epochs.push_back(
      {.epoch = 1, .train_loss = 0.5, .val_accuracy = 0.7});
  return parent;
}

TEST(ParentStore, FindsWhatWasPut) {
  ParentStore store({});
  EXPECT_EQ(store.Find("a"), nullptr);
  store.Put("a", ParentOf(10, 0.9));
  const auto found = store.Find("a");
  ASSERT_NE(found, nullptr);
  EXPECT_EQ(found->val_accuracy, 0.9);
  EXPECT_EQ(store.hits(), 1);
  EXPECT_EQ(store.misses(), 1);
  EXPECT_EQ(store.memory_bytes(), 40);
}

TEST(ParentStore, EvictsTheLeastRecentlyUsedBeyondItsBudget) {
  ParentStore store({.capacity_bytes = 100});
  store.Put("a", ParentOf(10, 0.1));  // 40 bytes each.
  store.Put("b", ParentOf(10, 0.2));
  ASSERT_NE(store.Find("a"), nullptr);  // a is now the most recent.
  store.Put("c", ParentOf(10, 0.3));    // 120 bytes: b goes.
  EXPECT_NE(store.Find("a"), nullptr);
  EXPECT_EQ(store.Find("b"), nullptr);
  EXPECT_NE(store.Find("c"), nullptr);
  EXPECT_EQ(store.memory_bytes(), 80);
}

TEST(ParentStore, KeepsTheNewestEvenWhenItAloneIsOverBudget) {
  ParentStore store({.capacity_bytes = 10});
  store.Put("big", ParentOf(100, 0.5));
  EXPECT_NE(store.Find("big"), nullptr);
}

TEST(ParentStore, SurvivesARestartThroughItsDirectory) {
  testing::TempDir dir;
  {
    ParentStore store({.directory = dir.path()});
    store.Put("k1", ParentOf(6, 0.875));
  }
  ParentStore restarted({.directory = dir.path()});
  const auto found = restarted.Find("k1");
  ASSERT_NE(found, nullptr);
  EXPECT_EQ(found->val_accuracy, 0.875);
  EXPECT_EQ(found->val_loss, 0.25);
  ASSERT_EQ(found->epochs.size(), 1u);
  EXPECT_EQ(found->epochs[0].val_accuracy, 0.7);
  ASSERT_EQ(found->state.size(), 1u);
  EXPECT_EQ(found->state[0].first, "w");
  EXPECT_TRUE(torch::equal(found->state[0].second, torch::full({6}, 1.5f)));
}

// Workers sharing one --parent-dir: what one stores, another finds, also
// while others store the same parent again; no half-written file is seen
// or left behind.
TEST(ParentStore, IsSharedByStoresOfOneDirectory) {
  testing::TempDir dir;
  ParentStore a({.directory = dir.path()});
  ParentStore b({.directory = dir.path()});
  a.Put("only-a", ParentOf(4, 0.5));
  const auto found = b.Find("only-a");
  ASSERT_NE(found, nullptr);
  EXPECT_EQ(found->val_accuracy, 0.5);

  a.Put("both", ParentOf(1000, 0.75));
  std::vector<std::thread> writers;
  for (ParentStore* store : {&a, &b, &a, &b}) {
    writers.emplace_back([store] {
      for (int i = 0; i < 20; ++i) store->Put("both", ParentOf(1000, 0.75));
    });
  }
  int bad_reads = 0;
  for (int i = 0; i < 50; ++i) {
    ParentStore fresh({.directory = dir.path()});
    const auto read = fresh.Find("both");
    if (read == nullptr || read->state.size() != 1 ||
        read->state[0].second.numel() != 1000) {
      ++bad_reads;
    }
  }
  for (std::thread& t : writers) t.join();
  EXPECT_EQ(bad_reads, 0);
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    files.push_back(entry.path().filename().string());
  }
  std::sort(files.begin(), files.end());
  EXPECT_EQ(files, (std::vector<std::string>{"both.meta", "both.pt",
                                             "only-a.meta", "only-a.pt"}));
}

TEST(ParentStore, IgnoresUnreadableFiles) {
  testing::TempDir dir;
  std::ofstream(dir.File("k.meta")) << "nasprune-parent 1\ntensor w\n";
  std::ofstream(dir.File("k.pt")) << "not an archive";
  std::ofstream(dir.File("v.meta")) << "something else\n";
  ParentStore store({.directory = dir.path()});
  EXPECT_EQ(store.Find("k"), nullptr);
  EXPECT_EQ(store.Find("v"), nullptr);
  EXPECT_EQ(store.Find("../etc/passwd"), nullptr);
}

TEST(ParentStore, RejectsKeysThatAreNotFileNames) {
  ParentStore store({});
  EXPECT_THROW(store.Put("../x", ParentOf(1, 0)), std::invalid_argument);
  EXPECT_THROW(store.Put("", ParentOf(1, 0)), std::invalid_argument);
}

TEST(RestoreState, CopiesIntoAnEqualNetworkAndRefusesAnother) {
  v1::Genome genome = testing::SampledGenome(3, testing::kGray);
  genome.clear_pruning();
  const auto plan = genome::BuildNetworkPlan(genome, testing::kGray);
  ASSERT_TRUE(plan.ok());
  Network a = testing::SeededNetwork(*plan, 1);
  Network b = testing::SeededNetwork(*plan, 2);
  RestoreState(CaptureState(*a), *b);
  const torch::Tensor x = torch::randn({2, 1, 28, 28});
  torch::NoGradGuard no_grad;
  EXPECT_TRUE(torch::equal(a->forward(x), b->forward(x)));

  const auto other = genome::BuildNetworkPlan(
      testing::SampledGenome(4, testing::kGray), testing::kGray);
  ASSERT_TRUE(other.ok());
  Network c(genome::UnprunedPlan(*other));
  EXPECT_THROW(RestoreState(CaptureState(*a), *c), std::invalid_argument);
}

}  // namespace
}  // namespace nasprune::worker
