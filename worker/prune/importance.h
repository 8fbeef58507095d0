#ifndef NASPRUNE_WORKER_PRUNE_IMPORTANCE_H_
#define NASPRUNE_WORKER_PRUNE_IMPORTANCE_H_

// Channel importance per channel group, and the choice of channels to keep.
//
// A group's members are the layers that produce its channels: convolution
// filters (output channels; a depthwise conv's channels), the batch norms
// after them, and for "head.hidden" the rows of the hidden linear layer.
// Criteria (docs/pruning.md):
//   L1 / L2    norm of each member's filter for the channel, with the batch
//              norm after it folded in (× |γ|/√(var + ε), the filter that runs
//              at inference; a conv's raw scale is undone by its batch norm);
//              each member's scores are divided by their mean, then summed
//              over members, so every layer of a group weighs the same
//              whatever its size.
//   BN scale   |γ| of the group's batch norms, summed (network slimming);
//              a group without batch norm ("head.hidden") uses L1.
//   Taylor     first-order estimate of the loss change when the whole channel
//              is removed: (Σ over every member parameter of the channel of
//              w·∂L/∂w)², summed over a few training batches (Molchanov et
//              al. 2019, at group level). The network runs in eval mode, so
//              batch-norm statistics are not touched.
//   random     independent uniform scores from the seed: the control.

#include <torch/torch.h>

#include <cstdint>
#include <vector>

#include "common/genome/plan.h"
#include "worker/data/dataset.h"
#include "worker/model/network.h"

namespace nasprune::worker {

struct ImportanceOptions {
  genome::Criterion criterion = genome::Criterion::kL1;
  uint64_t seed = 0;            // Random scores; Taylor's batch order.
  const Split* data = nullptr;  // Training data, required for Taylor.
  int taylor_batches = 16;
  int64_t batch_size = 128;
};

// One score per current channel of each group (NetworkPlan::groups order),
// float64 on the CPU; higher means more important. Leaves the network's
// parameters, gradients and training mode as they were. Throws
// std::invalid_argument for kNone, or for Taylor without data.
std::vector<torch::Tensor> GroupImportance(NetworkImpl& network,
                                           const ImportanceOptions& options);

// Sorted int64 indices of the `count` highest scores (ties keep the lower
// index), count clamped to [1, scores.numel()].
torch::Tensor TopChannels(const torch::Tensor& scores, int count);

}  // namespace nasprune::worker

#endif  // NASPRUNE_WORKER_PRUNE_IMPORTANCE_H_
