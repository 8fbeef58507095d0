#ifndef NASPRUNE_COMMON_METRICS_METRICS_H_
#define NASPRUNE_COMMON_METRICS_METRICS_H_

// Our metrics on prometheus-cpp: its Counter, Gauge and Histogram, in
// families with a fixed list of label names, on one registry per process,
// rendered by its text serializer (exposition format 0.0.4).
//
// What this file adds to prometheus-cpp:
// - A family's label names are fixed when it is registered and its children
//   are looked up by values in that order (`Labels({"succeeded"})`), so a
//   recording site cannot invent a label.
// - Our naming rules, checked at registration. They are start-up
//   invariants; breaking one aborts the process with a message naming the
//   metric: a name must match [a-zA-Z_:][a-zA-Z0-9_:]* and start with
//   "nasprune_", a counter name must end in "_total", a name may be
//   registered only once, label names must match [a-zA-Z_][a-zA-Z0-9_]*,
//   must not start with "__" and must be distinct ("le" is also reserved in
//   histogram families), and histogram buckets must be a non-empty, strictly
//   increasing list of finite upper bounds (+Inf is implicit).
//
// Contract: a binary declares its metrics in one place at start-up, on one
// Registry, and passes the returned references to the components that
// record them. Every reference stays valid for the Registry's lifetime,
// except a child that Family::Remove took away.
//
// Thread-safety: everything here may be called from any thread. Metric
// updates are lock-free; Family::Labels takes the family's mutex, so hot
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

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace nasprune::metrics {

using Counter = prometheus::Counter;
using Gauge = prometheus::Gauge;
using Histogram = prometheus::Histogram;

// Metrics of one name told apart by the values of fixed label names. Made
// by Registry.
template <typename T>
class Family {
 public:
  Family(const Family&) = delete;
  Family& operator=(const Family&) = delete;

  // The child for `values` (one per label name, in the same order), created
  // on first use; the same object for the same values. Aborts, naming the
  // metric, when values.size() differs from the number of label names.
  T& Labels(const std::vector<std::string>& values);

  // Drops the child for `values`, if any, so that its series leaves the
  // output (a job that ended); references to it become invalid.
  void Remove(const std::vector<std::string>& values);

  const std::string& name() const { return name_; }
  const std::vector<std::string>& label_names() const { return label_names_; }

 private:
  friend class Registry;
  Family(std::string name, std::vector<std::string> label_names,
         prometheus::Family<T>& family, std::vector<double> buckets);

  prometheus::Labels LabelMap(const std::vector<std::string>& values) const;

  const std::string name_;
  const std::vector<std::string> label_names_;
  prometheus::Family<T>& family_;
  const std::vector<double> buckets_;  // Histograms only.
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

  // Every metric in the Prometheus text exposition format 0.0.4, as
  // prometheus-cpp's TextSerializer writes it.
  std::string TextFormat() const;

  // The prometheus-cpp registry underneath, for an exposer.
  const std::shared_ptr<prometheus::Registry>& prometheus() const {
    return registry_;
  }

 private:
  // Checks `name` and `label_names` and reserves the name; aborts on a
  // breach. `type` is the Prometheus type name.
  void Reserve(const std::string& name, const char* type,
               const std::vector<std::string>& label_names)
      ABSL_LOCKS_EXCLUDED(mu_);
  template <typename T>
  Family<T>& Keep(std::unique_ptr<Family<T>> family) ABSL_LOCKS_EXCLUDED(mu_);

  const std::shared_ptr<prometheus::Registry> registry_;
  absl::Mutex mu_;
  absl::flat_hash_set<std::string> names_ ABSL_GUARDED_BY(mu_);
  std::vector<std::unique_ptr<Family<Counter>>> counters_ ABSL_GUARDED_BY(mu_);
  std::vector<std::unique_ptr<Family<Gauge>>> gauges_ ABSL_GUARDED_BY(mu_);
  std::vector<std::unique_ptr<Family<Histogram>>> histograms_
      ABSL_GUARDED_BY(mu_);
};

// `count` bounds start, start*factor, start*factor^2, ... Aborts unless
// start > 0, factor > 1 and count >= 1.
std::vector<double> ExponentialBuckets(double start, double factor, int count);

}  // namespace nasprune::metrics

#endif  // NASPRUNE_COMMON_METRICS_METRICS_H_
