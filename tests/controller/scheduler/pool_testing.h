#ifndef NASPRUNE_TESTS_CONTROLLER_SCHEDULER_POOL_TESTING_H_
#define NASPRUNE_TESTS_CONTROLLER_SCHEDULER_POOL_TESTING_H_

// Workers for tests of the worker pool and what schedules on it: a
// registration and a heartbeat, as a worker's registrar sends them.

#include <string>
#include <vector>

#include "controller/scheduler/worker_pool.h"
#include "gtest/gtest.h"

namespace nasprune::controller::testing {

// Registers worker `name` (address "<name>:1", evaluator "synthetic-1")
// with `slots`; its lease ("" and a test failure when refused).
inline std::string RegisterWorker(WorkerPool& pool, const std::string& name,
                                  int slots) {
  v1::RegisterRequest r;
  r.set_name(name);
  r.set_address(name + ":1");
  r.set_slots(slots);
  r.set_evaluator_version("synthetic-1");
  absl::StatusOr<v1::RegisterResponse> response = pool.Register(r, nullptr);
  EXPECT_TRUE(response.ok()) << response.status();
  return response.ok() ? response->lease_id() : "";
}

// A heartbeat of `name` on `lease`, reporting `running`.
inline v1::HeartbeatResponse Heartbeat(
    WorkerPool& pool, const std::string& name, const std::string& lease,
    const std::vector<std::string>& running = {}) {
  v1::HeartbeatRequest h;
  h.set_name(name);
  h.set_lease_id(lease);
  for (const std::string& t : running) h.add_running_trial_ids(t);
  return pool.Heartbeat(h);
}

}  // namespace nasprune::controller::testing

#endif  // NASPRUNE_TESTS_CONTROLLER_SCHEDULER_POOL_TESTING_H_
