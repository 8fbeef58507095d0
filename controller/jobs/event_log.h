#ifndef NASPRUNE_CONTROLLER_JOBS_EVENT_LOG_H_
#define NASPRUNE_CONTROLLER_JOBS_EVENT_LOG_H_

// One job's events (JobEvent in controller.proto), numbered and retained for
// WatchJob replays. Sequences increase by one from the log's first; the log
// keeps the newest `max_retained` events.
//
// Not thread-safe (a Job's part, under the registry's lock).

#include <cstdint>
#include <deque>
#include <vector>

#include "nasprune/v1/controller.pb.h"

namespace nasprune::controller {

class EventLog {
 public:
  // `first_sequence` is the number of the first event appended (at least
  // 1): 1 for a new job; a restored job continues above any sequence its
  // earlier life handed out.
  explicit EventLog(int max_retained, int64_t first_sequence = 1);

  // Numbers `event` and keeps it; its sequence.
  int64_t Append(v1::JobEvent event);

  // Retained events with sequence > `after`, oldest first, at most `max`.
  std::vector<v1::JobEvent> After(int64_t after, int max) const;

  // The newest event's sequence; first_sequence - 1 before any.
  int64_t last_sequence() const { return next_sequence_ - 1; }
  // The oldest retained event's sequence; last_sequence() + 1 when empty.
  int64_t first_retained() const {
    return events_.empty() ? next_sequence_ : events_.front().sequence();
  }

 private:
  const int max_retained_;
  int64_t next_sequence_;
  std::deque<v1::JobEvent> events_;
};

}  // namespace nasprune::controller

#endif  // NASPRUNE_CONTROLLER_JOBS_EVENT_LOG_H_
