// What the commands that talk to AWS share: the common flags of DESIGN.md
// section 3, loading the configuration (every error, then exit 2), --now,
// and turning a run summary into output.
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cli/config_file.h"
#include "core/config.h"
#include "core/schedule.h"

namespace snapkeep::cli {

struct CommonOptions {
  std::string config_path = kDefaultConfigFile;  // --config
  std::vector<std::string> regions;           // --region, repeatable; overrides the config
  std::string endpoint_url;                   // --endpoint-url
  std::string profile;                        // --profile
  std::string output = "text";                // --output text|json
  std::string now;                            // --now, ISO 8601 UTC; empty: the real time
  bool verbose = false;                       // --verbose
  bool quiet = false;                         // --quiet
};

void add_common_options(CLI::App& sub, CommonOptions& options);

// Reads and validates the configuration file (config_file.h). On failure
// prints every error to stderr, one per line, and returns nullopt (the
// caller exits 2).
std::optional<core::Config> load_config_or_report(const std::string& path);

// --now, or the real time. On failure prints why and returns nullopt.
std::optional<core::Time> resolve_now(const std::string& flag);

// Checks --region values and --output. On failure prints why, returns false.
bool check_common_options(const CommonOptions& options);

}  // namespace snapkeep::cli
