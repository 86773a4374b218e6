// ResponseReader: problems are reported once, and text quoted from the answer
// into a message is sanitized (fuzz/regressions/ec2_response/ holds the input
// that found the unsanitized quoting).
#include "aws/response_reader.h"

#include <gtest/gtest.h>

#include <string>

namespace snapkeep::aws {
namespace {

QueryResponse response_of(const std::string& xml) {
  QueryResponse response;
  response.request_id = "req-1";
  EXPECT_TRUE(response.xml.load_buffer(xml.data(), xml.size()));
  return response;
}

TEST(ResponseReader, QuotedValueIsSanitizedAndCapped) {
  const std::string junk = "12\x01\x02\xff" + std::string(500, 'x');
  const auto response =
      response_of("<DescribeVolumesResponse><size>" + junk + "</size></DescribeVolumesResponse>");
  ResponseReader reader("DescribeVolumes", response);
  int size = 7;
  reader.read_int(reader.root().child("size"), size);
  EXPECT_EQ(size, 7);
  ASSERT_FALSE(reader.ok());
  const AwsError error = reader.error();
  EXPECT_EQ(error.kind, ErrorKind::bad_response);
  EXPECT_EQ(error.action, "DescribeVolumes");
  EXPECT_EQ(error.request_id, "req-1");
  // Controls become one space, the invalid byte U+FFFD, and the value is cut
  // at 64 bytes with "...".
  EXPECT_EQ(error.message,
            "<size> is not an integer: '12 \xEF\xBF\xBD" + std::string(55, 'x') + "...'");
}

TEST(ResponseReader, ForeignRootNameIsSanitized) {
  const auto response = response_of("<html\xC3\xA9\xFF/>");
  ResponseReader reader("DescribeVolumes", response);
  EXPECT_FALSE(reader.root());
  ASSERT_FALSE(reader.ok());
  EXPECT_EQ(reader.error().message,
            "expected a <DescribeVolumesResponse> answer, got <html\xC3\xA9\xEF\xBF\xBD>");
}

TEST(ResponseReader, BooleanAndTimestampQuotesAreSanitized) {
  const auto response = response_of(
      "<CreateVolumeResponse><encrypted>yes\x7F</encrypted>"
      "<createTime>\x1B[31mred</createTime></CreateVolumeResponse>");
  ResponseReader reader("CreateVolume", response);
  bool encrypted = false;
  SysTime time{};
  reader.read_bool(reader.root().child("encrypted"), encrypted);
  reader.read_time(reader.root().child("createTime"), time);
  ASSERT_FALSE(reader.ok());
  // Only the first problem is kept.
  EXPECT_EQ(reader.error().message, "<encrypted> is not a boolean: 'yes'");
  ResponseReader second("CreateVolume", response);
  second.read_time(second.root().child("createTime"), time);
  EXPECT_EQ(second.error().message, "<createTime> is not an ISO 8601 timestamp: '[31mred'");
}

}  // namespace
}  // namespace snapkeep::aws
