#ifndef NASPRUNE_WORKER_MODEL_INHERIT_H_
#define NASPRUNE_WORKER_MODEL_INHERIT_H_

// Weight inheritance (docs/search.md, "Weight inheritance"): a network
// starts from the trained tensors of a related network's kept TorchScript
// archive (worker/export/torchscript.h) instead of its random
// initialization, as in large-scale evolution (Real et al. 2017) and
// LEMONADE (Elsken et al. 2019).
//
// Layers are matched by name: the stem and head by their own, a block by
// its stage and its position in the stage (so a block added earlier in the
// network does not shift the later ones), and only between blocks of the
// same operator. A matched tensor is laid over the new one:
// - a shape that agrees is copied;
// - a wider layer keeps its source's channels first; the new output
//   channels keep their random initialization, and the weights that read
//   new input channels are zeroed, so its consumers ignore them at first;
// - a larger kernel gets the source's kernel in its centre and zeros
//   around it (a smaller one takes the source's centre);
// - a factorized head layer (u, v) becomes the dense product v·u;
// and a residual block the source lacks starts as the identity (its last
// batch norm's scale and shift are zeroed). So a child that only grew
// wider, deeper or larger-kerneled computes, in inference form, exactly
// what its source did (a squeeze-excite or expansion layer it gained starts
// random); a child that shrank starts from the overlap.

#include <cstdint>
#include <string>

#include "common/genome/plan.h"
#include "worker/model/network.h"

namespace nasprune::worker {

struct InheritStats {
  int64_t inherited = 0;  // Parameter elements taken from the source.
  int64_t total = 0;      // Parameter elements of the network.
  double fraction() const {
    return total > 0 ? static_cast<double>(inherited) / total : 0;
  }
};

// Lays the tensors of `archive` (the bytes of a TorchScript archive written
// by SaveTorchScript for a network with the plan `source`; only its block
// stages and operators are read) over `network`'s. Raises c10::Error when
// the archive cannot be read.
InheritStats InheritWeights(const std::string& archive,
                            const genome::NetworkPlan& source,
                            NetworkImpl& network);

}  // namespace nasprune::worker

#endif  // NASPRUNE_WORKER_MODEL_INHERIT_H_
