#include "controller/search/predictor.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "common/random/rng.h"

namespace nasprune::controller {
namespace {

torch::Tensor ToTensor(const std::vector<std::vector<float>>& rows) {
  const int64_t n = static_cast<int64_t>(rows.size());
  const int64_t f = n == 0 ? 0 : static_cast<int64_t>(rows[0].size());
  torch::Tensor t = torch::empty({n, f}, torch::kFloat32);
  float* data = t.data_ptr<float>();
  for (const std::vector<float>& row : rows) {
    data = std::copy(row.begin(), row.end(), data);
  }
  return t;
}

torch::Tensor Uniform(std::vector<int64_t> shape, double bound, Rng& rng) {
  torch::Tensor t = torch::empty(shape, torch::kFloat32);
  float* data = t.data_ptr<float>();
  for (int64_t i = 0; i < t.numel(); ++i) {
    data[i] = static_cast<float>((2 * rng.UniformDouble() - 1) * bound);
  }
  return t;
}

std::vector<double> Ranks(const std::vector<double>& v) {
  std::vector<size_t> order(v.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return v[a] < v[b]; });
  std::vector<double> ranks(v.size());
  for (size_t i = 0; i < order.size();) {
    size_t j = i;
    while (j + 1 < order.size() && v[order[j + 1]] == v[order[i]]) ++j;
    const double average =
        (static_cast<double>(i) + static_cast<double>(j)) / 2;
    for (size_t k = i; k <= j; ++k) ranks[order[k]] = average;
    i = j + 1;
  }
  return ranks;
}

}  // namespace

torch::Tensor EnsemblePredictor::Forward(const torch::Tensor& x) const {
  const std::vector<torch::Tensor>& w = weights_;
  torch::Tensor h = torch::relu(torch::baddbmm(w[1], x, w[0]));
  h = torch::relu(torch::baddbmm(w[3], h, w[2]));
  return torch::baddbmm(w[5], h, w[4]);
}

void EnsemblePredictor::Fit(const std::vector<std::vector<float>>& x,
                            const std::vector<std::vector<double>>& y) {
  torch::NoGradGuard setup;
  const torch::Tensor xs = ToTensor(x);
  std::vector<std::vector<float>> yf;
  for (const std::vector<double>& row : y) {
    yf.emplace_back(row.begin(), row.end());
  }
  const torch::Tensor ys = ToTensor(yf);
  const int64_t n = xs.size(0), f = xs.size(1), t = ys.size(1);
  const int64_t members = options_.members, h = options_.hidden;
  // Standardize (a constant column keeps a scale of 1).
  x_mean_ = xs.mean(0);
  x_std_ = xs.std(0, /*unbiased=*/false).clamp_min(1e-6);
  y_mean_ = ys.mean(0);
  y_std_ = ys.std(0, /*unbiased=*/false).clamp_min(1e-6);
  const torch::Tensor xn = (xs - x_mean_) / x_std_;
  const torch::Tensor yn = (ys - y_mean_) / y_std_;

  // Each member's bootstrap rows and initial weights, from its own
  // generator.
  std::vector<torch::Tensor> bx, by;
  std::vector<std::vector<torch::Tensor>> layers(6);
  const std::vector<std::pair<std::vector<int64_t>, int64_t>> shapes = {
      {{f, h}, f}, {{1, h}, f}, {{h, h}, h},
      {{1, h}, h}, {{h, t}, h}, {{1, t}, h}};
  for (int64_t m = 0; m < members; ++m) {
    Rng rng(options_.seed * 0x9E3779B97F4A7C15ULL +
            static_cast<uint64_t>(n) * 1000003ULL + static_cast<uint64_t>(m));
    std::vector<int64_t> rows(n);
    for (int64_t& r : rows) r = static_cast<int64_t>(rng.Uniform(n));
    const torch::Tensor index = torch::tensor(rows, torch::kLong);
    bx.push_back(xn.index_select(0, index));
    by.push_back(yn.index_select(0, index));
    for (size_t l = 0; l < shapes.size(); ++l) {
      const auto& [shape, fan_in] = shapes[l];
      layers[l].push_back(
          Uniform(shape, 1 / std::sqrt(static_cast<double>(fan_in)), rng));
    }
  }
  weights_.clear();
  for (const std::vector<torch::Tensor>& layer : layers) {
    weights_.push_back(torch::stack(layer).set_requires_grad(true));
  }
  const torch::Tensor batch_x = torch::stack(bx), batch_y = torch::stack(by);
  torch::optim::Adam adam(weights_,
                          torch::optim::AdamOptions(options_.learning_rate)
                              .weight_decay(options_.weight_decay));
  {
    torch::AutoGradMode train(true);
    for (int step = 0; step < options_.steps; ++step) {
      adam.zero_grad();
      // The sum of the members' mean losses: each member trains as if alone.
      const torch::Tensor loss =
          (Forward(batch_x) - batch_y).pow(2).mean({1, 2}).sum();
      loss.backward();
      adam.step();
    }
  }
  for (torch::Tensor& w : weights_) w = w.detach();
}

std::vector<EnsemblePredictor::Prediction> EnsemblePredictor::Predict(
    const std::vector<std::vector<float>>& x) const {
  torch::NoGradGuard no_grad;
  const torch::Tensor xn = (ToTensor(x) - x_mean_) / x_std_;
  const torch::Tensor all =
      Forward(xn.unsqueeze(0).expand({options_.members, -1, -1}).contiguous()) *
          y_std_ +
      y_mean_;  // members × n × t
  const torch::Tensor mean = all.mean(0).contiguous();
  const torch::Tensor stddev = all.std(0, /*unbiased=*/false).contiguous();
  const int64_t n = mean.size(0), t = mean.size(1);
  const float* m = mean.data_ptr<float>();
  const float* sd = stddev.data_ptr<float>();
  std::vector<Prediction> out(n);
  for (int64_t i = 0; i < n; ++i) {
    out[i].mean.assign(m + i * t, m + (i + 1) * t);
    out[i].stddev.assign(sd + i * t, sd + (i + 1) * t);
  }
  return out;
}

double SpearmanCorrelation(const std::vector<double>& a,
                           const std::vector<double>& b) {
  if (a.size() != b.size() || a.size() < 3) return 0;
  const std::vector<double> ra = Ranks(a), rb = Ranks(b);
  const double n = static_cast<double>(a.size());
  const double mean = (n - 1) / 2;
  double cov = 0, va = 0, vb = 0;
  for (size_t i = 0; i < ra.size(); ++i) {
    cov += (ra[i] - mean) * (rb[i] - mean);
    va += (ra[i] - mean) * (ra[i] - mean);
    vb += (rb[i] - mean) * (rb[i] - mean);
  }
  if (va <= 0 || vb <= 0) return 0;
  return cov / std::sqrt(va * vb);
}

}  // namespace nasprune::controller
