// Restore decisions, pure: which restore point a `snapkeep restore` means,
// whether the flags fit it, and exactly what to create: the volumes (with
// their ClientTokens and tags), the attachments, or the image and instance
// of a launch. The engine (engine/restore.h) lists, calls and waits; every
// refusal is decided here, before anything is created (DESIGN.md section 4
// rule 6).
//
// A restore has an identity (restore_id): a hash of the point, the kind of
// restore and its target. It is the ClientToken stem of every create and a
// tag on everything made, so a retried request never makes a second volume
// and a rerun after a crash finds what the first run made and continues.
//
// Thread safety: pure functions.
#pragma once

#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/inventory.h"
#include "core/restore_tags.h"
#include "core/retention.h"
#include "util/expected.h"

namespace snapkeep::core {

// One snapshot of the account as a restore reads it: every tag kept.
struct SourceSnapshot {
  std::string id;
  std::string volume_id;
  SnapshotState state = SnapshotState::unknown;
  int size_gib = 0;
  bool encrypted = false;
  std::string kms_key_id;
  std::string region;  // where it is (a copy's region with --from-copy)
  Tags tags;
};

struct CandidateSnapshot {
  std::string snapshot_id;
  std::string device;  // snapkeep:device; "" when never written
  SnapshotState state = SnapshotState::unknown;
  int size_gib = 0;
  bool encrypted = false;
  Tags tags;
};

// A restore point of one instance as a restore sees it.
struct Candidate {
  std::string policy;
  std::string instance_id;
  std::string slot;
  std::optional<Time> slot_time;
  std::string set_id;
  std::string region;
  PointState state = PointState::good;
  std::vector<CandidateSnapshot> snapshots;   // by device
  std::optional<InstanceMeta> meta;           // nullopt: taken before snapkeep recorded it
  std::map<std::string, VolumeMeta> volumes;  // recorded type/iops/..., by device
  std::string drill;                          // the last snapkeep:drill result, if any
};

// Groups snapshots (any instance) into candidates, oldest slot first.
std::vector<Candidate> restore_candidates(std::span<const SourceSnapshot> snapshots);

enum class RestoreKind { volumes, attach, launch };

// What the user asked (cmd_restore's flags); empty strings are "not given".
struct RestoreRequest {
  std::string instance_id;
  std::string policy;
  std::string slot;  // --slot, as given
  bool latest = false;
  std::string availability_zone;
  std::string volume_type;
  std::vector<std::string> devices;  // --devices: only these
  RestoreKind kind = RestoreKind::volumes;
  std::string attach_to;
  std::map<std::string, std::string> device_map;  // original -> attach-as
  std::string instance_type;
  std::string subnet_id;
  std::vector<std::string> security_group_ids;
  std::string key_name;
  // For points taken before restore metadata was recorded (--launch only).
  std::string architecture;
  std::string virtualization_type;
  std::string root_device;
  std::string from_copy;  // region of the copy to restore from
};

// A refusal: exit 2 (bad input), with the message to print.
struct RestoreRefusal {
  std::string message;
};

template <class T>
using RestoreResult = snapkeep::expected<T, RestoreRefusal>;

// Checks flags that do not depend on AWS: --slot parses, one of --slot and
// --latest, --device-map only with --attach-to, launch options only with
// --launch, known volume type, well-formed device names.
std::optional<RestoreRefusal> check_request(const RestoreRequest& request);

// The point the request means among `candidates` (all of the instance's):
// --slot (and --policy) names one; else the latest good one. Refuses an
// unknown instance or slot with the list of points there are, and a point
// that is not complete, naming the snapshot.
RestoreResult<const Candidate*> select_point(std::span<const Candidate> candidates,
                                             const RestoreRequest& request);

// "2026-11-26T00:00:00Z nightly good 3 volumes", one line per point.
std::string describe_points(std::span<const Candidate> candidates);

// The identity of a restore (see the header comment).
std::string restore_id(const Candidate& point, const RestoreRequest& request);

struct PlannedVolume {
  std::string device;         // the original device name
  std::string attach_device;  // where --attach-to puts it ("" otherwise)
  std::string snapshot_id;
  int size_gib = 0;
  std::string type;
  int iops = 0;
  int throughput = 0;
  bool encrypted = false;
  std::string client_token;
  Tags tags;
};

struct VolumePlan {
  std::string restore_id;
  std::string availability_zone;
  std::vector<PlannedVolume> volumes;  // by device
  std::vector<std::string> notes;      // e.g. "no recorded type for /dev/sdf: gp3"
};

// The volumes to create. `extra_tags` go on every volume (drills).
RestoreResult<VolumePlan> plan_volumes(const Candidate& point, const RestoreRequest& request,
                                       const std::string& id, const Tags& extra_tags = {});

// The attach target as listed.
struct TargetInstance {
  std::string id;
  InstanceState state = InstanceState::unknown;
  std::string availability_zone;
  // device -> volume id of what is attached now
  std::map<std::string, std::string> devices;
};

// Refuses an attach before anything is created: the target not running or
// stopped, in another AZ than the volumes, or a device taken (by a volume
// this restore did not make: `ours` are the volume ids it made).
std::optional<RestoreRefusal> check_attach(const VolumePlan& plan, const TargetInstance& target,
                                           const std::vector<std::string>& ours);

// The source instance when it still exists (for --launch's defaults).
struct SourceInstance {
  std::string subnet_id;
  std::vector<std::string> security_group_ids;
};

struct LaunchPlan {
  std::string restore_id;
  // RegisterImage
  std::string image_name;
  std::string root_device;
  std::string architecture;
  std::string virtualization_type;
  std::string ena_support;
  std::string boot_mode;
  std::vector<PlannedVolume> mappings;  // root first
  // RunInstances
  std::string instance_type;
  std::string subnet_id;
  std::vector<std::string> security_group_ids;
  std::string key_name;
  std::string client_token;
  Tags tags;  // on the image, the instance and its volumes
};

RestoreResult<LaunchPlan> plan_launch(const Candidate& point, const RestoreRequest& request,
                                      const std::string& id,
                                      const std::optional<SourceInstance>& source);

// --- drills (docs/restore.md) ---

// The outcome of one drill of one point.
struct DrillOutcome {
  bool passed = false;
  Time at{};
  double seconds = 0;
  std::string reason;  // why it failed; "" when it passed
};

// snapkeep:drill's value: "pass 2026-11-29T05:00:00Z 42" or
// "fail 2026-11-29T05:00:00Z 42 <reason>", within 256 characters.
std::string format_drill(const DrillOutcome& outcome);

// Checks restored volumes against the point: one per planned snapshot, each
// available with at least the snapshot's size. "" when they pass.
struct RestoredVolume {
  std::string volume_id;
  std::string snapshot_id;
  std::string state;
  int size_gib = 0;
};
std::string check_drill(const VolumePlan& plan, std::span<const RestoredVolume> volumes,
                        std::span<const CandidateSnapshot> snapshots);

// The candidate a drill picks among `candidates` (one instance's): the
// latest good one within `within_days` of `now`, or a random one of those
// (`random` in [0, 1)). nullptr when none is there.
const Candidate* pick_drill_point(std::span<const Candidate> candidates, bool random_pick,
                                  double random, int within_days, Time now);

}  // namespace snapkeep::core
