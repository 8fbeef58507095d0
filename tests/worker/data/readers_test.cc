#include "worker/data/readers.h"

#include <string>

#include "gtest/gtest.h"
#include "tests/worker/testing/data_files.h"
#include "worker/data/data_error.h"

namespace nasprune::worker {
namespace {

using testing::IdxImages;
using testing::IdxLabels;
using testing::TempDir;
using testing::WriteBytes;

void ExpectDataError(const std::function<void()>& read,
                     const std::string& expected) {
  try {
    read();
    ADD_FAILURE() << "no error; expected: " << expected;
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find(expected), std::string::npos)
        << "got: " << e.what() << "\nexpected: " << expected;
  }
}

class IdxTest : public ::testing::TestWithParam<bool> {};

TEST_P(IdxTest, ReadsImagesAndLabels) {
  TempDir dir;
  WriteBytes(dir.File("img"),
             IdxImages(2, 2, 3, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}),
             GetParam());
  WriteBytes(dir.File("lab"), IdxLabels({3, 0}), GetParam());
  const ImageSet set = ReadIdx(dir.File("img"), dir.File("lab"), 10);
  EXPECT_EQ(set.count, 2);
  EXPECT_EQ(set.channels, 1);
  EXPECT_EQ(set.height, 2);
  EXPECT_EQ(set.width, 3);
  EXPECT_EQ(set.pixels[7], 8);
  EXPECT_EQ(set.labels, (std::vector<int64_t>{3, 0}));
}

INSTANTIATE_TEST_SUITE_P(RawAndGzip, IdxTest, ::testing::Bool(),
                         [](const auto& info) {
                           return info.param ? "Gzip" : "Raw";
                         });

TEST(ReadIdx, FourDimensionalImagesBecomeChannelMajor) {
  TempDir dir;
  std::string img;
  testing::PutBigEndian(&img, 0x00000804);
  for (uint32_t d : {1u, 1u, 2u, 3u}) testing::PutBigEndian(&img, d);
  img += std::string("\x01\x02\x03\x04\x05\x06", 6);  // HWC: (1,2,3),(4,5,6)
  WriteBytes(dir.File("img"), img, false);
  WriteBytes(dir.File("lab"), IdxLabels({1}), false);
  const ImageSet set = ReadIdx(dir.File("img"), dir.File("lab"), 0);
  EXPECT_EQ(set.channels, 3);
  EXPECT_EQ(set.pixels, (std::vector<uint8_t>{1, 4, 2, 5, 3, 6}));
}

TEST(ReadIdx, MissingFile) {
  TempDir dir;
  ExpectDataError([&] { ReadIdx(dir.File("nope"), dir.File("lab"), 10); },
                  dir.File("nope") + ": cannot open");
}

TEST(ReadIdx, WrongMagic) {
  TempDir dir;
  WriteBytes(dir.File("img"), IdxLabels({1, 2}), false);
  WriteBytes(dir.File("lab"), IdxLabels({1, 2}), false);
  ExpectDataError([&] { ReadIdx(dir.File("img"), dir.File("lab"), 10); },
                  dir.File("img") +
                      ": wrong magic number 0x00000801 (expected 0x00000803 or "
                      "0x00000804)");
}

TEST(ReadIdx, TruncatedHeader) {
  TempDir dir;
  WriteBytes(dir.File("img"), IdxImages(1, 2, 2, {1, 2, 3, 4}).substr(0, 9),
             false);
  WriteBytes(dir.File("lab"), IdxLabels({1}), false);
  ExpectDataError([&] { ReadIdx(dir.File("img"), dir.File("lab"), 10); },
                  "truncated IDX header");
}

TEST(ReadIdx, TruncatedData) {
  TempDir dir;
  WriteBytes(dir.File("img"), IdxImages(2, 2, 2, {1, 2, 3, 4, 5}), false);
  WriteBytes(dir.File("lab"), IdxLabels({1, 2}), false);
  ExpectDataError([&] { ReadIdx(dir.File("img"), dir.File("lab"), 10); },
                  "truncated: the header promises 8 bytes of data, the file "
                  "has 5");
}

TEST(ReadIdx, TrailingBytes) {
  TempDir dir;
  WriteBytes(dir.File("img"), IdxImages(1, 1, 2, {1, 2, 3}), false);
  WriteBytes(dir.File("lab"), IdxLabels({1}), false);
  ExpectDataError([&] { ReadIdx(dir.File("img"), dir.File("lab"), 10); },
                  "has 1 unexpected bytes after the data");
}

TEST(ReadIdx, LabelCountMismatch) {
  TempDir dir;
  WriteBytes(dir.File("img"), IdxImages(2, 1, 1, {1, 2}), false);
  WriteBytes(dir.File("lab"), IdxLabels({1, 2, 3}), false);
  ExpectDataError([&] { ReadIdx(dir.File("img"), dir.File("lab"), 10); },
                  dir.File("lab") + ": has 3 labels but " + dir.File("img") +
                      " has 2 images");
}

TEST(ReadIdx, LabelOutOfRange) {
  TempDir dir;
  WriteBytes(dir.File("img"), IdxImages(2, 1, 1, {1, 2}), false);
  WriteBytes(dir.File("lab"), IdxLabels({1, 12}), false);
  ExpectDataError([&] { ReadIdx(dir.File("img"), dir.File("lab"), 10); },
                  "label 12 of example 1 is out of range for 10 classes");
}

TEST(ReadIdx, CorruptGzip) {
  TempDir dir;
  WriteBytes(dir.File("img"), std::string("\x1f\x8b\x08\x00garbagegarbage", 18),
             false);
  WriteBytes(dir.File("lab"), IdxLabels({1}), false);
  ExpectDataError([&] { ReadIdx(dir.File("img"), dir.File("lab"), 10); },
                  dir.File("img") + ": corrupt gzip data");
}

TEST(ReadIdx, TruncatedGzip) {
  TempDir dir;
  WriteBytes(dir.File("full.gz"),
             IdxImages(4, 8, 8, std::vector<uint8_t>(256, 7)), true);
  const std::string gz = ReadFileBytes(dir.File("full.gz"));  // Gunzipped.
  std::ifstream in(dir.File("full.gz"), std::ios::binary);
  std::string raw((std::istreambuf_iterator<char>(in)), {});
  WriteBytes(dir.File("img"), raw.substr(0, raw.size() / 2), false);
  WriteBytes(dir.File("lab"), IdxLabels({1, 1, 1, 1}), false);
  EXPECT_EQ(gz.size(), 16u + 256u);
  ExpectDataError([&] { ReadIdx(dir.File("img"), dir.File("lab"), 10); },
                  dir.File("img") + ": truncated gzip stream");
}

TEST(ReadCifar10, ReadsRecords) {
  TempDir dir;
  std::string records;
  for (int r = 0; r < 3; ++r) {
    records.push_back(static_cast<char>(r));
    records += std::string(3072, static_cast<char>(10 * r));
  }
  WriteBytes(dir.File("b.bin"), records, false);
  const ImageSet set = ReadCifar10({dir.File("b.bin")}, 10);
  EXPECT_EQ(set.count, 3);
  EXPECT_EQ(set.channels, 3);
  EXPECT_EQ(set.labels, (std::vector<int64_t>{0, 1, 2}));
  EXPECT_EQ(set.pixels[3072 * 2], 20);
}

TEST(ReadCifar10, PartialRecord) {
  TempDir dir;
  WriteBytes(dir.File("b.bin"), std::string(3073 + 5, '\0'), false);
  ExpectDataError([&] { ReadCifar10({dir.File("b.bin")}, 10); },
                  "size 3078 is not a whole number of CIFAR-10 records");
}

TEST(ReadCifar10, LabelOutOfRange) {
  TempDir dir;
  std::string record(3073, '\0');
  record[0] = 10;
  WriteBytes(dir.File("b.bin"), record, false);
  ExpectDataError([&] { ReadCifar10({dir.File("b.bin")}, 10); },
                  "label 10 of example 0 is out of range for 10 classes");
}

}  // namespace
}  // namespace nasprune::worker
