#include "controller/search/strategy_state.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/genome/hash.h"

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

v1::SearchMember* AdmitPending(v1::Genome genome, ProposalFilter& filter,
                               std::map<std::string, v1::SearchMember>& pending,
                               std::vector<Proposal>* out) {
  Proposal p{.genome = std::move(genome)};
  if (filter.Admit(p.genome, &p.genome_hash) !=
      ProposalFilter::Verdict::kAccepted) {
    return nullptr;
  }
  v1::SearchMember& member = pending[p.genome_hash];
  *member.mutable_genome() = p.genome;
  member.set_genome_hash(p.genome_hash);
  member.set_birth(static_cast<int64_t>(filter.proposed()) - 1);
  out->push_back(std::move(p));
  return &member;
}

Offspring BredFrom(const v1::SearchMember& parent, v1::Genome genome) {
  return {.genome = std::move(genome),
          .parent_hash = parent.genome_hash(),
          .parent_rung = parent.rung()};
}

std::vector<Proposal> ProposeChildrenOrRandom(
    int count, int max_attempts, bool children,
    const std::function<Offspring()>& child,
    const std::function<v1::Genome()>& random, ProposalFilter& filter,
    std::map<std::string, v1::SearchMember>& pending,
    const Screening& screening) {
  Screen* screen = screening.screen;
  const size_t wanted =
      screen != nullptr && screening.candidates >= 2 && screen->Ready()
          ? static_cast<size_t>(screening.candidates)
          : 1;
  std::vector<Proposal> proposals;
  for (int i = 0; i < count; ++i) {
    std::vector<v1::Genome> candidates;
    std::vector<std::string> hashes;
    std::vector<Offspring> lineage;  // Parent of each candidate.
    for (int attempt = 0;
         attempt < 2 * max_attempts && candidates.size() < wanted; ++attempt) {
      const bool random_slot =
          wanted > 1 &&
          candidates.size() % kScreenedRandomEvery == kScreenedRandomEvery - 1;
      Offspring drawn = children && attempt < max_attempts && !random_slot
                            ? child()
                            : Offspring{.genome = random()};
      v1::Genome genome = genome::CanonicalGenome(drawn.genome);
      std::string hash;
      if (filter.Check(genome, &hash) != ProposalFilter::Verdict::kAccepted ||
          std::find(hashes.begin(), hashes.end(), hash) != hashes.end()) {
        continue;
      }
      drawn.genome.Clear();
      lineage.push_back(std::move(drawn));
      candidates.push_back(std::move(genome));
      hashes.push_back(std::move(hash));
    }
    if (candidates.empty()) break;
    const size_t chosen = candidates.size() > 1
                              ? screen->Choose(candidates, screening.population)
                              : 0;
    v1::SearchMember* member = AdmitPending(std::move(candidates[chosen]),
                                            filter, pending, &proposals);
    if (member == nullptr) break;  // Cannot happen: it passed Check.
    proposals.back().parent_hash = std::move(lineage[chosen].parent_hash);
    proposals.back().parent_rung = lineage[chosen].parent_rung;
    if (screen != nullptr) screen->Admitted(member->genome(), hashes[chosen]);
  }
  return proposals;
}

}  // namespace nasprune::controller
