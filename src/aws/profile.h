// Shared configuration files and profiles: which profile is in use, where
// ~/.aws/credentials and ~/.aws/config are, and the settings a profile gives
// (region, retries, assume-role and web-identity keys, endpoint overrides),
// with the environment variables that outrank them.
//
// Profile selection: an explicit name (--profile), else AWS_PROFILE, else
// AWS_DEFAULT_PROFILE, else "default". Files: AWS_SHARED_CREDENTIALS_FILE and
// AWS_CONFIG_FILE, else $HOME/.aws/credentials and $HOME/.aws/config (a
// leading "~/" is expanded with HOME). In the config file a profile is
// `[profile NAME]` (and `[default]`); in the credentials file it is `[NAME]`.
// As in botocore, a profile's settings are its config-file keys overlaid by
// its credentials-file keys.
//
// Thread safety: values and pure functions; SharedFiles is read-only once
// loaded and may be shared between threads.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "aws/environment.h"
#include "aws/ini.h"
#include "util/expected.h"

namespace snapkeep::aws {

struct SharedFiles {
  std::string credentials_path;
  bool credentials_found = false;
  IniFile credentials;
  std::string config_path;
  bool config_found = false;
  IniFile config;

  // Profile `name` in the config file ([profile NAME], or [default] /
  // [profile default] merged for "default"); nullopt when absent.
  std::optional<IniValues> config_profile(std::string_view name) const;
  // Section [NAME] of the credentials file, or nullptr.
  const IniSection* credentials_profile(std::string_view name) const;
  // Config-file keys overlaid by credentials-file keys; nullopt when the
  // profile is in neither file.
  std::optional<IniValues> profile(std::string_view name) const;
  // A non-profile config section such as [services NAME], or nullptr.
  const IniSection* config_section(std::string_view kind, std::string_view name) const;
};

std::string credentials_file_path(const Environment& env);
std::string config_file_path(const Environment& env);

// Loads both files. Absent files are fine; unreadable or malformed ones are
// an error ("path:line: why").
expected<SharedFiles, std::string> load_shared_files(const Environment& env);

// The profile in use: `explicit_name` if not empty, else AWS_PROFILE, else
// AWS_DEFAULT_PROFILE, else "default".
std::string select_profile_name(const Environment& env, std::string_view explicit_name);

struct ProfileSettings {
  std::string name;
  bool exists = false;              // found in either file
  std::string region;               // AWS_REGION, AWS_DEFAULT_REGION, then `region`
  std::optional<int> max_attempts;  // AWS_MAX_ATTEMPTS, then `max_attempts`; >= 1
  std::string retry_mode;           // AWS_RETRY_MODE, then `retry_mode`: legacy|standard|adaptive
  std::string role_arn;
  std::string source_profile;
  std::string credential_source;  // Environment|Ec2InstanceMetadata|EcsContainer
  std::string external_id;
  std::string role_session_name;
  std::string mfa_serial;
  std::optional<int> duration_seconds;  // 900..43200
  std::string web_identity_token_file;
  std::string endpoint_url;            // profile-wide endpoint override
  std::string services;                // name of a [services NAME] section
  std::string sts_regional_endpoints;  // AWS_STS_REGIONAL_ENDPOINTS, then the key: regional|legacy
};

// Reads a profile's keys alone, without environment overrides. Errors name
// the profile and the bad key; `where` says where the keys came from.
expected<ProfileSettings, std::string> settings_from_values(std::string_view name,
                                                            const IniValues& values,
                                                            std::string_view where);

// The settings of profile `name` with the environment's overrides applied. A
// profile other than "default" that is in neither file is an error, as in the
// AWS CLI; a missing "default" is simply empty.
expected<ProfileSettings, std::string> resolve_profile(const SharedFiles& files,
                                                       std::string_view name,
                                                       const Environment& env);

}  // namespace snapkeep::aws
