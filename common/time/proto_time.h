#ifndef NASPRUNE_COMMON_TIME_PROTO_TIME_H_
#define NASPRUNE_COMMON_TIME_PROTO_TIME_H_

// absl::Time ⇄ google.protobuf.Timestamp, to the nanosecond.

#include <cstdint>

#include "absl/time/time.h"
#include "google/protobuf/timestamp.pb.h"

namespace nasprune {

inline google::protobuf::Timestamp ToProtoTime(absl::Time time) {
  const int64_t nanos = absl::ToUnixNanos(time);
  // Floor division, so that times before 1970 keep nanos in [0, 1e9).
  int64_t seconds = nanos / 1000000000;
  int64_t rest = nanos % 1000000000;
  if (rest < 0) {
    --seconds;
    rest += 1000000000;
  }
  google::protobuf::Timestamp t;
  t.set_seconds(seconds);
  t.set_nanos(static_cast<int32_t>(rest));
  return t;
}

inline absl::Time FromProtoTime(const google::protobuf::Timestamp& t) {
  return absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
}

}  // namespace nasprune

#endif  // NASPRUNE_COMMON_TIME_PROTO_TIME_H_
