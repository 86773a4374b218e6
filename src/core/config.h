// Config: the whole snapkeep.yaml (DESIGN.md section 2, docs/configuration.md),
// loaded and fully validated before any AWS call. Options are plain structs
// with documented defaults.
//
// Thread safety: plain values.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/schedule.h"
#include "util/expected.h"

namespace snapkeep::core {

using Tags = std::map<std::string, std::string>;

struct Selection {
  // Instance tags that must all match; a value may use * and ? wildcards.
  Tags tags;
  // Instance tags any one of which excludes the instance (wildcards allowed).
  Tags exclude_tags;
  // When not empty, only these instances (further narrowed by tags).
  std::vector<std::string> instance_ids;
  // Volumes with any of these tags are not snapshotted (wildcards allowed).
  Tags exclude_volume_tags;
};

struct SnapshotOptions {
  bool exclude_boot_volume = false;          // default: the boot volume is included
  std::vector<std::string> exclude_devices;  // device names, e.g. /dev/sdf
  bool copy_instance_tags = false;           // copy_tags: [instance]
  bool copy_volume_tags = false;             // copy_tags: [volume]
  Tags tags;                                 // user tags on every snapshot
};

// Any combination; a restore point kept by any rule stays. Unset = rule off.
struct Retention {
  std::optional<int> count;    // newest N
  std::optional<int> days;     // younger than N days (by slot time)
  std::optional<int> hourly;   // newest in each of the last N hours
  std::optional<int> daily;    // ... days
  std::optional<int> weekly;   // ... ISO weeks (Monday first)
  std::optional<int> monthly;  // ... months
  std::optional<int> yearly;   // ... years
  bool empty() const {
    return !count && !days && !hourly && !daily && !weekly && !monthly && !yearly;
  }
};

// A copy target of a policy (docs/copies.md): the destination region, in
// the source's own account or in the account of `role_arn` (a vault account,
// reached with STS AssumeRole), with its own retention.
struct CopyTarget {
  std::string region;
  std::optional<std::string> role_arn;  // copy into this (vault) account
  std::optional<std::string> kms_key_id;
  // Encrypt copies (with the destination's default key without a key id);
  // true whenever kms_key_id is set.
  bool encrypted = false;
  Retention retain;        // required: never inherited from the policy
  int max_in_flight = 20;  // AWS: 20 concurrent copies per destination region, not adjustable
};

// A policy's `drill:` (docs/restore.md, "Restore drills"): when `snapkeep
// drill` restores one of each instance's points to prove it restorable.
struct DrillSettings {
  Schedule schedule;              // drill slots, in the policy's time zone
  bool random_pick = false;       // pick: random (else latest)
  int within_days = 7;            // points no older than this are candidates
  std::string availability_zone;  // "": the zone each point records
  int keep_minutes = 0;           // keep the drill's volumes this long for a look
};

struct Policy {
  std::string name;
  Selection select;
  Schedule schedule;
  std::string timezone = "UTC";
  SnapshotOptions snapshot;
  Retention retain;
  std::vector<CopyTarget> copies;
  int orphan_keep_days = 365;          // newest point of a gone instance is kept this long
  std::optional<DrillSettings> drill;  // nullopt: `snapkeep drill` skips the policy
};

struct Notify {
  std::optional<std::string> sns_topic_arn;
  std::optional<std::string> webhook_url;
  bool on_failure = true;   // send when something failed or was skipped for a limit
  bool on_summary = false;  // send after every run
};

// `metrics:` (docs/configuration.md): what a run publishes besides its output.
struct Metrics {
  bool cloudwatch = false;  // PutMetricData to the snapkeep namespace after each run
};

// An account to protect besides (or instead of) the caller's own
// (docs/accounts.md), reached with STS AssumeRole from the process's
// credentials.
struct Account {
  std::string name;  // unique; in output and --account
  std::string role_arn;
  std::optional<std::string> external_id;
  std::optional<std::string> session_name;  // default: snapkeep-<run id>
  std::vector<std::string> regions;         // empty: the configuration's regions
};

struct Config {
  // The namespace this configuration owns, written as snapkeep:owner on every
  // snapshot it creates. With an owner, the configuration applies retention
  // only to snapshots carrying it, and an instance it no longer selects is
  // an orphan; without one, only to snapshots with no snapkeep:owner, and an
  // instance it does not select is left alone while it exists
  // (docs/retention.md, "Ownership"). Empty: no owner.
  std::string owner;
  std::vector<std::string> regions;  // empty with all_regions: every enabled region
  bool all_regions = false;          // regions: "*"
  Notify notify;
  Metrics metrics{};
  std::vector<Policy> policies;
  std::vector<Account> accounts;
  // Whether the credentials' own account is protected too: default true
  // without `accounts`, false with them.
  bool include_own_account = true;
};

struct ConfigError {
  std::string file;
  int line = 0;    // 1-based; 0 when unknown
  int column = 0;  // 1-based; 0 when unknown
  std::string message;
  // "snapkeep.yaml:12:5: retain.daily must be a positive integer, got -1"
  std::string to_string() const;
};

// Parses and validates a whole configuration. On failure, every error found
// (not only the first), in file order.
snapkeep::expected<Config, std::vector<ConfigError>> parse_config(std::string_view yaml_text,
                                                                  std::string_view file_name);

}  // namespace snapkeep::core
