#ifndef NASPRUNE_WORKER_PRUNE_SURGERY_H_
#define NASPRUNE_WORKER_PRUNE_SURGERY_H_

// Physical removal of channels: a new, smaller Network whose convolution,
// batch-norm and linear tensors are slices of the source's, so the result has
// fewer parameters and MACs and runs faster (no masks). Channels are removed
// per channel group (common/genome/plan.h): every layer that produces,
// consumes or scales a group's channels is sliced along the matching
// dimension, so the result is always a consistent, exportable network.
// Optionally the head's linear layers are factorized (truncated SVD).

#include <torch/torch.h>

#include <vector>

#include "worker/model/network.h"

namespace nasprune::worker {

struct Surgery {
  // Per group (NetworkPlan::groups order): the channels to keep, as sorted,
  // distinct int64 indices into the source's current channels. An undefined
  // tensor keeps the whole group. Each defined tensor holds at least one
  // index.
  std::vector<torch::Tensor> keep;
  // Rank of the head's hidden / classifier layer in the result: 0 dense,
  // r > 0 factorized in→r→out from the truncated SVD of the (sliced) source
  // weight; -1 keeps the source's form.
  int hidden_rank = -1;
  int classifier_rank = -1;
};

// The source with `surgery` applied, on the source's device and in its
// training mode. The source is not modified. Throws std::invalid_argument
// when `keep` does not match the source's groups.
Network ApplySurgery(NetworkImpl& source, const Surgery& surgery);

// Singular values (descending) of the head layer's effective weight
// (v·u when factorized), on the CPU in double precision.
std::vector<double> SingularValues(FactorizedLinearImpl& linear);

}  // namespace nasprune::worker

#endif  // NASPRUNE_WORKER_PRUNE_SURGERY_H_
