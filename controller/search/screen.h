#ifndef NASPRUNE_CONTROLLER_SEARCH_SCREEN_H_
#define NASPRUNE_CONTROLLER_SEARCH_SCREEN_H_

// Screening before training (StrategySpec.screening): a strategy that has
// one draws several admissible candidates per proposal and dispatches the
// one the screen ranks first. The screen learns from every outcome the
// strategy observes. PredictorScreen (predictor_screen.h) is the one the
// factory builds; this interface keeps the strategies free of LibTorch.
//
// Not thread-safe.

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "controller/search/strategy.h"
#include "nasprune/v1/genome.pb.h"
#include "nasprune/v1/job.pb.h"
#include "nasprune/v1/search.pb.h"

namespace nasprune::controller {

class Screen {
 public:
  virtual ~Screen() = default;

  // Whether it has learnt enough to rank candidates.
  virtual bool Ready() const = 0;

  // The index of the candidate to dispatch among `candidates` (canonical,
  // admissible, at least one), ranked against `population`, the genome
  // hashes of the strategy's current members (proposed earlier, so
  // Admitted). Requires Ready().
  virtual size_t Choose(const std::vector<v1::Genome>& candidates,
                        const std::vector<std::string>& population) = 0;

  // A genome the strategy proposed (screened or not), so that its outcomes
  // can be learnt.
  virtual void Admitted(const v1::Genome& genome, const std::string& hash) = 0;

  // An outcome the strategy observed.
  virtual void Observe(const Observation& observation) = 0;

  // Into / from StrategyState.screen. INVALID_ARGUMENT when malformed.
  virtual void SaveTo(v1::StrategyState* state) const = 0;
  virtual absl::Status RestoreFrom(const v1::StrategyState& state) = 0;

  // For JobStatus.screening.
  virtual v1::ScreeningReport Report() const = 0;
};

// What a strategy hands ProposeChildrenOrRandom (strategy_state.h) to screen
// its proposals; no screen, or fewer than 2 candidates, screens nothing.
struct Screening {
  Screen* screen = nullptr;
  int candidates = 0;
  std::vector<std::string> population;  // Member genome hashes.
};

}  // namespace nasprune::controller

#endif  // NASPRUNE_CONTROLLER_SEARCH_SCREEN_H_
