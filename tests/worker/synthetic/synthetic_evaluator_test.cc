#include "worker/synthetic/synthetic_evaluator.h"

#include <atomic>
#include <thread>

#include "common/genome/cost.h"
#include "common/jobspec/job_spec.h"
#include "common/jobspec/yaml_proto.h"
#include "gtest/gtest.h"

namespace nasprune::worker {
namespace {

v1::EvaluateRequest Request(const std::string& genome_file = "reference.yaml") {
  v1::EvaluateRequest request;
  request.set_trial_id("job/0");
  EXPECT_TRUE(
      LoadYamlFile("examples/genomes/" + genome_file, request.mutable_genome())
          .ok());
  v1::JobSpec spec;
  spec.set_name("synthetic");
  spec.mutable_dataset()->set_name("fashion-mnist");
  auto prepared = jobspec::PrepareJobSpec(spec);
  EXPECT_TRUE(prepared.ok()) << prepared.status();
  *request.mutable_dataset() = prepared->dataset();
  *request.mutable_recipe() = prepared->recipe();
  request.set_cache_key("key");
  return request;
}

TEST(SyntheticEvaluator, SaysSoAndMatchesTheAnalyticCost) {
  const v1::EvaluateRequest request = Request("reference-pruned.yaml");
  std::vector<v1::TrialProgress> events;
  auto result = EvaluateSynthetic(
      request, {}, [&](const v1::TrialProgress& p) { events.push_back(p); },
      nullptr);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_TRUE(result->synthetic());
  EXPECT_EQ(result->evaluator_version(), "synthetic-1");
  EXPECT_EQ(result->cache_key(), "key");
  const auto cost = genome::ComputeGenomeCost(
      request.genome(), jobspec::InputSpecOf(request.dataset()));
  ASSERT_TRUE(cost.ok());
  EXPECT_EQ(result->params(), cost->params);
  EXPECT_EQ(result->macs(), cost->macs);
  EXPECT_GT(result->parent_params(), result->params());
  EXPECT_TRUE(result->pruned());
  EXPECT_GT(result->val_accuracy(), 0.4);
  EXPECT_LT(result->val_accuracy(), 1.0);
  EXPECT_EQ(result->model_bytes(), 4 * cost->params + 4096);
  ASSERT_EQ(events.size(), 10u);  // The recipe's 10 epochs.
  EXPECT_EQ(events.back().epoch().epoch(), 10);
  EXPECT_DOUBLE_EQ(events.back().epoch().val_accuracy(),
                   result->val_accuracy());
  EXPECT_LT(events.front().epoch().val_accuracy(), result->val_accuracy());
}

TEST(SyntheticEvaluator, IsAFunctionOfTheGenomeAndFidelity) {
  v1::EvaluateRequest request = Request();
  const auto a = EvaluateSynthetic(request, {}, nullptr, nullptr);
  const auto b = EvaluateSynthetic(request, {}, nullptr, nullptr);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->val_accuracy(), b->val_accuracy());
  request.mutable_fidelity()->set_epochs(1);
  const auto low = EvaluateSynthetic(request, {}, nullptr, nullptr);
  ASSERT_TRUE(low.ok());
  EXPECT_LT(low->val_accuracy(), a->val_accuracy());
  EXPECT_EQ(low->epochs_size(), 1);
  EXPECT_EQ(low->fidelity().epochs(), 1);
}

TEST(SyntheticEvaluator, TakesItsDelayAndStopsWhenCancelled) {
  const v1::EvaluateRequest request = Request();
  auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(EvaluateSynthetic(request,
                                {.delay = std::chrono::milliseconds(100)},
                                nullptr, nullptr)
                  .ok());
  EXPECT_GE(std::chrono::steady_clock::now() - start,
            std::chrono::milliseconds(100));

  std::atomic<bool> stop{false};
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    stop = true;
  });
  start = std::chrono::steady_clock::now();
  const auto result = EvaluateSynthetic(
      request, {.delay = std::chrono::seconds(60)}, nullptr,
      [&](std::chrono::steady_clock::time_point deadline) {
        while (!stop && std::chrono::steady_clock::now() < deadline) {
          std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        return stop.load();
      });
  canceller.join();
  EXPECT_EQ(result.status().code(), absl::StatusCode::kCancelled);
  // Far below the 60 s it would have taken.
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
}

TEST(SyntheticEvaluator, FailAllFailsWithInternal) {
  const auto result =
      EvaluateSynthetic(Request(), {.fail_all = true}, nullptr, nullptr);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInternal);
  EXPECT_NE(result.status().message().find("fail"), std::string::npos);
}

TEST(SyntheticEvaluator, InvalidGenomeIsInvalidArgument) {
  v1::EvaluateRequest request = Request();
  request.mutable_genome()->mutable_arch()->mutable_stem()->set_channels(0);
  EXPECT_EQ(EvaluateSynthetic(request, {}, nullptr, nullptr).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace nasprune::worker
