#include "worker/data/dataset.h"

#include <filesystem>
#include <numeric>

#include "common/random/rng.h"
#include "worker/data/data_error.h"
#include "worker/data/readers.h"

namespace nasprune::worker {
namespace {

// The split is the same for every job and run: it depends on this seed only.
constexpr uint64_t kSplitSeed = 0x5eed5b1175ULL;

// Bytes of the examples at `indices` as a float tensor in [0, 1].
torch::Tensor Gather(const ImageSet& set, const std::vector<int64_t>& indices) {
  auto all = torch::from_blob(const_cast<uint8_t*>(set.pixels.data()),
                              {set.count, set.channels, set.height, set.width},
                              torch::kUInt8);
  auto index = torch::tensor(indices, torch::kInt64);
  return all.index_select(0, index).to(torch::kFloat32).div_(255.0);
}

torch::Tensor GatherLabels(const ImageSet& set,
                           const std::vector<int64_t>& indices) {
  std::vector<int64_t> labels;
  labels.reserve(indices.size());
  for (int64_t i : indices) labels.push_back(set.labels[i]);
  return torch::tensor(labels, torch::kInt64);
}

std::vector<int64_t> Iota(int64_t n) {
  std::vector<int64_t> v(n);
  std::iota(v.begin(), v.end(), 0);
  return v;
}

}  // namespace

std::string ResolveDatasetDirectory(
    const std::string& name, const std::string& explicit_path,
    const std::vector<std::string>& search_path) {
  if (!explicit_path.empty()) {
    if (!std::filesystem::is_directory(explicit_path)) {
      throw DataError(explicit_path + ": not a directory (data set \"" + name +
                      "\")");
    }
    return explicit_path;
  }
  std::string looked;
  for (const std::string& root : search_path) {
    const std::string candidate = root + "/" + name;
    if (std::filesystem::is_directory(candidate)) return candidate;
    looked += (looked.empty() ? "" : ", ") + candidate;
  }
  throw DataError(
      "data set \"" + name + "\" not found (looked in " +
      (looked.empty() ? std::string("nowhere: empty search path") : looked) +
      ")");
}

Datasets LoadDatasets(const DataOptions& options) {
  if (!(options.validation_fraction > 0 &&
        options.validation_fraction <= 0.5)) {
    throw DataError("validation_fraction " +
                    std::to_string(options.validation_fraction) +
                    " is outside (0, 0.5]");
  }
  const ImageSet train_files =
      ReadTrainSplit(options.directory, options.format, options.num_classes);
  int classes = options.num_classes;
  if (classes <= 0) {
    classes = static_cast<int>(*std::max_element(train_files.labels.begin(),
                                                 train_files.labels.end()) +
                               1);
  }
  // A fixed permutation of the training files: the tail is validation.
  std::vector<int64_t> order = Iota(train_files.count);
  Rng rng(kSplitSeed);
  rng.Shuffle(order);
  const int64_t validation_count = std::max<int64_t>(
      1, static_cast<int64_t>(options.validation_fraction * train_files.count));
  if (validation_count >= train_files.count) {
    throw DataError(options.directory + ": too few training examples (" +
                    std::to_string(train_files.count) + ") to hold out " +
                    std::to_string(validation_count) + " for validation");
  }
  std::vector<int64_t> train_idx(order.begin(), order.end() - validation_count);
  std::vector<int64_t> val_idx(order.end() - validation_count, order.end());
  if (options.train_subset > 0 &&
      options.train_subset < static_cast<int64_t>(train_idx.size())) {
    train_idx.resize(options.train_subset);
  }
  if (options.validation_subset > 0 &&
      options.validation_subset < static_cast<int64_t>(val_idx.size())) {
    val_idx.resize(options.validation_subset);
  }

  Datasets data;
  data.channels = train_files.channels;
  data.height = train_files.height;
  data.width = train_files.width;
  data.num_classes = classes;
  torch::Tensor train = Gather(train_files, train_idx);
  const torch::Tensor mean = train.mean({0, 2, 3});
  const torch::Tensor std = train.std({0, 2, 3}).clamp_min(1e-6);
  for (int c = 0; c < data.channels; ++c) {
    data.mean.push_back(mean[c].item<float>());
    data.std.push_back(std[c].item<float>());
  }
  auto normalize = [&](torch::Tensor images) {
    return images.sub_(mean.view({1, -1, 1, 1}))
        .div_(std.view({1, -1, 1, 1}))
        .to(options.device)
        .contiguous();
  };
  data.train = {normalize(train),
                GatherLabels(train_files, train_idx).to(options.device)};
  data.validation = {normalize(Gather(train_files, val_idx)),
                     GatherLabels(train_files, val_idx).to(options.device)};
  if (options.load_test) {
    const ImageSet test_files =
        ReadTestSplit(options.directory, options.format, options.num_classes);
    if (test_files.channels != data.channels ||
        test_files.height != data.height || test_files.width != data.width) {
      throw DataError(options.directory +
                      ": test images differ in shape from training images");
    }
    if (options.num_classes <= 0) {
      for (int64_t label : test_files.labels) {
        if (label >= classes) {
          throw DataError(options.directory + ": test label " +
                          std::to_string(label) + " is out of range for " +
                          std::to_string(classes) + " classes");
        }
      }
    }
    const std::vector<int64_t> all = Iota(test_files.count);
    data.test = {normalize(Gather(test_files, all)),
                 GatherLabels(test_files, all).to(options.device)};
  }
  return data;
}

BatchIterator::BatchIterator(const Split& split, int64_t batch_size,
                             uint64_t seed, bool augment, bool flip)
    : split_(split),
      batch_size_(batch_size),
      augment_(augment),
      flip_(flip),
      generator_(at::detail::createCPUGenerator(seed)) {
  order_ = torch::randperm(split.size(), generator_,
                           torch::TensorOptions().dtype(torch::kInt64))
               .to(split.images.device());
}

bool BatchIterator::Next(torch::Tensor* images, torch::Tensor* labels) {
  const int64_t n = split_.size();
  if (position_ >= n) return false;
  const int64_t end = std::min(n, position_ + batch_size_);
  const torch::Tensor index = order_.slice(0, position_, end);
  position_ = end;
  *images = split_.images.index_select(0, index);
  *labels = split_.labels.index_select(0, index);
  if (augment_) *images = Augment(*images, /*pad=*/4, flip_, generator_);
  return true;
}

int64_t BatchIterator::batches() const {
  return (split_.size() + batch_size_ - 1) / batch_size_;
}

torch::Tensor Augment(const torch::Tensor& images, int pad, bool flip,
                      torch::Generator& generator) {
  const int64_t n = images.size(0), c = images.size(1), h = images.size(2),
                w = images.size(3);
  const auto device = images.device();
  const auto long_cpu = torch::TensorOptions().dtype(torch::kInt64);
  const torch::Tensor padded =
      torch::constant_pad_nd(images, {pad, pad, pad, pad}, 0);
  const torch::Tensor dy =
      torch::randint(0, 2 * pad + 1, {n, 1}, generator, long_cpu).to(device);
  const torch::Tensor dx =
      torch::randint(0, 2 * pad + 1, {n, 1}, generator, long_cpu).to(device);
  const auto long_dev =
      torch::TensorOptions().dtype(torch::kInt64).device(device);
  const torch::Tensor rows =
      (dy + torch::arange(h, long_dev)).view({n, 1, h, 1});
  torch::Tensor cols = (dx + torch::arange(w, long_dev));
  if (flip) {
    const torch::Tensor mirror =
        torch::randint(0, 2, {n, 1}, generator, long_cpu)
            .to(device)
            .to(torch::kBool);
    cols = torch::where(mirror, cols.flip({1}), cols);
  }
  const torch::Tensor by_rows =
      padded.gather(2, rows.expand({n, c, h, w + 2 * pad}));
  return by_rows.gather(3, cols.view({n, 1, 1, w}).expand({n, c, h, w}));
}

}  // namespace nasprune::worker
