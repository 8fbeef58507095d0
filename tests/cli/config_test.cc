#include "cli/config.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "cli/controller_client.h"
#include "gtest/gtest.h"

namespace nasprune::cli {
namespace {

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("nasprune-config-test-" + std::to_string(getpid()));
    std::filesystem::create_directories(dir_ / "nasprune");
    env_["XDG_CONFIG_HOME"] = dir_.string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  void WriteDefaultConfig(const std::string& text) {
    std::ofstream(dir_ / "nasprune" / "config.yaml") << text;
  }
  absl::StatusOr<ConnectionSettings> Resolve(const std::string& flag = "",
                                             const std::string& config = "") {
    return ResolveSettings(flag, config, [this](const char* name) {
      const auto it = env_.find(name);
      return it == env_.end() ? nullptr : it->second.c_str();
    });
  }

  std::filesystem::path dir_;
  std::map<std::string, std::string> env_;
};

TEST_F(ConfigTest, DefaultsToLoopbackWithoutAnyConfig) {
  const auto settings = Resolve();
  ASSERT_TRUE(settings.ok()) << settings.status();
  EXPECT_EQ(settings->controller, "127.0.0.1:50051");
}

TEST_F(ConfigTest, FlagBeatsEnvironmentBeatsFileBeatsDefault) {
  WriteDefaultConfig("controller: file-host:7000\n");
  EXPECT_EQ(Resolve()->controller, "file-host:7000");
  env_["NASPRUNE_CONTROLLER"] = "env-host:7001";
  EXPECT_EQ(Resolve()->controller, "env-host:7001");
  EXPECT_EQ(Resolve("flag-host:7002")->controller, "flag-host:7002");
}

TEST_F(ConfigTest, AHostWithoutAPortGetsTheDefaultPort) {
  EXPECT_EQ(Resolve("localhost")->controller, "localhost:50051");
  EXPECT_EQ(Resolve("[::1]")->controller, "[::1]:50051");
  EXPECT_EQ(Resolve("[::1]:6000")->controller, "[::1]:6000");
  EXPECT_EQ(Resolve("::1")->controller, "[::1]:50051");
}

TEST_F(ConfigTest, BadAddressesNameTheProblem) {
  for (const char* bad : {"host:0", "host:70000", "host:http", ":5000"}) {
    const auto settings = Resolve(bad);
    ASSERT_FALSE(settings.ok()) << bad;
    EXPECT_EQ(settings.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(settings.status().message().find("controller address"),
              std::string::npos)
        << settings.status();
  }
}

TEST_F(ConfigTest, ANamedConfigFileMustExist) {
  const std::string missing = (dir_ / "absent.yaml").string();
  auto settings = Resolve("", missing);
  EXPECT_EQ(settings.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(settings.status().message().find(missing), std::string::npos);
  env_["NASPRUNE_CONFIG"] = missing;
  EXPECT_EQ(Resolve().status().code(), absl::StatusCode::kNotFound);
}

TEST_F(ConfigTest, AnUnknownSettingNamesTheFileLineAndKey) {
  WriteDefaultConfig("controller: h:1\ncontroler: h:2\n");
  const auto settings = Resolve();
  ASSERT_EQ(settings.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(settings.status().message().find("config.yaml:2:1: controler: "
                                             "unknown setting"),
            std::string::npos)
      << settings.status();
}

TEST_F(ConfigTest, AFileThatIsNotAMapIsRefused) {
  WriteDefaultConfig("- controller\n");
  EXPECT_EQ(Resolve().status().code(), absl::StatusCode::kInvalidArgument);
  WriteDefaultConfig("controller: [a, b]\n");
  EXPECT_EQ(Resolve().status().code(), absl::StatusCode::kInvalidArgument);
  WriteDefaultConfig("controller: {a\n");
  EXPECT_EQ(Resolve().status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace nasprune::cli
