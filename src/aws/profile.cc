#include "aws/profile.h"

#include <charconv>

namespace snapkeep::aws {
namespace {

std::string expand_home(std::string path, const Environment& env) {
  if (path == "~" || path.starts_with("~/")) {
    std::string home = env.get("HOME");
    if (!home.empty()) path = home + path.substr(1);
  }
  return path;
}

std::string default_aws_path(const Environment& env, std::string_view leaf) {
  return expand_home("~/.aws/" + std::string(leaf), env);
}

void overlay(IniValues& into, const IniValues& from) {
  for (const auto& [key, value] : from) into[key] = value;
}

std::string get(const IniValues& values, std::string_view key) {
  auto it = values.find(key);
  return it != values.end() ? it->second : std::string();
}

// Splits "profile NAME" (any whitespace between) into NAME; "" when the
// section is not of kind `kind`.
std::string_view section_of_kind(std::string_view section, std::string_view kind) {
  if (!section.starts_with(kind) || section.size() <= kind.size()) return {};
  std::string_view rest = section.substr(kind.size());
  if (rest.front() != ' ' && rest.front() != '\t') return {};
  while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\t')) rest.remove_prefix(1);
  return rest;
}

expected<std::optional<int>, std::string> parse_int(std::string_view text, std::string_view key,
                                                    int min, int max) {
  if (text.empty()) return std::optional<int>();
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) {
    return unexpected(std::string(key) + ": expected a whole number, got '" + std::string(text) +
                      "'");
  }
  if (value < min || value > max) {
    return unexpected(std::string(key) + ": " + std::string(text) + " is outside " +
                      std::to_string(min) + ".." + std::to_string(max));
  }
  return std::optional<int>(value);
}

std::string check_choice(std::string_view value, std::string_view key,
                         std::initializer_list<std::string_view> choices) {
  if (value.empty()) return {};
  std::string list;
  for (auto choice : choices) {
    if (value == choice) return {};
    list += list.empty() ? "" : "|";
    list += choice;
  }
  return std::string(key) + ": '" + std::string(value) + "' is not one of " + list;
}

}  // namespace

std::optional<IniValues> SharedFiles::config_profile(std::string_view name) const {
  std::optional<IniValues> out;
  for (const auto& section : config.sections) {
    bool match = section_of_kind(section.name, "profile") == name ||
                 (name == "default" && section.name == "default");
    if (!match) continue;
    if (!out) out.emplace();
    // [profile default] outranks [default] wherever it appears (botocore).
    if (section.name == "default" && out->size() > 0) {
      IniValues merged = section.values;
      overlay(merged, *out);
      *out = std::move(merged);
    } else {
      overlay(*out, section.values);
    }
  }
  return out;
}

const IniSection* SharedFiles::credentials_profile(std::string_view name) const {
  return credentials.find(name);
}

std::optional<IniValues> SharedFiles::profile(std::string_view name) const {
  std::optional<IniValues> out = config_profile(name);
  if (const IniSection* creds = credentials_profile(name)) {
    if (!out) out.emplace();
    overlay(*out, creds->values);
  }
  return out;
}

const IniSection* SharedFiles::config_section(std::string_view kind, std::string_view name) const {
  for (const auto& section : config.sections) {
    if (section_of_kind(section.name, kind) == name && !name.empty()) return &section;
  }
  return nullptr;
}

std::string credentials_file_path(const Environment& env) {
  std::string path = env.get("AWS_SHARED_CREDENTIALS_FILE");
  return path.empty() ? default_aws_path(env, "credentials") : expand_home(std::move(path), env);
}

std::string config_file_path(const Environment& env) {
  std::string path = env.get("AWS_CONFIG_FILE");
  return path.empty() ? default_aws_path(env, "config") : expand_home(std::move(path), env);
}

expected<SharedFiles, std::string> load_shared_files(const Environment& env) {
  SharedFiles files;
  files.credentials_path = credentials_file_path(env);
  files.config_path = config_file_path(env);
  auto credentials = load_ini(files.credentials_path);
  if (!credentials) return unexpected(std::move(credentials).error());
  files.credentials_found = credentials->found;
  files.credentials = std::move(credentials->file);
  auto config = load_ini(files.config_path);
  if (!config) return unexpected(std::move(config).error());
  files.config_found = config->found;
  files.config = std::move(config->file);
  return files;
}

std::string select_profile_name(const Environment& env, std::string_view explicit_name) {
  if (!explicit_name.empty()) return std::string(explicit_name);
  for (std::string_view var : {"AWS_PROFILE", "AWS_DEFAULT_PROFILE"}) {
    std::string value = env.get(var);
    if (!value.empty()) return value;
  }
  return "default";
}

expected<ProfileSettings, std::string> settings_from_values(std::string_view name,
                                                            const IniValues& values,
                                                            std::string_view where) {
  ProfileSettings s;
  s.name = std::string(name);
  s.exists = true;
  auto fail = [&](const std::string& why) {
    return unexpected("profile '" + s.name + "' (" + std::string(where) + "): " + why);
  };
  s.region = get(values, "region");
  auto max_attempts = parse_int(get(values, "max_attempts"), "max_attempts", 1, 100);
  if (!max_attempts) return fail(max_attempts.error());
  s.max_attempts = *max_attempts;
  s.retry_mode = get(values, "retry_mode");
  if (auto why = check_choice(s.retry_mode, "retry_mode", {"legacy", "standard", "adaptive"});
      !why.empty()) {
    return fail(why);
  }
  s.role_arn = get(values, "role_arn");
  s.source_profile = get(values, "source_profile");
  s.credential_source = get(values, "credential_source");
  if (auto why = check_choice(s.credential_source, "credential_source",
                              {"Environment", "Ec2InstanceMetadata", "EcsContainer"});
      !why.empty()) {
    return fail(why);
  }
  s.external_id = get(values, "external_id");
  s.role_session_name = get(values, "role_session_name");
  s.mfa_serial = get(values, "mfa_serial");
  auto duration = parse_int(get(values, "duration_seconds"), "duration_seconds", 900, 43200);
  if (!duration) return fail(duration.error());
  s.duration_seconds = *duration;
  s.web_identity_token_file = get(values, "web_identity_token_file");
  s.endpoint_url = get(values, "endpoint_url");
  s.services = get(values, "services");
  s.sts_regional_endpoints = get(values, "sts_regional_endpoints");
  if (auto why =
          check_choice(s.sts_regional_endpoints, "sts_regional_endpoints", {"regional", "legacy"});
      !why.empty()) {
    return fail(why);
  }
  return s;
}

expected<ProfileSettings, std::string> resolve_profile(const SharedFiles& files,
                                                       std::string_view name,
                                                       const Environment& env) {
  std::optional<IniValues> values = files.profile(name);
  if (!values && name != "default") {
    return unexpected("profile '" + std::string(name) + "' not found in " + files.config_path +
                      " or " + files.credentials_path);
  }
  auto settings = settings_from_values(name, values.value_or(IniValues{}),
                                       files.config_path + ", " + files.credentials_path);
  if (!settings) return settings;
  settings->exists = values.has_value();
  // Environment variables outrank the profile (the SDKs' order).
  IniValues from_env;
  for (auto [var, key] :
       {std::pair{"AWS_MAX_ATTEMPTS", "max_attempts"}, std::pair{"AWS_RETRY_MODE", "retry_mode"},
        std::pair{"AWS_STS_REGIONAL_ENDPOINTS", "sts_regional_endpoints"}}) {
    std::string value = env.get(var);
    if (!value.empty()) from_env[key] = value;
  }
  if (!from_env.empty()) {
    auto env_settings = settings_from_values(name, from_env, "environment");
    if (!env_settings) return env_settings;
    if (env_settings->max_attempts) settings->max_attempts = env_settings->max_attempts;
    if (!env_settings->retry_mode.empty()) settings->retry_mode = env_settings->retry_mode;
    if (!env_settings->sts_regional_endpoints.empty()) {
      settings->sts_regional_endpoints = env_settings->sts_regional_endpoints;
    }
  }
  for (std::string_view var : {"AWS_REGION", "AWS_DEFAULT_REGION"}) {
    std::string region = env.get(var);
    if (!region.empty()) {
      settings->region = region;
      break;
    }
  }
  return settings;
}

}  // namespace snapkeep::aws
