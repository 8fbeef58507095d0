#ifndef NASPRUNE_CONTROLLER_SEARCH_PREDICTOR_H_
#define NASPRUNE_CONTROLLER_SEARCH_PREDICTOR_H_

// A performance predictor for screening (screen.h): an ensemble of small
// multi-layer perceptrons, each fitted on a bootstrap sample of the job's own
// results, as in BANANAS (White et al. 2021). The ensemble's mean is the
// prediction, its spread the uncertainty. Inputs and targets are
// standardized; every member is initialized and bootstrapped from the seed
// and the training-set size alone, so a fit is a function of its data (on a
// given machine and thread count): a restored job refits to the same model.
//
// LibTorch on the CPU: the members train together as one batched network
// (their weights stacked, bmm), a few hundred full-batch Adam steps per fit.
//
// Not thread-safe.

#include <torch/torch.h>

#include <cstdint>
#include <vector>

namespace nasprune::controller {

class EnsemblePredictor {
 public:
  struct Options {
    int members = 5;
    int hidden = 32;
    int steps = 300;
    double learning_rate = 0.01;
    double weight_decay = 1e-4;
    uint64_t seed = 0;
  };

  // Per target: the ensemble's mean and its standard deviation.
  struct Prediction {
    std::vector<double> mean;
    std::vector<double> stddev;
  };

  explicit EnsemblePredictor(Options options) : options_(options) {}

  // Fits on rows `x` (all of one length, at least one row) and targets `y`
  // (one row of equal length per row of x).
  void Fit(const std::vector<std::vector<float>>& x,
           const std::vector<std::vector<double>>& y);

  bool fitted() const { return !weights_.empty(); }

  // Predictions for rows of the fitted length. Requires fitted().
  std::vector<Prediction> Predict(
      const std::vector<std::vector<float>>& x) const;

 private:
  // x: members × rows × features; returns members × rows × targets.
  torch::Tensor Forward(const torch::Tensor& x) const;

  Options options_;
  // Per layer, stacked over the members: w1 (m × f × h), b1 (m × 1 × h), w2,
  // b2, w3 (m × h × t), b3.
  std::vector<torch::Tensor> weights_;
  torch::Tensor x_mean_, x_std_, y_mean_, y_std_;
};

// Spearman's rank correlation of two equally long series (ties get their
// average rank); 0 when shorter than 3 or when either is constant.
double SpearmanCorrelation(const std::vector<double>& a,
                           const std::vector<double>& b);

}  // namespace nasprune::controller

#endif  // NASPRUNE_CONTROLLER_SEARCH_PREDICTOR_H_
