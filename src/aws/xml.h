// XML of the AWS Query protocol: turning an error answer into an AwsError and
// checking a success answer before typed clients read it.
//
// Error bodies come in three shapes (EC2's <Response><Errors><Error>, SNS and
// STS's <ErrorResponse><Error>, moto's <ErrorResponse><Errors><Error>), and
// sometimes as no XML at all (an HTML page from a proxy, an empty 503, a
// truncated body). Every input yields an AwsError; nothing here crashes or
// throws on hostile bytes, and text copied into a message is valid UTF-8 and
// capped in length.
//
// Thread safety: free functions without shared state.
#pragma once

#include <cstddef>
#include <pugixml.hpp>
#include <string>
#include <string_view>

#include "aws/error.h"
#include "aws/http.h"

namespace snapkeep::aws {

// Longest text taken from an answer into AwsError::message.
inline constexpr std::size_t kMaxErrorText = 512;

// Returns `text` as valid UTF-8 with control characters replaced by spaces and
// invalid bytes by U+FFFD, cut to at most `max_bytes` bytes (on a character
// boundary, "..." appended when cut).
std::string sanitize_text(std::string_view text, std::size_t max_bytes = kMaxErrorText);

// The element name without a namespace prefix ("ec2:Error" -> "Error").
std::string_view local_name(const pugi::xml_node& node);

// The first child element called `name` (namespace prefix ignored), or an
// empty node.
pugi::xml_node child_element(const pugi::xml_node& node, std::string_view name);

// The request id of a parsed answer: requestId (EC2 success), RequestID (EC2
// error), RequestId (SNS/STS error) or ResponseMetadata/RequestId (SNS/STS
// success). Empty when absent.
std::string find_request_id(const pugi::xml_node& root);

// Builds the error for a non-2xx answer (or a 2xx one whose body is an error
// document). The kind comes from classify(code, status); an answer without an
// AWS error document is classified by status alone, and is kind bad_response
// when the status says nothing either. The request id falls back on the
// x-amzn-RequestId / x-amz-request-id headers. `action` is left empty.
AwsError parse_error(const HttpResponse& response);

// Parses a 2xx body into `doc`. On success the root element's local name is
// `expected_root` (e.g. "DescribeSnapshotsResponse"). On failure an AwsError
// of kind bad_response (truncated or malformed XML, wrong root), or the parsed
// error when the body is an AWS error document.
Result<void> parse_success(const HttpResponse& response, std::string_view expected_root,
                           pugi::xml_document& doc);

}  // namespace snapkeep::aws
