// Client-side pacing of EC2 API calls: a token bucket per (account, region,
// action), sized like EC2's own request-rate buckets
// (https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html),
// so that a large run spends its time waiting on the client instead of
// collecting RequestLimitExceeded answers and burning the retry quota.
//
// A bucket starts full; each request takes one token; tokens refill
// continuously at the bucket's rate up to its capacity. acquire() reserves a
// token at once (the balance may go negative) and then sleeps on the Clock
// until the reservation is due, so concurrent callers are served in order of
// arrival without holding a lock while they sleep.
//
// Thread safety: TokenBucket and RateLimiterRegistry are safe to use from
// several threads at once. Buckets live as long as their registry.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "aws/clock.h"

namespace snapkeep::aws {

struct BucketSpec {
  int capacity = 50;             // burst: requests allowed at once from full
  double refill_per_second = 5;  // sustained requests per second
};

// EC2's documented bucket for `action`: CreateSnapshot(s)/DeleteSnapshot
// 100/5, CreateTags/DeleteTags 100/10, ModifySnapshotAttribute 100/5,
// CreateVolume/DeleteVolume 100/5, non-mutating Describe*/List*/Search*/Get*
// 100/20, any other (mutating) action 50/5.
BucketSpec ec2_bucket_spec(std::string_view action);

class TokenBucket {
 public:
  TokenBucket(BucketSpec spec, Clock& clock);

  // Takes one token, sleeping on the clock until one is available. Returns how
  // long this call was told to wait (zero when a token was at hand).
  std::chrono::milliseconds acquire();

  // Takes one token only if one is available now.
  bool try_acquire();

  const BucketSpec& spec() const { return m_spec; }

 private:
  // Refills from the monotonic clock; call with m_mutex held.
  void refill(std::chrono::steady_clock::time_point now);

  BucketSpec m_spec;
  Clock& m_clock;
  std::mutex m_mutex;
  // Tokens are kept as time credit (one token = m_interval) so that rates such
  // as 5/s pace at exactly 200 ms with integer arithmetic.
  std::chrono::nanoseconds m_interval;
  std::chrono::nanoseconds m_credit;
  std::chrono::nanoseconds m_max_credit;
  std::chrono::steady_clock::time_point m_last;
};

class RateLimiterRegistry {
 public:
  explicit RateLimiterRegistry(Clock& clock);

  // The bucket for (account, region, action), created with
  // ec2_bucket_spec(action) on first use.
  TokenBucket& bucket(std::string_view account, std::string_view region, std::string_view action);

 private:
  Clock& m_clock;
  std::mutex m_mutex;
  std::map<std::string, std::unique_ptr<TokenBucket>, std::less<>> m_buckets;
};

}  // namespace snapkeep::aws
