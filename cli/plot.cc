#include "cli/plot.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"

namespace nasprune::cli {
namespace {

constexpr double kWidth = 860, kHeight = 540;
constexpr double kLeft = 80, kRight = 200, kTop = 50, kBottom = 70;

// A hand-designed network measured on a data set: the reference points.
struct KnownModel {
  const char* dataset;
  const char* label;
  double params, macs, latency_ms, test_accuracy;
};

// docs/benchmarks.md, "Reference genome accuracy": 15 epochs, 2 threads.
constexpr KnownModel kKnownModels[] = {
    {"fashion-mnist", "reference.yaml (by hand, 15 epochs)", 37386, 4662624,
     1.79, 0.9229},
};

std::string Escape(const std::string& text) {
  return absl::StrReplaceAll(
      text, {{"&", "&amp;"}, {"<", "&lt;"}, {">", "&gt;"}, {"\"", "&quot;"}});
}

// "950", "12k", "3.4M".
std::string Count(double v) {
  if (v >= 1e6) return absl::StrFormat("%gM", std::round(v / 1e5) / 10);
  if (v >= 1e3) return absl::StrFormat("%gk", std::round(v / 1e2) / 10);
  return absl::StrFormat("%g", v);
}

// A nice step for about `n` ticks over `span`: 1, 2 or 5 × 10^k.
double NiceStep(double span, int n) {
  const double raw = span / n;
  const double base = std::pow(10, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0}) {
    if (m * base >= raw) return m * base;
  }
  return 10 * base;
}

struct Axis {
  double lo = 0, hi = 1;
  bool log = false;
  double At(double v, double from, double to) const {
    const double t = log ? (std::log10(v) - std::log10(lo)) /
                               (std::log10(hi) - std::log10(lo))
                         : (v - lo) / (hi - lo);
    return from + t * (to - from);
  }
};

// Paler for lower rungs: the top rung is the darkest blue.
std::string RungColour(int rung, int rungs) {
  const double t = rungs <= 1 ? 1.0 : double(rung) / (rungs - 1);
  const int light = static_cast<int>(std::lround(200 - 150 * t));
  return absl::StrFormat("rgb(%d,%d,%d)", light - 20, light + 20, 235);
}

}  // namespace

std::string PlotSvg(const PlotData& data) {
  double xmin = INFINITY, xmax = -INFINITY, ymin = INFINITY, ymax = -INFINITY;
  auto extend = [&](double x, double y) {
    xmin = std::min(xmin, x);
    xmax = std::max(xmax, x);
    ymin = std::min(ymin, y);
    ymax = std::max(ymax, y);
  };
  for (const PlotPoint& p : data.points) extend(p.x, p.accuracy * 100);
  for (const ReferencePoint& r : data.references) extend(r.x, r.accuracy * 100);
  Axis x{.log = xmin > 0 && xmax / xmin > 10};
  if (x.log) {
    x.lo = std::pow(10, std::floor(std::log10(xmin) * 4) / 4);
    x.hi = std::pow(10, std::ceil(std::log10(xmax) * 4) / 4);
  } else {
    const double pad = std::max((xmax - xmin) * 0.05, std::abs(xmax) * 0.05);
    x.lo = std::max(0.0, xmin - pad);
    x.hi = xmax + (pad > 0 ? pad : 1);
  }
  Axis y;
  const double ypad = std::max((ymax - ymin) * 0.05, 0.5);
  y.lo = std::max(0.0, ymin - ypad);
  y.hi = std::min(100.0, ymax + ypad);
  if (y.hi <= y.lo) y.hi = y.lo + 1;
  const double px0 = kLeft, px1 = kWidth - kRight;
  const double py0 = kHeight - kBottom, py1 = kTop;  // y grows upwards.
  auto X = [&](double v) { return x.At(v, px0, px1); };
  auto Y = [&](double v) { return y.At(v, py0, py1); };

  std::string svg = absl::StrFormat(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%g\" height=\"%g\" "
      "viewBox=\"0 0 %g %g\" font-family=\"sans-serif\" font-size=\"12\">\n"
      "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
      "<text x=\"%g\" y=\"28\" font-size=\"16\" "
      "font-weight=\"bold\">%s</text>\n",
      kWidth, kHeight, kWidth, kHeight, kLeft, Escape(data.title));
  // Grid and ticks.
  std::vector<double> xticks;
  if (x.log) {
    for (double d = std::pow(10, std::floor(std::log10(x.lo))); d <= x.hi;
         d *= 10) {
      for (double m : {1.0, 2.0, 5.0}) {
        if (m * d >= x.lo && m * d <= x.hi) xticks.push_back(m * d);
      }
    }
  } else {
    const double step = NiceStep(x.hi - x.lo, 6);
    for (double v = std::ceil(x.lo / step) * step; v <= x.hi; v += step) {
      xticks.push_back(v);
    }
  }
  for (double v : xticks) {
    absl::StrAppendFormat(
        &svg,
        "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
        "stroke=\"#e4e4e4\"/>\n<text x=\"%.1f\" y=\"%.1f\" "
        "text-anchor=\"middle\">%s</text>\n",
        X(v), py0, X(v), py1, X(v), py0 + 18,
        x.log ? Count(v) : absl::StrFormat("%g", v));
  }
  const double ystep = NiceStep(y.hi - y.lo, 6);
  for (double v = std::ceil(y.lo / ystep) * ystep; v <= y.hi + 1e-9;
       v += ystep) {
    absl::StrAppendFormat(
        &svg,
        "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
        "stroke=\"#e4e4e4\"/>\n<text x=\"%.1f\" y=\"%.1f\" "
        "text-anchor=\"end\">%g</text>\n",
        px0, Y(v), px1, Y(v), px0 - 8, Y(v) + 4, std::round(v * 100) / 100);
  }
  absl::StrAppendFormat(
      &svg,
      "<rect x=\"%g\" y=\"%g\" width=\"%g\" height=\"%g\" fill=\"none\" "
      "stroke=\"#444\"/>\n"
      "<text x=\"%g\" y=\"%g\" text-anchor=\"middle\">%s</text>\n"
      "<text transform=\"translate(22 %g) rotate(-90)\" "
      "text-anchor=\"middle\">%s</text>\n",
      px0, py1, px1 - px0, py0 - py1, (px0 + px1) / 2, kHeight - 22,
      Escape(data.x_label + (x.log ? ", log scale" : "")), (py0 + py1) / 2,
      Escape(data.y_label));

  // The trials, lowest rung first so the top rung is drawn over it.
  std::vector<const PlotPoint*> order;
  for (const PlotPoint& p : data.points) order.push_back(&p);
  std::stable_sort(order.begin(), order.end(), [](auto* a, auto* b) {
    return std::pair(a->on_front, a->rung) < std::pair(b->on_front, b->rung);
  });
  // The 2-D front: the most accurate model at each cost or less.
  std::vector<const PlotPoint*> front;
  for (const PlotPoint& p : data.points) {
    if (p.on_front) front.push_back(&p);
  }
  std::sort(front.begin(), front.end(), [](auto* a, auto* b) {
    return a->x != b->x ? a->x < b->x : a->accuracy > b->accuracy;
  });
  std::string steps;
  double best = -1;
  for (const PlotPoint* p : front) {
    if (p->accuracy <= best) continue;
    if (steps.empty()) {
      steps = absl::StrFormat("M %.1f %.1f", X(p->x), Y(p->accuracy * 100));
    } else {
      absl::StrAppendFormat(&steps, " H %.1f V %.1f", X(p->x),
                            Y(p->accuracy * 100));
    }
    best = p->accuracy;
  }
  if (!steps.empty()) {
    absl::StrAppendFormat(&steps, " H %.1f", px1);
    absl::StrAppendFormat(&svg,
                          "<path d=\"%s\" fill=\"none\" stroke=\"#d62728\" "
                          "stroke-width=\"2\"/>\n",
                          steps);
  }
  for (const PlotPoint* p : order) {
    absl::StrAppendFormat(
        &svg, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%g\" fill=\"%s\"%s/>\n",
        X(p->x), Y(p->accuracy * 100), p->on_front ? 5.5 : 3.5,
        RungColour(p->rung, data.rungs),
        p->on_front ? " stroke=\"#d62728\" stroke-width=\"1.5\"" : "");
  }
  for (const ReferencePoint& r : data.references) {
    const double cx = X(r.x), cy = Y(r.accuracy * 100);
    // The label on the side with room: left of a point in the right half,
    // where it would run into the legend.
    const bool left = cx > (px0 + px1) / 2;
    absl::StrAppendFormat(
        &svg,
        "<path d=\"M %.1f %.1f l 6 6 l -6 6 l -6 -6 z\" fill=\"#2ca02c\" "
        "stroke=\"#145214\"/>\n<text x=\"%.1f\" y=\"%.1f\" "
        "text-anchor=\"%s\" fill=\"#145214\">%s</text>\n",
        cx, cy - 6, left ? cx - 9 : cx + 9, cy + 4, left ? "end" : "start",
        Escape(r.label));
  }
  // The legend.
  double ly = kTop + 10;
  const double lx = px1 + 20;
  auto legend = [&](const std::string& mark, const std::string& text) {
    absl::StrAppendFormat(&svg, "%s<text x=\"%.1f\" y=\"%.1f\">%s</text>\n",
                          mark, lx + 16, ly + 4, Escape(text));
    ly += 20;
  };
  for (int r = 0; r < data.rungs; ++r) {
    legend(absl::StrFormat("<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" "
                           "fill=\"%s\"/>",
                           lx + 4, ly, RungColour(r, data.rungs)),
           data.rungs > 1 ? absl::StrCat("trial, rung ", r) : "trial");
  }
  legend(absl::StrFormat("<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
                         "y2=\"%.1f\" stroke=\"#d62728\" stroke-width=\"2\"/>",
                         lx - 4, ly, lx + 12, ly),
         "Pareto front");
  if (!data.references.empty()) {
    legend(absl::StrFormat("<path d=\"M %.1f %.1f l 5 5 l -5 5 l -5 -5 z\" "
                           "fill=\"#2ca02c\"/>",
                           lx + 4, ly - 5),
           "hand-designed");
  }
  svg += "</svg>\n";
  return svg;
}

absl::Status PlotCommand(ControllerClient& client, const std::string& job_id,
                         const std::string& x_axis, const std::string& path,
                         std::ostream& out) {
  if (std::find(std::begin(kPlotAxes), std::end(kPlotAxes), x_axis) ==
      std::end(kPlotAxes)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--x: \"", x_axis, "\" is not one of params, macs, latency"));
  }
  absl::StatusOr<v1::JobStatus> job = client.GetJob(job_id);
  if (!job.ok()) return job.status();
  absl::StatusOr<v1::ParetoFront> front = client.GetFront(job_id);
  if (!front.ok()) return front.status();
  absl::StatusOr<std::vector<v1::TrialRecord>> trials =
      client.AllTrials(job_id);
  if (!trials.ok()) return trials.status();

  auto cost = [&](const v1::EvaluationResult& r) {
    if (x_axis == "macs") return double(r.macs());
    if (x_axis == "latency") return r.latency().batch1_ms();
    return double(r.params());
  };
  std::map<std::string, bool> on_front;
  for (const v1::ParetoPoint& p : front->points())
    on_front[p.trial_id()] = true;
  // An export is its source's genome trained again: one point, with the
  // export's test accuracy.
  const auto exports = ExportsBySource(*trials);
  std::set<const v1::TrialRecord*> is_export;
  for (const auto& [source, e] : exports) is_export.insert(e);
  PlotData data{.title = absl::StrCat(job_id, ": accuracy against ",
                                      x_axis == "latency" ? "latency" : x_axis),
                .x_label = x_axis == "params" ? "Parameters (count)"
                           : x_axis == "macs"
                               ? "Multiply-accumulates per image (count)"
                               : "Latency, batch 1 (ms)",
                .rungs = std::max(1, job->rungs_size())};
  bool any_test = false;
  for (const v1::TrialRecord& t : *trials) {
    if (t.state() != v1::TRIAL_STATE_SUCCEEDED &&
        t.state() != v1::TRIAL_STATE_EARLY_STOPPED) {
      continue;
    }
    if (is_export.contains(&t)) continue;
    const auto e = exports.find(t.trial_id());
    const v1::EvaluationResult& r =
        e == exports.end() ? t.result() : e->second->result();
    const double x = cost(r);
    if (!(x > 0)) continue;  // A latency never measured.
    any_test = any_test || r.has_test_accuracy();
    data.points.push_back({.x = x,
                           .accuracy = r.has_test_accuracy() ? r.test_accuracy()
                                                             : r.val_accuracy(),
                           .rung = t.rung(),
                           .on_front = on_front.contains(t.trial_id())});
  }
  if (data.points.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "job ", job_id, " has no trial with a result to plot yet"));
  }
  data.y_label = any_test ? "Accuracy (%, test where measured, else validation)"
                          : "Validation accuracy (%)";
  for (const KnownModel& m : kKnownModels) {
    if (job->spec().dataset().name() != m.dataset) continue;
    const double x = x_axis == "macs"      ? m.macs
                     : x_axis == "latency" ? m.latency_ms
                                           : m.params;
    data.references.push_back(
        {.x = x, .accuracy = m.test_accuracy, .label = m.label});
  }
  const std::string part = path + ".part";
  {
    std::ofstream file(part, std::ios::trunc);
    file << PlotSvg(data);
    if (!file.good()) {
      std::error_code ignored;
      std::filesystem::remove(part, ignored);
      return absl::UnavailableError(absl::StrCat(path, ": cannot write"));
    }
  }
  std::error_code error;
  std::filesystem::rename(part, path, error);
  if (error) {
    std::filesystem::remove(part, error);
    return absl::UnavailableError(
        absl::StrCat(path, ": cannot write: ", error.message()));
  }
  out << absl::StrFormat("%s: %d trials, %d on the front, %d reference%s\n",
                         path, data.points.size(), front->points_size(),
                         data.references.size(),
                         data.references.size() == 1 ? "" : "s");
  return absl::OkStatus();
}

}  // namespace nasprune::cli
