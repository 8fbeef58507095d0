#include "worker/prune/surgery.h"

#include <stdexcept>
#include <string>

namespace nasprune::worker {
namespace {

namespace nn = torch::nn;

// Indices (on the device) of one group, or undefined to keep all.
class Selection {
 public:
  Selection(const Surgery& surgery, const genome::NetworkPlan& plan,
            const torch::Device& device) {
    if (surgery.keep.size() != plan.groups.size()) {
      throw std::invalid_argument(
          "surgery has " + std::to_string(surgery.keep.size()) +
          " groups; the network has " + std::to_string(plan.groups.size()));
    }
    for (size_t g = 0; g < surgery.keep.size(); ++g) {
      const torch::Tensor& keep = surgery.keep[g];
      if (!keep.defined()) {
        indices_.emplace_back();
        continue;
      }
      const int current = plan.groups[g].kept;
      if (keep.dim() != 1 || keep.numel() < 1 || keep.numel() > current ||
          keep.min().item<int64_t>() < 0 ||
          keep.max().item<int64_t>() >= current) {
        throw std::invalid_argument("surgery keeps invalid channels of group " +
                                    plan.groups[g].name);
      }
      indices_.push_back(keep.to(device, torch::kLong));
    }
  }

  // Channels kept per group for `plan`.
  std::vector<int> Kept(const genome::NetworkPlan& plan) const {
    std::vector<int> kept;
    for (size_t g = 0; g < indices_.size(); ++g) {
      kept.push_back(indices_[g].defined()
                         ? static_cast<int>(indices_[g].numel())
                         : plan.groups[g].kept);
    }
    return kept;
  }

  const torch::Tensor& operator[](int group) const {
    static const torch::Tensor kAll;
    return group < 0 ? kAll : indices_[group];
  }

 private:
  std::vector<torch::Tensor> indices_;
};

torch::Tensor Slice(torch::Tensor t, int64_t dim, const torch::Tensor& index) {
  return index.defined() ? t.index_select(dim, index) : t;
}

void Assign(torch::Tensor& dst, const torch::Tensor& src) {
  if (dst.sizes() != src.sizes()) {
    throw std::logic_error("surgery produced a tensor of the wrong shape");
  }
  dst.copy_(src);
}

void CopyConv(nn::Conv2dImpl& dst, nn::Conv2dImpl& src, const torch::Tensor& in,
              const torch::Tensor& out) {
  torch::Tensor w = Slice(src.weight, 0, out);
  // Depthwise weights are C×1×k×k: their channels are the output ones.
  if (src.options.groups() == 1) w = Slice(w, 1, in);
  Assign(dst.weight, w);
  if (src.bias.defined()) Assign(dst.bias, Slice(src.bias, 0, out));
}

void CopyBn(nn::BatchNorm2dImpl& dst, nn::BatchNorm2dImpl& src,
            const torch::Tensor& index) {
  Assign(dst.weight, Slice(src.weight, 0, index));
  Assign(dst.bias, Slice(src.bias, 0, index));
  Assign(dst.running_mean, Slice(src.running_mean, 0, index));
  Assign(dst.running_var, Slice(src.running_var, 0, index));
  dst.num_batches_tracked.copy_(src.num_batches_tracked);
}

void CopySe(SqueezeExciteImpl& dst, SqueezeExciteImpl& src,
            const torch::Tensor& channels) {
  CopyConv(*dst.reduce, *src.reduce, channels, torch::Tensor());
  CopyConv(*dst.expand, *src.expand, torch::Tensor(), channels);
}

// The dense weight (out×in) and bias of a head layer.
std::pair<torch::Tensor, torch::Tensor> DenseOf(FactorizedLinearImpl& linear) {
  if (linear.plan().rank > 0) {
    return {torch::matmul(linear.v->weight, linear.u->weight), linear.v->bias};
  }
  return {linear.dense->weight, linear.dense->bias};
}

void CopyLinear(FactorizedLinearImpl& dst, FactorizedLinearImpl& src,
                const torch::Tensor& in, const torch::Tensor& out) {
  const int dst_rank = dst.plan().rank;
  if (dst_rank > 0 && src.plan().rank == dst_rank) {
    Assign(dst.u->weight, Slice(src.u->weight, 1, in));
    Assign(dst.v->weight, Slice(src.v->weight, 0, out));
    Assign(dst.v->bias, Slice(src.v->bias, 0, out));
    return;
  }
  auto [weight, bias] = DenseOf(src);
  weight = Slice(Slice(weight, 0, out), 1, in);
  bias = Slice(bias, 0, out);
  if (dst_rank == 0) {
    Assign(dst.dense->weight, weight);
    Assign(dst.dense->bias, bias);
    return;
  }
  // W ≈ (U·√S)[:, :r] · (√S·Vᵀ)[:r, :], in double precision on the CPU.
  const auto [u, s, vh] =
      torch::linalg_svd(weight.to(torch::kCPU, torch::kDouble),
                        /*full_matrices=*/false);
  const torch::Tensor root = s.slice(0, 0, dst_rank).sqrt();
  const torch::Tensor left = u.slice(1, 0, dst_rank) * root.unsqueeze(0);
  const torch::Tensor right = vh.slice(0, 0, dst_rank) * root.unsqueeze(1);
  Assign(dst.v->weight, left.to(weight.device(), weight.scalar_type()));
  Assign(dst.u->weight, right.to(weight.device(), weight.scalar_type()));
  Assign(dst.v->bias, bias);
}

void CopyBlock(BlockImpl& dst, BlockImpl& src, const Selection& keep) {
  const genome::BlockPlan& p = src.plan();
  const torch::Tensor& in = keep[p.in_group];
  const torch::Tensor& out = keep[p.out_group];
  switch (p.op) {
    case genome::Operator::kConv:
      CopyConv(*dst.conv, *src.conv, in, out);
      CopyBn(*dst.bn, *src.bn, out);
      if (src.se) CopySe(*dst.se, *src.se, out);
      break;
    case genome::Operator::kDepthwiseSeparable:
      CopyConv(*dst.dw, *src.dw, in, in);
      CopyBn(*dst.bn_dw, *src.bn_dw, in);
      if (src.se) CopySe(*dst.se, *src.se, in);
      CopyConv(*dst.pw, *src.pw, in, out);
      CopyBn(*dst.bn_pw, *src.bn_pw, out);
      break;
    case genome::Operator::kMbconv: {
      const torch::Tensor& mid = p.has_expand ? keep[p.expanded_group] : in;
      if (p.has_expand) {
        CopyConv(*dst.expand, *src.expand, in, mid);
        CopyBn(*dst.bn_expand, *src.bn_expand, mid);
      }
      CopyConv(*dst.dw, *src.dw, mid, mid);
      CopyBn(*dst.bn_dw, *src.bn_dw, mid);
      if (src.se) CopySe(*dst.se, *src.se, mid);
      CopyConv(*dst.project, *src.project, mid, out);
      CopyBn(*dst.bn_project, *src.bn_project, out);
      break;
    }
  }
}

}  // namespace

Network ApplySurgery(NetworkImpl& source, const Surgery& surgery) {
  const genome::NetworkPlan& plan = source.plan();
  const torch::Device device = source.parameters().front().device();
  const Selection keep(surgery, plan, device);
  genome::NetworkPlan target = genome::WithKeptChannels(plan, keep.Kept(plan));
  auto rank = [](int requested, const genome::LinearPlan& linear) {
    if (requested < 0) return linear.rank;
    return std::min(requested, std::min(linear.in, linear.out));
  };
  if (target.head.has_hidden) {
    target.head.hidden.rank = rank(surgery.hidden_rank, target.head.hidden);
  }
  target.head.classifier.rank =
      rank(surgery.classifier_rank, target.head.classifier);

  Network result(target);
  result->to(device);
  torch::NoGradGuard no_grad;
  CopyConv(*result->stem_conv, *source.stem_conv, torch::Tensor(), keep[0]);
  CopyBn(*result->stem_bn, *source.stem_bn, keep[0]);
  for (size_t i = 0; i < source.blocks.size(); ++i) {
    CopyBlock(*result->blocks[i], *source.blocks[i], keep);
  }
  const genome::HeadPlan& head = plan.head;
  if (source.hidden) {
    CopyLinear(*result->hidden, *source.hidden, keep[head.in_group],
               keep[head.hidden_group]);
    CopyLinear(*result->classifier, *source.classifier, keep[head.hidden_group],
               torch::Tensor());
  } else {
    CopyLinear(*result->classifier, *source.classifier, keep[head.in_group],
               torch::Tensor());
  }
  result->train(source.is_training());
  return result;
}

std::vector<double> SingularValues(FactorizedLinearImpl& linear) {
  torch::NoGradGuard no_grad;
  const torch::Tensor weight =
      DenseOf(linear).first.to(torch::kCPU, torch::kDouble);
  const torch::Tensor s = torch::linalg_svdvals(weight).contiguous();
  return std::vector<double>(s.data_ptr<double>(),
                             s.data_ptr<double>() + s.numel());
}

}  // namespace nasprune::worker
