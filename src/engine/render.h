// The one place where a run summary and a listing become text or JSON: the
// terminal output and the stable JSON of docs/output.md, and the text that
// notifications send. It lives in the engine rather than the CLI because
// the engine sends notifications itself (for `run`, and later for `daemon`
// and `lambda`, which have no terminal), and the engine must not depend on
// the CLI; the CLI and the report use it as they are.
//
// Thread safety: pure functions.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>

#include "core/schedule.h"
#include "engine/listing.h"
#include "engine/summary.h"

namespace snapkeep::engine {

// --- plan / run (docs/output.md "plan and run") ---

nlohmann::json to_json(const RunSummary& summary);
// Multi-line text for people: actions, warnings, problems, errors,
// notification failures, API calls (verbose), then one_line().
std::string render_text(const RunSummary& summary, bool verbose);
// What --quiet prints: only what went wrong (failed actions, errors,
// failure-level warnings, notifications that could not be sent), then
// one_line(). Never hides a failure.
std::string render_quiet(const RunSummary& summary);
// One line, e.g. "run: 12 created, 3 deleted, 1 failed in 2 regions"
// ("run shard 1/3: ..." for a shard); also the SNS subject.
std::string one_line(const RunSummary& summary);
// What a shard covered, e.g. "shard 1/3 by target: 1 of 2 targets:
// 123456789012/eu-west-1".
std::string shard_line(const ShardReport& shard);
// One warning as a line: "failure: policy nightly: selects no instance ...".
std::string warning_line(const RunWarning& warning);

// --- list (docs/output.md "list") ---

// "3d 4h", "5h 12m", "7m"; negative ages (a slot after `now`) read "in 2h".
std::string format_age(std::chrono::seconds age);
nlohmann::json to_json(const Listing& listing, core::Time now);
std::string render_text(const Listing& listing, core::Time now);

}  // namespace snapkeep::engine
