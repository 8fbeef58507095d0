#include "worker/evaluator/device.h"

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "worker/evaluator/libtorch_evaluator.h"
#include "worker/memory/device_memory.h"

namespace nasprune::worker {
namespace {

TEST(ParseDevice, AcceptsTheCpu) {
  auto device = ParseDevice("cpu");
  ASSERT_TRUE(device.ok()) << device.status();
  EXPECT_TRUE(device->is_cpu());
}

TEST(ParseDevice, RejectsWhatIsNotCpuOrCuda) {
  for (const char* bad : {"gpu7", "", "cuda:x", "mps", "meta"}) {
    auto device = ParseDevice(bad);
    EXPECT_EQ(device.status().code(), absl::StatusCode::kInvalidArgument)
        << bad;
    EXPECT_NE(device.status().message().find(absl::StrCat("\"", bad, "\"")),
              std::string::npos)
        << device.status();
  }
}

// A CUDA device is usable only with a CUDA build on a machine that has it;
// otherwise FAILED_PRECONDITION says which of the two is missing.
TEST(ParseDevice, ACudaDeviceNeedsTheCudaBuildAndTheDevice) {
  auto device = ParseDevice("cuda:0");
  if (BuiltWithCuda() && torch::cuda::is_available()) {
    ASSERT_TRUE(device.ok()) << device.status();
    EXPECT_TRUE(device->is_cuda());
  } else {
    EXPECT_EQ(device.status().code(), absl::StatusCode::kFailedPrecondition);
    const std::string expected = BuiltWithCuda()
                                     ? "no CUDA device available"
                                     : "built with LibTorch for the CPU";
    EXPECT_NE(device.status().message().find(expected), std::string::npos)
        << device.status();
  }
  auto missing = ParseDevice("cuda:99");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kFailedPrecondition)
      << missing.status();
}

TEST(DeviceMemory, BuiltWithCudaFollowsTheBuild) {
#ifdef NASPRUNE_WITH_CUDA
  EXPECT_TRUE(BuiltWithCuda());
#else
  EXPECT_FALSE(BuiltWithCuda());
#endif
  EXPECT_FALSE(QueryDeviceMemory(torch::Device("cpu")).has_value());
  ResetDevicePeak(torch::Device("cpu"));  // No-ops on the CPU.
  ReleaseDeviceCache();
}

// GPU and CPU results never share a cache key: the device type is part of
// the evaluator version a worker registers with.
TEST(EvaluatorVersion, SeparatesGpuFromCpu) {
  EXPECT_EQ(EvaluatorVersion("cpu"), kEvaluatorVersion);
  EXPECT_EQ(EvaluatorVersion("cuda:1"),
            std::string(kEvaluatorVersion) + "+cuda");
  EXPECT_EQ(EvaluatorVersion("cuda"), EvaluatorVersion("cuda:0"));
  LibTorchEvaluator cpu({.device = "cpu"}, "");
  EXPECT_EQ(cpu.info().version, kEvaluatorVersion);
  EXPECT_TRUE(cpu.Admit().ok());  // No device memory to run short of.
}

}  // namespace
}  // namespace nasprune::worker
