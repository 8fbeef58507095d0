#ifndef NASPRUNE_CONTROLLER_SEARCH_PARETO_FRONT_H_
#define NASPRUNE_CONTROLLER_SEARCH_PARETO_FRONT_H_

// A job's Pareto front over its objectives and its hypervolume, kept up to
// date as results arrive (ParetoFront in proto/nasprune/v1/job.proto).
//
// Only feasible results enter: those meeting the measured constraints
// (latency, model bytes; the analytic ones are never broken). A result joins
// when no member dominates or equals it, and removes the members it
// dominates.
//
// Hypervolume is computed on normalized values: accuracy a as 1 − a, a cost c
// as c / reference, so the reference point maps to (1, …, 1) and the
// hypervolume lies in [0, 1]. The reference point, in raw units: accuracy 0;
// a cost's constraint limit when the job sets one, else twice its target
// when it has one, else 1.1 × the largest value any result has shown so far
// (that one moves as results arrive, and the hypervolume follows it).
//
// Under multi-fidelity a job keeps one front per rung (Options::rung), and
// AcrossRungs merges them into the front a user takes models from.
//
// Not thread-safe.

#include <map>
#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "controller/search/pareto.h"
#include "nasprune/v1/job.pb.h"

namespace nasprune::controller {

// The fixed reference of `objective` in raw units (see above): the
// constraint limit of its metric when `constraints` sets one, else twice
// its target when it has one, else 0, meaning none: the reference follows
// the data. 0 for accuracy, whose reference is always 0.
double FixedReference(const v1::Objective& objective,
                      const v1::Constraints& constraints);

// `raw` (metric values in objective order) normalized for the hypervolume
// as above: accuracy a as 1 − a, a cost c as c / reference (1 where the
// reference is not positive), so `reference` maps to (1, …, 1).
Objectives NormalizedObjectives(const std::vector<v1::Objective>& objectives,
                                const std::vector<double>& raw,
                                const std::vector<double>& reference);

class JobParetoFront {
 public:
  struct Options {
    std::vector<v1::Objective> objectives;  // At least one.
    v1::Constraints constraints;
    int rung = 0;  // Of every member, for the API.
  };

  // INVALID_ARGUMENT without objectives.
  static absl::StatusOr<JobParetoFront> Create(Options options);

  // The non-dominated members of `rungs` (a job's fronts, one per rung,
  // with the same objectives and constraints; at least one), each genome
  // taken only at `highest_rung[genome_hash]`, the highest rung where it
  // has a result: a genome trained further supersedes its lower-rung
  // points. The reference point follows the largest values any rung has
  // seen. A member a superseded point had removed from its rung's front
  // does not come back.
  static JobParetoFront AcrossRungs(
      std::span<const JobParetoFront> rungs,
      const std::map<std::string, int>& highest_rung);

  // Offers a trial's result; true when the front (its members or its
  // hypervolume) changed.
  bool Add(const std::string& trial_id, const std::string& genome_hash,
           const v1::EvaluationResult& result);

  // The front for the API: members by accuracy descending (by the first
  // objective when accuracy is not one), values in raw units.
  v1::ParetoFront ToProto(const std::string& job_id) const;

  double hypervolume() const { return hypervolume_; }
  // In raw units, in objective order.
  std::vector<double> ReferencePoint() const;
  size_t size() const { return members_.size(); }

 private:
  struct Member {
    std::string trial_id;
    std::string genome_hash;
    int rung = 0;
    std::vector<double> raw;  // Raw metric values.
    Objectives minimized;     // ObjectiveVector.
  };

  explicit JobParetoFront(Options options);
  // Adds a feasible member unless one dominates or equals it, removing
  // those it dominates; true when it joined.
  bool Join(Member member);
  void UpdateHypervolume();

  Options options_;
  std::vector<double> fixed_reference_;  // 0 where it follows the data.
  std::vector<double> largest_seen_;
  std::vector<Member> members_;
  double hypervolume_ = 0;
};

}  // namespace nasprune::controller

#endif  // NASPRUNE_CONTROLLER_SEARCH_PARETO_FRONT_H_
