#include "cli/model_download.h"

#include <memory>

#include "absl/strings/str_cat.h"
#include "common/artifacts/artifacts.h"
#include "common/status/grpc_status.h"
#include "grpcpp/client_context.h"

namespace nasprune::cli {

absl::StatusOr<DownloadedModel> DownloadModel(
    v1::NasController::StubInterface& stub, const std::string& trial_id,
    const std::string& path, std::chrono::milliseconds deadline) {
  absl::StatusOr<std::unique_ptr<artifacts::FileWriter>> writer =
      artifacts::FileWriter::Create(path);
  if (!writer.ok()) return writer.status();
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + deadline);
  v1::DownloadModelRequest request;
  request.set_trial_id(trial_id);
  std::unique_ptr<grpc::ClientReaderInterface<v1::ModelChunk>> reader =
      stub.DownloadModel(&context, request);
  int64_t total = -1;
  std::string sha256;
  v1::ModelChunk chunk;
  absl::Status written;
  while (reader->Read(&chunk)) {
    if (total < 0) {
      total = chunk.total_bytes();
      sha256 = chunk.sha256();
    }
    if (written.ok()) written = (*writer)->Append(chunk.data());
  }
  if (const grpc::Status s = reader->Finish(); !s.ok()) {
    return FromGrpcStatus(s);
  }
  if (!written.ok()) return written;
  if (sha256.empty()) {
    return absl::DataLossError(absl::StrCat("the model of ", trial_id,
                                            " arrived without its SHA-256"));
  }
  if (absl::Status s = (*writer)->Commit(total, sha256); !s.ok()) {
    return absl::Status(
        s.code(), absl::StrCat("the model of ", trial_id, ": ", s.message()));
  }
  return DownloadedModel{.bytes = (*writer)->bytes(),
                         .sha256 = (*writer)->sha256()};
}

}  // namespace nasprune::cli
