#ifndef NASPRUNE_WORKER_MODEL_NETWORK_H_
#define NASPRUNE_WORKER_MODEL_NETWORK_H_

// The LibTorch network of a NetworkPlan (common/genome/plan.h): every operator
// of the genome (docs/genome.md) with the layer sequence documented there. Its
// parameter count equals the analytic count of common/genome/cost.h exactly,
// and its MAC count, read from the real tensor shapes during a forward pass
// (LayerRecorder), equals the analytic MACs layer by layer.
//
// Module names follow the analytic layer names: block i of the network is
// "blocks.<i>" with children "conv", "bn", "dw", "bn_dw", "pw", "bn_pw",
// "expand", "bn_expand", "project", "bn_project" and "se" ("reduce",
// "expand"); the head has "hidden" and "classifier" (each either a Linear,
// or "u" and "v" when factorized).

#include <torch/torch.h>

#include <string>
#include <vector>

#include "common/genome/plan.h"

namespace nasprune::worker {

// What a forward pass measured for one convolution or linear layer, named as
// in genome::LayerCost ("stem.conv", "stages[0].blocks[1].dw",
// "head.classifier").
struct LayerRecord {
  std::string name;
  int64_t params = 0;  // Weight (and bias) elements.
  int64_t macs = 0;    // Per example, from the weight and output shapes.
};

// Collects LayerRecords during one forward pass. Not thread-safe.
class LayerRecorder {
 public:
  void Conv(const std::string& name, const torch::nn::Conv2d& conv,
            const torch::Tensor& output);
  void Linear(const std::string& name, const torch::nn::Linear& linear);
  const std::vector<LayerRecord>& records() const { return records_; }
  int64_t macs() const;

 private:
  std::vector<LayerRecord> records_;
};

// A fully connected layer, dense or factorized in→rank→out.
class FactorizedLinearImpl : public torch::nn::Module {
 public:
  explicit FactorizedLinearImpl(const genome::LinearPlan& plan);
  torch::Tensor forward(const torch::Tensor& x,
                        LayerRecorder* recorder = nullptr,
                        const std::string& name = "");
  const genome::LinearPlan& plan() const { return plan_; }
  torch::nn::Linear dense{nullptr};  // When plan.rank == 0.
  torch::nn::Linear u{nullptr};      // in → rank, no bias.
  torch::nn::Linear v{nullptr};      // rank → out, with bias.
  // Int8 dynamically quantized copies of the layers above (dense, or u then
  // v), used by forward when present: inference only, for measuring.
  // Set by QuantizeLinearsInt8 (int8_linear.h).
  std::vector<c10::IValue> int8_packed;

 private:
  genome::LinearPlan plan_;
};
TORCH_MODULE(FactorizedLinear);

class SqueezeExciteImpl : public torch::nn::Module {
 public:
  explicit SqueezeExciteImpl(const genome::SqueezeExcitePlan& plan);
  torch::Tensor forward(const torch::Tensor& x, LayerRecorder* recorder,
                        const std::string& name);
  torch::nn::Conv2d reduce{nullptr};
  torch::nn::Conv2d expand{nullptr};
};
TORCH_MODULE(SqueezeExcite);

class BlockImpl : public torch::nn::Module {
 public:
  explicit BlockImpl(const genome::BlockPlan& plan);
  torch::Tensor forward(torch::Tensor x, LayerRecorder* recorder);
  const genome::BlockPlan& plan() const { return plan_; }

  // Present according to the operator (null otherwise).
  torch::nn::Conv2d conv{nullptr}, dw{nullptr}, pw{nullptr}, expand{nullptr},
      project{nullptr};
  torch::nn::BatchNorm2d bn{nullptr}, bn_dw{nullptr}, bn_pw{nullptr},
      bn_expand{nullptr}, bn_project{nullptr};
  SqueezeExcite se{nullptr};

 private:
  genome::BlockPlan plan_;
};
TORCH_MODULE(Block);

class NetworkImpl : public torch::nn::Module {
 public:
  explicit NetworkImpl(const genome::NetworkPlan& plan);
  // Logits N×K for images N×C×H×W.
  torch::Tensor forward(torch::Tensor x);
  // The same, recording every convolution and linear layer.
  torch::Tensor forward_recorded(torch::Tensor x, LayerRecorder* recorder);
  const genome::NetworkPlan& plan() const { return plan_; }

  torch::nn::Conv2d stem_conv{nullptr};
  torch::nn::BatchNorm2d stem_bn{nullptr};
  torch::nn::ModuleList block_list{nullptr};  // Registers `blocks`.
  std::vector<Block> blocks;
  FactorizedLinear hidden{nullptr};  // When plan.head.has_hidden.
  torch::nn::Dropout dropout{nullptr};
  FactorizedLinear classifier{nullptr};

 private:
  genome::NetworkPlan plan_;
};
TORCH_MODULE(Network);

// Applies an activation function (in place where autograd allows).
torch::Tensor Activate(torch::Tensor x, genome::Activation activation);

// Trainable parameters of a module.
int64_t CountParameters(const torch::nn::Module& module);

}  // namespace nasprune::worker

#endif  // NASPRUNE_WORKER_MODEL_NETWORK_H_
