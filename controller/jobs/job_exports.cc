// A job's fronts, kept models and exports (job.h): which trials' models
// are served and kept, and which trials the export phase exports.

#include <algorithm>

#include "controller/jobs/job.h"
#include "controller/search/reward.h"

namespace nasprune::controller {

bool Job::KeepsModels() const {
  return status_.spec().export_().retain_models() != v1::MODEL_RETENTION_NONE;
}

bool Job::ScoresKeptModel(const v1::TrialRecord& trial) const {
  if (!IsExportTrial(trial) || !KeepsModels()) return false;
  const v1::TrialRecord* source = FindTrial(trial.promoted_from());
  return !source->result().artifact_sha256().empty();
}

v1::EvaluationResult Job::KeptModelResult(
    const v1::TrialRecord& trial, const v1::EvaluationResult& scored) const {
  v1::EvaluationResult result = FindTrial(trial.promoted_from())->result();
  result.set_kept_model(true);
  if (scored.has_test_accuracy()) {
    result.set_test_accuracy(scored.test_accuracy());
  }
  result.mutable_phase_seconds()->set_export_(scored.total_seconds());
  return result;
}

bool Job::Record(const v1::TrialRecord& trial) {
  const v1::EvaluationResult& result = trial.result();
  const int r = trial.rung();
  if (r < 0 || r > top_rung_) return false;
  v1::RungSummary& rung = *status_.mutable_rungs(r);
  rung.set_succeeded(rung.succeeded() + 1);
  auto [highest, first] = genome_rung_.try_emplace(trial.genome_hash(), r);
  // A genome trained further: its lower-rung points leave the job's front.
  bool changed = !first && r > highest->second;
  highest->second = std::max(highest->second, r);
  if (MeasuredViolation(status_.spec().constraints(), result) == 0) {
    if (rung.best_trial_id().empty() ||
        result.val_accuracy() > rung.best_accuracy()) {
      rung.set_best_accuracy(result.val_accuracy());
      rung.set_best_trial_id(trial.trial_id());
    }
    changed |= fronts_[r].Add(trial.trial_id(), trial.genome_hash(), result);
    rung.set_front_size(static_cast<int32_t>(fronts_[r].size()));
  }
  return changed && UpdateFront();
}

bool Job::UpdateFront() {
  v1::ParetoFront merged =
      JobParetoFront::AcrossRungs(fronts_, genome_rung_).ToProto(id());
  auto same_points = [](const v1::ParetoFront& a, const v1::ParetoFront& b) {
    return std::equal(a.points().begin(), a.points().end(), b.points().begin(),
                      b.points().end(),
                      [](const v1::ParetoPoint& p, const v1::ParetoPoint& q) {
                        return p.trial_id() == q.trial_id();
                      });
  };
  const bool changed = !same_points(merged, front_) ||
                       merged.hypervolume() != front_.hypervolume();
  front_ = std::move(merged);
  status_.set_best_accuracy(0);
  status_.clear_best_trial_id();
  const auto accuracy =
      std::find(front_.objectives().begin(), front_.objectives().end(),
                v1::METRIC_ACCURACY);
  if (front_.points_size() > 0 && accuracy != front_.objectives().end()) {
    const v1::ParetoPoint& best = front_.points(0);
    status_.set_best_accuracy(
        best.values(static_cast<int>(accuracy - front_.objectives().begin())));
    status_.set_best_trial_id(best.trial_id());
  }
  return changed;
}

std::set<std::string> Job::ModelsUsed() const {
  std::set<std::string> digests;
  for (const v1::TrialRecord& trial : trials_) {
    if (!trial.result().artifact_sha256().empty()) {
      digests.insert(trial.result().artifact_sha256());
    }
  }
  return digests;
}

std::set<std::string> Job::ModelsKept() const {
  if (status_.spec().export_().retain_models() == v1::MODEL_RETENTION_ALL) {
    return ModelsUsed();
  }
  std::set<std::string> digests;
  auto keep = [&](const v1::TrialRecord* trial) {
    if (trial != nullptr && !trial->result().artifact_sha256().empty()) {
      digests.insert(trial->result().artifact_sha256());
    }
  };
  for (const JobParetoFront& rung_front : fronts_) {
    const v1::ParetoFront front = rung_front.ToProto(id());
    for (const v1::ParetoPoint& point : front.points()) {
      keep(FindTrial(point.trial_id()));
    }
  }
  for (const auto& [source, exported] : export_of_) {
    if (trials_[exported].state() == v1::TRIAL_STATE_SUCCEEDED) {
      keep(&trials_[exported]);
    }
  }
  return digests;
}

void Job::ModelsReleased(const std::set<std::string>& digests) {
  for (v1::TrialRecord& trial : trials_) {
    if (digests.contains(trial.result().artifact_sha256())) {
      trial.mutable_result()->clear_artifact_sha256();
      Dirty(trial);
    }
  }
}

const v1::TrialRecord* Job::ModelTrial(const std::string& trial_id) const {
  const v1::TrialRecord* trial = FindTrial(trial_id);
  if (trial == nullptr) return nullptr;
  auto has_model = [](const v1::TrialRecord* t) {
    return t->state() == v1::TRIAL_STATE_SUCCEEDED &&
           !t->result().artifact_sha256().empty();
  };
  // Its export's model once there is one; its own kept model until then
  // (or when the export failed).
  if (auto e = export_of_.find(trial->index()); e != export_of_.end()) {
    if (has_model(&trials_[e->second])) return &trials_[e->second];
  }
  return has_model(trial) ? trial : nullptr;
}

v1::ParetoFront Job::ParetoFront() const {
  v1::ParetoFront front = front_;
  front.set_job_id(id());
  for (v1::ParetoPoint& point : *front.mutable_points()) {
    point.set_has_model(ModelTrial(point.trial_id()) != nullptr);
  }
  return front;
}

int Job::StartExports(bool kept_only, absl::Time now) {
  phase_ = Phase::kExport;
  // The most accurate members of the job's front first, then the most
  // accurate trial of any rung when it beats them all (a lower-rung result
  // whose genome did worse once promoted).
  std::vector<const v1::TrialRecord*> best;
  const v1::ParetoFront front = ParetoFront();
  for (const v1::ParetoPoint& point : front.points()) {
    best.push_back(FindTrial(point.trial_id()));
  }
  std::stable_sort(best.begin(), best.end(), [](auto* a, auto* b) {
    return a->result().val_accuracy() > b->result().val_accuracy();
  });
  const int top_k = status_.spec().export_().top_k();
  if (static_cast<int>(best.size()) > top_k) best.resize(top_k);
  const v1::TrialRecord* most_accurate = nullptr;
  for (const v1::RungSummary& rung : status_.rungs()) {
    const v1::TrialRecord* trial = FindTrial(rung.best_trial_id());
    if (trial != nullptr && (most_accurate == nullptr ||
                             trial->result().val_accuracy() >
                                 most_accurate->result().val_accuracy())) {
      most_accurate = trial;
    }
  }
  if (top_k > 0 && most_accurate != nullptr &&
      (best.empty() || most_accurate->result().val_accuracy() >
                           best.front()->result().val_accuracy())) {
    best.push_back(most_accurate);
  }
  // Indices: adding trials moves the records.
  std::vector<int64_t> sources;
  for (const v1::TrialRecord* source : best) {
    if (export_of_.contains(source->index())) continue;
    if (kept_only &&
        (!KeepsModels() || source->result().artifact_sha256().empty())) {
      continue;
    }
    sources.push_back(source->index());
  }
  for (int64_t index : sources) {
    const v1::TrialRecord source = trials_[index];
    Proposal proposal{.genome = source.genome(),
                      .genome_hash = source.genome_hash(),
                      .fidelity = source.fidelity(),
                      .rung = source.rung()};
    export_of_[index] = AddTrial(proposal, source.trial_id(), now);
  }
  return static_cast<int>(sources.size());
}

}  // namespace nasprune::controller
