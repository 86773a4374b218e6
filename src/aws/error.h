// AwsError: the one error value of the AWS boundary. Every call into src/aws/
// answers expected<T, AwsError>; the CLI turns an AwsError into one clear line
// and an exit status.
//
// The kind says what a caller can do about an error; the code and request id
// say exactly what AWS answered, for the person reading the report. Secrets
// never appear in any field (see DESIGN.md section 4 rule 7).
#pragma once

#include <string>
#include <string_view>

#include "util/expected.h"

namespace snapkeep::aws {

enum class ErrorKind {
  throttled,        // RequestLimitExceeded, Throttling, ...: back off and retry
  transient,        // 5xx, RequestTimeout, ...: retry
  volume_rate,      // SnapshotCreationPerVolumeRateExceeded: wait >= 15 s, retry
  limit,            // ConcurrentSnapshotLimitExceeded, SnapshotLimitExceeded, ...
  incorrect_state,  // IncorrectState: the resource is busy; try next run
  in_use,           // InvalidSnapshot.InUse: an AMI uses the snapshot
  not_found,        // Invalid*.NotFound
  auth,             // AuthFailure, UnauthorizedOperation, AccessDenied, expired credentials
  invalid,          // a request AWS rejected as malformed or invalid
  timeout,          // no answer in time (connect or total timeout)
  network,          // connection refused/reset, DNS, TLS
  bad_response,     // an answer that could not be understood (truncated, HTML, wrong root)
  credentials,      // no usable credentials from any source
  other,
};

std::string_view to_string(ErrorKind kind);

struct AwsError {
  ErrorKind kind = ErrorKind::other;
  std::string code;  // AWS error code, e.g. "InvalidSnapshot.NotFound"; empty for transport errors
  std::string message;     // AWS's message, or a description of the transport failure
  int http_status = 0;     // 0 when no HTTP answer arrived
  std::string request_id;  // AWS request id when known
  std::string action;      // the API action, e.g. "DescribeSnapshots", when known
  // A 2xx answer whose body is empty or not XML at all: damaged or cut off
  // on the way, so repeating an idempotent call may well succeed.
  bool garbled = false;

  // Whether the standard retry policy may retry this error (throttling,
  // transient server errors, timeouts, network failures, answers garbled in
  // transfer).
  bool retryable() const;
  bool throttling() const { return kind == ErrorKind::throttled; }

  // "DescribeSnapshots: RequestLimitExceeded: Request limit exceeded. (HTTP 503, request id abc)"
  std::string describe() const;
};

template <class T>
using Result = snapkeep::expected<T, AwsError>;

// Maps an AWS error code and HTTP status to a kind. Codes are matched exactly;
// unknown codes fall back on the status (5xx transient, 401/403 auth).
ErrorKind classify(std::string_view code, int http_status);

}  // namespace snapkeep::aws
