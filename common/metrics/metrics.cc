#include "common/metrics/metrics.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <variant>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"

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

// A sample value or bucket bound as Prometheus reads it.
std::string FormatValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  constexpr double kTwoToThe53 = 9007199254740992.0;
  if (v == std::trunc(v) && std::abs(v) < kTwoToThe53) {
    return absl::StrCat(static_cast<int64_t>(v));  // Also folds -0 to "0".
  }
  char buffer[32];
  const auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), v);
  return std::string(buffer, end);
}

// HELP text: backslash and newline escaped.
std::string EscapeHelp(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

// Label value: backslash, double quote and newline escaped.
std::string EscapeLabelValue(absl::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

// `{a="x",b="y"}`, with `le="<le>"` last when given; "" without any label.
std::string LabelSet(const std::vector<std::string>& names,
                     const std::vector<std::string>& values,
                     std::optional<absl::string_view> le = std::nullopt) {
  if (names.empty() && !le.has_value()) return "";
  std::string out = "{";
  for (size_t i = 0; i < names.size(); ++i) {
    absl::StrAppend(&out, i > 0 ? "," : "", names[i], "=\"",
                    EscapeLabelValue(values[i]), "\"");
  }
  if (le.has_value()) {
    absl::StrAppend(&out, names.empty() ? "" : ",", "le=\"", *le, "\"");
  }
  out += "}";
  return out;
}

void AppendSamples(absl::string_view name,
                   const std::vector<std::string>& label_names,
                   const std::vector<std::string>& values,
                   const Counter& counter, std::string* out) {
  absl::StrAppend(out, name, LabelSet(label_names, values), " ",
                  FormatValue(counter.value()), "\n");
}

void AppendSamples(absl::string_view name,
                   const std::vector<std::string>& label_names,
                   const std::vector<std::string>& values, const Gauge& gauge,
                   std::string* out) {
  absl::StrAppend(out, name, LabelSet(label_names, values), " ",
                  FormatValue(gauge.value()), "\n");
}

void AppendSamples(absl::string_view name,
                   const std::vector<std::string>& label_names,
                   const std::vector<std::string>& values,
                   const Histogram& histogram, std::string* out) {
  // One snapshot, so that le="+Inf" and _count agree.
  const std::vector<uint64_t> counts = histogram.bucket_counts();
  const std::vector<double>& bounds = histogram.upper_bounds();
  for (size_t i = 0; i < counts.size(); ++i) {
    const std::string le =
        i < bounds.size() ? FormatValue(bounds[i]) : std::string("+Inf");
    absl::StrAppend(out, name, "_bucket", LabelSet(label_names, values, le),
                    " ", counts[i], "\n");
  }
  const std::string labels = LabelSet(label_names, values);
  absl::StrAppend(out, name, "_sum", labels, " ", FormatValue(histogram.sum()),
                  "\n");
  absl::StrAppend(out, name, "_count", labels, " ", counts.back(), "\n");
}

}  // namespace

// ---- Counter, Gauge, Histogram ----

void Counter::Increment(double v) {
  if (!(v >= 0)) return;  // Negative or NaN.
  value_.fetch_add(v, std::memory_order_relaxed);
}

double Counter::value() const { return value_.load(std::memory_order_relaxed); }

void Gauge::Set(double v) { value_.store(v, std::memory_order_relaxed); }

void Gauge::Add(double v) { value_.fetch_add(v, std::memory_order_relaxed); }

double Gauge::value() const { return value_.load(std::memory_order_relaxed); }

Histogram::Histogram(std::vector<double> upper_bounds)
    : upper_bounds_(CheckedBuckets("Histogram", std::move(upper_bounds))),
      buckets_(std::make_unique<std::atomic<uint64_t>[]>(upper_bounds_.size() +
                                                         1)) {}

void Histogram::Observe(double v) {
  // The first bound b with v <= b; none (the +Inf bucket) for NaN.
  const auto it =
      std::partition_point(upper_bounds_.begin(), upper_bounds_.end(),
                           [v](double bound) { return !(v <= bound); });
  buckets_[it - upper_bounds_.begin()].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(v, std::memory_order_relaxed);
}

uint64_t Histogram::count() const { return bucket_counts().back(); }

double Histogram::sum() const { return sum_.load(std::memory_order_relaxed); }

std::vector<uint64_t> Histogram::bucket_counts() const {
  std::vector<uint64_t> counts(upper_bounds_.size() + 1);
  uint64_t total = 0;
  for (size_t i = 0; i < counts.size(); ++i) {
    total += buckets_[i].load(std::memory_order_relaxed);
    counts[i] = total;
  }
  return counts;
}

// ---- Family ----

template <typename T>
Family<T>::Family(std::string name, std::vector<std::string> label_names,
                  Factory make_child)
    : name_(std::move(name)),
      label_names_(std::move(label_names)),
      make_child_(std::move(make_child)) {}

template <typename T>
T& Family<T>::Labels(const std::vector<std::string>& values) {
  if (values.size() != label_names_.size()) {
    Fail(absl::StrCat("\"", name_, "\": got ", values.size(),
                      " label values for the ", label_names_.size(),
                      " label names [", absl::StrJoin(label_names_, ", "),
                      "]"));
  }
  {
    absl::ReaderMutexLock lock(&mu_);
    const auto it = index_.find(values);
    if (it != index_.end()) return *it->second;
  }
  absl::MutexLock lock(&mu_);
  const auto [it, inserted] = index_.try_emplace(values, nullptr);
  if (inserted) {
    children_.emplace_back(values, make_child_());
    it->second = children_.back().second.get();
  }
  return *it->second;
}

template <typename T>
void Family<T>::ForEachChild(Visitor visit) const {
  absl::ReaderMutexLock lock(&mu_);
  for (const auto& [values, child] : children_) visit(values, *child);
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;

// ---- Registry ----

struct Registry::Entry {
  std::string name;
  std::string help;
  const char* type;  // "counter", "gauge" or "histogram".
  std::variant<std::unique_ptr<Family<Counter>>, std::unique_ptr<Family<Gauge>>,
               std::unique_ptr<Family<Histogram>>>
      family;
};

Registry::Registry() = default;
Registry::~Registry() = default;

void Registry::Add(std::unique_ptr<Entry> entry) {
  absl::MutexLock lock(&mu_);
  if (!names_.insert(entry->name).second) {
    Fail(absl::StrCat(entry->type, " \"", entry->name,
                      "\": the name is already registered"));
  }
  entries_.push_back(std::move(entry));
}

Counter& Registry::AddCounter(std::string name, std::string help) {
  return AddCounterFamily(std::move(name), std::move(help), {}).Labels({});
}

Family<Counter>& Registry::AddCounterFamily(
    std::string name, std::string help, std::vector<std::string> label_names) {
  CheckMetric(name, "counter", label_names);
  std::unique_ptr<Family<Counter>> family(
      new Family<Counter>(name, std::move(label_names),
                          [] { return std::make_unique<Counter>(); }));
  Family<Counter>& result = *family;
  Add(std::make_unique<Entry>(
      Entry{std::move(name), std::move(help), "counter", std::move(family)}));
  return result;
}

Gauge& Registry::AddGauge(std::string name, std::string help) {
  return AddGaugeFamily(std::move(name), std::move(help), {}).Labels({});
}

Family<Gauge>& Registry::AddGaugeFamily(std::string name, std::string help,
                                        std::vector<std::string> label_names) {
  CheckMetric(name, "gauge", label_names);
  std::unique_ptr<Family<Gauge>> family(new Family<Gauge>(
      name, std::move(label_names), [] { return std::make_unique<Gauge>(); }));
  Family<Gauge>& result = *family;
  Add(std::make_unique<Entry>(
      Entry{std::move(name), std::move(help), "gauge", std::move(family)}));
  return result;
}

Histogram& Registry::AddHistogram(std::string name, std::string help,
                                  std::vector<double> buckets) {
  return AddHistogramFamily(std::move(name), std::move(help), {},
                            std::move(buckets))
      .Labels({});
}

Family<Histogram>& Registry::AddHistogramFamily(
    std::string name, std::string help, std::vector<std::string> label_names,
    std::vector<double> buckets) {
  CheckMetric(name, "histogram", label_names);
  buckets = CheckedBuckets(absl::StrCat("histogram \"", name, "\""),
                           std::move(buckets));
  std::unique_ptr<Family<Histogram>> family(new Family<Histogram>(
      name, std::move(label_names), [buckets = std::move(buckets)] {
        return std::make_unique<Histogram>(buckets);
      }));
  Family<Histogram>& result = *family;
  Add(std::make_unique<Entry>(
      Entry{std::move(name), std::move(help), "histogram", std::move(family)}));
  return result;
}

std::string Registry::TextFormat() const {
  std::string out;
  absl::ReaderMutexLock lock(&mu_);
  for (const std::unique_ptr<Entry>& entry : entries_) {
    absl::StrAppend(&out, "# HELP ", entry->name, " ", EscapeHelp(entry->help),
                    "\n# TYPE ", entry->name, " ", entry->type, "\n");
    std::visit(
        [&](const auto& family) {
          family->ForEachChild(
              [&](const std::vector<std::string>& values, const auto& metric) {
                AppendSamples(entry->name, family->label_names(), values,
                              metric, &out);
              });
        },
        entry->family);
  }
  return out;
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
