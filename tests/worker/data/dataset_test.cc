#include "worker/data/dataset.h"

#include <set>

#include "gtest/gtest.h"
#include "tests/worker/testing/data_files.h"
#include "worker/data/data_error.h"

namespace nasprune::worker {
namespace {

using testing::TempDir;

DataOptions Toy(const TempDir& dir) {
  DataOptions o;
  o.directory = dir.path();
  o.num_classes = 4;
  o.validation_fraction = 0.2;
  return o;
}

TEST(LoadDatasets, SplitsDeterministicallyAndDisjointly) {
  TempDir dir;
  testing::WriteToyIdx(dir.path(), 200, 8, 8, 4, /*gzip=*/true);
  const Datasets a = LoadDatasets(Toy(dir));
  const Datasets b = LoadDatasets(Toy(dir));
  EXPECT_EQ(a.train.size(), 160);
  EXPECT_EQ(a.validation.size(), 40);
  EXPECT_EQ(a.channels, 1);
  EXPECT_EQ(a.height, 8);
  EXPECT_TRUE(torch::equal(a.train.images, b.train.images));
  EXPECT_TRUE(torch::equal(a.validation.labels, b.validation.labels));
  // No validation image appears in the training split.
  const auto flat_train = a.train.images.flatten(1);
  const auto flat_val = a.validation.images.flatten(1);
  const auto distances = torch::cdist(flat_val, flat_train);
  EXPECT_GT(distances.min().item<float>(), 0.0f);
  EXPECT_FALSE(a.test.labels.defined());
}

TEST(LoadDatasets, NormalizesWithTrainingStatistics) {
  TempDir dir;
  testing::WriteToyIdx(dir.path(), 300, 8, 8, 4, false);
  const Datasets d = LoadDatasets(Toy(dir));
  EXPECT_NEAR(d.train.images.mean().item<float>(), 0.0f, 1e-4);
  EXPECT_NEAR(d.train.images.std().item<float>(), 1.0f, 1e-2);
  ASSERT_EQ(d.mean.size(), 1u);
  EXPECT_GT(d.mean[0], 0.1f);
}

TEST(LoadDatasets, SubsetsAndTestSplit) {
  TempDir dir;
  testing::WriteToyIdx(dir.path(), 200, 8, 8, 4, false);
  DataOptions o = Toy(dir);
  o.train_subset = 50;
  o.validation_subset = 7;
  o.load_test = true;
  const Datasets d = LoadDatasets(o);
  EXPECT_EQ(d.train.size(), 50);
  EXPECT_EQ(d.validation.size(), 7);
  EXPECT_EQ(d.test.size(), 40);
  // The subset is a prefix of the full split, so fidelities nest.
  const Datasets full = LoadDatasets(Toy(dir));
  EXPECT_TRUE(torch::equal(d.train.labels, full.train.labels.slice(0, 0, 50)));
}

TEST(LoadDatasets, InfersClassCount) {
  TempDir dir;
  testing::WriteToyIdx(dir.path(), 100, 4, 4, 3, false);
  DataOptions o = Toy(dir);
  o.num_classes = 0;
  EXPECT_EQ(LoadDatasets(o).num_classes, 3);
}

TEST(LoadDatasets, BadValidationFraction) {
  TempDir dir;
  DataOptions o = Toy(dir);
  o.validation_fraction = 0.9;
  EXPECT_THROW(LoadDatasets(o), DataError);
}

TEST(LoadDatasets, MissingFilesNameTheDirectory) {
  TempDir dir;
  try {
    LoadDatasets(Toy(dir));
    FAIL();
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find(
                  dir.path() + ": none of train-images-idx3-ubyte.gz"),
              std::string::npos)
        << e.what();
  }
}

TEST(ResolveDatasetDirectory, SearchPathAndExplicitPath) {
  TempDir root;
  std::filesystem::create_directories(root.File("toy"));
  EXPECT_EQ(ResolveDatasetDirectory("toy", "", {"/nonexistent", root.path()}),
            root.File("toy"));
  EXPECT_EQ(ResolveDatasetDirectory("other", root.File("toy"), {}),
            root.File("toy"));
  try {
    ResolveDatasetDirectory("absent", "", {root.path()});
    FAIL();
  } catch (const DataError& e) {
    EXPECT_NE(
        std::string(e.what()).find("data set \"absent\" not found (looked in " +
                                   root.File("absent")),
        std::string::npos)
        << e.what();
  }
  EXPECT_THROW(ResolveDatasetDirectory("x", root.File("missing"), {}),
               DataError);
}

TEST(BatchIterator, VisitsEveryExampleOnceInASeededOrder) {
  Split split{torch::arange(10, torch::kFloat32).view({10, 1, 1, 1}),
              torch::arange(10, torch::kInt64)};
  auto epoch = [&](uint64_t seed) {
    BatchIterator it(split, 4, seed, false, false);
    EXPECT_EQ(it.batches(), 3);
    std::vector<int64_t> seen;
    torch::Tensor images, labels;
    while (it.Next(&images, &labels)) {
      EXPECT_TRUE(torch::equal(images.view({-1}).to(torch::kInt64), labels));
      for (int64_t i = 0; i < labels.size(0); ++i) {
        seen.push_back(labels[i].item<int64_t>());
      }
    }
    return seen;
  };
  const auto a = epoch(1), b = epoch(1), c = epoch(2);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  EXPECT_EQ(std::set<int64_t>(a.begin(), a.end()).size(), 10u);
}

TEST(Augment, CropsWithinThePaddingAndFlips) {
  torch::Generator gen = at::detail::createCPUGenerator(3);
  const auto images =
      torch::arange(2 * 1 * 6 * 6, torch::kFloat32).view({2, 1, 6, 6}).add(1);
  const auto out = Augment(images, 2, /*flip=*/true, gen);
  EXPECT_EQ(out.sizes(), images.sizes());
  // Every output pixel is either padding (0) or a pixel of the same image.
  for (int n = 0; n < 2; ++n) {
    const auto values = out[n].flatten();
    for (int64_t i = 0; i < values.size(0); ++i) {
      const float v = values[i].item<float>();
      EXPECT_TRUE(v == 0 || (v > 36 * n && v <= 36 * (n + 1))) << v;
    }
  }
}

}  // namespace
}  // namespace nasprune::worker
