#include "common/jobspec/job_spec.h"

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "common/canonical/canonical.h"
#include "common/genome/default_space.h"
#include "common/genome/sampler.h"
#include "common/genome/validate.h"
#include "common/jobspec/load_job_spec.h"
#include "gtest/gtest.h"

namespace nasprune::jobspec {
namespace {

using v1::JobSpec;

JobSpec Minimal() {
  JobSpec spec;
  spec.set_name("t");
  spec.mutable_dataset()->set_name("fashion-mnist");
  return spec;
}

JobSpec Prepared() {
  JobSpec spec = Minimal();
  ApplyJobDefaults(&spec);
  return spec;
}

TEST(ApplyJobDefaults, FillsEveryDocumentedDefault) {
  const JobSpec spec = Prepared();
  EXPECT_EQ(spec.mode(), v1::SEARCH_MODE_JOINT);
  EXPECT_EQ(spec.dataset().format(), v1::DATASET_FORMAT_IDX);
  EXPECT_EQ(spec.dataset().shape().height(), 28);
  EXPECT_EQ(spec.dataset().num_classes(), 10);
  EXPECT_DOUBLE_EQ(spec.dataset().validation_fraction(), 0.1);
  EXPECT_EQ(CanonicalText(spec.space()),
            CanonicalText(genome::DefaultSearchSpace({})));
  EXPECT_EQ(spec.strategy().evolution().population_size(), 64);
  EXPECT_EQ(spec.strategy().evolution().sample_size(), 16);
  ASSERT_EQ(spec.objectives_size(), 1);
  EXPECT_EQ(spec.objectives(0).metric(), v1::METRIC_ACCURACY);
  EXPECT_EQ(spec.budget().max_trials(), 100);
  EXPECT_EQ(spec.budget().max_failed_trials(), 100);
  EXPECT_EQ(spec.recipe().optimizer(), v1::OPTIMIZER_SGD);
  EXPECT_DOUBLE_EQ(spec.recipe().learning_rate(), 0.1);
  EXPECT_DOUBLE_EQ(spec.recipe().momentum(), 0.9);
  EXPECT_TRUE(spec.recipe().nesterov());
  EXPECT_DOUBLE_EQ(spec.recipe().weight_decay(), 5e-4);
  EXPECT_EQ(spec.recipe().batch_size(), 128);
  EXPECT_EQ(spec.recipe().epochs(), 10);
  EXPECT_EQ(spec.recipe().schedule(), v1::LR_SCHEDULE_COSINE);
  EXPECT_TRUE(spec.recipe().mixed_precision());
  EXPECT_EQ(spec.multi_fidelity().method(), v1::MULTI_FIDELITY_METHOD_NONE);
  EXPECT_EQ(spec.multi_fidelity().reduction_factor(), 3);
  EXPECT_EQ(spec.export_().top_k(), 3);
  EXPECT_TRUE(spec.export_().evaluate_test_split());
  EXPECT_TRUE(ValidateJobSpec(spec).ok()) << ValidateJobSpec(spec);
}

TEST(ApplyJobDefaults, IsIdempotent) {
  JobSpec once = Prepared();
  JobSpec twice = once;
  ApplyJobDefaults(&twice);
  EXPECT_EQ(CanonicalText(once), CanonicalText(twice));
}

TEST(ApplyJobDefaults, KeepsExplicitZeros) {
  JobSpec spec = Minimal();
  spec.mutable_recipe()->set_momentum(0);
  spec.mutable_recipe()->set_nesterov(false);
  spec.mutable_export_()->set_top_k(0);
  spec.mutable_strategy()->mutable_nsga2()->set_crossover_probability(0);
  ApplyJobDefaults(&spec);
  EXPECT_EQ(spec.recipe().momentum(), 0);
  EXPECT_FALSE(spec.recipe().nesterov());
  EXPECT_EQ(spec.export_().top_k(), 0);
  EXPECT_EQ(spec.strategy().nsga2().crossover_probability(), 0);
  EXPECT_EQ(spec.strategy().nsga2().mutation_probability(), 1);
}

TEST(ApplyJobDefaults, AdamWAndAshaDefaults) {
  JobSpec spec = Minimal();
  spec.mutable_recipe()->set_optimizer(v1::OPTIMIZER_ADAMW);
  spec.mutable_recipe()->set_epochs(27);
  spec.mutable_multi_fidelity()->set_method(v1::MULTI_FIDELITY_METHOD_ASHA);
  ApplyJobDefaults(&spec);
  EXPECT_DOUBLE_EQ(spec.recipe().learning_rate(), 0.002);
  EXPECT_DOUBLE_EQ(spec.recipe().weight_decay(), 0.05);
  EXPECT_DOUBLE_EQ(spec.multi_fidelity().max_resource(), 27);
  EXPECT_DOUBLE_EQ(spec.multi_fidelity().min_resource(), 3);
  EXPECT_TRUE(spec.multi_fidelity().continue_promotions());

  // Promotions continue by default only when they add epochs.
  JobSpec subset = Minimal();
  subset.mutable_multi_fidelity()->set_resource(
      v1::FIDELITY_RESOURCE_TRAIN_SUBSET);
  ApplyJobDefaults(&subset);
  EXPECT_TRUE(subset.multi_fidelity().has_continue_promotions());
  EXPECT_FALSE(subset.multi_fidelity().continue_promotions());
}

TEST(ApplyJobDefaults, RgbDatasetGetsTheRgbSpace) {
  JobSpec spec = Minimal();
  spec.mutable_dataset()->set_name("cifar10");
  ApplyJobDefaults(&spec);
  EXPECT_EQ(spec.dataset().shape().channels(), 3);
  EXPECT_EQ(CanonicalText(spec.space()),
            CanonicalText(genome::DefaultSearchSpace(
                {.channels = 3, .height = 32, .width = 32})));
}

TEST(LoadJobSpec, EveryExampleAndBenchSpecLoadsAndItsScopeSamples) {
  int loaded = 0;
  std::vector<std::filesystem::directory_entry> entries;
  for (const char* dir : {"examples", "bench/search_quality"}) {
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
      entries.push_back(entry);
    }
  }
  for (const auto& entry : entries) {
    const std::string ext = entry.path().extension().string();
    if (ext != ".yaml" && ext != ".json") continue;
    const auto spec = LoadJobSpec(entry.path().string());
    ASSERT_TRUE(spec.ok()) << spec.status();
    auto sampler = genome::GenomeSampler::Create({.scope = ScopeOf(*spec)});
    ASSERT_TRUE(sampler.ok()) << entry.path() << ": " << sampler.status();
    Rng rng(0);
    const v1::Genome genome = (*sampler)->Sample(rng);
    EXPECT_TRUE(genome::ValidateGenomeInScope(genome, ScopeOf(*spec)).ok());
    ++loaded;
  }
  EXPECT_GE(loaded, 6);
}

TEST(LoadJobSpec, ExampleValuesArrive) {
  const auto spec = LoadJobSpec("examples/pruning-only.yaml");
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->mode(), v1::SEARCH_MODE_PRUNING_ONLY);
  EXPECT_EQ(spec->base_architecture().stages(1).downsample(),
            v1::DOWNSAMPLE_MAX_POOL);
  EXPECT_EQ(spec->space().pruning().criteria_size(), 3);
  EXPECT_DOUBLE_EQ(spec->objectives(1).target(), 2e6);
  EXPECT_DOUBLE_EQ(spec->objectives(1).weight(), 0.07);
}

// Writes `text` to a temporary file and loads it.
absl::StatusOr<JobSpec> LoadText(const std::string& text,
                                 const LoadOptions& options = {}) {
  const std::string path =
      (std::filesystem::temp_directory_path() / "nasprune_load_job.yaml")
          .string();
  std::FILE* f = std::fopen(path.c_str(), "w");
  std::fputs(text.c_str(), f);
  std::fclose(f);
  absl::StatusOr<JobSpec> spec = LoadJobSpec(path, options);
  std::remove(path.c_str());
  return spec;
}

TEST(LoadJobSpec, EveryProblemOnePerLineInFileOrder) {
  const auto spec = LoadText(
      "name: t\nrecipe: {epochs: 0, batch_size: 100000}\nseed: -3\n"
      "dataset: {name: fashion-mnist}\nobjectives: [{metric: acuracy}]\n");
  ASSERT_EQ(spec.status().code(), absl::StatusCode::kInvalidArgument);
  const std::vector<std::string> lines =
      absl::StrSplit(spec.status().message(), '\n');
  ASSERT_EQ(lines.size(), 3u) << spec.status().message();
  EXPECT_NE(lines[0].find(":2:21: recipe.batch_size: 100000 is outside"),
            std::string::npos)
      << lines[0];
  EXPECT_NE(lines[1].find(":3:7: seed: \"-3\" is not a non-negative"),
            std::string::npos)
      << lines[1];
  // The malformed metric hides what would follow from it ("objectives:
  // must include accuracy").
  EXPECT_NE(lines[2].find(":5:23: objectives[0].metric: \"acuracy\""),
            std::string::npos)
      << lines[2];
}

TEST(LoadJobSpec, WhatOnlyFollowsFromAMalformedValueIsNotReported) {
  // The default epochs (10) is a guess once epochs is malformed; a mode
  // that is not one leaves base_architecture's check to a guess too; a
  // misspelled key is not also reported as the missing field it was meant
  // to be.
  const auto spec = LoadText(
      "name: t\nmode: prune_only\ndataset: {nmae: fashion-mnist}\n"
      "recipe: {epochs: 20x, warmup_epochs: 12}\n"
      "base_architecture: {stem: {channels: 8, kernel: 3}}\n");
  ASSERT_FALSE(spec.ok());
  const std::string message(spec.status().message());
  const std::vector<std::string> lines = absl::StrSplit(message, '\n');
  ASSERT_EQ(lines.size(), 3u) << message;
  EXPECT_NE(lines[0].find("mode: \"prune_only\" is not one of"),
            std::string::npos);
  EXPECT_NE(lines[1].find("dataset.nmae: unknown field; did you mean "
                          "\"name\"?"),
            std::string::npos);
  EXPECT_NE(lines[2].find("recipe.epochs: \"20x\" is not an integer"),
            std::string::npos);
}

TEST(LoadJobSpec, AnIndependentProblemBesideAMalformedValueIsReported) {
  const auto spec = LoadText(
      "name: t\ndataset: {name: fashion-mnist}\n"
      "objectives: [{metric: acuracy, weight: 20}]\n");
  ASSERT_FALSE(spec.ok());
  const std::string message(spec.status().message());
  EXPECT_NE(message.find("objectives[0].metric: \"acuracy\""),
            std::string::npos);
  EXPECT_NE(message.find("objectives[0].weight: 20 is outside"),
            std::string::npos)
      << message;
}

TEST(LoadJobSpec, AnEmptyFileIsOneProblem) {
  const auto spec = LoadText("# nothing yet\n");
  ASSERT_FALSE(spec.ok());
  EXPECT_EQ(std::string(spec.status().message()).find('\n'), std::string::npos)
      << spec.status();
  EXPECT_NE(spec.status().message().find("is empty"), std::string::npos);
  const auto list = LoadText("- a\n- b\n");
  EXPECT_EQ(std::string(list.status().message()).find("name: must be set"),
            std::string::npos)
      << list.status();
}

TEST(LoadJobSpec, ProblemsOfUnsetFieldsComeLastWithoutAPosition) {
  const auto spec = LoadText("seed: 1\n");
  ASSERT_FALSE(spec.ok());
  const std::vector<std::string> lines =
      absl::StrSplit(spec.status().message(), '\n');
  ASSERT_EQ(lines.size(), 2u) << spec.status().message();
  EXPECT_NE(lines[0].find("nasprune_load_job.yaml: name: must be set"),
            std::string::npos);
  EXPECT_NE(lines[1].find("nasprune_load_job.yaml: dataset.name: must be set"),
            std::string::npos);
}

TEST(LoadJobSpec, CompleteDatasetHookFillsAndReports) {
  LoadOptions options;
  options.complete_dataset = [](v1::DatasetSpec* d, FieldErrors* errors) {
    d->set_format(v1::DATASET_FORMAT_IDX);
    d->mutable_shape()->set_channels(1);
    d->mutable_shape()->set_height(8);
    d->mutable_shape()->set_width(8);
    d->set_num_classes(4);
    if (d->validation_subset() == 7) errors->Add("dataset.path", "disagrees");
  };
  const auto filled =
      LoadText("name: t\ndataset: {name: mine, path: /data/mine}\n", options);
  ASSERT_TRUE(filled.ok()) << filled.status();
  EXPECT_EQ(filled->dataset().num_classes(), 4);
  EXPECT_EQ(filled->dataset().shape().height(), 8);
  const auto reported = LoadText(
      "name: t\ndataset: {name: mine, path: /data/mine, validation_subset: "
      "7}\n",
      options);
  EXPECT_NE(reported.status().message().find(":2:23: dataset.path: disagrees"),
            std::string::npos)
      << reported.status();
}

TEST(LoadJobSpec, SemanticErrorsNameFileAndField) {
  const std::string path =
      (std::filesystem::temp_directory_path() / "nasprune_bad_job.yaml")
          .string();
  {
    std::FILE* f = std::fopen(path.c_str(), "w");
    std::fputs(
        "name: Bad_Name\ndataset: {name: fashion-mnist}\n"
        "recipe: {epochs: 0, batch_size: 100000}\n",
        f);
    std::fclose(f);
  }
  const auto spec = LoadJobSpec(path);
  std::remove(path.c_str());
  ASSERT_EQ(spec.status().code(), absl::StatusCode::kInvalidArgument);
  const std::string message(spec.status().message());
  EXPECT_EQ(message.rfind(path + ":1:1: name: ", 0), 0u) << message;
  EXPECT_NE(message.find("name: \"Bad_Name\" must be"), std::string::npos);
  EXPECT_NE(message.find("recipe.batch_size: 100000 is outside [1, 65536]"),
            std::string::npos);
}

struct Case {
  std::string name;
  std::function<void(JobSpec*)> edit;
  std::string expected;
  friend void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }
};

class ValidateJobSpecRule : public ::testing::TestWithParam<Case> {};

TEST_P(ValidateJobSpecRule, TripsWithFieldPath) {
  JobSpec spec = Prepared();
  ASSERT_TRUE(ValidateJobSpec(spec).ok());
  GetParam().edit(&spec);
  const absl::Status status = ValidateJobSpec(spec);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find(GetParam().expected), std::string::npos)
      << "expected: " << GetParam().expected << "\ngot: " << status.message();
}

v1::Objective* AddObjective(JobSpec* s, v1::Metric metric) {
  auto* o = s->add_objectives();
  o->set_metric(metric);
  o->set_weight(0.07);
  return o;
}

INSTANTIATE_TEST_SUITE_P(
    Rules, ValidateJobSpecRule,
    ::testing::Values(
        Case{"NameMissing", [](JobSpec* s) { s->clear_name(); },
             "name: must be set"},
        Case{"NameCharacters", [](JobSpec* s) { s->set_name("My job"); },
             "name: \"My job\" must be 1 to 63 of [a-z0-9-]"},
        Case{"NameTooLong",
             [](JobSpec* s) { s->set_name(std::string(64, 'a')); },
             "must be 1 to 63"},
        Case{"NameStartsWithDigit", [](JobSpec* s) { s->set_name("1job"); },
             "starting with a letter"},
        Case{"ModeUnknown",
             [](JobSpec* s) { s->set_mode(static_cast<v1::SearchMode>(9)); },
             "mode: 9 is not a valid SearchMode"},
        Case{"DatasetNameMissing",
             [](JobSpec* s) { s->mutable_dataset()->clear_name(); },
             "dataset.name: must be set (built in: fashion-mnist, mnist, "
             "cifar10"},
        Case{"DatasetUnknownWithoutPath",
             [](JobSpec* s) { s->mutable_dataset()->set_name("imagenet"); },
             "dataset.name: \"imagenet\" is not built in"},
        Case{"DatasetPathRelative",
             [](JobSpec* s) { s->mutable_dataset()->set_path("data/x"); },
             "dataset.path: \"data/x\" must be absolute"},
        Case{"DatasetFormatMissing",
             [](JobSpec* s) {
               s->mutable_dataset()->set_name("mine");
               s->mutable_dataset()->set_path("/data/mine");
               s->mutable_dataset()->clear_format();
             },
             "dataset.format: must be set for a data set that is not built in"},
        Case{"DatasetShapeMissing",
             [](JobSpec* s) {
               s->mutable_dataset()->set_name("mine");
               s->mutable_dataset()->set_path("/data/mine");
               s->mutable_dataset()->clear_shape();
             },
             "dataset.shape: must be set"},
        Case{"DatasetShapeRange",
             [](JobSpec* s) {
               s->mutable_dataset()->set_name("mine");
               s->mutable_dataset()->set_path("/data/mine");
               s->mutable_dataset()->mutable_shape()->set_height(5000);
             },
             "dataset.shape.height: 5000 is outside [1, 1024]"},
        Case{"DatasetShapeConflictsWithKnown",
             [](JobSpec* s) {
               s->mutable_dataset()->mutable_shape()->set_channels(3);
             },
             "dataset.shape: fashion-mnist images are 1x28x28, not 3x28x28"},
        Case{"DatasetFormatConflictsWithKnown",
             [](JobSpec* s) {
               s->mutable_dataset()->set_format(
                   v1::DATASET_FORMAT_CIFAR10_BINARY);
             },
             "dataset.format: fashion-mnist is stored as DATASET_FORMAT_IDX"},
        Case{"DatasetClassesConflictWithKnown",
             [](JobSpec* s) { s->mutable_dataset()->set_num_classes(100); },
             "dataset.num_classes: fashion-mnist has 10 classes, not 100"},
        Case{"DatasetClassesRange",
             [](JobSpec* s) { s->mutable_dataset()->set_num_classes(1); },
             "dataset.num_classes: 1 is outside [2, 256]"},
        Case{"DatasetClassesOverOneLabelByte",
             [](JobSpec* s) {
               s->mutable_dataset()->set_name("mine");
               s->mutable_dataset()->set_path("/data/mine");
               s->mutable_dataset()->set_format(v1::DATASET_FORMAT_IDX);
               s->mutable_dataset()->set_num_classes(1000);
             },
             "dataset.num_classes: 1000 is over 256: IDX and CIFAR-10 files "
             "store each label in one byte"},
        Case{"DatasetCustomNeedsClasses",
             [](JobSpec* s) {
               s->mutable_dataset()->set_name("mine");
               s->mutable_dataset()->set_path("/data/mine");
               s->mutable_dataset()->set_num_classes(0);
             },
             "dataset.num_classes: must be set for a data set that is not "
             "built in"},
        Case{"DatasetCifarBinaryIs3x32x32",
             [](JobSpec* s) {
               auto* d = s->mutable_dataset();
               d->set_name("mine");
               d->set_path("/data/mine");
               d->set_format(v1::DATASET_FORMAT_CIFAR10_BINARY);
               d->mutable_shape()->set_channels(1);
               d->mutable_shape()->set_height(64);
               d->mutable_shape()->set_width(64);
               d->set_num_classes(10);
             },
             "dataset.shape: cifar10_binary records hold 3x32x32 images, not "
             "1x64x64"},
        Case{"DatasetNameSuggestsTheBuiltIn",
             [](JobSpec* s) { s->mutable_dataset()->set_name("Fashion-MNIST"); },
             "give dataset.path for it; did you mean \"fashion-mnist\"?"},
        Case{"ValidationFractionZero",
             [](JobSpec* s) {
               s->mutable_dataset()->set_validation_fraction(-0.0);
             },
             "dataset.validation_fraction: 0 is outside (0, 0.5]"},
        Case{"ValidationFractionLarge",
             [](JobSpec* s) {
               s->mutable_dataset()->set_validation_fraction(0.7);
             },
             "dataset.validation_fraction: 0.7 is outside (0, 0.5]"},
        Case{"TrainSubsetNegative",
             [](JobSpec* s) { s->mutable_dataset()->set_train_subset(-5); },
             "dataset.train_subset: -5 is outside [0, 1000000000]"},
        Case{"ValidationSubsetNegative",
             [](JobSpec* s) { s->mutable_dataset()->set_validation_subset(-1); },
             "dataset.validation_subset: -1 is outside"},
        Case{"SpaceInvalid",
             [](JobSpec* s) { s->mutable_space()->clear_operators(); },
             "space.operators: must not be empty"},
        Case{"BaseArchitectureMissing",
             [](JobSpec* s) { s->set_mode(v1::SEARCH_MODE_PRUNING_ONLY); },
             "base_architecture: must be set for a pruning_only job"},
        Case{"BaseArchitectureInvalid",
             [](JobSpec* s) {
               s->set_mode(v1::SEARCH_MODE_PRUNING_ONLY);
               s->mutable_base_architecture()->mutable_stem()->set_kernel(2);
             },
             "base_architecture.stem.kernel: 2 not in {3, 5, 7}"},
        Case{"BaseArchitectureInJointJob",
             [](JobSpec* s) { s->mutable_base_architecture(); },
             "base_architecture: only a pruning_only job takes"},
        Case{"StrategyMissing",
             [](JobSpec* s) { s->clear_strategy(); },
             "strategy: must name one of random, evolution, nsga2, reinforce"},
        Case{"EvolutionPopulation",
             [](JobSpec* s) {
               s->mutable_strategy()->mutable_evolution()->set_population_size(1);
             },
             "strategy.evolution.population_size: 1 is outside [2, 100000]"},
        Case{"EvolutionSampleSize",
             [](JobSpec* s) {
               s->mutable_strategy()->mutable_evolution()->set_sample_size(65);
             },
             "strategy.evolution.sample_size: 65 is outside [1, 64]"},
        Case{"EvolutionCrossover",
             [](JobSpec* s) {
               s->mutable_strategy()
                   ->mutable_evolution()
                   ->set_crossover_probability(1.5);
             },
             "strategy.evolution.crossover_probability: 1.5 is outside [0, 1]"},
        Case{"Nsga2Population",
             [](JobSpec* s) {
               s->mutable_strategy()->mutable_nsga2()->set_population_size(2);
               s->mutable_strategy()->mutable_nsga2()->set_crossover_probability(0.9);
               s->mutable_strategy()->mutable_nsga2()->set_mutation_probability(1);
             },
             "strategy.nsga2.population_size: 2 is outside [4, 100000]"},
        Case{"Nsga2Probabilities",
             [](JobSpec* s) {
               auto* n = s->mutable_strategy()->mutable_nsga2();
               n->set_population_size(8);
               n->set_crossover_probability(-1);
               n->set_mutation_probability(2);
             },
             "strategy.nsga2.crossover_probability: -1 is outside [0, 1]; "
             "strategy.nsga2.mutation_probability: 2 is outside [0, 1]"},
        Case{"ReinforceLearningRate",
             [](JobSpec* s) {
               auto* r = s->mutable_strategy()->mutable_reinforce();
               r->set_batch_size(8);
               r->set_hidden_size(8);
               r->set_baseline_decay(0.5);
             },
             "strategy.reinforce.learning_rate: must be above 0"},
        Case{"ReinforceRanges",
             [](JobSpec* s) {
               auto* r = s->mutable_strategy()->mutable_reinforce();
               r->set_learning_rate(0.1);
               r->set_batch_size(0);
               r->set_entropy_weight(2);
               r->set_baseline_decay(1);
               r->set_hidden_size(5000);
             },
             "strategy.reinforce.batch_size: 0 is outside [1, 1024]; "
             "strategy.reinforce.entropy_weight: 2 is outside [0, 1]; "
             "strategy.reinforce.baseline_decay: must be below 1; "
             "strategy.reinforce.hidden_size: 5000 is outside [1, 1024]"},
        Case{"ObjectivesEmpty", [](JobSpec* s) { s->clear_objectives(); },
             "objectives: must not be empty"},
        Case{"ObjectiveMetricUnset",
             [](JobSpec* s) { s->add_objectives(); },
             "objectives[1].metric: 0 is not a valid Metric"},
        Case{"ObjectiveDuplicate",
             [](JobSpec* s) { AddObjective(s, v1::METRIC_ACCURACY); },
             "objectives[1].metric: METRIC_ACCURACY is listed twice"},
        Case{"ObjectiveWithoutAccuracy",
             [](JobSpec* s) {
               s->mutable_objectives(0)->set_metric(v1::METRIC_PARAMS);
               s->mutable_objectives(0)->set_target(1000);
             },
             "objectives: must include accuracy"},
        Case{"ObjectiveWeight",
             [](JobSpec* s) {
               AddObjective(s, v1::METRIC_MACS)->set_weight(11);
               s->mutable_objectives(1)->set_target(5);
             },
             "objectives[1].weight: 11 is outside [0, 10]"},
        Case{"ObjectiveTarget",
             [](JobSpec* s) { AddObjective(s, v1::METRIC_MACS)->set_target(-1); },
             "objectives[1].target: -1 is outside [0, 1e+15]"},
        Case{"CostObjectiveNeedsTargetForEvolution",
             [](JobSpec* s) { AddObjective(s, v1::METRIC_PARAMS); },
             "objectives[1].target: must be above 0: a single-objective "
             "strategy"},
        Case{"MaxParams",
             [](JobSpec* s) { s->mutable_constraints()->set_max_params(-1); },
             "constraints.max_params: -1 is outside"},
        Case{"MaxMacs",
             [](JobSpec* s) { s->mutable_constraints()->set_max_macs(-1); },
             "constraints.max_macs: -1 is outside"},
        Case{"MaxLatency",
             [](JobSpec* s) {
               s->mutable_constraints()->set_max_latency_ms(-2);
             },
             "constraints.max_latency_ms: -2 is outside [0, 1e+06]"},
        Case{"MaxModelBytes",
             [](JobSpec* s) {
               s->mutable_constraints()->set_max_model_bytes(-1);
             },
             "constraints.max_model_bytes: -1 is outside"},
        Case{"MaxTrials",
             [](JobSpec* s) { s->mutable_budget()->set_max_trials(0); },
             "budget.max_trials: 0 is outside [1, 10000000]"},
        Case{"MaxWallSeconds",
             [](JobSpec* s) { s->mutable_budget()->set_max_wall_seconds(-1); },
             "budget.max_wall_seconds: -1 is outside"},
        Case{"MaxFailedTrials",
             [](JobSpec* s) { s->mutable_budget()->set_max_failed_trials(-1); },
             "budget.max_failed_trials: -1 is outside"},
        Case{"Optimizer",
             [](JobSpec* s) {
               s->mutable_recipe()->set_optimizer(v1::OPTIMIZER_UNSPECIFIED);
             },
             "recipe.optimizer: 0 is not a valid Optimizer"},
        Case{"LearningRateZero",
             [](JobSpec* s) { s->mutable_recipe()->set_learning_rate(0); },
             "recipe.learning_rate: must be above 0"},
        Case{"LearningRateLarge",
             [](JobSpec* s) { s->mutable_recipe()->set_learning_rate(20); },
             "recipe.learning_rate: 20 is outside [0, 10]"},
        Case{"Momentum",
             [](JobSpec* s) { s->mutable_recipe()->set_momentum(1); },
             "recipe.momentum: must be below 1"},
        Case{"WeightDecay",
             [](JobSpec* s) { s->mutable_recipe()->set_weight_decay(-1); },
             "recipe.weight_decay: -1 is outside [0, 1]"},
        Case{"BatchSize",
             [](JobSpec* s) { s->mutable_recipe()->set_batch_size(0); },
             "recipe.batch_size: 0 is outside [1, 65536]"},
        Case{"Epochs", [](JobSpec* s) { s->mutable_recipe()->set_epochs(1001); },
             "recipe.epochs: 1001 is outside [1, 1000]"},
        Case{"WarmupNotBelowEpochs",
             [](JobSpec* s) { s->mutable_recipe()->set_warmup_epochs(10); },
             "recipe.warmup_epochs: 10 must be below epochs (10)"},
        Case{"WarmupNegative",
             [](JobSpec* s) { s->mutable_recipe()->set_warmup_epochs(-1); },
             "recipe.warmup_epochs: -1 is outside"},
        Case{"Schedule",
             [](JobSpec* s) {
               s->mutable_recipe()->set_schedule(v1::LR_SCHEDULE_UNSPECIFIED);
             },
             "recipe.schedule: 0 is not a valid LrSchedule"},
        Case{"LabelSmoothing",
             [](JobSpec* s) { s->mutable_recipe()->set_label_smoothing(0.5); },
             "recipe.label_smoothing: must be below 0.5"},
        Case{"FinetuneLrScale",
             [](JobSpec* s) { s->mutable_recipe()->set_finetune_lr_scale(2); },
             "recipe.finetune_lr_scale: 2 is outside [0, 1]"},
        Case{"FinetuneLrScaleZero",
             [](JobSpec* s) { s->mutable_recipe()->set_finetune_lr_scale(-0.0); },
             "recipe.finetune_lr_scale: must be above 0"},
        Case{"MaxTrialSeconds",
             [](JobSpec* s) { s->mutable_recipe()->set_max_trial_seconds(-1); },
             "recipe.max_trial_seconds: -1 is outside"},
        Case{"MultiFidelityMethod",
             [](JobSpec* s) {
               s->mutable_multi_fidelity()->set_method(
                   v1::MULTI_FIDELITY_METHOD_UNSPECIFIED);
             },
             "multi_fidelity.method: 0 is not a valid MultiFidelityMethod"},
        Case{"MultiFidelityResource",
             [](JobSpec* s) {
               s->mutable_multi_fidelity()->set_resource(
                   static_cast<v1::FidelityResource>(7));
             },
             "multi_fidelity.resource: 7 is not a valid FidelityResource"},
        Case{"ReductionFactor",
             [](JobSpec* s) { s->mutable_multi_fidelity()->set_reduction_factor(1); },
             "multi_fidelity.reduction_factor: 1 is outside [2, 16]"},
        Case{"GraceEpochs",
             [](JobSpec* s) {
               s->mutable_multi_fidelity()->set_median_grace_epochs(-1);
             },
             "multi_fidelity.median_grace_epochs: -1 is outside"},
        Case{"ReproducibleWindowRange",
             [](JobSpec* s) {
               s->mutable_strategy()->set_reproducible_window(1025);
             },
             "strategy.reproducible_window: 1025 is outside [0, 1024]"},
        Case{"ReproducibleWindowWithMedianStopping",
             [](JobSpec* s) {
               s->mutable_strategy()->set_reproducible_window(4);
               s->mutable_multi_fidelity()->set_median_stopping(true);
             },
             "strategy.reproducible_window: cannot be used with "
             "multi_fidelity.median_stopping"},
        Case{"ScreeningCandidatesOne",
             [](JobSpec* s) {
               s->mutable_strategy()->mutable_screening()->set_candidates(1);
             },
             "strategy.screening.candidates: 1 is outside [2, 64]"},
        Case{"ScreeningCandidatesMany",
             [](JobSpec* s) {
               s->mutable_strategy()->mutable_screening()->set_candidates(65);
             },
             "strategy.screening.candidates: 65 is outside [2, 64]"},
        Case{"ScreeningWithRandomSearch",
             [](JobSpec* s) {
               s->mutable_strategy()->mutable_random();
               s->mutable_strategy()->mutable_screening()->set_candidates(8);
             },
             "strategy.screening: screens evolution and nsga2 proposals only"},
        Case{"ScreeningWithReinforce",
             [](JobSpec* s) {
               s->mutable_strategy()->mutable_reinforce();
               s->mutable_strategy()->mutable_screening()->set_candidates(8);
             },
             "strategy.screening: screens evolution and nsga2 proposals only"},
        Case{"ScreeningMinObservations",
             [](JobSpec* s) {
               s->mutable_strategy()->mutable_screening()->set_min_observations(
                   1);
             },
             "strategy.screening.min_observations: 1 is outside [2, 10000]"},
        Case{"ScreeningExploration",
             [](JobSpec* s) {
               s->mutable_strategy()->mutable_screening()->set_exploration(11);
             },
             "strategy.screening.exploration: 11 is outside [0, 10]"},
        Case{"ScreeningCostWeight",
             [](JobSpec* s) {
               s->mutable_strategy()->mutable_screening()->set_cost_weight(-0.1);
             },
             "strategy.screening.cost_weight: -0.1 is outside [0, 1]"},
        Case{"ScreeningAccuracyEvery",
             [](JobSpec* s) {
               s->mutable_strategy()->mutable_screening()->set_accuracy_every(
                   65);
             },
             "strategy.screening.accuracy_every: 65 is outside [0, 64]"},
        Case{"InheritWeightsWithRandomSearch",
             [](JobSpec* s) {
               s->mutable_strategy()->mutable_random();
               s->mutable_strategy()->set_inherit_weights(true);
             },
             "strategy.inherit_weights: applies to evolution and nsga2 "
             "children only"},
        Case{"InheritWeightsWithReinforce",
             [](JobSpec* s) {
               s->mutable_strategy()->mutable_reinforce();
               s->mutable_strategy()->set_inherit_weights(true);
             },
             "strategy.inherit_weights: applies to evolution and nsga2 "
             "children only"},
        Case{"InheritWeightsWithoutKeptModels",
             [](JobSpec* s) {
               s->mutable_strategy()->mutable_nsga2();
               s->mutable_strategy()->set_inherit_weights(true);
               s->mutable_export_()->set_retain_models(
                   v1::MODEL_RETENTION_NONE);
             },
             "strategy.inherit_weights: children start from their parent's "
             "kept model, so export.retain_models must not be NONE"},
        Case{"ContinuePromotionsNeedEpochs",
             [](JobSpec* s) {
               s->mutable_multi_fidelity()->set_resource(
                   v1::FIDELITY_RESOURCE_TRAIN_SUBSET);
               s->mutable_multi_fidelity()->set_continue_promotions(true);
             },
             "multi_fidelity.continue_promotions: needs resource epochs"},
        Case{"MaxResourceAboveEpochs",
             [](JobSpec* s) { s->mutable_multi_fidelity()->set_max_resource(11); },
             "multi_fidelity.max_resource: 11 is outside [0, 10]"},
        Case{"MinResourceMissing",
             [](JobSpec* s) {
               s->mutable_multi_fidelity()->set_method(
                   v1::MULTI_FIDELITY_METHOD_ASHA);
               s->mutable_multi_fidelity()->set_resource(
                   v1::FIDELITY_RESOURCE_TRAIN_SUBSET);
             },
             "multi_fidelity.min_resource: must be set"},
        Case{"MinResourceAboveMax",
             [](JobSpec* s) {
               s->mutable_multi_fidelity()->set_method(
                   v1::MULTI_FIDELITY_METHOD_SUCCESSIVE_HALVING);
               s->mutable_multi_fidelity()->set_max_resource(9);
               s->mutable_multi_fidelity()->set_min_resource(10);
             },
             "multi_fidelity.min_resource: 10 is outside [1, 9]"},
        Case{"MaxParallel", [](JobSpec* s) { s->set_max_parallel(-1); },
             "max_parallel: -1 is outside [0, 100000]"},
        Case{"ExportTopK",
             [](JobSpec* s) { s->mutable_export_()->set_top_k(1001); },
             "export.top_k: 1001 is outside [0, 1000]"}),
    [](const ::testing::TestParamInfo<Case>& info) { return info.param.name; });

TEST(PrepareJobSpec, ReportsEveryProblemAtOnce) {
  JobSpec spec = Minimal();
  spec.set_name("");
  spec.mutable_recipe()->set_batch_size(-1);
  const auto prepared = PrepareJobSpec(spec);
  ASSERT_FALSE(prepared.ok());
  EXPECT_NE(prepared.status().message().find("name: must be set"),
            std::string::npos);
  EXPECT_NE(prepared.status().message().find("recipe.batch_size"),
            std::string::npos);
}

// One mistake, one error: a default derived from a bad value is not
// reported as a second mistake; one the user set is.
TEST(PrepareJobSpec, ADerivedFieldIsReportedOnlyWhenTheUserSetIt) {
  struct Case {
    std::string name;
    std::function<void(JobSpec*)> change;
    std::string reported;
    std::vector<std::string> not_reported;
  };
  const std::vector<Case> cases = {
      {"EpochsBelowOne",
       [](JobSpec* s) { s->mutable_recipe()->set_epochs(-1); },
       "recipe.epochs: -1 is outside [1, 1000]",
       {"multi_fidelity"}},
      {"EpochsWithAsha",
       [](JobSpec* s) {
         s->mutable_recipe()->set_epochs(-1);
         s->mutable_multi_fidelity()->set_method(
             v1::MULTI_FIDELITY_METHOD_ASHA);
       },
       "recipe.epochs: -1 is outside [1, 1000]",
       {"multi_fidelity"}},
      {"MaxTrialsBelowOne",
       [](JobSpec* s) { s->mutable_budget()->set_max_trials(-1); },
       "budget.max_trials: -1 is outside [1, 10000000]",
       {"budget.max_failed_trials"}},
      {"MaxTrialsAboveTheMaximum",
       [](JobSpec* s) { s->mutable_budget()->set_max_trials(20000000); },
       "budget.max_trials: 20000000 is outside",
       {"budget.max_failed_trials"}},
      {"BothSetBothBad",
       [](JobSpec* s) {
         s->mutable_budget()->set_max_trials(-1);
         s->mutable_budget()->set_max_failed_trials(-2);
       },
       "budget.max_failed_trials: -2 is outside",
       {}},
  };
  for (const Case& c : cases) {
    JobSpec spec = Minimal();
    c.change(&spec);
    const absl::Status status = PrepareJobSpec(spec).status();
    ASSERT_FALSE(status.ok()) << c.name;
    EXPECT_NE(status.message().find(c.reported), std::string::npos)
        << c.name << ": " << status;
    for (const std::string& field : c.not_reported) {
      EXPECT_EQ(status.message().find(field), std::string::npos)
          << c.name << ": " << status;
    }
  }
}

TEST(FindKnownDataset, KnowsTheBuiltIns) {
  ASSERT_NE(FindKnownDataset("fashion-mnist"), nullptr);
  EXPECT_STREQ(FindKnownDataset("fashion-mnist")->default_path,
               "/usr/share/datasets/fashion-mnist");
  EXPECT_EQ(FindKnownDataset("cifar10")->channels, 3);
  EXPECT_EQ(FindKnownDataset("Fashion-MNIST"), nullptr);
}

}  // namespace
}  // namespace nasprune::jobspec
