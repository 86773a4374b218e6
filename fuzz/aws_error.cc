// Fuzz target: the AWS error parser (aws/xml.h). The input is an HTTP answer:
// byte 0 picks the status, byte 1 which request-id header (if any) to send,
// the rest is the body. It goes through parse_error (a non-2xx answer) and
// parse_success (a 2xx one, expecting a DescribeSnapshots root), and through
// sanitize_text with a length cap taken from byte 0.
//
// Invariants (xml.h's contract): every text copied from the answer into an
// AwsError is valid UTF-8 without control characters and capped in length;
// an error document yields a code; nothing crashes.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

#include "aws/xml.h"
#include "fuzz_check.h"

namespace {

using snapkeep::fuzz::check;
using snapkeep::fuzz::no_controls;
using snapkeep::fuzz::valid_utf8;

constexpr std::array<int, 8> kStatuses = {400, 401, 403, 404, 500, 503, 200, 302};

void check_error_text(const snapkeep::aws::AwsError& error) {
  check(valid_utf8(error.code) && no_controls(error.code), "code is sanitized");
  check(error.code.size() <= 128, "code is capped");
  check(valid_utf8(error.request_id) && no_controls(error.request_id), "request id is sanitized");
  check(error.request_id.size() <= 128, "request id is capped");
  check(valid_utf8(error.message) && no_controls(error.message), "message is sanitized");
  // The longest message is the "without an AWS error document" wrapper
  // around a 200-byte excerpt.
  check(error.message.size() <= snapkeep::aws::kMaxErrorText + 128, "message is capped");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  snapkeep::aws::HttpResponse response;
  response.status = kStatuses[data[0] % kStatuses.size()];
  const std::string body(snapkeep::fuzz::as_text(data + 2, size - 2));
  switch (data[1] % 3) {
    case 0:
      break;
    case 1:
      response.headers.emplace_back("x-amzn-RequestId", body.substr(0, 300));
      break;
    default:
      response.headers.emplace_back("X-Amz-Request-Id", body.substr(body.size() / 2));
      break;
  }
  response.body = body;

  const snapkeep::aws::AwsError error = snapkeep::aws::parse_error(response);
  check_error_text(error);
  check(error.http_status == response.status, "status is kept");

  pugi::xml_document doc;
  const auto success = snapkeep::aws::parse_success(response, "DescribeSnapshotsResponse", doc);
  if (success) {
    check(snapkeep::aws::local_name(doc.document_element()) == "DescribeSnapshotsResponse",
          "success means the expected root");
  } else {
    check_error_text(success.error());
  }

  const std::size_t cap = data[0];
  const std::string clean = snapkeep::aws::sanitize_text(body, cap);
  check(clean.size() <= cap, "sanitize_text respects its cap");
  check(valid_utf8(clean) && no_controls(clean), "sanitize_text output is clean");
  return 0;
}
