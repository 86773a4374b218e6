#include "aws/rate_limiter.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "unit/aws/transport_fakes.h"

namespace snapkeep::aws {
namespace {

using std::chrono::milliseconds;
using testing::FakeClock;

TEST(Ec2BucketSpec, DocumentedRates) {
  const auto check = [](std::string_view action, int capacity, double rate) {
    const auto spec = ec2_bucket_spec(action);
    EXPECT_EQ(spec.capacity, capacity) << action;
    EXPECT_EQ(spec.refill_per_second, rate) << action;
  };
  check("CreateSnapshot", 100, 5);
  check("CreateSnapshots", 100, 5);
  check("DeleteSnapshot", 100, 5);
  check("CreateTags", 100, 10);
  check("ModifySnapshotAttribute", 100, 5);
  check("CreateVolume", 100, 5);
  check("AttachVolume", 50, 5);
  check("CopySnapshot", 50, 5);
  check("DescribeSnapshots", 100, 20);
  check("DescribeInstances", 100, 20);
  check("DescribeImages", 100, 20);
  check("RunInstances", 50, 5);
}

TEST(TokenBucket, OneHundredFiftyCreateSnapshotsFirstHundredImmediateThen200MsApart) {
  FakeClock clock;
  RateLimiterRegistry registry(clock);
  auto& bucket = registry.bucket("111122223333", "us-east-1", "CreateSnapshots");
  std::vector<milliseconds> start_times;
  for (int i = 0; i < 150; ++i) {
    bucket.acquire();
    start_times.push_back(clock.elapsed());
  }
  for (int i = 0; i < 100; ++i)
    EXPECT_EQ(start_times[static_cast<std::size_t>(i)], milliseconds(0)) << i;
  for (int i = 100; i < 150; ++i) {
    EXPECT_EQ(start_times[static_cast<std::size_t>(i)], milliseconds(200 * (i - 99))) << i;
  }
  const auto sleeps = clock.sleeps();
  ASSERT_EQ(sleeps.size(), 50u);
  for (auto sleep : sleeps) EXPECT_EQ(sleep, milliseconds(200));
}

TEST(TokenBucket, RefillsWhileIdleUpToCapacity) {
  FakeClock clock;
  TokenBucket bucket({.capacity = 10, .refill_per_second = 10}, clock);
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(bucket.try_acquire());
  EXPECT_FALSE(bucket.try_acquire());
  clock.advance(milliseconds(350));  // 3.5 tokens
  EXPECT_TRUE(bucket.try_acquire());
  EXPECT_TRUE(bucket.try_acquire());
  EXPECT_TRUE(bucket.try_acquire());
  EXPECT_FALSE(bucket.try_acquire());
  // Half a token left; the next acquire waits the other half.
  EXPECT_EQ(bucket.acquire(), milliseconds(50));
  clock.advance(std::chrono::hours(1));
  for (int i = 0; i < 10; ++i) EXPECT_EQ(bucket.acquire(), milliseconds(0));
  EXPECT_EQ(bucket.acquire(), milliseconds(100));
}

TEST(TokenBucket, DescribeBucketPaces50Ms) {
  FakeClock clock;
  RateLimiterRegistry registry(clock);
  auto& bucket = registry.bucket("a", "r", "DescribeSnapshots");
  for (int i = 0; i < 100; ++i) EXPECT_EQ(bucket.acquire(), milliseconds(0));
  EXPECT_EQ(bucket.acquire(), milliseconds(50));
  EXPECT_EQ(bucket.acquire(), milliseconds(50));
}

TEST(RateLimiterRegistry, BucketsAreKeyedByAccountRegionAction) {
  FakeClock clock;
  RateLimiterRegistry registry(clock);
  auto& a = registry.bucket("111", "us-east-1", "CreateTags");
  EXPECT_EQ(&a, &registry.bucket("111", "us-east-1", "CreateTags"));
  EXPECT_NE(&a, &registry.bucket("222", "us-east-1", "CreateTags"));
  EXPECT_NE(&a, &registry.bucket("111", "eu-west-1", "CreateTags"));
  EXPECT_NE(&a, &registry.bucket("111", "us-east-1", "DeleteSnapshot"));
  // Draining one bucket leaves the others full.
  for (int i = 0; i < 100; ++i) a.acquire();
  EXPECT_FALSE(a.try_acquire());
  EXPECT_TRUE(registry.bucket("111", "eu-west-1", "CreateTags").try_acquire());
}

TEST(TokenBucket, ConcurrentCallersAreServedInOrderWithoutOverdraw) {
  // The clock does not advance on sleep here, so every reservation beyond the
  // burst is visible as a distinct wait: 1..40 intervals of 200 ms.
  class StillClock final : public Clock {
   public:
    SysTime now() override { return {}; }
    std::chrono::steady_clock::time_point monotonic() override { return {}; }
    void sleep_for(milliseconds) override {}
  } clock;
  TokenBucket bucket({.capacity = 10, .refill_per_second = 5}, clock);
  std::mutex mutex;
  std::vector<milliseconds> waits;
  std::vector<std::thread> threads;
  for (int t = 0; t < 5; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10; ++i) {
        const auto wait = bucket.acquire();
        std::lock_guard lock(mutex);
        waits.push_back(wait);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  std::sort(waits.begin(), waits.end());
  ASSERT_EQ(waits.size(), 50u);
  for (std::size_t i = 0; i < 10; ++i) EXPECT_EQ(waits[i], milliseconds(0));
  for (std::size_t i = 10; i < 50; ++i) {
    EXPECT_EQ(waits[i], milliseconds(200 * static_cast<long>(i - 9)));
  }
}

}  // namespace
}  // namespace snapkeep::aws
