#include "cli/offline_commands.h"

#include <sstream>

#include "gtest/gtest.h"

namespace nasprune::cli {
namespace {

TEST(ValidateCommand, SummarizesAValidSpec) {
  std::ostringstream out;
  ASSERT_TRUE(
      ValidateCommand("examples/pruning-only.yaml", OutputFormat::kTable, out)
          .ok());
  EXPECT_NE(out.str().find("fashion-prune-2conv (pruning_only)"),
            std::string::npos)
      << out.str();
  EXPECT_NE(out.str().find("evolution (population 24, sample 6)"),
            std::string::npos);
}

TEST(ValidateCommand, JsonCarriesTheDefaults) {
  std::ostringstream out;
  ASSERT_TRUE(ValidateCommand("examples/architecture-only.json",
                              OutputFormat::kJson, out)
                  .ok());
  EXPECT_NE(out.str().find("\"validation_fraction\": 0.1"), std::string::npos)
      << out.str();
  EXPECT_NE(out.str().find("\"mode\": \"SEARCH_MODE_ARCHITECTURE_ONLY\""),
            std::string::npos);
}

TEST(ValidateCommand, MissingFileIsNotFound) {
  std::ostringstream out;
  const absl::Status status =
      ValidateCommand("examples/nope.yaml", OutputFormat::kTable, out);
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(out.str().empty());
}

TEST(SampleCommand, PrintsOneRowPerGenomeWithFeasibility) {
  std::ostringstream out;
  ASSERT_TRUE(SampleCommand("examples/fashion-mnist-joint.yaml", 20, 3,
                            OutputFormat::kTable, out)
                  .ok());
  int rows = 0, infeasible = 0;
  std::istringstream lines(out.str());
  std::string line;
  std::getline(lines, line);  // Header.
  while (std::getline(lines, line)) {
    ++rows;
    infeasible += line.ends_with(" no");
  }
  EXPECT_EQ(rows, 20);
  // The example caps params at 50k; the default space reaches beyond it.
  EXPECT_GT(infeasible, 0);
  EXPECT_LT(infeasible, 20);
}

TEST(SampleCommand, RejectsABadCount) {
  std::ostringstream out;
  EXPECT_EQ(SampleCommand("examples/fashion-mnist-joint.yaml", 0, 0,
                          OutputFormat::kTable, out)
                .code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(CostCommand, PrintsHandCheckedTotalsAndGroups) {
  std::ostringstream out;
  ASSERT_TRUE(CostCommand("examples/genomes/mbconv-small.yaml", 1, 28, 28, 10,
                          OutputFormat::kTable, out)
                  .ok());
  // The same genome as PrunedRichGenome in the genome tests: 8,794 params.
  EXPECT_NE(out.str().find("params   8794\n"), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("MACs     852608\n"), std::string::npos);
  EXPECT_NE(out.str().find("stages[1].blocks[0].expanded"), std::string::npos);
}

TEST(CostCommand, InvalidGenomeNamesFileAndField) {
  std::ostringstream out;
  const absl::Status status =
      CostCommand("examples/genomes/mbconv-small.yaml", 0, 28, 28, 10,
                  OutputFormat::kTable, out);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("mbconv-small.yaml: input.channels"),
            std::string::npos)
      << status.message();
}

}  // namespace
}  // namespace nasprune::cli
