// UTC times as text, for every layer: the slot tags and --now / --from
// (whole seconds, "2026-11-26T00:00:00Z") and the timestamps in AWS's XML
// answers (EC2's startTime "2026-11-26T11:38:01.000Z", STS's Expiration with
// microseconds from moto). Time zones other than UTC are core's business
// (core::find_time_zone, with date/tz); these need only the standard library.
//
// Thread safety: pure functions.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace snapkeep::util {

using UtcMillis = std::chrono::time_point<std::chrono::system_clock, std::chrono::milliseconds>;

// "2026-11-26T00:00:00Z"
std::string format_utc_seconds(std::chrono::sys_seconds time);

// "2026-11-26T00:00:00.250Z": the log lines and status files of the daemon
// and the Lambda runtime (always three fractional digits).
std::string format_utc_millis(UtcMillis time);

// Exactly the form format_utc_seconds writes (20 characters, 'Z'); nullopt
// for anything else. Hand-written: it runs once per snapshot listed.
std::optional<std::chrono::sys_seconds> parse_utc_seconds(std::string_view text);

// ISO 8601 as AWS writes it: YYYY-MM-DDTHH:MM:SS, any number of fractional
// digits (kept to the millisecond), then Z or a +hh:mm / -hh:mm offset.
// nullopt when `text` is not a complete timestamp with a zone designator.
std::optional<UtcMillis> parse_iso8601(std::string_view text);

}  // namespace snapkeep::util
