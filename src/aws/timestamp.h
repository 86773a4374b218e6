// ISO 8601 timestamps as AWS writes them in XML answers: EC2's startTime
// (2026-11-26T11:38:01.000Z), STS's Expiration (moto sends microseconds,
// 2026-11-26T11:53:02.433337Z). Any number of fractional digits is accepted
// and kept to the millisecond (SysTime's resolution); a UTC offset
// (+hh:mm / -hh:mm) is accepted as well as Z.
//
// Thread safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "aws/clock.h"

namespace snapkeep::aws {

// nullopt when `text` is not a complete timestamp with a zone designator.
std::optional<SysTime> parse_timestamp(std::string_view text);

// "2026-11-26T11:38:01.000Z"
std::string format_timestamp(SysTime time);

}  // namespace snapkeep::aws
