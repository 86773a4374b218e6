// A schedule's cron in words, for Schedule::describe() (core/schedule.h):
// "at 03:30 on Monday through Friday", "every 15 minutes in every 2nd hour".
// Internal to core.
//
// Thread safety: pure functions.
#pragma once

#include <string>

#include "core/schedule_cron.h"

namespace snapkeep::core::schedule_detail {

// "at 00:00", "every 15 minutes", "at minutes 0, 30 past hours 08:00, 20:00".
std::string describe_time(const Cron& c);
// "every day", "on Monday through Friday", "on the last day of every month".
std::string describe_days(const Cron& c);
// "" for every year, else " in 2027, 2028".
std::string describe_years(const Cron& c);

}  // namespace snapkeep::core::schedule_detail
