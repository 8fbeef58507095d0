#include "cli/output.h"

#include <sstream>

#include "gtest/gtest.h"
#include "nasprune/v1/controller.pb.h"
#include "nasprune/v1/job.pb.h"

namespace nasprune::cli {
namespace {

Table Sample() {
  return Table{
      .columns = {{"trial_id"}, {"val_accuracy"}, {"params"}, {"note"}},
      .rows = {{std::string("a/0"), 0.91234, int64_t{7066}, std::string("x")},
               {std::string("a/10"), Cell{}, int64_t{123},
                std::string("say \"hi\", twice")}}};
}

TEST(PrintTable, AlignsColumnsAndRightAlignsNumbers) {
  std::ostringstream out;
  PrintTable(Sample(), out);
  EXPECT_EQ(out.str(),
            "TRIAL_ID  VAL_ACCURACY  PARAMS  NOTE\n"
            "a/0             0.9123    7066  x\n"
            "a/10                 -     123  say \"hi\", twice\n");
}

TEST(PrintTable, VerticalPrintsOneFieldPerLine) {
  Table t = Sample();
  t.rows.resize(1);
  std::ostringstream out;
  PrintTable(t, out, /*vertical=*/true);
  EXPECT_EQ(out.str(),
            "trial_id:      a/0\n"
            "val_accuracy:  0.9123\n"
            "params:        7066\n"
            "note:          x\n");
}

TEST(PrintCsv, QuotesWhatNeedsItAndLeavesEmptyCellsEmpty) {
  std::ostringstream out;
  PrintCsv(Sample(), out);
  EXPECT_EQ(out.str(),
            "trial_id,val_accuracy,params,note\r\n"
            "a/0,0.91234,7066,x\r\n"
            "a/10,,123,\"say \"\"hi\"\", twice\"\r\n");
}

TEST(ToJson, WritesSixtyFourBitIntegersAsNumbersWhenExact) {
  v1::TrialRecord trial;
  trial.set_trial_id("j/3");
  trial.set_index(3);
  trial.mutable_result()->set_params(7066);
  trial.mutable_result()->set_macs(int64_t{1} << 53);
  trial.mutable_result()->set_model_bytes((int64_t{1} << 53) + 1);
  trial.mutable_fidelity()->set_train_subset(4096);
  trial.mutable_create_time()->set_seconds(1);
  const nlohmann::json json = ToJson(trial);
  EXPECT_EQ(json["index"], 3);
  EXPECT_TRUE(json["result"]["params"].is_number_integer());
  EXPECT_EQ(json["result"]["params"], 7066);
  EXPECT_EQ(json["result"]["macs"], int64_t{1} << 53);
  // Beyond 2^53 a double would round it: a string, as proto3 JSON has it.
  EXPECT_EQ(json["result"]["model_bytes"], "9007199254740993");
  EXPECT_EQ(json["fidelity"]["train_subset"], 4096);
  // Every field is present, zero or not; well-known types keep their form.
  EXPECT_EQ(json["attempts"], 0);
  EXPECT_EQ(json["create_time"], "1970-01-01T00:00:01Z");
  EXPECT_EQ(json["state"], "TRIAL_STATE_UNSPECIFIED");
}

TEST(ToJson, ReachesIntoRepeatedMessages) {
  v1::ListJobsResponse response;
  v1::JobStatus* job = response.add_jobs();
  job->set_last_sequence(42);
  job->mutable_spec()->mutable_budget()->set_max_wall_seconds(3600);
  const nlohmann::json json = ToJson(response);
  EXPECT_EQ(json["jobs"][0]["last_sequence"], 42);
  EXPECT_EQ(json["jobs"][0]["spec"]["budget"]["max_wall_seconds"], 3600);
}

}  // namespace
}  // namespace nasprune::cli
