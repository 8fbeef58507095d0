#ifndef NASPRUNE_CONTROLLER_SEARCH_POLICY_H_
#define NASPRUNE_CONTROLLER_SEARCH_POLICY_H_

// The REINFORCE controller of Zoph & Le (2017) in LibTorch: an LSTM that
// emits one categorical action per decision. Its input at each step is the
// embedding of the previous action (a learned start token first); a linear
// layer per decision maps the hidden state to that decision's logits.
//
// Training is REINFORCE with a moving-average baseline and an entropy
// bonus, one Adam step per batch of episodes:
//   loss = −mean_i[(R_i − b) Σ_t log π(a_it)] − β · mean_i[Σ_t H(π_it)]
// over the decisions each episode used. b is the exponential moving average
// of the rewards seen before the batch (the batch mean for the first one);
// it then absorbs the batch's rewards in order.
//
// Deterministic: weights start uniform in [−0.08, 0.08] from the seed, and
// sampling draws from the caller's Rng, never from LibTorch's generator.
// Not thread-safe.

#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "common/random/rng.h"
#include "nasprune/v1/search.pb.h"
#include "torch/torch.h"

namespace nasprune::controller {

class CategoricalPolicy {
 public:
  struct Options {
    std::vector<int> choices;  // Options per decision, each ≥ 2; non-empty.
    int hidden_size = 64;
    double learning_rate = 0.01;
    double entropy_weight = 0.001;
    double baseline_decay = 0.95;
    uint64_t seed = 0;  // Initial weights.
  };

  struct Episode {
    std::vector<int> actions;  // One per decision.
    std::vector<bool> used;    // Decisions that count; empty means all.
    double reward = 0;
  };

  // INVALID_ARGUMENT naming the field: no decisions, a decision with fewer
  // than 2 options, hidden size outside [1, 1024], learning rate outside
  // (0, 1], entropy weight outside [0, 1], baseline decay outside [0, 1).
  static absl::StatusOr<std::unique_ptr<CategoricalPolicy>> Create(
      Options options);

  // `count` action sequences drawn from the policy.
  std::vector<std::vector<int>> Sample(int count, Rng& rng) const;

  // The distribution of the decision after `prefix` (the actions of the
  // decisions before it).
  std::vector<double> NextProbabilities(const std::vector<int>& prefix) const;

  // One policy-gradient step on `episodes` (non-empty).
  void Update(const std::vector<Episode>& episodes);

  v1::PolicyState Save() const;
  // INVALID_ARGUMENT when the weights do not fit this policy's shape.
  absl::Status Restore(const v1::PolicyState& state);

  double baseline() const { return baseline_; }
  int64_t updates() const { return updates_; }

 private:
  explicit CategoricalPolicy(Options options);
  // Logits of decision `d` from hidden states h [B, H].
  torch::Tensor Logits(int d, const torch::Tensor& h) const;
  // Runs the LSTM over `steps` decisions, teacher-forced by `actions`
  // ([B, steps], long) where given; `visit(d, logits)` returns the action
  // tensor [B] to feed next.
  template <typename Visit>
  void Unroll(int64_t batch, int steps, Visit visit) const;

  Options options_;
  std::vector<int> offsets_;  // First logit row of each decision.
  int total_choices_ = 0;
  // Parameters: embedding [total + 1, H], LSTM w_ih, w_hh [4H, H],
  // b_ih, b_hh [4H], heads W [total, H], b [total].
  std::vector<torch::Tensor> params_;
  std::vector<torch::Tensor> adam_m_, adam_v_;
  double baseline_ = 0;
  bool has_baseline_ = false;
  int64_t updates_ = 0;
};

}  // namespace nasprune::controller

#endif  // NASPRUNE_CONTROLLER_SEARCH_POLICY_H_
