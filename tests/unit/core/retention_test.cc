#include "core/retention.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace snapkeep::core {
namespace {

using std::chrono::days;
using std::chrono::hours;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;

Time at(std::string_view iso) {
  const auto t = parse_slot(iso);
  EXPECT_TRUE(t.has_value()) << iso;
  return t.value_or(Time{});
}

// Points built from slot strings; set ids "s<index>".
struct History {
  std::vector<std::string> set_ids;
  std::vector<PointInfo> points;

  void add(Time slot, PointState state = PointState::good, Time start = {}, std::string set = {}) {
    set_ids.push_back(set.empty() ? "s" + std::to_string(set_ids.size()) : std::move(set));
    points.push_back({slot, state, start == Time{} ? slot : start, {}});
  }
  std::vector<PointInfo> view() {
    for (std::size_t i = 0; i < points.size(); ++i) {
      points[i].set_id = set_ids[i];
    }
    return points;
  }
};

// The slots kept, newest first.
std::vector<std::string> kept_slots(const std::vector<PointInfo>& points,
                                    const std::vector<PointDecision>& decisions) {
  std::vector<std::pair<Time, std::string>> kept;
  for (std::size_t i = 0; i < points.size(); ++i) {
    if (decisions[i].keep) {
      kept.emplace_back(points[i].slot, format_slot(points[i].slot));
    }
  }
  std::ranges::sort(kept, std::greater<>{});
  std::vector<std::string> out;
  for (auto& [t, s] : kept) {
    out.push_back(s);
  }
  return out;
}

std::vector<PointDecision> decide(const std::vector<PointInfo>& points, const Retention& rules,
                                  Time now, std::string_view zone = "UTC", bool orphan = false,
                                  int orphan_keep_days = 365) {
  RetentionContext context;
  context.rules = &rules;
  context.zone = find_time_zone(zone);
  EXPECT_NE(context.zone, nullptr) << zone;
  context.now = now;
  context.orphan = orphan;
  context.orphan_keep_days = orphan_keep_days;
  return decide_retention(points, context);
}

TEST(Retention, DailyCronWithGfsOver400DaysKeepsExactlyTheGfsPoints) {
  // cron(0 0 * * ? *), UTC, retain {daily: 7, weekly: 4, monthly: 12};
  // 2026-11-26 is a Thursday.
  const Time now = at("2026-11-26T00:30:00Z");
  History h;
  for (int i = 0; i < 400; ++i) {
    h.add(at("2026-11-26T00:00:00Z") - days{i});
  }
  const auto points = h.view();
  Retention rules;
  rules.daily = 7;
  rules.weekly = 4;
  rules.monthly = 12;
  const auto decisions = decide(points, rules, now);
  EXPECT_THAT(kept_slots(points, decisions),
              ElementsAre(
                  // daily 7
                  "2026-11-26T00:00:00Z", "2026-11-25T00:00:00Z", "2026-11-24T00:00:00Z",
                  "2026-11-23T00:00:00Z", "2026-11-22T00:00:00Z", "2026-11-21T00:00:00Z",
                  "2026-11-20T00:00:00Z",
                  // weekly: Sundays of ISO weeks 46 and 45 (week 47's Sunday is 11-22)
                  "2026-11-15T00:00:00Z", "2026-11-08T00:00:00Z",
                  // monthly: last day of each earlier month, back to December 2025
                  "2026-10-31T00:00:00Z", "2026-09-30T00:00:00Z", "2026-08-31T00:00:00Z",
                  "2026-07-31T00:00:00Z", "2026-06-30T00:00:00Z", "2026-05-31T00:00:00Z",
                  "2026-04-30T00:00:00Z", "2026-03-31T00:00:00Z", "2026-02-28T00:00:00Z",
                  "2026-01-31T00:00:00Z", "2025-12-31T00:00:00Z"));
  EXPECT_EQ(decisions[0].reason,
            "kept: newest good restore point, daily 1 of 7, weekly 1 of 4, monthly 1 of 12");
  EXPECT_EQ(decisions[4].reason, "kept: daily 5 of 7, weekly 2 of 4");  // 11-22, a Sunday
  EXPECT_EQ(decisions[7].reason,                                        // 11-19
            "delete: not kept by daily 7 (older than the 7 newest days with points), "
            "weekly 4 (not the newest of its week), monthly 12 (not the newest of its month)");
  EXPECT_EQ(decisions[399].reason,  // 2025-10-23
            "delete: not kept by daily 7 (older than the 7 newest days with points), "
            "weekly 4 (older than the 4 newest weeks with points), "
            "monthly 12 (older than the 12 newest months with points)");
}

TEST(Retention, BucketsSkipPeriodsWithoutPointsAsResticDoes) {
  // Weekly 3 with a gap of a month: the last 3 weeks that HAVE points.
  History h;
  h.add(at("2026-11-26T00:00:00Z"));
  h.add(at("2026-10-20T00:00:00Z"));
  h.add(at("2026-10-19T00:00:00Z"));  // same ISO week as 10-20 (Monday)
  h.add(at("2026-10-10T00:00:00Z"));
  h.add(at("2026-09-01T00:00:00Z"));
  const auto points = h.view();
  Retention rules;
  rules.weekly = 3;
  EXPECT_THAT(kept_slots(points, decide(points, rules, at("2026-11-26T01:00:00Z"))),
              ElementsAre("2026-11-26T00:00:00Z", "2026-10-20T00:00:00Z", "2026-10-10T00:00:00Z"));
}

TEST(Retention, HourlyKeepsTheNewestOfEachOfTheLastHours) {
  // Every 15 minutes for a day, hourly 6: the :45 point of the last 6 hours.
  History h;
  for (int i = 0; i < 96; ++i) {
    h.add(at("2026-11-26T23:45:00Z") - std::chrono::minutes{15 * i});
  }
  const auto points = h.view();
  Retention rules;
  rules.hourly = 6;
  EXPECT_THAT(kept_slots(points, decide(points, rules, at("2026-11-27T00:00:00Z"))),
              ElementsAre("2026-11-26T23:45:00Z", "2026-11-26T22:45:00Z", "2026-11-26T21:45:00Z",
                          "2026-11-26T20:45:00Z", "2026-11-26T19:45:00Z", "2026-11-26T18:45:00Z"));
}

TEST(Retention, CountKeepsTheNewestGoodPoints) {
  History h;
  for (int i = 0; i < 10; ++i) {
    h.add(at("2026-11-26T12:00:00Z") - hours{12 * i});
  }
  const auto points = h.view();
  Retention rules;
  rules.count = 3;
  const auto decisions = decide(points, rules, at("2026-11-26T12:00:00Z"));
  EXPECT_THAT(kept_slots(points, decisions),
              ElementsAre("2026-11-26T12:00:00Z", "2026-11-26T00:00:00Z", "2026-11-25T12:00:00Z"));
  EXPECT_EQ(decisions[2].reason, "kept: count 3 of 3");
  EXPECT_EQ(decisions[3].reason, "delete: not kept by count 3 (4th newest)");
  EXPECT_EQ(decisions[9].reason, "delete: not kept by count 3 (10th newest)");
}

TEST(Retention, DaysKeepsSlotsYoungerThanNDays) {
  History h;
  for (int i = 0; i < 20; ++i) {
    h.add(at("2026-11-26T00:00:00Z") - days{i});
  }
  const auto points = h.view();
  Retention rules;
  rules.days = 7;
  const auto decisions = decide(points, rules, at("2026-11-26T00:30:00Z"));
  EXPECT_THAT(kept_slots(points, decisions),
              ElementsAre("2026-11-26T00:00:00Z", "2026-11-25T00:00:00Z", "2026-11-24T00:00:00Z",
                          "2026-11-23T00:00:00Z", "2026-11-22T00:00:00Z", "2026-11-21T00:00:00Z",
                          "2026-11-20T00:00:00Z"));
  EXPECT_EQ(decisions[7].reason, "delete: not kept by days 7 (older than 7 days)");
}

TEST(Retention, DayBucketsFollowThePolicyTimeZone) {
  // Every 6 hours UTC. In New York (UTC-5 in November) 2026-11-26T00:00Z is
  // 19:00 on the 25th, so it is the newest point of the local 25th.
  History h;
  for (int i = 0; i < 12; ++i) {
    h.add(at("2026-11-26T18:00:00Z") - hours{6 * i});
  }
  const auto points = h.view();
  Retention rules;
  rules.daily = 2;
  const Time now = at("2026-11-26T18:30:00Z");
  EXPECT_THAT(kept_slots(points, decide(points, rules, now, "UTC")),
              ElementsAre("2026-11-26T18:00:00Z", "2026-11-25T18:00:00Z"));
  EXPECT_THAT(kept_slots(points, decide(points, rules, now, "America/New_York")),
              ElementsAre("2026-11-26T18:00:00Z", "2026-11-26T00:00:00Z"));
  // Tokyo (UTC+9): 2026-11-26T18:00Z is already the 27th there.
  EXPECT_THAT(kept_slots(points, decide(points, rules, now, "Asia/Tokyo")),
              ElementsAre("2026-11-26T18:00:00Z", "2026-11-26T12:00:00Z"));
}

TEST(Retention, WeeksAreIsoWeeksAcrossTheYearBoundary) {
  // 2026-12-31 (Thu) and 2027-01-03 (Sun) are both in ISO week 2026-W53.
  History h;
  h.add(at("2027-01-04T00:00:00Z"));  // Monday, 2027-W01
  h.add(at("2027-01-03T00:00:00Z"));
  h.add(at("2026-12-31T00:00:00Z"));
  h.add(at("2026-12-27T00:00:00Z"));  // Sunday, 2026-W52
  const auto points = h.view();
  Retention rules;
  rules.weekly = 3;
  EXPECT_THAT(kept_slots(points, decide(points, rules, at("2027-01-04T01:00:00Z"))),
              ElementsAre("2027-01-04T00:00:00Z", "2027-01-03T00:00:00Z", "2026-12-27T00:00:00Z"));
}

TEST(Retention, NewestGoodPointIsAlwaysKept) {
  History h;
  h.add(at("2026-01-01T00:00:00Z"));
  h.add(at("2025-12-31T00:00:00Z"));
  const auto points = h.view();
  Retention rules;
  rules.days = 1;
  const auto decisions = decide(points, rules, at("2026-11-26T00:00:00Z"));
  EXPECT_THAT(kept_slots(points, decisions), ElementsAre("2026-01-01T00:00:00Z"));
  EXPECT_EQ(decisions[0].reason, "kept: newest good restore point");
}

TEST(Retention, NoRuleKeepsEverything) {
  History h;
  h.add(at("2026-01-01T00:00:00Z"));
  h.add(at("2025-01-01T00:00:00Z"));
  const auto points = h.view();
  const auto decisions = decide(points, Retention{}, at("2026-11-26T00:00:00Z"));
  EXPECT_TRUE(decisions[0].keep);
  EXPECT_TRUE(decisions[1].keep);
  EXPECT_EQ(decisions[1].reason, "kept: the policy has no retention rule");
}

TEST(Retention, DuplicatesKeepTheEarliestSet) {
  const Time slot = at("2026-11-26T00:00:00Z");
  History h;
  h.add(slot, PointState::good, slot + std::chrono::seconds{90}, "run-b-1");
  h.add(slot, PointState::good, slot + std::chrono::seconds{30}, "run-a-1");
  h.add(slot, PointState::good, slot + std::chrono::seconds{30}, "run-0-1");  // same start: by id
  const auto points = h.view();
  Retention rules;
  rules.count = 5;
  const auto d = decide(points, rules, slot + hours{1});
  EXPECT_FALSE(d[0].keep);
  EXPECT_FALSE(d[1].keep);
  EXPECT_TRUE(d[2].keep);
  EXPECT_EQ(
      d[0].reason,
      "delete: duplicate restore point for slot 2026-11-26T00:00:00Z (an earlier set is kept)");
  EXPECT_EQ(d[2].reason, "kept: newest good restore point, count 1 of 5");
}

TEST(Retention, DuplicatesNeverDeleteTheOnlyGoodSet) {
  const Time slot = at("2026-11-26T00:00:00Z");
  History h;
  h.add(slot, PointState::errored, slot + std::chrono::seconds{1}, "first");
  h.add(slot, PointState::good, slot + std::chrono::seconds{2}, "second");
  h.add(slot, PointState::pending, slot + std::chrono::seconds{3}, "third");
  const auto points = h.view();
  Retention rules;
  rules.count = 1;
  const auto d = decide(points, rules, slot + hours{1});
  EXPECT_FALSE(d[0].keep);
  EXPECT_EQ(d[0].reason, "delete: errored, and slot 2026-11-26T00:00:00Z has a good restore point");
  EXPECT_TRUE(d[1].keep);
  EXPECT_TRUE(d[2].keep);
  EXPECT_EQ(d[2].reason, "kept: pending (may still be in progress)");
}

TEST(Retention, ErroredPointIsDeletedOnlyOnceANewerGoodPointExists) {
  History h;
  h.add(at("2026-11-26T00:00:00Z"), PointState::errored);
  h.add(at("2026-11-25T00:00:00Z"), PointState::good);
  h.add(at("2026-11-24T00:00:00Z"), PointState::errored);
  h.add(at("2026-11-23T00:00:00Z"), PointState::good);
  const auto points = h.view();
  Retention rules;
  rules.count = 1;
  const auto d = decide(points, rules, at("2026-11-26T01:00:00Z"));
  EXPECT_TRUE(d[0].keep);
  EXPECT_EQ(d[0].reason, "kept: errored, but no newer good restore point exists yet");
  EXPECT_TRUE(d[1].keep);  // newest good, and count 1: errored points do not count
  EXPECT_FALSE(d[2].keep);
  EXPECT_EQ(d[2].reason,
            "delete: errored, and a newer good restore point exists (2026-11-25T00:00:00Z)");
  EXPECT_FALSE(d[3].keep);
}

TEST(Retention, PendingPointsAreNeverDeletedAndNeverCount) {
  History h;
  h.add(at("2026-11-26T00:00:00Z"), PointState::pending);
  h.add(at("2026-11-25T00:00:00Z"), PointState::good);
  h.add(at("2025-01-01T00:00:00Z"), PointState::pending);
  h.add(at("2026-11-24T00:00:00Z"), PointState::good);
  const auto points = h.view();
  Retention rules;
  rules.count = 1;
  const auto d = decide(points, rules, at("2026-11-26T01:00:00Z"));
  EXPECT_TRUE(d[0].keep);
  EXPECT_TRUE(d[1].keep);
  EXPECT_TRUE(d[2].keep);
  EXPECT_FALSE(d[3].keep);
}

TEST(Retention, OrphanKeepsItsNewestPointForOrphanKeepDays) {
  History h;
  for (int i = 0; i < 10; ++i) {
    h.add(at("2026-10-01T00:00:00Z") - days{i});
  }
  const auto points = h.view();
  Retention rules;
  rules.days = 7;
  const auto within = decide(points, rules, at("2026-11-26T00:00:00Z"), "UTC", true, 90);
  EXPECT_THAT(kept_slots(points, within), ElementsAre("2026-10-01T00:00:00Z"));
  EXPECT_EQ(within[0].reason,
            "kept: newest good restore point of an instance no longer backed up, until "
            "2026-12-30T00:00:00Z (orphan_keep_days 90)");
  const auto after = decide(points, rules, at("2026-12-30T00:00:00Z"), "UTC", true, 90);
  EXPECT_THAT(kept_slots(points, after), ElementsAre());
  EXPECT_EQ(after[0].reason,
            "delete: orphan_keep_days 90 passed on 2026-12-30T00:00:00Z (the instance is no "
            "longer backed up)");
  // count and the calendar rules do not keep an orphan's points past
  // orphan_keep_days: each point goes 90 days after its slot, the newest last.
  Retention counted;
  counted.count = 2;
  counted.yearly = 5;
  EXPECT_THAT(
      kept_slots(points, decide(points, counted, at("2030-01-01T00:00:00Z"), "UTC", true, 90)),
      ElementsAre());
  EXPECT_THAT(
      kept_slots(points, decide(points, counted, at("2026-12-29T12:00:00Z"), "UTC", true, 90)),
      ElementsAre("2026-10-01T00:00:00Z"));
}

TEST(Retention, PointStateFromSnapshotStates) {
  using S = SnapshotState;
  const std::vector<S> all_done{S::completed, S::completed};
  const std::vector<S> one_pending{S::completed, S::pending};
  const std::vector<S> one_error{S::error, S::completed};
  const std::vector<S> error_and_pending{S::error, S::pending};
  const std::vector<S> unknown{S::unknown};
  EXPECT_EQ(point_state(all_done), PointState::good);
  EXPECT_EQ(point_state(one_pending), PointState::pending);
  EXPECT_EQ(point_state(one_error), PointState::errored);
  EXPECT_EQ(point_state(error_and_pending), PointState::pending);
  EXPECT_EQ(point_state(unknown), PointState::pending);
}

TEST(Retention, SlotTextRoundTripsAndRejectsOtherFormats) {
  EXPECT_EQ(format_slot(at("2026-11-26T07:05:09Z")), "2026-11-26T07:05:09Z");
  EXPECT_FALSE(parse_slot("2026-11-26T07:05:09").has_value());
  EXPECT_FALSE(parse_slot("2026-11-26 07:05:09Z").has_value());
  EXPECT_FALSE(parse_slot("2026-02-30T00:00:00Z").has_value());
  EXPECT_FALSE(parse_slot("2026-11-26T24:00:00Z").has_value());
  EXPECT_FALSE(parse_slot("2026-11-26T0a:00:00Z").has_value());
  EXPECT_EQ(parse_slot("1970-01-01T00:00:01Z")->time_since_epoch().count(), 1);
}

TEST(Retention, UnknownTimeZoneIsNull) {
  EXPECT_EQ(find_time_zone("Mars/Olympus"), nullptr);
  EXPECT_NE(find_time_zone("Europe/Berlin"), nullptr);
}

}  // namespace
}  // namespace snapkeep::core

namespace snapkeep::core {
namespace {

// The point a run is about to create counts for the rules, so `count: 1`
// lets the previous point go only once the new one exists; but a planned
// point is not good yet, so the newest good point is kept all the same.
TEST(Retention, PlannedPointCountsForRulesButNeverReplacesTheNewestGoodPoint) {
  using namespace std::chrono;
  const Time now = sys_days(2026y / 11 / 26) + hours(9);
  std::vector<PointInfo> points = {
      {sys_days(2026y / 11 / 24), PointState::good, {}, "a"},
      {sys_days(2026y / 11 / 25), PointState::good, {}, "b"},
      {sys_days(2026y / 11 / 26), PointState::planned, {}, ""},
  };
  Retention rules;
  rules.count = 1;
  RetentionContext context;
  context.rules = &rules;
  context.now = now;
  const auto d = decide_retention(points, context);
  EXPECT_FALSE(d[0].keep) << d[0].reason;
  EXPECT_TRUE(d[1].keep) << "the newest good point stays while the new one is not yet good";
  EXPECT_TRUE(d[2].keep);
}

TEST(Retention, PlannedPointDoesNotLetAnErroredPointGo) {
  using namespace std::chrono;
  const Time now = sys_days(2026y / 11 / 26) + hours(9);
  std::vector<PointInfo> points = {
      {sys_days(2026y / 11 / 25), PointState::errored, {}, "e"},
      {sys_days(2026y / 11 / 26), PointState::planned, {}, ""},
  };
  Retention rules;
  rules.daily = 7;
  RetentionContext context;
  context.rules = &rules;
  context.now = now;
  const auto d = decide_retention(points, context);
  EXPECT_TRUE(d[0].keep) << d[0].reason;
}

}  // namespace
}  // namespace snapkeep::core
