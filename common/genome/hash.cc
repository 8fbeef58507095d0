#include "common/genome/hash.h"

#include <cmath>
#include <vector>

#include "common/canonical/canonical.h"
#include "common/genome/limits.h"

namespace nasprune::genome {

double CanonicalReal(double value) {
  const double rounded = std::round(value * 1e6) / 1e6;
  return rounded == 0 ? 0.0 : rounded;
}

v1::ArchitectureGenome CanonicalArchitecture(
    const v1::ArchitectureGenome& arch) {
  v1::ArchitectureGenome out = arch;
  for (auto& stage : *out.mutable_stages()) {
    for (auto& block : *stage.mutable_blocks()) {
      if (block.op() != v1::OPERATOR_MBCONV) block.clear_expansion();
    }
  }
  if (out.has_head()) {
    auto* head = out.mutable_head();
    if (head->hidden_units() == 0) head->clear_activation();
    head->set_dropout(CanonicalReal(head->dropout()));
  }
  return out;
}

v1::PruningGenome CanonicalPruning(const v1::PruningGenome& pruning) {
  v1::PruningGenome out = pruning;
  auto* ratios = out.mutable_keep_ratios();
  std::vector<std::string> full;
  for (auto& [name, ratio] : *ratios) {
    ratio = CanonicalReal(ratio);
    if (ratio == 1.0) full.push_back(name);
  }
  for (const std::string& name : full) ratios->erase(name);
  if (ratios->empty()) {
    out.clear_criterion();
    out.clear_iterative_steps();
  } else if (out.iterative_steps() == 0) {
    out.set_iterative_steps(1);
  }
  out.set_distill_weight(CanonicalReal(out.distill_weight()));
  if (out.distill_weight() == 0) {
    out.clear_distill_temperature();
  } else {
    out.set_distill_temperature(out.distill_temperature() == 0
                                    ? kDefaultDistillTemperature
                                    : CanonicalReal(out.distill_temperature()));
  }
  if (out.has_low_rank()) {
    auto* low_rank = out.mutable_low_rank();
    low_rank->set_rank_ratio(CanonicalReal(low_rank->rank_ratio()));
    low_rank->set_energy(CanonicalReal(low_rank->energy()));
  }
  return out;
}

v1::Genome CanonicalGenome(const v1::Genome& genome) {
  v1::Genome out;
  if (genome.has_arch()) {
    *out.mutable_arch() = CanonicalArchitecture(genome.arch());
  }
  *out.mutable_pruning() = CanonicalPruning(genome.pruning());
  return out;
}

std::string GenomeHash(const v1::Genome& genome) {
  return Hash128Hex("nasprune.v1.Genome",
                    CanonicalText(CanonicalGenome(genome)));
}

std::string ArchitectureHash(const v1::ArchitectureGenome& arch) {
  return Hash128Hex("nasprune.v1.ArchitectureGenome",
                    CanonicalText(CanonicalArchitecture(arch)));
}

}  // namespace nasprune::genome
