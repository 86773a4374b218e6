// RetryPolicy: the AWS SDKs' "standard" retry mode in its 2026 revision
// (botocore retries/standard.py with NEW_RETRIES_ENABLED; reference
// ec2-api-and-moto.md section 1.6), which QueryClient applies to every call.
//
//  * An error is retried when AwsError::retryable() says so (throttling,
//    500/502/503/504 and transient codes, timeouts, network failures) and the
//    call has made fewer than max_attempts attempts.
//  * Delay before the retry after attempt n (1-based):
//      rand[0,1) * min(base * 2^(n-1), 20 s), base 1 s for throttling errors
//      and 50 ms for any other.
//    An x-amz-retry-after header (milliseconds) replaces it, clamped to
//    [delay, delay + 5 s].
//  * A retry quota shared by all calls of the policy: 500 tokens; a retry
//    costs 5 after throttling and 14 after any other error, and is not made
//    when the quota cannot pay. A call that succeeds without retrying refunds
//    1; one that succeeds after retrying refunds the cost of its last retry
//    (botocore's release_retry_quota). A call that fails refunds nothing.
//
// Thread safety: one RetryPolicy is shared by all threads of a client; every
// member function may be called concurrently. A RetryState belongs to one call.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>

#include "aws/error.h"
#include "aws/http.h"

namespace snapkeep::aws {

struct RetryOptions {
  // Attempts per call, the first included (AWS_MAX_ATTEMPTS / max_attempts;
  // read by the caller). Values below 1 mean 1.
  int max_attempts = 3;
  // Backoff base after a throttling error, and after any other error.
  std::chrono::milliseconds throttling_base{1000};
  std::chrono::milliseconds transient_base{50};
  // Cap on the computed backoff, applied before jitter.
  std::chrono::milliseconds max_backoff{20000};
  // How far x-amz-retry-after may lengthen the computed delay.
  std::chrono::milliseconds max_retry_after_extra{5000};
  int quota_capacity = 500;
  int retry_cost = 14;
  int throttling_retry_cost = 5;
  int no_retry_refund = 1;
};

// The progress of one call through the policy.
struct RetryState {
  int attempts = 0;     // attempts made so far
  int quota_taken = 0;  // the cost of the last retry, 0 before any retry
};

struct RetryDecision {
  bool retry = false;
  std::chrono::milliseconds delay{0};
  // Why a retryable error is not retried (empty when retrying or when the
  // error is not retryable): "max attempts" or "retry quota exhausted".
  const char* refusal = "";
};

class RetryPolicy {
 public:
  // Returns a number in [0, 1). The default is a seeded Mersenne twister.
  using Random = std::function<double()>;

  explicit RetryPolicy(RetryOptions options = {}, Random random = {});
  RetryPolicy(RetryPolicy&&) noexcept;
  RetryPolicy& operator=(RetryPolicy&&) noexcept;
  ~RetryPolicy();

  // Records the attempt that just failed with `error` (and, when an HTTP
  // answer arrived, its headers) and says whether and when to try again.
  // A retry takes its cost from the quota.
  RetryDecision on_failure(RetryState& state, const AwsError& error,
                           const Headers* response_headers = nullptr);

  // Records the success of the call's last attempt and refunds the quota.
  void on_success(const RetryState& state);

  // The computed backoff (before x-amz-retry-after) for the retry after
  // 1-based attempt `attempt`, given a jitter sample in [0, 1).
  std::chrono::milliseconds backoff(int attempt, bool throttling, double jitter) const;

  int available_quota() const;
  const RetryOptions& options() const { return m_options; }

 private:
  struct Shared;
  RetryOptions m_options;
  std::unique_ptr<Shared> m_shared;
};

// The x-amz-retry-after header as a duration; nullopt when absent, negative or
// not a number.
std::optional<std::chrono::milliseconds> retry_after_header(const Headers& headers);

}  // namespace snapkeep::aws
