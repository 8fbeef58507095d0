#include "controller/search/random_search.h"

#include "common/genome/hash.h"
#include "controller/search/strategy_state.h"

namespace nasprune::controller {

absl::StatusOr<std::unique_ptr<RandomSearch>> RandomSearch::Create(
    Options options) {
  absl::StatusOr<std::unique_ptr<genome::GenomeSampler>> sampler =
      genome::GenomeSampler::Create({.scope = options.scope});
  if (!sampler.ok()) return sampler.status();
  return std::unique_ptr<RandomSearch>(
      new RandomSearch(std::move(options), *std::move(sampler)));
}

RandomSearch::RandomSearch(Options options,
                           std::unique_ptr<genome::GenomeSampler> sampler)
    : options_(std::move(options)),
      sampler_(std::move(sampler)),
      rng_(options_.seed),
      filter_(options_.constraints, options_.input) {}

std::vector<Proposal> RandomSearch::Propose(int count) {
  std::vector<Proposal> proposals;
  for (int i = 0; i < count; ++i) {
    for (int attempt = 0; attempt < options_.max_attempts; ++attempt) {
      Proposal p{.genome = genome::CanonicalGenome(sampler_->Sample(rng_))};
      if (filter_.Admit(p.genome, &p.genome_hash) ==
          ProposalFilter::Verdict::kAccepted) {
        proposals.push_back(std::move(p));
        break;
      }
    }
    if (proposals.size() < static_cast<size_t>(i + 1)) break;  // Exhausted.
  }
  return proposals;
}

v1::StrategyState RandomSearch::Save() const {
  return SaveCommon("random", rng_, filter_);
}

absl::Status RandomSearch::Restore(const v1::StrategyState& state) {
  return RestoreCommon(state, "random", &rng_, &filter_);
}

}  // namespace nasprune::controller
