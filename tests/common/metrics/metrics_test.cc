#include "common/metrics/metrics.h"

#include <cmath>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace nasprune::metrics {
namespace {

using ::testing::ElementsAre;

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

TEST(Counter, IncrementsByOneOrByAmount) {
  Counter counter;
  counter.Increment();
  counter.Increment(2.5);
  EXPECT_EQ(counter.value(), 3.5);
}

TEST(Counter, IgnoresNegativeAndNanIncrements) {
  Counter counter;
  counter.Increment(4);
  counter.Increment(-1);
  counter.Increment(kNaN);
  EXPECT_EQ(counter.value(), 4);
}

TEST(Gauge, SetReplacesAndAddAccumulates) {
  Gauge gauge;
  gauge.Set(10);
  gauge.Add(-2.5);
  gauge.Add(1);
  EXPECT_EQ(gauge.value(), 8.5);
  gauge.Set(-1);
  EXPECT_EQ(gauge.value(), -1);
}

TEST(Histogram, BucketCountsAreCumulativeAndEndWithInf) {
  Histogram histogram({1, 5, 10});
  for (double v : {0.5, 1.0, 3.0, 10.0, 11.0, 1000.0}) histogram.Observe(v);
  // le=1 holds 0.5 and 1 (bounds are inclusive); +Inf holds everything.
  EXPECT_THAT(histogram.bucket_counts(), ElementsAre(2, 3, 4, 6));
  EXPECT_EQ(histogram.count(), 6);
  EXPECT_EQ(histogram.sum(), 1025.5);
}

TEST(Histogram, NanFallsOnlyInTheInfBucket) {
  Histogram histogram({1});
  histogram.Observe(kNaN);
  EXPECT_THAT(histogram.bucket_counts(), ElementsAre(0, 1));
}

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
  EXPECT_EQ(family.Labels({"done"}).value(), 1);
  EXPECT_EQ(failed.value(), 0);
}

TEST(Registry, TextFormatOfASmallRegistry) {
  Registry registry;
  Counter& requests = registry.AddCounter(
      "nasprune_requests_total", "Requests served.\nAll, even C:\\ \"ones\".");
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

  EXPECT_EQ(
      registry.TextFormat(),
      R"(# HELP nasprune_requests_total Requests served.\nAll, even C:\\ "ones".
# TYPE nasprune_requests_total counter
nasprune_requests_total 3
# HELP nasprune_gpu_temperature_celsius GPU temperature.
# TYPE nasprune_gpu_temperature_celsius gauge
nasprune_gpu_temperature_celsius{gpu="1",zone="core"} 71.5
nasprune_gpu_temperature_celsius{gpu="0",zone="mem"} -3
# HELP nasprune_unused_total Never used.
# TYPE nasprune_unused_total counter
# HELP nasprune_rpc_latency_seconds RPC latency.
# TYPE nasprune_rpc_latency_seconds histogram
nasprune_rpc_latency_seconds_bucket{le="0.25"} 1
nasprune_rpc_latency_seconds_bucket{le="1"} 2
nasprune_rpc_latency_seconds_bucket{le="2.5"} 2
nasprune_rpc_latency_seconds_bucket{le="+Inf"} 3
nasprune_rpc_latency_seconds_sum 7.75
nasprune_rpc_latency_seconds_count 3
# HELP nasprune_batch_size Batch size.
# TYPE nasprune_batch_size histogram
nasprune_batch_size_bucket{model="resnet",le="8"} 0
nasprune_batch_size_bucket{model="resnet",le="64"} 1
nasprune_batch_size_bucket{model="resnet",le="+Inf"} 1
nasprune_batch_size_sum{model="resnet"} 16
nasprune_batch_size_count{model="resnet"} 1
)");
}

TEST(Registry, EscapesBackslashQuoteAndNewlineInLabelValues) {
  Registry registry;
  registry.AddGaugeFamily("nasprune_g", "G.", {"path"})
      .Labels({"C:\\dir \"x\"\nnext"})
      .Set(1);
  EXPECT_THAT(registry.TextFormat(),
              ::testing::HasSubstr(
                  "nasprune_g{path=\"C:\\\\dir \\\"x\\\"\\nnext\"} 1\n"));
}

// The sample line of a lone gauge set to `v`.
std::string GaugeSample(double v) {
  Registry registry;
  registry.AddGauge("nasprune_g", "G.").Set(v);
  const std::string text = registry.TextFormat();
  return text.substr(text.rfind("nasprune_g "));
}

TEST(Registry, IntegralValuesPrintWithoutExponent) {
  EXPECT_EQ(GaugeSample(1e6), "nasprune_g 1000000\n");
  EXPECT_EQ(GaugeSample(-0.0), "nasprune_g 0\n");
  EXPECT_EQ(GaugeSample(9007199254740991.0), "nasprune_g 9007199254740991\n");
}

TEST(Registry, FractionsAndHugeValuesPrintInShortestRoundTripForm) {
  EXPECT_EQ(GaugeSample(0.1), "nasprune_g 0.1\n");
  EXPECT_EQ(GaugeSample(1.0 / 3), "nasprune_g 0.3333333333333333\n");
  EXPECT_EQ(GaugeSample(1e-7), "nasprune_g 1e-07\n");
  EXPECT_EQ(GaugeSample(1e300), "nasprune_g 1e+300\n");
}

TEST(Registry, InfinitiesAndNanUsePrometheusSpelling) {
  EXPECT_EQ(GaugeSample(kInf), "nasprune_g +Inf\n");
  EXPECT_EQ(GaugeSample(-kInf), "nasprune_g -Inf\n");
  EXPECT_EQ(GaugeSample(kNaN), "nasprune_g NaN\n");
}

TEST(Concurrency, IncrementsFromFourThreadsSumExactly) {
  Registry registry;
  Counter& counter = registry.AddCounter("nasprune_hits_total", "Hits.");
  constexpr int kThreads = 4;
  constexpr int kPerThread = 200000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&counter] {
      for (int i = 0; i < kPerThread; ++i) counter.Increment();
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(counter.value(), kThreads * kPerThread);
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
  EXPECT_EQ(family.Labels({"shared"}).value(), kThreads * kPerThread);
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(family.Labels({std::to_string(t)}).value(), kPerThread);
  }
}

TEST(Concurrency, ObservationsFromFourThreadsAreAllCounted) {
  Histogram histogram({0.5});
  constexpr int kThreads = 4;
  constexpr int kPerThread = 50000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&histogram] {
      for (int i = 0; i < kPerThread; ++i) histogram.Observe(i % 2);
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_THAT(histogram.bucket_counts(),
              ElementsAre(kThreads * kPerThread / 2, kThreads * kPerThread));
  EXPECT_EQ(histogram.sum(), kThreads * kPerThread / 2);
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
