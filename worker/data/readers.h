#ifndef NASPRUNE_WORKER_DATA_READERS_H_
#define NASPRUNE_WORKER_DATA_READERS_H_

// Readers for the on-disk image formats, with no LibTorch in them. Every
// problem (missing file, wrong magic number, truncated or oversized data,
// label/image count mismatch, label out of range) raises DataError naming the
// file; nothing is ever partially loaded.

#include <cstdint>
#include <string>
#include <vector>

namespace nasprune::worker {

// Images as unsigned bytes in N×C×H×W order, with their labels.
struct ImageSet {
  int64_t count = 0;
  int channels = 0;
  int height = 0;
  int width = 0;
  std::vector<uint8_t> pixels;
  std::vector<int64_t> labels;
};

// The whole content of a file, gunzipped when it starts with the gzip magic
// (and the build has zlib). Raises DataError.
std::string ReadFileBytes(const std::string& path);

// An IDX image file (magic 0x00000803: N×H×W, or 0x00000804: N×H×W×C, unsigned
// bytes) and its IDX label file (0x00000801: N unsigned bytes), raw or gzip.
// Labels must be < num_classes when num_classes > 0.
ImageSet ReadIdx(const std::string& images_path, const std::string& labels_path,
                 int num_classes);

// An IDX images file's header alone (raw or gzip): the image count and shape,
// without reading the pixels. Raises DataError.
struct IdxHeader {
  int64_t count = 0;
  int channels = 0;
  int height = 0;
  int width = 0;
};
IdxHeader ReadIdxImagesHeader(const std::string& path);

// The labels of an IDX label file. Raises DataError.
std::vector<int64_t> ReadIdxLabels(const std::string& path);

// The labels of CIFAR-10 binary batches, in order. Raises DataError.
std::vector<int64_t> ReadCifar10Labels(const std::vector<std::string>& paths);

// CIFAR-10 binary batches: records of 1 label byte and 3×32×32 pixel bytes
// (channel-major). Labels must be < num_classes (10 when 0).
ImageSet ReadCifar10(const std::vector<std::string>& paths, int num_classes);

enum class DataFormat { kIdx, kCifar10Binary };

// The first of `names` that exists in `directory`; DataError listing them
// all when none does.
std::string FirstExisting(const std::string& directory,
                          const std::vector<std::string>& names);

// The files of a data set folder's training and test splits
// (docs/data.md): IDX "train-images-idx3-ubyte[.gz]" and
// "train-labels-idx1-ubyte[.gz]" ("t10k-..." for the test split; the
// "-images.idx3-ubyte" spelling too); CIFAR-10 "data_batch_1.bin" to
// "data_batch_5.bin" and "test_batch.bin". Images first, so a missing folder
// is reported by them.
std::vector<std::string> SplitFiles(const std::string& directory,
                                    DataFormat format, bool test);

// The split read whole. Raises DataError.
ImageSet ReadTrainSplit(const std::string& directory, DataFormat format,
                        int num_classes);
ImageSet ReadTestSplit(const std::string& directory, DataFormat format,
                       int num_classes);

}  // namespace nasprune::worker

#endif  // NASPRUNE_WORKER_DATA_READERS_H_
