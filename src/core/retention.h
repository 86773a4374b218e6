// Retention: which restore points of one (policy, instance) stay and which
// go, each with a reason a person can read (docs/retention.md).
//
// A restore point is the set of snapshots sharing (snapkeep:policy,
// snapkeep:instance, snapkeep:slot, snapkeep:set). It is good when all its
// snapshots are completed, pending when any is still pending (or in a state
// EC2 did not name), errored otherwise.
//
// The rules follow `restic forget --keep-*` on the slot time, in the policy's
// time zone: count keeps the newest N good points; days keeps points whose
// slot is less than N*24h before now; hourly/daily/weekly (ISO)/monthly/
// yearly keep the newest good point of each of the last N buckets that have
// a good point. A point kept by any rule stays. On top of the rules:
// * a planned point (created by this run) counts for the rules like a good
//   one, and only for them;
// * the newest good point is always kept, except an orphan's;
// * an orphan's points (good, errored or duplicate, never pending) are
//   released once orphan_keep_days passed since their slot, whatever the
//   rules say; the rules may release them earlier, except its newest good
//   point, which therefore goes last;
// * pending points are never deleted (they may be in progress);
// * an errored point is deleted only once a newer good point exists;
// * duplicates of one slot: the first set (earliest snapshot start, then set
//   id) among the good ones is the point, the others are deleted; when none
//   is good, duplicates are judged like any pending or errored point;
// * with no rule at all, every point is kept.
//
// Thread safety: pure functions of their arguments.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.h"
#include "core/inventory.h"
#include "core/schedule.h"

namespace date {
class time_zone;
}

namespace snapkeep::core {

// `planned` is the point this run is about to create: it takes its place in
// the rules (so `daily: 7` leaves seven points after the run, not eight), but
// it is not yet a good point, so the newest good point is still kept and no
// errored point is deleted on its account.
enum class PointState : std::uint8_t { good, pending, errored, planned };

std::string_view to_string(PointState state);

// The state of a point made of snapshots in these states (see above).
PointState point_state(std::span<const SnapshotState> states);

// One restore point, as retention needs it. The strings are views into the
// inventory, which must outlive the call.
struct PointInfo {
  Time slot{};
  PointState state = PointState::good;
  Time earliest_start{};  // earliest StartTime of its snapshots: orders duplicates
  std::string_view set_id;
};

struct RetentionContext {
  const Retention* rules = nullptr;  // required
  // Buckets are computed in this zone; nullptr means UTC.
  const date::time_zone* zone = nullptr;
  Time now{};
  // The instance is gone, or (with an owner) no longer selected by the policy.
  bool orphan = false;
  int orphan_keep_days = 365;
  // Why it is an orphan, for the reasons: "instance i-1 is terminated".
  std::string_view orphan_reason;
  // False: kept points get an empty reason (the planner reports only what
  // it deletes, and words cost time at a million snapshots).
  bool explain_kept = true;
};

struct PointDecision {
  bool keep = true;
  std::string reason;  // "kept: daily 3 of 7", "delete: not kept by count 7, ..."
};

// Decides every point of one (policy, instance); the result is parallel to
// `points`, which may come in any order.
std::vector<PointDecision> decide_retention(std::span<const PointInfo> points,
                                            const RetentionContext& context);

// Slot tag values: ISO 8601 UTC, "2026-11-26T00:00:00Z" (util/utc_time.h,
// shared with the CLI's --now and --from).
std::string format_slot(Time slot);
// Exactly the format format_slot writes; nullopt otherwise.
std::optional<Time> parse_slot(std::string_view text);

}  // namespace snapkeep::core
