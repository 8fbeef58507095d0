#ifndef NASPRUNE_TESTS_WORKER_TESTING_DATA_FILES_H_
#define NASPRUNE_TESTS_WORKER_TESTING_DATA_FILES_H_

// Writes small IDX / CIFAR-10 files (raw or gzip) into a temporary directory
// that is removed when the object goes away, even when a test fails.

#include <torch/torch.h>
#include <zlib.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

namespace nasprune::worker::testing {

class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() /
            ("nasprune_test_" + std::to_string(rd()) + std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string path() const { return path_.string(); }
  std::string File(const std::string& name) const {
    return (path_ / name).string();
  }

 private:
  std::filesystem::path path_;
};

inline void WriteBytes(const std::string& path, const std::string& bytes,
                       bool gzip) {
  if (gzip) {
    gzFile f = gzopen(path.c_str(), "wb");
    gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size()));
    gzclose(f);
  } else {
    std::ofstream(path, std::ios::binary) << bytes;
  }
}

// Raw float32 values of `t` (for check_torchscript.py).
inline void WriteFloats(const std::string& path, const torch::Tensor& t) {
  const auto c = t.contiguous().to(torch::kFloat32);
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(c.data_ptr<float>()),
             c.numel() * sizeof(float));
}

inline void PutBigEndian(std::string* out, uint32_t v) {
  out->push_back(static_cast<char>(v >> 24));
  out->push_back(static_cast<char>(v >> 16));
  out->push_back(static_cast<char>(v >> 8));
  out->push_back(static_cast<char>(v));
}

inline std::string IdxImages(int n, int h, int w,
                             const std::vector<uint8_t>& pixels) {
  std::string out;
  PutBigEndian(&out, 0x00000803);
  PutBigEndian(&out, n);
  PutBigEndian(&out, h);
  PutBigEndian(&out, w);
  out.append(pixels.begin(), pixels.end());
  return out;
}

inline std::string IdxLabels(const std::vector<uint8_t>& labels) {
  std::string out;
  PutBigEndian(&out, 0x00000801);
  PutBigEndian(&out, static_cast<uint32_t>(labels.size()));
  out.append(labels.begin(), labels.end());
  return out;
}

// A learnable toy set: n images h×w whose class (of `classes`) sets which
// horizontal band is bright, plus noise. Writes train-* and t10k-* files.
inline void WriteToyIdx(const std::string& dir, int n, int h, int w,
                        int classes, bool gzip, uint32_t seed = 1) {
  std::mt19937 gen(seed);
  auto make = [&](int count, std::vector<uint8_t>* pixels,
                  std::vector<uint8_t>* labels) {
    for (int i = 0; i < count; ++i) {
      const int label = static_cast<int>(gen() % classes);
      labels->push_back(static_cast<uint8_t>(label));
      for (int y = 0; y < h; ++y) {
        for (int x = 0; x < w; ++x) {
          const bool band = y * classes / h == label;
          pixels->push_back(
              static_cast<uint8_t>((band ? 180 : 20) + gen() % 60));
        }
      }
    }
  };
  const std::string ext = gzip ? ".gz" : "";
  std::vector<uint8_t> pixels, labels;
  make(n, &pixels, &labels);
  WriteBytes(dir + "/train-images-idx3-ubyte" + ext, IdxImages(n, h, w, pixels),
             gzip);
  WriteBytes(dir + "/train-labels-idx1-ubyte" + ext, IdxLabels(labels), gzip);
  pixels.clear();
  labels.clear();
  const int test = std::max(10, n / 5);
  make(test, &pixels, &labels);
  WriteBytes(dir + "/t10k-images-idx3-ubyte" + ext,
             IdxImages(test, h, w, pixels), gzip);
  WriteBytes(dir + "/t10k-labels-idx1-ubyte" + ext, IdxLabels(labels), gzip);
}

}  // namespace nasprune::worker::testing

#endif  // NASPRUNE_TESTS_WORKER_TESTING_DATA_FILES_H_
