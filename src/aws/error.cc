#include "aws/error.h"

#include <fmt/format.h>

#include <array>

namespace snapkeep::aws {

std::string_view to_string(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::throttled:
      return "throttled";
    case ErrorKind::transient:
      return "transient";
    case ErrorKind::volume_rate:
      return "volume-rate";
    case ErrorKind::limit:
      return "limit";
    case ErrorKind::incorrect_state:
      return "incorrect-state";
    case ErrorKind::in_use:
      return "in-use";
    case ErrorKind::not_found:
      return "not-found";
    case ErrorKind::auth:
      return "auth";
    case ErrorKind::invalid:
      return "invalid";
    case ErrorKind::timeout:
      return "timeout";
    case ErrorKind::network:
      return "network";
    case ErrorKind::bad_response:
      return "bad-response";
    case ErrorKind::credentials:
      return "credentials";
    case ErrorKind::other:
      return "other";
  }
  return "other";
}

bool AwsError::retryable() const {
  switch (kind) {
    case ErrorKind::throttled:
    case ErrorKind::transient:
    case ErrorKind::timeout:
    case ErrorKind::network:
      return true;
    case ErrorKind::bad_response:
      // A garbled 5xx answer is a server fault, and a truncated body a
      // broken transfer, which the SDKs retry as a connection error. A 2xx
      // body that is not XML at all is a damaged transfer too (QueryClient
      // never repeats a call that is not idempotent after it). A well-formed
      // answer of the wrong shape, or a garbled 4xx, is not something a
      // retry is known to fix.
      return http_status >= 500 || http_status == 0 || garbled;
    default:
      return false;
  }
}

std::string AwsError::describe() const {
  std::string out;
  if (!action.empty()) out += action + ": ";
  if (!code.empty()) out += code + ": ";
  out += message.empty() ? std::string(to_string(kind)) : message;
  if (http_status != 0 || !request_id.empty()) {
    out += " (";
    if (http_status != 0) out += fmt::format("HTTP {}", http_status);
    if (!request_id.empty())
      out += (http_status != 0 ? ", request id " : "request id ") + request_id;
    out += ")";
  }
  return out;
}

namespace {

// Throttling codes retried by the AWS SDKs' standard mode (botocore
// retries/standard.py), plus EC2's own.
constexpr std::array<std::string_view, 14> kThrottlingCodes = {
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    "LimitExceededException",
    "RequestThrottled",
    "SlowDown",
    "EC2ThrottledException",
    "PriorRequestNotComplete"};

constexpr std::array<std::string_view, 8> kTransientCodes = {
    "RequestTimeout", "RequestTimeoutException", "InternalError", "InternalFailure",
    "ServerInternal", "ServiceUnavailable",      "Unavailable",   "InsufficientInstanceCapacity"};

constexpr std::array<std::string_view, 9> kAuthCodes = {
    "AuthFailure",           "UnauthorizedOperation", "AccessDenied",
    "AccessDeniedException", "InvalidClientTokenId",  "SignatureDoesNotMatch",
    "RequestExpired",        "ExpiredToken",          "AuthorizationError"};

template <std::size_t N>
bool contains(const std::array<std::string_view, N>& codes, std::string_view code) {
  for (auto c : codes) {
    if (c == code) return true;
  }
  return false;
}

}  // namespace

ErrorKind classify(std::string_view code, int http_status) {
  if (contains(kThrottlingCodes, code)) return ErrorKind::throttled;
  if (code == "SnapshotCreationPerVolumeRateExceeded") return ErrorKind::volume_rate;
  if (code == "ConcurrentSnapshotLimitExceeded" || code == "SnapshotLimitExceeded" ||
      code == "VolumeLimitExceeded" || code == "ResourceLimitExceeded" ||
      code == "TagLimitExceeded") {
    return ErrorKind::limit;
  }
  if (code == "IncorrectState" || code == "IncorrectInstanceState" ||
      code == "InvalidVolume.NotAttached") {
    return ErrorKind::incorrect_state;
  }
  if (code == "InvalidSnapshot.InUse") return ErrorKind::in_use;
  if (code.ends_with(".NotFound") || code == "NotFound" || code == "NotFoundException") {
    return ErrorKind::not_found;
  }
  if (contains(kAuthCodes, code)) return ErrorKind::auth;
  if (contains(kTransientCodes, code)) return ErrorKind::transient;
  if (code.starts_with("Invalid") || code.starts_with("Missing") || code == "ValidationError" ||
      code == "DryRunOperation") {
    return ErrorKind::invalid;
  }
  if (http_status == 500 || http_status == 502 || http_status == 503 || http_status == 504) {
    return ErrorKind::transient;
  }
  if (http_status == 401 || http_status == 403) return ErrorKind::auth;
  if (http_status == 400 || http_status == 404 || http_status == 412) return ErrorKind::invalid;
  return ErrorKind::other;
}

}  // namespace snapkeep::aws
