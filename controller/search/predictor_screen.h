#ifndef NASPRUNE_CONTROLLER_SEARCH_PREDICTOR_SCREEN_H_
#define NASPRUNE_CONTROLLER_SEARCH_PREDICTOR_SCREEN_H_

// The screen of StrategySpec.screening: an EnsemblePredictor (predictor.h)
// learns, from every successful result the strategy observes, a genome's
// validation accuracy and the log of its trial seconds at each rung, from
// its GenomeFeatures and the rung. Once it has min_observations results it
// ranks candidates.
//
// The target rung. Candidates are ranked by the accuracy they are predicted
// to reach at the highest rung with at least kTargetRungSamples results (the
// lowest rung until then, and always without multi-fidelity): what the job
// hands back is trained at its top rung, and one epoch tells small and large
// models apart much less than the full schedule does, so ranking at the
// lowest rung starves the accurate end of the front.
//
// Ranking. A candidate's optimistic accuracy is the predicted mean +
// exploration × std at the target rung, less cost_weight × log2 of its
// predicted trial seconds over the median seconds of the lowest-rung results
// (so a halving of the trial seconds is worth cost_weight of accuracy). Its
// gain is the hypervolume it would add to the front of the genomes measured
// so far, each by its result at the highest rung not above the target, moved
// to the target by the predicted difference between the two rungs; on the
// job's objectives normalized as the job's
// front normalizes them (pareto_front.h): accuracy by the optimistic figure,
// params and model bytes by the analytic params, MACs and latency by the
// analytic MACs, each over the fixed reference of its objective when the
// proxy has its units (params, MACs) and over 1.1 × the largest value among
// those results and the candidates otherwise. The candidate with the largest
// gain is dispatched: a small model that would extend the front outranks a
// large one a little more accurate than its neighbours, as the job's
// hypervolume values them. Among candidates of equal gain (none, when no
// candidate would join the front) every candidate and every member of
// the strategy's population becomes a point of the job's objectives at the
// target rung (members by their predicted mean), with the predicted trial
// seconds as one more objective when cost_weight is above 0; the one
// dominated by the fewest other points goes first, ties to the highest
// optimistic accuracy, then to the earlier draw.
//
// The accurate end. The gain values a point of accuracy at the large end of
// the front at a fraction of the same point at the small end (params over
// max_params: at 20k of 25k a fifth of what it is worth at 5k), so a search
// ranked by gain alone rarely dispatches its largest candidates. With
// accuracy_every = n, every n-th screened proposal dispatches the candidate
// of the highest optimistic accuracy instead, ties to the earlier draw.
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
  // Results a rung needs before candidates are ranked at it.
  static constexpr int kTargetRungSamples = 3;

  struct Options {
    genome::InputSpec input;
    std::vector<v1::Objective> objectives;  // At least one.
    v1::Constraints constraints;            // For the fixed references.
    int min_observations = 8;               // ≥ 2.
    double exploration = 0;                 // ≥ 0.
    double cost_weight = 0;                 // ≥ 0; 0 ignores the cost.
    int accuracy_every = 0;                 // ≥ 0; 0: never (see above).
    uint64_t seed = 0;
    EnsemblePredictor::Options predictor;  // Its seed is set from `seed`.
  };

  // INVALID_ARGUMENT without objectives, with min_observations below 2, or
  // a negative exploration, cost weight or accuracy_every.
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
  // Predicted accuracy (optimistic: + exploration × std, less the cost
  // term) of genomes' features at `rung`, and their log seconds at the
  // lowest rung.
  struct Predicted {
    double accuracy = 0;
    double log_seconds = 0;
  };
  std::vector<Predicted> PredictAt(
      const std::vector<std::vector<float>>& features, int rung,
      bool optimistic) const;
  // The rung candidates are ranked at (the header comment).
  int TargetRung() const;
  // Objective vectors (minimized) for the dominance count.
  std::vector<std::vector<double>> Points(
      const std::vector<std::vector<float>>& features,
      const std::vector<Predicted>& predicted) const;
  // The hypervolume each candidate would add to the measured front at the
  // target rung.
  std::vector<double> Gains(const std::vector<std::vector<float>>& features,
                            const std::vector<Predicted>& predicted,
                            int target) const;
  // The median log seconds of the lowest-rung results.
  double MedianLogSeconds() const;

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
