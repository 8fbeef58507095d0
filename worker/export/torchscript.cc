#include "worker/export/torchscript.h"

#include <filesystem>
#include <sstream>

namespace nasprune::worker {
namespace {

namespace nn = torch::nn;

// Generates forward source, naming each tensor as in the module tree with
// '.' replaced by '_' ("blocks_3_dw_weight").
class SourceWriter {
 public:
  explicit SourceWriter(std::ostringstream* out) : out_(out) {}

  void Line(const std::string& line) { *out_ << "        " << line << "\n"; }

  std::string Conv(const std::string& prefix, const nn::Conv2d& conv,
                   const std::string& in) {
    const auto& o = conv->options;
    const int64_t stride = (*o.stride())[0];
    // Every conv pads k/2 (network.cc); read k from the weight.
    const int64_t padding = conv->weight.size(2) / 2;
    const std::string bias =
        conv->bias.defined() ? "self." + prefix + "_bias" : "None";
    return "torch.conv2d(" + in + ", self." + prefix + "_weight, " + bias +
           ", [" + std::to_string(stride) + ", " + std::to_string(stride) +
           "], [" + std::to_string(padding) + ", " + std::to_string(padding) +
           "], [1, 1], " + std::to_string(o.groups()) + ")";
  }

  std::string BatchNorm(const std::string& prefix, const nn::BatchNorm2d& bn,
                        const std::string& in) {
    std::ostringstream eps;
    eps.precision(17);
    eps << bn->options.eps();
    return "torch.batch_norm(" + in + ", self." + prefix + "_weight, self." +
           prefix + "_bias, self." + prefix + "_running_mean, self." + prefix +
           "_running_var, False, 0.0, " + eps.str() + ", True)";
  }

  static std::string Activation(genome::Activation a, const std::string& in) {
    switch (a) {
      case genome::Activation::kRelu:
        return "torch.relu(" + in + ")";
      case genome::Activation::kRelu6:
        return "torch.hardtanh(" + in + ", 0.0, 6.0)";
      case genome::Activation::kHardSwish:
        return "torch.hardswish(" + in + ")";
      case genome::Activation::kSilu:
        return "torch.silu(" + in + ")";
    }
    return in;
  }

  void Linear(const std::string& prefix, const FactorizedLinearImpl& linear) {
    if (linear.plan().rank > 0) {
      Line("x = torch.linear(x, self." + prefix + "_u_weight, None)");
      Line("x = torch.linear(x, self." + prefix + "_v_weight, self." + prefix +
           "_v_bias)");
    } else {
      Line("x = torch.linear(x, self." + prefix + "_dense_weight, self." +
           prefix + "_dense_bias)");
    }
  }

 private:
  std::ostringstream* out_;
};

}  // namespace

std::string ArchiveTensorName(std::string name) {
  for (char& c : name) {
    if (c == '.') c = '_';
  }
  return name;
}

std::string TorchScriptSource(NetworkImpl& network) {
  std::ostringstream src;
  src << "def forward(self, x: Tensor) -> Tensor:\n";
  SourceWriter w(&src);
  const genome::NetworkPlan& plan = network.plan();
  w.Line("x = " + w.Conv("stem_conv", network.stem_conv, "x"));
  w.Line("x = " + w.Activation(plan.stem.activation,
                               w.BatchNorm("stem_bn", network.stem_bn, "x")));
  for (size_t i = 0; i < network.blocks.size(); ++i) {
    BlockImpl& b = *network.blocks[i];
    const genome::BlockPlan& p = b.plan();
    const std::string n = "blocks_" + std::to_string(i) + "_";
    const auto act = [&](const std::string& e) {
      return w.Activation(p.activation, e);
    };
    auto se = [&](const std::string& var) {
      if (!b.se) return;
      w.Line("s = torch.mean(" + var + ", [2, 3], True)");
      w.Line("s = torch.relu(" + w.Conv(n + "se_reduce", b.se->reduce, "s") +
             ")");
      w.Line("s = torch.sigmoid(" + w.Conv(n + "se_expand", b.se->expand, "s") +
             ")");
      w.Line(var + " = " + var + " * s");
    };
    if (p.max_pool_before) {
      w.Line("x = torch.max_pool2d(x, [2, 2], [2, 2], [0, 0], [1, 1], True)");
    }
    switch (p.op) {
      case genome::Operator::kConv:
        w.Line("y = " + act(w.BatchNorm(n + "bn", b.bn,
                                        w.Conv(n + "conv", b.conv, "x"))));
        se("y");
        break;
      case genome::Operator::kDepthwiseSeparable:
        w.Line("y = " + act(w.BatchNorm(n + "bn_dw", b.bn_dw,
                                        w.Conv(n + "dw", b.dw, "x"))));
        se("y");
        w.Line("y = " + act(w.BatchNorm(n + "bn_pw", b.bn_pw,
                                        w.Conv(n + "pw", b.pw, "y"))));
        break;
      case genome::Operator::kMbconv:
        w.Line("y = x");
        if (b.expand) {
          w.Line("y = " +
                 act(w.BatchNorm(n + "bn_expand", b.bn_expand,
                                 w.Conv(n + "expand", b.expand, "y"))));
        }
        w.Line("y = " + act(w.BatchNorm(n + "bn_dw", b.bn_dw,
                                        w.Conv(n + "dw", b.dw, "y"))));
        se("y");
        w.Line("y = " + w.BatchNorm(n + "bn_project", b.bn_project,
                                    w.Conv(n + "project", b.project, "y")));
        break;
    }
    w.Line(p.residual ? "x = y + x" : "x = y");
  }
  w.Line("x = torch.mean(x, [2, 3])");
  if (network.hidden) {
    w.Linear("hidden", *network.hidden);
    w.Line("x = " + w.Activation(plan.head.activation, "x"));
  }
  w.Linear("classifier", *network.classifier);
  w.Line("return x");
  return src.str();
}

torch::jit::Module ExportTorchScript(NetworkImpl& network,
                                     const InputNormalization& input) {
  torch::NoGradGuard no_grad;
  torch::jit::Module module("nasprune.Network");
  for (const auto& item : network.named_parameters()) {
    module.register_parameter(ArchiveTensorName(item.key()),
                              item.value().detach().to(torch::kCPU).clone(),
                              /*is_buffer=*/false);
  }
  for (const auto& item : network.named_buffers()) {
    if (item.key().find("num_batches_tracked") != std::string::npos) continue;
    module.register_buffer(ArchiveTensorName(item.key()),
                           item.value().detach().to(torch::kCPU).clone());
  }
  if (!input.mean.empty()) {
    auto floats = [](const std::vector<float>& values) {
      c10::List<double> list;
      for (float v : values) list.push_back(v);
      return list;
    };
    module.register_attribute("input_mean", c10::ListType::ofFloats(),
                              floats(input.mean));
    module.register_attribute("input_std", c10::ListType::ofFloats(),
                              floats(input.std));
  }
  module.define(TorchScriptSource(network));
  module.eval();
  return module;
}

int64_t SaveTorchScript(NetworkImpl& network, const std::string& path,
                        const InputNormalization& input) {
  ExportTorchScript(network, input).save(path);
  return static_cast<int64_t>(std::filesystem::file_size(path));
}

InputNormalization ArchiveNormalization(const torch::jit::Module& module) {
  InputNormalization input;
  if (!module.hasattr("input_mean") || !module.hasattr("input_std")) {
    return input;
  }
  for (double v : module.attr("input_mean").toDoubleList()) {
    input.mean.push_back(static_cast<float>(v));
  }
  for (double v : module.attr("input_std").toDoubleList()) {
    input.std.push_back(static_cast<float>(v));
  }
  return input;
}

}  // namespace nasprune::worker
