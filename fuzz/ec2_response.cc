// Fuzz target: the EC2 response parsers (aws/ec2.cc over aws/response_reader.cc
// and aws/xml.cc). Byte 0 picks a call; the rest is the body of a 200 answer,
// taken through parse_success exactly as QueryClient does and then read by
// that call's typed parser. Paginated calls get the same body for every page
// (at most kMaxCalls), so NextToken handling is exercised too.
//
// Invariants: a successful listing has an id on every item (the parsers
// require one); a failure is an AwsError whose text is valid UTF-8 without
// control characters and of bounded length, as xml.h promises for every text
// taken from an answer (messages reach terminals, logs and JSON output).
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "aws/ec2.h"
#include "aws/xml.h"
#include "fuzz_check.h"

namespace {

using namespace snapkeep::aws;
using snapkeep::fuzz::check;

constexpr int kMaxCalls = 4;

// Answers every call with the fuzzed body, parsed as QueryClient parses a
// 2xx answer; no retries, signing or network.
class BodyCaller final : public QueryCaller {
 public:
  explicit BodyCaller(std::string body) : m_body(std::move(body)) {}

  Result<QueryResponse> call(std::string_view action, const QueryParams&) override {
    if (++m_calls > kMaxCalls) {
      AwsError error;
      error.kind = ErrorKind::transient;
      error.action = std::string(action);
      error.message = "no more pages";
      return snapkeep::unexpected(error);
    }
    HttpResponse http;
    http.status = 200;
    http.body = m_body;
    QueryResponse response;
    auto parsed = parse_success(http, std::string(action) + "Response", response.xml);
    if (!parsed) {
      AwsError error = std::move(parsed).error();
      error.action = std::string(action);
      return snapkeep::unexpected(error);
    }
    response.http_status = 200;
    response.request_id = find_request_id(response.xml.document_element());
    return response;
  }

 private:
  std::string m_body;
  int m_calls = 0;
};

template <class T>
void check_result(const Result<T>& result) {
  if (result) return;
  const AwsError& error = result.error();
  check(snapkeep::fuzz::valid_utf8(error.message) && snapkeep::fuzz::no_controls(error.message),
        "error message is sanitized");
  check(error.message.size() <= 2048, "error message is capped");
  check(snapkeep::fuzz::valid_utf8(error.code), "error code is valid UTF-8");
  check(snapkeep::fuzz::valid_utf8(error.request_id), "request id is valid UTF-8");
}

template <class T>
void check_ids(const Result<std::vector<T>>& result) {
  check_result(result);
  if (!result) return;
  for (const T& item : *result) check(!item.id.empty(), "every listed item has an id");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  BodyCaller caller{std::string(snapkeep::fuzz::as_text(data + 1, size - 1))};
  const Ec2 ec2(caller, "us-east-1");
  switch (data[0] % 11) {
    case 0:
      check_ids(ec2.describe_snapshots(DescribeSnapshotsRequest{}));
      break;
    case 1:
      check_ids(ec2.describe_instances(DescribeInstancesRequest{}));
      break;
    case 2:
      check_ids(ec2.describe_images(DescribeImagesRequest{}));
      break;
    case 3:
      check_ids(ec2.describe_volumes(DescribeVolumesRequest{}));
      break;
    case 4: {
      CreateSnapshotsRequest request;
      request.instance_id = "i-0123456789abcdef0";
      check_ids(ec2.create_snapshots(request));
      break;
    }
    case 5: {
      CreateSnapshotRequest request;
      request.volume_id = "vol-1";
      const auto snapshot = ec2.create_snapshot(request);
      check_result(snapshot);
      if (snapshot) check(!snapshot->id.empty(), "a created snapshot has an id");
      break;
    }
    case 6:
      check_result(ec2.describe_regions(true));
      break;
    case 7: {
      CopySnapshotRequest request;
      request.source_region = "eu-west-1";
      request.source_snapshot_id = "snap-1";
      check_result(ec2.copy_snapshot(request));
      break;
    }
    case 8: {
      CreateVolumeRequest request;
      request.availability_zone = "us-east-1a";
      request.snapshot_id = "snap-1";
      check_result(ec2.create_volume(request));
      break;
    }
    case 9:
      check_result(ec2.attach_volume(
          AttachVolumeRequest{.volume_id = "vol-1", .instance_id = "i-1", .device = "/dev/sdf"}));
      break;
    default: {
      // The page parser the benchmark uses, on its own.
      QueryResponse response;
      HttpResponse http{200, {}, std::string(snapkeep::fuzz::as_text(data + 1, size - 1))};
      if (parse_success(http, "DescribeSnapshotsResponse", response.xml)) {
        std::string token;
        check_ids(parse_describe_snapshots_page(response, &token));
      }
      break;
    }
  }
  return 0;
}
