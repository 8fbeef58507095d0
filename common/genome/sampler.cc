#include "common/genome/sampler.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "common/canonical/canonical.h"
#include "common/genome/hash.h"
#include "common/genome/limits.h"
#include "common/genome/network_plan.h"
#include "common/genome/validate.h"
#include "common/status/field_errors.h"

namespace nasprune::genome {
namespace {

using google::protobuf::RepeatedField;
using v1::ArchitectureGenome;
using v1::Genome;
using v1::PruningGenome;

// A uniformly chosen element of `choices`, or `fallback` when it is empty
// (the space's documented default for an optional list).
template <typename T, typename U>
T Pick(const RepeatedField<U>& choices, T fallback, Rng& rng) {
  if (choices.empty()) return fallback;
  return static_cast<T>(choices[static_cast<int>(rng.Uniform(choices.size()))]);
}

// A uniformly chosen element different from `current`, or `current` when
// there is none. Reals compare within kRealTolerance.
template <typename T, typename U>
T PickDifferent(const RepeatedField<U>& choices, T current, Rng& rng) {
  std::vector<T> others;
  for (const U& c : choices) {
    const T value = static_cast<T>(c);
    bool same;
    if constexpr (std::is_floating_point_v<T>) {
      same = std::fabs(value - current) <= kRealTolerance;
    } else {
      same = value == current;
    }
    if (!same) others.push_back(value);
  }
  if (others.empty()) return current;
  return others[rng.Uniform(others.size())];
}

template <typename T, typename U>
bool Contains(const RepeatedField<U>& choices, T value) {
  for (const U& c : choices) {
    if constexpr (std::is_floating_point_v<T>) {
      if (std::fabs(static_cast<T>(c) - value) <= kRealTolerance) return true;
    } else {
      if (static_cast<T>(c) == value) return true;
    }
  }
  return false;
}

std::vector<std::string> GroupNames(const ArchitectureGenome& arch) {
  std::vector<std::string> names;
  for (const ChannelGroup& g : ChannelGroups(arch)) names.push_back(g.name);
  return names;
}

}  // namespace

absl::StatusOr<std::unique_ptr<GenomeSampler>> GenomeSampler::Create(
    Options options) {
  FieldErrors errors;
  ValidateSearchSpace(options.scope.space, options.scope.mode, "space",
                      &errors);
  if (!SearchesArchitecture(options.scope.mode)) {
    ValidateArchitecture(options.scope.base_architecture, "base_architecture",
                         &errors);
  }
  if (options.max_mutation_attempts < 1) {
    errors.Add("max_mutation_attempts", "must be at least 1");
  }
  if (!errors.ok()) return errors.ToStatus();
  if (!SearchesArchitecture(options.scope.mode)) {
    options.scope.base_architecture =
        CanonicalArchitecture(options.scope.base_architecture);
  }
  return std::unique_ptr<GenomeSampler>(new GenomeSampler(std::move(options)));
}

void GenomeSampler::SampleBlock(Rng& rng, v1::Block* block) const {
  const auto& space = options_.scope.space;
  block->set_op(Pick(space.operators(), v1::OPERATOR_CONV, rng));
  block->set_kernel(Pick(space.kernels(), 3, rng));
  if (block->op() == v1::OPERATOR_MBCONV) {
    block->set_expansion(Pick(space.expansions(), 1, rng));
  }
  block->set_activation(Pick(space.activations(), v1::ACTIVATION_RELU, rng));
  block->set_squeeze_excite(Pick(space.squeeze_excite(), false, rng));
  // Residuals are decided once the whole architecture is known (Repair).
}

void GenomeSampler::SampleStage(int index, Rng& rng, v1::Stage* stage) const {
  const auto& ss = options_.scope.space.stages(index);
  stage->set_channels(Pick(ss.channels(), 16, rng));
  stage->set_downsample(Pick(ss.downsample(), v1::DOWNSAMPLE_NONE, rng));
  const int blocks =
      static_cast<int>(rng.UniformInt(ss.min_blocks(), ss.max_blocks()));
  for (int b = 0; b < blocks; ++b) SampleBlock(rng, stage->add_blocks());
}

void GenomeSampler::SampleArchitecture(Rng& rng,
                                       ArchitectureGenome* arch) const {
  const auto& space = options_.scope.space;
  auto* stem = arch->mutable_stem();
  stem->set_channels(Pick(space.stem_channels(), 16, rng));
  stem->set_kernel(Pick(space.stem_kernels(), 3, rng));
  stem->set_activation(Pick(space.activations(), v1::ACTIVATION_RELU, rng));
  const int stages =
      static_cast<int>(rng.UniformInt(space.min_stages(), space.max_stages()));
  for (int s = 0; s < stages; ++s) SampleStage(s, rng, arch->add_stages());
  auto* head = arch->mutable_head();
  head->set_hidden_units(Pick(space.head_hidden_units(), 0, rng));
  head->set_dropout(Pick(space.head_dropout(), 0.0, rng));
  if (head->hidden_units() > 0) {
    head->set_activation(Pick(space.activations(), v1::ACTIVATION_RELU, rng));
  }
  for (int s = 0; s < arch->stages_size(); ++s) {
    for (int b = 0; b < arch->stages(s).blocks_size(); ++b) {
      arch->mutable_stages(s)->mutable_blocks(b)->set_residual(
          ResidualAllowed(*arch, s, b) && Pick(space.residual(), false, rng));
    }
  }
}

double GenomeSampler::SampleKeepRatio(Rng& rng) const {
  const auto& range = options_.scope.space.pruning().keep_ratio();
  if (range.step() > 0) {
    const int64_t steps = static_cast<int64_t>(
        std::floor((range.max() - range.min()) / range.step() + 1e-9));
    return CanonicalReal(range.min() +
                         static_cast<double>(rng.UniformInt(0, steps)) *
                             range.step());
  }
  return CanonicalReal(range.min() +
                       rng.UniformDouble() * (range.max() - range.min()));
}

void GenomeSampler::SamplePruning(const ArchitectureGenome& arch, Rng& rng,
                                  PruningGenome* pruning) const {
  const auto& ps = options_.scope.space.pruning();
  pruning->set_criterion(Pick(ps.criteria(), v1::IMPORTANCE_CRITERION_L1, rng));
  const double uniform = SampleKeepRatio(rng);
  for (const std::string& name : GroupNames(arch)) {
    (*pruning->mutable_keep_ratios())[name] =
        ps.uniform_keep_ratio() ? uniform : SampleKeepRatio(rng);
  }
  pruning->set_iterative_steps(Pick(ps.iterative_steps(), 1, rng));
  pruning->set_finetune_epochs(Pick(ps.finetune_epochs(), 0, rng));
  pruning->set_distill_weight(Pick(ps.distill_weights(), 0.0, rng));
  if (pruning->distill_weight() > 0) {
    pruning->set_distill_temperature(
        Pick(ps.distill_temperatures(), kDefaultDistillTemperature, rng));
  }
  const double rank_ratio = Pick(ps.low_rank_ratios(), 0.0, rng);
  if (rank_ratio > 0) pruning->mutable_low_rank()->set_rank_ratio(rank_ratio);
  pruning->set_quantize_int8(Pick(ps.quantize_int8(), false, rng));
}

void GenomeSampler::Repair(const std::vector<std::string>& known_groups,
                           Rng& rng, Genome* genome) const {
  const auto& space = options_.scope.space;
  ArchitectureGenome* arch = genome->mutable_arch();
  if (SearchesArchitecture(options_.scope.mode)) {
    for (int s = 0; s < arch->stages_size(); ++s) {
      for (int b = 0; b < arch->stages(s).blocks_size(); ++b) {
        v1::Block* block = arch->mutable_stages(s)->mutable_blocks(b);
        if (block->op() == v1::OPERATOR_MBCONV &&
            !Contains(space.expansions(), block->expansion())) {
          block->set_expansion(Pick(space.expansions(), 1, rng));
        }
        if (!ResidualAllowed(*arch, s, b)) {
          block->set_residual(false);
        } else if (!(space.residual().empty()
                         ? !block->residual()
                         : Contains(space.residual(), block->residual()))) {
          block->set_residual(Pick(space.residual(), false, rng));
        }
      }
    }
    auto* head = arch->mutable_head();
    if (head->hidden_units() > 0 &&
        !Contains(space.activations(), static_cast<int>(head->activation()))) {
      head->set_activation(Pick(space.activations(), v1::ACTIVATION_RELU, rng));
    }
  }
  if (!SearchesPruning(options_.scope.mode)) return;

  const auto& ps = space.pruning();
  PruningGenome* pruning = genome->mutable_pruning();
  const std::vector<std::string> groups = GroupNames(*arch);
  const std::set<std::string> current(groups.begin(), groups.end());
  const std::set<std::string> known(known_groups.begin(), known_groups.end());
  std::vector<std::string> stale;
  for (const auto& [name, ratio] : pruning->keep_ratios()) {
    if (!current.contains(name)) stale.push_back(name);
  }
  for (const std::string& name : stale)
    pruning->mutable_keep_ratios()->erase(name);
  // The stem group exists in every architecture, so it carries the shared
  // ratio of a uniform plan.
  const double shared = KeepRatioOf(*pruning, "stem");
  for (const std::string& name : groups) {
    if (known.contains(name)) continue;
    (*pruning->mutable_keep_ratios())[name] =
        ps.uniform_keep_ratio() ? shared : SampleKeepRatio(rng);
  }
  if (PrunesAnything(*pruning)) {
    if (!Contains(ps.criteria(), static_cast<int>(pruning->criterion()))) {
      pruning->set_criterion(
          Pick(ps.criteria(), v1::IMPORTANCE_CRITERION_L1, rng));
    }
    const int steps = std::max(1, pruning->iterative_steps());
    if (ps.iterative_steps().empty() ? steps != 1
                                     : !Contains(ps.iterative_steps(), steps)) {
      pruning->set_iterative_steps(Pick(ps.iterative_steps(), 1, rng));
    }
  }
  if (pruning->distill_weight() > 0) {
    const double t = pruning->distill_temperature() > 0
                         ? pruning->distill_temperature()
                         : kDefaultDistillTemperature;
    if (!ps.distill_temperatures().empty() &&
        !Contains(ps.distill_temperatures(), t)) {
      pruning->set_distill_temperature(
          Pick(ps.distill_temperatures(), kDefaultDistillTemperature, rng));
    }
  }
}

Genome GenomeSampler::Sample(Rng& rng) const {
  Genome genome;
  if (SearchesArchitecture(options_.scope.mode)) {
    SampleArchitecture(rng, genome.mutable_arch());
  } else {
    *genome.mutable_arch() = options_.scope.base_architecture;
  }
  if (SearchesPruning(options_.scope.mode)) {
    SamplePruning(genome.arch(), rng, genome.mutable_pruning());
  }
  Repair(GroupNames(genome.arch()), rng, &genome);
  return CanonicalGenome(genome);
}

bool GenomeSampler::MutateArchitecture(Rng& rng, Genome* genome) const {
  const auto& space = options_.scope.space;
  ArchitectureGenome* arch = genome->mutable_arch();
  enum Kind {
    kStemChannels,
    kStemKernel,
    kStemActivation,
    kAddStage,
    kRemoveStage,
    kStageChannels,
    kStageDownsample,
    kAddBlock,
    kRemoveBlock,
    kBlockGene,
    kHeadHidden,
    kHeadDropout,
    kHeadActivation,
    kNumKinds
  };
  const int stage_index =
      static_cast<int>(rng.Uniform(static_cast<uint64_t>(arch->stages_size())));
  v1::Stage* stage = arch->mutable_stages(stage_index);
  const auto& ss = space.stages(stage_index);
  switch (static_cast<Kind>(rng.Uniform(kNumKinds))) {
    case kStemChannels:
      arch->mutable_stem()->set_channels(
          PickDifferent(space.stem_channels(), arch->stem().channels(), rng));
      return true;
    case kStemKernel:
      arch->mutable_stem()->set_kernel(
          PickDifferent(space.stem_kernels(), arch->stem().kernel(), rng));
      return true;
    case kStemActivation:
      arch->mutable_stem()->set_activation(
          PickDifferent(space.activations(), arch->stem().activation(), rng));
      return true;
    case kAddStage: {
      const int index = arch->stages_size();
      if (index >= space.max_stages()) return false;
      SampleStage(index, rng, arch->add_stages());
      return true;
    }
    case kRemoveStage:
      if (arch->stages_size() <= space.min_stages()) return false;
      arch->mutable_stages()->RemoveLast();
      return true;
    case kStageChannels:
      stage->set_channels(PickDifferent(ss.channels(), stage->channels(), rng));
      return true;
    case kStageDownsample:
      stage->set_downsample(
          PickDifferent(ss.downsample(), stage->downsample(), rng));
      return true;
    case kAddBlock: {
      if (stage->blocks_size() >= ss.max_blocks()) return false;
      const int at = static_cast<int>(rng.UniformInt(0, stage->blocks_size()));
      SampleBlock(rng, stage->add_blocks());
      for (int b = stage->blocks_size() - 1; b > at; --b) {
        stage->mutable_blocks()->SwapElements(b, b - 1);
      }
      return true;
    }
    case kRemoveBlock: {
      if (stage->blocks_size() <= ss.min_blocks()) return false;
      const int at = static_cast<int>(
          rng.Uniform(static_cast<uint64_t>(stage->blocks_size())));
      stage->mutable_blocks()->DeleteSubrange(at, 1);
      return true;
    }
    case kBlockGene: {
      const int b = static_cast<int>(
          rng.Uniform(static_cast<uint64_t>(stage->blocks_size())));
      v1::Block* block = stage->mutable_blocks(b);
      switch (rng.Uniform(6)) {
        case 0:
          block->set_op(PickDifferent(space.operators(), block->op(), rng));
          if (block->op() == v1::OPERATOR_MBCONV && block->expansion() == 0) {
            block->set_expansion(Pick(space.expansions(), 1, rng));
          } else if (block->op() != v1::OPERATOR_MBCONV) {
            block->clear_expansion();
          }
          return true;
        case 1:
          block->set_kernel(
              PickDifferent(space.kernels(), block->kernel(), rng));
          return true;
        case 2:
          if (block->op() != v1::OPERATOR_MBCONV) return false;
          block->set_expansion(
              PickDifferent(space.expansions(), block->expansion(), rng));
          return true;
        case 3:
          block->set_activation(
              PickDifferent(space.activations(), block->activation(), rng));
          return true;
        case 4:
          block->set_squeeze_excite(PickDifferent(
              space.squeeze_excite(), block->squeeze_excite(), rng));
          return true;
        default:
          if (!ResidualAllowed(*arch, stage_index, b)) return false;
          block->set_residual(
              PickDifferent(space.residual(), block->residual(), rng));
          return true;
      }
    }
    case kHeadHidden:
      arch->mutable_head()->set_hidden_units(PickDifferent(
          space.head_hidden_units(), arch->head().hidden_units(), rng));
      return true;
    case kHeadDropout:
      arch->mutable_head()->set_dropout(
          PickDifferent(space.head_dropout(), arch->head().dropout(), rng));
      return true;
    case kHeadActivation:
      if (arch->head().hidden_units() == 0) return false;
      arch->mutable_head()->set_activation(
          PickDifferent(space.activations(), arch->head().activation(), rng));
      return true;
    case kNumKinds:
      break;
  }
  return false;
}

bool GenomeSampler::MutatePruning(Rng& rng, Genome* genome) const {
  const auto& ps = options_.scope.space.pruning();
  PruningGenome* pruning = genome->mutable_pruning();
  switch (rng.Uniform(8)) {
    case 0:
      pruning->set_criterion(
          PickDifferent(ps.criteria(), pruning->criterion(), rng));
      return true;
    case 1: {
      const std::vector<std::string> groups = GroupNames(genome->arch());
      const std::string& group = groups[rng.Uniform(groups.size())];
      const double old_ratio = KeepRatioOf(*pruning, group);
      double ratio = old_ratio;
      for (int i = 0; i < 8 && std::fabs(ratio - old_ratio) <= kRealTolerance;
           ++i) {
        ratio = SampleKeepRatio(rng);
      }
      if (ps.uniform_keep_ratio()) {
        for (const std::string& g : groups) {
          (*pruning->mutable_keep_ratios())[g] = ratio;
        }
      } else {
        (*pruning->mutable_keep_ratios())[group] = ratio;
      }
      return true;
    }
    case 2:
      pruning->set_iterative_steps(PickDifferent(
          ps.iterative_steps(), std::max(1, pruning->iterative_steps()), rng));
      return true;
    case 3:
      pruning->set_finetune_epochs(
          PickDifferent(ps.finetune_epochs(), pruning->finetune_epochs(), rng));
      return true;
    case 4:
      pruning->set_distill_weight(
          PickDifferent(ps.distill_weights(), pruning->distill_weight(), rng));
      return true;
    case 5:
      if (pruning->distill_weight() == 0) return false;
      pruning->set_distill_temperature(PickDifferent(
          ps.distill_temperatures(), pruning->distill_temperature(), rng));
      return true;
    case 6:
      pruning->mutable_low_rank()->set_rank_ratio(PickDifferent(
          ps.low_rank_ratios(), pruning->low_rank().rank_ratio(), rng));
      return true;
    default:
      pruning->set_quantize_int8(
          PickDifferent(ps.quantize_int8(), pruning->quantize_int8(), rng));
      return true;
  }
}

Genome GenomeSampler::Mutate(const Genome& parent, Rng& rng) const {
  const Genome start = CanonicalGenome(parent);
  const std::string start_text = CanonicalText(start);
  const std::vector<std::string> known = GroupNames(start.arch());
  const bool arch = SearchesArchitecture(options_.scope.mode);
  const bool pruning = SearchesPruning(options_.scope.mode);
  for (int attempt = 0; attempt < options_.max_mutation_attempts; ++attempt) {
    Genome child = start;
    const bool mutate_arch = arch && (!pruning || rng.Bernoulli(0.5));
    const bool changed = mutate_arch ? MutateArchitecture(rng, &child)
                                     : MutatePruning(rng, &child);
    if (!changed) continue;
    Repair(known, rng, &child);
    child = CanonicalGenome(child);
    if (CanonicalText(child) != start_text) return child;
  }
  return start;
}

Genome GenomeSampler::Crossover(const Genome& a, const Genome& b,
                                Rng& rng) const {
  Genome child;
  ArchitectureGenome* arch = child.mutable_arch();
  if (SearchesArchitecture(options_.scope.mode)) {
    const ArchitectureGenome& pa = a.arch();
    const ArchitectureGenome& pb = b.arch();
    *arch->mutable_stem() = rng.Bernoulli(0.5) ? pa.stem() : pb.stem();
    const int stages = rng.Bernoulli(0.5) ? pa.stages_size() : pb.stages_size();
    for (int s = 0; s < stages; ++s) {
      const bool in_a = s < pa.stages_size();
      const bool in_b = s < pb.stages_size();
      const bool from_a = in_a && (!in_b || rng.Bernoulli(0.5));
      *arch->add_stages() = from_a ? pa.stages(s) : pb.stages(s);
    }
    *arch->mutable_head() = rng.Bernoulli(0.5) ? pa.head() : pb.head();
  } else {
    *arch = options_.scope.base_architecture;
  }
  if (SearchesPruning(options_.scope.mode)) {
    const PruningGenome& pa = a.pruning();
    const PruningGenome& pb = b.pruning();
    PruningGenome* pruning = child.mutable_pruning();
    pruning->set_criterion((rng.Bernoulli(0.5) ? pa : pb).criterion());
    pruning->set_iterative_steps(
        (rng.Bernoulli(0.5) ? pa : pb).iterative_steps());
    pruning->set_finetune_epochs(
        (rng.Bernoulli(0.5) ? pa : pb).finetune_epochs());
    const PruningGenome& distill = rng.Bernoulli(0.5) ? pa : pb;
    pruning->set_distill_weight(distill.distill_weight());
    pruning->set_distill_temperature(distill.distill_temperature());
    *pruning->mutable_low_rank() = (rng.Bernoulli(0.5) ? pa : pb).low_rank();
    pruning->set_quantize_int8((rng.Bernoulli(0.5) ? pa : pb).quantize_int8());
    const std::vector<std::string> groups_a = GroupNames(a.arch());
    const std::vector<std::string> groups_b = GroupNames(b.arch());
    const std::set<std::string> set_a(groups_a.begin(), groups_a.end());
    const std::set<std::string> set_b(groups_b.begin(), groups_b.end());
    const bool uniform = options_.scope.space.pruning().uniform_keep_ratio();
    const double shared =
        KeepRatioOf(rng.Bernoulli(0.5) ? pa : pb, "stem");  // Uniform plans.
    for (const std::string& name : GroupNames(*arch)) {
      double ratio;
      if (uniform) {
        ratio = shared;
      } else if (set_a.contains(name) && set_b.contains(name)) {
        ratio = KeepRatioOf(rng.Bernoulli(0.5) ? pa : pb, name);
      } else if (set_a.contains(name)) {
        ratio = KeepRatioOf(pa, name);
      } else if (set_b.contains(name)) {
        ratio = KeepRatioOf(pb, name);
      } else {
        ratio = SampleKeepRatio(rng);
      }
      (*pruning->mutable_keep_ratios())[name] = ratio;
    }
  }
  Repair(GroupNames(*arch), rng, &child);
  return CanonicalGenome(child);
}

}  // namespace nasprune::genome
