// Loading the configuration file: the I/O half of configuration (reading the
// file), with core::parse_config as the pure half. Every command that needs a
// configuration loads it here, so that a missing file and a bad file read the
// same everywhere.
//
// Thread safety: a free function; reads the file system only.
#pragma once

#include <string>
#include <vector>

#include "core/config.h"
#include "util/expected.h"

namespace snapkeep::cli {

// The default --config.
inline constexpr const char* kDefaultConfigFile = "snapkeep.yaml";

// On success, the validated configuration. On failure, every error, in file
// order; a file that cannot be read is one error without a position.
snapkeep::expected<core::Config, std::vector<core::ConfigError>> load_config_file(
    const std::string& path);

// Where to say that the configuration at `path` is invalid: its
// notify.webhook_url and notify.sns_topic_arn when the file is YAML and they
// are strings of the right shape, whatever else is wrong with it (a cron run
// with a broken file must not fail silently). Empty when there are none.
core::Notify notify_of_invalid_config(const std::string& path);

}  // namespace snapkeep::cli
