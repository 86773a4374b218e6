// Fuzz target: the shared credentials/config file parser (aws/ini.h) and
// profile resolution over it (aws/profile.h, aws/endpoints.h). Byte 0 holds
// flags (which environment overrides are set); the rest is split at the first
// "\n--\n" line into the credentials file and the config file (no separator:
// the same text is both). Every profile named in either file is resolved and
// its ec2 endpoint computed.
//
// Invariants: a malformed file's message names the file and a line
// ("path:line: why"); a parsed file's sections each start on a line within
// the text; resolving a profile found in the files says it exists.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include "aws/endpoints.h"
#include "aws/ini.h"
#include "aws/profile.h"
#include "fuzz_check.h"

namespace {

using namespace snapkeep::aws;
using snapkeep::fuzz::check;

std::size_t count_lines(std::string_view text) {
  std::size_t lines = 1;
  for (char c : text) lines += c == '\n' ? 1 : 0;
  return lines;
}

// Parses one file; false (after checking the message) when it is malformed.
bool parse_file(std::string_view text, const std::string& path, IniFile& out) {
  auto parsed = parse_ini(text, path);
  if (!parsed) {
    check(parsed.error().starts_with(path + ":"), "an INI error names the file");
    return false;
  }
  for (const auto& section : parsed->sections) {
    check(section.line >= 1 && static_cast<std::size_t>(section.line) <= count_lines(text),
          "a section's line is within the file");
  }
  out = std::move(*parsed);
  return true;
}

void add_profile_names(const IniFile& file, bool config, std::set<std::string>& names) {
  for (const auto& section : file.sections) {
    std::string_view name = section.name;
    if (config && name.starts_with("profile ")) name.remove_prefix(8);
    names.emplace(name);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::uint8_t flags = data[0];
  const std::string_view text = snapkeep::fuzz::as_text(data + 1, size - 1);
  std::string_view credentials_text = text;
  std::string_view config_text = text;
  if (const auto split = text.find("\n--\n"); split != std::string_view::npos) {
    credentials_text = text.substr(0, split + 1);
    config_text = text.substr(split + 4);
  }

  SharedFiles files;
  files.credentials_path = "/fuzz/credentials";
  files.config_path = "/fuzz/config";
  files.credentials_found = parse_file(credentials_text, files.credentials_path, files.credentials);
  files.config_found = parse_file(config_text, files.config_path, files.config);
  if (!files.credentials_found || !files.config_found) return 0;

  MapEnvironment env;
  if (flags & 1) env.set("AWS_REGION", "eu-west-1");
  if (flags & 2) env.set("AWS_MAX_ATTEMPTS", "7");
  if (flags & 4) env.set("AWS_ENDPOINT_URL", "http://127.0.0.1:5000");
  if (flags & 8) env.set("AWS_STS_REGIONAL_ENDPOINTS", "legacy");
  if (flags & 16) env.set("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true");

  std::set<std::string> names{"default"};
  add_profile_names(files.credentials, false, names);
  add_profile_names(files.config, true, names);
  for (const auto& name : names) {
    (void)files.config_section("services", name);
    const auto settings = resolve_profile(files, name, env);
    if (!settings) {
      check(!settings.error().empty(), "a profile error says why");
      continue;
    }
    if (files.profile(name)) check(settings->exists, "a profile in the files exists");
    const std::string region = settings->region.empty() ? "us-east-1" : settings->region;
    for (std::string_view service : {"ec2", "sts"}) {
      const auto endpoint =
          resolve_endpoint(service, region, EndpointInputs{{}, &files, &*settings}, env);
      if (endpoint) {
        check(endpoint->url.starts_with("http://") || endpoint->url.starts_with("https://"),
              "an endpoint is an http(s) URL");
      }
    }
  }
  return 0;
}
