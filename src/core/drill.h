// Restore drills, the pure part (the settings are core::DrillSettings, in
// core/config.h): when a drill of an instance is due, and reading back the
// result a drill wrote on a restore point (snapkeep:drill). The engine (engine/drill.h) restores,
// checks, records and cleans up.
//
// A drill is reconciled like a backup: its schedule's latest fire time at or
// before now is the drill slot, and an instance is due when none of its
// points carries a drill result at or after that slot. So `snapkeep drill`
// can run as often as wanted and drills each instance once per slot.
//
// Thread safety: pure functions.
#pragma once

#include <optional>
#include <span>
#include <string>

#include "core/config.h"
#include "core/restore.h"
#include "core/schedule.h"

namespace snapkeep::core {

// A snapkeep:drill value read back; nullopt when malformed.
struct DrillRecord {
  bool passed = false;
  Time at{};
  long long seconds = 0;
  std::string reason;
};
std::optional<DrillRecord> parse_drill(std::string_view value);

// The latest drill result among `candidates` (one instance's points).
std::optional<DrillRecord> last_drill(std::span<const Candidate> candidates);

// The drill slot at `now`, or nullopt when the schedule has not fired.
std::optional<Time> drill_slot(const DrillSettings& settings, Time now);

// Whether the instance whose points are `candidates` needs a drill in `slot`.
bool drill_due(std::span<const Candidate> candidates, Time slot);

}  // namespace snapkeep::core
