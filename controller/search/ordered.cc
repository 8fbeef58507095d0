#include "controller/search/ordered.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace nasprune::controller {

absl::StatusOr<std::unique_ptr<OrderedSearch>> OrderedSearch::Create(
    Options options) {
  if (options.inner == nullptr) {
    return absl::InvalidArgumentError("ordered search: no inner strategy");
  }
  if (options.window < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "ordered search: window must be at least 1, got ", options.window));
  }
  return std::unique_ptr<OrderedSearch>(new OrderedSearch(std::move(options)));
}

OrderedSearch::OrderedSearch(Options options) : options_(std::move(options)) {}

bool OrderedSearch::ReleaseOne() {
  if (pending_.empty() || !pending_.front().arrived) return false;
  options_.inner->Observe(pending_.front().outcome);
  pending_.pop_front();
  ++released_;
  return true;
}

std::vector<Proposal> OrderedSearch::Propose(int count) {
  std::vector<Proposal> out;
  while (static_cast<int>(out.size()) < count) {
    // Trial i may see trials 0 … i − N, no more and no fewer.
    const int64_t next = released_ + static_cast<int64_t>(pending_.size());
    const int64_t required = next - options_.window + 1;
    while (released_ < required) {
      if (!ReleaseOne()) return out;  // Wait for the outcome.
    }
    std::vector<Proposal> one;
    for (;;) {
      if (dry_at_ != released_) {
        one = options_.inner->Propose(1);
        if (!one.empty()) break;
        dry_at_ = released_;
      }
      if (!ReleaseOne()) return out;  // Waiting, or nothing left at all.
    }
    pending_.push_back({.genome_hash = one[0].genome_hash,
                        .rung = one[0].rung,
                        .arrived = false,
                        .outcome = {}});
    out.push_back(std::move(one[0]));
  }
  return out;
}

void OrderedSearch::Observe(const Observation& observation) {
  for (Pending& p : pending_) {
    if (!p.arrived && p.genome_hash == observation.genome_hash &&
        p.rung == observation.rung) {
      p.arrived = true;
      p.outcome = observation;
      return;
    }
  }
}

bool OrderedSearch::ShouldStop(const std::string& genome_hash, int rung,
                               const std::vector<double>& val_accuracy) {
  return options_.inner->ShouldStop(genome_hash, rung, val_accuracy);
}

v1::StrategyState OrderedSearch::Save() const {
  v1::StrategyState state;
  state.set_strategy("ordered");
  *state.mutable_inner() = options_.inner->Save();
  state.set_released(released_);
  state.set_dry(dry_at_ == released_);
  for (const Pending& p : pending_) {
    v1::OrderedTrial* t = state.add_ordered();
    t->set_genome_hash(p.genome_hash);
    t->set_rung(p.rung);
    t->set_arrived(p.arrived);
    if (!p.arrived) continue;
    t->set_state(p.outcome.state);
    if (p.outcome.state != v1::TRIAL_STATE_FAILED) {
      *t->mutable_result() = p.outcome.result;
    }
  }
  return state;
}

absl::Status OrderedSearch::Restore(const v1::StrategyState& state) {
  if (state.strategy() != "ordered") {
    return absl::InvalidArgumentError(absl::StrCat(
        "state of strategy \"", state.strategy(), "\", not \"ordered\""));
  }
  if (state.released() < 0) {
    return absl::InvalidArgumentError("ordered: released is negative");
  }
  if (absl::Status inner = options_.inner->Restore(state.inner());
      !inner.ok()) {
    return inner;
  }
  pending_.clear();
  for (const v1::OrderedTrial& t : state.ordered()) {
    Pending p{.genome_hash = t.genome_hash(),
              .rung = t.rung(),
              .arrived = t.arrived(),
              .outcome = {}};
    if (p.arrived) {
      p.outcome = {.genome_hash = t.genome_hash(),
                   .rung = t.rung(),
                   .state = t.state(),
                   .result = t.result()};
    }
    pending_.push_back(std::move(p));
  }
  released_ = state.released();
  dry_at_ = state.dry() ? released_ : -1;
  return absl::OkStatus();
}

}  // namespace nasprune::controller
