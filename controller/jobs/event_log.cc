#include "controller/jobs/event_log.h"

#include <algorithm>
#include <utility>

namespace nasprune::controller {

EventLog::EventLog(int max_retained, int64_t first_sequence)
    : max_retained_(std::max(1, max_retained)),
      next_sequence_(std::max<int64_t>(1, first_sequence)) {}

int64_t EventLog::Append(v1::JobEvent event) {
  const int64_t sequence = next_sequence_++;
  event.set_sequence(sequence);
  events_.push_back(std::move(event));
  while (static_cast<int>(events_.size()) > max_retained_) events_.pop_front();
  return sequence;
}

std::vector<v1::JobEvent> EventLog::After(int64_t after, int max) const {
  std::vector<v1::JobEvent> out;
  auto it = std::lower_bound(
      events_.begin(), events_.end(), after + 1,
      [](const v1::JobEvent& e, int64_t s) { return e.sequence() < s; });
  for (; it != events_.end() && static_cast<int>(out.size()) < max; ++it) {
    out.push_back(*it);
  }
  return out;
}

}  // namespace nasprune::controller
