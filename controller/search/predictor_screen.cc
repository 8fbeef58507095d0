#include "controller/search/predictor_screen.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"
#include "controller/search/genome_features.h"
#include "controller/search/pareto.h"
#include "controller/search/pareto_front.h"

namespace nasprune::controller {
namespace {

constexpr int kAccuracy = 0;  // Targets of the predictor.
constexpr int kLogSeconds = 1;

std::vector<float> Row(std::vector<float> features, int rung) {
  features.push_back(static_cast<float>(rung));
  return features;
}

// The feature standing in for a cost objective (genome_features.h):
// log10 MACs for MACs and latency, log10 params for the others.
int ProxyFeature(v1::Metric metric) {
  return metric == v1::METRIC_MACS || metric == v1::METRIC_LATENCY_MS ? 1 : 0;
}

}  // namespace

absl::StatusOr<std::unique_ptr<PredictorScreen>> PredictorScreen::Create(
    Options options) {
  if (options.objectives.empty() || options.min_observations < 2 ||
      !(options.exploration >= 0) || !(options.cost_weight >= 0) ||
      options.accuracy_every < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "strategy.screening: need an objective, min_observations ≥ 2 (got ",
        options.min_observations, "), exploration ≥ 0 (got ",
        options.exploration, "), cost_weight ≥ 0 (got ", options.cost_weight,
        ") and accuracy_every ≥ 0 (got ", options.accuracy_every, ")"));
  }
  return std::unique_ptr<PredictorScreen>(new PredictorScreen(options));
}

PredictorScreen::PredictorScreen(Options options)
    : options_(std::move(options)), predictor_(PredictorOptions()) {}

EnsemblePredictor::Options PredictorScreen::PredictorOptions() const {
  EnsemblePredictor::Options p = options_.predictor;
  p.seed = options_.seed;
  return p;
}

bool PredictorScreen::Ready() const {
  return samples_.size() >= static_cast<size_t>(options_.min_observations);
}

void PredictorScreen::Refit(size_t samples) {
  std::vector<std::vector<float>> x;
  std::vector<std::vector<double>> y;
  for (size_t i = 0; i < samples; ++i) {
    const v1::ScreenSample& s = samples_[i];
    x.push_back(Row(features_.at(s.genome_hash()), s.rung()));
    y.push_back({s.val_accuracy(), std::log(std::max(s.seconds(), 1e-3))});
  }
  predictor_.Fit(x, y);
  fitted_on_ = samples;
}

void PredictorScreen::MaybeRefit() {
  const size_t n = samples_.size();
  if (!Ready()) return;
  if (fitted_on_ == 0 ||
      n >= fitted_on_ + std::max<size_t>(1, fitted_on_ / 8)) {
    Refit(n);
  }
}

double PredictorScreen::MedianLogSeconds() const {
  std::vector<double> log_seconds;
  for (const v1::ScreenSample& s : samples_) {
    if (s.rung() == 0)
      log_seconds.push_back(std::log(std::max(s.seconds(), 1e-3)));
  }
  if (log_seconds.empty()) return 0;
  const auto middle = log_seconds.begin() + log_seconds.size() / 2;
  std::nth_element(log_seconds.begin(), middle, log_seconds.end());
  return *middle;
}

int PredictorScreen::TargetRung() const {
  std::map<int, int> per_rung;
  for (const v1::ScreenSample& s : samples_) ++per_rung[s.rung()];
  int target = 0;
  for (const auto& [rung, count] : per_rung) {
    if (count >= kTargetRungSamples) target = std::max(target, rung);
  }
  return target;
}

std::vector<PredictorScreen::Predicted> PredictorScreen::PredictAt(
    const std::vector<std::vector<float>>& features, int rung,
    bool optimistic) const {
  // Accuracy at `rung`; seconds at the lowest rung, where a candidate starts
  // (and what the median compares with).
  std::vector<std::vector<float>> rows;
  for (const std::vector<float>& f : features) rows.push_back(Row(f, rung));
  for (size_t i = 0; rung != 0 && i < features.size(); ++i) {
    rows.push_back(Row(features[i], 0));
  }
  const std::vector<EnsemblePredictor::Prediction> p = predictor_.Predict(rows);
  const size_t lowest = rung != 0 ? features.size() : 0;
  const double median_log_seconds = optimistic ? MedianLogSeconds() : 0;
  std::vector<Predicted> out;
  for (size_t i = 0; i < features.size(); ++i) {
    Predicted q{.accuracy = p[i].mean[kAccuracy],
                .log_seconds = p[lowest + i].mean[kLogSeconds]};
    if (optimistic) {
      q.accuracy += options_.exploration * p[i].stddev[kAccuracy] -
                    options_.cost_weight *
                        (q.log_seconds - median_log_seconds) / std::log(2.0);
    }
    out.push_back(q);
  }
  return out;
}

std::vector<std::vector<double>> PredictorScreen::Points(
    const std::vector<std::vector<float>>& features,
    const std::vector<Predicted>& predicted) const {
  std::vector<std::vector<double>> points;
  for (size_t i = 0; i < features.size(); ++i) {
    std::vector<double> point;
    for (const v1::Objective& o : options_.objectives) {
      point.push_back(o.metric() == v1::METRIC_ACCURACY
                          ? -predicted[i].accuracy
                          : features[i][ProxyFeature(o.metric())]);
    }
    if (options_.cost_weight > 0) point.push_back(predicted[i].log_seconds);
    points.push_back(std::move(point));
  }
  return points;
}

std::vector<double> PredictorScreen::Gains(
    const std::vector<std::vector<float>>& features,
    const std::vector<Predicted>& predicted, int target) const {
  // Raw (accuracy, proxies) of the measured genomes at the target rung, then
  // the candidates.
  std::vector<std::vector<double>> raw;
  auto add = [&](double accuracy, const std::vector<float>& f) {
    std::vector<double> r;
    for (const v1::Objective& o : options_.objectives) {
      r.push_back(o.metric() == v1::METRIC_ACCURACY
                      ? accuracy
                      : std::pow(10.0, f[ProxyFeature(o.metric())]));
    }
    raw.push_back(std::move(r));
  };
  // Each genome by its result at the highest rung not above the target,
  // moved to the target by the predicted difference between the two rungs.
  std::map<std::string, const v1::ScreenSample*> highest;
  for (const v1::ScreenSample& s : samples_) {
    if (s.rung() > target) continue;
    const v1::ScreenSample*& h = highest[s.genome_hash()];
    if (h == nullptr || s.rung() >= h->rung()) h = &s;
  }
  std::vector<std::vector<float>> below;  // Features of results under it.
  std::vector<int> below_rungs;
  for (const auto& [hash, s] : highest) {
    if (s->rung() == target) {
      add(s->val_accuracy(), features_.at(hash));
    } else {
      below.push_back(features_.at(hash));
      below_rungs.push_back(s->rung());
    }
  }
  if (!below.empty()) {
    const std::vector<Predicted> at_target =
        PredictAt(below, target, /*optimistic=*/false);
    std::vector<std::vector<float>> rows;
    for (size_t i = 0; i < below.size(); ++i) {
      rows.push_back(Row(below[i], below_rungs[i]));
    }
    const std::vector<EnsemblePredictor::Prediction> at_own =
        predictor_.Predict(rows);
    size_t i = 0;
    for (const auto& [hash, s] : highest) {
      if (s->rung() == target) continue;
      add(s->val_accuracy() + at_target[i].accuracy - at_own[i].mean[kAccuracy],
          below[i]);
      ++i;
    }
  }
  const size_t measured = raw.size();
  for (size_t i = 0; i < features.size(); ++i) {
    add(predicted[i].accuracy, features[i]);
  }
  std::vector<double> reference;
  for (size_t k = 0; k < options_.objectives.size(); ++k) {
    const v1::Objective& o = options_.objectives[k];
    double r = o.metric() == v1::METRIC_PARAMS || o.metric() == v1::METRIC_MACS
                   ? FixedReference(o, options_.constraints)
                   : 0;
    if (r <= 0) {
      for (const std::vector<double>& v : raw) r = std::max(r, 1.1 * v[k]);
    }
    reference.push_back(r);
  }
  std::vector<Objectives> normalized;
  for (const std::vector<double>& v : raw) {
    normalized.push_back(
        NormalizedObjectives(options_.objectives, v, reference));
  }
  // The measured front, found once: each gain adds one point to it.
  const std::vector<Objectives> measured_points(normalized.begin(),
                                                normalized.begin() + measured);
  std::vector<Objectives> front;
  for (size_t i : ParetoIndices(measured_points)) {
    front.push_back(measured_points[i]);
  }
  const Objectives ones(options_.objectives.size(), 1.0);
  const double base = Hypervolume(front, ones);
  std::vector<double> gains;
  for (size_t i = measured; i < normalized.size(); ++i) {
    front.push_back(normalized[i]);
    gains.push_back(std::max(0.0, Hypervolume(front, ones) - base));
    front.pop_back();
  }
  return gains;
}

size_t PredictorScreen::Choose(const std::vector<v1::Genome>& candidates,
                               const std::vector<std::string>& population) {
  MaybeRefit();
  std::vector<std::vector<float>> cand_features, member_features;
  std::vector<size_t> valid;  // Candidates whose features could be computed.
  for (size_t i = 0; i < candidates.size(); ++i) {
    absl::StatusOr<std::vector<float>> f =
        GenomeFeatures(candidates[i], options_.input);
    if (!f.ok()) continue;
    cand_features.push_back(*std::move(f));
    valid.push_back(i);
  }
  // Members were proposed, so their features are known already.
  for (const std::string& hash : population) {
    auto it = features_.find(hash);
    if (it != features_.end()) member_features.push_back(it->second);
  }
  if (valid.empty()) return 0;
  const int every = options_.accuracy_every;
  const bool by_accuracy =
      every > 0 && screened_proposals_ % every == every - 1;
  ++screened_proposals_;
  screened_candidates_ += static_cast<int64_t>(candidates.size());
  const int target = TargetRung();
  const std::vector<Predicted> predicted =
      PredictAt(cand_features, target, /*optimistic=*/true);
  if (by_accuracy) {
    size_t best = 0;
    for (size_t i = 1; i < predicted.size(); ++i) {
      if (predicted[i].accuracy > predicted[best].accuracy) best = i;
    }
    return valid[best];
  }
  std::vector<double> gains = Gains(cand_features, predicted, target);
  const std::vector<std::vector<double>> cands =
      Points(cand_features, predicted);
  const std::vector<std::vector<double>> members =
      member_features.empty()
          ? std::vector<std::vector<double>>()
          : Points(member_features, PredictAt(member_features, target,
                                              /*optimistic=*/false));
  // Gains below this count as none: rounding, not a front that moved.
  constexpr double kNoGain = 1e-12;
  for (double& g : gains) {
    if (g <= kNoGain) g = 0;
  }
  size_t best = 0;
  int best_dominated = std::numeric_limits<int>::max();
  for (size_t i = 0; i < cands.size(); ++i) {
    int dominated = 0;
    for (const std::vector<double>& m : members)
      dominated += Dominates(m, cands[i]);
    for (size_t j = 0; j < cands.size(); ++j) {
      dominated += j != i && Dominates(cands[j], cands[i]);
    }
    if (gains[i] > gains[best] ||
        (gains[i] == gains[best] &&
         (dominated < best_dominated ||
          (dominated == best_dominated &&
           predicted[i].accuracy > predicted[best].accuracy)))) {
      best = i;
      best_dominated = dominated;
    }
  }
  return valid[best];
}

void PredictorScreen::Admitted(const v1::Genome& genome,
                               const std::string& hash) {
  if (features_.contains(hash)) return;
  absl::StatusOr<std::vector<float>> f = GenomeFeatures(genome, options_.input);
  if (f.ok()) features_[hash] = *std::move(f);
}

void PredictorScreen::Observe(const Observation& observation) {
  if (observation.state != v1::TRIAL_STATE_SUCCEEDED) return;
  auto it = features_.find(observation.genome_hash);
  if (it == features_.end()) return;
  v1::ScreenSample sample;
  sample.set_genome_hash(observation.genome_hash);
  sample.set_rung(observation.rung);
  sample.set_val_accuracy(observation.result.val_accuracy());
  sample.set_seconds(observation.result.total_seconds());
  if (observation.rung == 0 && Ready()) {
    MaybeRefit();
    const EnsemblePredictor::Prediction p =
        predictor_.Predict({Row(it->second, 0)})[0];
    sample.set_predicted(true);
    sample.set_predicted_accuracy(p.mean[kAccuracy]);
    sample.set_predicted_seconds(std::exp(p.mean[kLogSeconds]));
  }
  samples_.push_back(std::move(sample));
}

void PredictorScreen::SaveTo(v1::StrategyState* state) const {
  v1::ScreenState& out = *state->mutable_screen();
  out.Clear();
  for (const auto& [hash, f] : features_) {
    (*out.mutable_features())[hash].mutable_values()->Add(f.begin(), f.end());
  }
  for (const v1::ScreenSample& s : samples_) *out.add_samples() = s;
  out.set_screened_proposals(screened_proposals_);
  out.set_screened_candidates(screened_candidates_);
  out.set_fitted_on(static_cast<int64_t>(fitted_on_));
}

absl::Status PredictorScreen::RestoreFrom(const v1::StrategyState& state) {
  const v1::ScreenState& in = state.screen();
  std::map<std::string, std::vector<float>> features;
  for (const auto& [hash, f] : in.features()) {
    if (f.values_size() != kGenomeFeatureCount) {
      return absl::InvalidArgumentError(absl::StrCat(
          "strategy.screen.features[", hash, "]: ", f.values_size(),
          " values, expected ", kGenomeFeatureCount));
    }
    features[hash].assign(f.values().begin(), f.values().end());
  }
  for (int i = 0; i < in.samples_size(); ++i) {
    if (!features.contains(in.samples(i).genome_hash())) {
      return absl::InvalidArgumentError(
          absl::StrCat("strategy.screen.samples[", i, "]: genome ",
                       in.samples(i).genome_hash(), " has no features"));
    }
  }
  if (in.fitted_on() < 0 || in.fitted_on() > in.samples_size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("strategy.screen.fitted_on: ", in.fitted_on(),
                     " is outside [0, ", in.samples_size(), "]"));
  }
  features_ = std::move(features);
  samples_.assign(in.samples().begin(), in.samples().end());
  screened_proposals_ = in.screened_proposals();
  screened_candidates_ = in.screened_candidates();
  fitted_on_ = 0;
  predictor_ = EnsemblePredictor(PredictorOptions());
  if (in.fitted_on() > 0) Refit(static_cast<size_t>(in.fitted_on()));
  return absl::OkStatus();
}

v1::ScreeningReport PredictorScreen::Report() const {
  v1::ScreeningReport report;
  report.set_observations(static_cast<int32_t>(samples_.size()));
  std::vector<double> predicted_acc, acc, predicted_s, s;
  for (const v1::ScreenSample& sample : samples_) {
    if (!sample.predicted()) continue;
    predicted_acc.push_back(sample.predicted_accuracy());
    acc.push_back(sample.val_accuracy());
    predicted_s.push_back(sample.predicted_seconds());
    s.push_back(sample.seconds());
  }
  report.set_held_out(static_cast<int32_t>(acc.size()));
  report.set_accuracy_rank_correlation(SpearmanCorrelation(predicted_acc, acc));
  report.set_cost_rank_correlation(SpearmanCorrelation(predicted_s, s));
  report.set_screened_proposals(screened_proposals_);
  report.set_screened_candidates(screened_candidates_);
  return report;
}

}  // namespace nasprune::controller
