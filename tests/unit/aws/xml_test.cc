#include "aws/xml.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <string>

namespace snapkeep::aws {
namespace {

HttpResponse answer(int status, std::string body, Headers headers = {}) {
  HttpResponse response;
  response.status = status;
  response.body = std::move(body);
  response.headers = std::move(headers);
  return response;
}

bool valid_utf8(const std::string& text) {
  return sanitize_text(text, text.size() + 16) == text;
}

TEST(XmlError, Ec2ShapeGivesCodeMessageAndRequestId) {
  const auto error = parse_error(answer(
      400,
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error>"
      "<Code>InvalidSnapshot.InUse</Code><Message>The snapshot snap-1 is currently in use by "
      "ami-2</Message></Error></Errors><RequestID>ea966190-f9aa</RequestID></Response>"));
  EXPECT_EQ(error.kind, ErrorKind::in_use);
  EXPECT_EQ(error.code, "InvalidSnapshot.InUse");
  EXPECT_EQ(error.message, "The snapshot snap-1 is currently in use by ami-2");
  EXPECT_EQ(error.request_id, "ea966190-f9aa");
  EXPECT_EQ(error.http_status, 400);
  EXPECT_FALSE(error.retryable());
}

TEST(XmlError, SnsStsShapeWithTypeAndRequestId) {
  const auto error = parse_error(
      answer(400,
             "<ErrorResponse "
             "xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type>"
             "<Code>Throttling</Code><Message>Rate exceeded</Message></Error>"
             "<RequestId>c6104cbe-af31</RequestId></ErrorResponse>"));
  EXPECT_EQ(error.kind, ErrorKind::throttled);
  EXPECT_EQ(error.code, "Throttling");
  EXPECT_EQ(error.message, "Rate exceeded");
  EXPECT_EQ(error.request_id, "c6104cbe-af31");
  EXPECT_TRUE(error.retryable());
}

TEST(XmlError, MotoAuthShapeWithoutRequestId) {
  const auto error = parse_error(answer(
      401,
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ErrorResponse><Errors><Error><Code>AuthFailure"
      "</Code><Message>AWS was not able to validate the provided access credentials</Message>"
      "<Type>Sender</Type></Error></Errors></ErrorResponse>",
      {{"x-amzn-RequestId", "hdr-id-7"}}));
  EXPECT_EQ(error.kind, ErrorKind::auth);
  EXPECT_EQ(error.code, "AuthFailure");
  EXPECT_EQ(error.message, "AWS was not able to validate the provided access credentials");
  EXPECT_EQ(error.request_id, "hdr-id-7");
}

TEST(XmlError, EmptyMessageElementIsAccepted) {
  const auto error =
      parse_error(answer(400,
                         "<Response><Errors><Error><Code>InvalidSnapshot.NotFound</Code><Message/>"
                         "</Error></Errors><RequestID>r1</RequestID></Response>"));
  EXPECT_EQ(error.kind, ErrorKind::not_found);
  EXPECT_EQ(error.code, "InvalidSnapshot.NotFound");
  EXPECT_EQ(error.message, "");
  EXPECT_EQ(error.describe(), "InvalidSnapshot.NotFound: not-found (HTTP 400, request id r1)");
}

TEST(XmlError, RequestLimitExceededIs503Throttling) {
  const auto error = parse_error(
      answer(503,
             "<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request "
             "limit exceeded.</Message></Error></Errors><RequestID>x</RequestID></Response>"));
  EXPECT_EQ(error.kind, ErrorKind::throttled);
  EXPECT_TRUE(error.throttling());
}

TEST(XmlError, Html500IsTransientWithTitleInMessage) {
  const auto error = parse_error(answer(
      500,
      "<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 3.2 Final//EN\">\n<title>500 Internal Server "
      "Error</title>\n<h1>Internal Server Error</h1><p>The server encountered an internal error"));
  EXPECT_EQ(error.kind, ErrorKind::transient);
  EXPECT_EQ(error.code, "");
  EXPECT_EQ(error.message,
            "HTTP 500 answer without an AWS error document (HTML page: 500 Internal Server Error)");
  EXPECT_TRUE(error.retryable());
}

TEST(XmlError, Empty503IsTransient) {
  const auto error = parse_error(answer(503, ""));
  EXPECT_EQ(error.kind, ErrorKind::transient);
  EXPECT_EQ(error.message, "HTTP 503 answer without an AWS error document (empty body)");
}

TEST(XmlError, GarbageWithUnknownStatusIsBadResponse) {
  const auto error = parse_error(answer(418, "\x01\x02not xml at all"));
  EXPECT_EQ(error.kind, ErrorKind::bad_response);
  EXPECT_EQ(error.message,
            "HTTP 418 answer without an AWS error document (unexpected body: not xml at all)");
}

TEST(XmlError, Garbage403IsAuthByStatus) {
  EXPECT_EQ(parse_error(answer(403, "<html><body>Forbidden</body></html>")).kind, ErrorKind::auth);
}

TEST(XmlError, TruncatedErrorXmlFallsBackOnStatus) {
  const auto error = parse_error(answer(503, "<Response><Errors><Error><Code>RequestLimitExc"));
  EXPECT_EQ(error.kind, ErrorKind::transient);
  EXPECT_EQ(error.code, "");
}

TEST(XmlError, XmlWithoutErrorElementFallsBackOnStatus) {
  const auto error = parse_error(answer(502, "<Something><Else/></Something>"));
  EXPECT_EQ(error.kind, ErrorKind::transient);
  EXPECT_EQ(error.message,
            "HTTP 502 answer without an AWS error document (unexpected body: "
            "<Something><Else/></Something>)");
}

TEST(XmlError, InvalidUtf8InMessageIsReplaced) {
  const auto error = parse_error(
      answer(400,
             "<Response><Errors><Error><Code>InvalidParameterValue</Code><Message>bad \xff\xfe"
             " value \xc3\xa9</Message></Error></Errors></Response>"));
  EXPECT_EQ(error.kind, ErrorKind::invalid);
  EXPECT_EQ(error.message, "bad \xEF\xBF\xBD\xEF\xBF\xBD value \xc3\xa9");
}

TEST(XmlError, HugeMessageIsCapped) {
  const std::string big(5'000'000, 'x');
  const auto error = parse_error(
      answer(400, "<Response><Errors><Error><Code>InvalidParameterValue</Code><Message>" + big +
                      "</Message></Error></Errors></Response>"));
  EXPECT_EQ(error.code, "InvalidParameterValue");
  EXPECT_EQ(error.message.size(), kMaxErrorText);
  EXPECT_TRUE(error.message.ends_with("..."));
}

TEST(XmlError, HugeGarbageBodyIsCapped) {
  const auto error = parse_error(answer(500, std::string(20'000'000, '\xff')));
  EXPECT_EQ(error.kind, ErrorKind::transient);
  EXPECT_LT(error.message.size(), 300u);
  EXPECT_TRUE(valid_utf8(error.message));
}

TEST(XmlSanitize, ControlCharactersAndWhitespaceCollapse) {
  EXPECT_EQ(sanitize_text("  a\r\n\tb\x1b[31m  c  "), "a b [31m c");
}

TEST(XmlSanitize, CutsOnCharacterBoundary) {
  // Each "é" is 2 bytes; a cut must not split one.
  EXPECT_EQ(sanitize_text("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 7), "\xc3\xa9\xc3\xa9...");
  EXPECT_EQ(sanitize_text("abcdef", 6), "abcdef");
  EXPECT_EQ(sanitize_text("abcdefg", 6), "abc...");
}

TEST(XmlSanitize, RejectsOverlongAndSurrogates) {
  EXPECT_EQ(sanitize_text("\xc0\xaf"), "\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(sanitize_text("\xed\xa0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(sanitize_text("\xf0\x9f\x98\x80"), "\xf0\x9f\x98\x80");
}

RC_GTEST_PROP(XmlSanitize, AlwaysValidUtf8AndBounded, (const std::string& text)) {
  const auto out = sanitize_text(text, 64);
  RC_ASSERT(out.size() <= 64u);
  RC_ASSERT(valid_utf8(out));
}

RC_GTEST_PROP(XmlError, AnyBodyGivesAnErrorNeverACrash, (const std::string& body, int raw)) {
  const int status = 400 + (raw % 200 + 200) % 200;
  const auto error = parse_error(answer(status, body));
  RC_ASSERT(error.http_status == status);
  RC_ASSERT(valid_utf8(error.message));
  RC_ASSERT(error.message.size() <= kMaxErrorText + 200);
}

TEST(XmlSuccess, ParsesEc2AnswerAndRequestId) {
  pugi::xml_document doc;
  const auto result = parse_success(
      answer(200,
             "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<DescribeSnapshotsResponse "
             "xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><requestId>59dbff89</requestId>"
             "<snapshotSet/></DescribeSnapshotsResponse>"),
      "DescribeSnapshotsResponse", doc);
  ASSERT_TRUE(result);
  EXPECT_EQ(find_request_id(doc.document_element()), "59dbff89");
  EXPECT_TRUE(child_element(doc.document_element(), "snapshotSet"));
}

TEST(XmlSuccess, ResponseMetadataRequestId) {
  pugi::xml_document doc;
  ASSERT_TRUE(parse_success(
      answer(200,
             "<PublishResponse><PublishResult><MessageId>m</MessageId></PublishResult>"
             "<ResponseMetadata><RequestId>sns-req</RequestId></ResponseMetadata>"
             "</PublishResponse>"),
      "PublishResponse", doc));
  EXPECT_EQ(find_request_id(doc.document_element()), "sns-req");
}

TEST(XmlSuccess, NamespacePrefixIgnored) {
  pugi::xml_document doc;
  EXPECT_TRUE(parse_success(answer(200,
                                   "<ec2:CreateTagsResponse xmlns:ec2=\"u\"><ec2:return>true"
                                   "</ec2:return></ec2:CreateTagsResponse>"),
                            "CreateTagsResponse", doc));
}

TEST(XmlSuccess, TruncatedXmlIsBadResponse) {
  pugi::xml_document doc;
  const auto result = parse_success(
      answer(200, "<DescribeSnapshotsResponse><snapshotSet><item><snapshotId>snap-1</snaps"),
      "DescribeSnapshotsResponse", doc);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, ErrorKind::bad_response);
  EXPECT_EQ(result.error().http_status, 200);
  EXPECT_TRUE(result.error().message.starts_with("malformed XML in a success answer"));
  // Damaged in transfer: an idempotent call may repeat it.
  EXPECT_TRUE(result.error().retryable());
}

TEST(XmlSuccess, WrongRootIsBadResponse) {
  pugi::xml_document doc;
  const auto result =
      parse_success(answer(200, "<DescribeVolumesResponse/>"), "DescribeSnapshotsResponse", doc);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, ErrorKind::bad_response);
  EXPECT_EQ(result.error().message,
            "unexpected root element <DescribeVolumesResponse> in a success answer, expected "
            "<DescribeSnapshotsResponse>");
  EXPECT_FALSE(result.error().retryable());  // well-formed: not damaged on the way
}

TEST(XmlSuccess, EmptyBodyIsBadResponse) {
  pugi::xml_document doc;
  const auto result = parse_success(answer(200, ""), "X", doc);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().message, "empty body in a success answer");
}

TEST(XmlSuccess, ErrorDocumentIn2xxIsParsedAsError) {
  pugi::xml_document doc;
  const auto result = parse_success(
      answer(200,
             "<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>m</Message>"
             "</Error></Errors></Response>"),
      "CreateSnapshotResponse", doc);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, "RequestLimitExceeded");
  EXPECT_EQ(result.error().kind, ErrorKind::throttled);
}

TEST(XmlSuccess, HtmlIsBadResponse) {
  pugi::xml_document doc;
  const auto result = parse_success(answer(200, "<html><body>captive portal</body></html>"),
                                    "DescribeInstancesResponse", doc);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, ErrorKind::bad_response);
}

}  // namespace
}  // namespace snapkeep::aws
