#ifndef NASPRUNE_CONTROLLER_SEARCH_STRATEGY_STATE_H_
#define NASPRUNE_CONTROLLER_SEARCH_STRATEGY_STATE_H_

// The parts of a StrategyState every strategy shares: its kind, generator
// and proposal filter.

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/random/rng.h"
#include "controller/search/proposal_filter.h"
#include "controller/search/screen.h"
#include "controller/search/strategy.h"
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

// A genome drawn by a strategy, with the member it was bred from (none for
// random draws): Proposal.parent_hash and parent_rung.
struct Offspring {
  v1::Genome genome;
  std::string parent_hash;
  int parent_rung = 0;
};

// The offspring of `parent` (a member) with `genome`.
Offspring BredFrom(const v1::SearchMember& parent, v1::Genome genome);

// Passes `genome` (canonical) through `filter`; when accepted, appends the
// proposal to `out` and records it in `pending` as a member (genome, hash,
// birth = its proposal index), which it returns. Null when rejected.
v1::SearchMember* AdmitPending(v1::Genome genome, ProposalFilter& filter,
                               std::map<std::string, v1::SearchMember>& pending,
                               std::vector<Proposal>* out);

// Up to `count` proposals through AdmitPending: for each, up to
// max_attempts draws of `child` (when `children`), then up to max_attempts
// of `random`. Stops at the first proposal it cannot fill (the space has
// nothing new that fits). With a ready screen, each proposal is the
// screen's choice among up to `screening.candidates` distinct admissible
// draws, collected within the same attempts, of which every fourth is a
// draw of `random` (kScreenedRandomEvery), so that the screen may pick a
// fresh genome where no child promises as much (a front's empty stretch
// that no parent is near); with any screen, it learns of every proposal.
inline constexpr int kScreenedRandomEvery = 4;
std::vector<Proposal> ProposeChildrenOrRandom(
    int count, int max_attempts, bool children,
    const std::function<Offspring()>& child,
    const std::function<v1::Genome()>& random, ProposalFilter& filter,
    std::map<std::string, v1::SearchMember>& pending,
    const Screening& screening = {});

// The genome hashes of `members`, for Screening.population.
template <typename Members>
std::vector<std::string> HashesOf(const Members& members) {
  std::vector<std::string> out;
  for (const v1::SearchMember& m : members) out.push_back(m.genome_hash());
  return out;
}

}  // namespace nasprune::controller

#endif  // NASPRUNE_CONTROLLER_SEARCH_STRATEGY_STATE_H_
