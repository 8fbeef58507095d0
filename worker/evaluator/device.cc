#include "worker/evaluator/device.h"

#include <c10/util/Exception.h>

#include <optional>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "worker/memory/device_memory.h"

namespace nasprune::worker {

absl::StatusOr<torch::Device> ParseDevice(const std::string& device) {
  std::optional<torch::Device> parsed;
  try {
    parsed.emplace(device);
  } catch (const c10::Error& e) {
    return absl::InvalidArgumentError(
        absl::StrCat("device \"", device, "\" is not a device (cpu, cuda:N)"));
  }
  if (parsed->is_cpu()) return *parsed;
  if (!parsed->is_cuda()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "device \"", device, "\": this worker runs on cpu or cuda[:N] only"));
  }
  if (!BuiltWithCuda()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "device \"", device,
        "\": this worker is built with LibTorch for the CPU; run the CUDA "
        "build (make build-cuda) or the CUDA worker image"));
  }
  if (!torch::cuda::is_available()) {
    return absl::FailedPreconditionError(
        absl::StrCat("device \"", device, "\": no CUDA device available"));
  }
  const int64_t count = static_cast<int64_t>(torch::cuda::device_count());
  if (parsed->has_index() && parsed->index() >= count) {
    return absl::FailedPreconditionError(
        absl::StrCat("device \"", device, "\": this machine has ", count,
                     " CUDA device(s), cuda:0 to cuda:", count - 1));
  }
  return *parsed;
}

bool NamesCudaDevice(const std::string& device) {
  return absl::StartsWith(device, "cuda");
}

}  // namespace nasprune::worker
