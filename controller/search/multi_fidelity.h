#ifndef NASPRUNE_CONTROLLER_SEARCH_MULTI_FIDELITY_H_
#define NASPRUNE_CONTROLLER_SEARCH_MULTI_FIDELITY_H_

// Multi-fidelity scheduling around any strategy: successive halving (SH),
// its asynchronous form ASHA (Li et al. 2020), and the median stopping rule
// (Golovin et al. 2017), for single- and multi-objective jobs.
//
// Rungs are fidelities of increasing resource (epochs or training
// examples), each η times the one below, the top one the job's full
// fidelity (RungFidelities in factory.h). New genomes come from the wrapped
// strategy and start at rung 0; the wrapped strategy observes their rung-0
// outcome, then each successful higher-rung result of the same genome
// (which replaces the figures it keeps). A trial at rung k is promoted by
// proposing the same genome at rung k + 1:
//   - ASHA: whenever a slot is free, the best not-yet-promoted trial among
//     the top ⌊n/η⌋ of the n results at some rung k < top (the highest such
//     rung first) is promoted; otherwise a new genome starts.
//   - SH: trials form brackets of η^(rungs−1) genomes; once every trial of a
//     bracket's rung k has an outcome, its best ⌊n_k/η⌋ are promoted. New
//     brackets start while older ones wait, so slots never idle.
// "Best" is the scalar reward (reward.h) for single-objective jobs, and
// NSGA-II's crowded comparison (non-domination rank with the measured
// constraints, then crowding distance; ties to the earlier trial) for
// multi-objective ones. Failed and early-stopped trials are never promoted
// and are not among the n results.
//
// Median stopping rule: a trial is stopped after epoch s (> grace epochs)
// when its best validation accuracy so far is below the median, over the
// completed trials of the same rung that ran at least s epochs (at least
// `median_min_trials` of them), of their mean accuracy over epochs 1..s.
//
// Not thread-safe.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "controller/search/strategy.h"

namespace nasprune::controller {

class MultiFidelity : public SearchStrategy {
 public:
  struct Options {
    std::unique_ptr<SearchStrategy> inner;  // Required.
    // One rung with the full fidelity for the median rule alone; otherwise
    // successive halving or ASHA.
    v1::MultiFidelityMethod method = v1::MULTI_FIDELITY_METHOD_ASHA;
    std::vector<v1::Fidelity> rungs;  // Lowest first; non-empty.
    int reduction_factor = 3;         // η ≥ 2.
    bool median_stopping = false;
    int median_grace_epochs = 1;
    int median_min_trials = 5;
    std::vector<v1::Objective> objectives;  // Ranking within a rung.
    v1::Constraints constraints;
    bool multi_objective = false;  // Rank by non-domination.
  };

  // INVALID_ARGUMENT without an inner strategy or rungs, or with η < 2.
  static absl::StatusOr<std::unique_ptr<MultiFidelity>> Create(Options options);

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
  explicit MultiFidelity(Options options);
  // A promotion, when one is due.
  bool NextPromotion(Proposal* out);
  // Indices into members_ of the promotable results at `rung` (of
  // `bracket`, or every bracket when < 0), best first.
  std::vector<size_t> Ranked(int rung, int64_t bracket) const;
  Proposal Make(const v1::Genome& genome, const std::string& hash, int rung,
                int64_t bracket);
  int top() const { return static_cast<int>(options_.rungs.size()) - 1; }
  int64_t BracketSize(int rung) const;

  Options options_;
  std::vector<v1::SearchMember> members_;  // Every trial, proposal order.
  std::map<std::pair<std::string, int>, size_t> index_;  // (hash, rung).
  std::vector<v1::Curve> curves_;
  int64_t open_bracket_ = 0;
  int64_t open_bracket_size_ = 0;
};

}  // namespace nasprune::controller

#endif  // NASPRUNE_CONTROLLER_SEARCH_MULTI_FIDELITY_H_
