#ifndef NASPRUNE_CONTROLLER_SEARCH_STRATEGY_STATE_H_
#define NASPRUNE_CONTROLLER_SEARCH_STRATEGY_STATE_H_

// The parts of a StrategyState every strategy shares: its kind, generator
// and proposal filter.

#include <map>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/random/rng.h"
#include "controller/search/proposal_filter.h"
#include "nasprune/v1/search.pb.h"

namespace nasprune::controller {

// The generator state as a proto and back (INVALID_ARGUMENT unless it has
// four words).
v1::RngState ToProto(const Rng::State& state);
absl::StatusOr<Rng::State> FromProto(const v1::RngState& state);

// A state of `kind` holding the generator and the filter.
v1::StrategyState SaveCommon(absl::string_view kind, const Rng& rng,
                             const ProposalFilter& filter);

// Restores the generator and the filter from `state`. INVALID_ARGUMENT when
// the state is of another kind or malformed; nothing changes then.
absl::Status RestoreCommon(const v1::StrategyState& state,
                           absl::string_view kind, Rng* rng,
                           ProposalFilter* filter);

// Appends the members of `pending` (proposed, not yet observed; by hash) to
// `out` in proposal (birth) order.
void SavePendingMembers(
    const std::map<std::string, v1::SearchMember>& pending,
    google::protobuf::RepeatedPtrField<v1::SearchMember>* out);

}  // namespace nasprune::controller

#endif  // NASPRUNE_CONTROLLER_SEARCH_STRATEGY_STATE_H_
