#include "aws/retry.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace snapkeep::aws {
namespace {

using std::chrono::milliseconds;

AwsError error_of(ErrorKind kind, std::string code = {}, int status = 0) {
  AwsError error;
  error.kind = kind;
  error.code = std::move(code);
  error.http_status = status;
  return error;
}

const AwsError kThrottle = error_of(ErrorKind::throttled, "RequestLimitExceeded", 503);
const AwsError kTransient = error_of(ErrorKind::transient, "InternalError", 500);

// A policy whose jitter is always `jitter`.
RetryPolicy fixed(double jitter, RetryOptions options = {}) {
  return RetryPolicy(options, [jitter] { return jitter; });
}

TEST(RetryBackoff, ThrottlingBaseOneSecondDoubling) {
  const auto policy = fixed(1.0);
  EXPECT_EQ(policy.backoff(1, true, 1.0), milliseconds(1000));
  EXPECT_EQ(policy.backoff(2, true, 1.0), milliseconds(2000));
  EXPECT_EQ(policy.backoff(3, true, 1.0), milliseconds(4000));
  EXPECT_EQ(policy.backoff(5, true, 1.0), milliseconds(16000));
  EXPECT_EQ(policy.backoff(6, true, 1.0), milliseconds(20000));  // capped
  EXPECT_EQ(policy.backoff(60, true, 1.0), milliseconds(20000));
  EXPECT_EQ(policy.backoff(1000, true, 0.5), milliseconds(10000));  // cap before jitter
}

TEST(RetryBackoff, TransientBaseFiftyMilliseconds) {
  const auto policy = fixed(1.0);
  EXPECT_EQ(policy.backoff(1, false, 1.0), milliseconds(50));
  EXPECT_EQ(policy.backoff(2, false, 1.0), milliseconds(100));
  EXPECT_EQ(policy.backoff(3, false, 0.5), milliseconds(100));
  EXPECT_EQ(policy.backoff(9, false, 1.0), milliseconds(12800));
  EXPECT_EQ(policy.backoff(10, false, 1.0), milliseconds(20000));
  EXPECT_EQ(policy.backoff(4, false, 0.0), milliseconds(0));
}

TEST(RetryPolicy, ThrottlingSequenceUsesJitterAndStopsAtMaxAttempts) {
  auto policy = fixed(0.25);
  RetryState state;
  auto first = policy.on_failure(state, kThrottle);
  EXPECT_TRUE(first.retry);
  EXPECT_EQ(first.delay, milliseconds(250));
  auto second = policy.on_failure(state, kThrottle);
  EXPECT_TRUE(second.retry);
  EXPECT_EQ(second.delay, milliseconds(500));
  auto third = policy.on_failure(state, kThrottle);
  EXPECT_FALSE(third.retry);
  EXPECT_STREQ(third.refusal, "max attempts");
  EXPECT_EQ(state.attempts, 3);
  EXPECT_EQ(policy.available_quota(), 500 - 5 - 5);
}

TEST(RetryPolicy, TransientCostsFourteen) {
  auto policy = fixed(0.5);
  RetryState state;
  auto decision = policy.on_failure(state, kTransient);
  EXPECT_TRUE(decision.retry);
  EXPECT_EQ(decision.delay, milliseconds(25));
  EXPECT_EQ(policy.available_quota(), 486);
  EXPECT_EQ(state.quota_taken, 14);
}

TEST(RetryPolicy, TimeoutAndNetworkAreTransientNotSpecial) {
  auto policy = fixed(1.0);
  RetryState state;
  EXPECT_EQ(policy.on_failure(state, error_of(ErrorKind::timeout)).delay, milliseconds(50));
  EXPECT_EQ(policy.on_failure(state, error_of(ErrorKind::network)).delay,
            milliseconds(0) + milliseconds(100));
  EXPECT_EQ(policy.available_quota(), 500 - 28);
}

TEST(RetryPolicy, NonRetryableErrorsAreNotRetried) {
  auto policy = fixed(1.0, {.max_attempts = 10});
  for (const auto& error :
       {error_of(ErrorKind::in_use, "InvalidSnapshot.InUse", 400),
        error_of(ErrorKind::volume_rate, "SnapshotCreationPerVolumeRateExceeded", 400),
        error_of(ErrorKind::auth, "AuthFailure", 401),
        error_of(ErrorKind::invalid, "InvalidParameterValue", 400),
        error_of(ErrorKind::limit, "ConcurrentSnapshotLimitExceeded", 400),
        error_of(ErrorKind::bad_response, "", 200)}) {
    RetryState state;
    const auto decision = policy.on_failure(state, error);
    EXPECT_FALSE(decision.retry) << error.code;
    EXPECT_STREQ(decision.refusal, "") << error.code;
  }
  EXPECT_EQ(policy.available_quota(), 500);
}

TEST(RetryPolicy, GarbledSuccessBodyIsRetriedLikeABrokenTransfer) {
  auto policy = fixed(1.0, {.max_attempts = 3});
  auto error = error_of(ErrorKind::bad_response, "", 200);
  error.garbled = true;
  RetryState state;
  const auto decision = policy.on_failure(state, error);
  EXPECT_TRUE(decision.retry);
  EXPECT_EQ(decision.delay, milliseconds(50));  // the transient base, not throttling's
  EXPECT_EQ(policy.available_quota(), 500 - 14);
}

TEST(RetryPolicy, MaxAttemptsConfigurable) {
  auto policy = fixed(1.0, {.max_attempts = 5});
  RetryState state;
  std::vector<milliseconds> delays;
  for (;;) {
    auto decision = policy.on_failure(state, kTransient);
    if (!decision.retry) break;
    delays.push_back(decision.delay);
  }
  EXPECT_EQ(delays, (std::vector<milliseconds>{milliseconds(50), milliseconds(100),
                                               milliseconds(200), milliseconds(400)}));
  EXPECT_EQ(state.attempts, 5);
}

TEST(RetryPolicy, MaxAttemptsOneNeverRetries) {
  auto policy = fixed(1.0, {.max_attempts = 1});
  RetryState state;
  EXPECT_FALSE(policy.on_failure(state, kThrottle).retry);
  EXPECT_EQ(policy.available_quota(), 500);
  auto zero = fixed(1.0, {.max_attempts = 0});
  EXPECT_EQ(zero.options().max_attempts, 1);
}

TEST(RetryQuota, ExhaustionStopsRetriesThenRefundRestores) {
  auto policy = fixed(0.0, {.max_attempts = 2});
  // 35 transient retries cost 490; the 36th (14 > 10 left) is refused.
  for (int i = 0; i < 35; ++i) {
    RetryState state;
    ASSERT_TRUE(policy.on_failure(state, kTransient).retry) << i;
  }
  EXPECT_EQ(policy.available_quota(), 10);
  RetryState refused;
  const auto decision = policy.on_failure(refused, kTransient);
  EXPECT_FALSE(decision.retry);
  EXPECT_STREQ(decision.refusal, "retry quota exhausted");
  EXPECT_EQ(policy.available_quota(), 10);
  // A throttling retry (5) still fits.
  RetryState throttled;
  EXPECT_TRUE(policy.on_failure(throttled, kThrottle).retry);
  EXPECT_EQ(policy.available_quota(), 5);
  // Its success refunds the cost of its last retry.
  policy.on_success(throttled);
  EXPECT_EQ(policy.available_quota(), 10);
  // A success without retries refunds 1.
  policy.on_success(RetryState{.attempts = 1, .quota_taken = 0});
  EXPECT_EQ(policy.available_quota(), 11);
}

TEST(RetryQuota, RefundOfLastRetryOnlyAndCappedAtCapacity) {
  auto policy = fixed(0.0, {.max_attempts = 3});
  RetryState state;
  ASSERT_TRUE(policy.on_failure(state, kTransient).retry);  // -14
  ASSERT_TRUE(policy.on_failure(state, kThrottle).retry);   // -5
  EXPECT_EQ(policy.available_quota(), 481);
  policy.on_success(state);  // +5 (last retry)
  EXPECT_EQ(policy.available_quota(), 486);
  for (int i = 0; i < 100; ++i) policy.on_success(RetryState{.attempts = 1});
  EXPECT_EQ(policy.available_quota(), 500);
}

TEST(RetryAfter, HonouredWithinComputedPlusFiveSeconds) {
  auto policy = fixed(0.5, {.max_attempts = 10});
  const Headers within{{"X-Amz-Retry-After", "1500"}};
  const Headers too_long{{"x-amz-retry-after", "60000"}};
  const Headers too_short{{"x-amz-retry-after", "10"}};
  RetryState state;
  // Throttling attempt 1: computed 500 ms.
  EXPECT_EQ(policy.on_failure(state, kThrottle, &within).delay, milliseconds(1500));
  // Attempt 2: computed 1000 ms; 60 s clamps to 6000 ms.
  EXPECT_EQ(policy.on_failure(state, kThrottle, &too_long).delay, milliseconds(6000));
  // Attempt 3: computed 2000 ms; 10 ms is raised to it.
  EXPECT_EQ(policy.on_failure(state, kThrottle, &too_short).delay, milliseconds(2000));
}

TEST(RetryAfter, InvalidValuesIgnored) {
  EXPECT_EQ(retry_after_header({{"x-amz-retry-after", "-5"}}), std::nullopt);
  EXPECT_EQ(retry_after_header({{"x-amz-retry-after", "soon"}}), std::nullopt);
  EXPECT_EQ(retry_after_header({{"x-amz-retry-after", "12abc"}}), std::nullopt);
  EXPECT_EQ(retry_after_header({{"x-amz-retry-after", "99999999999999999999999"}}), std::nullopt);
  EXPECT_EQ(retry_after_header({}), std::nullopt);
  EXPECT_EQ(retry_after_header({{"x-amz-retry-after", " 250 "}}), milliseconds(250));
  auto policy = fixed(1.0);
  RetryState state;
  const Headers bad{{"x-amz-retry-after", "soon"}};
  EXPECT_EQ(policy.on_failure(state, kTransient, &bad).delay, milliseconds(50));
}

TEST(RetryPolicy, DefaultRandomStaysWithinBounds) {
  RetryPolicy policy({.max_attempts = 2});
  for (int i = 0; i < 30; ++i) {
    RetryState state;
    const auto decision = policy.on_failure(state, kThrottle);
    ASSERT_TRUE(decision.retry);
    EXPECT_GE(decision.delay, milliseconds(0));
    EXPECT_LE(decision.delay, milliseconds(1000));
    policy.on_success(state);
  }
}

TEST(RetryQuota, ConcurrentCallersNeverOverdraw) {
  auto policy = fixed(0.0, {.max_attempts = 2});
  std::vector<std::thread> threads;
  std::atomic<int> granted{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        RetryState state;
        if (policy.on_failure(state, kTransient).retry) ++granted;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(granted.load(), 35);  // floor(500 / 14)
  EXPECT_EQ(policy.available_quota(), 10);
}

}  // namespace
}  // namespace snapkeep::aws
