#include "common/genome/validate.h"

#include <functional>
#include <string>
#include <vector>

#include "common/genome/default_space.h"
#include "gtest/gtest.h"
#include "tests/common/genome/fixtures.h"

namespace nasprune::genome {
namespace {

using testing::PrunedRichGenome;
using testing::RichGenome;
using testing::TinyGenome;

struct GenomeCase {
  std::string name;
  std::function<void(v1::Genome*)> edit;
  std::string expected;  // A substring of the error message.
  friend void PrintTo(const GenomeCase& c, std::ostream* os) { *os << c.name; }
};

v1::Block* BlockOf(v1::Genome* g, int s, int b) {
  return g->mutable_arch()->mutable_stages(s)->mutable_blocks(b);
}

class ValidateGenomeRule : public ::testing::TestWithParam<GenomeCase> {};

TEST_P(ValidateGenomeRule, TripsWithFieldPath) {
  v1::Genome genome = PrunedRichGenome();
  ASSERT_TRUE(ValidateGenome(genome).ok()) << ValidateGenome(genome);
  GetParam().edit(&genome);
  const absl::Status status = ValidateGenome(genome);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find(GetParam().expected), std::string::npos)
      << "got: " << status.message();
}

INSTANTIATE_TEST_SUITE_P(
    Rules, ValidateGenomeRule,
    ::testing::Values(
        GenomeCase{"ArchMissing", [](v1::Genome* g) { g->clear_arch(); },
                   "arch: must be set"},
        GenomeCase{"StemMissing",
                   [](v1::Genome* g) { g->mutable_arch()->clear_stem(); },
                   "arch.stem: must be set"},
        GenomeCase{"StemChannels",
                   [](v1::Genome* g) {
                     g->mutable_arch()->mutable_stem()->set_channels(0);
                   },
                   "arch.stem.channels: 0 is outside [1, 1024]"},
        GenomeCase{"StemKernel",
                   [](v1::Genome* g) {
                     g->mutable_arch()->mutable_stem()->set_kernel(9);
                   },
                   "arch.stem.kernel: 9 not in {3, 5, 7}"},
        GenomeCase{"StemActivationUnset",
                   [](v1::Genome* g) {
                     g->mutable_arch()->mutable_stem()->clear_activation();
                   },
                   "arch.stem.activation: must be set"},
        GenomeCase{"ActivationUnknownNumber",
                   [](v1::Genome* g) {
                     g->mutable_arch()->mutable_stem()->set_activation(
                         static_cast<v1::Activation>(42));
                   },
                   "arch.stem.activation: 42 is not a Activation"},
        GenomeCase{"NoStages",
                   [](v1::Genome* g) { g->mutable_arch()->clear_stages(); },
                   "arch.stages: has 0 entries; allowed [1, 6]"},
        GenomeCase{"TooManyStages",
                   [](v1::Genome* g) {
                     for (int i = 0; i < 4; ++i) {
                       *g->mutable_arch()->add_stages() = g->arch().stages(2);
                     }
                   },
                   "arch.stages: has 7 entries; allowed [1, 6]"},
        GenomeCase{"StageChannels",
                   [](v1::Genome* g) {
                     g->mutable_arch()->mutable_stages(2)->set_channels(4096);
                   },
                   "arch.stages[2].channels: 4096 is outside [1, 1024]"},
        GenomeCase{"StageDownsampleUnset",
                   [](v1::Genome* g) {
                     g->mutable_arch()->mutable_stages(1)->clear_downsample();
                   },
                   "arch.stages[1].downsample: must be set"},
        GenomeCase{"StageWithoutBlocks",
                   [](v1::Genome* g) {
                     g->mutable_arch()->mutable_stages(2)->clear_blocks();
                   },
                   "arch.stages[2].blocks: has 0 entries; allowed [1, 8]"},
        GenomeCase{"StageWithNineBlocks",
                   [](v1::Genome* g) {
                     auto* stage = g->mutable_arch()->mutable_stages(2);
                     for (int i = 0; i < 8; ++i) {
                       *stage->add_blocks() = stage->blocks(0);
                     }
                   },
                   "arch.stages[2].blocks: has 9 entries; allowed [1, 8]"},
        GenomeCase{"BlockOpUnset",
                   [](v1::Genome* g) { BlockOf(g, 0, 0)->clear_op(); },
                   "arch.stages[0].blocks[0].op: must be set"},
        GenomeCase{"BlockKernel",
                   [](v1::Genome* g) { BlockOf(g, 2, 0)->set_kernel(9); },
                   "arch.stages[2].blocks[0].kernel: 9 not in {3, 5, 7}"},
        GenomeCase{"MbconvExpansionZero",
                   [](v1::Genome* g) { BlockOf(g, 1, 0)->set_expansion(0); },
                   "arch.stages[1].blocks[0].expansion: 0 is outside [1, 8]"},
        GenomeCase{"MbconvExpansionTooLarge",
                   [](v1::Genome* g) { BlockOf(g, 1, 0)->set_expansion(9); },
                   "arch.stages[1].blocks[0].expansion: 9 is outside [1, 8]"},
        GenomeCase{"ExpansionOnConv",
                   [](v1::Genome* g) { BlockOf(g, 2, 0)->set_expansion(2); },
                   "arch.stages[2].blocks[0].expansion: must be 0 for "
                   "OPERATOR_CONV"},
        GenomeCase{"BlockActivationUnset",
                   [](v1::Genome* g) { BlockOf(g, 0, 0)->clear_activation(); },
                   "arch.stages[0].blocks[0].activation: must be set"},
        GenomeCase{"ResidualWithStride",
                   [](v1::Genome* g) { BlockOf(g, 1, 0)->set_residual(true); },
                   "arch.stages[1].blocks[0].residual: not allowed here"},
        GenomeCase{"ResidualWithChannelChange",
                   [](v1::Genome* g) {
                     g->mutable_arch()->mutable_stages(2)->set_channels(48);
                   },
                   "arch.stages[2].blocks[0].residual: not allowed here"},
        GenomeCase{"HeadHiddenUnits",
                   [](v1::Genome* g) {
                     g->mutable_arch()->mutable_head()->set_hidden_units(5000);
                   },
                   "arch.head.hidden_units: 5000 is outside [0, 4096]"},
        GenomeCase{"HeadActivationUnset",
                   [](v1::Genome* g) {
                     g->mutable_arch()->mutable_head()->clear_activation();
                   },
                   "arch.head.activation: must be set"},
        GenomeCase{"HeadDropout",
                   [](v1::Genome* g) {
                     g->mutable_arch()->mutable_head()->set_dropout(0.95);
                   },
                   "arch.head.dropout: 0.95 is outside [0, 0.9]"},
        GenomeCase{"KeepRatioUnknownGroup",
                   [](v1::Genome* g) {
                     (*g->mutable_pruning()->mutable_keep_ratios())
                         ["stages[0].blocks[0]"] = 0.5;
                   },
                   "pruning.keep_ratios[\"stages[0].blocks[0]\"]: no such "
                   "channel group; the groups are head.hidden, stages[1]."},
        GenomeCase{"KeepRatioZero",
                   [](v1::Genome* g) {
                     (*g->mutable_pruning()->mutable_keep_ratios())["stem"] = 0;
                   },
                   "pruning.keep_ratios[\"stem\"]: 0 would empty the group"},
        GenomeCase{"KeepRatioAboveOne",
                   [](v1::Genome* g) {
                     (*g->mutable_pruning()->mutable_keep_ratios())["stem"] =
                         1.5;
                   },
                   "pruning.keep_ratios[\"stem\"]: 1.5 is outside [0, 1]"},
        GenomeCase{"KeepRatioNan",
                   [](v1::Genome* g) {
                     (*g->mutable_pruning()->mutable_keep_ratios())["stem"] =
                         std::nan("");
                   },
                   "pruning.keep_ratios[\"stem\"]: nan is not a finite number"},
        GenomeCase{"CriterionMissing",
                   [](v1::Genome* g) {
                     g->mutable_pruning()->clear_criterion();
                   },
                   "pruning.criterion: must be set when a keep ratio is below "
                   "1"},
        GenomeCase{"CriterionUnknown",
                   [](v1::Genome* g) {
                     g->mutable_pruning()->set_criterion(
                         static_cast<v1::ImportanceCriterion>(77));
                   },
                   "pruning.criterion: 77 is not an ImportanceCriterion"},
        GenomeCase{"IterativeSteps",
                   [](v1::Genome* g) {
                     g->mutable_pruning()->set_iterative_steps(11);
                   },
                   "pruning.iterative_steps: 11 is outside [0, 10]"},
        GenomeCase{"FinetuneEpochs",
                   [](v1::Genome* g) {
                     g->mutable_pruning()->set_finetune_epochs(-1);
                   },
                   "pruning.finetune_epochs: -1 is outside [0, 1000]"},
        GenomeCase{"DistillWeight",
                   [](v1::Genome* g) {
                     g->mutable_pruning()->set_distill_weight(2);
                   },
                   "pruning.distill_weight: 2 is outside [0, 1]"},
        GenomeCase{"DistillTemperature",
                   [](v1::Genome* g) {
                     g->mutable_pruning()->set_distill_temperature(-1);
                   },
                   "pruning.distill_temperature: -1 is outside [0, 100]"},
        GenomeCase{"LowRankRatio",
                   [](v1::Genome* g) {
                     g->mutable_pruning()->mutable_low_rank()->set_rank_ratio(2);
                   },
                   "pruning.low_rank.rank_ratio: 2 is outside [0, 1]"},
        GenomeCase{"LowRankEnergy",
                   [](v1::Genome* g) {
                     g->mutable_pruning()->mutable_low_rank()->set_energy(-0.5);
                   },
                   "pruning.low_rank.energy: -0.5 is outside [0, 1]"},
        GenomeCase{"LowRankBoth",
                   [](v1::Genome* g) {
                     g->mutable_pruning()->mutable_low_rank()->set_energy(0.9);
                     g->mutable_pruning()->mutable_low_rank()->set_rank_ratio(
                         0.5);
                   },
                   "pruning.low_rank: set rank_ratio or energy, not both"}),
    [](const ::testing::TestParamInfo<GenomeCase>& info) {
      return info.param.name;
    });

TEST(ValidateGenome, ReportsEveryErrorAtOnce) {
  v1::Genome genome = RichGenome();
  genome.mutable_arch()->mutable_stem()->set_kernel(4);
  BlockOf(&genome, 2, 0)->set_kernel(8);
  const absl::Status status = ValidateGenome(genome);
  EXPECT_NE(status.message().find("arch.stem.kernel"), std::string::npos);
  EXPECT_NE(status.message().find("arch.stages[2].blocks[0].kernel"),
            std::string::npos);
}

TEST(ValidateGenome, FixturesAreValid) {
  EXPECT_TRUE(ValidateGenome(TinyGenome()).ok());
  EXPECT_TRUE(ValidateGenome(RichGenome()).ok());
  EXPECT_TRUE(ValidateGenome(PrunedRichGenome()).ok());
}

// --- Search spaces -----------------------------------------------------------

struct SpaceCase {
  std::string name;
  std::function<void(v1::SearchSpace*)> edit;
  std::string expected;
  v1::SearchMode mode = v1::SEARCH_MODE_JOINT;
  friend void PrintTo(const SpaceCase& c, std::ostream* os) { *os << c.name; }
};

class ValidateSpaceRule : public ::testing::TestWithParam<SpaceCase> {};

TEST_P(ValidateSpaceRule, TripsWithFieldPath) {
  v1::SearchSpace space = DefaultSearchSpace({});
  GetParam().edit(&space);
  FieldErrors errors;
  ValidateSearchSpace(space, GetParam().mode, "space", &errors);
  const absl::Status status = errors.ToStatus();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find(GetParam().expected), std::string::npos)
      << "got: " << status.message();
}

INSTANTIATE_TEST_SUITE_P(
    Rules, ValidateSpaceRule,
    ::testing::Values(
        SpaceCase{"StemChannelsEmpty",
                  [](v1::SearchSpace* s) { s->clear_stem_channels(); },
                  "space.stem_channels: must not be empty"},
        SpaceCase{"StemChannelsRange",
                  [](v1::SearchSpace* s) { s->set_stem_channels(0, 2000); },
                  "space.stem_channels[0]: 2000 is outside [1, 1024]"},
        SpaceCase{
            "StemChannelsDuplicate",
            [](v1::SearchSpace* s) { s->add_stem_channels(8); },
            "space.stem_channels[4]: duplicate of space.stem_channels[0]"},
        SpaceCase{"StemKernelsEmpty",
                  [](v1::SearchSpace* s) { s->clear_stem_kernels(); },
                  "space.stem_kernels: must not be empty"},
        SpaceCase{"StemKernelInvalid",
                  [](v1::SearchSpace* s) { s->set_stem_kernels(0, 4); },
                  "space.stem_kernels[0]: 4 not in {3, 5, 7}"},
        SpaceCase{"NoStages", [](v1::SearchSpace* s) { s->clear_stages(); },
                  "space.stages: has 0 entries; allowed [1, 6]"},
        SpaceCase{"MinStages", [](v1::SearchSpace* s) { s->set_min_stages(0); },
                  "space.min_stages: 0 is outside [1, 4]"},
        SpaceCase{"MaxStagesAboveStages",
                  [](v1::SearchSpace* s) { s->set_max_stages(5); },
                  "space.max_stages: 5 is outside [2, 4]"},
        SpaceCase{"MaxStagesBelowMin",
                  [](v1::SearchSpace* s) { s->set_max_stages(1); },
                  "space.max_stages: 1 is outside [2, 4]"},
        SpaceCase{
            "StageChannelsEmpty",
            [](v1::SearchSpace* s) { s->mutable_stages(1)->clear_channels(); },
            "space.stages[1].channels: must not be empty"},
        SpaceCase{"StageDownsampleEmpty",
                  [](v1::SearchSpace* s) {
                    s->mutable_stages(1)->clear_downsample();
                  },
                  "space.stages[1].downsample: must not be empty"},
        SpaceCase{"StageDownsampleUnspecified",
                  [](v1::SearchSpace* s) {
                    s->mutable_stages(1)->set_downsample(
                        0, v1::DOWNSAMPLE_UNSPECIFIED);
                  },
                  "space.stages[1].downsample[0]: must be set"},
        SpaceCase{
            "StageMinBlocks",
            [](v1::SearchSpace* s) { s->mutable_stages(0)->set_min_blocks(0); },
            "space.stages[0].min_blocks: 0 is outside [1, 8]"},
        SpaceCase{
            "StageMaxBlocks",
            [](v1::SearchSpace* s) { s->mutable_stages(0)->set_max_blocks(9); },
            "space.stages[0].max_blocks: 9 is outside [1, 8]"},
        SpaceCase{"OperatorsEmpty",
                  [](v1::SearchSpace* s) { s->clear_operators(); },
                  "space.operators: must not be empty"},
        SpaceCase{"KernelsEmpty",
                  [](v1::SearchSpace* s) { s->clear_kernels(); },
                  "space.kernels: must not be empty"},
        SpaceCase{"KernelInvalid",
                  [](v1::SearchSpace* s) { s->add_kernels(9); },
                  "space.kernels[2]: 9 not in {3, 5, 7}"},
        SpaceCase{"ExpansionsEmptyWithMbconv",
                  [](v1::SearchSpace* s) { s->clear_expansions(); },
                  "space.expansions: must not be empty"},
        SpaceCase{"ExpansionRange",
                  [](v1::SearchSpace* s) { s->add_expansions(12); },
                  "space.expansions[4]: 12 is outside [1, 8]"},
        SpaceCase{"ActivationsEmpty",
                  [](v1::SearchSpace* s) { s->clear_activations(); },
                  "space.activations: must not be empty"},
        SpaceCase{"SqueezeExciteDuplicate",
                  [](v1::SearchSpace* s) { s->add_squeeze_excite(true); },
                  "space.squeeze_excite[2]: duplicate of "
                  "space.squeeze_excite[1]"},
        SpaceCase{"ResidualDuplicate",
                  [](v1::SearchSpace* s) { s->add_residual(false); },
                  "space.residual[2]: duplicate of space.residual[0]"},
        SpaceCase{"HeadHiddenRange",
                  [](v1::SearchSpace* s) { s->add_head_hidden_units(-1); },
                  "space.head_hidden_units[3]: -1 is outside [0, 4096]"},
        SpaceCase{"HeadDropoutRange",
                  [](v1::SearchSpace* s) { s->add_head_dropout(1.0); },
                  "space.head_dropout[3]: 1 is outside [0, 0.9]"},
        SpaceCase{"HeadDropoutDuplicate",
                  [](v1::SearchSpace* s) { s->add_head_dropout(0.1); },
                  "space.head_dropout[3]: duplicate of space.head_dropout[1]"},
        SpaceCase{
            "CriteriaEmpty",
            [](v1::SearchSpace* s) { s->mutable_pruning()->clear_criteria(); },
            "space.pruning.criteria: must not be empty"},
        SpaceCase{"KeepRatioMinZero",
                  [](v1::SearchSpace* s) {
                    s->mutable_pruning()->mutable_keep_ratio()->set_min(0);
                  },
                  "space.pruning.keep_ratio.min: must be above 0"},
        SpaceCase{"KeepRatioMaxAboveOne",
                  [](v1::SearchSpace* s) {
                    s->mutable_pruning()->mutable_keep_ratio()->set_max(1.5);
                  },
                  "space.pruning.keep_ratio.max: 1.5 is outside [0.25, 1]"},
        SpaceCase{"KeepRatioStep",
                  [](v1::SearchSpace* s) {
                    s->mutable_pruning()->mutable_keep_ratio()->set_step(0.9);
                  },
                  "space.pruning.keep_ratio.step: 0.9 is outside [0, 0.75]"},
        SpaceCase{"IterativeStepsRange",
                  [](v1::SearchSpace* s) {
                    s->mutable_pruning()->add_iterative_steps(0);
                  },
                  "space.pruning.iterative_steps[3]: 0 is outside [1, 10]"},
        SpaceCase{
            "FinetuneEpochsRange",
            [](v1::SearchSpace*
                   s) { s->mutable_pruning()->add_finetune_epochs(5000); },
            "space.pruning.finetune_epochs[3]: 5000 is outside [0, 1000]"},
        SpaceCase{"DistillWeightsRange",
                  [](v1::SearchSpace*
                         s) { s->mutable_pruning()->add_distill_weights(1.5); },
                  "space.pruning.distill_weights[2]: 1.5 is outside [0, 1]"},
        SpaceCase{
            "DistillTemperatureZero",
            [](v1::SearchSpace*
                   s) { s->mutable_pruning()->add_distill_temperatures(0); },
            "space.pruning.distill_temperatures[1]: 0 must be above 0"},
        SpaceCase{"LowRankRatiosRange",
                  [](v1::SearchSpace*
                         s) { s->mutable_pruning()->add_low_rank_ratios(2); },
                  "space.pruning.low_rank_ratios[1]: 2 is outside [0, 1]"},
        SpaceCase{"QuantizeDuplicate",
                  [](v1::SearchSpace*
                         s) { s->mutable_pruning()->add_quantize_int8(false); },
                  "space.pruning.quantize_int8[1]: duplicate of "
                  "space.pruning.quantize_int8[0]"}),
    [](const ::testing::TestParamInfo<SpaceCase>& info) {
      return info.param.name;
    });

TEST(ValidateSearchSpace, DefaultSpaceIsValidForEveryMode) {
  for (const InputSpec& input :
       {InputSpec{}, InputSpec{.channels = 3, .height = 32, .width = 32}}) {
    for (auto mode : {v1::SEARCH_MODE_JOINT, v1::SEARCH_MODE_ARCHITECTURE_ONLY,
                      v1::SEARCH_MODE_PRUNING_ONLY}) {
      FieldErrors errors;
      ValidateSearchSpace(DefaultSearchSpace(input), mode, "space", &errors);
      EXPECT_TRUE(errors.ok()) << errors.ToStatus();
    }
  }
}

TEST(ValidateSearchSpace, ModeSelectsTheCheckedParts) {
  v1::SearchSpace space = DefaultSearchSpace({});
  space.clear_operators();
  space.mutable_pruning()->clear_criteria();
  FieldErrors arch_only, pruning_only;
  ValidateSearchSpace(space, v1::SEARCH_MODE_ARCHITECTURE_ONLY, "space",
                      &arch_only);
  ValidateSearchSpace(space, v1::SEARCH_MODE_PRUNING_ONLY, "space",
                      &pruning_only);
  EXPECT_EQ(arch_only.ToStatus().message(),
            "space.operators: must not be empty");
  EXPECT_EQ(pruning_only.ToStatus().message(),
            "space.pruning.criteria: must not be empty");
}

// --- Genomes inside a scope
// ---------------------------------------------------

SearchScope RichScope() {
  SearchScope scope;
  scope.space = DefaultSearchSpace({});
  // Make RichGenome a member: it has an MBConv with expansion 1.
  scope.space.add_expansions(1);
  return scope;
}

struct ScopeCase {
  std::string name;
  std::function<void(v1::Genome*, SearchScope*)> edit;
  std::string expected;
  friend void PrintTo(const ScopeCase& c, std::ostream* os) { *os << c.name; }
};

class ValidateScopeRule : public ::testing::TestWithParam<ScopeCase> {};

TEST_P(ValidateScopeRule, TripsWithFieldPath) {
  SearchScope scope = RichScope();
  v1::Genome genome = PrunedRichGenome();
  ASSERT_TRUE(ValidateGenomeInScope(genome, scope).ok())
      << ValidateGenomeInScope(genome, scope);
  GetParam().edit(&genome, &scope);
  const absl::Status status = ValidateGenomeInScope(genome, scope);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find(GetParam().expected), std::string::npos)
      << "got: " << status.message();
}

INSTANTIATE_TEST_SUITE_P(
    Rules, ValidateScopeRule,
    ::testing::Values(
        ScopeCase{"InvalidGenome",
                  [](v1::Genome* g, SearchScope*) {
                    g->mutable_arch()->mutable_stem()->set_kernel(2);
                  },
                  "arch.stem.kernel: 2 not in {3, 5, 7}"},
        ScopeCase{"StemChannels",
                  [](v1::Genome*, SearchScope* s) {
                    s->space.set_stem_channels(2, 20);
                  },
                  "arch.stem.channels: 16 not in {8, 12, 20, 24}"},
        ScopeCase{"StemKernel",
                  [](v1::Genome* g, SearchScope*) {
                    g->mutable_arch()->mutable_stem()->set_kernel(5);
                  },
                  "arch.stem.kernel: 5 not in {3}"},
        ScopeCase{"StemActivation",
                  [](v1::Genome*, SearchScope* s) {
                    s->space.set_activations(0, v1::ACTIVATION_SILU);
                  },
                  "arch.stem.activation: ACTIVATION_RELU not in "
                  "{ACTIVATION_SILU, ACTIVATION_RELU6"},
        ScopeCase{
            "StageCount",
            [](v1::Genome*, SearchScope* s) { s->space.set_min_stages(4); },
            "arch.stages: has 3 entries; allowed [4, 4]"},
        ScopeCase{"StageChannels",
                  [](v1::Genome*, SearchScope* s) {
                    s->space.mutable_stages(0)->set_channels(1, 20);
                  },
                  "arch.stages[0].channels: 16 not in {8, 20, 24, 32}"},
        ScopeCase{"StageDownsample",
                  [](v1::Genome* g, SearchScope*) {
                    g->mutable_arch()->mutable_stages(0)->set_downsample(
                        v1::DOWNSAMPLE_MAX_POOL);
                  },
                  "arch.stages[0].downsample: DOWNSAMPLE_MAX_POOL not in "
                  "{DOWNSAMPLE_NONE}"},
        ScopeCase{"BlockCount",
                  [](v1::Genome*, SearchScope* s) {
                    s->space.mutable_stages(1)->set_max_blocks(1);
                  },
                  "arch.stages[1].blocks: has 2 entries; allowed [1, 1]"},
        ScopeCase{"BlockOp",
                  [](v1::Genome*, SearchScope* s) {
                    s->space.mutable_operators()->RemoveLast();
                  },
                  "arch.stages[1].blocks[0].op: OPERATOR_MBCONV not in"},
        ScopeCase{"BlockKernel",
                  [](v1::Genome* g, SearchScope*) {
                    BlockOf(g, 2, 0)->set_kernel(7);
                  },
                  "arch.stages[2].blocks[0].kernel: 7 not in {3, 5}"},
        ScopeCase{
            "BlockExpansion",
            [](v1::Genome* g, SearchScope*) {
              BlockOf(g, 1, 0)->set_expansion(8);
            },
            "arch.stages[1].blocks[0].expansion: 8 not in {2, 3, 4, 6, 1}"},
        ScopeCase{
            "BlockActivation",
            [](v1::Genome*, SearchScope* s) {
              s->space.mutable_activations()->RemoveLast();
            },
            "arch.stages[2].blocks[0].activation: ACTIVATION_SILU not in"},
        ScopeCase{"BlockSqueezeExcite",
                  [](v1::Genome*, SearchScope* s) {
                    s->space.clear_squeeze_excite();
                  },
                  "arch.stages[1].blocks[0].squeeze_excite: true not in "
                  "{false}"},
        ScopeCase{"BlockResidualWhereAllowed",
                  [](v1::Genome*, SearchScope* s) {
                    s->space.clear_residual();
                    s->space.add_residual(false);
                  },
                  "arch.stages[0].blocks[0].residual: true not in {false}"},
        ScopeCase{"HeadHidden",
                  [](v1::Genome* g, SearchScope*) {
                    g->mutable_arch()->mutable_head()->set_hidden_units(32);
                  },
                  "arch.head.hidden_units: 32 not in {0, 64, 128}"},
        ScopeCase{"HeadActivation",
                  [](v1::Genome*, SearchScope* s) {
                    s->space.mutable_activations()->erase(
                        s->space.mutable_activations()->begin());
                  },
                  "arch.head.activation: ACTIVATION_RELU not in"},
        ScopeCase{"HeadDropout",
                  [](v1::Genome* g, SearchScope*) {
                    g->mutable_arch()->mutable_head()->set_dropout(0.15);
                  },
                  "arch.head.dropout: 0.15 not in {0, 0.1, 0.2}"},
        ScopeCase{"Criterion",
                  [](v1::Genome* g, SearchScope*) {
                    g->mutable_pruning()->set_criterion(
                        v1::IMPORTANCE_CRITERION_RANDOM);
                  },
                  "pruning.criterion: IMPORTANCE_CRITERION_RANDOM not in"},
        ScopeCase{"KeepRatioOffGrid",
                  [](v1::Genome* g, SearchScope*) {
                    (*g->mutable_pruning()->mutable_keep_ratios())["stem"] =
                        0.3;
                  },
                  "pruning.keep_ratios[\"stem\"]: 0.3 is outside [0.25, 1] in "
                  "steps of 0.125"},
        ScopeCase{"KeepRatioUnlistedOutsideRange",
                  [](v1::Genome* g, SearchScope* s) {
                    s->space.mutable_pruning()->mutable_keep_ratio()->set_max(
                        0.75);
                    g->mutable_pruning()->mutable_keep_ratios()->erase("stem");
                  },
                  "pruning.keep_ratios[\"stem\"]: 1 (not listed) is outside "
                  "[0.25, 0.75]"},
        ScopeCase{"KeepRatioNotUniform",
                  [](v1::Genome*, SearchScope* s) {
                    s->space.mutable_pruning()->set_uniform_keep_ratio(true);
                  },
                  "differs from the other groups' 0.5; the space asks for one "
                  "uniform ratio"},
        ScopeCase{"IterativeSteps",
                  [](v1::Genome* g, SearchScope*) {
                    g->mutable_pruning()->set_iterative_steps(5);
                  },
                  "pruning.iterative_steps: 5 not in {1, 2, 3}"},
        ScopeCase{"FinetuneEpochs",
                  [](v1::Genome* g, SearchScope*) {
                    g->mutable_pruning()->set_finetune_epochs(9);
                  },
                  "pruning.finetune_epochs: 9 not in {1, 2, 3}"},
        ScopeCase{"DistillWeight",
                  [](v1::Genome* g, SearchScope*) {
                    g->mutable_pruning()->set_distill_weight(0.25);
                  },
                  "pruning.distill_weight: 0.25 not in {0, 0.5}"},
        ScopeCase{"DistillTemperature",
                  [](v1::Genome* g, SearchScope*) {
                    g->mutable_pruning()->set_distill_weight(0.5);
                    g->mutable_pruning()->set_distill_temperature(2);
                  },
                  "pruning.distill_temperature: 2 not in {4}"},
        ScopeCase{"LowRankRatio",
                  [](v1::Genome* g, SearchScope*) {
                    g->mutable_pruning()->mutable_low_rank()->set_rank_ratio(
                        0.5);
                  },
                  "pruning.low_rank.rank_ratio: 0.5 not in {0}"},
        ScopeCase{"LowRankEnergy",
                  [](v1::Genome* g, SearchScope*) {
                    g->mutable_pruning()->mutable_low_rank()->set_energy(0.9);
                  },
                  "pruning.low_rank.energy: energy-based rank selection is "
                  "not searched"},
        ScopeCase{
            "Quantize",
            [](v1::Genome* g,
               SearchScope*) { g->mutable_pruning()->set_quantize_int8(true); },
            "pruning.quantize_int8: true not in {false}"},
        ScopeCase{
            "ArchitectureOnlyPrunes",
            [](v1::Genome*,
               SearchScope* s) { s->mode = v1::SEARCH_MODE_ARCHITECTURE_ONLY; },
            "pruning: must be empty in an architecture-only job"},
        ScopeCase{"PruningOnlyOtherArchitecture",
                  [](v1::Genome*, SearchScope* s) {
                    s->mode = v1::SEARCH_MODE_PRUNING_ONLY;
                    *s->base_architecture.mutable_stem() =
                        TinyGenome().arch().stem();
                    *s->base_architecture.mutable_stages() =
                        RichGenome().arch().stages();
                  },
                  "arch: must equal the job's base_architecture in a "
                  "pruning-only job"}),
    [](const ::testing::TestParamInfo<ScopeCase>& info) {
      return info.param.name;
    });

TEST(ValidateGenomeInScope, PruningOnlyAcceptsTheBaseArchitecture) {
  SearchScope scope = RichScope();
  scope.mode = v1::SEARCH_MODE_PRUNING_ONLY;
  scope.base_architecture = RichGenome().arch();
  scope.space.clear_operators();  // Architecture choices are not consulted.
  EXPECT_TRUE(ValidateGenomeInScope(PrunedRichGenome(), scope).ok());
}

TEST(ValidateGenomeInScope, UnprunedGenomeNeedsNoCriterionOrSteps) {
  SearchScope scope = RichScope();
  scope.space.mutable_pruning()->clear_iterative_steps();
  scope.space.mutable_pruning()->add_iterative_steps(2);
  v1::Genome genome = RichGenome();
  genome.mutable_pruning()->set_finetune_epochs(1);
  EXPECT_TRUE(ValidateGenomeInScope(genome, scope).ok())
      << ValidateGenomeInScope(genome, scope);
}

}  // namespace
}  // namespace nasprune::genome
