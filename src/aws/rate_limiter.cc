#include "aws/rate_limiter.h"

#include <algorithm>
#include <array>
#include <cmath>

namespace snapkeep::aws {

namespace {

struct NamedSpec {
  std::string_view action;
  BucketSpec spec;
};

// The uncategorized actions EC2 lists with their own sizes.
constexpr std::array<NamedSpec, 10> kListed = {{
    {"CreateSnapshot", {100, 5}},
    {"CreateSnapshots", {100, 5}},
    {"DeleteSnapshot", {100, 5}},
    {"CreateTags", {100, 10}},
    {"DeleteTags", {100, 10}},
    {"ModifySnapshotAttribute", {100, 5}},
    {"CreateVolume", {100, 5}},
    {"DeleteVolume", {100, 5}},
    {"DeregisterImage", {100, 5}},
    {"ModifyImageAttribute", {100, 5}},
}};

constexpr BucketSpec kNonMutating{100, 20};
constexpr BucketSpec kMutatingDefault{50, 5};

}  // namespace

BucketSpec ec2_bucket_spec(std::string_view action) {
  for (const auto& listed : kListed) {
    if (listed.action == action) return listed.spec;
  }
  for (std::string_view prefix : {"Describe", "List", "Search", "Get"}) {
    if (action.starts_with(prefix)) return kNonMutating;
  }
  return kMutatingDefault;
}

TokenBucket::TokenBucket(BucketSpec spec, Clock& clock)
    : m_spec(spec),
      m_clock(clock),
      m_interval(
          std::chrono::nanoseconds(std::llround(1e9 / std::max(spec.refill_per_second, 1e-6)))),
      m_credit(m_interval * std::max(spec.capacity, 1)),
      m_max_credit(m_credit),
      m_last(clock.monotonic()) {}

void TokenBucket::refill(std::chrono::steady_clock::time_point now) {
  if (now > m_last) {
    m_credit = std::min(m_max_credit, m_credit + (now - m_last));
    m_last = now;
  }
}

std::chrono::milliseconds TokenBucket::acquire() {
  std::chrono::nanoseconds deficit{0};
  {
    std::lock_guard lock(m_mutex);
    refill(m_clock.monotonic());
    m_credit -= m_interval;
    if (m_credit < std::chrono::nanoseconds::zero()) deficit = -m_credit;
  }
  if (deficit == std::chrono::nanoseconds::zero()) return std::chrono::milliseconds::zero();
  const auto wait = std::chrono::ceil<std::chrono::milliseconds>(deficit);
  m_clock.sleep_for(wait);
  return wait;
}

bool TokenBucket::try_acquire() {
  std::lock_guard lock(m_mutex);
  refill(m_clock.monotonic());
  if (m_credit < m_interval) return false;
  m_credit -= m_interval;
  return true;
}

RateLimiterRegistry::RateLimiterRegistry(Clock& clock) : m_clock(clock) {}

TokenBucket& RateLimiterRegistry::bucket(std::string_view account, std::string_view region,
                                         std::string_view action) {
  std::string key;
  key.reserve(account.size() + region.size() + action.size() + 2);
  key.append(account).append("/").append(region).append("/").append(action);
  std::lock_guard lock(m_mutex);
  auto it = m_buckets.find(key);
  if (it == m_buckets.end()) {
    it = m_buckets
             .emplace(std::move(key),
                      std::make_unique<TokenBucket>(ec2_bucket_spec(action), m_clock))
             .first;
  }
  return *it->second;
}

}  // namespace snapkeep::aws
