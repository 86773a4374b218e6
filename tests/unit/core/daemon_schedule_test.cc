#include "core/daemon_schedule.h"

#include <gtest/gtest.h>

#include "core/retention.h"

namespace snapkeep::core {
namespace {

Time at(const char* text) {
  return *parse_slot(text);
}

Config two_policies() {
  auto config = parse_config(
      "regions: [us-east-1]\n"
      "policies:\n"
      "  - name: nightly\n"
      "    select: {all: true}\n"
      "    schedule: \"cron(0 0 * * ? *)\"\n"
      "    retain: {count: 1}\n"
      "  - name: quarter\n"
      "    select: {all: true}\n"
      "    schedule: rate(15 minutes)\n"
      "    retain: {count: 1}\n",
      "c.yaml");
  EXPECT_TRUE(config.has_value());
  return *config;
}

TEST(DaemonSchedule, NextSlotIsTheEarliestOfAnyPolicy) {
  auto config = two_policies();
  auto next = next_slot(config, at("2026-11-30T23:50:00Z"));
  ASSERT_TRUE(next);
  EXPECT_EQ(next->at, at("2026-12-01T00:00:00Z"));
  EXPECT_EQ(next->policy, "nightly") << "both fire at midnight: the first in file order";
  next = next_slot(config, at("2026-12-01T00:00:00Z"));
  EXPECT_EQ(next->at, at("2026-12-01T00:15:00Z"));
  EXPECT_EQ(next->policy, "quarter");
}

TEST(DaemonSchedule, NoPolicyNoSlot) {
  EXPECT_FALSE(next_slot(Config{}, at("2026-12-01T00:00:00Z")));
}

TEST(DaemonSchedule, RetryDelayDoublesUpToFifteenMinutes) {
  using std::chrono::seconds;
  EXPECT_EQ(retry_delay(0), seconds(0));
  EXPECT_EQ(retry_delay(1), seconds(30));
  EXPECT_EQ(retry_delay(2), seconds(60));
  EXPECT_EQ(retry_delay(5), seconds(480));
  EXPECT_EQ(retry_delay(6), seconds(900));
  EXPECT_EQ(retry_delay(100), seconds(900));
  EXPECT_EQ(retry_delay(3, std::chrono::milliseconds(200)), std::chrono::milliseconds(800));
}

}  // namespace
}  // namespace snapkeep::core
