#ifndef NASPRUNE_COMMON_METRICS_METRICS_H_
#define NASPRUNE_COMMON_METRICS_METRICS_H_

// A small Prometheus-style metrics registry: counters, gauges and histograms,
// unlabelled or in labelled families, rendered in the Prometheus text
// exposition format 0.0.4 (what a /metrics endpoint serves).
//
// Contract:
// - A binary declares its metrics in one place at start-up, on one Registry,
//   and passes the returned references to the components that record them.
//   Every reference (Counter&, Family<T>&, and the children Family::Labels
//   returns) stays valid, at the same address, for the Registry's lifetime.
// - Registration rules are start-up invariants; breaking one is a programming
//   error that aborts the process with a message naming the metric: a name
//   must match [a-zA-Z_:][a-zA-Z0-9_:]* and start with "nasprune_", a counter
//   name must end in "_total", a name may be registered only once, label
//   names must match [a-zA-Z_][a-zA-Z0-9_]*, must not start with "__" and
//   must be distinct ("le" is also reserved in histogram families), and
//   histogram buckets must be a non-empty, strictly increasing list of finite
//   upper bounds (+Inf is implicit).
//
// Thread-safety: every method of every class here may be called from any
// thread concurrently. Counter, Gauge and Histogram updates are lock-free
// (std::atomic); Family::Labels and Registry methods take a mutex, so hot
// paths should look a child up once and keep the reference.
//
// Example:
//   Registry registry;
//   Counter& trials = registry.AddCounter("nasprune_trials_total",
//                                         "Trials finished.");
//   Family<Histogram>& duration = registry.AddHistogramFamily(
//       "nasprune_trial_duration_seconds", "Wall time of one trial.",
//       {"outcome"}, ExponentialBuckets(/*start=*/1, /*factor=*/2,
//                                       /*count=*/12));
//   trials.Increment();
//   duration.Labels({"ok"}).Observe(37.5);
//   std::string body = registry.TextFormat();

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/functional/function_ref.h"
#include "absl/synchronization/mutex.h"

namespace nasprune::metrics {

// A monotonically increasing value, starting at 0.
class Counter {
 public:
  Counter() = default;
  Counter(const Counter&) = delete;
  Counter& operator=(const Counter&) = delete;

  // Adds `v`. A negative or NaN `v` is ignored: a counter never decreases.
  void Increment(double v = 1);
  double value() const;

 private:
  std::atomic<double> value_{0};
};

// A value that goes up and down, starting at 0.
class Gauge {
 public:
  Gauge() = default;
  Gauge(const Gauge&) = delete;
  Gauge& operator=(const Gauge&) = delete;

  void Set(double v);
  // Adds `v` (which may be negative) atomically.
  void Add(double v);
  double value() const;

 private:
  std::atomic<double> value_{0};
};

// Counts observations into buckets by upper bound (an observation v falls in
// the first bucket whose bound b has v <= b; NaN falls only in +Inf) and
// keeps their sum.
class Histogram {
 public:
  // `upper_bounds`: non-empty, strictly increasing, finite; the +Inf bucket
  // is added implicitly. Aborts otherwise (Registry checks first, naming the
  // metric).
  explicit Histogram(std::vector<double> upper_bounds);
  Histogram(const Histogram&) = delete;
  Histogram& operator=(const Histogram&) = delete;

  void Observe(double v);
  // Equals bucket_counts().back().
  uint64_t count() const;
  double sum() const;
  // Cumulative counts, one per upper bound and then one for +Inf, so that
  // element i counts the observations <= upper_bounds()[i]. Each call reads
  // one snapshot: the counts never decrease along the vector.
  std::vector<uint64_t> bucket_counts() const;
  const std::vector<double>& upper_bounds() const { return upper_bounds_; }

 private:
  const std::vector<double> upper_bounds_;
  // Non-cumulative, upper_bounds_.size() + 1 of them (the last is +Inf).
  const std::unique_ptr<std::atomic<uint64_t>[]> buckets_;
  std::atomic<double> sum_{0};
};

// Metrics of one name told apart by label values. Made by Registry.
template <typename T>
class Family {
 public:
  Family(const Family&) = delete;
  Family& operator=(const Family&) = delete;

  // The child for `values` (one per label name, in the same order), created
  // on first use; the same object for the same values. Aborts, naming the
  // metric, when values.size() differs from the number of label names.
  T& Labels(const std::vector<std::string>& values) ABSL_LOCKS_EXCLUDED(mu_);

  const std::string& name() const { return name_; }
  const std::vector<std::string>& label_names() const { return label_names_; }

 private:
  friend class Registry;
  using Factory = std::function<std::unique_ptr<T>()>;
  using Visitor =
      absl::FunctionRef<void(const std::vector<std::string>&, const T&)>;

  Family(std::string name, std::vector<std::string> label_names,
         Factory make_child);

  // Calls `visit` on every child in first-use order, holding mu_.
  void ForEachChild(Visitor visit) const ABSL_LOCKS_EXCLUDED(mu_);

  const std::string name_;
  const std::vector<std::string> label_names_;
  const Factory make_child_;

  mutable absl::Mutex mu_;
  // In first-use order; the unique_ptrs keep children at stable addresses.
  std::vector<std::pair<std::vector<std::string>, std::unique_ptr<T>>> children_
      ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::vector<std::string>, T*> index_ ABSL_GUARDED_BY(mu_);
};

// Defined in metrics.cc for exactly these three.
extern template class Family<Counter>;
extern template class Family<Gauge>;
extern template class Family<Histogram>;

// Owns every metric registered on it and renders them all. Not copyable or
// movable, so that the references it hands out stay valid.
class Registry {
 public:
  Registry();
  ~Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // Each Add* registers `name` (see the rules at the top of this file; a
  // breach aborts) with `help`, the text of its # HELP line, and returns the
  // new metric. The unlabelled forms return the metric itself; the Family
  // forms return a family with `label_names`, which prints only its
  // # HELP/# TYPE lines until its first child is made.
  Counter& AddCounter(std::string name, std::string help);
  Family<Counter>& AddCounterFamily(std::string name, std::string help,
                                    std::vector<std::string> label_names);
  Gauge& AddGauge(std::string name, std::string help);
  Family<Gauge>& AddGaugeFamily(std::string name, std::string help,
                                std::vector<std::string> label_names);
  Histogram& AddHistogram(std::string name, std::string help,
                          std::vector<double> buckets);
  Family<Histogram>& AddHistogramFamily(std::string name, std::string help,
                                        std::vector<std::string> label_names,
                                        std::vector<double> buckets);

  // Every metric in the Prometheus text exposition format 0.0.4: metrics in
  // registration order, the children of a family in first-use order, a
  // histogram as <name>_bucket{...,le="..."} (cumulative, ending with
  // le="+Inf"), <name>_sum and <name>_count. Integral values below 2^53 print
  // without exponent ("3"), others in the shortest form that reads back as
  // the same double ("0.25", "1e+300"); infinities and NaN as "+Inf", "-Inf",
  // "NaN".
  std::string TextFormat() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  struct Entry;

  // Appends `entry` (whose name and labels are already checked); aborts when
  // its name is taken.
  void Add(std::unique_ptr<Entry> entry) ABSL_LOCKS_EXCLUDED(mu_);

  mutable absl::Mutex mu_;
  std::vector<std::unique_ptr<Entry>> entries_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_set<std::string> names_ ABSL_GUARDED_BY(mu_);
};

// `count` bounds start, start*factor, start*factor^2, ... Aborts unless
// start > 0, factor > 1 and count >= 1.
std::vector<double> ExponentialBuckets(double start, double factor, int count);

}  // namespace nasprune::metrics

#endif  // NASPRUNE_COMMON_METRICS_METRICS_H_
