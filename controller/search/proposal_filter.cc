#include "controller/search/proposal_filter.h"

#include "common/genome/cost.h"
#include "common/genome/hash.h"

namespace nasprune::controller {

bool ProposalFilter::Feasible(const v1::Genome& genome) const {
  if (constraints_.max_params() <= 0 && constraints_.max_macs() <= 0) {
    return true;
  }
  const absl::StatusOr<genome::ModelCost> cost =
      genome::ComputeGenomeCost(genome, input_);
  if (!cost.ok()) return false;
  return (constraints_.max_params() <= 0 ||
          cost->params <= constraints_.max_params()) &&
         (constraints_.max_macs() <= 0 ||
          cost->macs <= constraints_.max_macs());
}

ProposalFilter::Verdict ProposalFilter::Check(const v1::Genome& genome,
                                              std::string* hash) {
  *hash = genome::GenomeHash(genome);
  if (seen_.contains(*hash)) {
    ++duplicates_;
    return Verdict::kDuplicate;
  }
  if (!Feasible(genome)) {
    ++rejected_;
    return Verdict::kInfeasible;
  }
  return Verdict::kAccepted;
}

ProposalFilter::Verdict ProposalFilter::Admit(const v1::Genome& genome,
                                              std::string* hash) {
  if (Verdict verdict = Check(genome, hash); verdict != Verdict::kAccepted) {
    return verdict;
  }
  seen_.insert(*hash);
  order_.push_back(*hash);
  return Verdict::kAccepted;
}

void ProposalFilter::SaveTo(v1::StrategyState* state) const {
  state->clear_proposed();
  for (const std::string& hash : order_) state->add_proposed(hash);
  state->set_rejected_by_constraints(rejected_);
}

void ProposalFilter::RestoreFrom(const v1::StrategyState& state) {
  order_.assign(state.proposed().begin(), state.proposed().end());
  seen_ = std::unordered_set<std::string>(order_.begin(), order_.end());
  rejected_ = state.rejected_by_constraints();
}

}  // namespace nasprune::controller
