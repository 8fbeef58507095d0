#ifndef NASPRUNE_WORKER_EVALUATOR_LIBTORCH_EVALUATOR_H_
#define NASPRUNE_WORKER_EVALUATOR_LIBTORCH_EVALUATOR_H_

// The LibTorch evaluation boundary: an EvaluateRequest proto in, an
// EvaluationResult proto or a status out. It validates the genome, turns the
// request into an engine request (worker/engine), runs it, and turns every
// exception into a status: no exception leaves it. LibTorchEvaluator is the
// daemon's Evaluator (evaluator.h) around it, publishing exported models in
// the artifact directory; `nasprune-worker evaluate` calls EvaluateGenome
// directly.
//
// Status codes: INVALID_ARGUMENT for a bad genome or request (deterministic,
// never retried); FAILED_PRECONDITION when the worker lacks the data set or
// its files are corrupt; RESOURCE_EXHAUSTED when the device runs out of
// memory for this genome even at the smallest batch (deterministic; see
// oom_retry.h); UNAVAILABLE when that happened on a GPU other evaluations
// shared (retried); CANCELLED; DEADLINE_EXCEEDED when
// the recipe's time limit ran out; INTERNAL for anything else.

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "nasprune/v1/job.pb.h"
#include "nasprune/v1/worker.pb.h"
#include "worker/engine/engine.h"
#include "worker/evaluator/evaluator.h"
#include "worker/prune/parent_store.h"
#include "worker/train/trainer.h"

namespace nasprune::worker {

// Evaluator version: part of every cache key; bump it when results change.
// libtorch-2: pruned genomes are trained unpruned, pruned and fine-tuned
// (libtorch-1 trained the pruned network from scratch).
// libtorch-3: a fidelity of fewer epochs than the recipe's scales
// fine-tuning too; archives carry their input normalization.
// libtorch-4: CPU training in channels-last; torch's generator (dropout)
// reseeded per training segment and before pruning, so that a promotion
// that continues and a parent taken from the store give the same figures.
// libtorch-5: latency p50 by nearest rank, with p90, CUDA events on GPUs;
// an out-of-memory evaluation retried at half the batch size.
inline constexpr char kEvaluatorVersion[] = "libtorch-5";

// The version a worker on `device` registers with and puts in its results:
// kEvaluatorVersion on the CPU, kEvaluatorVersion + "+cuda" on a GPU, so
// that GPU and CPU results (latency above all) never share a cache key.
std::string EvaluatorVersion(const std::string& device);

struct EvaluatorOptions {
  // Roots searched for named data sets (<root>/<name>).
  std::vector<std::string> dataset_search_path = {"/usr/share/datasets"};
  // "cpu" or "cuda" / "cuda:N".
  std::string device = "cpu";
  // LibTorch intra-op threads; 0 means every hardware thread.
  int threads = 0;
  // Trained parents for reuse across evaluations; null trains every parent.
  std::shared_ptr<ParentStore> parents;
  // Where kept models are read from to inherit weights
  // (EvaluateRequest.inherit_model_sha256); LibTorchEvaluator uses its own
  // artifact directory. Empty: every evaluation starts from scratch.
  std::string artifact_dir;
  // Called by LibTorchEvaluator whenever an evaluation ends with no other
  // running (the daemon hands freed memory back: ReleaseFreeMemory).
  std::function<void()> on_idle;
  // On a CUDA device, a new evaluation is admitted only while at least this
  // much device memory is free (LibTorchEvaluator::Admit); 0 admits always.
  int64_t device_memory_reserve_bytes = int64_t{1} << 30;
};

// The status of an exception raised inside an evaluation: DataError →
// FAILED_PRECONDITION, out of memory (std::bad_alloc or a LibTorch "out of
// memory" error) → RESOURCE_EXHAUSTED, anything else → INTERNAL. The message
// keeps the first non-empty line (LibTorch appends a backtrace).
absl::Status StatusFromException(const std::exception& e);

// The key of a genome's trained parent: a hash of its architecture, the
// training recipe (fine-tuning settings and time limit excluded), the data
// set, the fidelity, the seed, the device, the evaluator version and the
// kept model it inherits from, if any.
std::string ParentKey(const v1::EvaluateRequest& request,
                      const std::string& device);

// The boundaries of a segmented run (Fidelity.resume_epochs), each with the
// key of the parent trained to it: the parent key of the same request at
// the lower fidelity (what that rung's own trial stores).
std::vector<EngineRequest::Boundary> ResumeBoundaries(
    const v1::EvaluateRequest& request, const std::string& device);

// Runs one evaluation. `export_path`, when not empty, receives the
// TorchScript archive (the result carries its SHA-256).
absl::StatusOr<v1::EvaluationResult> EvaluateGenome(
    const v1::EvaluateRequest& request, const std::string& export_path,
    const EvaluatorOptions& options, const ProgressCallback& progress,
    const CancellationToken* cancel);

// The daemon's LibTorch evaluator: EvaluateGenome with its cancellation
// tied to the Canceller, and an exported archive published in
// `artifact_dir` under its SHA-256 (an export request without an artifact
// directory exports nothing). Thread-safe.
// Scores the kept model request.score_model_sha256 names, from
// `artifact_dir`, on the request's data (EvaluateRequest in worker.proto):
// NOT_FOUND when it is not there, DATA_LOSS when it is damaged,
// FAILED_PRECONDITION without an artifact directory or when the data does
// not fit the model.
absl::StatusOr<v1::EvaluationResult> ScoreKeptModel(
    const v1::EvaluateRequest& request, const std::string& artifact_dir,
    const EvaluatorOptions& options);

class LibTorchEvaluator final : public Evaluator {
 public:
  LibTorchEvaluator(EvaluatorOptions options, std::string artifact_dir)
      : options_(WithArtifactDir(std::move(options), artifact_dir)),
        artifact_dir_(std::move(artifact_dir)) {}

  Info info() const override;
  // On a CUDA device: RESOURCE_EXHAUSTED while less than
  // device_memory_reserve_bytes are free on it (other slots or processes
  // hold it), so that the controller sends the trial elsewhere or later.
  absl::Status Admit() override;
  // An evaluation that ran out of memory on a CUDA device while other
  // evaluations shared it is UNAVAILABLE (retried), not RESOURCE_EXHAUSTED:
  // the genome may fit alone.
  absl::StatusOr<v1::EvaluationResult> Evaluate(
      const v1::EvaluateRequest& request, const ProgressCallback& progress,
      Canceller& canceller) override;

 private:
  static EvaluatorOptions WithArtifactDir(EvaluatorOptions options,
                                          const std::string& dir) {
    options.artifact_dir = dir;
    return options;
  }
  // Trains, prunes, scores and (when asked) keeps the model.
  absl::StatusOr<v1::EvaluationResult> Run(const v1::EvaluateRequest& request,
                                           const ProgressCallback& progress,
                                           Canceller& canceller);
  const EvaluatorOptions options_;
  const std::string artifact_dir_;
  std::atomic<int> running_{0};
};

}  // namespace nasprune::worker

#endif  // NASPRUNE_WORKER_EVALUATOR_LIBTORCH_EVALUATOR_H_
