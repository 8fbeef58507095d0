#include "cli/config.h"

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "cli/controller_client.h"
#include "common/jobspec/yaml_proto.h"
#include "yaml-cpp/yaml.h"

namespace nasprune::cli {
namespace {

constexpr char kDefaultController[] = "127.0.0.1:50051";

// The config file to read and whether it must exist.
struct ConfigFile {
  std::string path;
  bool required = false;
};

ConfigFile FindConfigFile(const std::string& flag, const GetEnv& getenv) {
  if (!flag.empty()) return {flag, true};
  if (const char* named = getenv("NASPRUNE_CONFIG"); named && *named) {
    return {named, true};
  }
  if (const char* xdg = getenv("XDG_CONFIG_HOME"); xdg && *xdg) {
    return {absl::StrCat(xdg, "/nasprune/config.yaml"), false};
  }
  if (const char* home = getenv("HOME"); home && *home) {
    return {absl::StrCat(home, "/.config/nasprune/config.yaml"), false};
  }
  return {};
}

// The file's settings over `settings`.
absl::Status ReadConfig(const ConfigFile& file, ConnectionSettings* settings) {
  if (file.path.empty()) return absl::OkStatus();
  std::error_code error;
  if (!file.required && !std::filesystem::exists(file.path, error)) {
    return absl::OkStatus();
  }
  absl::StatusOr<std::string> text = ReadTextFile(file.path, 1 << 20);
  if (!text.ok()) return text.status();
  YAML::Node root;
  try {
    root = YAML::Load(*text);
  } catch (const YAML::ParserException& e) {
    return absl::InvalidArgumentError(
        absl::StrCat(file.path, ":", e.mark.line + 1, ":", e.mark.column + 1,
                     ": not valid YAML: ", e.msg));
  }
  if (root.IsNull()) return absl::OkStatus();  // An empty file.
  if (!root.IsMap()) {
    return absl::InvalidArgumentError(absl::StrCat(
        file.path, ": not a map of settings (want \"controller: HOST:PORT\")"));
  }
  for (const auto& entry : root) {
    const YAML::Mark mark = entry.first.Mark();
    const std::string where =
        absl::StrCat(file.path, ":", mark.line + 1, ":", mark.column + 1);
    if (!entry.first.IsScalar()) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, ": a setting name is not a word; known: controller"));
    }
    const std::string key = entry.first.Scalar();
    if (key != "controller") {
      return absl::InvalidArgumentError(absl::StrCat(
          where, ": ", key, ": unknown setting; known: controller"));
    }
    if (!entry.second.IsScalar()) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": controller: want HOST:PORT"));
    }
    settings->controller = entry.second.Scalar();
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ConnectionSettings> ResolveSettings(
    const std::string& controller_flag, const std::string& config_flag,
    const GetEnv& getenv) {
  ConnectionSettings settings{.controller = kDefaultController};
  if (absl::Status s =
          ReadConfig(FindConfigFile(config_flag, getenv), &settings);
      !s.ok()) {
    return s;
  }
  if (const char* env = getenv("NASPRUNE_CONTROLLER"); env && *env) {
    settings.controller = env;
  }
  if (!controller_flag.empty()) settings.controller = controller_flag;
  absl::StatusOr<std::string> address = ControllerAddress(settings.controller);
  if (!address.ok()) return address.status();
  settings.controller = *std::move(address);
  return settings;
}

}  // namespace nasprune::cli
