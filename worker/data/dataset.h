#ifndef NASPRUNE_WORKER_DATA_DATASET_H_
#define NASPRUNE_WORKER_DATA_DATASET_H_

// A data set held entirely in device memory: one normalized float tensor per
// split, batches as index slices of it (no per-sample loader, no copies to the
// device per step). The train/validation split is carved deterministically
// from the training files, the same for every job and run; the test files are
// read only when asked for, for final reports.

#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <vector>

#include "worker/data/readers.h"

namespace nasprune::worker {

struct DataOptions {
  // Directory holding the files.
  std::string directory;
  DataFormat format = DataFormat::kIdx;
  // Labels must be below this; 0 infers it from the training labels.
  int num_classes = 0;
  // Share of the training files held out for validation, in (0, 0.5].
  double validation_fraction = 0.1;
  // Keep only this many training / validation examples; 0 keeps all.
  int64_t train_subset = 0;
  int64_t validation_subset = 0;
  // Also load the test split.
  bool load_test = false;
  torch::Device device = torch::kCPU;
};

// One split: images N×C×H×W float32 normalized with the training split's
// per-channel statistics, labels N int64, both on the device.
struct Split {
  torch::Tensor images;
  torch::Tensor labels;
  int64_t size() const { return labels.defined() ? labels.size(0) : 0; }
};

struct Datasets {
  Split train;
  Split validation;
  Split test;  // Empty unless DataOptions::load_test.
  int channels = 0;
  int height = 0;
  int width = 0;
  int num_classes = 0;
  std::vector<float> mean;  // Per channel, of the training split, in [0, 1].
  std::vector<float> std;
};

// Loads and splits a data set. Raises DataError for any file problem or a
// bad option.
Datasets LoadDatasets(const DataOptions& options);

// Finds the directory of a named data set: `explicit_path` when given,
// otherwise <root>/<name> for the first root in `search_path` that has it.
// Raises DataError listing where it looked.
std::string ResolveDatasetDirectory(
    const std::string& name, const std::string& explicit_path,
    const std::vector<std::string>& search_path);

// Shuffled mini-batches of a split for one epoch, in a order fixed by `seed`.
// Augmentation (random crop with 4-pixel zero padding; horizontal flip when
// `flip`) happens on the device.
class BatchIterator {
 public:
  BatchIterator(const Split& split, int64_t batch_size, uint64_t seed,
                bool augment, bool flip);
  // The next batch, or false at the end of the epoch. A final partial batch
  // is kept.
  bool Next(torch::Tensor* images, torch::Tensor* labels);
  int64_t batches() const;

 private:
  const Split& split_;
  int64_t batch_size_;
  bool augment_;
  bool flip_;
  torch::Tensor order_;
  int64_t position_ = 0;
  torch::Generator generator_;
};

// Random crop with zero padding `pad` and optional horizontal flip, per
// example, on the tensor's device.
torch::Tensor Augment(const torch::Tensor& images, int pad, bool flip,
                      torch::Generator& generator);

}  // namespace nasprune::worker

#endif  // NASPRUNE_WORKER_DATA_DATASET_H_
