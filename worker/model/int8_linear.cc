#include "worker/model/int8_linear.h"

#include <ATen/core/dispatch/Dispatcher.h>

#include <algorithm>

#include "worker/model/network.h"

namespace nasprune::worker {
namespace {

c10::OperatorHandle Operator(const char* name) {
  return c10::Dispatcher::singleton().findSchemaOrThrow(name, "");
}

std::vector<FactorizedLinearImpl*> HeadLinears(NetworkImpl& network) {
  std::vector<FactorizedLinearImpl*> linears;
  if (network.hidden) linears.push_back(network.hidden.get());
  linears.push_back(network.classifier.get());
  return linears;
}

}  // namespace

std::string Int8Unsupported(const torch::Device& device) {
  if (!device.is_cpu()) {
    return "int8 dynamic quantization runs on the CPU only; the model is on " +
           device.str();
  }
  const auto& engines = at::globalContext().supportedQEngines();
  const bool any = std::any_of(engines.begin(), engines.end(), [](auto e) {
    return e != at::QEngine::NoQEngine;
  });
  if (!any || at::globalContext().qEngine() == at::QEngine::NoQEngine) {
    return "this LibTorch build has no quantization engine (FBGEMM, oneDNN "
           "or QNNPACK)";
  }
  if (!c10::Dispatcher::singleton()
           .findSchema({"quantized::linear_dynamic", ""})
           .has_value()) {
    return "this LibTorch build lacks quantized::linear_dynamic";
  }
  return "";
}

c10::IValue PrepackInt8(const torch::Tensor& weight,
                        const torch::Tensor& bias) {
  torch::NoGradGuard no_grad;
  const torch::Tensor w = weight.detach().to(torch::kCPU).contiguous();
  const double scale = std::max(w.abs().max().item<double>(), 1e-12) / 127.0;
  torch::jit::Stack stack;
  stack.emplace_back(torch::quantize_per_tensor(w, scale, 0, torch::kQInt8));
  if (bias.defined()) {
    stack.emplace_back(bias.detach().to(torch::kCPU).contiguous());
  } else {
    stack.emplace_back();
  }
  Operator("quantized::linear_prepack").callBoxed(&stack);
  return stack.at(0);
}

torch::Tensor LinearInt8(const torch::Tensor& x, const c10::IValue& packed) {
  torch::jit::Stack stack{x.contiguous(), packed, false};
  Operator("quantized::linear_dynamic").callBoxed(&stack);
  return stack.at(0).toTensor();
}

bool QuantizeLinearsInt8(NetworkImpl& network, std::string* note) {
  *note = Int8Unsupported(network.parameters().front().device());
  if (!note->empty()) return false;
  try {
    for (FactorizedLinearImpl* linear : HeadLinears(network)) {
      std::vector<c10::IValue> packed;
      if (linear->plan().rank > 0) {
        packed.push_back(PrepackInt8(linear->u->weight, torch::Tensor()));
        packed.push_back(PrepackInt8(linear->v->weight, linear->v->bias));
      } else {
        packed.push_back(
            PrepackInt8(linear->dense->weight, linear->dense->bias));
      }
      linear->int8_packed = std::move(packed);
    }
  } catch (const c10::Error& e) {
    ClearInt8(network);
    *note = std::string("int8 dynamic quantization failed: ") +
            e.what_without_backtrace();
    return false;
  }
  return true;
}

void ClearInt8(NetworkImpl& network) {
  for (FactorizedLinearImpl* linear : HeadLinears(network)) {
    linear->int8_packed.clear();
  }
}

}  // namespace nasprune::worker
