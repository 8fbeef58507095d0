#include "common/metrics/metrics.h"

#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace nasprune::metrics {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr double kInf = std::numeric_limits<double>::infinity();

TEST(ExponentialBuckets, MultipliesFromStart) {
  EXPECT_THAT(ExponentialBuckets(/*start=*/0.5, /*factor=*/4, /*count=*/4),
              ElementsAre(0.5, 2, 8, 32));
}

TEST(Family, SameLabelValuesGiveTheSameObject) {
  Registry registry;
  Family<Counter>& family =
      registry.AddCounterFamily("nasprune_jobs_total", "Jobs.", {"state"});
  Counter& done = family.Labels({"done"});
  Counter& failed = family.Labels({"failed"});
  EXPECT_NE(&done, &failed);
  EXPECT_EQ(&family.Labels({"done"}), &done);
  done.Increment();
  EXPECT_EQ(family.Labels({"done"}).Value(), 1);
  EXPECT_EQ(failed.Value(), 0);
  EXPECT_EQ(family.name(), "nasprune_jobs_total");
  EXPECT_THAT(family.label_names(), ElementsAre("state"));
}

TEST(Family, RemoveDropsTheSeriesAndLabelsMakesItAgainFromZero) {
  Registry registry;
  Family<Gauge>& best =
      registry.AddGaugeFamily("nasprune_best_accuracy", "Best.", {"job"});
  best.Labels({"a"}).Set(0.9);
  best.Labels({"b"}).Set(0.8);
  best.Remove({"a"});
  best.Remove({"never-made"});  // Nothing to remove: no effect.
  const std::string text = registry.TextFormat();
  EXPECT_THAT(text, Not(HasSubstr("job=\"a\"")));
  EXPECT_THAT(text, HasSubstr("nasprune_best_accuracy{job=\"b\"} 0.8"));
  EXPECT_EQ(best.Labels({"a"}).Value(), 0);
}

TEST(Registry, TextFormatHasEveryTypeWithHelpTypeAndSamples) {
  Registry registry;
  Counter& requests =
      registry.AddCounter("nasprune_requests_total", "Requests served.");
  Family<Gauge>& temperature = registry.AddGaugeFamily(
      "nasprune_gpu_temperature_celsius", "GPU temperature.", {"gpu", "zone"});
  registry.AddCounterFamily("nasprune_unused_total", "Never used.", {"kind"});
  Histogram& latency = registry.AddHistogram("nasprune_rpc_latency_seconds",
                                             "RPC latency.", {0.25, 1, 2.5});
  Family<Histogram>& batch = registry.AddHistogramFamily(
      "nasprune_batch_size", "Batch size.", {"model"}, {8, 64});

  requests.Increment(3);
  temperature.Labels({"1", "core"}).Set(71.5);
  temperature.Labels({"0", "mem"}).Set(-3);
  latency.Observe(0.25);
  latency.Observe(0.5);
  latency.Observe(7);
  batch.Labels({"resnet"}).Observe(16);

  const std::string text = registry.TextFormat();
  for (const char* line : {
           "# HELP nasprune_requests_total Requests served.\n",
           "# TYPE nasprune_requests_total counter\n",
           "\nnasprune_requests_total 3\n",
           "# TYPE nasprune_gpu_temperature_celsius gauge\n",
           "nasprune_gpu_temperature_celsius{gpu=\"1\",zone=\"core\"} 71.5\n",
           "nasprune_gpu_temperature_celsius{gpu=\"0\",zone=\"mem\"} -3\n",
           "# TYPE nasprune_rpc_latency_seconds histogram\n",
           "nasprune_rpc_latency_seconds_bucket{le=\"0.25\"} 1\n",
           "nasprune_rpc_latency_seconds_bucket{le=\"1\"} 2\n",
           "nasprune_rpc_latency_seconds_bucket{le=\"2.5\"} 2\n",
           "nasprune_rpc_latency_seconds_bucket{le=\"+Inf\"} 3\n",
           "nasprune_rpc_latency_seconds_sum 7.75\n",
           "nasprune_rpc_latency_seconds_count 3\n",
           "nasprune_batch_size_bucket{model=\"resnet\",le=\"8\"} 0\n",
           "nasprune_batch_size_bucket{model=\"resnet\",le=\"64\"} 1\n",
           "nasprune_batch_size_count{model=\"resnet\"} 1\n",
       }) {
    EXPECT_THAT(text, HasSubstr(line));
  }
  // A family without children has no sample line.
  EXPECT_THAT(text, Not(HasSubstr("\nnasprune_unused_total")));
}

TEST(Registry, EscapesBackslashQuoteAndNewlineInLabelValues) {
  Registry registry;
  registry.AddGaugeFamily("nasprune_g", "G.", {"path"})
      .Labels({"C:\\dir \"x\"\nnext"})
      .Set(1);
  EXPECT_THAT(registry.TextFormat(),
              HasSubstr("nasprune_g{path=\"C:\\\\dir \\\"x\\\"\\nnext\"} 1\n"));
}

TEST(Registry, TheUnderlyingRegistryCollectsTheSameFamilies) {
  Registry registry;
  registry.AddGauge("nasprune_g", "G.").Set(2);
  registry.AddCounter("nasprune_c_total", "C.").Increment();
  EXPECT_EQ(registry.prometheus()->Collect().size(), 2u);
}

TEST(Concurrency, LabelLookupsFromFourThreadsShareOneChild) {
  Registry registry;
  Family<Counter>& family =
      registry.AddCounterFamily("nasprune_hits_total", "Hits.", {"worker"});
  constexpr int kThreads = 4;
  constexpr int kPerThread = 20000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&family, t] {
      for (int i = 0; i < kPerThread; ++i) {
        family.Labels({"shared"}).Increment();
        family.Labels({std::to_string(t)}).Increment();
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(family.Labels({"shared"}).Value(), kThreads * kPerThread);
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(family.Labels({std::to_string(t)}).Value(), kPerThread);
  }
}

// Registration rules: each breach aborts with a message naming the metric.

TEST(RegistryDeathTest, NameRegisteredTwice) {
  Registry registry;
  registry.AddGauge("nasprune_queue_length", "Queue.");
  EXPECT_DEATH(registry.AddGaugeFamily("nasprune_queue_length", "Again.", {}),
               "\"nasprune_queue_length\": the name is already registered");
}

TEST(RegistryDeathTest, InvalidMetricName) {
  Registry registry;
  EXPECT_DEATH(registry.AddGauge("nasprune_queue-length", "Queue."),
               "\"nasprune_queue-length\": not a valid metric name");
}

TEST(RegistryDeathTest, NameWithoutPrefix) {
  Registry registry;
  EXPECT_DEATH(registry.AddGauge("queue_length", "Queue."),
               "\"queue_length\": the name must start with \"nasprune_\"");
}

TEST(RegistryDeathTest, CounterNameWithoutTotalSuffix) {
  Registry registry;
  EXPECT_DEATH(registry.AddCounter("nasprune_trials", "Trials."),
               "\"nasprune_trials\": a counter name must end in \"_total\"");
}

TEST(RegistryDeathTest, InvalidLabelName) {
  Registry registry;
  EXPECT_DEATH(
      registry.AddCounterFamily("nasprune_trials_total", "T.", {"1st"}),
      "\"nasprune_trials_total\": label name \"1st\" is not valid");
}

TEST(RegistryDeathTest, ReservedLabelName) {
  Registry registry;
  EXPECT_DEATH(
      registry.AddCounterFamily("nasprune_trials_total", "T.", {"__name"}),
      "\"nasprune_trials_total\": label name \"__name\" starts with \"__\"");
}

TEST(RegistryDeathTest, DuplicateLabelName) {
  Registry registry;
  EXPECT_DEATH(
      registry.AddGaugeFamily("nasprune_g", "G.", {"gpu", "zone", "gpu"}),
      "\"nasprune_g\": label name \"gpu\" appears twice");
}

TEST(RegistryDeathTest, LeLabelInHistogramFamily) {
  Registry registry;
  EXPECT_DEATH(registry.AddHistogramFamily("nasprune_h", "H.", {"le"}, {1}),
               "\"nasprune_h\": label name \"le\" is reserved");
}

TEST(RegistryDeathTest, EmptyBuckets) {
  Registry registry;
  EXPECT_DEATH(registry.AddHistogram("nasprune_h", "H.", {}),
               "\"nasprune_h\": buckets are empty");
}

TEST(RegistryDeathTest, UnsortedBuckets) {
  Registry registry;
  EXPECT_DEATH(registry.AddHistogram("nasprune_h", "H.", {1, 5, 2}),
               "\"nasprune_h\": buckets are not strictly increasing");
}

TEST(RegistryDeathTest, RepeatedBucket) {
  Registry registry;
  EXPECT_DEATH(registry.AddHistogram("nasprune_h", "H.", {1, 1}),
               "\"nasprune_h\": buckets are not strictly increasing");
}

TEST(RegistryDeathTest, InfiniteBucket) {
  Registry registry;
  EXPECT_DEATH(registry.AddHistogram("nasprune_h", "H.", {1, kInf}),
               "\"nasprune_h\": bucket 1 is inf; bounds must be finite");
}

TEST(RegistryDeathTest, WrongNumberOfLabelValues) {
  Registry registry;
  Family<Gauge>& family =
      registry.AddGaugeFamily("nasprune_g", "G.", {"gpu", "zone"});
  EXPECT_DEATH(family.Labels({"0"}),
               "\"nasprune_g\": got 1 label values for the 2 label names");
}

TEST(RegistryDeathTest, ExponentialBucketsWithFactorOne) {
  EXPECT_DEATH(ExponentialBuckets(/*start=*/1, /*factor=*/1, /*count=*/3),
               "needs start > 0, factor > 1 and count >= 1");
}

}  // namespace
}  // namespace nasprune::metrics
