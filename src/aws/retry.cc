#include "aws/retry.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <mutex>
#include <random>

namespace snapkeep::aws {

struct RetryPolicy::Shared {
  std::mutex mutex;
  int quota = 0;
  Random random;
  std::mt19937_64 engine{std::random_device{}()};

  double sample() {
    // Called with `mutex` held: neither the engine nor a caller's generator
    // need be thread-safe.
    if (random) return std::clamp(random(), 0.0, 1.0);
    return std::uniform_real_distribution<double>(0.0, 1.0)(engine);
  }
};

RetryPolicy::RetryPolicy(RetryOptions options, Random random)
    : m_options(options), m_shared(std::make_unique<Shared>()) {
  m_options.max_attempts = std::max(1, m_options.max_attempts);
  m_shared->quota = m_options.quota_capacity;
  m_shared->random = std::move(random);
}

RetryPolicy::RetryPolicy(RetryPolicy&&) noexcept = default;
RetryPolicy& RetryPolicy::operator=(RetryPolicy&&) noexcept = default;
RetryPolicy::~RetryPolicy() = default;

std::chrono::milliseconds RetryPolicy::backoff(int attempt, bool throttling, double jitter) const {
  const double base = static_cast<double>(
      (throttling ? m_options.throttling_base : m_options.transient_base).count());
  const double cap = static_cast<double>(m_options.max_backoff.count());
  // 2^(attempt-1) overflows nothing at the cap: the exponent is bounded first.
  const int exponent = std::clamp(attempt - 1, 0, 62);
  const double ceiling = std::min(base * std::ldexp(1.0, exponent), cap);
  return std::chrono::milliseconds(static_cast<long long>(std::llround(jitter * ceiling)));
}

RetryDecision RetryPolicy::on_failure(RetryState& state, const AwsError& error,
                                      const Headers* response_headers) {
  ++state.attempts;
  RetryDecision decision;
  if (!error.retryable()) return decision;
  if (state.attempts >= m_options.max_attempts) {
    decision.refusal = "max attempts";
    return decision;
  }
  const bool throttling = error.throttling();
  const int cost = throttling ? m_options.throttling_retry_cost : m_options.retry_cost;
  double jitter = 0;
  {
    std::lock_guard lock(m_shared->mutex);
    if (cost > m_shared->quota) {
      decision.refusal = "retry quota exhausted";
      return decision;
    }
    m_shared->quota -= cost;
    jitter = m_shared->sample();
  }
  state.quota_taken = cost;
  decision.retry = true;
  decision.delay = backoff(state.attempts, throttling, jitter);
  if (response_headers != nullptr) {
    if (auto retry_after = retry_after_header(*response_headers)) {
      decision.delay = std::max(
          decision.delay, std::min(*retry_after, decision.delay + m_options.max_retry_after_extra));
    }
  }
  return decision;
}

void RetryPolicy::on_success(const RetryState& state) {
  const int refund = state.quota_taken > 0 ? state.quota_taken : m_options.no_retry_refund;
  std::lock_guard lock(m_shared->mutex);
  m_shared->quota = std::min(m_options.quota_capacity, m_shared->quota + refund);
}

int RetryPolicy::available_quota() const {
  std::lock_guard lock(m_shared->mutex);
  return m_shared->quota;
}

std::optional<std::chrono::milliseconds> retry_after_header(const Headers& headers) {
  const auto* value = find_header(headers, "x-amz-retry-after");
  if (value == nullptr) return std::nullopt;
  long long ms = 0;
  const char* begin = value->data();
  const char* end = begin + value->size();
  while (begin != end && *begin == ' ') ++begin;
  while (end != begin && *(end - 1) == ' ') --end;
  const auto [ptr, ec] = std::from_chars(begin, end, ms);
  if (ec != std::errc() || ptr != end || ms < 0) return std::nullopt;
  return std::chrono::milliseconds(ms);
}

}  // namespace snapkeep::aws
