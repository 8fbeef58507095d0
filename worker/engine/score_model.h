#ifndef NASPRUNE_WORKER_ENGINE_SCORE_MODEL_H_
#define NASPRUNE_WORKER_ENGINE_SCORE_MODEL_H_

// Scoring a kept model: the TorchScript archive an evaluation wrote when it
// scored a trial, loaded again and run on the validation split (which must
// give the trial's figure back) and the test split. This is how a job's
// exports report test accuracy on the very weights the search scored,
// without training anything again (docs/worker.md). Plain C++ over
// LibTorch, like the engine.

#include <optional>
#include <string>

#include "worker/data/dataset.h"
#include "worker/train/trainer.h"

namespace nasprune::worker {

struct ScoreRequest {
  // The archive's bytes (already checked against its digest).
  std::string archive;
  // The data the archive's trial was trained on (its train_subset included:
  // the normalization comes from it); data.device is where it runs.
  DataOptions data;
  bool evaluate_test = true;
  int threads = 0;  // 0 means every hardware thread.
  int64_t eval_batch_size = 1024;
};

struct ScoreResult {
  double val_loss = 0;
  double val_accuracy = 0;
  std::optional<double> test_accuracy;
  double seconds = 0;
};

// Raises DataError when the data does not fit the archive (another shape,
// or another normalization than the one it was trained with) and c10::Error
// when the archive does not load or run.
ScoreResult ScoreModel(const ScoreRequest& request);

}  // namespace nasprune::worker

#endif  // NASPRUNE_WORKER_ENGINE_SCORE_MODEL_H_
