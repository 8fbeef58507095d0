#ifndef NASPRUNE_COMMON_CANONICAL_CANONICAL_H_
#define NASPRUNE_COMMON_CANONICAL_CANONICAL_H_

#include <string>

#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"

namespace nasprune {

// A stable text encoding of any protobuf message, the input of every hash
// nasprune stores (genome hashes, cache keys).
//
// The encoding depends only on the message's schema (field names, enum value
// names) and values, never on the order fields were set, map insertion order,
// the protobuf library version or the platform:
//   - fields in field-number order, written as `name=value;`;
//   - fields equal to their default (proto3 implicit presence), empty
//     repeated fields and sub-messages that encode to `{}` are left out, so
//     an unset message and an empty one are the same, and a new field whose
//     default keeps the old meaning leaves old encodings unchanged;
//   - map entries sorted by their encoded key;
//   - enums by value name, reals in shortest round-trip form (-0 as 0),
//     strings C-escaped in double quotes, bytes in lower-case hex.
// Example:
// `{arch={stem={channels=16;kernel=3;activation=ACTIVATION_RELU;};};}`.
std::string CanonicalText(const google::protobuf::Message& message);

// Lower-case hex of the first 128 bits of SHA-256(domain ‖ 0x00 ‖ data).
// `domain` separates hash uses ("nasprune.v1.Genome", "nasprune.v1.CacheKey")
// so equal data hashed for different purposes gives different keys.
std::string Hash128Hex(absl::string_view domain, absl::string_view data);

// Lower-case hex of the full SHA-256 of `data` (artifact digests).
std::string Sha256Hex(absl::string_view data);

// SHA-256 of data that arrives in pieces (a file read or received in
// chunks). Not thread-safe; not copyable.
class Sha256Stream {
 public:
  Sha256Stream();
  ~Sha256Stream();
  Sha256Stream(const Sha256Stream&) = delete;
  Sha256Stream& operator=(const Sha256Stream&) = delete;

  void Update(absl::string_view data);
  // Lower-case hex of the digest of everything so far; ends the stream.
  std::string FinishHex();

 private:
  void* context_;  // EVP_MD_CTX.
};

}  // namespace nasprune

#endif  // NASPRUNE_COMMON_CANONICAL_CANONICAL_H_
