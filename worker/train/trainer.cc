#include "worker/train/trainer.h"

#include <ATen/autocast_mode.h>
#include <torch/version.h>

#include <chrono>
#include <cmath>
#include <memory>

namespace nasprune::worker {
namespace {

using Clock = std::chrono::steady_clock;

double Since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::unique_ptr<torch::optim::Optimizer> MakeOptimizer(NetworkImpl& network,
                                                       const TrainOptions& o) {
  if (o.optimizer == OptimizerKind::kAdamW) {
    return std::make_unique<torch::optim::AdamW>(
        network.parameters(), torch::optim::AdamWOptions(o.learning_rate)
                                  .weight_decay(o.weight_decay));
  }
  return std::make_unique<torch::optim::SGD>(
      network.parameters(), torch::optim::SGDOptions(o.learning_rate)
                                .momentum(o.momentum)
                                .nesterov(o.nesterov && o.momentum > 0)
                                .weight_decay(o.weight_decay));
}

void SetLearningRate(torch::optim::Optimizer& optimizer, double lr) {
  for (auto& group : optimizer.param_groups()) {
    group.options().set_lr(lr);
  }
}

// LibTorch 2.4 made autocast per device type and deprecated the CUDA-only
// calls that 1.13 (Debian's) has alone.
#if TORCH_VERSION_MAJOR > 2 || \
    (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
void SetCudaAutocast(bool enabled) {
  if (enabled) at::autocast::set_autocast_dtype(at::kCUDA, at::kBFloat16);
  at::autocast::set_autocast_enabled(at::kCUDA, enabled);
}
#else
void SetCudaAutocast(bool enabled) {
  if (enabled) at::autocast::set_autocast_gpu_dtype(at::kBFloat16);
  at::autocast::set_enabled(enabled);
}
#endif

// bfloat16 autocast for the forward pass on CUDA devices (the state is the
// thread's, so slots sharing a GPU do not disturb each other); nothing on
// the CPU.
class AutocastScope {
 public:
  explicit AutocastScope(bool enable) : enabled_(enable) {
    if (enabled_) SetCudaAutocast(true);
  }
  ~AutocastScope() {
    if (enabled_) {
      SetCudaAutocast(false);
      at::autocast::clear_cache();
    }
  }

 private:
  bool enabled_;
};

// A CPU image batch in the memory format the convolutions run fastest in.
torch::Tensor ChannelsLast(const torch::Tensor& images) {
  if (images.is_cuda() || images.dim() != 4) return images;
  return images.contiguous(torch::MemoryFormat::ChannelsLast);
}

// Converts the network's 4-D parameters and buffers to `format` in place
// (values unchanged).
void SetMemoryFormat(NetworkImpl& network, torch::MemoryFormat format) {
  torch::NoGradGuard no_grad;
  auto convert = [format](std::vector<torch::Tensor> tensors) {
    for (torch::Tensor& t : tensors) {
      if (t.dim() == 4) t.set_data(t.data().contiguous(format));
    }
  };
  convert(network.parameters());
  convert(network.buffers());
}

}  // namespace

void RecalibrateBatchNorm(NetworkImpl& network, const Split& train, int batches,
                          int64_t batch_size, uint64_t seed) {
  std::vector<std::pair<torch::nn::BatchNorm2dImpl*, c10::optional<double>>>
      norms;
  for (const auto& module : network.modules(/*include_self=*/false)) {
    if (auto* bn = module->as<torch::nn::BatchNorm2dImpl>()) {
      norms.emplace_back(bn, bn->options.momentum());
      bn->reset_running_stats();
      bn->options.momentum(c10::nullopt);  // Cumulative average.
    }
  }
  const bool was_training = network.is_training();
  network.train();
  {
    torch::NoGradGuard no_grad;
    BatchIterator iterator(train, batch_size, seed, /*augment=*/false,
                           /*flip=*/false);
    torch::Tensor images, labels;
    for (int b = 0; b < batches && iterator.Next(&images, &labels); ++b) {
      network.forward(images);
    }
  }
  network.train(was_training);
  for (auto& [bn, momentum] : norms) bn->options.momentum(momentum);
}

torch::Tensor DistillationLoss(const torch::Tensor& student_logits,
                               const torch::Tensor& teacher_logits,
                               double temperature) {
  namespace F = torch::nn::functional;
  const torch::Tensor log_student =
      F::log_softmax(student_logits / temperature, F::LogSoftmaxFuncOptions(1));
  const torch::Tensor teacher =
      F::softmax(teacher_logits / temperature, F::SoftmaxFuncOptions(1));
  return F::kl_div(log_student, teacher,
                   F::KLDivFuncOptions().reduction(torch::kBatchMean)) *
         (temperature * temperature);
}

double LearningRateAt(const TrainOptions& o, int64_t step, int64_t total_steps,
                      int64_t steps_per_epoch) {
  const double warmup_steps = o.warmup_epochs * steps_per_epoch;
  if (step < warmup_steps) {
    return o.learning_rate * (step + 1) / warmup_steps;
  }
  if (o.schedule == ScheduleKind::kConstant) return o.learning_rate;
  const double span = std::max(1.0, total_steps - warmup_steps);
  const double progress = std::min(1.0, (step - warmup_steps) / span);
  return 0.5 * o.learning_rate * (1 + std::cos(M_PI * progress));
}

Score EvaluateForward(
    const std::function<torch::Tensor(const torch::Tensor&)>& forward,
    const Split& split, int64_t batch_size) {
  torch::NoGradGuard no_grad;
  double loss_sum = 0;
  int64_t correct = 0;
  const int64_t n = split.size();
  for (int64_t start = 0; start < n; start += batch_size) {
    const int64_t end = std::min(n, start + batch_size);
    const torch::Tensor logits =
        forward(ChannelsLast(split.images.slice(0, start, end)))
            .to(torch::kFloat32);
    const torch::Tensor labels = split.labels.slice(0, start, end);
    loss_sum += torch::nn::functional::cross_entropy(
                    logits, labels,
                    torch::nn::functional::CrossEntropyFuncOptions().reduction(
                        torch::kSum))
                    .item<double>();
    correct += logits.argmax(1).eq(labels).sum().item<int64_t>();
  }
  if (n == 0) return {};
  return {loss_sum / n, static_cast<double>(correct) / n};
}

Score Evaluate(NetworkImpl& network, const Split& split, int64_t batch_size) {
  const bool was_training = network.is_training();
  network.eval();
  const Score score = EvaluateForward(
      [&network](const torch::Tensor& x) { return network.forward(x); }, split,
      batch_size);
  network.train(was_training);
  return score;
}

TrainResult Train(NetworkImpl& network, const Datasets& data,
                  const TrainOptions& options,
                  const std::function<void(const EpochStats&)>& on_epoch,
                  const CancellationToken* cancel) {
  TrainResult result;
  const auto start = Clock::now();
  const bool cuda = data.train.images.is_cuda();
  const bool autocast = cuda && options.mixed_precision;
  const bool flip = data.channels >= 3;
  const bool channels_last = options.channels_last && !cuda;
  if (channels_last) {
    SetMemoryFormat(network, torch::MemoryFormat::ChannelsLast);
  }
  auto optimizer = MakeOptimizer(network, options);
  std::vector<torch::Tensor> parameters = network.parameters();
  const int64_t full_steps =
      (data.train.size() + options.batch_size - 1) / options.batch_size;
  const int64_t steps_per_epoch =
      options.epoch_fraction >= 1
          ? full_steps
          : std::max<int64_t>(
                1, static_cast<int64_t>(std::ceil(
                       full_steps * std::max(0.0, options.epoch_fraction))));
  const int64_t total_steps = steps_per_epoch * options.epochs;
  const auto loss_options =
      torch::nn::functional::CrossEntropyFuncOptions().label_smoothing(
          options.label_smoothing);
  const bool distill = options.teacher != nullptr && options.distill_weight > 0;
  const bool teacher_was_training =
      distill ? options.teacher->is_training() : false;
  if (distill) options.teacher->eval();
  int64_t step = 0;
  double train_seconds = 0;
  int64_t trained_samples = 0;
  network.train();
  for (int epoch = 1; epoch <= options.epochs; ++epoch) {
    const int number = options.first_epoch + epoch;
    BatchIterator batches(data.train, options.batch_size,
                          options.seed * 1000003ULL + number, options.augment,
                          flip);
    torch::Tensor loss_sum =
        torch::zeros({}, data.train.labels.options().dtype(torch::kFloat32));
    torch::Tensor correct = torch::zeros({}, data.train.labels.options());
    int64_t seen = 0;
    int64_t epoch_steps = 0;
    const auto epoch_start = Clock::now();
    torch::Tensor images, labels;
    while (epoch_steps < steps_per_epoch && batches.Next(&images, &labels)) {
      if (cancel != nullptr && cancel->cancelled()) {
        result.cancelled = true;
        break;
      }
      if (options.max_seconds > 0 && Since(start) > options.max_seconds) {
        result.timed_out = true;
        break;
      }
      if (channels_last) images = ChannelsLast(images);
      SetLearningRate(*optimizer, LearningRateAt(options, step, total_steps,
                                                 steps_per_epoch));
      torch::Tensor logits;
      {
        AutocastScope scope(autocast);
        logits = network.forward(images);
      }
      logits = logits.to(torch::kFloat32);
      torch::Tensor loss =
          torch::nn::functional::cross_entropy(logits, labels, loss_options);
      if (distill) {
        torch::Tensor teacher_logits;
        {
          torch::NoGradGuard no_grad;
          AutocastScope scope(autocast);
          teacher_logits = options.teacher->forward(images);
        }
        loss = (1 - options.distill_weight) * loss +
               options.distill_weight *
                   DistillationLoss(logits, teacher_logits.to(torch::kFloat32),
                                    options.distill_temperature);
      }
      // Gradients to none rather than zero: no memset, and the same on
      // LibTorch 1.13 and 2.x (whose zero_grad signatures differ).
      for (auto& parameter : parameters)
        parameter.mutable_grad() = torch::Tensor();
      loss.backward();
      optimizer->step();
      {
        torch::NoGradGuard no_grad;
        const int64_t b = labels.size(0);
        loss_sum += loss.detach() * static_cast<double>(b);
        correct += logits.argmax(1).eq(labels).sum();
        seen += b;
      }
      ++step;
      ++epoch_steps;
    }
    const double seconds = Since(epoch_start);
    train_seconds += seconds;
    trained_samples += seen;
    if (result.cancelled || result.timed_out) break;
    EpochStats stats;
    stats.epoch = number;
    stats.train_loss = loss_sum.item<double>() / std::max<int64_t>(1, seen);
    stats.train_accuracy = static_cast<double>(correct.item<int64_t>()) /
                           std::max<int64_t>(1, seen);
    stats.seconds = seconds;
    stats.samples = seen;
    stats.samples_per_second = seen / std::max(seconds, 1e-9);
    const Score val =
        Evaluate(network, data.validation, options.eval_batch_size);
    stats.val_loss = val.loss;
    stats.val_accuracy = val.accuracy;
    result.epochs.push_back(stats);
    if (on_epoch) on_epoch(stats);
  }
  if (distill) options.teacher->train(teacher_was_training);
  if (channels_last) SetMemoryFormat(network, torch::MemoryFormat::Contiguous);
  result.seconds = Since(start);
  result.samples_per_second = trained_samples / std::max(train_seconds, 1e-9);
  return result;
}

}  // namespace nasprune::worker
