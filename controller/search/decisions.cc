#include "controller/search/decisions.h"

#include <cmath>
#include <map>

#include "absl/strings/str_cat.h"
#include "common/genome/hash.h"
#include "common/genome/limits.h"
#include "common/genome/network_plan.h"
#include "common/genome/validate.h"
#include "common/status/field_errors.h"

namespace nasprune::controller {
namespace {

constexpr int kKeepRatioLevels = 9;

using google::protobuf::RepeatedField;

std::vector<double> KeepRatioLevels(const v1::DoubleRange& range) {
  std::vector<double> levels;
  if (range.step() > 0) {
    const int64_t steps = static_cast<int64_t>(
        std::floor((range.max() - range.min()) / range.step() + 1e-9));
    for (int64_t i = 0; i <= steps; ++i) {
      levels.push_back(genome::CanonicalReal(range.min() + i * range.step()));
    }
  } else if (range.max() > range.min()) {
    for (int i = 0; i < kKeepRatioLevels; ++i) {
      levels.push_back(
          genome::CanonicalReal(range.min() + (range.max() - range.min()) * i /
                                                  (kKeepRatioLevels - 1)));
    }
  } else {
    levels.push_back(genome::CanonicalReal(range.min()));
  }
  return levels;
}

}  // namespace

// One pass over the decisions, in their fixed order. Listing (no actions)
// records every decision; decoding reads each decision's action, builds the
// genome, and marks the decisions the genome uses. Keeping both in one walk
// keeps the order and the decoding from drifting apart.
class DecisionSpace::Walk {
 public:
  Walk(const genome::SearchScope& scope, const std::vector<int>* actions)
      : scope_(scope), actions_(actions) {}

  void Run() {
    if (genome::SearchesArchitecture(scope_.mode)) {
      Architecture();
    } else {
      *genome_.mutable_arch() = scope_.base_architecture;
    }
    if (genome::SearchesPruning(scope_.mode)) Pruning();
  }

  std::vector<Decision> decisions;
  std::vector<bool> used;
  v1::Genome& genome() { return genome_; }

 private:
  // The index of the option chosen for the decision `name` among `n`
  // options; `active` says whether the genome uses it. Options of one take
  // no decision.
  int Choose(const std::string& name, int n, bool active) {
    if (n < 2) return 0;
    if (actions_ == nullptr) {
      decisions.push_back({name, n});
      return 0;
    }
    const int index = static_cast<int>(used.size());
    used.push_back(active);
    return (*actions_)[index];
  }

  template <typename T, typename U>
  T Pick(const std::string& name, const RepeatedField<U>& options, T fallback,
         bool active = true) {
    const int i = Choose(name, options.size(), active);
    return options.empty() ? fallback : static_cast<T>(options[i]);
  }

  int Count(const std::string& name, int lo, int hi, bool active) {
    return lo + Choose(name, hi - lo + 1, active);
  }

  void Architecture() {
    const v1::SearchSpace& space = scope_.space;
    v1::ArchitectureGenome* arch = genome_.mutable_arch();
    auto* stem = arch->mutable_stem();
    stem->set_channels(Pick("stem.channels", space.stem_channels(), 16));
    stem->set_kernel(Pick("stem.kernel", space.stem_kernels(), 3));
    stem->set_activation(
        Pick("stem.activation", space.activations(), v1::ACTIVATION_RELU));
    const int stages =
        Count("stages", space.min_stages(), space.max_stages(), true);
    std::map<std::pair<int, int>, bool> residual;
    for (int s = 0; s < space.max_stages(); ++s) {
      const v1::StageSpace& ss = space.stages(s);
      const std::string prefix = absl::StrCat("stages[", s, "]");
      const bool stage_on = s < stages;
      v1::Stage scratch;
      v1::Stage* stage = stage_on ? arch->add_stages() : &scratch;
      stage->set_channels(
          Pick(prefix + ".channels", ss.channels(), 16, stage_on));
      stage->set_downsample(Pick(prefix + ".downsample", ss.downsample(),
                                 v1::DOWNSAMPLE_NONE, stage_on));
      const int blocks =
          Count(prefix + ".blocks", ss.min_blocks(), ss.max_blocks(), stage_on);
      for (int b = 0; b < ss.max_blocks(); ++b) {
        const std::string name = absl::StrCat(prefix, ".blocks[", b, "]");
        const bool on = stage_on && b < blocks;
        v1::Block scratch_block;
        v1::Block* block = on ? stage->add_blocks() : &scratch_block;
        block->set_op(
            Pick(name + ".op", space.operators(), v1::OPERATOR_CONV, on));
        block->set_kernel(Pick(name + ".kernel", space.kernels(), 3, on));
        const bool mbconv = block->op() == v1::OPERATOR_MBCONV;
        const int expansion =
            Pick(name + ".expansion", space.expansions(), 1, on && mbconv);
        if (mbconv) block->set_expansion(expansion);
        block->set_activation(Pick(name + ".activation", space.activations(),
                                   v1::ACTIVATION_RELU, on));
        block->set_squeeze_excite(
            Pick(name + ".squeeze_excite", space.squeeze_excite(), false, on));
        // Whether the shapes allow a residual is known once the stage is
        // built; the decision is read now and applied below.
        residual_index_[{s, b}] = static_cast<int>(used.size());
        residual[{s, b}] =
            Pick(name + ".residual", space.residual(), false, on);
      }
    }
    auto* head = arch->mutable_head();
    head->set_hidden_units(
        Pick("head.hidden_units", space.head_hidden_units(), 0));
    head->set_dropout(Pick("head.dropout", space.head_dropout(), 0.0));
    const auto activation = Pick("head.activation", space.activations(),
                                 v1::ACTIVATION_RELU, head->hidden_units() > 0);
    if (head->hidden_units() > 0) head->set_activation(activation);
    for (int s = 0; s < arch->stages_size(); ++s) {
      for (int b = 0; b < arch->stages(s).blocks_size(); ++b) {
        const bool allowed = genome::ResidualAllowed(*arch, s, b);
        arch->mutable_stages(s)->mutable_blocks(b)->set_residual(
            allowed && residual[{s, b}]);
        // A forbidden residual's decision is not used.
        const int index = residual_index_[{s, b}];
        if (!allowed && actions_ != nullptr && space.residual_size() >= 2) {
          used[index] = false;
        }
      }
    }
  }

  // Every channel group name the scope can produce, in network order.
  std::vector<std::string> PossibleGroups() const {
    if (!genome::SearchesArchitecture(scope_.mode)) {
      std::vector<std::string> names;
      for (const auto& g : genome::ChannelGroups(scope_.base_architecture)) {
        names.push_back(g.name);
      }
      return names;
    }
    const v1::SearchSpace& space = scope_.space;
    bool expands = false;
    for (int op : space.operators()) expands |= op == v1::OPERATOR_MBCONV;
    bool wide = false;
    for (int e : space.expansions()) wide |= e > 1;
    bool hidden = false;
    for (int h : space.head_hidden_units()) hidden |= h > 0;
    std::vector<std::string> names = {"stem"};
    for (int s = 0; s < space.max_stages(); ++s) {
      for (int b = 0; b < space.stages(s).max_blocks(); ++b) {
        const std::string name =
            absl::StrCat("stages[", s, "].blocks[", b, "]");
        names.push_back(name);
        if (expands && wide) names.push_back(name + ".expanded");
      }
    }
    if (hidden) names.push_back("head.hidden");
    return names;
  }

  void Pruning() {
    const v1::PruningSpace& ps = scope_.space.pruning();
    v1::PruningGenome* pruning = genome_.mutable_pruning();
    pruning->set_criterion(
        Pick("pruning.criterion", ps.criteria(), v1::IMPORTANCE_CRITERION_L1));
    const std::vector<double> levels = KeepRatioLevels(ps.keep_ratio());
    const int n = static_cast<int>(levels.size());
    std::map<std::string, bool> present;
    for (const auto& g : genome::ChannelGroups(genome_.arch())) {
      present[g.name] = true;
    }
    if (ps.uniform_keep_ratio()) {
      const double ratio =
          levels[Choose("pruning.keep_ratio", n, !present.empty())];
      for (const auto& [name, on] : present) {
        (*pruning->mutable_keep_ratios())[name] = ratio;
      }
    } else {
      for (const std::string& name : PossibleGroups()) {
        const bool on = present.contains(name);
        const double ratio = levels[Choose(
            absl::StrCat("pruning.keep_ratios[", name, "]"), n, on)];
        if (on) (*pruning->mutable_keep_ratios())[name] = ratio;
      }
    }
    pruning->set_iterative_steps(
        Pick("pruning.iterative_steps", ps.iterative_steps(), 1));
    pruning->set_finetune_epochs(
        Pick("pruning.finetune_epochs", ps.finetune_epochs(), 0));
    pruning->set_distill_weight(
        Pick("pruning.distill_weight", ps.distill_weights(), 0.0));
    const double temperature =
        Pick("pruning.distill_temperature", ps.distill_temperatures(),
             genome::kDefaultDistillTemperature, pruning->distill_weight() > 0);
    if (pruning->distill_weight() > 0) {
      pruning->set_distill_temperature(temperature);
    }
    const double rank_ratio =
        Pick("pruning.low_rank_ratio", ps.low_rank_ratios(), 0.0);
    if (rank_ratio > 0) pruning->mutable_low_rank()->set_rank_ratio(rank_ratio);
    pruning->set_quantize_int8(
        Pick("pruning.quantize_int8", ps.quantize_int8(), false));
  }

  const genome::SearchScope& scope_;
  const std::vector<int>* actions_;
  v1::Genome genome_;
  std::map<std::pair<int, int>, int> residual_index_;
};

absl::StatusOr<DecisionSpace> DecisionSpace::Create(genome::SearchScope scope) {
  FieldErrors errors;
  genome::ValidateSearchSpace(scope.space, scope.mode, "space", &errors);
  if (!genome::SearchesArchitecture(scope.mode)) {
    genome::ValidateArchitecture(scope.base_architecture, "base_architecture",
                                 &errors);
  }
  if (!errors.ok()) return errors.ToStatus();
  if (!genome::SearchesArchitecture(scope.mode)) {
    scope.base_architecture =
        genome::CanonicalArchitecture(scope.base_architecture);
  }
  return DecisionSpace(std::move(scope));
}

DecisionSpace::DecisionSpace(genome::SearchScope scope)
    : scope_(std::move(scope)) {
  Walk walk(scope_, nullptr);
  walk.Run();
  decisions_ = std::move(walk.decisions);
}

v1::Genome DecisionSpace::Decode(const std::vector<int>& actions) const {
  Walk walk(scope_, &actions);
  walk.Run();
  return genome::CanonicalGenome(walk.genome());
}

std::vector<bool> DecisionSpace::Used(const std::vector<int>& actions) const {
  Walk walk(scope_, &actions);
  walk.Run();
  return walk.used;
}

}  // namespace nasprune::controller
