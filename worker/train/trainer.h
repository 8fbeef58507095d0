#ifndef NASPRUNE_WORKER_TRAIN_TRAINER_H_
#define NASPRUNE_WORKER_TRAIN_TRAINER_H_

// Training and scoring of a Network on in-memory data. One code path for CPU
// and CUDA; on CUDA with mixed precision the forward runs under bfloat16
// autocast. A run is reproducible on the CPU for a given seed and thread
// count.
//
// Thread model: Train runs on the calling thread (LibTorch parallelizes ops
// over its intra-op pool); the cancellation token may be set from any
// thread and is checked before every step.

#include <torch/torch.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <vector>

#include "worker/data/dataset.h"
#include "worker/model/network.h"

namespace nasprune::worker {

enum class OptimizerKind { kSgd, kAdamW };
enum class ScheduleKind { kCosine, kConstant };

struct TrainOptions {
  OptimizerKind optimizer = OptimizerKind::kSgd;
  double learning_rate = 0.1;
  double momentum = 0.9;  // SGD only.
  bool nesterov = true;   // SGD only.
  double weight_decay = 5e-4;
  int64_t batch_size = 128;
  int epochs = 10;
  // Epochs already trained (a continued run): this run's epochs are numbered
  // from first_epoch + 1, and each epoch's data order follows its number.
  int first_epoch = 0;
  // Each epoch trains on this fraction of the training split's batches, in
  // (0, 1]: a lower fidelity's share of a fine-tune epoch (the schedule runs
  // over the steps actually taken).
  double epoch_fraction = 1;
  double warmup_epochs = 0;  // Linear warm-up, then the schedule.
  ScheduleKind schedule = ScheduleKind::kCosine;
  double label_smoothing = 0;
  bool augment = false;         // Random crop; plus horizontal flip for RGB.
  bool mixed_precision = true;  // CUDA only.
  // On the CPU, train in the channels-last memory format: the network's 4-D
  // parameters and buffers are converted for the run (and back to NCHW at
  // its end, so what is measured and exported never depends on it) and
  // every batch on the way in. Faster for plain convolutions and MBConv,
  // slower for depthwise-separable blocks (docs/benchmarks.md). Ignored on
  // CUDA.
  bool channels_last = true;
  // Stop after this many wall seconds (checked every step); 0 = no limit.
  double max_seconds = 0;
  uint64_t seed = 0;  // Initialization is seeded by the caller.
  // Batch size for scoring the validation split after each epoch.
  int64_t eval_batch_size = 1024;
  // Knowledge distillation from `teacher` (run in eval mode without
  // gradients; not owned) when distill_weight > 0: loss =
  // (1 − w)·CE(student) + w·T²·KL(softmax(teacher/T) ‖ softmax(student/T)).
  NetworkImpl* teacher = nullptr;
  double distill_weight = 0;
  double distill_temperature = 4;
};

// Set from any thread to stop a run within one step.
class CancellationToken {
 public:
  void Cancel() { cancelled_.store(true, std::memory_order_relaxed); }
  bool cancelled() const { return cancelled_.load(std::memory_order_relaxed); }

 private:
  std::atomic<bool> cancelled_{false};
};

struct EpochStats {
  int epoch = 0;  // 1-based.
  double train_loss = 0;
  double train_accuracy = 0;
  double val_loss = 0;
  double val_accuracy = 0;
  double seconds = 0;   // Training steps only, not scoring.
  int64_t samples = 0;  // Training examples seen.
  double samples_per_second = 0;
};

struct TrainResult {
  std::vector<EpochStats> epochs;
  bool cancelled = false;
  bool timed_out = false;
  double seconds = 0;
  double samples_per_second = 0;  // Over all completed training steps.
};

struct Score {
  double loss = 0;
  double accuracy = 0;
};

// Trains `network` on data.train, scoring data.validation after each epoch
// and calling `on_epoch` with the figures. Returns early (flagged) when the
// token is cancelled or the time budget runs out.
TrainResult Train(NetworkImpl& network, const Datasets& data,
                  const TrainOptions& options,
                  const std::function<void(const EpochStats&)>& on_epoch,
                  const CancellationToken* cancel);

// Mean cross-entropy and top-1 accuracy of `network` on `split`, in eval mode
// without gradients; the network's training flag is restored. On the CPU
// the batches go in channels-last (as Train feeds them).
Score Evaluate(NetworkImpl& network, const Split& split, int64_t batch_size);

// The same for any forward function (an exported archive's, say), which
// runs without gradients and must already be in inference form.
Score EvaluateForward(
    const std::function<torch::Tensor(const torch::Tensor&)>& forward,
    const Split& split, int64_t batch_size);

// Re-estimates the running statistics of every batch norm in `network` from
// `batches` training batches (a cumulative average, no gradients, no
// augmentation), as adaptive batch norm does after pruning (Li et al. 2020,
// EagleEye). The training flag and BN momenta are restored.
void RecalibrateBatchNorm(NetworkImpl& network, const Split& train, int batches,
                          int64_t batch_size, uint64_t seed);

// T²·KL(softmax(teacher/T) ‖ softmax(student/T)), averaged over the batch.
torch::Tensor DistillationLoss(const torch::Tensor& student_logits,
                               const torch::Tensor& teacher_logits,
                               double temperature);

// The learning rate at `step` of `total_steps` (warm-up then schedule).
double LearningRateAt(const TrainOptions& options, int64_t step,
                      int64_t total_steps, int64_t steps_per_epoch);

}  // namespace nasprune::worker

#endif  // NASPRUNE_WORKER_TRAIN_TRAINER_H_
