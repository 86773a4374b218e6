// What the commands that talk to AWS share: the common flags of DESIGN.md
// section 3, loading the configuration (every error, then exit 2), --now,
// and opening AWS (session, credentials, targets).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/config_file.h"
#include "core/config.h"
#include "core/schedule.h"
#include "core/shard.h"
#include "engine/aws_session.h"
#include "engine/run.h"

namespace CLI {
class App;
}

namespace snapkeep::cli {

struct CommonOptions {
  std::string config_path = kDefaultConfigFile;  // --config
  std::vector<std::string> regions;              // --region, repeatable; overrides the config
  std::vector<std::string> accounts;             // --account NAME|ID, repeatable
  std::string endpoint_url;                      // --endpoint-url
  std::string profile;                           // --profile
  std::string output = "text";                   // --output text|json
  std::string now;                               // --now, ISO 8601 UTC; empty: the real time
  bool verbose = false;                          // --verbose
  bool quiet = false;                            // --quiet
};

void add_common_options(CLI::App& sub, CommonOptions& options);

// The shard flags of run, plan, daemon and lambda (core/shard.h,
// docs/deploy.md "Sharding").
struct ShardOptions {
  std::string shard;     // --shard I/N
  int shards = 0;        // --shards N: the index from JOB_COMPLETION_INDEX; 0: not given
  std::string shard_by;  // --shard-by target|instance; "": SNAPKEEP_SHARD_BY, else target
};

void add_shard_options(CLI::App& sub, ShardOptions& options);

// The process's shard: the flags, else SNAPKEEP_SHARD (and
// SNAPKEEP_SHARD_BY) from `env` (core::resolve_shard); or why not.
snapkeep::expected<core::Shard, std::string> resolve_shard(const ShardOptions& options,
                                                           const aws::Environment& env);

// Reads and validates the configuration file (config_file.h). On failure
// prints every error to stderr, one per line, and returns nullopt (the
// caller exits 2).
std::optional<core::Config> load_config_or_report(const std::string& path);

// --now, or the real time. On failure prints why and returns nullopt.
std::optional<core::Time> resolve_now(const std::string& flag);

// Checks --region values and --output. On failure prints why, returns false.
bool check_common_options(const CommonOptions& options);

// What every AWS command reads first: the checked flags, --now and the
// configuration. nullopt when any is bad (already reported): exit 2.
struct CommandInputs {
  core::Time now{};
  core::Config config;
};
std::optional<CommandInputs> read_inputs(const CommonOptions& options);

// The AWS session of the common flags (--endpoint-url, --profile), or one
// clear message (a broken profile or shared file).
snapkeep::expected<std::unique_ptr<engine::AwsSession>, std::string> open_session(
    const CommonOptions& options, const aws::Environment& env, aws::HttpTransport& http,
    aws::Clock& clock);

// An unattended command (run, daemon) that cannot start because its
// configuration is invalid: notifies the webhook or SNS topic the file's
// notify section names, as far as it can be read (notify_of_invalid_config),
// with the first error; prints on stderr why a notification failed. Opens
// an AWS session (the common flags) only when there is something to send.
// The caller prints the errors and exits 2.
void notify_invalid_config(const CommonOptions& options, core::Time now,
                           const std::vector<core::ConfigError>& errors, aws::HttpTransport& http,
                           aws::Clock& clock, const aws::Environment& env);

// A run that cannot start because no AWS session could be made (a broken
// profile or shared file): the webhook still hears why (SNS needs AWS, and
// its failure is printed on stderr). Returns the failed run's summary.
engine::RunSummary notify_no_session(const core::Notify& notify, engine::RunMode mode,
                                     const std::string& run_id, core::Time now,
                                     const std::string& why, aws::HttpTransport& http,
                                     aws::Clock& clock);

// What a read-only command (list) needs to talk to AWS: the session, region
// clients, and the targets to work on.
struct AwsContext {
  std::unique_ptr<engine::AwsSession> session;
  engine::RegionClientFactory factory;  // valid while `session` lives
  std::vector<engine::Target> targets;
};

// Builds the session and resolves the targets (engine::resolve_targets).
// Returns kExitOk, or prints why and returns the exit status (2 bad profile,
// no credentials or no region; 1 AWS could not be reached).
int open_aws(const CommonOptions& options, const core::Config& config, const aws::Environment& env,
             aws::HttpTransport& http, aws::Clock& clock, AwsContext& out);

// Writes `text` to `path` through `path`.tmp and a rename, so that a reader
// (node_exporter's textfile collector, a web server) never sees half a
// file. On failure returns false and says why in `why`.
bool write_file_atomically(const std::string& path, const std::string& text, std::string& why);

}  // namespace snapkeep::cli
