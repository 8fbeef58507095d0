#ifndef NASPRUNE_CONTROLLER_SEARCH_STRATEGY_H_
#define NASPRUNE_CONTROLLER_SEARCH_STRATEGY_H_

// A search strategy proposes genomes in batches and observes their results.
// It saves and restores its complete state as a StrategyState proto
// (proto/nasprune/v1/search.proto), so a restored strategy proposes exactly
// what the original would have. Proposals are never repeated within a job,
// and never break the job's analytic constraints (ProposalFilter).
//
// Plain C++ over protos: no gRPC. Not thread-safe: the owning job calls it
// from one thread at a time.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "nasprune/v1/genome.pb.h"
#include "nasprune/v1/job.pb.h"
#include "nasprune/v1/search.pb.h"

namespace nasprune::controller {

struct Proposal {
  v1::Genome genome;  // Canonical.
  std::string genome_hash;
  // The fidelity to evaluate at; unset fields mean the job's full fidelity.
  v1::Fidelity fidelity;
  // Multi-fidelity rung (0 = lowest); a proposal at rung k > 0 promotes the
  // same genome's trial at rung k − 1.
  int rung = 0;
  // The member the genome was bred from (a mutation's parent, a crossover's
  // first parent) and the rung of the result the strategy held of it then;
  // empty for random draws and promotions. The job starts the child's
  // training from that trial's kept model (StrategySpec.inherit_weights).
  std::string parent_hash;
  int parent_rung = 0;
};

// What came of a proposal.
struct Observation {
  std::string genome_hash;
  int rung = 0;  // The proposal's rung.
  // SUCCEEDED, EARLY_STOPPED (a partial result) or FAILED.
  v1::TrialState state = v1::TRIAL_STATE_SUCCEEDED;
  v1::EvaluationResult result;  // Unset when FAILED.
};

// What a strategy drew so far: genomes proposed, and draws it refused as
// infeasible (the analytic constraints) or as already proposed. Proposed and
// infeasible include those of a restored state; duplicates count from the
// strategy's construction.
struct DrawCounts {
  int64_t proposed = 0;
  int64_t infeasible = 0;
  int64_t duplicate = 0;
};

class SearchStrategy {
 public:
  virtual ~SearchStrategy() = default;

  // Up to `count` new proposals. Fewer (possibly none) only when the space
  // has no unproposed genome that meets the constraints within the
  // strategy's attempt budget.
  virtual std::vector<Proposal> Propose(int count) = 0;

  // Records an outcome of an earlier proposal; unknown hashes are ignored.
  // A later successful result of a genome already observed (a higher
  // fidelity under multi-fidelity) replaces the figures the strategy keeps
  // of it, where it keeps any (evolution and NSGA-II members).
  virtual void Observe(const Observation& observation) = 0;

  // Whether a running evaluation should stop now, given its validation
  // accuracy after each training epoch so far (early stopping). The caller
  // cancels it and reports it as EARLY_STOPPED.
  virtual bool ShouldStop(const std::string& genome_hash, int rung,
                          const std::vector<double>& val_accuracy) {
    (void)genome_hash;
    (void)rung;
    (void)val_accuracy;
    return false;
  }

  // The record of the strategy's screening predictor (StrategySpec
  // .screening); nullopt when it screens nothing.
  virtual std::optional<v1::ScreeningReport> ScreeningRecord() const {
    return std::nullopt;
  }

  // Its draws so far (for the controller's metrics).
  virtual DrawCounts Draws() const = 0;

  // The complete state.
  virtual v1::StrategyState Save() const = 0;

  // Replaces the state with a saved one. INVALID_ARGUMENT when it was
  // written by another kind of strategy or is malformed.
  virtual absl::Status Restore(const v1::StrategyState& state) = 0;
};

}  // namespace nasprune::controller

#endif  // NASPRUNE_CONTROLLER_SEARCH_STRATEGY_H_
