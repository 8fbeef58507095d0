#ifndef NASPRUNE_WORKER_SERVICE_EVALUATION_THREADS_H_
#define NASPRUNE_WORKER_SERVICE_EVALUATION_THREADS_H_

// The threads evaluations run on: one per slot, started once, so that a
// dispatch starts no thread and gRPC's callback threads never block on
// training. Work runs in the order it was scheduled.
//
// Thread-safe. The destructor runs what was scheduled, then joins.

#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"

namespace nasprune::worker {

class EvaluationThreads {
 public:
  explicit EvaluationThreads(int threads);
  ~EvaluationThreads();
  EvaluationThreads(const EvaluationThreads&) = delete;
  EvaluationThreads& operator=(const EvaluationThreads&) = delete;

  void Schedule(std::function<void()> work);

 private:
  void Loop();

  absl::Mutex mu_;
  std::deque<std::function<void()>> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace nasprune::worker

#endif  // NASPRUNE_WORKER_SERVICE_EVALUATION_THREADS_H_
