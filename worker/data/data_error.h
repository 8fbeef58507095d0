#ifndef NASPRUNE_WORKER_DATA_DATA_ERROR_H_
#define NASPRUNE_WORKER_DATA_DATA_ERROR_H_

#include <stdexcept>
#include <string>

namespace nasprune::worker {

// Raised by the data readers for missing, corrupt or inconsistent files. The
// message names the file and the problem. The LibTorch engine reports errors
// by exception (it builds on machines without abseil); the evaluation
// boundary (worker/engine) turns every exception into a failed result.
class DataError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace nasprune::worker

#endif  // NASPRUNE_WORKER_DATA_DATA_ERROR_H_
