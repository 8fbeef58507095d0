#ifndef NASPRUNE_CONTROLLER_SEARCH_PREDICTOR_SCREEN_H_
#define NASPRUNE_CONTROLLER_SEARCH_PREDICTOR_SCREEN_H_

// The screen of StrategySpec.screening: an EnsemblePredictor (predictor.h)
// learns, from every successful result the strategy observes, a genome's
// validation accuracy and the log of its trial seconds at each rung, from
// its GenomeFeatures and the rung. Once it has min_observations results it
// ranks candidates.
//
// Ranking. Every candidate and every member of the strategy's population
// becomes a point of the job's objectives, all at the lowest rung so that
// they compare: accuracy predicted (a candidate's optimistic: mean +
// exploration × std), params and model bytes by the analytic params, MACs
// and latency by the analytic MACs, and, with a cost_weight above 0, the
// predicted trial seconds as one more objective. The candidate dominated by
// the fewest other points is dispatched; ties go to the highest
// optimistic accuracy − cost_weight × log2(predicted seconds), then to the
// earlier draw. So, with a cost weight, a candidate predicted to be worse
// than another on every objective, cost included, never goes first, and
// among those that trade one against the other a halving of the trial
// seconds is worth cost_weight of accuracy.
//
// Held out: a lowest-rung result is predicted before it is learnt; the
// Spearman correlations of those predictions with the measurements are the
// report (ScreeningReport).
//
// Refits happen when the results grew by an eighth since the last (at
// least one), so the cost stays logarithmic in the results.
//
// Not thread-safe.

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/genome/plan.h"
#include "controller/search/predictor.h"
#include "controller/search/screen.h"

namespace nasprune::controller {

class PredictorScreen : public Screen {
 public:
  struct Options {
    genome::InputSpec input;
    std::vector<v1::Objective> objectives;  // At least one.
    int min_observations = 8;               // ≥ 2.
    double exploration = 0;                 // ≥ 0.
    double cost_weight = 0;                 // ≥ 0; 0 ignores the cost.
    uint64_t seed = 0;
    EnsemblePredictor::Options predictor;  // Its seed is set from `seed`.
  };

  // INVALID_ARGUMENT without objectives, with min_observations below 2, or
  // a negative exploration or cost weight.
  static absl::StatusOr<std::unique_ptr<PredictorScreen>> Create(
      Options options);

  bool Ready() const override;
  size_t Choose(const std::vector<v1::Genome>& candidates,
                const std::vector<std::string>& population) override;
  void Admitted(const v1::Genome& genome, const std::string& hash) override;
  void Observe(const Observation& observation) override;
  void SaveTo(v1::StrategyState* state) const override;
  absl::Status RestoreFrom(const v1::StrategyState& state) override;
  v1::ScreeningReport Report() const override;

 private:
  explicit PredictorScreen(Options options);
  EnsemblePredictor::Options PredictorOptions() const;
  void Refit(size_t samples);
  void MaybeRefit();
  // Objective vectors (minimized) of genomes' features at the lowest rung;
  // `optimistic` adds exploration × std to the accuracy. `score` receives
  // each one's tie-break score.
  std::vector<std::vector<double>> Points(
      const std::vector<std::vector<float>>& features, bool optimistic,
      std::vector<double>* score) const;

  Options options_;
  EnsemblePredictor predictor_;
  std::map<std::string, std::vector<float>> features_;  // By genome hash.
  std::vector<v1::ScreenSample> samples_;               // In learnt order.
  size_t fitted_on_ = 0;
  int64_t screened_proposals_ = 0;
  int64_t screened_candidates_ = 0;
};

}  // namespace nasprune::controller

#endif  // NASPRUNE_CONTROLLER_SEARCH_PREDICTOR_SCREEN_H_
