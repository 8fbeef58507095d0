#ifndef NASPRUNE_WORKER_EXPORT_TORCHSCRIPT_H_
#define NASPRUNE_WORKER_EXPORT_TORCHSCRIPT_H_

// Export of a trained (or pruned) Network as a TorchScript archive that
// `torch.jit.load` opens in Python and LibTorch. The archive's forward is
// TorchScript source generated from the network's plan, with the parameters
// and batch-norm statistics copied in; in eval mode its outputs equal the C++
// module's (max abs difference ≤ 1e-5, tested from C++ and Python).

#include <torch/script.h>

#include <string>
#include <vector>

#include "worker/model/network.h"

namespace nasprune::worker {

// The name an archive gives the tensor a module names `name`: every '.'
// becomes '_' ("blocks.3.dw.weight" → "blocks_3_dw_weight").
std::string ArchiveTensorName(std::string name);

// The TorchScript source of the exported forward (for inspection and tests).
std::string TorchScriptSource(NetworkImpl& network);

// How the network's inputs were prepared: images scaled to [0, 1], then
// (x − mean[c]) / std[c] per channel, with the training split's statistics.
// An archive carries them as the attributes `input_mean` and `input_std`
// (lists of floats; absent when empty), so that a user feeds the model as it
// was trained and scored.
struct InputNormalization {
  std::vector<float> mean;
  std::vector<float> std;
};

// A scripted copy of `network` in inference form (batch norm uses running
// statistics; dropout is identity). Tensors are copied to the CPU.
torch::jit::Module ExportTorchScript(NetworkImpl& network,
                                     const InputNormalization& input = {});

// ExportTorchScript, then save to `path`. Returns the archive's size in
// bytes. Raises c10::Error when the file cannot be written.
int64_t SaveTorchScript(NetworkImpl& network, const std::string& path,
                        const InputNormalization& input = {});

// The normalization an archive carries (empty lists when it has none).
InputNormalization ArchiveNormalization(const torch::jit::Module& module);

}  // namespace nasprune::worker

#endif  // NASPRUNE_WORKER_EXPORT_TORCHSCRIPT_H_
