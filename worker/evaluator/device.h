#ifndef NASPRUNE_WORKER_EVALUATOR_DEVICE_H_
#define NASPRUNE_WORKER_EVALUATOR_DEVICE_H_

// The devices a LibTorch worker evaluates on: the CPU, or a CUDA device when
// the worker is built against LibTorch with CUDA (make build-cuda,
// docs/worker.md) and the machine has one.

#include <torch/torch.h>

#include <string>

#include "absl/status/statusor.h"

namespace nasprune::worker {

// `device` as a LibTorch device: INVALID_ARGUMENT when it is not a device
// name or not cpu / cuda / cuda:N; FAILED_PRECONDITION for a CUDA device
// when the worker is built without CUDA, no CUDA device is present, or N is
// not one of them. `nasprune-worker serve` checks its --device with it
// before it registers.
absl::StatusOr<torch::Device> ParseDevice(const std::string& device);

// Whether `device` names a CUDA device ("cuda", "cuda:N"), without parsing
// or querying it: for the decisions made on every evaluation.
bool NamesCudaDevice(const std::string& device);

}  // namespace nasprune::worker

#endif  // NASPRUNE_WORKER_EVALUATOR_DEVICE_H_
