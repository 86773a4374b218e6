// `snapkeep drill`: restore drills in one region (docs/restore.md). For each
// instance with restore points of a policy whose drill is due (core/drill.h),
// it picks a point, restores it as volumes (all instances' volumes at once,
// waiting on them with one DescribeVolumes per poll), checks each volume's
// state and size against the point, records the result on the point's
// snapshots (snapkeep:drill, one CreateTags per point) and deletes the
// volumes. Drill volumes carry snapkeep:drill-of and snapkeep:drill-expires,
// so every drill first deletes the expired leftovers of a crashed one. A
// drill never touches the source instance or anything it did not create.
//
// Thread safety: one drill per thread; the Ec2 may be shared.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "aws/clock.h"
#include "aws/ec2.h"
#include "core/drill.h"
#include "engine/notify.h"
#include "engine/restore.h"
#include "engine/summary.h"

namespace snapkeep::engine {

inline constexpr std::string_view kDrillOfTag = "snapkeep:drill-of";
inline constexpr std::string_view kDrillExpiresTag = "snapkeep:drill-expires";

struct DrillOptions {
  RestoreOptions wait;                 // polling and deadline
  bool force = false;                  // drill even when not due
  std::vector<std::string> instances;  // only these (empty: every instance with points)
  unsigned seed = 0;                   // for pick: random
};

struct DrillResult {
  std::string region;
  std::string policy;
  std::string instance_id;
  std::string slot;  // the point drilled ("" when none could be)
  std::string set_id;
  bool passed = false;
  double seconds = 0;  // from the first CreateVolume to the last volume ready
  std::string reason;
  std::vector<std::string> volume_ids;
  bool volumes_deleted = false;
};

struct DrillReport {
  std::string region;
  std::string policy;
  std::string slot;  // the drill slot
  std::vector<DrillResult> results;
  std::vector<std::string> not_due;   // instances already drilled in this slot
  std::vector<std::string> problems;  // listing or cleanup failures
  int leftovers_deleted = 0;
  std::map<std::string, ApiCalls> api_calls;
  // 0 all drills passed, 1 one failed or something could not be done.
  int exit_status() const;
};

DrillReport run_drills(const aws::Ec2& ec2, aws::Clock& clock, const std::string& policy,
                       const core::DrillSettings& settings, core::Time now,
                       const DrillOptions& options);

nlohmann::json to_json(const std::vector<DrillReport>& reports);
std::string render_text(const std::vector<DrillReport>& reports);

// Whether notify.on asks for a notification of these drills: `summary`
// always, `failure` when a drill failed or one could not be done.
bool should_notify(const core::Notify& notify, const std::vector<DrillReport>& reports);
// The drills' notification: the totals as subject, the text report as the
// SNS message, {"text", "drill": to_json(reports)} for the webhook.
Notification drill_notification(const std::vector<DrillReport>& reports);

}  // namespace snapkeep::engine
