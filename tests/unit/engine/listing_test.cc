#include "engine/listing.h"

#include <gtest/gtest.h>

#include "engine/render.h"

namespace snapkeep::engine {
namespace {

using std::chrono::days;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

TEST(FormatAge, DaysHoursMinutes) {
  EXPECT_EQ(format_age(days{3} + hours{4} + minutes{59}), "3d 4h");
  EXPECT_EQ(format_age(hours{5} + minutes{12} + seconds{30}), "5h 12m");
  EXPECT_EQ(format_age(minutes{7}), "7m");
  EXPECT_EQ(format_age(seconds{0}), "0m");
  EXPECT_EQ(format_age(-hours{2}), "in 2h 0m");
}

Listing sample() {
  Listing listing;
  RegionListing east;
  east.account = "123456789012";
  east.region = "us-east-1";
  core::RestorePoint p;
  p.policy = "nightly";
  p.instance_id = "i-1";
  p.slot = "2026-11-01T00:00:00Z";
  p.slot_time = core::parse_slot(p.slot);
  p.set_id = "set-1";
  p.state = core::PointState::good;
  p.snapshots = {{"snap-1", "vol-1", "/dev/sda1", core::SnapshotState::completed, 8},
                 {"snap-2", "vol-2", "/dev/sdf", core::SnapshotState::completed, 20}};
  east.points.push_back(p);
  RegionListing west;
  west.region = "eu-west-1";
  west.complete = false;
  west.problem = "listing snapshots failed: AccessDenied";
  listing.regions = {west, east};
  return listing;
}

TEST(Listing, JsonSchema) {
  auto now = *core::parse_slot("2026-11-04T04:00:00Z");
  auto j = to_json(sample(), now);
  EXPECT_EQ(j["now"], "2026-11-04T04:00:00Z");
  EXPECT_EQ(j["exit_status"], 1);
  ASSERT_EQ(j["regions"].size(), 2u);
  EXPECT_EQ(j["regions"][0]["problem"], "listing snapshots failed: AccessDenied");
  EXPECT_FALSE(j["regions"][1].contains("problem"));
  ASSERT_EQ(j["restore_points"].size(), 1u);
  const auto& p = j["restore_points"][0];
  EXPECT_EQ(p["account"], "123456789012");
  EXPECT_EQ(p["region"], "us-east-1");
  EXPECT_EQ(p["state"], "good");
  EXPECT_EQ(p["age_seconds"], 3 * 86400 + 4 * 3600);
  EXPECT_EQ(p["size_gib"], 28);
  EXPECT_EQ(p["snapshots"][1]["device"], "/dev/sdf");
  EXPECT_EQ(p["snapshots"][1]["state"], "completed");
}

TEST(Listing, TextTable) {
  auto now = *core::parse_slot("2026-11-04T04:00:00Z");
  EXPECT_EQ(render_text(sample(), now),
            "REGION     POLICY   INSTANCE  SLOT                  AGE    VOLUMES                 "
            "STATE    SIZE\n"
            "us-east-1  nightly  i-1       2026-11-01T00:00:00Z  3d 4h  2 (/dev/sda1,/dev/sdf)  "
            "good   28 GiB\n"
            "1 restore point of 1 instance in 1 region (1 region could not be listed)\n");
}

TEST(Listing, ShowsTheLastDrillOfAPoint) {
  auto now = *core::parse_slot("2026-11-04T04:00:00Z");
  Listing listing = sample();
  listing.regions[1].points[0].drill = "pass 2026-11-03T05:00:00Z 42";
  auto j = to_json(listing, now);
  const auto& drill = j["restore_points"][0]["last_drill"];
  EXPECT_EQ(drill["result"], "pass");
  EXPECT_EQ(drill["at"], "2026-11-03T05:00:00Z");
  EXPECT_EQ(drill["seconds"], 42);
  EXPECT_NE(render_text(listing, now).find("good, drill pass 42s"), std::string::npos);
  EXPECT_TRUE(to_json(sample(), now)["restore_points"][0]["last_drill"].is_null());
}

TEST(Listing, ExitStatusZeroWhenEveryRegionListed) {
  Listing listing;
  listing.regions.resize(2);
  EXPECT_EQ(listing.exit_status(), 0);
  listing.regions[1].complete = false;
  EXPECT_EQ(listing.exit_status(), 1);
}

}  // namespace
}  // namespace snapkeep::engine
