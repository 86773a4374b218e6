#include "aws/timestamp.h"

#include <gtest/gtest.h>

namespace snapkeep::aws {
namespace {

using std::chrono::milliseconds;

long long epoch_ms(std::string_view text) {
  auto time = parse_timestamp(text);
  EXPECT_TRUE(time.has_value()) << text;
  return time ? time->time_since_epoch().count() : -1;
}

TEST(Timestamp, AnyNumberOfFractionalDigits) {
  // 2026-11-26T11:38:01Z is 1795693081 s after the epoch.
  EXPECT_EQ(epoch_ms("2026-11-26T11:38:01Z"), 1795693081000);
  EXPECT_EQ(epoch_ms("2026-11-26T11:38:01.5Z"), 1795693081500);
  EXPECT_EQ(epoch_ms("2026-11-26T11:38:01.000Z"), 1795693081000);
  EXPECT_EQ(epoch_ms("2026-11-26T11:38:01.433337Z"), 1795693081433);
  EXPECT_EQ(epoch_ms("2026-11-26T11:38:01.999999999Z"), 1795693081999);
}

TEST(Timestamp, Offsets) {
  EXPECT_EQ(epoch_ms("2026-11-26T12:38:01+01:00"), 1795693081000);
  EXPECT_EQ(epoch_ms("2026-11-26T06:08:01.250-05:30"), 1795693081250);
}

TEST(Timestamp, EpochAndLeapDay) {
  EXPECT_EQ(epoch_ms("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(epoch_ms("2028-02-29T00:00:00Z"), 1835395200000);
}

TEST(Timestamp, RejectsIncompleteOrInvalid) {
  for (const char* text : {"", "2026-11-26", "2026-11-26T11:38:01", "2026-11-26T11:38:01.Z",
                           "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z", "2026-11-26T24:00:00Z",
                           "2026-11-26T11:38:01Zjunk", "2026-11-26 11:38:01Z", "yesterday"}) {
    EXPECT_FALSE(parse_timestamp(text).has_value()) << text;
  }
}

TEST(Timestamp, FormatRoundTrips) {
  auto time = parse_timestamp("2026-11-26T11:38:01.042Z").value();
  EXPECT_EQ(format_timestamp(time), "2026-11-26T11:38:01.042Z");
  EXPECT_EQ(format_timestamp(SysTime{milliseconds{0}}), "1970-01-01T00:00:00.000Z");
}

}  // namespace
}  // namespace snapkeep::aws
