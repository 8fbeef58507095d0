#ifndef NASPRUNE_WORKER_EXPORT_TORCHSCRIPT_H_
#define NASPRUNE_WORKER_EXPORT_TORCHSCRIPT_H_

// Export of a trained (or pruned) Network as a TorchScript archive that
// `torch.jit.load` opens in Python and LibTorch. The archive's forward is
// TorchScript source generated from the network's plan, with the parameters
// and batch-norm statistics copied in; in eval mode its outputs equal the C++
// module's (max abs difference ≤ 1e-5, tested from C++ and Python).

#include <torch/script.h>

#include <string>

#include "worker/model/network.h"

namespace nasprune::worker {

// The TorchScript source of the exported forward (for inspection and tests).
std::string TorchScriptSource(NetworkImpl& network);

// A scripted copy of `network` in inference form (batch norm uses running
// statistics; dropout is identity). Tensors are copied to the CPU.
torch::jit::Module ExportTorchScript(NetworkImpl& network);

// ExportTorchScript, then save to `path`. Returns the archive's size in
// bytes. Raises c10::Error when the file cannot be written.
int64_t SaveTorchScript(NetworkImpl& network, const std::string& path);

}  // namespace nasprune::worker

#endif  // NASPRUNE_WORKER_EXPORT_TORCHSCRIPT_H_
