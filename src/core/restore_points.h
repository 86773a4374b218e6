// Restore points as a person sees them: snapkeep's own snapshots of one
// region grouped by (snapkeep:policy, snapkeep:instance, snapkeep:slot,
// snapkeep:set), each with its state (core::point_state), its volumes and
// its size. This is what `snapkeep list` shows; retention groups the same
// way inside the planner (plan.cc), tuned for a million snapshots.
//
// Copies (snapshots carrying snapkeep:copy-of, docs/copies.md) found in
// other regions are matched to their source points by match_copies(): per
// point and destination, where its copies are and whether they are all
// completed; copies whose source point is not there are restore points of
// their own (restorable with `restore --from-copy`).
//
// Thread safety: pure functions of their arguments.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/inventory.h"
#include "core/retention.h"

namespace snapkeep::core {

struct PointSnapshot {
  std::string snapshot_id;
  std::string volume_id;
  std::string device;  // snapkeep:device; empty until the tag is written
  SnapshotState state = SnapshotState::unknown;
  int size_gib = 0;
  // On a copy: the source snapshot id (from snapkeep:copy-of); "" otherwise.
  std::string copy_of;
};

// The copies of one restore point at one destination (account, region):
// `completed` when every snapshot of the source point has a completed copy
// there; `error` when any copy is in error; `pending` when any is still
// being copied (or in a state EC2 did not name); `partial` when some
// snapshots of the point have no copy there (not copied yet, or deleted).
enum class CopyState { completed, pending, error, partial };
std::string_view to_string(CopyState state);

struct PointCopies {
  std::string account;  // the destination's account id ("" when unknown)
  std::string region;
  CopyState state = CopyState::completed;
  int completed = 0;                     // source snapshots with a completed copy there
  int source_snapshots = 0;              // snapshots of the source point
  std::vector<PointSnapshot> snapshots;  // the copies, by device then id
};

struct RestorePoint {
  std::string policy;
  std::string instance_id;
  std::string slot;               // the snapkeep:slot tag as written
  std::optional<Time> slot_time;  // nullopt when the tag is not a valid slot
  std::string set_id;
  PointState state = PointState::good;
  std::vector<PointSnapshot> snapshots;  // by device, then snapshot id
  // The last restore drill's snapkeep:drill value ("pass <time> <seconds>"),
  // "" when never drilled. Filled by the listing, not by grouping.
  std::string drill;
  // Its copies in other regions or accounts, by (region, account). Filled by
  // match_copies(), not by grouping.
  std::vector<PointCopies> copies;

  int size_gib() const;
};

// Groups `snapshots` into restore points, ordered by (policy, instance,
// slot, set). Snapshots without a snapkeep:policy tag are not snapkeep's and
// are left out; a missing instance, slot or set tag groups under "".
std::vector<RestorePoint> group_restore_points(std::span<const Snapshot> snapshots);

std::string_view to_string(SnapshotState state);

// One listed region's restore points, for match_copies(), which adds their
// copies to `points`.
struct SourcePoints {
  std::string account;  // "" when unknown: then any account's copies of the region match
  std::string region;
  bool complete = true;  // false: the listing failed, so a point missing from it may exist
  std::vector<RestorePoint>* points = nullptr;
};

// The copies listed at one (account, region): snapshots carrying
// snapkeep:copy-of (others, and unparseable values, are ignored).
struct ListedCopies {
  std::string account;
  std::string region;
  std::span<const Snapshot> snapshots;
  // Copies of a source region that is not among the sources: kept as
  // copies without their source (`not_listed`) when true, left out when
  // false (a destination listed only for the sources' sake).
  bool keep_unlisted = false;
};

// A copy point (copies at one place of one source point) whose source
// point is not among the listed points.
struct CopyWithoutSource {
  enum class Source {
    gone,        // the source region was listed and the point is not there
    unknown,     // the source region's listing failed
    not_listed,  // the source region was not listed
  };
  std::string account;  // where the copies are
  std::string region;
  std::string source_account;  // from snapkeep:copy-of
  std::string source_region;
  Source source = Source::gone;
  RestorePoint point;  // the copies grouped as a restore point; copy_of set on each
};
std::string_view to_string(CopyWithoutSource::Source source);

// Matches the copies to their source points by (source account, source
// region, policy, instance, slot, set): each source point gets one
// PointCopies per place with copies of it; copies of no listed point come
// back, sorted by (region, account, policy, instance, slot, set).
std::vector<CopyWithoutSource> match_copies(std::span<const SourcePoints> sources,
                                            std::span<const ListedCopies> copies);

}  // namespace snapkeep::core
