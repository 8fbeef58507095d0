#include "common/artifacts/artifacts.h"

#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "common/canonical/canonical.h"
#include "gtest/gtest.h"

namespace nasprune::artifacts {
namespace {

class ArtifactsTest : public ::testing::Test {
 protected:
  ArtifactsTest() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "artifacts-XXXXXX").string();
    dir_ = mkdtemp(pattern.data());
  }
  ~ArtifactsTest() override { std::filesystem::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& data) {
    const std::string path = dir_ + "/" + name;
    std::ofstream(path, std::ios::binary) << data;
    return path;
  }

  std::string dir_;
};

TEST_F(ArtifactsTest, AnArchiveIsNamedByItsDigest) {
  EXPECT_EQ(PathFor("/m", "ab12"), "/m/ab12.pt");
  const std::string temporary = TemporaryPath(dir_, "job-1/7", 2);
  EXPECT_EQ(std::filesystem::path(temporary).parent_path(), dir_);
  const std::string name = std::filesystem::path(temporary).filename();
  EXPECT_EQ(name.rfind(".tmp-job_1_7-2-", 0), 0u) << name;
  EXPECT_NE(TemporaryPath(dir_, "job-1/7", 2), temporary);  // Never shared.
}

TEST_F(ArtifactsTest, PublishMovesTheFileUnderItsSha256) {
  const std::string data(3'000'000, 'x');  // More than one read chunk.
  const std::string temporary = Write(".tmp-a.pt", data);
  absl::StatusOr<std::string> digest = Publish(dir_, temporary);
  ASSERT_TRUE(digest.ok()) << digest.status();
  EXPECT_EQ(*digest, Sha256Hex(data));
  EXPECT_FALSE(std::filesystem::exists(temporary));
  EXPECT_TRUE(Has(dir_, *digest));
  absl::StatusOr<std::string> read = ReadVerified(dir_, *digest);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(*read, data);
}

TEST_F(ArtifactsTest, AFileThatChangedAfterItWasScoredIsNotPublished) {
  const std::string temporary = Write(".tmp-b.pt", "changed");
  absl::StatusOr<std::string> digest =
      Publish(dir_, temporary, Sha256Hex("scored"));
  EXPECT_EQ(digest.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_FALSE(std::filesystem::exists(temporary));
  EXPECT_FALSE(Has(dir_, Sha256Hex("changed")));
}

TEST_F(ArtifactsTest, PublishingAMissingFileFailsNamingIt) {
  absl::StatusOr<std::string> digest = Publish(dir_, dir_ + "/.tmp-none.pt");
  EXPECT_EQ(digest.status().code(), absl::StatusCode::kInternal);
  EXPECT_NE(digest.status().message().find(".tmp-none.pt"), std::string::npos);
}

TEST_F(ArtifactsTest, ADamagedArchiveIsDataLoss) {
  const std::string digest = Sha256Hex("model");
  Write(digest + ".pt", "modem");
  EXPECT_TRUE(Has(dir_, digest));
  EXPECT_EQ(ReadVerified(dir_, digest).status().code(),
            absl::StatusCode::kDataLoss);
}

TEST_F(ArtifactsTest, AMissingArchiveIsNotFound) {
  EXPECT_FALSE(Has(dir_, Sha256Hex("none")));
  EXPECT_FALSE(Has("", Sha256Hex("none")));
  EXPECT_FALSE(Has(dir_, ""));
  EXPECT_EQ(ReadVerified(dir_, Sha256Hex("none")).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(ArtifactsTest, FileSha256ReadsInPieces) {
  const std::string data(2'500'000, 'q');
  EXPECT_EQ(*FileSha256(Write("f", data)), Sha256Hex(data));
  EXPECT_EQ(FileSha256(dir_ + "/nope").status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(ArtifactsTest, AWriterCommitsOnlyWhatWasAnnounced) {
  const std::string path = dir_ + "/out.pt";
  {
    absl::StatusOr<std::unique_ptr<FileWriter>> writer =
        FileWriter::Create(path);
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE((*writer)->Append("hello ").ok());
    ASSERT_TRUE((*writer)->Append("world").ok());
    EXPECT_EQ((*writer)->Commit(11, Sha256Hex("hello world")),
              absl::OkStatus());
    EXPECT_EQ((*writer)->sha256(), Sha256Hex("hello world"));
    EXPECT_EQ((*writer)->Commit(11, "").code(),
              absl::StatusCode::kFailedPrecondition);
  }
  std::ifstream in(path);
  std::string read((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(read, "hello world");
  EXPECT_FALSE(std::filesystem::exists(path + ".part"));
}

TEST_F(ArtifactsTest, ADamagedDownloadLeavesNothingBehind) {
  const std::string path = dir_ + "/bad.pt";
  {
    absl::StatusOr<std::unique_ptr<FileWriter>> writer =
        FileWriter::Create(path);
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE((*writer)->Append("hello").ok());
    EXPECT_EQ((*writer)->Commit(5, Sha256Hex("hellp")).code(),
              absl::StatusCode::kDataLoss);
  }
  {
    absl::StatusOr<std::unique_ptr<FileWriter>> writer =
        FileWriter::Create(path);
    ASSERT_TRUE((*writer)->Append("hello").ok());
    EXPECT_EQ((*writer)->Commit(6, "").code(), absl::StatusCode::kDataLoss);
  }
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_FALSE(std::filesystem::exists(path + ".part"));
}

TEST_F(ArtifactsTest, AWriterForAnUnwritablePathFailsNamingIt) {
  absl::StatusOr<std::unique_ptr<FileWriter>> writer =
      FileWriter::Create(dir_ + "/no/such/dir/m.pt");
  EXPECT_EQ(writer.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(writer.status().message().find("no/such/dir/m.pt"),
            std::string::npos);
}

}  // namespace
}  // namespace nasprune::artifacts
