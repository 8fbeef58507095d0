#ifndef NASPRUNE_CONTROLLER_SEARCH_ORDERED_H_
#define NASPRUNE_CONTROLLER_SEARCH_ORDERED_H_

// Reproducible parallel search (StrategySpec.reproducible_window): wraps a
// job's strategy (multi-fidelity included) so that what it proposes depends
// on the spec and seed alone, not on the number of workers or the order in
// which results come back.
//
// With window N, trial i (the i-th proposal, from 0) is proposed once the
// outcomes of trials 0 … i−N have arrived, and by then the wrapped strategy
// has observed exactly trials 0 … i−N, in trial order: outcomes are held
// until the proposal that may see them. So at most N trials are in flight,
// and a worker waits when an early trial is slow. When the wrapped strategy
// proposes nothing at that point (it finds no new admissible genome), it is
// not asked again until the next outcome is released, one at a time, in
// order, each once it has arrived, until it proposes or none is left: a
// rule that depends on the outcomes only, never on their timing (asking it
// again would spend its random draws). A proposal whose
// trial never gets an outcome (cancelled) holds every later one back, which
// happens only when the search is ending anyway.
//
// Not thread-safe.

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "controller/search/strategy.h"

namespace nasprune::controller {

class OrderedSearch : public SearchStrategy {
 public:
  struct Options {
    std::unique_ptr<SearchStrategy> inner;  // Required.
    int window = 1;                         // N ≥ 1.
  };

  // INVALID_ARGUMENT without an inner strategy or with a window below 1.
  static absl::StatusOr<std::unique_ptr<OrderedSearch>> Create(Options options);

  std::vector<Proposal> Propose(int count) override;
  void Observe(const Observation& observation) override;
  bool ShouldStop(const std::string& genome_hash, int rung,
                  const std::vector<double>& val_accuracy) override;
  DrawCounts Draws() const override { return options_.inner->Draws(); }
  v1::StrategyState Save() const override;
  absl::Status Restore(const v1::StrategyState& state) override;
  std::optional<v1::ScreeningReport> ScreeningRecord() const override {
    return options_.inner->ScreeningRecord();
  }

 private:
  struct Pending {
    std::string genome_hash;
    int rung = 0;
    bool arrived = false;
    Observation outcome;
  };

  explicit OrderedSearch(Options options);
  // Hands the oldest pending outcome to the wrapped strategy; false when it
  // has not arrived.
  bool ReleaseOne();

  Options options_;
  std::deque<Pending> pending_;  // Proposed, not yet observed by inner.
  int64_t released_ = 0;         // Proposals the inner strategy observed.
  int64_t dry_at_ = -1;          // released_ when inner last proposed nothing.
};

}  // namespace nasprune::controller

#endif  // NASPRUNE_CONTROLLER_SEARCH_ORDERED_H_
