// The Evaluator contract (worker/evaluator/evaluator.h), run against both
// implementations: the LibTorch pipeline on the toy IDX set, and the
// synthetic evaluator. Each test is one clause of the contract.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/artifacts/artifacts.h"
#include "common/status/evaluation_outcome.h"
#include "gtest/gtest.h"
#include "tests/worker/testing/data_files.h"
#include "tests/worker/testing/toy_request.h"
#include "worker/evaluator/evaluator.h"
#include "worker/evaluator/libtorch_evaluator.h"
#include "worker/synthetic/synthetic_evaluator.h"

namespace nasprune::worker {
namespace {

using testing::TempDir;

struct Implementation {
  std::string name;
  // An evaluator reading the toy set under `data` and publishing models in
  // `artifacts`.
  std::function<std::unique_ptr<Evaluator>(const TempDir& data,
                                           const std::string& artifacts)>
      make;
};

std::vector<Implementation> Implementations() {
  return {
      {"LibTorch",
       [](const TempDir& data, const std::string& artifacts) {
         return std::make_unique<LibTorchEvaluator>(testing::OptionsFor(data),
                                                    artifacts);
       }},
      {"Synthetic",
       [](const TempDir&, const std::string&) {
         // Some wall time per epoch, so that there is a "while it runs".
         return std::make_unique<SyntheticEvaluator>(
             SyntheticOptions{.delay = std::chrono::milliseconds(300)});
       }},
  };
}

class EvaluatorContract : public ::testing::TestWithParam<int> {
 protected:
  EvaluatorContract() {
    std::filesystem::create_directories(data_.File("toy"));
    testing::WriteToyIdx(data_.File("toy"), 300, 8, 8, 4, false);
    std::filesystem::create_directories(data_.File("artifacts"));
    evaluator_ =
        Implementations()[GetParam()].make(data_, data_.File("artifacts"));
  }

  absl::StatusOr<v1::EvaluationResult> Run(
      const v1::EvaluateRequest& request,
      std::vector<v1::TrialProgress>* progress = nullptr) {
    return evaluator_->Evaluate(
        request,
        [&](const v1::TrialProgress& p) {
          if (progress != nullptr) progress->push_back(p);
        },
        canceller_);
  }

  TempDir data_;
  std::unique_ptr<Evaluator> evaluator_;
  Canceller canceller_;
};

TEST_P(EvaluatorContract, AResultCarriesTheKeyFidelityAndVersion) {
  v1::EvaluateRequest request = testing::ToyRequest(3);
  request.set_cache_key("key-1");
  request.mutable_fidelity()->set_epochs(2);
  absl::StatusOr<v1::EvaluationResult> result = Run(request);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->cache_key(), "key-1");
  EXPECT_EQ(result->fidelity().epochs(), 2);
  EXPECT_EQ(result->evaluator_version(), evaluator_->info().version);
  EXPECT_FALSE(result->evaluator_version().empty());
  EXPECT_EQ(result->synthetic(), evaluator_->info().synthetic);
  EXPECT_GT(result->params(), 0);
  EXPECT_GT(result->val_accuracy(), 0);
}

TEST_P(EvaluatorContract, ProgressReportsEachTrainingEpochInOrder) {
  std::vector<v1::TrialProgress> progress;
  ASSERT_TRUE(Run(testing::ToyRequest(3), &progress).ok());
  std::vector<int> epochs;
  for (const v1::TrialProgress& p : progress) {
    EXPECT_EQ(p.trial_id(), "job-0/1");
    if (p.has_epoch() && p.phase() == v1::PHASE_TRAIN) {
      epochs.push_back(p.epoch().epoch());
      EXPECT_EQ(p.total_epochs(), 3);
      EXPECT_GT(p.epoch().val_accuracy(), 0);
    }
  }
  EXPECT_EQ(epochs, (std::vector<int>{1, 2, 3}));
}

TEST_P(EvaluatorContract, AnInvalidGenomeIsADeterministicInvalidArgument) {
  v1::EvaluateRequest request = testing::ToyRequest(1);
  request.mutable_genome()->mutable_arch()->mutable_stem()->set_channels(0);
  const absl::Status status = Run(request).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_TRUE(IsDeterministicFailure(status.code()));
}

TEST_P(EvaluatorContract, CancelledBeforeItStartsItEndsCancelled) {
  canceller_.Cancel();
  const absl::Status status = Run(testing::ToyRequest(3)).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kCancelled) << status;
  EXPECT_FALSE(IsDeterministicFailure(status.code()));
}

TEST_P(EvaluatorContract, CancelledWhileItRunsItEndsCancelledWithinAStep) {
  // Cancelled at its first epoch: an evaluator that ignored it would train
  // every one of the 40 and return a result.
  std::vector<int> epochs_after_cancel;
  bool cancelled = false;
  absl::StatusOr<v1::EvaluationResult> result = evaluator_->Evaluate(
      testing::ToyRequest(40),
      [&](const v1::TrialProgress& p) {
        if (!p.has_epoch()) return;
        if (cancelled) epochs_after_cancel.push_back(p.epoch().epoch());
        if (!cancelled) {
          cancelled = true;
          canceller_.Cancel();
        }
      },
      canceller_);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kCancelled)
      << result.status();
  EXPECT_LE(epochs_after_cancel.size(), 1u);
}

TEST_P(EvaluatorContract, AnExportedModelIsPublishedUnderItsDigest) {
  v1::EvaluateRequest request = testing::ToyRequest(1);
  request.set_export_model(true);
  absl::StatusOr<v1::EvaluationResult> result = Run(request);
  ASSERT_TRUE(result.ok()) << result.status();
  if (evaluator_->info().synthetic) {
    // The synthetic evaluator trains nothing and so exports nothing.
    EXPECT_TRUE(result->artifact_sha256().empty());
    return;
  }
  ASSERT_EQ(result->artifact_sha256().size(), 64u);
  EXPECT_TRUE(
      artifacts::Has(data_.File("artifacts"), result->artifact_sha256()));
  EXPECT_TRUE(artifacts::ReadVerified(data_.File("artifacts"),
                                      result->artifact_sha256())
                  .ok());
  // Nothing half-written is left behind.
  for (const auto& entry :
       std::filesystem::directory_iterator(data_.File("artifacts"))) {
    EXPECT_EQ(entry.path().filename().string().rfind(".tmp-", 0),
              std::string::npos)
        << entry.path();
  }
}

INSTANTIATE_TEST_SUITE_P(
    Both, EvaluatorContract,
    ::testing::Range(0, static_cast<int>(Implementations().size())),
    [](const auto& info) { return Implementations()[info.param].name; });

}  // namespace
}  // namespace nasprune::worker
