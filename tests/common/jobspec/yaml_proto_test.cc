#include "common/jobspec/yaml_proto.h"

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "gtest/gtest.h"
#include "nasprune/v1/genome.pb.h"
#include "nasprune/v1/job.pb.h"

namespace nasprune {
namespace {

using ::nasprune::v1::Genome;
using ::nasprune::v1::JobSpec;

template <typename T>
absl::Status Parse(const std::string& text, T* message) {
  return ParseYamlToMessage(text, "job.yaml", message);
}

void ExpectError(const absl::Status& status, const std::string& expected) {
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find(expected), std::string::npos)
      << "expected: " << expected << "\ngot: " << status.message();
}

TEST(ParseYamlToMessage, NestedMessagesListsMapsAndEnums) {
  Genome genome;
  ASSERT_TRUE(Parse(R"(
arch:
  stem: {channels: 16, kernel: 3, activation: relu}
  stages:
    - channels: 32
      downsample: stride2
      blocks:
        - {op: mbconv, kernel: 5, expansion: 4, activation: hard-swish,
           squeeze_excite: true}
  head: {hidden_units: 64, activation: ACTIVATION_SILU, dropout: 0.25}
pruning:
  criterion: bn_scale
  keep_ratios: {stem: 0.5, "stages[0].blocks[0]": 0.75}
  lowRank: {rankRatio: 0.5}
)",
                    &genome)
                  .ok());
  EXPECT_EQ(genome.arch().stem().channels(), 16);
  EXPECT_EQ(genome.arch().stages(0).downsample(), v1::DOWNSAMPLE_STRIDE2);
  const auto& block = genome.arch().stages(0).blocks(0);
  EXPECT_EQ(block.op(), v1::OPERATOR_MBCONV);
  EXPECT_EQ(block.activation(), v1::ACTIVATION_HARD_SWISH);
  EXPECT_TRUE(block.squeeze_excite());
  EXPECT_EQ(genome.arch().head().activation(), v1::ACTIVATION_SILU);
  EXPECT_DOUBLE_EQ(genome.arch().head().dropout(), 0.25);
  EXPECT_EQ(genome.pruning().criterion(), v1::IMPORTANCE_CRITERION_BN_SCALE);
  EXPECT_DOUBLE_EQ(genome.pruning().keep_ratios().at("stages[0].blocks[0]"),
                   0.75);
  EXPECT_DOUBLE_EQ(genome.pruning().low_rank().rank_ratio(), 0.5);
}

TEST(ParseYamlToMessage, AcceptsJson) {
  JobSpec spec;
  ASSERT_TRUE(Parse(R"({"name": "x", "budget": {"maxTrials": 5},
                        "seed": 18446744073709551615})",
                    &spec)
                  .ok());
  EXPECT_EQ(spec.budget().max_trials(), 5);
  EXPECT_EQ(spec.seed(), 18446744073709551615ULL);
}

TEST(ParseYamlToMessage, IntegralRealsFitIntegerFields) {
  JobSpec spec;
  ASSERT_TRUE(Parse("constraints: {max_macs: 2e7}", &spec).ok());
  EXPECT_EQ(spec.constraints().max_macs(), 20000000);
}

TEST(ParseYamlToMessage, EmptyValueLeavesScalarUnsetAndSelectsMessage) {
  JobSpec spec;
  ASSERT_TRUE(Parse("name:\nstrategy:\n  random:\n", &spec).ok());
  EXPECT_EQ(spec.name(), "");
  EXPECT_EQ(spec.strategy().kind_case(), v1::StrategySpec::kRandom);
}

TEST(ParseYamlToMessage, UnknownFieldSuggestsTheClosestName) {
  Genome genome;
  ExpectError(Parse("arch:\n  stages:\n    - chanels: 3\n", &genome),
              "job.yaml:3:7: arch.stages[0].chanels: unknown field; did you "
              "mean \"channels\"?");
}

TEST(ParseYamlToMessage, UnknownFieldWithoutCloseMatchListsFields) {
  Genome genome;
  ExpectError(Parse("wings: 2\n", &genome),
              "wings: unknown field; Genome has arch, pruning");
}

TEST(ParseYamlToMessage, EveryErrorIsReported) {
  JobSpec spec;
  const absl::Status status =
      Parse("name: a\nbudgit: 1\nseed: -1\nmode: sideways\n", &spec);
  ExpectError(status, "budgit: unknown field");
  ExpectError(status, "seed: \"-1\" is not a non-negative integer");
  ExpectError(status,
              "mode: \"sideways\" is not one of joint, "
              "architecture_only, pruning_only");
  EXPECT_EQ(spec.name(), "");  // Nothing half-parsed.
}

TEST(ParseYamlToMessage, TypeErrors) {
  JobSpec spec;
  ExpectError(Parse("recipe: {epochs: ten}", &spec),
              "recipe.epochs: \"ten\" is not an integer");
  ExpectError(Parse("recipe: {epochs: 1.5}", &spec),
              "recipe.epochs: \"1.5\" is not an integer");
  ExpectError(Parse("recipe: {epochs: 3000000000}", &spec),
              "recipe.epochs: 3000000000 does not fit the field");
  ExpectError(Parse("recipe: {learning_rate: fast}", &spec),
              "recipe.learning_rate: \"fast\" is not a finite number");
  ExpectError(Parse("recipe: {learning_rate: .nan}", &spec),
              "recipe.learning_rate: \".nan\" is not a finite number");
  ExpectError(Parse("recipe: {augment: maybe}", &spec),
              "recipe.augment: \"maybe\" is not true or false");
  ExpectError(Parse("recipe: {optimizer: adam}", &spec),
              "recipe.optimizer: \"adam\" is not one of sgd, adamw");
  ExpectError(Parse("recipe: 3", &spec),
              "recipe: expected a mapping of TrainingRecipe fields, got \"3\"");
  ExpectError(Parse("objectives: {metric: accuracy}", &spec),
              "objectives: expected a list, got a mapping");
  ExpectError(Parse("name: [a, b]", &spec),
              "name: expected a single value, got a list");
  ExpectError(Parse("space: {kernels: [3, x]}", &spec),
              "space.kernels[1]: \"x\" is not an integer");
}

TEST(ParseYamlToMessage, OneofTakesOneMember) {
  JobSpec spec;
  ExpectError(Parse("strategy: {random: {}, evolution: {}}", &spec),
              "strategy.evolution: only one of random, evolution, nsga2, "
              "reinforce may be set; \"random\" is set already");
}

TEST(ParseYamlToMessage, FieldSetTwiceUnderTwoNames) {
  JobSpec spec;
  ExpectError(Parse("max_parallel: 1\nmaxParallel: 2\n", &spec),
              "maxParallel: set more than once");
}

TEST(ParseYamlToMessage, SyntaxErrorNamesTheLine) {
  JobSpec spec;
  ExpectError(Parse("name: a\nbudget: {max_trials: 3\n", &spec),
              "job.yaml:3:1: a '{' or '[' that is not closed");
}

TEST(ParseYamlToMessage, ParseErrorsNameTheCause) {
  JobSpec spec;
  ExpectError(Parse("name: a\ndataset:\n\tname: x\n", &spec),
              "job.yaml:3:1: a tab in the indentation; YAML indents with "
              "spaces only");
  ExpectError(Parse("name: a\n  seed: 1\n", &spec),
              "job.yaml:2:7: a 'key: value' where none can start");
  ExpectError(Parse("name: \"a\\q\"\n", &spec),
              "a backslash escape YAML does not know inside double quotes");
  ExpectError(
      Parse("objectives: [{metric: accuracy},, {metric: params}]\n", &spec),
      "job.yaml:1:33: objectives[1]: an empty entry (two commas in a "
      "row, or a '-' with nothing after it)");
  ExpectError(Parse("objectives:\n  -\n  - {metric: params}\n", &spec),
              "objectives[0]: an empty entry");
}

TEST(ParseYamlToMessage, BinaryInputIsNamedNotEchoed) {
  JobSpec spec;
  const absl::Status nul = Parse(std::string("name: a\0\x01\x02", 11), &spec);
  ExpectError(nul, "job.yaml: is a binary file (a NUL byte at offset 7)");
  EXPECT_EQ(nul.message().find('\0'), std::string::npos);
  ExpectError(Parse("name: caf\xe9\n", &spec),
              "job.yaml: is not UTF-8 text (byte 0xe9 at offset 9)");
  EXPECT_TRUE(Parse("name: caf\xc3\xa9\n", &spec).ok());  // UTF-8 é.
}

TEST(ParseYamlToMessage, EnumValuesSuggestTheClosest) {
  JobSpec spec;
  ExpectError(Parse("objectives: [{metric: acuracy}]", &spec),
              "did you mean \"accuracy\"?");
  ExpectError(Parse("objectives: [{metric: latency}]", &spec),
              "did you mean \"latency_ms\"?");
}

TEST(ParseYamlKeepGoing, KeepsWhatIsWellFormedWithPositions) {
  JobSpec spec;
  const ParseReport report = ParseYamlKeepGoing(
      "name: a\nseed: -1\nrecipe: {epochs: ten, batch_size: 32}\n", "job.yaml",
      &spec);
  EXPECT_TRUE(report.syntax_ok);
  ASSERT_EQ(report.problems.size(), 2u);
  EXPECT_EQ(report.problems[0].path, "seed");
  EXPECT_EQ(report.problems[0].at.line, 2);
  EXPECT_EQ(report.problems[1].path, "recipe.epochs");
  EXPECT_EQ(report.problems[1].text,
            "job.yaml:3:18: recipe.epochs: \"ten\" is not an integer");
  EXPECT_EQ(spec.name(), "a");
  EXPECT_EQ(spec.recipe().batch_size(), 32);
  EXPECT_EQ(spec.recipe().epochs(), 0);  // Left unset.
  EXPECT_EQ(report.PositionOf("recipe.batch_size").line, 3);
  EXPECT_EQ(report.PositionOf("recipe.batch_size").column, 23);
  // A field the file does not set takes its nearest enclosing field's place.
  EXPECT_EQ(report.PositionOf("recipe.momentum").line, 3);
  EXPECT_EQ(report.PositionOf("budget.max_trials").line, 0);
}

TEST(ParseYamlKeepGoing, AnEmptyEntryOfABoolListKeepsTheRest) {
  JobSpec spec;
  const ParseReport report = ParseYamlKeepGoing(
      "name: a\nspace: {squeeze_excite: [true,, false], residual: [x]}\n",
      "job.yaml", &spec);
  EXPECT_TRUE(report.syntax_ok);
  ASSERT_EQ(report.problems.size(), 2u);
  EXPECT_EQ(report.problems[0].path, "space.squeeze_excite[1]");
  EXPECT_NE(report.problems[0].text.find("an empty entry"), std::string::npos);
  EXPECT_EQ(report.problems[1].path, "space.residual[0]");
  EXPECT_EQ(spec.name(), "a");
  EXPECT_EQ(spec.space().squeeze_excite_size(), 3);
}

TEST(ParseYamlKeepGoing, UnknownFieldRecordsTheFieldItWasLikelyMeant) {
  JobSpec spec;
  const ParseReport report =
      ParseYamlKeepGoing("dataset: {nmae: x}\n", "job.yaml", &spec);
  ASSERT_EQ(report.problems.size(), 1u);
  EXPECT_EQ(report.problems[0].suggested_path, "dataset.name");
}

TEST(ParseYamlToMessage, TabsInJsonOrCommentsAreNotBlamed) {
  JobSpec spec;
  const absl::Status json =
      Parse("{\n\t\"name\": \"a\",\n\t\"seed\": [1\n}\n", &spec);
  EXPECT_FALSE(json.ok());
  EXPECT_EQ(json.message().find("a tab in the indentation"), std::string::npos)
      << json;
  const absl::Status far =
      Parse("name: a\n\t# a comment\nseed: 1\nx: [1\n", &spec);
  EXPECT_EQ(far.message().find("a tab in the indentation"), std::string::npos)
      << far;
}

TEST(ParseYamlKeepGoing, SyntaxErrorStopsEverything) {
  JobSpec spec;
  const ParseReport report =
      ParseYamlKeepGoing("name: [a\n", "job.yaml", &spec);
  EXPECT_FALSE(report.syntax_ok);
  ASSERT_EQ(report.problems.size(), 1u);
}

TEST(ParseYamlToMessage, EmptyDocumentIsAnError) {
  JobSpec spec;
  ExpectError(Parse("", &spec), "job.yaml: is empty");
  ExpectError(Parse("# only a comment\n", &spec), "job.yaml: is empty");
}

TEST(ParseYamlToMessage, TopLevelMustBeAMapping) {
  JobSpec spec;
  ExpectError(Parse("- a\n- b\n", &spec),
              "expected a mapping of JobSpec fields, got a list");
}

TEST(ReadTextFile, ErrorsNameThePath) {
  const auto missing = ReadTextFile("/nonexistent/job.yaml");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("/nonexistent/job.yaml"),
            std::string::npos);
  const auto dir = ReadTextFile("/tmp");
  EXPECT_EQ(dir.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(dir.status().message().find("is a directory"), std::string::npos);
}

TEST(ReadTextFile, RejectsOversizedFiles) {
  const std::string path =
      (std::filesystem::temp_directory_path() / "nasprune_big.yaml").string();
  {
    std::ofstream out(path);
    out << std::string(2000, 'x');
  }
  const auto big = ReadTextFile(path, /*max_bytes=*/1000);
  std::remove(path.c_str());
  EXPECT_EQ(big.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(big.status().message().find("over the limit of 1000"),
            std::string::npos);
}

TEST(ShortEnumName, DropsTheTypePrefix) {
  EXPECT_EQ(ShortEnumName(v1::Activation_descriptor()->FindValueByNumber(
                v1::ACTIVATION_HARD_SWISH)),
            "hard_swish");
  EXPECT_EQ(
      ShortEnumName(v1::ImportanceCriterion_descriptor()->FindValueByNumber(
          v1::IMPORTANCE_CRITERION_BN_SCALE)),
      "bn_scale");
}

}  // namespace
}  // namespace nasprune
