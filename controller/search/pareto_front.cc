#include "controller/search/pareto_front.h"

#include <algorithm>

#include "controller/search/reward.h"

namespace nasprune::controller {
namespace {

double ConstraintLimit(v1::Metric metric, const v1::Constraints& c) {
  switch (metric) {
    case v1::METRIC_PARAMS:
      return static_cast<double>(c.max_params());
    case v1::METRIC_MACS:
      return static_cast<double>(c.max_macs());
    case v1::METRIC_LATENCY_MS:
      return c.max_latency_ms();
    case v1::METRIC_MODEL_BYTES:
      return static_cast<double>(c.max_model_bytes());
    default:
      return 0;
  }
}

}  // namespace

double FixedReference(const v1::Objective& objective,
                      const v1::Constraints& constraints) {
  if (objective.metric() == v1::METRIC_ACCURACY) return 0;
  const double limit = ConstraintLimit(objective.metric(), constraints);
  if (limit > 0) return limit;
  return objective.target() > 0 ? 2 * objective.target() : 0;
}

Objectives NormalizedObjectives(const std::vector<v1::Objective>& objectives,
                                const std::vector<double>& raw,
                                const std::vector<double>& reference) {
  Objectives normalized;
  for (size_t i = 0; i < raw.size(); ++i) {
    normalized.push_back(objectives[i].metric() == v1::METRIC_ACCURACY
                             ? 1 - raw[i]
                             : (reference[i] > 0 ? raw[i] / reference[i] : 1));
  }
  return normalized;
}

absl::StatusOr<JobParetoFront> JobParetoFront::Create(Options options) {
  if (options.objectives.empty()) {
    return absl::InvalidArgumentError("objectives: at least one is needed");
  }
  return JobParetoFront(std::move(options));
}

JobParetoFront::JobParetoFront(Options options) : options_(std::move(options)) {
  for (const v1::Objective& o : options_.objectives) {
    fixed_reference_.push_back(FixedReference(o, options_.constraints));
    largest_seen_.push_back(0);
  }
}

std::vector<double> JobParetoFront::ReferencePoint() const {
  std::vector<double> reference;
  for (size_t i = 0; i < options_.objectives.size(); ++i) {
    if (options_.objectives[i].metric() == v1::METRIC_ACCURACY) {
      reference.push_back(0);
    } else if (fixed_reference_[i] > 0) {
      reference.push_back(fixed_reference_[i]);
    } else {
      reference.push_back(1.1 * largest_seen_[i]);
    }
  }
  return reference;
}

bool JobParetoFront::Add(const std::string& trial_id,
                         const std::string& genome_hash,
                         const v1::EvaluationResult& result) {
  bool changed = false;
  Member member{
      .trial_id = trial_id, .genome_hash = genome_hash, .rung = options_.rung};
  for (size_t i = 0; i < options_.objectives.size(); ++i) {
    const double v = MetricValue(options_.objectives[i].metric(), result);
    member.raw.push_back(v);
    if (v > largest_seen_[i]) {
      largest_seen_[i] = v;
      changed |= fixed_reference_[i] <= 0 &&
                 options_.objectives[i].metric() != v1::METRIC_ACCURACY;
    }
  }
  member.minimized = ObjectiveVector(options_.objectives, result);
  if (MeasuredViolation(options_.constraints, result) == 0) {
    changed |= Join(std::move(member));
  }
  if (changed) UpdateHypervolume();
  return changed;
}

bool JobParetoFront::Join(Member member) {
  if (std::any_of(members_.begin(), members_.end(), [&](const Member& m) {
        return m.minimized == member.minimized ||
               Dominates(m.minimized, member.minimized);
      })) {
    return false;
  }
  std::erase_if(members_, [&](const Member& m) {
    return Dominates(member.minimized, m.minimized);
  });
  members_.push_back(std::move(member));
  return true;
}

JobParetoFront JobParetoFront::AcrossRungs(
    std::span<const JobParetoFront> rungs,
    const std::map<std::string, int>& highest_rung) {
  if (rungs.size() == 1) return rungs.front();
  JobParetoFront merged(rungs.front().options_);
  for (auto r = rungs.rbegin(); r != rungs.rend(); ++r) {
    for (size_t i = 0; i < merged.largest_seen_.size(); ++i) {
      merged.largest_seen_[i] =
          std::max(merged.largest_seen_[i], r->largest_seen_[i]);
    }
    for (const Member& m : r->members_) {
      auto highest = highest_rung.find(m.genome_hash);
      if (highest != highest_rung.end() && highest->second > m.rung) continue;
      merged.Join(m);
    }
  }
  merged.UpdateHypervolume();
  return merged;
}

void JobParetoFront::UpdateHypervolume() {
  const std::vector<double> reference = ReferencePoint();
  std::vector<Objectives> points;
  for (const Member& m : members_) {
    points.push_back(
        NormalizedObjectives(options_.objectives, m.raw, reference));
  }
  hypervolume_ = Hypervolume(points, Objectives(reference.size(), 1.0));
}

v1::ParetoFront JobParetoFront::ToProto(const std::string& job_id) const {
  size_t key = 0;
  for (size_t i = 0; i < options_.objectives.size(); ++i) {
    if (options_.objectives[i].metric() == v1::METRIC_ACCURACY) key = i;
  }
  std::vector<const Member*> sorted;
  for (const Member& m : members_) sorted.push_back(&m);
  std::stable_sort(sorted.begin(), sorted.end(),
                   [key](const Member* a, const Member* b) {
                     return a->minimized[key] < b->minimized[key];
                   });
  v1::ParetoFront front;
  front.set_job_id(job_id);
  for (const v1::Objective& o : options_.objectives) {
    front.add_objectives(o.metric());
  }
  for (const Member* m : sorted) {
    v1::ParetoPoint* point = front.add_points();
    point->set_trial_id(m->trial_id);
    point->set_genome_hash(m->genome_hash);
    point->set_rung(m->rung);
    front.set_rung(std::max(front.rung(), m->rung));
    for (double v : m->raw) point->add_values(v);
  }
  front.set_hypervolume(hypervolume_);
  for (double r : ReferencePoint()) front.add_reference_point(r);
  return front;
}

}  // namespace nasprune::controller
