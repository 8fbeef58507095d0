#include "common/status/evaluation_outcome.h"

#include "gtest/gtest.h"

namespace nasprune {
namespace {

v1::EvaluateEvent Failure(bool deterministic) {
  v1::EvaluateEvent event;
  event.mutable_failure()->set_code("INTERNAL");
  event.mutable_failure()->set_deterministic(deterministic);
  return event;
}

TEST(EvaluationOutcome, AResultSucceeds) {
  v1::EvaluateEvent event;
  event.mutable_result()->set_val_accuracy(0.5);
  EXPECT_EQ(ClassifyOutcome(event), EvaluationOutcome::kSucceeded);
}

TEST(EvaluationOutcome, AFailureIsDeterministicOnlyWhenMarkedSo) {
  EXPECT_EQ(ClassifyOutcome(Failure(true)),
            EvaluationOutcome::kDeterministicFailure);
  EXPECT_EQ(ClassifyOutcome(Failure(false)),
            EvaluationOutcome::kRetryableFailure);
}

TEST(EvaluationOutcome, AnEventWithNeitherResultNorFailureIsRetried) {
  EXPECT_EQ(ClassifyOutcome(v1::EvaluateEvent()),
            EvaluationOutcome::kRetryableFailure);
}

TEST(EvaluationOutcome, CallStatusesNameTheWorkersState) {
  EXPECT_EQ(ClassifyOutcome(absl::ResourceExhaustedError("all slots busy")),
            EvaluationOutcome::kWorkerBusy);
  EXPECT_EQ(ClassifyOutcome(absl::AlreadyExistsError("already running here")),
            EvaluationOutcome::kWorkerBusy);
  EXPECT_EQ(ClassifyOutcome(absl::UnavailableError("reset")),
            EvaluationOutcome::kWorkerLost);
  EXPECT_EQ(ClassifyOutcome(absl::DeadlineExceededError("late")),
            EvaluationOutcome::kRetryableFailure);
  EXPECT_EQ(ClassifyOutcome(absl::CancelledError("stopped")),
            EvaluationOutcome::kRetryableFailure);
}

TEST(EvaluationOutcome, DeterministicCodesAreTheGenomesFault) {
  EXPECT_TRUE(IsDeterministicFailure(absl::StatusCode::kInvalidArgument));
  EXPECT_TRUE(IsDeterministicFailure(absl::StatusCode::kResourceExhausted));
  EXPECT_TRUE(IsDeterministicFailure(absl::StatusCode::kDeadlineExceeded));
  EXPECT_FALSE(IsDeterministicFailure(absl::StatusCode::kInternal));
  EXPECT_FALSE(IsDeterministicFailure(absl::StatusCode::kFailedPrecondition));
  EXPECT_FALSE(IsDeterministicFailure(absl::StatusCode::kCancelled));
}

TEST(EvaluationOutcome, AFailureFromAStatusCarriesItsCanonicalCodeName) {
  const v1::TrialFailure failure = FailureFromStatus(
      absl::ResourceExhaustedError("out of memory"), "worker-1");
  EXPECT_EQ(failure.code(), "RESOURCE_EXHAUSTED");
  EXPECT_EQ(failure.message(), "out of memory");
  EXPECT_TRUE(failure.deterministic());
  EXPECT_EQ(failure.worker(), "worker-1");
  EXPECT_FALSE(
      FailureFromStatus(absl::InternalError("x"), "w").deterministic());
}

}  // namespace
}  // namespace nasprune
