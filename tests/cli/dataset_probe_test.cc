#include "cli/dataset_probe.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "gtest/gtest.h"

namespace nasprune::cli {
namespace {

namespace fs = std::filesystem;

void BigEndian(uint32_t v, std::ofstream& out) {
  for (int shift : {24, 16, 8, 0}) out.put(static_cast<char>(v >> shift));
}

// An IDX pair of `count` 3x5 RGB images with labels 0..count-1.
fs::path MakeIdx(int count) {
  const fs::path dir = fs::temp_directory_path() /
                       ("nasprune_probe_" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::ofstream images(dir / "train-images-idx3-ubyte", std::ios::binary);
  BigEndian(0x00000804, images);
  BigEndian(count, images);
  BigEndian(3, images);
  BigEndian(5, images);
  BigEndian(3, images);
  images << std::string(count * 3 * 5 * 3, '\7');
  std::ofstream labels(dir / "train-labels-idx1-ubyte", std::ios::binary);
  BigEndian(0x00000801, labels);
  BigEndian(count, labels);
  for (int i = 0; i < count; ++i) labels.put(static_cast<char>(i));
  return dir;
}

TEST(CompleteDatasetFromFiles, FillsWhatTheSpecLeavesOut) {
  const fs::path dir = MakeIdx(6);
  v1::DatasetSpec d;
  d.set_name("mine");
  d.set_path(dir.string());
  FieldErrors errors;
  CompleteDatasetFromFiles(&d, &errors);
  fs::remove_all(dir);
  EXPECT_TRUE(errors.ok()) << errors.ToStatus();
  EXPECT_EQ(d.format(), v1::DATASET_FORMAT_IDX);
  EXPECT_EQ(d.shape().channels(), 3);
  EXPECT_EQ(d.shape().height(), 3);
  EXPECT_EQ(d.shape().width(), 5);
  EXPECT_EQ(d.num_classes(), 6);
}

TEST(CompleteDatasetFromFiles, ReportsWhereTheSpecDisagrees) {
  const fs::path dir = MakeIdx(6);
  v1::DatasetSpec d;
  d.set_name("mine");
  d.set_path(dir.string());
  d.mutable_shape()->set_channels(1);
  d.mutable_shape()->set_height(3);
  d.mutable_shape()->set_width(5);
  d.set_num_classes(4);
  FieldErrors errors;
  CompleteDatasetFromFiles(&d, &errors);
  v1::DatasetSpec cifar = d;
  cifar.set_format(v1::DATASET_FORMAT_CIFAR10_BINARY);
  FieldErrors format_errors;
  CompleteDatasetFromFiles(&cifar, &format_errors);
  fs::remove_all(dir);
  ASSERT_EQ(errors.errors().size(), 2u);
  EXPECT_EQ(errors.paths()[0], "dataset.shape");
  EXPECT_NE(errors.errors()[0].find("1x3x5, but the images in"),
            std::string::npos);
  EXPECT_NE(errors.errors()[0].find("are 3x3x5"), std::string::npos);
  EXPECT_EQ(errors.paths()[1], "dataset.num_classes");
  EXPECT_NE(errors.errors()[1].find("has label 5"), std::string::npos);
  ASSERT_EQ(format_errors.errors().size(), 1u);
  EXPECT_NE(format_errors.errors()[0].find("cifar10_binary, but"),
            std::string::npos);
}

TEST(CompleteDatasetFromFiles, LeavesAPathItCannotReadToTheWorkers) {
  v1::DatasetSpec d;
  d.set_name("mine");
  d.set_path("/nonexistent/nasprune/data");
  FieldErrors errors;
  CompleteDatasetFromFiles(&d, &errors);
  EXPECT_TRUE(errors.ok());
  EXPECT_FALSE(d.has_shape());
  EXPECT_EQ(d.num_classes(), 0);
}

TEST(CompleteDatasetFromFiles, AFolderWithoutADataSetIsAnError) {
  const fs::path dir = fs::temp_directory_path() /
                       ("nasprune_probe_empty_" + std::to_string(getpid()));
  fs::create_directories(dir);
  v1::DatasetSpec d;
  d.set_name("mine");
  d.set_path(dir.string());
  FieldErrors errors;
  CompleteDatasetFromFiles(&d, &errors);
  fs::remove_all(dir);
  ASSERT_EQ(errors.paths().size(), 1u);
  EXPECT_EQ(errors.paths()[0], "dataset.path");
  EXPECT_NE(errors.errors()[0].find("neither IDX files"), std::string::npos);
}

TEST(ReadIdxImagesHeader, ReadsTheShapeOnly) {
  const fs::path dir = MakeIdx(2);
  const worker::IdxHeader h =
      worker::ReadIdxImagesHeader((dir / "train-images-idx3-ubyte").string());
  fs::remove_all(dir);
  EXPECT_EQ(h.count, 2);
  EXPECT_EQ(h.channels, 3);
  EXPECT_EQ(h.height, 3);
  EXPECT_EQ(h.width, 5);
}

}  // namespace
}  // namespace nasprune::cli
