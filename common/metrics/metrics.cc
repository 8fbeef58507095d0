#include "common/metrics/metrics.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <type_traits>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "prometheus/text_serializer.h"

namespace nasprune::metrics {
namespace {

constexpr absl::string_view kPrefix = "nasprune_";

// Start-up invariants only: prints `message` and aborts.
[[noreturn]] void Fail(absl::string_view message) {
  std::fprintf(stderr, "nasprune::metrics: %.*s\n",
               static_cast<int>(message.size()), message.data());
  std::fflush(stderr);
  std::abort();
}

bool IsAsciiLetter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool IsAsciiDigit(char c) { return c >= '0' && c <= '9'; }

// [a-zA-Z_:][a-zA-Z0-9_:]*
bool IsValidMetricName(absl::string_view name) {
  if (name.empty() || IsAsciiDigit(name[0])) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return IsAsciiLetter(c) || IsAsciiDigit(c) || c == '_' || c == ':';
  });
}

// [a-zA-Z_][a-zA-Z0-9_]*
bool IsValidLabelName(absl::string_view name) {
  if (name.empty() || IsAsciiDigit(name[0])) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return IsAsciiLetter(c) || IsAsciiDigit(c) || c == '_';
  });
}

// The checks every Add* makes before building anything. `type` is the
// Prometheus type name.
void CheckMetric(absl::string_view name, absl::string_view type,
                 const std::vector<std::string>& label_names) {
  if (!IsValidMetricName(name)) {
    Fail(absl::StrCat(type, " \"", name,
                      "\": not a valid metric name; it must match "
                      "[a-zA-Z_:][a-zA-Z0-9_:]*"));
  }
  if (!absl::StartsWith(name, kPrefix)) {
    Fail(absl::StrCat(type, " \"", name, "\": the name must start with \"",
                      kPrefix, "\""));
  }
  if (type == "counter" && !absl::EndsWith(name, "_total")) {
    Fail(absl::StrCat(type, " \"", name,
                      "\": a counter name must end in \"_total\""));
  }
  for (size_t i = 0; i < label_names.size(); ++i) {
    const std::string& label = label_names[i];
    if (!IsValidLabelName(label)) {
      Fail(absl::StrCat(
          type, " \"", name, "\": label name \"", label,
          "\" is not valid; it must match [a-zA-Z_][a-zA-Z0-9_]*"));
    }
    if (absl::StartsWith(label, "__")) {
      Fail(absl::StrCat(type, " \"", name, "\": label name \"", label,
                        "\" starts with \"__\", which Prometheus reserves"));
    }
    if (type == "histogram" && label == "le") {
      Fail(absl::StrCat(type, " \"", name,
                        "\": label name \"le\" is reserved for buckets"));
    }
    for (size_t j = 0; j < i; ++j) {
      if (label_names[j] == label) {
        Fail(absl::StrCat(type, " \"", name, "\": label name \"", label,
                          "\" appears twice"));
      }
    }
  }
}

// Returns `bounds` when they are valid histogram buckets; aborts otherwise.
// `what` names the histogram in messages.
std::vector<double> CheckedBuckets(absl::string_view what,
                                   std::vector<double> bounds) {
  if (bounds.empty()) {
    Fail(absl::StrCat(what, ": buckets are empty; give at least one bound"));
  }
  for (size_t i = 0; i < bounds.size(); ++i) {
    if (!std::isfinite(bounds[i])) {
      Fail(absl::StrCat(what, ": bucket ", i, " is ", bounds[i],
                        "; bounds must be finite (+Inf is implicit)"));
    }
    if (i > 0 && !(bounds[i] > bounds[i - 1])) {
      Fail(absl::StrCat(what, ": buckets are not strictly increasing: bucket ",
                        i, " (", bounds[i], ") follows ", bounds[i - 1]));
    }
  }
  return bounds;
}

}  // namespace

// ---- Family ----

template <typename T>
Family<T>::Family(std::string name, std::vector<std::string> label_names,
                  prometheus::Family<T>& family, std::vector<double> buckets)
    : name_(std::move(name)),
      label_names_(std::move(label_names)),
      family_(family),
      buckets_(std::move(buckets)) {}

template <typename T>
prometheus::Labels Family<T>::LabelMap(
    const std::vector<std::string>& values) const {
  if (values.size() != label_names_.size()) {
    Fail(absl::StrCat("\"", name_, "\": got ", values.size(),
                      " label values for the ", label_names_.size(),
                      " label names"));
  }
  prometheus::Labels labels;
  for (size_t i = 0; i < values.size(); ++i) {
    labels.emplace(label_names_[i], values[i]);
  }
  return labels;
}

template <typename T>
T& Family<T>::Labels(const std::vector<std::string>& values) {
  if constexpr (std::is_same_v<T, Histogram>) {
    return family_.Add(LabelMap(values), buckets_);
  } else {
    return family_.Add(LabelMap(values));
  }
}

template <typename T>
void Family<T>::Remove(const std::vector<std::string>& values) {
  const prometheus::Labels labels = LabelMap(values);
  // Has() and Add() of an existing child only look it up.
  if (!family_.Has(labels)) return;
  if constexpr (std::is_same_v<T, Histogram>) {
    family_.Remove(&family_.Add(labels, buckets_));
  } else {
    family_.Remove(&family_.Add(labels));
  }
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;

// ---- Registry ----

Registry::Registry()
    : registry_(std::make_shared<prometheus::Registry>(
          prometheus::Registry::InsertBehavior::Throw)) {}

Registry::~Registry() = default;

void Registry::Reserve(const std::string& name, const char* type,
                       const std::vector<std::string>& label_names) {
  CheckMetric(name, type, label_names);
  absl::MutexLock lock(&mu_);
  if (!names_.insert(name).second) {
    Fail(absl::StrCat(type, " \"", name, "\": the name is already registered"));
  }
}

template <typename T>
Family<T>& Registry::Keep(std::unique_ptr<Family<T>> family) {
  Family<T>& result = *family;
  absl::MutexLock lock(&mu_);
  if constexpr (std::is_same_v<T, Counter>) {
    counters_.push_back(std::move(family));
  } else if constexpr (std::is_same_v<T, Gauge>) {
    gauges_.push_back(std::move(family));
  } else {
    histograms_.push_back(std::move(family));
  }
  return result;
}

Family<Counter>& Registry::AddCounterFamily(
    std::string name, std::string help, std::vector<std::string> label_names) {
  Reserve(name, "counter", label_names);
  prometheus::Family<Counter>& family =
      prometheus::BuildCounter().Name(name).Help(help).Register(*registry_);
  return Keep(std::unique_ptr<Family<Counter>>(new Family<Counter>(
      std::move(name), std::move(label_names), family, {})));
}

Counter& Registry::AddCounter(std::string name, std::string help) {
  return AddCounterFamily(std::move(name), std::move(help), {}).Labels({});
}

Family<Gauge>& Registry::AddGaugeFamily(std::string name, std::string help,
                                        std::vector<std::string> label_names) {
  Reserve(name, "gauge", label_names);
  prometheus::Family<Gauge>& family =
      prometheus::BuildGauge().Name(name).Help(help).Register(*registry_);
  return Keep(std::unique_ptr<Family<Gauge>>(
      new Family<Gauge>(std::move(name), std::move(label_names), family, {})));
}

Gauge& Registry::AddGauge(std::string name, std::string help) {
  return AddGaugeFamily(std::move(name), std::move(help), {}).Labels({});
}

Family<Histogram>& Registry::AddHistogramFamily(
    std::string name, std::string help, std::vector<std::string> label_names,
    std::vector<double> buckets) {
  Reserve(name, "histogram", label_names);
  buckets = CheckedBuckets(absl::StrCat("histogram \"", name, "\""),
                           std::move(buckets));
  prometheus::Family<Histogram>& family =
      prometheus::BuildHistogram().Name(name).Help(help).Register(*registry_);
  return Keep(std::unique_ptr<Family<Histogram>>(new Family<Histogram>(
      std::move(name), std::move(label_names), family, std::move(buckets))));
}

Histogram& Registry::AddHistogram(std::string name, std::string help,
                                  std::vector<double> buckets) {
  return AddHistogramFamily(std::move(name), std::move(help), {},
                            std::move(buckets))
      .Labels({});
}

std::string Registry::TextFormat() const {
  return prometheus::TextSerializer().Serialize(registry_->Collect());
}

// ---- Buckets ----

std::vector<double> ExponentialBuckets(double start, double factor, int count) {
  if (!(start > 0) || !(factor > 1) || count < 1) {
    Fail(absl::StrCat("ExponentialBuckets(start=", start, ", factor=", factor,
                      ", count=", count,
                      "): needs start > 0, factor > 1 and count >= 1"));
  }
  std::vector<double> buckets;
  buckets.reserve(count);
  double bound = start;
  for (int i = 0; i < count; ++i) {
    buckets.push_back(bound);
    bound *= factor;
  }
  return buckets;
}

}  // namespace nasprune::metrics
