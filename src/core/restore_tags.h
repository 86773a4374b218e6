// Restore metadata: what rebuilding an instance needs, written at backup time
// as a few tags on every snapshot of a restore point (docs/restore.md), and
// read back by `snapkeep restore`.
//
//   snapkeep:instance-meta  "az=us-east-1a type=m5.large arch=x86_64 virt=hvm
//                            ena=true boot=uefi root=/dev/xvda ami=ami-0abc"
//   snapkeep:volumes        "/dev/xvda=gp3:3000:125:8 /dev/sdf=io2:5000:0:100"
//   snapkeep:volumes:2 ...  continuation when one value would pass 256
//
// A volume entry is device=type:iops:throughput:size_gib (0: not set). Only
// values EC2 itself names (ids, types, device names) are written, so no
// value holds a space; each tag stays within EC2's 128-character key and
// 256-character value limits, and the set within the room the planner gives
// (EC2 allows 50 tags per snapshot).
//
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/inventory.h"
#include "core/tag_limits.h"

namespace snapkeep::core {

struct InstanceMeta {
  std::string availability_zone;
  std::string instance_type;
  std::string architecture;
  std::string virtualization_type;
  std::string ena_support;  // "true" | "false" | ""
  std::string boot_mode;
  std::string root_device;
  std::string image_id;
  bool operator==(const InstanceMeta&) const = default;
};

struct VolumeMeta {
  std::string device;
  std::string type;
  int iops = 0;
  int throughput = 0;
  int size_gib = 0;
  bool operator==(const VolumeMeta&) const = default;
};

InstanceMeta instance_meta_of(const Instance& instance);
std::string format_instance_meta(const InstanceMeta& meta);
// nullopt when `text` is not a meta value (empty, or no key=value pair).
std::optional<InstanceMeta> parse_instance_meta(std::string_view text);

// The volume tags, at most `max_tags` of them; the volumes that did not fit
// are counted in `*dropped` (when given).
std::vector<std::pair<std::string, std::string>> format_volume_tags(
    std::span<const VolumeMeta> volumes, std::size_t max_tags, std::size_t* dropped = nullptr);
// By device, from every snapkeep:volumes* tag among `tags`; malformed
// entries are skipped.
std::map<std::string, VolumeMeta> parse_volume_tags(const Tags& tags);

// How many devices one snapkeep:volumes* tag value names (the entries
// parse_volume_tags would keep).
std::size_t count_volume_entries(std::string_view value);

// Whether `key` is one of the restore tags above (snapkeep:instance-meta,
// snapkeep:volumes, snapkeep:volumes:N): a copy carries them from its source.
bool is_restore_tag(std::string_view key);

// The restore tags for a restore point of `instance` over `volumes`, within
// `room` tags: the instance meta first, then volume tags. What does not fit
// is said in `warnings`.
Tags restore_tags(const Instance& instance, std::span<const Volume> volumes, std::size_t room,
                  std::vector<std::string>& warnings);

}  // namespace snapkeep::core
