#include "controller/search/policy.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace nasprune::controller {
namespace {

constexpr double kInitRange = 0.08;
constexpr double kAdamBeta1 = 0.9;
constexpr double kAdamBeta2 = 0.999;
constexpr double kAdamEpsilon = 1e-8;

enum Param { kEmbed, kWIh, kWHh, kBIh, kBHh, kHeadW, kHeadB, kNumParams };

// An index drawn from `probs` (row of floats summing to about 1).
int Draw(const float* probs, int n, Rng& rng) {
  double total = 0;
  for (int i = 0; i < n; ++i) total += probs[i];
  double u = rng.UniformDouble() * total;
  for (int i = 0; i < n - 1; ++i) {
    u -= probs[i];
    if (u < 0) return i;
  }
  return n - 1;
}

}  // namespace

absl::StatusOr<std::unique_ptr<CategoricalPolicy>> CategoricalPolicy::Create(
    Options options) {
  const std::string prefix = "strategy.reinforce.";
  if (options.choices.empty()) {
    return absl::InvalidArgumentError(
        "strategy.reinforce: the search space has no decision to learn");
  }
  for (size_t i = 0; i < options.choices.size(); ++i) {
    if (options.choices[i] < 2) {
      return absl::InvalidArgumentError(
          absl::StrCat("strategy.reinforce: decision ", i, " has ",
                       options.choices[i], " options, need at least 2"));
    }
  }
  if (options.hidden_size < 1 || options.hidden_size > 1024) {
    return absl::InvalidArgumentError(absl::StrCat(
        prefix, "hidden_size: ", options.hidden_size, " is outside [1, 1024]"));
  }
  if (!(options.learning_rate > 0 && options.learning_rate <= 1)) {
    return absl::InvalidArgumentError(
        absl::StrCat(prefix, "learning_rate: ", options.learning_rate,
                     " is outside (0, 1]"));
  }
  if (!(options.entropy_weight >= 0 && options.entropy_weight <= 1)) {
    return absl::InvalidArgumentError(
        absl::StrCat(prefix, "entropy_weight: ", options.entropy_weight,
                     " is outside [0, 1]"));
  }
  if (!(options.baseline_decay >= 0 && options.baseline_decay < 1)) {
    return absl::InvalidArgumentError(
        absl::StrCat(prefix, "baseline_decay: ", options.baseline_decay,
                     " is outside [0, 1)"));
  }
  return std::unique_ptr<CategoricalPolicy>(
      new CategoricalPolicy(std::move(options)));
}

CategoricalPolicy::CategoricalPolicy(Options options)
    : options_(std::move(options)) {
  for (int n : options_.choices) {
    offsets_.push_back(total_choices_);
    total_choices_ += n;
  }
  const int64_t h = options_.hidden_size;
  const std::vector<std::vector<int64_t>> shapes = {
      {total_choices_ + 1, h}, {4 * h, h},      {4 * h, h}, {4 * h}, {4 * h},
      {total_choices_, h},     {total_choices_}};
  Rng rng(options_.seed);
  torch::NoGradGuard no_grad;
  for (const auto& shape : shapes) {
    torch::Tensor p = torch::empty(shape, torch::kFloat32);
    float* data = p.data_ptr<float>();
    for (int64_t i = 0; i < p.numel(); ++i) {
      data[i] = static_cast<float>((2 * rng.UniformDouble() - 1) * kInitRange);
    }
    params_.push_back(p.set_requires_grad(true));
    adam_m_.push_back(torch::zeros(shape, torch::kFloat32));
    adam_v_.push_back(torch::zeros(shape, torch::kFloat32));
  }
}

torch::Tensor CategoricalPolicy::Logits(int d, const torch::Tensor& h) const {
  const int n = options_.choices[d];
  return torch::linear(h, params_[kHeadW].narrow(0, offsets_[d], n),
                       params_[kHeadB].narrow(0, offsets_[d], n));
}

template <typename Visit>
void CategoricalPolicy::Unroll(int64_t batch, int steps, Visit visit) const {
  const int64_t hidden = options_.hidden_size;
  torch::Tensor x = params_[kEmbed][total_choices_].expand({batch, hidden});
  torch::Tensor h = torch::zeros({batch, hidden});
  torch::Tensor c = torch::zeros({batch, hidden});
  for (int d = 0; d < steps; ++d) {
    std::tie(h, c) = torch::lstm_cell(x, {h, c}, params_[kWIh], params_[kWHh],
                                      params_[kBIh], params_[kBHh]);
    const torch::Tensor actions = visit(d, Logits(d, h));
    x = params_[kEmbed].index_select(0, actions + offsets_[d]);
  }
}

std::vector<std::vector<int>> CategoricalPolicy::Sample(int count,
                                                        Rng& rng) const {
  std::vector<std::vector<int>> out(count);
  if (count <= 0) return {};
  torch::NoGradGuard no_grad;
  Unroll(count, static_cast<int>(options_.choices.size()),
         [&](int d, const torch::Tensor& logits) {
           const torch::Tensor probs = torch::softmax(logits, 1).contiguous();
           const int n = options_.choices[d];
           std::vector<int64_t> chosen(count);
           for (int i = 0; i < count; ++i) {
             chosen[i] = Draw(probs.data_ptr<float>() + i * n, n, rng);
             out[i].push_back(static_cast<int>(chosen[i]));
           }
           return torch::tensor(chosen, torch::kLong);
         });
  return out;
}

std::vector<double> CategoricalPolicy::NextProbabilities(
    const std::vector<int>& prefix) const {
  torch::NoGradGuard no_grad;
  std::vector<double> out;
  const int steps = static_cast<int>(prefix.size()) + 1;
  Unroll(1, steps, [&](int d, const torch::Tensor& logits) {
    if (d == steps - 1) {
      const torch::Tensor probs = torch::softmax(logits, 1).contiguous();
      for (int i = 0; i < options_.choices[d]; ++i) {
        out.push_back(probs.data_ptr<float>()[i]);
      }
      return torch::zeros({1}, torch::kLong);
    }
    return torch::tensor({static_cast<int64_t>(prefix[d])}, torch::kLong);
  });
  return out;
}

void CategoricalPolicy::Update(const std::vector<Episode>& episodes) {
  if (episodes.empty()) return;
  const int64_t batch = static_cast<int64_t>(episodes.size());
  const int steps = static_cast<int>(options_.choices.size());
  if (!has_baseline_) {
    double mean = 0;
    for (const Episode& e : episodes) mean += e.reward;
    baseline_ = mean / static_cast<double>(batch);
    has_baseline_ = true;
  }
  std::vector<float> advantages;
  for (const Episode& e : episodes) {
    advantages.push_back(static_cast<float>(e.reward - baseline_));
  }
  for (const Episode& e : episodes) {
    baseline_ = options_.baseline_decay * baseline_ +
                (1 - options_.baseline_decay) * e.reward;
  }

  // Teacher forcing: every input is known, so the LSTM runs over the whole
  // sequence in one call, and the heads, padded to the widest decision,
  // in one batched product.
  const int64_t hidden = options_.hidden_size;
  int max_choices = 0;
  for (int n : options_.choices) max_choices = std::max(max_choices, n);
  std::vector<int64_t> inputs, actions, head_rows;
  std::vector<float> used;
  std::vector<uint8_t> padding;
  for (int d = 0; d < steps; ++d) {
    for (const Episode& e : episodes) {
      inputs.push_back(d == 0 ? total_choices_
                              : offsets_[d - 1] + e.actions[d - 1]);
      actions.push_back(e.actions[d]);
      used.push_back(e.used.empty() || e.used[d] ? 1.0f : 0.0f);
    }
    for (int c = 0; c < max_choices; ++c) {
      const bool real = c < options_.choices[d];
      head_rows.push_back(real ? offsets_[d] + c : 0);
      padding.push_back(real ? 0 : 1);
    }
  }
  const torch::Tensor x =
      params_[kEmbed]
          .index_select(0, torch::tensor(inputs, torch::kLong))
          .view({steps, batch, hidden});
  const torch::Tensor zeros = torch::zeros({1, batch, hidden});
  const torch::Tensor h = std::get<0>(torch::lstm(
      x, {zeros, zeros},
      {params_[kWIh], params_[kWHh], params_[kBIh], params_[kBHh]},
      /*has_biases=*/true, /*num_layers=*/1, /*dropout=*/0, /*train=*/true,
      /*bidirectional=*/false, /*batch_first=*/false));
  const torch::Tensor rows = torch::tensor(head_rows, torch::kLong);
  const torch::Tensor w = params_[kHeadW]
                              .index_select(0, rows)
                              .view({steps, max_choices, hidden})
                              .transpose(1, 2);
  const torch::Tensor b =
      params_[kHeadB].index_select(0, rows).view({steps, 1, max_choices});
  const torch::Tensor pad = torch::tensor(padding, torch::kUInt8)
                                .to(torch::kBool)
                                .view({steps, 1, max_choices});
  const torch::Tensor log_p =
      torch::log_softmax((torch::bmm(h, w) + b).masked_fill(pad, -INFINITY), 2);
  const torch::Tensor chosen =
      log_p
          .gather(2,
                  torch::tensor(actions, torch::kLong).view({steps, batch, 1}))
          .squeeze(2);
  const torch::Tensor mask = torch::tensor(used).view({steps, batch});
  const torch::Tensor log_prob = (chosen * mask).sum(0);
  const torch::Tensor entropy =
      (-(log_p.exp() * log_p.masked_fill(pad, 0)).sum(2) * mask).sum(0);
  const torch::Tensor loss = -(torch::tensor(advantages) * log_prob).mean() -
                             options_.entropy_weight * entropy.mean();
  loss.backward();

  ++updates_;
  torch::NoGradGuard no_grad;
  const double correction1 = 1 - std::pow(kAdamBeta1, updates_);
  const double correction2 = 1 - std::pow(kAdamBeta2, updates_);
  for (size_t i = 0; i < params_.size(); ++i) {
    torch::Tensor& p = params_[i];
    if (!p.grad().defined()) continue;
    const torch::Tensor g = p.grad();
    adam_m_[i].mul_(kAdamBeta1).add_(g, 1 - kAdamBeta1);
    adam_v_[i].mul_(kAdamBeta2).addcmul_(g, g, 1 - kAdamBeta2);
    const torch::Tensor step =
        (adam_m_[i] / correction1) /
        ((adam_v_[i] / correction2).sqrt() + kAdamEpsilon);
    p.sub_(step * options_.learning_rate);
    p.mutable_grad().reset();
  }
}

v1::PolicyState CategoricalPolicy::Save() const {
  v1::PolicyState state;
  std::string* weights = state.mutable_weights();
  for (const auto* group : {&params_, &adam_m_, &adam_v_}) {
    for (const torch::Tensor& t : *group) {
      const torch::Tensor c = t.detach().contiguous();
      weights->append(reinterpret_cast<const char*>(c.data_ptr<float>()),
                      c.numel() * sizeof(float));
    }
  }
  state.set_baseline(baseline_);
  state.set_has_baseline(has_baseline_);
  state.set_updates(updates_);
  return state;
}

absl::Status CategoricalPolicy::Restore(const v1::PolicyState& state) {
  size_t expected = 0;
  for (const torch::Tensor& t : params_) expected += 3 * t.numel();
  if (state.weights().size() != expected * sizeof(float)) {
    return absl::InvalidArgumentError(
        absl::StrCat("strategy.policy.weights: ", state.weights().size(),
                     " bytes, this policy needs ", expected * sizeof(float)));
  }
  torch::NoGradGuard no_grad;
  const char* data = state.weights().data();
  for (auto* group : {&params_, &adam_m_, &adam_v_}) {
    for (torch::Tensor& t : *group) {
      std::memcpy(t.data_ptr<float>(), data, t.numel() * sizeof(float));
      data += t.numel() * sizeof(float);
    }
  }
  baseline_ = state.baseline();
  has_baseline_ = state.has_baseline();
  updates_ = state.updates();
  return absl::OkStatus();
}

}  // namespace nasprune::controller
