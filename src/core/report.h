// Report: coverage and recovery-point health of the whole estate
// (`snapkeep report`, docs/report.md). Given the configuration, what exists
// in every listed (account, region) and a time, it says for every instance
// whether it is protected and how old its last good restore point is against
// what its schedule promises (RPO), aggregates per policy and per region, and
// lists findings that need a person: snapshots of policies no longer
// configured, points of instances that are gone, duplicates, points stuck
// pending or in error, copies whose source is gone.
//
// Statuses (worst first): missing (selected, no good point ever), late (the
// last good point is older than the previous slot), ok (it is for the
// current or the previous slot of the schedule), unprotected (no policy
// selects it, with the reason). With several policies the worst counts.
//
// Pure: no I/O and no clock; the same input gives the same report, instances
// sorted by (account, region, instance id).
//
// Thread safety: pure functions of their arguments.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.h"
#include "core/drill.h"
#include "core/inventory.h"
#include "core/retention.h"

namespace snapkeep::core {

enum class CoverageStatus { ok, late, missing, unprotected };
std::string_view to_string(CoverageStatus status);

// One listed (account, region) as the report reads it.
struct ReportRegion {
  // instances listed without filters (every instance of the region), and
  // the account's snapkeep snapshots.
  RegionInventory inventory;
  // snapshot id -> snapkeep:drill value, for the snapshots that carry one.
  std::map<std::string, std::string> drills;
  bool complete = true;  // false: the listing failed (problem says why)
  std::string problem;
};

// One restore point of an instance, as the timeline shows it.
struct ReportPoint {
  std::string policy;
  Time slot{};
  std::string set_id;
  PointState state = PointState::good;
  int snapshots = 0;
  std::int64_t size_gib = 0;
  std::string copy_target;  // "" for the source point; "<account>:<region>" for a copy
};

struct ReportCopies {
  std::string target;  // "<account>:<region>"
  int points = 0;
  std::optional<Time> newest_slot;  // newest good copy
};

struct InstanceReport {
  std::string account;
  std::string region;
  std::string instance_id;
  std::string name;  // the Name tag, "" when none
  InstanceState state = InstanceState::unknown;
  std::vector<std::string> policies;  // the configured policies that select it, by name
  CoverageStatus status = CoverageStatus::unprotected;
  // Why it is not ok: "no policy selects it", "excluded by exclude_tags of
  // policy nightly", "last good point 2026-11-01T00:00:00Z is older than
  // slot 2026-11-02T00:00:00Z of policy nightly", ...
  std::vector<std::string> reasons;
  std::optional<Time> last_good_slot;  // newest good point of any selecting policy
  std::string last_good_policy;
  std::optional<std::chrono::seconds> last_good_age;  // now - last_good_slot
  // The RPO the schedule promises: the longest interval between the current
  // slot and the one before it among the selecting policies (0: unknown).
  std::chrono::seconds rpo{0};
  int points = 0;  // restore points kept in its own region, any policy, any state
  int snapshots = 0;
  std::int64_t size_gib = 0;          // sum of its snapshots' volume sizes
  std::vector<ReportPoint> timeline;  // its points and copies, oldest first
  std::vector<ReportCopies> copies;   // per copy target, by target
  std::optional<DrillRecord> last_drill;
};

struct StatusCounts {
  int ok = 0;
  int late = 0;
  int missing = 0;
  int unprotected = 0;
  void add(CoverageStatus status);
  int total() const { return ok + late + missing + unprotected; }
};

struct PolicyCoverage {
  std::string name;
  std::string schedule;  // the expression
  int selected = 0;
  StatusCounts counts;  // of the instances it selects (unprotected stays 0)
  int points = 0;
  int snapshots = 0;
  std::int64_t size_gib = 0;
};

struct RegionCoverage {
  std::string account;
  std::string region;
  bool complete = true;
  std::string problem;
  int instances = 0;
  StatusCounts counts;
  int points = 0;
  int snapshots = 0;
  std::int64_t size_gib = 0;
};

struct Finding {
  enum class Kind { unowned_policy, orphan, duplicate, stuck_pending, errored, copy_source_gone };
  Kind kind = Kind::orphan;
  std::string account;
  std::string region;
  std::string policy;       // the snapkeep:policy value
  std::string instance_id;  // "" for unowned_policy
  int points = 0;
  int snapshots = 0;
  std::optional<Time> slot;     // the newest slot concerned
  std::optional<Time> release;  // orphans: when orphan_keep_days releases the last point
  std::string message;          // a sentence with what to do
};
std::string_view to_string(Finding::Kind kind);

struct CoverageReport {
  Time now{};
  StatusCounts summary;  // over every instance
  int selected = 0;      // instances some policy selects
  std::vector<InstanceReport> instances;
  std::vector<PolicyCoverage> policies;  // in configuration order
  std::vector<RegionCoverage> regions;   // by (region, account)
  std::vector<Finding> findings;         // by (kind, account, region, policy, instance)
  bool complete = true;                  // every region was listed
  // 0 when every selected instance is ok (and every region was listed);
  // 1 when any is late or missing, or a listing failed.
  int exit_status() const;
};

// A pending point whose earliest snapshot started longer ago than this is
// reported as stuck (EBS snapshots of even large volumes finish in hours).
inline constexpr std::chrono::hours kStuckPendingAfter{24};

CoverageReport build_report(const Config& config, const std::vector<ReportRegion>& regions,
                            Time now);

}  // namespace snapkeep::core
