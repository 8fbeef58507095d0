#ifndef NASPRUNE_CONTROLLER_SEARCH_PROPOSAL_FILTER_H_
#define NASPRUNE_CONTROLLER_SEARCH_PROPOSAL_FILTER_H_

// What every strategy checks before proposing a genome: it was never proposed
// in this job (by canonical hash), and its analytic params and MACs
// (common/genome/cost.h) meet the job's constraints. Filtering happens before
// a genome is proposed, never after training.
//
// Not thread-safe.

#include <string>
#include <unordered_set>
#include <vector>

#include "common/genome/plan.h"
#include "controller/search/strategy.h"
#include "nasprune/v1/job.pb.h"
#include "nasprune/v1/search.pb.h"

namespace nasprune::controller {

class ProposalFilter {
 public:
  enum class Verdict { kAccepted, kDuplicate, kInfeasible };

  ProposalFilter(v1::Constraints constraints, genome::InputSpec input)
      : constraints_(std::move(constraints)), input_(input) {}

  // Checks `genome` (which must be valid); when accepted, it counts as
  // proposed from now on. `hash` receives the canonical hash.
  Verdict Admit(const v1::Genome& genome, std::string* hash);

  // The verdict Admit would give, without admitting (an infeasible genome
  // counts as rejected all the same).
  Verdict Check(const v1::Genome& genome, std::string* hash);

  // Whether the genome's analytic cost meets the constraints.
  bool Feasible(const v1::Genome& genome) const;

  // Saves into / restores from the `proposed` and `rejected_by_constraints`
  // fields of a strategy state.
  void SaveTo(v1::StrategyState* state) const;
  void RestoreFrom(const v1::StrategyState& state);

  size_t proposed() const { return order_.size(); }
  // proposed, rejected and duplicates as a strategy reports them.
  DrawCounts Draws() const {
    return {.proposed = static_cast<int64_t>(order_.size()),
            .infeasible = rejected_,
            .duplicate = duplicates_};
  }
  int64_t rejected() const { return rejected_; }
  // Draws refused as already proposed, since this filter was made (not in
  // the saved state: a count for the metrics).
  int64_t duplicates() const { return duplicates_; }

 private:
  v1::Constraints constraints_;
  genome::InputSpec input_;
  std::unordered_set<std::string> seen_;
  std::vector<std::string> order_;
  int64_t rejected_ = 0;
  int64_t duplicates_ = 0;
};

}  // namespace nasprune::controller

#endif  // NASPRUNE_CONTROLLER_SEARCH_PROPOSAL_FILTER_H_
