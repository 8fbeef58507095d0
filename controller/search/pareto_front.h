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
// Not thread-safe.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "controller/search/pareto.h"
#include "nasprune/v1/job.pb.h"

namespace nasprune::controller {

class JobParetoFront {
 public:
  struct Options {
    std::vector<v1::Objective> objectives;  // At least one.
    v1::Constraints constraints;
  };

  // INVALID_ARGUMENT without objectives.
  static absl::StatusOr<JobParetoFront> Create(Options options);

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
    std::vector<double> raw;  // Raw metric values.
    Objectives minimized;     // ObjectiveVector.
  };

  explicit JobParetoFront(Options options);
  void UpdateHypervolume();

  Options options_;
  std::vector<double> fixed_reference_;  // 0 where it follows the data.
  std::vector<double> largest_seen_;
  std::vector<Member> members_;
  double hypervolume_ = 0;
};

}  // namespace nasprune::controller

#endif  // NASPRUNE_CONTROLLER_SEARCH_PARETO_FRONT_H_
