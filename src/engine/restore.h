// `snapkeep restore`: turns a restore point back into volumes, volumes
// attached to an instance, or a new instance (docs/restore.md). The core
// (core/restore.h) decides and refuses; this lists, creates, waits and
// reports. Calls of a volume restore: one DescribeSnapshots (the instance's
// snapshots), one DescribeVolumes (what an earlier run of the same restore
// made), one CreateVolume per snapshot, then one DescribeVolumes per poll for
// all volumes; --attach-to adds one DescribeInstances, one AttachVolume per
// volume and the polls until they are in use. A launch: DescribeSnapshots,
// DescribeInstances (the source, and what an earlier run launched),
// DescribeImages (an image an earlier run registered), RegisterImage,
// RunInstances, DescribeInstances polls until running, DeregisterImage.
//
// Every create carries a ClientToken derived from the restore's identity, and
// everything made is tagged with it, so retries and reruns never duplicate.
//
// Thread safety: one restore per thread; the Ec2 may be shared.
#pragma once

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "aws/clock.h"
#include "aws/ec2.h"
#include "core/restore.h"
#include "engine/summary.h"

namespace snapkeep::engine {

struct RestoreOptions {
  bool dry_run = false;  // list and decide, print the calls, make nothing
  // Waiting for volumes (available, in use) and the instance (running):
  // polls back off from `first_poll` to `max_poll` until `timeout`.
  std::chrono::milliseconds timeout{std::chrono::minutes(15)};
  std::chrono::milliseconds first_poll{1000};
  std::chrono::milliseconds max_poll{15000};
  // For drills: tags on every volume, and a fixed identity.
  core::Tags extra_volume_tags;
  std::string restore_id;  // "" = derived from the point and the request
};

struct RestoredVolume {
  std::string volume_id;
  std::string device;         // the original device name
  std::string attach_device;  // where it was attached ("" when not)
  std::string snapshot_id;
  std::string availability_zone;
  int size_gib = 0;
  std::string type;
  std::string state;
  bool reused = false;  // made by an earlier run of this restore
};

struct RestoreOutcome {
  int exit_status = 0;  // 0 done, 1 AWS failure (said in `error`), 2 refused
  std::string error;
  std::optional<core::Candidate> point;
  std::string region;
  std::string restore_id;
  std::string availability_zone;
  std::vector<RestoredVolume> volumes;
  std::string instance_id;  // --attach-to's target, or the launched instance
  std::string image_id;     // --launch: the image registered (deregistered at the end)
  std::vector<std::string> notes;
  std::vector<std::string> planned_calls;  // --dry-run
  double seconds = 0;                      // from the first create to the last wait
  std::map<std::string, ApiCalls> api_calls;
};

// Restores `request` from the snapshots in `ec2`'s region.
RestoreOutcome restore(const aws::Ec2& ec2, aws::Clock& clock, const core::RestoreRequest& request,
                       const RestoreOptions& options);

// The CreateVolume of one planned volume: zone, snapshot, type, iops,
// throughput, encryption, tags and ClientToken as planned.
aws::CreateVolumeRequest create_volume_request(const core::VolumePlan& plan,
                                               const core::PlannedVolume& volume);

// The instance's snapshots in `ec2`'s region (Owner.1=self,
// tag:snapkeep:instance=ID), as the core reads them; only copies
// (snapkeep:copy-of) with `copies_only`.
aws::Result<std::vector<core::SourceSnapshot>> list_instance_snapshots(
    const aws::Ec2& ec2, const std::string& instance_id, bool copies_only);

// Polls DescribeVolumes for `ids` until each is in `wanted` state (or one is
// in error, or the deadline passes). Fills `states` with the last answer.
aws::Result<bool> wait_for_volumes(const aws::Ec2& ec2, aws::Clock& clock,
                                   const std::vector<std::string>& ids, std::string_view wanted,
                                   const RestoreOptions& options,
                                   std::vector<aws::Ec2Volume>& states, std::string& problem);

nlohmann::json to_json(const RestoreOutcome& outcome);
std::string render_text(const RestoreOutcome& outcome, bool verbose);

}  // namespace snapkeep::engine
