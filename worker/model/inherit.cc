#include "worker/model/inherit.h"

#include <torch/script.h>

#include <algorithm>
#include <map>
#include <optional>
#include <sstream>
#include <unordered_map>
#include <utility>

#include "worker/export/torchscript.h"

namespace nasprune::worker {
namespace {

using Tensors = std::unordered_map<std::string, torch::Tensor>;

Tensors ArchiveTensors(const std::string& archive) {
  std::istringstream in(archive);
  torch::jit::Module module = torch::jit::load(in, torch::kCPU);
  Tensors tensors;
  for (const auto& p : module.named_parameters(/*recurse=*/false)) {
    tensors.emplace(p.name, p.value);
  }
  for (const auto& b : module.named_buffers(/*recurse=*/false)) {
    tensors.emplace(b.name, b.value);
  }
  return tensors;
}

// Lays `from` over `to` as the header says (channels from the start, kernel
// taps centred, new inputs zeroed) and returns the elements copied; 0 when
// the ranks differ.
int64_t Overlay(const torch::Tensor& from, torch::Tensor& to) {
  if (from.dim() != to.dim()) return 0;
  torch::Tensor source = from.to(to.device(), to.scalar_type());
  const int64_t rank = to.dim();
  if (rank >= 2 && to.size(1) > source.size(1)) {
    to.narrow(1, source.size(1), to.size(1) - source.size(1)).zero_();
  }
  torch::Tensor region = to;
  for (int64_t d = 0; d < std::min<int64_t>(rank, 2); ++d) {
    const int64_t m = std::min(region.size(d), source.size(d));
    region = region.narrow(d, 0, m);
    source = source.narrow(d, 0, m);
  }
  if (rank > 2) region.zero_();  // The taps around a centred kernel.
  for (int64_t d = 2; d < rank; ++d) {
    const int64_t m = std::min(region.size(d), source.size(d));
    region = region.narrow(d, (region.size(d) - m) / 2, m);
    source = source.narrow(d, (source.size(d) - m) / 2, m);
  }
  region.copy_(source);
  return source.numel();
}

// The batch norm whose scale ends a block's residual branch.
const char* LastBatchNorm(genome::Operator op) {
  switch (op) {
    case genome::Operator::kConv:
      return "bn";
    case genome::Operator::kDepthwiseSeparable:
      return "bn_pw";
    case genome::Operator::kMbconv:
      return "bn_project";
  }
  return "bn";
}

// "blocks.<i>.<rest>" → (i, rest).
std::optional<std::pair<size_t, std::string>> BlockTensor(
    const std::string& name) {
  constexpr std::string_view kPrefix = "blocks.";
  if (name.rfind(kPrefix, 0) != 0) return std::nullopt;
  const size_t dot = name.find('.', kPrefix.size());
  if (dot == std::string::npos) return std::nullopt;
  return std::make_pair(
      static_cast<size_t>(std::stoul(name.substr(kPrefix.size()))),
      name.substr(dot + 1));
}

class Inheritor {
 public:
  Inheritor(Tensors source, const genome::NetworkPlan& source_plan)
      : source_(std::move(source)) {
    for (size_t i = 0; i < source_plan.blocks.size(); ++i) {
      const genome::BlockPlan& b = source_plan.blocks[i];
      blocks_[{b.stage, b.index}] = {i, b.op};
    }
  }

  // Lays the source's tensor for `name` over `tensor`; returns the elements
  // copied.
  int64_t Inherit(const std::string& name, const genome::NetworkPlan& plan,
                  torch::Tensor& tensor) {
    std::string archive_name = ArchiveTensorName(name);
    if (auto block = BlockTensor(name); block.has_value()) {
      const genome::BlockPlan& b = plan.blocks.at(block->first);
      auto match = blocks_.find({b.stage, b.index});
      if (match == blocks_.end()) {
        // A new residual block starts as the identity: its branch ends in
        // a batch norm that gives zeros.
        const std::string last = LastBatchNorm(b.op);
        if (b.residual && (block->second == last + ".weight" ||
                           block->second == last + ".bias")) {
          tensor.zero_();
        }
        return 0;
      }
      if (match->second.second != b.op) return 0;
      archive_name = "blocks_" + std::to_string(match->second.first) + "_" +
                     ArchiveTensorName(block->second);
    }
    if (auto it = source_.find(archive_name); it != source_.end()) {
      return Overlay(it->second, tensor);
    }
    return InheritFactorized(archive_name, tensor);
  }

 private:
  // A dense head layer from a factorized one: weight v·u, bias v's.
  int64_t InheritFactorized(const std::string& archive_name,
                            torch::Tensor& tensor) {
    const auto replace = [&](const std::string& suffix,
                             const std::string& with) -> std::string {
      if (archive_name.size() < suffix.size() ||
          archive_name.compare(archive_name.size() - suffix.size(),
                               suffix.size(), suffix) != 0) {
        return "";
      }
      return archive_name.substr(0, archive_name.size() - suffix.size()) + with;
    };
    if (std::string u = replace("dense_weight", "u_weight"); !u.empty()) {
      auto uw = source_.find(u);
      auto vw = source_.find(replace("dense_weight", "v_weight"));
      if (uw == source_.end() || vw == source_.end()) return 0;
      return Overlay(vw->second.mm(uw->second), tensor);
    }
    if (std::string v = replace("dense_bias", "v_bias"); !v.empty()) {
      auto vb = source_.find(v);
      return vb == source_.end() ? 0 : Overlay(vb->second, tensor);
    }
    return 0;
  }

  Tensors source_;
  // (stage, index in stage) → (source block, its operator).
  std::map<std::pair<int, int>, std::pair<size_t, genome::Operator>> blocks_;
};

}  // namespace

InheritStats InheritWeights(const std::string& archive,
                            const genome::NetworkPlan& source,
                            NetworkImpl& network) {
  torch::NoGradGuard no_grad;
  Inheritor inheritor(ArchiveTensors(archive), source);
  InheritStats stats;
  for (auto& item : network.named_parameters()) {
    stats.total += item.value().numel();
    stats.inherited +=
        inheritor.Inherit(item.key(), network.plan(), item.value());
  }
  for (auto& item : network.named_buffers()) {
    inheritor.Inherit(item.key(), network.plan(), item.value());
  }
  return stats;
}

}  // namespace nasprune::worker
