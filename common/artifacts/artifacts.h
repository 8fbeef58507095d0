#ifndef NASPRUNE_COMMON_ARTIFACTS_ARTIFACTS_H_
#define NASPRUNE_COMMON_ARTIFACTS_ARTIFACTS_H_

// Exported models on disk: the one home of the artifact directory's layout
// and of writing, publishing, finding and verifying an archive. Workers
// publish into the directory, the controller serves from it, the CLI writes
// downloads with the same routine.
//
// Layout: a directory shared by the controller and its workers holds every
// exported TorchScript archive as `<dir>/<sha256>.pt`, named by the
// lower-case hex SHA-256 of its bytes, so an archive is written once however
// many trials export it, and a file under a name is the file that was
// scored. Archives being written are `<dir>/.tmp-*.pt` until published; a
// reader never sees a half-written archive under a digest.
//
// Thread-safe (no shared state); errors name the path.

#include <cstdint>
#include <fstream>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/canonical/canonical.h"

namespace nasprune::artifacts {

// `<dir>/<sha256>.pt`.
std::string PathFor(absl::string_view dir, absl::string_view sha256);

// Where an evaluation writes its archive before publishing it: a hidden
// name in `dir`, unique to the trial, the attempt, the process and the
// call (two runs of one attempt never share it).
std::string TemporaryPath(absl::string_view dir, absl::string_view trial_id,
                          int attempt);

// The lower-case hex SHA-256 of the file at `path`, read in pieces.
// NOT_FOUND when it does not exist, UNAVAILABLE when it cannot be read.
absl::StatusOr<std::string> FileSha256(const std::string& path);

// Moves the finished archive at `temporary` into `dir` under its digest and
// returns the digest. With `expected_sha256`, the file must still have that
// digest (DATA_LOSS otherwise: it changed after it was scored). The
// temporary file is gone afterwards, also on failure (INTERNAL, naming the
// paths).
absl::StatusOr<std::string> Publish(const std::string& dir,
                                    const std::string& temporary,
                                    const std::string& expected_sha256 = "");

// Whether `dir` holds an archive named `sha256` (false for an empty `dir`
// or digest).
bool Has(absl::string_view dir, absl::string_view sha256);

// Deletes the archive named `sha256`; OK when it is not there. UNAVAILABLE
// (naming the path) when it cannot be removed.
absl::Status Remove(absl::string_view dir, absl::string_view sha256);

// The bytes of the archive named `sha256`, checked against the name:
// NOT_FOUND when it is not in `dir`, UNAVAILABLE when it cannot be read,
// DATA_LOSS when its bytes have another digest.
absl::StatusOr<std::string> ReadVerified(absl::string_view dir,
                                         absl::string_view sha256);

// A file written in pieces, hashed as it goes, and put in place at once:
// Append writes to `<path>.part`; Commit checks the size and digest the
// sender announced and renames it to `path`. A writer destroyed without a
// successful Commit removes the partial file. Local file problems are
// FAILED_PRECONDITION (the path must be writable), naming the path. Not
// thread-safe.
class FileWriter {
 public:
  // FAILED_PRECONDITION when `<path>.part` cannot be created.
  static absl::StatusOr<std::unique_ptr<FileWriter>> Create(
      const std::string& path);
  ~FileWriter();

  absl::Status Append(absl::string_view data);
  // DATA_LOSS when the bytes written are not `expected_bytes` long or do
  // not have the digest `expected_sha256` (either check is skipped when
  // negative / empty); FAILED_PRECONDITION when the file cannot be
  // completed.
  // Once only: FAILED_PRECONDITION afterwards.
  absl::Status Commit(int64_t expected_bytes,
                      const std::string& expected_sha256);

  int64_t bytes() const { return bytes_; }
  // The digest of what was committed (empty before).
  const std::string& sha256() const { return sha256_; }

 private:
  explicit FileWriter(std::string path);

  const std::string path_;
  const std::string partial_;
  std::ofstream file_;
  Sha256Stream hash_;
  int64_t bytes_ = 0;
  std::string sha256_;
  bool finished_ = false;
  bool committed_ = false;
};

}  // namespace nasprune::artifacts

#endif  // NASPRUNE_COMMON_ARTIFACTS_ARTIFACTS_H_
