// Inventory: what exists in one (account, region), as the planner sees it.
// The engine fills it from AWS listings; the core never sees an AWS type.
//
// A listing that failed after retries is recorded as incomplete, and the
// planner then deletes nothing in that region (DESIGN.md section 4 rule 4).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/compact_string.h"
#include "core/config.h"
#include "core/schedule.h"

namespace snapkeep::core {

// The reserved tag keys snapkeep writes on every snapshot (DESIGN.md section 1).
namespace tag {
inline constexpr std::string_view prefix = "snapkeep:";
inline constexpr std::string_view policy = "snapkeep:policy";
inline constexpr std::string_view slot = "snapkeep:slot";
inline constexpr std::string_view instance = "snapkeep:instance";
inline constexpr std::string_view set = "snapkeep:set";
inline constexpr std::string_view device = "snapkeep:device";
// On copies: "<source account>:<source region>:<source snapshot id>".
inline constexpr std::string_view copy_of = "snapkeep:copy-of";
// On copies: the copy target, "<destination account>:<destination region>".
inline constexpr std::string_view copy = "snapkeep:copy";
// What a restore needs, written at backup time (core/restore_tags.h).
inline constexpr std::string_view instance_meta = "snapkeep:instance-meta";
inline constexpr std::string_view volumes = "snapkeep:volumes";  // then snapkeep:volumes:2, ...
// On what a restore makes, and on points a drill restored (docs/restore.md).
inline constexpr std::string_view restored_from = "snapkeep:restored-from";
inline constexpr std::string_view restore_id = "snapkeep:restore-id";
inline constexpr std::string_view drill = "snapkeep:drill";
inline constexpr std::string_view owner = "snapkeep:owner";
}  // namespace tag

enum class InstanceState {
  pending,
  running,
  stopping,
  stopped,
  shutting_down,
  terminated,
  unknown
};

struct Volume {
  std::string id;
  std::string device;  // e.g. /dev/xvda
  int size_gib = 0;
  Tags tags;
  // false when only the block device mapping was listed: tags, size, type,
  // iops and throughput are then unknown.
  bool tags_known = false;
  std::string type;    // gp3, io2, ...
  int iops = 0;        // 0: none said
  int throughput = 0;  // MiB/s; 0: none said
};

struct Instance {
  std::string id;
  InstanceState state = InstanceState::unknown;
  std::string root_device;  // e.g. /dev/xvda
  std::string availability_zone;
  Tags tags;
  std::vector<Volume> volumes;  // attached EBS volumes, in block device mapping order
  // What rebuilding the instance needs (core/restore_tags.h); "" when unknown.
  std::string instance_type;
  std::string image_id;
  std::string architecture;
  std::string virtualization_type;
  std::string ena_support;  // "true" | "false" | ""
  std::string boot_mode;    // legacy-bios | uefi | uefi-preferred | ""
};

enum class SnapshotState { pending, completed, error, unknown };

// A snapshot's snapkeep:* tags, the only tags the core reads. An absent tag
// and an empty one are the same here (snapkeep never writes an empty value).
// Other tags are not kept: nothing in the core decides on them, and at a
// million snapshots a full tag map per snapshot costs about 1 KB each
// (docs/performance.md).
struct SnapshotTags {
  CompactString policy;
  CompactString slot;  // as written; the planner parses it (core::parse_slot)
  CompactString instance;
  CompactString set;
  CompactString device;
  // Set on copies only (core/copies.h): the source planner leaves copies to
  // the copy planner, which deletes only its target's copies of its source.
  CompactString copy_of;
  CompactString copy;
  CompactString owner;  // the configuration's owner (Config::owner); empty: none
  // How many devices the point's snapkeep:volumes* tags name (restore
  // metadata, core/restore_tags.h), 0 when not recorded: a copy point whose
  // source is gone is complete only with a copy of each (core/copies.h).
  std::uint16_t volumes = 0;

  // Keeps `value` when `key` is one of the reserved tags above (counts the
  // devices of a snapkeep:volumes* tag); false (and nothing kept) for any
  // other key.
  bool set_tag(std::string_view key, std::string_view value);
  // The reserved tags among `tags`; others are dropped.
  static SnapshotTags from(const Tags& tags);
};

struct Snapshot {
  CompactString id;
  CompactString volume_id;
  CompactString owner_id;
  SnapshotState state = SnapshotState::unknown;
  bool encrypted = false;
  int size_gib = 0;
  Time start_time{};
  // The KMS key (ARN) of an encrypted snapshot: a copy to another account
  // is refused for the AWS managed key aws/ebs, which cannot be shared.
  CompactString kms_key_id;
  SnapshotTags tags;
};

// An AMI of the account and the snapshots its block device mappings use.
struct Image {
  std::string id;
  std::vector<std::string> snapshot_ids;
};

struct RegionInventory {
  std::string account_id;  // the account the region was listed as
  std::string region;
  std::vector<Instance> instances;
  std::vector<Snapshot> snapshots;  // the account's own snapshots carrying snapkeep:policy
  // nullopt: AMIs not listed yet. The planner deletes nothing without them and
  // says so in Plan::needs_images, so the engine lists AMIs only when needed.
  std::optional<std::vector<Image>> images;
  // true once the instances' volumes were described (type, iops, ...): the
  // planner asks for it (Plan::needs_volumes) only when it creates points.
  bool volumes_described = false;
  bool instances_complete = true;
  bool snapshots_complete = true;
  bool images_complete = true;
  // True when an instance absent from `instances` is known not to exist: the
  // listing was unfiltered, or the engine looked up by id every instance that
  // has snapkeep snapshots (unlisted_instance_ids). False: the filters may
  // have left it out (another team's instance), so its points are never
  // treated as an orphan's.
  bool absent_instances_gone = false;
};

// Instance ids named by snapkeep snapshots (snapkeep:instance) that are not
// in `inventory.instances`, sorted, each once: what the engine looks up by id
// after a filtered listing before setting absent_instances_gone.
std::vector<std::string> unlisted_instance_ids(const RegionInventory& inventory);

}  // namespace snapkeep::core
