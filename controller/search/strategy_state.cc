#include "controller/search/strategy_state.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"

namespace nasprune::controller {

v1::RngState ToProto(const Rng::State& state) {
  v1::RngState out;
  for (uint64_t word : state) out.add_words(word);
  return out;
}

absl::StatusOr<Rng::State> FromProto(const v1::RngState& state) {
  if (state.words_size() != 4) {
    return absl::InvalidArgumentError(
        absl::StrCat("rng.words: ", state.words_size(), " words, expected 4"));
  }
  Rng::State out;
  for (int i = 0; i < 4; ++i) out[i] = state.words(i);
  return out;
}

v1::StrategyState SaveCommon(absl::string_view kind, const Rng& rng,
                             const ProposalFilter& filter) {
  v1::StrategyState state;
  state.set_strategy(std::string(kind));
  *state.mutable_rng() = ToProto(rng.state());
  filter.SaveTo(&state);
  return state;
}

absl::Status RestoreCommon(const v1::StrategyState& state,
                           absl::string_view kind, Rng* rng,
                           ProposalFilter* filter) {
  if (state.strategy() != kind) {
    return absl::InvalidArgumentError(
        absl::StrCat("strategy: the state is of \"", state.strategy(),
                     "\", not \"", kind, "\""));
  }
  absl::StatusOr<Rng::State> words = FromProto(state.rng());
  if (!words.ok()) return words.status();
  rng->set_state(*words);
  filter->RestoreFrom(state);
  return absl::OkStatus();
}

void SavePendingMembers(
    const std::map<std::string, v1::SearchMember>& pending,
    google::protobuf::RepeatedPtrField<v1::SearchMember>* out) {
  std::vector<const v1::SearchMember*> members;
  for (const auto& [hash, m] : pending) members.push_back(&m);
  std::sort(members.begin(), members.end(), [](const auto* a, const auto* b) {
    return a->birth() < b->birth();
  });
  for (const v1::SearchMember* m : members) *out->Add() = *m;
}

}  // namespace nasprune::controller
