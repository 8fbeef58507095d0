#include "worker/prune/importance.h"

#include <algorithm>
#include <numeric>
#include <stdexcept>

#include "common/random/rng.h"

namespace nasprune::worker {
namespace {

enum class Role { kFilter, kBatchNorm };

// A tensor whose dimension 0 runs over a group's channels.
struct Member {
  torch::Tensor weight;
  torch::Tensor bias;  // BN β, for Taylor.
  Role role = Role::kFilter;
  // For a filter: the batch norm right after it, whose per-channel scale
  // γ/√(var + ε) folds into the filter at inference.
  torch::nn::BatchNorm2dImpl* bn = nullptr;
};

using Members = std::vector<std::vector<Member>>;

// A conv and the batch norm after it.
void AddConv(Members& m, int group, const torch::nn::Conv2d& conv,
             const torch::nn::BatchNorm2d& bn) {
  m[group].push_back(
      {conv->weight, torch::Tensor(), Role::kFilter, bn.ptr().get()});
  m[group].push_back({bn->weight, bn->bias, Role::kBatchNorm});
}

Members GroupMembers(NetworkImpl& network) {
  const genome::NetworkPlan& plan = network.plan();
  Members m(plan.groups.size());
  AddConv(m, 0, network.stem_conv, network.stem_bn);
  for (Block& block : network.blocks) {
    const genome::BlockPlan& p = block->plan();
    switch (p.op) {
      case genome::Operator::kConv:
        AddConv(m, p.out_group, block->conv, block->bn);
        break;
      case genome::Operator::kDepthwiseSeparable:
        AddConv(m, p.in_group, block->dw, block->bn_dw);
        AddConv(m, p.out_group, block->pw, block->bn_pw);
        break;
      case genome::Operator::kMbconv: {
        const int mid = p.has_expand ? p.expanded_group : p.in_group;
        if (p.has_expand) {
          AddConv(m, mid, block->expand, block->bn_expand);
        }
        AddConv(m, mid, block->dw, block->bn_dw);
        AddConv(m, p.out_group, block->project, block->bn_project);
        break;
      }
    }
  }
  if (network.hidden) {
    FactorizedLinearImpl& hidden = *network.hidden;
    Member rows;
    rows.weight =
        hidden.plan().rank > 0 ? hidden.v->weight : hidden.dense->weight;
    rows.bias = hidden.plan().rank > 0 ? hidden.v->bias : hidden.dense->bias;
    m[plan.head.hidden_group].push_back(rows);
  }
  return m;
}

// Per-channel L1 (p = 1) or L2 (p = 2) norm of a member's filter as it runs
// at inference: with its batch norm folded in (× |γ|/√(var + ε)), since a
// conv's raw scale is undone by the batch norm that follows it.
torch::Tensor FilterNorm(const Member& member, int p) {
  const torch::Tensor& w = member.weight;
  const torch::Tensor flat = w.detach().reshape({w.size(0), -1});
  torch::Tensor n = p == 1 ? flat.abs().sum(1) : flat.pow(2).sum(1).sqrt();
  if (member.bn != nullptr) {
    n = n * member.bn->weight.detach().abs() /
        (member.bn->running_var.detach() + member.bn->options.eps()).sqrt();
  }
  return n.to(torch::kCPU, torch::kDouble);
}

torch::Tensor Normalized(const torch::Tensor& scores) {
  const double mean = scores.mean().item<double>();
  return mean > 0 ? scores / mean : scores;
}

torch::Tensor NormScores(const std::vector<Member>& members, int p) {
  torch::Tensor total;
  for (const Member& member : members) {
    if (member.role != Role::kFilter) continue;
    const torch::Tensor s = Normalized(FilterNorm(member, p));
    total = total.defined() ? total + s : s;
  }
  return total;
}

torch::Tensor BnScaleScores(const std::vector<Member>& members) {
  torch::Tensor total;
  for (const Member& member : members) {
    if (member.role != Role::kBatchNorm) continue;
    const torch::Tensor s =
        member.weight.detach().abs().to(torch::kCPU, torch::kDouble);
    total = total.defined() ? total + s : s;
  }
  return total.defined() ? total : NormScores(members, 1);
}

std::vector<torch::Tensor> TaylorScores(NetworkImpl& network,
                                        const Members& members,
                                        const ImportanceOptions& options) {
  if (options.data == nullptr || options.data->size() == 0) {
    throw std::invalid_argument("Taylor importance needs training data");
  }
  std::vector<torch::Tensor> parameters = network.parameters();
  std::vector<torch::Tensor> saved_grads;
  for (auto& p : parameters) saved_grads.push_back(p.grad());
  const bool was_training = network.is_training();
  network.eval();

  std::vector<torch::Tensor> scores(members.size());
  BatchIterator batches(*options.data, options.batch_size, options.seed,
                        /*augment=*/false, /*flip=*/false);
  torch::Tensor images, labels;
  for (int b = 0; b < options.taylor_batches && batches.Next(&images, &labels);
       ++b) {
    for (auto& p : parameters) p.mutable_grad() = torch::Tensor();
    const torch::Tensor loss = torch::nn::functional::cross_entropy(
        network.forward(images).to(torch::kFloat32), labels);
    loss.backward();
    torch::NoGradGuard no_grad;
    for (size_t g = 0; g < members.size(); ++g) {
      torch::Tensor first_order;
      for (const Member& member : members[g]) {
        for (const torch::Tensor& t : {member.weight, member.bias}) {
          if (!t.defined() || !t.grad().defined()) continue;
          const torch::Tensor wg =
              (t.detach() * t.grad()).reshape({t.size(0), -1}).sum(1);
          first_order = first_order.defined() ? first_order + wg : wg;
        }
      }
      const torch::Tensor squared =
          first_order.pow(2).to(torch::kCPU, torch::kDouble);
      scores[g] = scores[g].defined() ? scores[g] + squared : squared;
    }
  }
  for (size_t i = 0; i < parameters.size(); ++i) {
    parameters[i].mutable_grad() = saved_grads[i];
  }
  network.train(was_training);
  return scores;
}

}  // namespace

std::vector<torch::Tensor> GroupImportance(NetworkImpl& network,
                                           const ImportanceOptions& options) {
  const genome::NetworkPlan& plan = network.plan();
  const Members members = GroupMembers(network);
  std::vector<torch::Tensor> scores;
  switch (options.criterion) {
    case genome::Criterion::kNone:
      throw std::invalid_argument("no importance criterion");
    case genome::Criterion::kL1:
    case genome::Criterion::kL2:
      for (const auto& group : members) {
        scores.push_back(NormScores(
            group, options.criterion == genome::Criterion::kL1 ? 1 : 2));
      }
      break;
    case genome::Criterion::kBnScale:
      for (const auto& group : members) scores.push_back(BnScaleScores(group));
      break;
    case genome::Criterion::kTaylor:
      scores = TaylorScores(network, members, options);
      break;
    case genome::Criterion::kRandom: {
      Rng rng(options.seed);
      for (const genome::GroupPlan& group : plan.groups) {
        std::vector<double> values(group.kept);
        for (double& v : values) v = rng.UniformDouble();
        scores.push_back(torch::tensor(values, torch::kDouble));
      }
      break;
    }
  }
  for (size_t g = 0; g < scores.size(); ++g) {
    if (!scores[g].defined() || scores[g].numel() != plan.groups[g].kept) {
      throw std::logic_error("importance of group " + plan.groups[g].name +
                             " has the wrong size");
    }
  }
  return scores;
}

torch::Tensor TopChannels(const torch::Tensor& scores, int count) {
  const torch::Tensor s = scores.to(torch::kCPU, torch::kDouble).contiguous();
  const int64_t n = s.numel();
  const double* v = s.data_ptr<double>();
  std::vector<int64_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [v](int64_t a, int64_t b) { return v[a] > v[b]; });
  order.resize(std::clamp<int64_t>(count, 1, n));
  std::sort(order.begin(), order.end());
  return torch::tensor(order, torch::kLong);
}

}  // namespace nasprune::worker
