#include "core/schedule.h"

#include <date/date.h>
#include <date/tz.h>
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

namespace snapkeep::core {
namespace {

using std::chrono::days;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

// "2024-03-31T01:00:00Z" as an instant (date::parse trips GCC 12's
// maybe-uninitialized warning, so the fields are read by hand).
Time at(const std::string& text) {
  int y = 0;
  unsigned mo = 0, d = 0;
  int h = 0, mi = 0, sec = 0;
  int n = std::sscanf(text.c_str(), "%d-%u-%uT%d:%d:%dZ", &y, &mo, &d, &h, &mi, &sec);
  EXPECT_EQ(n, 6) << text;
  return Time{date::sys_days{date::year{y} / date::month{mo} / date::day{d}}} + hours{h} +
         minutes{mi} + seconds{sec};
}

std::string iso(std::optional<Time> t) {
  return t ? date::format("%FT%TZ", *t) : std::string("none");
}

Schedule make(std::string_view expr, std::string_view tz = "UTC") {
  auto s = Schedule::parse(expr, tz);
  EXPECT_TRUE(s.has_value()) << expr << ": " << (s ? "" : s.error());
  return s ? *s : Schedule{};
}

std::string parse_error(std::string_view expr, std::string_view tz = "UTC") {
  auto s = Schedule::parse(expr, tz);
  return s ? std::string("(parsed)") : s.error();
}

// next_fire repeated n times from t, as ISO strings.
std::vector<std::string> next_n(const Schedule& s, Time t, int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) {
    auto f = s.next_fire(t);
    out.push_back(iso(f));
    if (!f) break;
    t = *f;
  }
  return out;
}

using Strings = std::vector<std::string>;

// ---------------------------------------------------------------------------
// Explicit cases

TEST(Schedule, AwsCronWithYearFromTheDocsParsesAndFiresOnlyThatYear) {
  Schedule s = make("cron(00 00 * * ? 2018)");
  EXPECT_EQ(iso(s.next_fire(at("2017-06-01T12:00:00Z"))), "2018-01-01T00:00:00Z");
  EXPECT_EQ(iso(s.previous_fire(at("2019-03-01T00:00:00Z"))), "2018-12-31T00:00:00Z");
  EXPECT_EQ(iso(s.next_fire(at("2018-12-31T00:00:00Z"))), "none");
  EXPECT_EQ(iso(s.previous_fire(at("2017-12-31T23:59:59Z"))), "none");
  EXPECT_EQ(s.expression(), "cron(00 00 * * ? 2018)");
  EXPECT_EQ(s.timezone(), "UTC");
}

TEST(Schedule, PreviousFireIsInclusiveAndNextFireIsStrict) {
  Schedule s = make("cron(0 0 * * ? *)");
  Time midnight = at("2024-05-10T00:00:00Z");
  EXPECT_EQ(iso(s.previous_fire(midnight)), "2024-05-10T00:00:00Z");
  EXPECT_EQ(iso(s.next_fire(midnight)), "2024-05-11T00:00:00Z");
  EXPECT_EQ(iso(s.previous_fire(midnight - seconds{1})), "2024-05-09T00:00:00Z");
  EXPECT_EQ(iso(s.next_fire(midnight - seconds{1})), "2024-05-10T00:00:00Z");
}

TEST(Schedule, BerlinSpringGapFiresOnceAtTheTransition) {
  Schedule s = make("cron(30 2 * * ? *)", "Europe/Berlin");
  // 2024-03-31 02:30 does not exist (02:00 CET -> 03:00 CEST = 01:00Z).
  EXPECT_EQ(next_n(s, at("2024-03-29T12:00:00Z"), 3),
            (Strings{"2024-03-30T01:30:00Z", "2024-03-31T01:00:00Z", "2024-04-01T00:30:00Z"}));
  EXPECT_EQ(iso(s.previous_fire(at("2024-03-31T01:59:00Z"))), "2024-03-31T01:00:00Z");
  EXPECT_EQ(iso(s.previous_fire(at("2024-03-31T00:59:59Z"))), "2024-03-30T01:30:00Z");
}

TEST(Schedule, BerlinGapMinutesCollapseIntoOneFireWithTheFirstValidMinute) {
  // 02:00..02:45 do not exist; they and 03:00 are all the instant 01:00Z.
  Schedule s = make("cron(0/15 2-3 31 MAR ? 2024)", "Europe/Berlin");
  EXPECT_EQ(next_n(s, at("2024-03-30T00:00:00Z"), 5),
            (Strings{"2024-03-31T01:00:00Z", "2024-03-31T01:15:00Z", "2024-03-31T01:30:00Z",
                     "2024-03-31T01:45:00Z", "none"}));
}

TEST(Schedule, BerlinAutumnOverlapFiresOnceAtTheFirstOccurrence) {
  Schedule s = make("cron(30 2 * * ? *)", "Europe/Berlin");
  // 2024-10-27 02:30 happens at 00:30Z (CEST) and 01:30Z (CET).
  EXPECT_EQ(next_n(s, at("2024-10-26T12:00:00Z"), 2),
            (Strings{"2024-10-27T00:30:00Z", "2024-10-28T01:30:00Z"}));
  EXPECT_EQ(iso(s.previous_fire(at("2024-10-27T01:30:00Z"))), "2024-10-27T00:30:00Z");
  EXPECT_EQ(iso(s.next_fire(at("2024-10-27T00:45:00Z"))), "2024-10-28T01:30:00Z");
}

TEST(Schedule, BerlinOverlapSecondPassDoesNotRepeatFires) {
  Schedule s = make("cron(*/15 2 27 OCT ? 2024)", "Europe/Berlin");
  EXPECT_EQ(next_n(s, at("2024-10-26T00:00:00Z"), 5),
            (Strings{"2024-10-27T00:00:00Z", "2024-10-27T00:15:00Z", "2024-10-27T00:30:00Z",
                     "2024-10-27T00:45:00Z", "none"}));
  // During the second pass (01:00Z..02:00Z) the latest fire is the last one
  // of the first pass, and nothing else comes.
  EXPECT_EQ(iso(s.previous_fire(at("2024-10-27T01:20:00Z"))), "2024-10-27T00:45:00Z");
  EXPECT_EQ(iso(s.next_fire(at("2024-10-27T01:20:00Z"))), "none");
}

TEST(Schedule, NewYorkGapAndOverlap) {
  Schedule gap = make("cron(30 2 * * ? *)", "America/New_York");
  // 2024-03-10 02:00 EST -> 03:00 EDT (07:00Z).
  EXPECT_EQ(next_n(gap, at("2024-03-09T12:00:00Z"), 3),
            (Strings{"2024-03-10T07:00:00Z", "2024-03-11T06:30:00Z", "2024-03-12T06:30:00Z"}));
  Schedule overlap = make("cron(30 1 * * ? *)", "America/New_York");
  // 2024-11-03 01:30 happens at 05:30Z (EDT) then 06:30Z (EST).
  EXPECT_EQ(next_n(overlap, at("2024-11-02T12:00:00Z"), 2),
            (Strings{"2024-11-03T05:30:00Z", "2024-11-04T06:30:00Z"}));
  EXPECT_EQ(iso(overlap.previous_fire(at("2024-11-03T06:45:00Z"))), "2024-11-03T05:30:00Z");
}

TEST(Schedule, LordHoweHalfHourGapAndOverlap) {
  // Lord Howe: +10:30 in winter, +11 in summer; the change is 30 minutes.
  // 2024-10-06 02:00 -> 02:30 local (15:30Z on the 5th).
  Schedule gap = make("cron(15 2 * * ? *)", "Australia/Lord_Howe");
  EXPECT_EQ(next_n(gap, at("2024-10-04T00:00:00Z"), 3),
            (Strings{"2024-10-04T15:45:00Z", "2024-10-05T15:30:00Z", "2024-10-06T15:15:00Z"}));
  // 2024-04-07 02:00 -> 01:30 local: 01:45 happens at 14:45Z (+11) and 15:15Z.
  Schedule overlap = make("cron(45 1 * * ? *)", "Australia/Lord_Howe");
  EXPECT_EQ(next_n(overlap, at("2024-04-05T00:00:00Z"), 3),
            (Strings{"2024-04-05T14:45:00Z", "2024-04-06T14:45:00Z", "2024-04-07T15:15:00Z"}));
  EXPECT_EQ(iso(overlap.previous_fire(at("2024-04-06T15:20:00Z"))), "2024-04-06T14:45:00Z");
}

TEST(Schedule, KolkataHalfHourOffset) {
  Schedule s = make("cron(0 0 * * ? *)", "Asia/Kolkata");
  EXPECT_EQ(iso(s.next_fire(at("2024-06-01T12:00:00Z"))), "2024-06-01T18:30:00Z");
  Schedule five = make("30 5 * * *", "Asia/Kolkata");
  EXPECT_EQ(iso(five.next_fire(at("2024-06-01T00:00:00Z"))), "2024-06-02T00:00:00Z");
}

TEST(Schedule, FebruaryTwentyNinthFiresOnlyInLeapYears) {
  Schedule aws = make("cron(0 0 29 2 ? *)");
  EXPECT_EQ(next_n(aws, at("2024-03-01T00:00:00Z"), 2),
            (Strings{"2028-02-29T00:00:00Z", "2032-02-29T00:00:00Z"}));
  EXPECT_EQ(iso(aws.previous_fire(at("2027-12-31T00:00:00Z"))), "2024-02-29T00:00:00Z");
  Schedule standard = make("0 0 29 2 *");
  EXPECT_EQ(iso(standard.next_fire(at("2096-03-01T00:00:00Z"))), "2104-02-29T00:00:00Z");
  EXPECT_EQ(iso(standard.previous_fire(at("2104-02-28T00:00:00Z"))), "2096-02-29T00:00:00Z");
}

TEST(Schedule, ThirtyFirstFiresOnlyInLongMonths) {
  Schedule s = make("cron(0 12 31 * ? *)");
  EXPECT_EQ(next_n(s, at("2024-04-01T00:00:00Z"), 3),
            (Strings{"2024-05-31T12:00:00Z", "2024-07-31T12:00:00Z", "2024-08-31T12:00:00Z"}));
  EXPECT_EQ(iso(s.previous_fire(at("2024-07-30T00:00:00Z"))), "2024-05-31T12:00:00Z");
}

TEST(Schedule, YearBoundsAndSchedulesThatNeverFire) {
  Schedule last_year = make("cron(0 0 1 1 ? 2199)");
  EXPECT_EQ(iso(last_year.next_fire(at("2198-06-01T00:00:00Z"))), "2199-01-01T00:00:00Z");
  EXPECT_EQ(iso(last_year.next_fire(at("2199-01-01T00:00:00Z"))), "none");
  Schedule future = make("cron(0 0 1 1 ? 2030)");
  EXPECT_EQ(iso(future.previous_fire(at("2025-01-01T00:00:00Z"))), "none");
  Schedule first_year = make("cron(0 0 1 1 ? 1970)");
  EXPECT_EQ(iso(first_year.previous_fire(at("2025-01-01T00:00:00Z"))), "1970-01-01T00:00:00Z");
  Schedule never = make("cron(0 0 30 2 ? *)");
  EXPECT_EQ(iso(never.next_fire(at("2025-01-01T00:00:00Z"))), "none");
  EXPECT_EQ(iso(never.previous_fire(at("2025-01-01T00:00:00Z"))), "none");
  Schedule never_standard = make("0 0 31 4 *");
  EXPECT_EQ(iso(never_standard.next_fire(at("2025-01-01T00:00:00Z"))), "none");
  EXPECT_EQ(iso(Schedule{}.next_fire(at("2025-01-01T00:00:00Z"))), "none");
  Schedule years = make("cron(0 0 1 JAN ? 2026,2030-2031)");
  EXPECT_EQ(
      next_n(years, at("2025-01-01T00:00:00Z"), 4),
      (Strings{"2026-01-01T00:00:00Z", "2030-01-01T00:00:00Z", "2031-01-01T00:00:00Z", "none"}));
}

TEST(Schedule, NearestWeekdayNeverLeavesTheMonth) {
  // 2022-10-01 is a Saturday: 1W is Monday the 3rd, not Friday Sept 30.
  EXPECT_EQ(iso(make("cron(0 0 1W * ? *)").next_fire(at("2022-09-15T00:00:00Z"))),
            "2022-10-03T00:00:00Z");
  // 2022-07-31 is a Sunday: 31W is Friday the 29th, not Monday Aug 1.
  Schedule w31 = make("cron(0 0 31W * ? *)");
  EXPECT_EQ(iso(w31.next_fire(at("2022-07-01T00:00:00Z"))), "2022-07-29T00:00:00Z");
  // No 31st in September: 31W does not fire then.
  EXPECT_EQ(iso(w31.next_fire(at("2022-08-31T00:00:00Z"))), "2022-10-31T00:00:00Z");
  // 2022-05-15 is a Sunday -> Monday 16th; 2022-10-15 a Saturday -> Friday 14th.
  Schedule w15 = make("cron(0 0 15W * ? *)");
  EXPECT_EQ(iso(w15.next_fire(at("2022-05-01T00:00:00Z"))), "2022-05-16T00:00:00Z");
  EXPECT_EQ(iso(w15.next_fire(at("2022-10-01T00:00:00Z"))), "2022-10-14T00:00:00Z");
  // LW: the last weekday; July 2022 ends on a Sunday.
  EXPECT_EQ(iso(make("cron(0 0 LW * ? *)").next_fire(at("2022-07-01T00:00:00Z"))),
            "2022-07-29T00:00:00Z");
  EXPECT_EQ(next_n(make("cron(0 0 L * ? *)"), at("2024-01-31T00:00:00Z"), 2),
            (Strings{"2024-02-29T00:00:00Z", "2024-03-31T00:00:00Z"}));
}

TEST(Schedule, NthAndLastWeekdayOfTheMonth) {
  // 5 = Thursday. January 2024 has four Thursdays; February 2024 five.
  Schedule fifth = make("cron(0 0 ? * 5#5 *)");
  EXPECT_EQ(next_n(fifth, at("2024-01-01T00:00:00Z"), 2),
            (Strings{"2024-02-29T00:00:00Z", "2024-05-30T00:00:00Z"}));
  EXPECT_EQ(iso(make("cron(0 0 ? * 5L *)").next_fire(at("2024-01-01T00:00:00Z"))),
            "2024-01-25T00:00:00Z");
  EXPECT_EQ(iso(make("cron(30 3 ? * FRI#3 *)").next_fire(at("2024-01-01T00:00:00Z"))),
            "2024-01-19T03:30:00Z");
  // 'L' alone in day-of-week is the last day of the week, Saturday.
  EXPECT_EQ(iso(make("cron(0 0 ? * L *)").next_fire(at("2024-01-01T00:00:00Z"))),
            "2024-01-06T00:00:00Z");
}

TEST(Schedule, AwsDayOfWeekCountsFromSunday) {
  Schedule s = make("cron(0 9 ? * 2-6 *)");            // Monday to Friday
  EXPECT_EQ(next_n(s, at("2024-01-05T10:00:00Z"), 2),  // a Friday
            (Strings{"2024-01-08T09:00:00Z", "2024-01-09T09:00:00Z"}));
  EXPECT_EQ(iso(make("cron(0 9 ? * sun *)").next_fire(at("2024-01-01T00:00:00Z"))),
            "2024-01-07T09:00:00Z");
  EXPECT_EQ(iso(make("cron(0 9 1 jul ? *)").next_fire(at("2024-01-01T00:00:00Z"))),
            "2024-07-01T09:00:00Z");
}

TEST(Schedule, StepsRangesAndLists) {
  EXPECT_EQ(next_n(make("cron(10-50/20 * * * ? *)"), at("2024-01-01T00:00:00Z"), 4),
            (Strings{"2024-01-01T00:10:00Z", "2024-01-01T00:30:00Z", "2024-01-01T00:50:00Z",
                     "2024-01-01T01:10:00Z"}));
  EXPECT_EQ(next_n(make("cron(0/25 0 * * ? *)"), at("2024-01-01T00:00:00Z"), 3),
            (Strings{"2024-01-01T00:25:00Z", "2024-01-01T00:50:00Z", "2024-01-02T00:00:00Z"}));
  EXPECT_EQ(next_n(make("5,7 */12 * * *"), at("2024-01-01T00:06:00Z"), 3),
            (Strings{"2024-01-01T00:07:00Z", "2024-01-01T12:05:00Z", "2024-01-01T12:07:00Z"}));
}

TEST(Schedule, StandardCronUsesTheOrRuleWhenBothDayFieldsAreRestricted) {
  // Friday the 13th style: the 13th OR any Friday.
  Schedule s = make("0 0 13 * 5");
  EXPECT_EQ(next_n(s, at("2024-09-01T00:00:00Z"), 4),
            (Strings{"2024-09-06T00:00:00Z", "2024-09-13T00:00:00Z", "2024-09-20T00:00:00Z",
                     "2024-09-27T00:00:00Z"}));
  EXPECT_EQ(iso(s.next_fire(at("2024-10-11T00:00:00Z"))), "2024-10-13T00:00:00Z");
  // A day field that starts with '*' does not restrict: both must match.
  Schedule star = make("0 0 */2 * 1");  // odd days that are Mondays
  EXPECT_EQ(iso(star.next_fire(at("2024-01-01T00:00:00Z"))), "2024-01-15T00:00:00Z");
}

TEST(Schedule, StandardCronSundayIsZeroOrSevenAndNamesWork) {
  EXPECT_EQ(iso(make("0 0 * * 0").next_fire(at("2024-01-01T00:00:00Z"))), "2024-01-07T00:00:00Z");
  EXPECT_EQ(iso(make("0 0 * * 7").next_fire(at("2024-01-01T00:00:00Z"))), "2024-01-07T00:00:00Z");
  EXPECT_EQ(iso(make("0 0 * * Sat-Sun").next_fire(at("2024-01-01T00:00:00Z"))),
            "2024-01-06T00:00:00Z");
  EXPECT_EQ(iso(make("0 0 1 Feb *").next_fire(at("2024-01-01T00:00:00Z"))), "2024-02-01T00:00:00Z");
}

TEST(Schedule, Macros) {
  Time t = at("2024-01-10T10:10:00Z");
  EXPECT_EQ(iso(make("@daily").next_fire(t)), "2024-01-11T00:00:00Z");
  EXPECT_EQ(iso(make("@midnight").next_fire(t)), "2024-01-11T00:00:00Z");
  EXPECT_EQ(iso(make("@hourly").next_fire(t)), "2024-01-10T11:00:00Z");
  EXPECT_EQ(iso(make("@weekly").next_fire(t)), "2024-01-14T00:00:00Z");
  EXPECT_EQ(iso(make("@monthly").next_fire(t)), "2024-02-01T00:00:00Z");
  EXPECT_EQ(iso(make("@yearly").next_fire(t)), "2025-01-01T00:00:00Z");
  EXPECT_EQ(iso(make("@annually").next_fire(t)), "2025-01-01T00:00:00Z");
}

TEST(Schedule, RatesAlignToMultiplesSinceTheEpochInEveryZone) {
  Schedule twelve = make("rate(12 hours)", "Asia/Kolkata");
  EXPECT_EQ(iso(twelve.next_fire(at("2024-01-01T05:00:00Z"))), "2024-01-01T12:00:00Z");
  EXPECT_EQ(iso(twelve.previous_fire(at("2024-01-01T05:00:00Z"))), "2024-01-01T00:00:00Z");
  // 2024-01-01 is day 19723 since the epoch; 19723 = 5 * 3944 + 3.
  Schedule five_days = make("rate(5 days)", "America/New_York");
  EXPECT_EQ(iso(five_days.previous_fire(at("2024-01-01T00:00:00Z"))), "2023-12-29T00:00:00Z");
  EXPECT_EQ(iso(five_days.next_fire(at("2024-01-01T00:00:00Z"))), "2024-01-03T00:00:00Z");
  Schedule seven = make("rate(7 minutes)");
  // 1,000,000,020 s = 16,666,667 minutes + 0 s -> 16,666,667 = 7 * 2,380,952 + 3.
  Time t{seconds{1'000'000'020}};
  EXPECT_EQ(seven.previous_fire(t), Time{minutes{7 * 2'380'952}});
  EXPECT_EQ(seven.next_fire(t), Time{minutes{7 * 2'380'953}});
  Schedule minute = make("rate(1 minute)");
  EXPECT_EQ(iso(minute.previous_fire(at("2024-01-01T00:00:00Z"))), "2024-01-01T00:00:00Z");
  EXPECT_EQ(iso(minute.next_fire(at("2024-01-01T00:00:00Z"))), "2024-01-01T00:01:00Z");
  EXPECT_EQ(iso(make("rate(1 day)").next_fire(at("1969-12-31T12:00:00Z"))), "1970-01-01T00:00:00Z");
  EXPECT_EQ(iso(make("rate(1 day)").previous_fire(at("1969-12-31T12:00:00Z"))),
            "1969-12-31T00:00:00Z");
}

TEST(Schedule, DescribeInWords) {
  EXPECT_EQ(make("cron(0 0 * * ? *)").describe(), "at 00:00 every day (UTC)");
  EXPECT_EQ(make("rate(12 hours)").describe(), "every 12 hours");
  EXPECT_EQ(make("rate(1 minute)").describe(), "every minute");
  EXPECT_EQ(make("cron(30 3 ? * 6#3 *)", "Europe/Berlin").describe(),
            "at 03:30 on the third Friday of every month (Europe/Berlin)");
  EXPECT_EQ(make("cron(0 18 ? * MON-FRI *)").describe(), "at 18:00 on Monday through Friday (UTC)");
  EXPECT_EQ(make("cron(0 0 L * ? *)").describe(), "at 00:00 on the last day of every month (UTC)");
  EXPECT_EQ(make("cron(0 0 1 1 ? 2030)").describe(), "at 00:00 on day 1 of January in 2030 (UTC)");
  EXPECT_EQ(make("cron(0/15 * * * ? *)").describe(), "every 15 minutes every day (UTC)");
  EXPECT_EQ(make("0 */6 * * *").describe(), "at 00:00, 06:00, 12:00, 18:00 every day (UTC)");
  EXPECT_EQ(make("15 * * * *").describe(), "at minute 15 of every hour every day (UTC)");
  EXPECT_EQ(make("0 */2 * * *").describe(), "at minute 0 of every 2nd hour every day (UTC)");
  EXPECT_EQ(make("cron(*/10 2/3 * * ? *)").describe(),
            "every 10 minutes in every 3rd hour from 02:00 every day (UTC)");
  EXPECT_EQ(make("0 0 13 * 5").describe(), "at 00:00 on day 13 of every month or on Friday (UTC)");
  EXPECT_EQ(make("0 0 */10 * 1").describe(),
            "at 00:00 on day 1, 11, 21, 31 of every month if it is Monday (UTC)");
  EXPECT_EQ(make("cron(0/15 8-17 ? * MON-FRI *)").describe(),
            "every 15 minutes from 08:00 through 17:45 on Monday through Friday (UTC)");
  EXPECT_EQ(make("cron(5 1,3,5,7,9,11,13 ? JUN-AUG SAT,SUN *)").describe(),
            "at minute 5 past hours 01:00, 03:00, 05:00, 07:00, 09:00, 11:00, 13:00 on Sunday, "
            "Saturday in June through August (UTC)");
  EXPECT_EQ(make("cron(0 0 ? * 2L 2026-2027)").describe(),
            "at 00:00 on the last Monday of every month in 2026, 2027 (UTC)");
  EXPECT_EQ(make("cron(0 6 L,1 * ? *)").describe(),
            "at 06:00 on day 1 or the last day of every month (UTC)");
  EXPECT_EQ(make("cron(0 12 15W * ? *)").describe(),
            "at 12:00 on the weekday nearest day 15 of every month (UTC)");
}

TEST(Schedule, ParseErrorsSayWhatIsWrongAndWhatIsAllowed) {
  EXPECT_EQ(parse_error("cron(0 0 ? * 8 *)"),
            "cron day-of-week '8' is out of range 1-7 (1 = Sunday)");
  EXPECT_EQ(parse_error("cron(60 0 * * ? *)"), "cron minute '60' is out of range 0-59");
  EXPECT_EQ(parse_error("cron(0 24 * * ? *)"), "cron hour '24' is out of range 0-23");
  EXPECT_EQ(parse_error("cron(0 0 32 * ? *)"), "cron day-of-month '32' is out of range 1-31");
  EXPECT_EQ(parse_error("cron(0 0 * 13 ? *)"), "cron month '13' is out of range 1-12");
  EXPECT_EQ(parse_error("cron(0 0 * * ? 2200)"), "cron year '2200' is out of range 1970-2199");
  EXPECT_EQ(parse_error("cron(0 0 * FOO ? *)"),
            "cron month 'FOO' is not valid: expected a number 1-12 or JAN-DEC");
  EXPECT_EQ(parse_error("cron(0 0 * * * *)"),
            "cron day-of-month and day-of-week are both set: exactly one of them must be '?'");
  EXPECT_EQ(parse_error("cron(0 0 ? * ? *)"),
            "cron day-of-month and day-of-week are both '?': exactly one of them must be '?'");
  EXPECT_EQ(parse_error("cron(0 0 * * ?)"),
            "cron(...) needs 6 fields (minute hour day-of-month month day-of-week year), got 5");
  EXPECT_EQ(parse_error("cron(0/0 0 * * ? *)"),
            "cron minute '0/0' has an invalid step '0': expected a positive number");
  EXPECT_EQ(parse_error("cron(50-10 0 * * ? *)"),
            "cron minute '50-10' is a reversed range: 50 is after 10");
  EXPECT_EQ(parse_error("cron(0 0 L-3 * ? *)"),
            "cron day-of-month 'L-3' is not valid: AWS cron allows only L (last day) or LW (last "
            "weekday)");
  EXPECT_EQ(parse_error("cron(0 0 ? * 6#3,2 *)"),
            "cron day-of-week '6#3,2' is not valid: a '#' item must be the only item in "
            "day-of-week, as in 6#3");
  EXPECT_EQ(parse_error("cron(0 0 ? * 6#6 *)"),
            "cron day-of-week '6#6' has an invalid occurrence '6': expected 1-5 after '#'");
  EXPECT_EQ(parse_error("cron(0 0 1,,2 * ? *)"), "cron day-of-month '1,,2' has an empty list item");
  EXPECT_EQ(parse_error("0 0 * * 8"),
            "cron day-of-week '8' is out of range 0-7 (0 and 7 = Sunday)");
  EXPECT_EQ(parse_error("0 0 L * *"),
            "5-field cron item 'L' is not valid: '?', 'L', 'W' and '#' are only allowed in AWS "
            "cron(...) expressions");
  EXPECT_EQ(parse_error("0 0 * *"),
            "'0 0 * *' is not a schedule: expected cron(min hour day-of-month month day-of-week "
            "year), rate(N unit), a 5-field cron 'min hour day-of-month month day-of-week' or "
            "@daily-style macro");
  EXPECT_EQ(parse_error("rate(1 hours)"),
            "rate unit 'hours' must be singular for a value of 1: rate(1 hour)");
  EXPECT_EQ(parse_error("rate(5 hour)"),
            "rate unit 'hour' must be plural for a value above 1: rate(5 hours)");
  EXPECT_EQ(parse_error("rate(0 minutes)"),
            "rate value '0' is not valid: expected a positive whole number");
  EXPECT_EQ(parse_error("rate(5 weeks)"),
            "rate unit 'weeks' is not valid: expected minute(s), hour(s) or day(s)");
  EXPECT_EQ(parse_error("rate(5)"),
            "rate(5) is not valid: expected rate(N unit), e.g. rate(12 hours)");
  EXPECT_EQ(parse_error("@often"),
            "'@often' is not a known macro: expected @yearly, @annually, @monthly, @weekly, "
            "@daily, @midnight or @hourly");
  EXPECT_EQ(parse_error(""),
            "the schedule is empty: expected cron(...), rate(N unit) or a 5-field cron");
  EXPECT_EQ(parse_error("cron(0 0 * * ? *)", "Mars/Olympus"),
            "time zone 'Mars/Olympus' is not a known IANA time zone (e.g. UTC, Europe/Berlin)");
}

TEST(Schedule, IsValidTimezone) {
  EXPECT_TRUE(is_valid_timezone("UTC"));
  EXPECT_TRUE(is_valid_timezone("Europe/Berlin"));
  EXPECT_TRUE(is_valid_timezone("Australia/Lord_Howe"));
  EXPECT_FALSE(is_valid_timezone("Europe/Atlantis"));
  EXPECT_FALSE(is_valid_timezone(""));
}

// ---------------------------------------------------------------------------
// Random expressions against a brute-force reference.
//
// The generator writes an expression and, independently of the parser, the
// set of values each field means. The reference walks local time minute by
// minute over each matching day, maps each local minute to an instant with
// date's own choose::earliest (nonexistent -> the transition, ambiguous ->
// first occurrence) and so lists every fire in a window.

struct Model {
  bool aws = true;
  std::array<bool, 60> minutes{};
  std::array<bool, 24> hours{};
  std::array<bool, 13> months{};
  std::vector<int> years;  // empty: any year
  bool dom_restricted = false, dow_restricted = false;
  std::array<bool, 32> dom{};
  bool dom_last = false, dom_lw = false;
  std::array<bool, 32> dom_w{};
  std::array<bool, 7> dow{};  // Sunday = 0
  std::array<bool, 7> dow_last{};
  int nth_wd = -1, nth = 0;
  bool or_rule = false;
  std::string text;
};

class Generator {
 public:
  explicit Generator(unsigned seed) : m_rng(seed) {}

  int uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(m_rng); }
  bool chance(int percent) { return uniform(1, 100) <= percent; }

  // A plain list field over lo..hi; `bias` values are favoured (DST hours).
  template <std::size_t N>
  std::string plain(std::array<bool, N>& set, int lo, int hi, int star_percent,
                    const std::vector<int>& bias = {}, bool* starts_with_star = nullptr) {
    if (starts_with_star != nullptr) *starts_with_star = false;
    if (chance(star_percent)) {
      for (int v = lo; v <= hi; ++v) set[static_cast<std::size_t>(v)] = true;
      if (starts_with_star != nullptr) *starts_with_star = true;
      return "*";
    }
    int items = chance(70) ? 1 : uniform(2, 3);
    std::string out;
    for (int i = 0; i < items; ++i) {
      if (!out.empty()) out += ",";
      int kind = uniform(0, 9);
      auto pick = [&] {
        if (!bias.empty() && chance(50))
          return bias[static_cast<std::size_t>(uniform(0, static_cast<int>(bias.size()) - 1))];
        return uniform(lo, hi);
      };
      if (kind <= 4) {
        int v = pick();
        set[static_cast<std::size_t>(v)] = true;
        out += std::to_string(v);
      } else if (kind <= 6) {
        int a = uniform(lo, hi);
        int b = uniform(a, std::min(hi, a + uniform(0, 10)));
        for (int v = a; v <= b; ++v) set[static_cast<std::size_t>(v)] = true;
        out += fmt::format("{}-{}", a, b);
      } else if (kind == 7) {
        int a = uniform(lo, hi);
        int s = uniform(1, std::max(1, (hi - lo) / 2));
        for (int v = a; v <= hi; v += s) set[static_cast<std::size_t>(v)] = true;
        out += fmt::format("{}/{}", a, s);
      } else if (kind == 8) {
        int s = uniform(2, std::max(2, (hi - lo) / 2));
        for (int v = lo; v <= hi; v += s) set[static_cast<std::size_t>(v)] = true;
        if (i == 0 && starts_with_star != nullptr) *starts_with_star = true;
        out += fmt::format("*/{}", s);
      } else {
        int a = uniform(lo, hi);
        int b = uniform(a, hi);
        int s = uniform(1, 7);
        for (int v = a; v <= b; v += s) set[static_cast<std::size_t>(v)] = true;
        out += fmt::format("{}-{}/{}", a, b, s);
      }
    }
    return out;
  }

  std::string month_field(Model& m) {
    static constexpr std::array<const char*, 12> kNames = {
        "JAN", "feb", "Mar", "APR", "may", "JUN", "jul", "AUG", "Sep", "OCT", "nov", "DEC"};
    if (chance(60)) {
      for (int v = 1; v <= 12; ++v) m.months[static_cast<std::size_t>(v)] = true;
      return "*";
    }
    if (chance(30)) {
      int a = uniform(1, 12);
      int b = uniform(a, 12);
      for (int v = a; v <= b; ++v) m.months[static_cast<std::size_t>(v)] = true;
      return fmt::format("{}-{}", kNames[static_cast<std::size_t>(a - 1)],
                         kNames[static_cast<std::size_t>(b - 1)]);
    }
    return plain(m.months, 1, 12, 0);
  }

  std::string aws_dom(Model& m) {
    m.dom_restricted = true;
    int items = chance(75) ? 1 : 2;
    std::string out;
    for (int i = 0; i < items; ++i) {
      if (!out.empty()) out += ",";
      int kind = uniform(0, 9);
      if (kind <= 1) {
        m.dom_last = true;
        out += "L";
      } else if (kind == 2) {
        m.dom_lw = true;
        out += "LW";
      } else if (kind <= 4) {
        int d = chance(40) ? (chance(50) ? 1 : uniform(28, 31)) : uniform(1, 31);
        m.dom_w[static_cast<std::size_t>(d)] = true;
        out += fmt::format("{}W", d);
      } else {
        std::array<bool, 32> set{};
        bool star = false;
        out += plain(set, 1, 31, 10, {1, 29, 30, 31}, &star);
        for (std::size_t d = 0; d < 32; ++d) m.dom[d] = m.dom[d] || set[d];
      }
    }
    return out;
  }

  std::string aws_dow(Model& m) {
    static constexpr std::array<const char*, 7> kNames = {"SUN", "mon", "Tue", "WED",
                                                          "thu", "FRI", "sat"};
    m.dow_restricted = true;
    int kind = uniform(0, 9);
    if (kind <= 2) {
      int d = uniform(1, 7);
      int k = uniform(1, 5);
      m.nth_wd = d - 1;
      m.nth = k;
      return chance(50) ? fmt::format("{}#{}", d, k)
                        : fmt::format("{}#{}", kNames[static_cast<std::size_t>(d - 1)], k);
    }
    int items = chance(70) ? 1 : 2;
    std::string out;
    for (int i = 0; i < items; ++i) {
      if (!out.empty()) out += ",";
      int sub = uniform(0, 5);
      if (sub == 0) {
        int d = uniform(1, 7);
        m.dow_last[static_cast<std::size_t>(d - 1)] = true;
        out += fmt::format("{}L", d);
      } else if (sub == 1) {
        int a = uniform(1, 7);
        int b = uniform(a, 7);
        for (int v = a; v <= b; ++v) m.dow[static_cast<std::size_t>(v - 1)] = true;
        out += fmt::format("{}-{}", kNames[static_cast<std::size_t>(a - 1)],
                           kNames[static_cast<std::size_t>(b - 1)]);
      } else if (sub == 2) {
        m.dow[6] = true;
        out += "L";
      } else {
        std::array<bool, 8> set{};
        out += plain(set, 1, 7, 10);
        for (int v = 1; v <= 7; ++v) {
          if (set[static_cast<std::size_t>(v)]) m.dow[static_cast<std::size_t>(v - 1)] = true;
        }
      }
    }
    return out;
  }

  Model aws(int window_year) {
    Model m;
    m.aws = true;
    std::string minute = plain(m.minutes, 0, 59, 3, {0, 15, 30, 45});
    std::string hour = plain(m.hours, 0, 23, 15, {0, 1, 2, 3});
    std::string dom = "?";
    std::string dow = "?";
    if (chance(50)) {
      if (chance(40)) {
        dom = "*";
        m.dom.fill(true);
      } else {
        dom = aws_dom(m);
      }
      m.dow.fill(true);
    } else {
      if (chance(30)) {
        dow = "*";
        m.dow.fill(true);
      } else {
        dow = aws_dow(m);
      }
      m.dom.fill(true);
    }
    std::string month = month_field(m);
    std::string year = "*";
    if (chance(25)) {
      int a = window_year + uniform(-1, 1);
      if (chance(50)) {
        int b = a + uniform(0, 2);
        for (int y = a; y <= b; ++y) m.years.push_back(y);
        year = fmt::format("{}-{}", a, b);
      } else {
        m.years = {a, a + 2};
        year = fmt::format("{},{}", a, a + 2);
      }
    }
    m.text = fmt::format("cron({} {} {} {} {} {})", minute, hour, dom, month, dow, year);
    return m;
  }

  Model standard() {
    static constexpr std::array<const char*, 8> kNames = {"sun", "MON", "tue", "Wed",
                                                          "THU", "fri", "SAT", "7"};
    Model m;
    m.aws = false;
    std::string minute = plain(m.minutes, 0, 59, 3, {0, 30});
    std::string hour = plain(m.hours, 0, 23, 15, {1, 2, 3});
    bool dom_star = false;
    std::string dom = plain(m.dom, 1, 31, 50, {1, 29, 30, 31}, &dom_star);
    std::string month = month_field(m);
    bool dow_star = false;
    std::string dow;
    if (chance(25)) {
      int a = uniform(0, 7);
      int b = uniform(a, 7);
      for (int v = a; v <= b; ++v) m.dow[static_cast<std::size_t>(v % 7)] = true;
      dow = fmt::format("{}-{}", kNames[static_cast<std::size_t>(a)],
                        kNames[static_cast<std::size_t>(b)]);
    } else {
      std::array<bool, 8> set{};
      dow = plain(set, 0, 7, 50, {}, &dow_star);
      for (int v = 0; v <= 7; ++v) {
        if (set[static_cast<std::size_t>(v)]) m.dow[static_cast<std::size_t>(v % 7)] = true;
      }
    }
    m.dom_restricted = true;
    m.dow_restricted = true;
    m.or_rule = !dom_star && !dow_star;
    m.text = fmt::format("{} {} {} {} {}", minute, hour, dom, month, dow);
    return m;
  }

 private:
  std::mt19937 m_rng;
};

// Deliberately naive day rules, written from their definitions.
bool reference_day(const Model& m, date::year_month_day ymd) {
  int y = static_cast<int>(ymd.year());
  unsigned mo = static_cast<unsigned>(ymd.month());
  unsigned d = static_cast<unsigned>(ymd.day());
  if (!m.years.empty() && std::find(m.years.begin(), m.years.end(), y) == m.years.end())
    return false;
  if (!m.months[mo]) return false;
  unsigned last = static_cast<unsigned>((ymd.year() / ymd.month() / date::last).day());
  auto wd = [&](unsigned day) {
    return date::weekday{date::year_month_day{ymd.year(), ymd.month(), date::day{day}}}
        .c_encoding();
  };
  auto is_weekday = [&](unsigned day) { return wd(day) >= 1 && wd(day) <= 5; };

  bool dom = m.dom[d] || (m.dom_last && d == last);
  if (m.dom_lw) {
    unsigned lw = last;
    while (!is_weekday(lw)) --lw;
    dom = dom || d == lw;
  }
  for (unsigned n = 1; n <= last; ++n) {
    if (!m.dom_w[n]) continue;
    // The weekday of this month closest to day n; on a tie the earlier one.
    unsigned best = 0;
    for (unsigned c = 1; c <= last; ++c) {
      if (!is_weekday(c)) continue;
      auto dist = [&](unsigned x) { return x > n ? x - n : n - x; };
      if (best == 0 || dist(c) < dist(best)) best = c;
    }
    dom = dom || d == best;
  }
  unsigned w = wd(d);
  bool dow = m.dow[w];
  if (m.dow_last[w]) {
    bool later = false;
    for (unsigned c = d + 1; c <= last; ++c) later = later || wd(c) == w;
    dow = dow || !later;
  }
  if (m.nth_wd == static_cast<int>(w)) {
    int count = 0;
    for (unsigned c = 1; c <= d; ++c) count += wd(c) == w ? 1 : 0;
    dow = dow || count == m.nth;
  }
  return m.or_rule ? (dom || dow) : (dom && dow);
}

// Every fire whose local time lies in [from, to), sorted and distinct.
std::vector<Time> reference_fires(const Model& m, const date::time_zone* zone,
                                  date::local_days from, date::local_days to, std::size_t cap,
                                  date::local_days& reached) {
  std::vector<Time> fires;
  reached = from;
  for (date::local_days day = from; day < to; day += days{1}) {
    if (fires.size() >= cap && day >= from + days{3}) break;
    reached = day + days{1};
    if (!reference_day(m, date::year_month_day{day})) continue;
    for (int minute = 0; minute < 24 * 60; ++minute) {
      if (!m.hours[static_cast<std::size_t>(minute / 60)] ||
          !m.minutes[static_cast<std::size_t>(minute % 60)])
        continue;
      date::local_seconds local = day + minutes{minute};
      fires.push_back(zone->to_sys(local, date::choose::earliest));
    }
  }
  std::sort(fires.begin(), fires.end());
  fires.erase(std::unique(fires.begin(), fires.end()), fires.end());
  return fires;
}

struct RandomStats {
  int expressions = 0;
  long fires = 0;
};

// Compares the schedule with the reference over one window; returns false
// (after reporting) on the first difference.
bool compare_window(const Model& m, const std::string& zone_name, date::local_days from, int length,
                    std::mt19937& rng, RandomStats& stats) {
  auto parsed = Schedule::parse(m.text, zone_name);
  if (!parsed) {
    ADD_FAILURE() << m.text << " did not parse: " << parsed.error();
    return false;
  }
  const Schedule& s = *parsed;
  const date::time_zone* zone = date::locate_zone(zone_name);
  date::local_days reached{};
  std::vector<Time> fires = reference_fires(m, zone, from, from + days{length}, 400, reached);
  // Instants certainly covered by the local window (offsets stay within 15 h).
  Time lo{from.time_since_epoch() + hours{15}};
  Time hi{reached.time_since_epoch() - hours{15}};
  std::vector<Time> expected;
  for (Time f : fires) {
    if (f > lo && f <= hi) expected.push_back(f);
  }
  std::string where = fmt::format("{} in {} from {}", m.text, zone_name, iso(lo));
  ++stats.expressions;
  stats.fires += static_cast<long>(expected.size());

  // The chain of next fires from lo must be exactly the reference list.
  Time t = lo;
  for (Time want : expected) {
    auto got = s.next_fire(t);
    if (got != want) {
      ADD_FAILURE() << where << ": next_fire(" << iso(t) << ") = " << iso(got) << ", want "
                    << iso(want);
      return false;
    }
    t = want;
  }
  auto after = s.next_fire(t);
  if (after && *after <= hi) {
    ADD_FAILURE() << where << ": next_fire(" << iso(t) << ") = " << iso(after)
                  << ", want nothing up to " << iso(hi);
    return false;
  }
  // previous_fire at random instants and around each fire.
  auto check_previous = [&](Time q) {
    auto it = std::upper_bound(expected.begin(), expected.end(), q);
    std::optional<Time> want;
    if (it != expected.begin()) want = *std::prev(it);
    auto got = s.previous_fire(q);
    if (want ? got != want : (got && *got > lo)) {
      ADD_FAILURE() << where << ": previous_fire(" << iso(q) << ") = " << iso(got) << ", want "
                    << iso(want);
      return false;
    }
    return true;
  };
  std::uniform_int_distribution<std::int64_t> pick(lo.time_since_epoch().count(),
                                                   hi.time_since_epoch().count());
  for (int i = 0; i < 20 && lo < hi; ++i) {
    if (!check_previous(Time{seconds{pick(rng)}})) return false;
  }
  for (std::size_t i = 0; i < expected.size(); i += 1 + expected.size() / 40) {
    if (!check_previous(expected[i]) || !check_previous(expected[i] - seconds{1})) return false;
  }
  // next_fire from random instants, not only from fires.
  for (int i = 0; i < 20 && lo < hi; ++i) {
    Time q{seconds{pick(rng)}};
    auto it = std::upper_bound(expected.begin(), expected.end(), q);
    auto got = s.next_fire(q);
    if (it != expected.end() ? got != *it : (got && *got <= hi)) {
      ADD_FAILURE() << where << ": next_fire(" << iso(q) << ") = " << iso(got) << ", want "
                    << (it != expected.end() ? iso(*it) : "nothing");
      return false;
    }
  }
  return true;
}

void run_random(const std::string& zone, unsigned seed, int count) {
  Generator gen(seed);
  std::mt19937 rng(seed * 7919u);
  RandomStats stats;
  for (int i = 0; i < count; ++i) {
    int year = gen.uniform(2019, 2030);
    date::local_days from = date::local_days{date::year{year} / 1 / 1} + days{gen.uniform(0, 364)};
    // Mostly short windows; some long ones for sparse schedules (L, #, W).
    int length = gen.chance(80) ? gen.uniform(3, 40) : gen.uniform(100, 400);
    Model m = gen.chance(70) ? gen.aws(year) : gen.standard();
    if (!compare_window(m, zone, from, length, rng, stats)) return;
  }
  ::testing::Test::RecordProperty("expressions", stats.expressions);
  ::testing::Test::RecordProperty("fires", static_cast<int>(stats.fires));
  EXPECT_EQ(stats.expressions, count);
  EXPECT_GT(stats.fires, count);  // the comparison is not vacuous
}

TEST(ScheduleRandom, MatchesBruteForceInUtc) {
  run_random("UTC", 1, 1500);
}
TEST(ScheduleRandom, MatchesBruteForceInBerlin) {
  run_random("Europe/Berlin", 2, 1500);
}
TEST(ScheduleRandom, MatchesBruteForceInNewYork) {
  run_random("America/New_York", 3, 1500);
}
TEST(ScheduleRandom, MatchesBruteForceInLordHowe) {
  run_random("Australia/Lord_Howe", 4, 1500);
}
TEST(ScheduleRandom, MatchesBruteForceInKolkata) {
  run_random("Asia/Kolkata", 5, 1500);
}

// Windows placed on each zone's DST changes, with hours around them.
TEST(ScheduleRandom, MatchesBruteForceAcrossDstChanges) {
  struct Change {
    const char* zone;
    date::local_days day;
  };
  const std::vector<Change> changes = {
      {"Europe/Berlin", date::local_days{date::year{2024} / 3 / 31}},
      {"Europe/Berlin", date::local_days{date::year{2024} / 10 / 27}},
      {"America/New_York", date::local_days{date::year{2024} / 3 / 10}},
      {"America/New_York", date::local_days{date::year{2024} / 11 / 3}},
      {"Australia/Lord_Howe", date::local_days{date::year{2024} / 4 / 7}},
      {"Australia/Lord_Howe", date::local_days{date::year{2024} / 10 / 6}},
  };
  Generator gen(42);
  std::mt19937 rng(4242);
  RandomStats stats;
  for (int i = 0; i < 600; ++i) {
    const Change& c = changes[static_cast<std::size_t>(i) % changes.size()];
    Model m = gen.chance(70) ? gen.aws(2024) : gen.standard();
    if (!compare_window(m, c.zone, c.day - days{2}, 4, rng, stats)) return;
  }
  EXPECT_EQ(stats.expressions, 600);
}

}  // namespace
}  // namespace snapkeep::core
