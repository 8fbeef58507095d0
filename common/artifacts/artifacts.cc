#include "common/artifacts/artifacts.h"

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <system_error>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace nasprune::artifacts {
namespace {

constexpr size_t kReadChunk = 1 << 20;

void RemoveQuietly(const std::string& path) {
  std::error_code ignored;
  std::filesystem::remove(path, ignored);
}

}  // namespace

std::string PathFor(absl::string_view dir, absl::string_view sha256) {
  return absl::StrCat(dir, "/", sha256, ".pt");
}

std::string TemporaryPath(absl::string_view dir, absl::string_view trial_id,
                          int attempt) {
  static std::atomic<int64_t> calls{0};
  std::string safe(trial_id);
  for (char& c : safe) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return absl::StrCat(dir, "/.tmp-", safe, "-", attempt, "-", getpid(), "-",
                      calls.fetch_add(1), ".pt");
}

absl::StatusOr<std::string> FileSha256(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::error_code error;
    if (!std::filesystem::exists(path, error)) {
      return absl::NotFoundError(absl::StrCat(path, ": no such file"));
    }
    return absl::UnavailableError(absl::StrCat(path, ": cannot be read"));
  }
  Sha256Stream hash;
  std::string buffer(kReadChunk, '\0');
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    hash.Update(absl::string_view(buffer.data(), in.gcount()));
  }
  if (in.bad()) {
    return absl::UnavailableError(absl::StrCat(path, ": read error"));
  }
  return hash.FinishHex();
}

absl::StatusOr<std::string> Publish(const std::string& dir,
                                    const std::string& temporary,
                                    const std::string& expected_sha256) {
  absl::StatusOr<std::string> digest = FileSha256(temporary);
  if (!digest.ok()) {
    RemoveQuietly(temporary);
    return absl::InternalError(
        absl::StrCat("cannot publish the model: ", digest.status().message()));
  }
  if (!expected_sha256.empty() && *digest != expected_sha256) {
    RemoveQuietly(temporary);
    return absl::DataLossError(
        absl::StrCat(temporary, " has SHA-256 ", *digest, ", not ",
                     expected_sha256, ": it changed after it was scored"));
  }
  const std::string target = PathFor(dir, *digest);
  std::error_code error;
  std::filesystem::rename(temporary, target, error);
  if (error) {
    RemoveQuietly(temporary);
    return absl::InternalError(absl::StrCat("cannot move ", temporary, " to ",
                                            target, ": ", error.message()));
  }
  return digest;
}

bool Has(absl::string_view dir, absl::string_view sha256) {
  if (dir.empty() || sha256.empty()) return false;
  std::error_code error;
  return std::filesystem::is_regular_file(PathFor(dir, sha256), error);
}

absl::Status Remove(absl::string_view dir, absl::string_view sha256) {
  if (dir.empty() || sha256.empty()) return absl::OkStatus();
  const std::string path = PathFor(dir, sha256);
  std::error_code error;
  std::filesystem::remove(path, error);
  if (error) {
    return absl::UnavailableError(
        absl::StrCat(path, ": cannot remove: ", error.message()));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadVerified(absl::string_view dir,
                                         absl::string_view sha256) {
  const std::string path = PathFor(dir, sha256);
  if (!Has(dir, sha256)) {
    return absl::NotFoundError(absl::StrCat(path, ": no such archive"));
  }
  std::ifstream in(path, std::ios::binary);
  std::string data;
  std::string buffer(kReadChunk, '\0');
  Sha256Stream hash;
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    hash.Update(absl::string_view(buffer.data(), in.gcount()));
    data.append(buffer.data(), in.gcount());
  }
  if (in.bad() || (!in.eof() && in.fail())) {
    return absl::UnavailableError(absl::StrCat(path, ": cannot be read"));
  }
  const std::string actual = hash.FinishHex();
  if (actual != sha256) {
    return absl::DataLossError(absl::StrCat(path, " has SHA-256 ", actual,
                                            ": the stored model is damaged"));
  }
  return data;
}

FileWriter::FileWriter(std::string path)
    : path_(std::move(path)), partial_(path_ + ".part") {}

absl::StatusOr<std::unique_ptr<FileWriter>> FileWriter::Create(
    const std::string& path) {
  auto writer = std::unique_ptr<FileWriter>(new FileWriter(path));
  writer->file_.open(writer->partial_, std::ios::binary | std::ios::trunc);
  if (!writer->file_) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, ": cannot create ", writer->partial_));
  }
  return writer;
}

FileWriter::~FileWriter() {
  if (committed_) return;
  file_.close();
  RemoveQuietly(partial_);
}

absl::Status FileWriter::Append(absl::string_view data) {
  file_.write(data.data(), static_cast<std::streamsize>(data.size()));
  if (!file_) {
    return absl::FailedPreconditionError(absl::StrCat(path_, ": cannot write"));
  }
  hash_.Update(data);
  bytes_ += static_cast<int64_t>(data.size());
  return absl::OkStatus();
}

absl::Status FileWriter::Commit(int64_t expected_bytes,
                                const std::string& expected_sha256) {
  if (finished_) {
    return absl::FailedPreconditionError(
        absl::StrCat(path_, ": already committed or rejected"));
  }
  finished_ = true;
  const std::string actual = hash_.FinishHex();
  if ((expected_bytes >= 0 && bytes_ != expected_bytes) ||
      (!expected_sha256.empty() && actual != expected_sha256)) {
    return absl::DataLossError(absl::StrCat(
        path_, ": arrived damaged (", bytes_, " of ", expected_bytes,
        " bytes, SHA-256 ", actual, " instead of ", expected_sha256, ")"));
  }
  file_.close();
  if (!file_) {
    return absl::FailedPreconditionError(absl::StrCat(path_, ": cannot write"));
  }
  std::error_code error;
  std::filesystem::rename(partial_, path_, error);
  if (error) {
    return absl::FailedPreconditionError(
        absl::StrCat(path_, ": ", error.message()));
  }
  sha256_ = actual;
  committed_ = true;
  return absl::OkStatus();
}

}  // namespace nasprune::artifacts
