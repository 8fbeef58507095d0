#ifndef NASPRUNE_CLI_MODEL_DOWNLOAD_H_
#define NASPRUNE_CLI_MODEL_DOWNLOAD_H_

// Downloading an exported model through the NasController API
// (DownloadModel), the one routine the CLI's `export` and the integration
// tests use: chunks are written as they arrive (common/artifacts'
// FileWriter), the size and SHA-256 the first chunk announces are checked,
// and only a whole, verified file appears under the path.

#include <chrono>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "nasprune/v1/controller.grpc.pb.h"

namespace nasprune::cli {

struct DownloadedModel {
  int64_t bytes = 0;
  std::string sha256;
};

// Writes the exported model of `trial_id` to `path`. The controller's
// status on failure (FAILED_PRECONDITION for a trial without a model,
// NOT_FOUND for an unknown one); DATA_LOSS when the bytes do not match what
// was announced; UNAVAILABLE when `path` cannot be written. Nothing is left
// at `path` on failure.
absl::StatusOr<DownloadedModel> DownloadModel(
    v1::NasController::StubInterface& stub, const std::string& trial_id,
    const std::string& path,
    std::chrono::milliseconds deadline = std::chrono::minutes(10));

}  // namespace nasprune::cli

#endif  // NASPRUNE_CLI_MODEL_DOWNLOAD_H_
