#include "worker/engine/score_model.h"

#include <torch/script.h>

#include <chrono>
#include <cmath>
#include <sstream>
#include <thread>

#include "worker/data/data_error.h"
#include "worker/export/torchscript.h"

namespace nasprune::worker {
namespace {

bool Near(const std::vector<float>& a, const std::vector<float>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::abs(a[i] - b[i]) > 1e-6f * std::max(1.0f, std::abs(a[i]))) {
      return false;
    }
  }
  return true;
}

std::string Floats(const std::vector<float>& values) {
  std::ostringstream out;
  out << "[";
  for (size_t i = 0; i < values.size(); ++i) {
    out << (i > 0 ? ", " : "") << values[i];
  }
  out << "]";
  return out.str();
}

}  // namespace

ScoreResult ScoreModel(const ScoreRequest& request) {
  const auto start = std::chrono::steady_clock::now();
  at::set_num_threads(
      std::max(1, request.threads > 0
                      ? request.threads
                      : static_cast<int>(std::thread::hardware_concurrency())));
  std::istringstream bytes(request.archive);
  torch::jit::Module module = torch::jit::load(bytes, request.data.device);
  module.eval();

  DataOptions data_options = request.data;
  data_options.load_test = request.evaluate_test;
  const Datasets data = LoadDatasets(data_options);
  const InputNormalization kept = ArchiveNormalization(module);
  if (!kept.mean.empty() &&
      (!Near(kept.mean, data.mean) || !Near(kept.std, data.std))) {
    throw DataError(request.data.directory +
                    ": the kept model was trained on inputs normalized by "
                    "mean " +
                    Floats(kept.mean) + ", std " + Floats(kept.std) +
                    ", but this data gives mean " + Floats(data.mean) +
                    ", std " + Floats(data.std) +
                    " (another data set or train_subset)");
  }
  auto forward = [&module](const torch::Tensor& x) {
    return module.forward({x}).toTensor();
  };
  ScoreResult result;
  const Score val =
      EvaluateForward(forward, data.validation, request.eval_batch_size);
  result.val_loss = val.loss;
  result.val_accuracy = val.accuracy;
  if (request.evaluate_test) {
    result.test_accuracy =
        EvaluateForward(forward, data.test, request.eval_batch_size).accuracy;
  }
  result.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  return result;
}

}  // namespace nasprune::worker
