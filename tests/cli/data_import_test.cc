#include "cli/data_import.h"

#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "cli/npy.h"
#include "gtest/gtest.h"
#include "stb_image_write.h"
#include "worker/data/readers.h"

namespace nasprune::cli {
namespace {

namespace fs = std::filesystem;

class DataImportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("nasprune_import_" + std::to_string(getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_);
  }
  void TearDown() override { fs::remove_all(root_); }

  // A PNG of one colour (or gray value) per pixel.
  void Png(const fs::path& path, int width, int height, int channels,
           uint8_t value) {
    fs::create_directories(path.parent_path());
    std::vector<uint8_t> pixels(width * height * channels);
    for (size_t i = 0; i < pixels.size(); ++i) {
      pixels[i] = static_cast<uint8_t>(value + (i % channels) * 10);
    }
    ASSERT_NE(stbi_write_png(path.c_str(), width, height, channels,
                             pixels.data(), width * channels),
              0);
  }

  // An .npy file of `dtype` ("|u1", "<i8", "<f4") holding `bytes`.
  void Npy(const fs::path& path, const std::string& dtype,
           const std::string& shape, const std::string& bytes,
           bool fortran = false) {
    std::string header = "{'descr': '" + dtype +
                         "', 'fortran_order': " + (fortran ? "True" : "False") +
                         ", 'shape': (" + shape + "), }";
    while ((10 + header.size() + 1) % 64 != 0) header += ' ';
    header += '\n';
    std::ofstream out(path, std::ios::binary);
    out.write("\x93NUMPY\x01\x00", 8);
    const uint16_t length = static_cast<uint16_t>(header.size());
    out.put(static_cast<char>(length & 0xff));
    out.put(static_cast<char>(length >> 8));
    out << header << bytes;
  }

  ImportOptions Options(const fs::path& source) {
    ImportOptions o;
    o.source = source.string();
    o.output = (root_ / "out").string();
    return o;
  }

  absl::Status Import(const ImportOptions& o) {
    std::ostringstream out;
    absl::Status status = DataImportCommand(o, OutputFormat::kTable, out);
    report_ = out.str();
    return status;
  }

  std::string Out() const { return (root_ / "out").string(); }

  fs::path root_;
  std::string report_;
};

template <typename T>
std::string Bytes(const std::vector<T>& values) {
  return std::string(reinterpret_cast<const char*>(values.data()),
                     values.size() * sizeof(T));
}

TEST_F(DataImportTest, ClassFoldersBecomeIdxWithAStratifiedTestSplit) {
  const std::vector<std::string> classes = {"cat", "dog", "fox"};
  for (int c = 0; c < 3; ++c) {
    for (int i = 0; i < 10; ++i) {
      Png(root_ / "src" / classes[c] / (std::to_string(i) + ".png"), 8, 6, 3,
          static_cast<uint8_t>(50 * c));
    }
  }
  ImportOptions o = Options(root_ / "src");
  o.test_fraction = 0.2;
  ASSERT_TRUE(Import(o).ok()) << report_;
  const worker::ImageSet train =
      worker::ReadTrainSplit(Out(), worker::DataFormat::kIdx, 0);
  const worker::ImageSet test =
      worker::ReadTestSplit(Out(), worker::DataFormat::kIdx, 0);
  EXPECT_EQ(train.count, 24);
  EXPECT_EQ(test.count, 6);
  EXPECT_EQ(train.channels, 3);
  EXPECT_EQ(train.height, 6);
  EXPECT_EQ(train.width, 8);
  // Every example keeps its own pixels and label (channel k of class c is
  // 50c + 10k), through the shuffle and the N×H×W×C layout.
  std::vector<int> per_class(3, 0);
  const size_t plane = 6 * 8;
  for (int64_t n = 0; n < train.count; ++n) {
    const int64_t label = train.labels[n];
    ++per_class[label];
    for (int k = 0; k < 3; ++k) {
      EXPECT_EQ(train.pixels[(n * 3 + k) * plane + 5], 50 * label + 10 * k);
    }
  }
  EXPECT_EQ(per_class, (std::vector<int>{8, 8, 8}));
  std::ifstream names(Out() + "/classes.txt");
  std::stringstream text;
  text << names.rdbuf();
  EXPECT_EQ(text.str(), "cat\ndog\nfox\n");
  EXPECT_NE(report_.find("class_names:               0: cat, 1: dog, 2: fox"),
            std::string::npos)
      << report_;
  EXPECT_NE(report_.find("shape: {channels: 3, height: 6, width: 8}"),
            std::string::npos)
      << report_;
}

TEST_F(DataImportTest, TrainAndTestFoldersAreKeptAndGrayStaysOneChannel) {
  for (const char* split : {"train", "test"}) {
    for (const char* c : {"a", "b"}) {
      for (int i = 0; i < (split[1] == 'r' ? 4 : 2); ++i) {
        Png(root_ / "src" / split / c / (std::to_string(i) + ".png"), 5, 5, 1,
            c[0] == 'a' ? 0 : 200);
      }
    }
  }
  ASSERT_TRUE(Import(Options(root_ / "src")).ok()) << report_;
  const worker::ImageSet train =
      worker::ReadTrainSplit(Out(), worker::DataFormat::kIdx, 0);
  const worker::ImageSet test =
      worker::ReadTestSplit(Out(), worker::DataFormat::kIdx, 0);
  EXPECT_EQ(train.count, 8);
  EXPECT_EQ(test.count, 4);
  EXPECT_EQ(train.channels, 1);
  for (int64_t n = 0; n < test.count; ++n) {
    EXPECT_EQ(test.pixels[n * 25], test.labels[n] == 0 ? 0 : 200);
  }
}

TEST_F(DataImportTest, DifferentSizesNeedSizeWhichResizes) {
  Png(root_ / "src/a/0.png", 8, 8, 3, 10);
  Png(root_ / "src/a/1.png", 8, 8, 3, 10);
  Png(root_ / "src/b/0.png", 12, 10, 3, 90);
  ImportOptions o = Options(root_ / "src");
  o.test_fraction = 0;
  const absl::Status mixed = Import(o);
  EXPECT_EQ(mixed.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(mixed.message().find("b/0.png: is 12x10 (width x height) but"),
            std::string::npos)
      << mixed;
  EXPECT_NE(mixed.message().find("give --size HxW"), std::string::npos);
  EXPECT_FALSE(fs::exists(Out()));
  o.height = 4;
  o.width = 4;
  o.channels = 1;
  ASSERT_TRUE(Import(o).ok()) << report_;
  const worker::ImageSet train =
      worker::ReadTrainSplit(Out(), worker::DataFormat::kIdx, 0);
  EXPECT_EQ(train.count, 3);
  EXPECT_EQ(train.channels, 1);
  EXPECT_EQ(train.height, 4);
  EXPECT_FALSE(fs::exists(Out() + "/t10k-images-idx3-ubyte"));
}

TEST_F(DataImportTest, BadFolderInputIsNamedAndLeavesNothing) {
  Png(root_ / "src/a/0.png", 4, 4, 1, 0);
  ImportOptions o = Options(root_ / "src");
  EXPECT_NE(Import(o).message().find("has 1 class folder(s)"),
            std::string::npos);
  fs::create_directories(root_ / "src/b");
  EXPECT_NE(Import(o).message().find("src/b: holds no .png, .jpg, .jpeg or "
                                     ".bmp images"),
            std::string::npos);
  std::ofstream(root_ / "src/b/x.jpg") << "not a jpeg";
  EXPECT_NE(Import(o).message().find("src/b/x.jpg: cannot be read as an image"),
            std::string::npos);
  for (const auto& e : fs::directory_iterator(root_)) {
    EXPECT_EQ(e.path().filename(), "src") << e.path();
  }
  fs::create_directories(Out());
  std::ofstream(Out() + "/keep") << "x";
  EXPECT_NE(Import(o).message().find("exists and is not an empty folder"),
            std::string::npos);
  EXPECT_TRUE(fs::exists(Out() + "/keep"));
}

TEST_F(DataImportTest, NpyUint8ArraysWithTheirOwnTestSplit) {
  std::vector<uint8_t> x(6 * 3 * 4), tx(2 * 3 * 4);
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<uint8_t>(i);
  std::vector<int64_t> y = {0, 1, 2, 0, 1, 2}, ty = {2, 0};
  Npy(root_ / "x.npy", "|u1", "6, 3, 4", Bytes(x));
  Npy(root_ / "y.npy", "<i8", "6,", Bytes(y));
  Npy(root_ / "tx.npy", "|u1", "2, 3, 4", Bytes(tx));
  Npy(root_ / "ty.npy", "<i8", "2,", Bytes(ty));
  ImportOptions o = Options(root_ / "x.npy");
  o.labels = (root_ / "y.npy").string();
  o.test_images = (root_ / "tx.npy").string();
  o.test_labels = (root_ / "ty.npy").string();
  ASSERT_TRUE(Import(o).ok()) << report_;
  const worker::ImageSet train =
      worker::ReadTrainSplit(Out(), worker::DataFormat::kIdx, 0);
  EXPECT_EQ(train.count, 6);
  EXPECT_EQ(train.height, 3);
  EXPECT_EQ(train.width, 4);
  // Image i is bytes 12i..12i+11 and has label i % 3.
  for (int64_t n = 0; n < 6; ++n) {
    const int first = train.pixels[n * 12];
    EXPECT_EQ(first % 12, 0);
    EXPECT_EQ(train.labels[n], (first / 12) % 3);
  }
  EXPECT_EQ(worker::ReadTestSplit(Out(), worker::DataFormat::kIdx, 0).count, 2);
  EXPECT_FALSE(fs::exists(Out() + "/classes.txt"));
}

TEST_F(DataImportTest, NpyFloatChannelsFirstIsScaledAndTransposed) {
  // 4 images, 3 channels, 2x2: channel k of image n is (n + k) / 10.
  std::vector<float> x;
  for (int n = 0; n < 4; ++n) {
    for (int k = 0; k < 3; ++k) {
      for (int p = 0; p < 4; ++p) x.push_back((n + k) / 10.0f);
    }
  }
  Npy(root_ / "x.npy", "<f4", "4, 3, 2, 2", Bytes(x));
  Npy(root_ / "y.npy", "|u1", "4,", Bytes(std::vector<uint8_t>{0, 1, 2, 3}));
  ImportOptions o = Options(root_ / "x.npy");
  o.labels = (root_ / "y.npy").string();
  o.test_fraction = 0;
  ASSERT_TRUE(Import(o).ok()) << report_;
  const worker::ImageSet train =
      worker::ReadTrainSplit(Out(), worker::DataFormat::kIdx, 0);
  ASSERT_EQ(train.channels, 3);
  for (int64_t n = 0; n < 4; ++n) {
    const int64_t image = train.labels[n];  // Label = image index.
    for (int k = 0; k < 3; ++k) {
      EXPECT_EQ(train.pixels[(n * 3 + k) * 4 + 1],
                std::lround((image + k) / 10.0 * 255));
    }
  }
}

TEST_F(DataImportTest, BadArraysAreNamed) {
  Npy(root_ / "x.npy", "|u1", "4, 2, 2", std::string(16, '\1'));
  Npy(root_ / "y3.npy", "<i8", "3,", Bytes(std::vector<int64_t>{0, 1, 1}));
  Npy(root_ / "yneg.npy", "<i4", "4,",
      Bytes(std::vector<int32_t>{0, 1, -1, 2}));
  Npy(root_ / "yf.npy", "<f4", "4,", Bytes(std::vector<float>{0, 1, 1, 0}));
  Npy(root_ / "xf.npy", "|u1", "4, 2, 2", std::string(16, '\1'), true);
  Npy(root_ / "short.npy", "|u1", "4, 2, 2", std::string(15, '\1'));
  Npy(root_ / "x5.npy", "|u1", "4, 2, 2, 2, 2", std::string(64, '\1'));
  Npy(root_ / "big.npy", "<i2", "4, 2, 2",
      Bytes(std::vector<int16_t>(16, 300)));
  auto error = [&](const std::string& images, const std::string& labels) {
    ImportOptions o = Options(root_ / images);
    o.labels = (root_ / labels).string();
    return std::string(Import(o).message());
  };
  EXPECT_NE(error("x.npy", "y3.npy").find("y3.npy: has 3 labels for 4 images"),
            std::string::npos);
  EXPECT_NE(error("x.npy", "yneg.npy").find("label -1 of image 2"),
            std::string::npos);
  EXPECT_NE(error("x.npy", "yf.npy").find("labels are integers"),
            std::string::npos);
  EXPECT_NE(error("xf.npy", "y3.npy").find("is in Fortran order"),
            std::string::npos);
  EXPECT_NE(error("short.npy", "y3.npy").find("holds 15 bytes of data"),
            std::string::npos);
  EXPECT_NE(error("x5.npy", "y3.npy").find("has shape (4, 2, 2, 2, 2)"),
            std::string::npos);
  EXPECT_NE(error("big.npy", "y3.npy").find("holds values up to 300"),
            std::string::npos);
  EXPECT_FALSE(fs::exists(Out()));
}

TEST_F(DataImportTest, AHeaderLargerThanTheFileIsRefused) {
  Npy(root_ / "huge.npy", "|u1", "4611686018427387904, 2, 2", "");
  Npy(root_ / "y.npy", "|u1", "1,", std::string(1, '\0'));
  ImportOptions o = Options(root_ / "huge.npy");
  o.labels = (root_ / "y.npy").string();
  const absl::Status status = Import(o);
  EXPECT_NE(status.message().find("huge.npy: shape (4611686018427387904, 2, "
                                  "2) is larger than the file"),
            std::string::npos)
      << status;
}

TEST_F(DataImportTest, AnOutputWithATrailingSlashIsTheFolder) {
  Png(root_ / "src/a/0.png", 4, 4, 1, 0);
  Png(root_ / "src/b/0.png", 4, 4, 1, 9);
  ImportOptions o = Options(root_ / "src");
  o.output = Out() + "/";
  ASSERT_TRUE(Import(o).ok()) << report_;
  EXPECT_TRUE(fs::exists(Out() + "/train-images-idx3-ubyte"));
  for (const auto& e : fs::directory_iterator(root_)) {
    EXPECT_TRUE(e.path().filename() == "src" || e.path().filename() == "out")
        << e.path();
  }
  o.output = (root_ / "absent" / "out").string();
  EXPECT_NE(Import(o).message().find("its parent folder does not exist"),
            std::string::npos);
}

TEST(ReadNpy, HeaderAndValues) {
  const fs::path path = fs::temp_directory_path() /
                        ("nasprune_npy_" + std::to_string(getpid()) + ".npy");
  std::string header =
      "{'descr': '>i2', 'fortran_order': False, 'shape': (2, 1), }";
  while ((10 + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  {
    std::ofstream out(path, std::ios::binary);
    out.write("\x93NUMPY\x01\x00", 8);
    out.put(static_cast<char>(header.size()));
    out.put(0);
    out << header << std::string("\x01\x02\xff\xfe", 4);  // 258, -2.
  }
  absl::StatusOr<NpyArray> array = ReadNpy(path.string());
  fs::remove(path);
  ASSERT_TRUE(array.ok()) << array.status();
  EXPECT_EQ(array->shape, (std::vector<int64_t>{2, 1}));
  EXPECT_EQ(array->size(), 2);
  EXPECT_EQ(array->At(0), 258);
  EXPECT_EQ(array->At(1), -2);
  EXPECT_EQ(ReadNpy("/nonexistent.npy").status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace nasprune::cli
