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

}  // namespace snapkeep::cli
