// util/utc_time: the UTC text forms shared by the AWS client, core and the CLI.
#include "util/utc_time.h"

#include <gtest/gtest.h>

namespace snapkeep::util {
namespace {

long long epoch_ms(std::string_view text) {
  auto time = parse_iso8601(text);
  EXPECT_TRUE(time.has_value()) << text;
  return time ? time->time_since_epoch().count() : -1;
}

TEST(Iso8601, AnyNumberOfFractionalDigits) {
  // 2026-11-26T11:38:01Z is 1795693081 s after the epoch.
  EXPECT_EQ(epoch_ms("2026-11-26T11:38:01Z"), 1795693081000);
  EXPECT_EQ(epoch_ms("2026-11-26T11:38:01.5Z"), 1795693081500);
  EXPECT_EQ(epoch_ms("2026-11-26T11:38:01.000Z"), 1795693081000);
  EXPECT_EQ(epoch_ms("2026-11-26T11:38:01.433337Z"), 1795693081433);
  EXPECT_EQ(epoch_ms("2026-11-26T11:38:01.999999999Z"), 1795693081999);
}

TEST(Iso8601, Offsets) {
  EXPECT_EQ(epoch_ms("2026-11-26T12:38:01+01:00"), 1795693081000);
  EXPECT_EQ(epoch_ms("2026-11-26T06:08:01.250-05:30"), 1795693081250);
}

TEST(Iso8601, EpochAndLeapDay) {
  EXPECT_EQ(epoch_ms("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(epoch_ms("2028-02-29T00:00:00Z"), 1835395200000);
}

TEST(Iso8601, RejectsIncompleteOrInvalid) {
  for (const char* text : {"", "2026-11-26", "2026-11-26T11:38:01", "2026-11-26T11:38:01.Z",
                           "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z", "2026-11-26T24:00:00Z",
                           "2026-11-26T11:38:01Zjunk", "2026-11-26 11:38:01Z", "yesterday"}) {
    EXPECT_FALSE(parse_iso8601(text).has_value()) << text;
  }
}

TEST(UtcSeconds, FormatAndParseAreInverse) {
  using std::chrono::sys_days;
  const auto t = sys_days{std::chrono::year{2026} / 11 / 26} + std::chrono::hours{7} +
                 std::chrono::minutes{5} + std::chrono::seconds{9};
  EXPECT_EQ(format_utc_seconds(t), "2026-11-26T07:05:09Z");
  EXPECT_EQ(parse_utc_seconds("2026-11-26T07:05:09Z"), t);
  EXPECT_EQ(format_utc_seconds(std::chrono::sys_seconds{}), "1970-01-01T00:00:00Z");
  EXPECT_EQ(parse_utc_seconds("2028-02-29T23:59:59Z"),
            sys_days{std::chrono::year{2028} / 2 / 29} + std::chrono::seconds{86399});
}

// The daemon's and the Lambda runtime's log and status times: one formatter
// (they had a date::format copy each), parsed back by parse_iso8601.
TEST(UtcMillis, ThreeFractionalDigitsAlwaysAndParsedBack) {
  using std::chrono::milliseconds;
  using std::chrono::sys_days;
  const UtcMillis t{sys_days{std::chrono::year{2026} / 11 / 26} + std::chrono::hours{7} +
                    std::chrono::minutes{5} + std::chrono::seconds{9} + milliseconds{42}};
  EXPECT_EQ(format_utc_millis(t), "2026-11-26T07:05:09.042Z");
  EXPECT_EQ(parse_iso8601(format_utc_millis(t)), t);
  EXPECT_EQ(format_utc_millis(UtcMillis{}), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(format_utc_millis(UtcMillis{milliseconds{-1}}), "1969-12-31T23:59:59.999Z");
}

TEST(UtcSeconds, OnlyTheExactForm) {
  // The slot tags and --now take one unambiguous form: no fraction, no
  // offset, no leap second, never a time without its Z.
  for (const char* text : {"2026-11-26T07:05:09", "2026-11-26 07:05:09Z", "2026-02-30T00:00:00Z",
                           "2026-11-26T07:05:09.000Z", "2026-11-26T07:05:09+00:00",
                           "2026-11-26T23:59:60Z", "2026-11-26T24:00:00Z", "2026-11-26t07:05:09Z",
                           "2026-11-26T07:05:09z", "+026-11-26T07:05:09Z", ""}) {
    EXPECT_FALSE(parse_utc_seconds(text).has_value()) << text;
  }
}

}  // namespace
}  // namespace snapkeep::util
