#include "cli/config_file.h"

#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

namespace snapkeep::cli {

namespace {

// A config file larger than this is not a snapkeep configuration: refusing it
// keeps a mistaken --config /dev/zero or a log file from being read whole.
constexpr std::uintmax_t kMaxConfigBytes = 4U * 1024U * 1024U;

core::ConfigError file_error(const std::string& path, std::string message) {
  return core::ConfigError{path, 0, 0, std::move(message)};
}

}  // namespace

snapkeep::expected<core::Config, std::vector<core::ConfigError>> load_config_file(
    const std::string& path) {
  std::error_code ec;
  auto status = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(status)) {
    return snapkeep::unexpected(
        std::vector{file_error(path,
                               "cannot read the configuration file: it does not exist (give "
                               "another with --config FILE)")});
  }
  if (std::filesystem::is_directory(status)) {
    return snapkeep::unexpected(
        std::vector{file_error(path, "cannot read the configuration file: it is a directory")});
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return snapkeep::unexpected(
        std::vector{file_error(path, std::string("cannot read the configuration file: ") +
                                         std::generic_category().message(errno))});
  }
  std::string text;
  char buffer[65536];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
    text.append(buffer, static_cast<std::size_t>(in.gcount()));
    if (text.size() > kMaxConfigBytes) {
      return snapkeep::unexpected(std::vector{
          file_error(path,
                     "cannot read the configuration file: it is larger than 4 MiB, too large for a "
                     "snapkeep configuration")});
    }
  }
  if (in.bad()) {
    return snapkeep::unexpected(
        std::vector{file_error(path, "cannot read the configuration file: a read error occurred")});
  }
  return core::parse_config(text, path);
}

core::Notify notify_of_invalid_config(const std::string& path) {
  core::Notify notify;
  try {
    YAML::Node root = YAML::LoadFile(path);
    if (!root.IsMap() || !root["notify"] || !root["notify"].IsMap()) return notify;
    YAML::Node section = root["notify"];
    auto text = [&](const char* key) -> std::string {
      YAML::Node node = section[key];
      return node && node.IsScalar() ? node.Scalar() : std::string();
    };
    if (std::string url = text("webhook_url");
        url.starts_with("https://") || url.starts_with("http://")) {
      notify.webhook_url = url;
    }
    if (std::string arn = text("sns_topic_arn"); arn.starts_with("arn:")) {
      notify.sns_topic_arn = arn;
    }
  } catch (const std::exception&) {
    // Not even YAML: there is nowhere to send to.
  }
  return notify;
}

}  // namespace snapkeep::cli
