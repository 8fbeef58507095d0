#include "worker/data/readers.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "worker/data/data_error.h"

#ifdef NASPRUNE_HAVE_ZLIB
#include <zlib.h>
#endif

namespace nasprune::worker {
namespace {

constexpr uint32_t kIdxImages3 = 0x00000803;
constexpr uint32_t kIdxImages4 = 0x00000804;
constexpr uint32_t kIdxLabels = 0x00000801;
constexpr int kCifarSide = 32;
constexpr int kCifarRecord = 1 + 3 * kCifarSide * kCifarSide;

[[noreturn]] void Fail(const std::string& path, const std::string& problem) {
  throw DataError(path + ": " + problem);
}

uint32_t BigEndian32(const std::string& data, size_t offset) {
  const auto* p = reinterpret_cast<const unsigned char*>(data.data()) + offset;
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) |
         (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

std::string Hex(uint32_t value) {
  char buffer[16];
  std::snprintf(buffer, sizeof(buffer), "0x%08x", value);
  return buffer;
}

// Parses an IDX header; returns the dimensions and checks the payload size.
std::vector<uint32_t> IdxDims(const std::string& path, const std::string& data,
                              const std::vector<uint32_t>& allowed_magic) {
  if (data.size() < 4) Fail(path, "too short for an IDX header");
  const uint32_t magic = BigEndian32(data, 0);
  bool known = false;
  for (uint32_t m : allowed_magic) known |= m == magic;
  if (!known) {
    std::string expected;
    for (uint32_t m : allowed_magic) {
      expected += (expected.empty() ? "" : " or ") + Hex(m);
    }
    Fail(path,
         "wrong magic number " + Hex(magic) + " (expected " + expected + ")");
  }
  const size_t rank = magic & 0xff;
  const size_t header = 4 + 4 * rank;
  if (data.size() < header) Fail(path, "truncated IDX header");
  std::vector<uint32_t> dims(rank);
  uint64_t payload = 1;
  for (size_t i = 0; i < rank; ++i) {
    dims[i] = BigEndian32(data, 4 + 4 * i);
    payload *= dims[i];
    if (payload > (uint64_t{1} << 40))
      Fail(path, "implausibly large dimensions");
  }
  const uint64_t actual = data.size() - header;
  if (actual < payload) {
    Fail(path, "truncated: the header promises " + std::to_string(payload) +
                   " bytes of data, the file has " + std::to_string(actual));
  }
  if (actual > payload) {
    Fail(path, "has " + std::to_string(actual - payload) +
                   " unexpected bytes after the data the header describes");
  }
  return dims;
}

void CheckLabels(const std::string& path, const std::vector<int64_t>& labels,
                 int num_classes) {
  for (size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] >= num_classes) {
      Fail(path, "label " + std::to_string(labels[i]) + " of example " +
                     std::to_string(i) + " is out of range for " +
                     std::to_string(num_classes) + " classes");
    }
  }
}

// The label of each record of a CIFAR-10 batch file's content.
std::vector<int64_t> CifarLabels(const std::string& path,
                                 const std::string& data) {
  if (data.empty() || data.size() % kCifarRecord != 0) {
    Fail(path, "size " + std::to_string(data.size()) +
                   " is not a whole number of CIFAR-10 records (" +
                   std::to_string(kCifarRecord) + " bytes each)");
  }
  const size_t records = data.size() / kCifarRecord;
  std::vector<int64_t> labels(records);
  const auto* bytes = reinterpret_cast<const uint8_t*>(data.data());
  for (size_t r = 0; r < records; ++r) labels[r] = bytes[r * kCifarRecord];
  return labels;
}

}  // namespace

std::string ReadFileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) Fail(path, std::string("cannot open: ") + std::strerror(errno));
  std::ostringstream buffer;
  buffer << in.rdbuf();
  std::string data = std::move(buffer).str();
  const bool gzipped = data.size() >= 2 &&
                       static_cast<unsigned char>(data[0]) == 0x1f &&
                       static_cast<unsigned char>(data[1]) == 0x8b;
  if (!gzipped) return data;
#ifdef NASPRUNE_HAVE_ZLIB
  std::string out;
  z_stream stream{};
  if (inflateInit2(&stream, 15 + 32) != Z_OK) Fail(path, "zlib init failed");
  stream.next_in = reinterpret_cast<Bytef*>(data.data());
  stream.avail_in = static_cast<uInt>(data.size());
  char chunk[1 << 16];
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    stream.next_out = reinterpret_cast<Bytef*>(chunk);
    stream.avail_out = sizeof(chunk);
    rc = inflate(&stream, Z_NO_FLUSH);
    if (rc == Z_BUF_ERROR && stream.avail_in == 0) {
      inflateEnd(&stream);
      Fail(path, "truncated gzip stream");
    }
    if (rc != Z_OK && rc != Z_STREAM_END) {
      inflateEnd(&stream);
      Fail(path, std::string("corrupt gzip data: ") +
                     (stream.msg != nullptr ? stream.msg : "inflate failed"));
    }
    out.append(chunk, sizeof(chunk) - stream.avail_out);
    if (rc == Z_OK && stream.avail_in == 0 && stream.avail_out != 0) {
      inflateEnd(&stream);
      Fail(path, "truncated gzip stream");
    }
  }
  inflateEnd(&stream);
  return out;
#else
  Fail(path, "is gzip-compressed but this build has no zlib; gunzip it first");
#endif
}

ImageSet ReadIdx(const std::string& images_path, const std::string& labels_path,
                 int num_classes) {
  const std::string images = ReadFileBytes(images_path);
  const std::vector<uint32_t> dims =
      IdxDims(images_path, images, {kIdxImages3, kIdxImages4});
  std::vector<int64_t> labels = ReadIdxLabels(labels_path);
  if (labels.size() != dims[0]) {
    Fail(labels_path, "has " + std::to_string(labels.size()) + " labels but " +
                          images_path + " has " + std::to_string(dims[0]) +
                          " images");
  }
  ImageSet set;
  set.count = dims[0];
  set.height = static_cast<int>(dims[1]);
  set.width = static_cast<int>(dims[2]);
  set.channels = dims.size() == 4 ? static_cast<int>(dims[3]) : 1;
  if (set.count == 0 || set.height == 0 || set.width == 0 ||
      set.channels == 0) {
    Fail(images_path, "has an empty dimension");
  }
  const size_t header = 4 + 4 * dims.size();
  const size_t plane = static_cast<size_t>(set.height) * set.width;
  set.pixels.resize(static_cast<size_t>(set.count) * set.channels * plane);
  const auto* src = reinterpret_cast<const uint8_t*>(images.data()) + header;
  if (set.channels == 1) {
    std::memcpy(set.pixels.data(), src, set.pixels.size());
  } else {  // N×H×W×C → N×C×H×W.
    const size_t c = set.channels;
    for (int64_t n = 0; n < set.count; ++n) {
      for (size_t p = 0; p < plane; ++p) {
        for (size_t k = 0; k < c; ++k) {
          set.pixels[(n * c + k) * plane + p] = src[(n * plane + p) * c + k];
        }
      }
    }
  }
  set.labels = std::move(labels);
  if (num_classes > 0) CheckLabels(labels_path, set.labels, num_classes);
  return set;
}

std::vector<int64_t> ReadIdxLabels(const std::string& path) {
  const std::string data = ReadFileBytes(path);
  const std::vector<uint32_t> dims = IdxDims(path, data, {kIdxLabels});
  const auto* bytes = reinterpret_cast<const uint8_t*>(data.data()) + 8;
  return std::vector<int64_t>(bytes, bytes + dims[0]);
}

IdxHeader ReadIdxImagesHeader(const std::string& path) {
  unsigned char header[20] = {};
  int read = 0;
#ifdef NASPRUNE_HAVE_ZLIB
  gzFile file = gzopen(path.c_str(), "rb");  // Reads raw files as they are.
  if (file == nullptr) {
    Fail(path, std::string("cannot open: ") + std::strerror(errno));
  }
  read = gzread(file, header, sizeof(header));
  gzclose(file);
#else
  std::ifstream in(path, std::ios::binary);
  if (!in) Fail(path, std::string("cannot open: ") + std::strerror(errno));
  in.read(reinterpret_cast<char*>(header), sizeof(header));
  read = static_cast<int>(in.gcount());
  if (read >= 2 && header[0] == 0x1f && header[1] == 0x8b) {
    Fail(path, "is gzip-compressed but this build has no zlib; gunzip it");
  }
#endif
  const std::string data(reinterpret_cast<const char*>(header),
                         read > 0 ? read : 0);
  if (data.size() < 4) Fail(path, "too short for an IDX header");
  const uint32_t magic = BigEndian32(data, 0);
  if (magic != kIdxImages3 && magic != kIdxImages4) {
    Fail(path, "wrong magic number " + Hex(magic) + " (expected " +
                   Hex(kIdxImages3) + " or " + Hex(kIdxImages4) + ")");
  }
  const size_t rank = magic & 0xff;
  if (data.size() < 4 + 4 * rank) Fail(path, "truncated IDX header");
  IdxHeader h;
  h.count = BigEndian32(data, 4);
  h.height = static_cast<int>(BigEndian32(data, 8));
  h.width = static_cast<int>(BigEndian32(data, 12));
  h.channels = rank == 4 ? static_cast<int>(BigEndian32(data, 16)) : 1;
  return h;
}

std::vector<int64_t> ReadCifar10Labels(const std::vector<std::string>& paths) {
  std::vector<int64_t> labels;
  for (const std::string& path : paths) {
    const std::vector<int64_t> batch = CifarLabels(path, ReadFileBytes(path));
    labels.insert(labels.end(), batch.begin(), batch.end());
  }
  return labels;
}

ImageSet ReadCifar10(const std::vector<std::string>& paths, int num_classes) {
  if (num_classes <= 0) num_classes = 10;
  ImageSet set;
  set.channels = 3;
  set.height = kCifarSide;
  set.width = kCifarSide;
  for (const std::string& path : paths) {
    const std::string data = ReadFileBytes(path);
    const std::vector<int64_t> labels = CifarLabels(path, data);
    const size_t records = labels.size();
    const auto* bytes = reinterpret_cast<const uint8_t*>(data.data());
    CheckLabels(path, labels, num_classes);
    for (size_t r = 0; r < records; ++r) {
      const uint8_t* record = bytes + r * kCifarRecord + 1;
      set.pixels.insert(set.pixels.end(), record, record + kCifarRecord - 1);
    }
    set.labels.insert(set.labels.end(), labels.begin(), labels.end());
    set.count += static_cast<int64_t>(records);
  }
  if (set.count == 0) throw DataError("no CIFAR-10 batch files given");
  return set;
}

std::string FirstExisting(const std::string& directory,
                          const std::vector<std::string>& names) {
  for (const std::string& name : names) {
    const std::string path = directory + "/" + name;
    if (std::filesystem::exists(path)) return path;
  }
  std::string tried;
  for (const std::string& name : names)
    tried += (tried.empty() ? "" : ", ") + name;
  throw DataError(directory + ": none of " + tried + " exists");
}

std::vector<std::string> SplitFiles(const std::string& directory,
                                    DataFormat format, bool test) {
  if (format == DataFormat::kIdx) {
    const std::string prefix = test ? "t10k" : "train";
    return {FirstExisting(directory, {prefix + "-images-idx3-ubyte.gz",
                                      prefix + "-images-idx3-ubyte",
                                      prefix + "-images.idx3-ubyte"}),
            FirstExisting(directory, {prefix + "-labels-idx1-ubyte.gz",
                                      prefix + "-labels-idx1-ubyte",
                                      prefix + "-labels.idx1-ubyte"})};
  }
  if (test) return {FirstExisting(directory, {"test_batch.bin"})};
  std::vector<std::string> batches;
  for (int i = 1; i <= 5; ++i) {
    batches.push_back(
        FirstExisting(directory, {"data_batch_" + std::to_string(i) + ".bin"}));
  }
  return batches;
}

namespace {

ImageSet ReadSplit(const std::string& directory, DataFormat format,
                   int num_classes, bool test) {
  const std::vector<std::string> files = SplitFiles(directory, format, test);
  if (format == DataFormat::kIdx)
    return ReadIdx(files[0], files[1], num_classes);
  return ReadCifar10(files, num_classes);
}

}  // namespace

ImageSet ReadTrainSplit(const std::string& directory, DataFormat format,
                        int num_classes) {
  return ReadSplit(directory, format, num_classes, /*test=*/false);
}

ImageSet ReadTestSplit(const std::string& directory, DataFormat format,
                       int num_classes) {
  return ReadSplit(directory, format, num_classes, /*test=*/true);
}

}  // namespace nasprune::worker
