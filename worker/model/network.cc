#include "worker/model/network.h"

#include "worker/model/int8_linear.h"

namespace nasprune::worker {
namespace {

namespace nn = torch::nn;

nn::Conv2d MakeConv(int64_t in, int64_t out, int64_t kernel, int64_t stride,
                    int64_t groups, bool bias = false) {
  return nn::Conv2d(nn::Conv2dOptions(in, out, kernel)
                        .stride(stride)
                        .padding(kernel / 2)
                        .groups(groups)
                        .bias(bias));
}

nn::BatchNorm2d MakeBn(int64_t channels) {
  return nn::BatchNorm2d(nn::BatchNorm2dOptions(channels));
}

}  // namespace

torch::Tensor Activate(torch::Tensor x, genome::Activation activation) {
  switch (activation) {
    case genome::Activation::kRelu:
      return torch::relu_(x);
    case genome::Activation::kRelu6:
      return torch::hardtanh_(x, 0.0, 6.0);
    case genome::Activation::kHardSwish:
      return torch::hardswish(x);
    case genome::Activation::kSilu:
      return torch::silu(x);
  }
  return x;
}

int64_t CountParameters(const torch::nn::Module& module) {
  int64_t total = 0;
  for (const auto& p : module.parameters()) total += p.numel();
  return total;
}

void LayerRecorder::Conv(const std::string& name, const nn::Conv2d& conv,
                         const torch::Tensor& output) {
  const int64_t weights = conv->weight.numel();
  const int64_t bias = conv->bias.defined() ? conv->bias.numel() : 0;
  records_.push_back(
      {name, weights + bias, weights * output.size(2) * output.size(3)});
}

void LayerRecorder::Linear(const std::string& name, const nn::Linear& linear) {
  const int64_t weights = linear->weight.numel();
  const int64_t bias = linear->bias.defined() ? linear->bias.numel() : 0;
  records_.push_back({name, weights + bias, weights});
}

int64_t LayerRecorder::macs() const {
  int64_t total = 0;
  for (const LayerRecord& r : records_) total += r.macs;
  return total;
}

FactorizedLinearImpl::FactorizedLinearImpl(const genome::LinearPlan& plan)
    : plan_(plan) {
  if (plan.rank > 0) {
    u = register_module(
        "u", nn::Linear(nn::LinearOptions(plan.in, plan.rank).bias(false)));
    v = register_module("v",
                        nn::Linear(nn::LinearOptions(plan.rank, plan.out)));
  } else {
    dense = register_module("dense", nn::Linear(plan.in, plan.out));
  }
}

torch::Tensor FactorizedLinearImpl::forward(const torch::Tensor& x,
                                            LayerRecorder* recorder,
                                            const std::string& name) {
  if (!int8_packed.empty()) {
    torch::Tensor y = x;
    for (const c10::IValue& packed : int8_packed) y = LinearInt8(y, packed);
    return y;
  }
  if (plan_.rank > 0) {
    if (recorder != nullptr) {
      recorder->Linear(name + ".u", u);
      recorder->Linear(name + ".v", v);
    }
    return v(u(x));
  }
  if (recorder != nullptr) recorder->Linear(name, dense);
  return dense(x);
}

SqueezeExciteImpl::SqueezeExciteImpl(const genome::SqueezeExcitePlan& plan) {
  reduce = register_module(
      "reduce", MakeConv(plan.channels, plan.hidden, 1, 1, 1, /*bias=*/true));
  expand = register_module(
      "expand", MakeConv(plan.hidden, plan.channels, 1, 1, 1, /*bias=*/true));
}

torch::Tensor SqueezeExciteImpl::forward(const torch::Tensor& x,
                                         LayerRecorder* recorder,
                                         const std::string& name) {
  torch::Tensor s = x.mean({2, 3}, /*keepdim=*/true);
  s = reduce(s);
  if (recorder != nullptr) recorder->Conv(name + ".reduce", reduce, s);
  s = expand(torch::relu_(s));
  if (recorder != nullptr) recorder->Conv(name + ".expand", expand, s);
  return x * torch::sigmoid(s);
}

BlockImpl::BlockImpl(const genome::BlockPlan& p) : plan_(p) {
  switch (p.op) {
    case genome::Operator::kConv:
      conv = register_module("conv", MakeConv(p.in_channels, p.out_channels,
                                              p.kernel, p.stride, 1));
      bn = register_module("bn", MakeBn(p.out_channels));
      break;
    case genome::Operator::kDepthwiseSeparable:
      dw = register_module("dw", MakeConv(p.in_channels, p.in_channels,
                                          p.kernel, p.stride, p.in_channels));
      bn_dw = register_module("bn_dw", MakeBn(p.in_channels));
      pw = register_module("pw",
                           MakeConv(p.in_channels, p.out_channels, 1, 1, 1));
      bn_pw = register_module("bn_pw", MakeBn(p.out_channels));
      break;
    case genome::Operator::kMbconv:
      if (p.has_expand) {
        expand = register_module(
            "expand", MakeConv(p.in_channels, p.mid_channels, 1, 1, 1));
        bn_expand = register_module("bn_expand", MakeBn(p.mid_channels));
      }
      dw = register_module("dw", MakeConv(p.mid_channels, p.mid_channels,
                                          p.kernel, p.stride, p.mid_channels));
      bn_dw = register_module("bn_dw", MakeBn(p.mid_channels));
      project = register_module(
          "project", MakeConv(p.mid_channels, p.out_channels, 1, 1, 1));
      bn_project = register_module("bn_project", MakeBn(p.out_channels));
      break;
  }
  if (p.se.channels > 0) se = register_module("se", SqueezeExcite(p.se));
}

torch::Tensor BlockImpl::forward(torch::Tensor x, LayerRecorder* recorder) {
  const genome::BlockPlan& p = plan_;
  if (p.max_pool_before) {
    x = torch::max_pool2d(x, {2, 2}, {2, 2}, {0, 0}, {1, 1},
                          /*ceil_mode=*/true);
  }
  const torch::Tensor input = x;
  auto record = [&](const char* suffix, const nn::Conv2d& layer,
                    const torch::Tensor& out) {
    if (recorder != nullptr) recorder->Conv(p.name + suffix, layer, out);
  };
  torch::Tensor y;
  switch (p.op) {
    case genome::Operator::kConv:
      y = conv(x);
      record(".conv", conv, y);
      y = Activate(bn(y), p.activation);
      if (se) y = se(y, recorder, p.name + ".se");
      break;
    case genome::Operator::kDepthwiseSeparable:
      y = dw(x);
      record(".dw", dw, y);
      y = Activate(bn_dw(y), p.activation);
      if (se) y = se(y, recorder, p.name + ".se");
      y = pw(y);
      record(".pw", pw, y);
      y = Activate(bn_pw(y), p.activation);
      break;
    case genome::Operator::kMbconv:
      y = x;
      if (expand) {
        y = expand(y);
        record(".expand", expand, y);
        y = Activate(bn_expand(y), p.activation);
      }
      y = dw(y);
      record(".dw", dw, y);
      y = Activate(bn_dw(y), p.activation);
      if (se) y = se(y, recorder, p.name + ".se");
      y = project(y);
      record(".project", project, y);
      y = bn_project(y);
      break;
  }
  return p.residual ? y + input : y;
}

NetworkImpl::NetworkImpl(const genome::NetworkPlan& plan) : plan_(plan) {
  stem_conv = register_module(
      "stem_conv", MakeConv(plan.stem.in_channels, plan.stem.out_channels,
                            plan.stem.kernel, 1, 1));
  stem_bn = register_module("stem_bn", MakeBn(plan.stem.out_channels));
  block_list = register_module("blocks", nn::ModuleList());
  for (const genome::BlockPlan& block_plan : plan.blocks) {
    blocks.push_back(Block(block_plan));
    block_list->push_back(blocks.back());
  }
  if (plan.head.has_hidden) {
    hidden = register_module("hidden", FactorizedLinear(plan.head.hidden));
  }
  dropout = register_module("dropout", nn::Dropout(plan.head.dropout));
  classifier =
      register_module("classifier", FactorizedLinear(plan.head.classifier));
}

torch::Tensor NetworkImpl::forward(torch::Tensor x) {
  return forward_recorded(std::move(x), nullptr);
}

torch::Tensor NetworkImpl::forward_recorded(torch::Tensor x,
                                            LayerRecorder* recorder) {
  x = stem_conv(x);
  if (recorder != nullptr) recorder->Conv("stem.conv", stem_conv, x);
  x = Activate(stem_bn(x), plan_.stem.activation);
  for (Block& block : blocks) x = block->forward(x, recorder);
  x = x.mean({2, 3});
  if (hidden) {
    x = Activate(hidden->forward(x, recorder, "head.hidden"),
                 plan_.head.activation);
  }
  if (plan_.head.dropout > 0) x = dropout(x);
  return classifier->forward(x, recorder, "head.classifier");
}

}  // namespace nasprune::worker
