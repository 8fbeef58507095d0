#ifndef NASPRUNE_WORKER_MODEL_INT8_LINEAR_H_
#define NASPRUNE_WORKER_MODEL_INT8_LINEAR_H_

// Int8 dynamic quantization of a network's fully connected layers, for the
// latency (and accuracy) of the quantized model: weights quantized per tensor
// (symmetric, qint8), activations quantized on the fly, as PyTorch's
// quantize_dynamic does. It runs LibTorch's `quantized::linear_prepack` and
// `quantized::linear_dynamic` operators, which need a CPU quantization engine
// (FBGEMM, oneDNN or QNNPACK) in the LibTorch build.

#include <torch/torch.h>

#include <string>

namespace nasprune::worker {

class NetworkImpl;

// Empty when int8 dynamic quantization can run on `device` with this
// LibTorch build; otherwise the reason it cannot.
std::string Int8Unsupported(const torch::Device& device);

// Packs a float weight (out×in) and optional bias for LinearInt8.
c10::IValue PrepackInt8(const torch::Tensor& weight, const torch::Tensor& bias);

// y = x·Wᵀ + b with int8 weights and dynamically quantized activations.
torch::Tensor LinearInt8(const torch::Tensor& x, const c10::IValue& packed);

// Quantizes every linear layer of the head in place (forward then uses int8
// until ClearInt8). Returns false with `note` set when unsupported.
bool QuantizeLinearsInt8(NetworkImpl& network, std::string* note);

// Back to the float layers.
void ClearInt8(NetworkImpl& network);

}  // namespace nasprune::worker

#endif  // NASPRUNE_WORKER_MODEL_INT8_LINEAR_H_
