// QueryClient used from several threads at once, as the engine does across
// regions: the counters, the rate limiter, the retry quota and the transport
// are shared. Run under ThreadSanitizer by scripts/test-hardening.sh.
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "aws/query_client.h"
#include "unit/aws/transport_fakes.h"

namespace snapkeep::aws {
namespace {

TEST(QueryClientConcurrency, ThreadsShareCountersLimiterAndRetries) {
  testing::FakeClock clock;
  testing::FakeTransport transport;
  RateLimiterRegistry limiter{clock};
  const std::string throttle =
      "<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>slow down</Message>"
      "</Error></Errors><RequestID>r</RequestID></Response>";
  for (int i = 0; i < 3; ++i) transport.push(503, throttle);
  // The last answer repeats once the script runs out.
  transport.push(200,
                 "<CreateSnapshotsResponse><requestId>r</requestId><snapshotSet/>"
                 "</CreateSnapshotsResponse>");
  QueryClient client(
      QueryEndpoint{"ec2", "us-east-1", "https://ec2.us-east-1.amazonaws.com/", "2016-11-15"},
      transport, clock,
      [] {
        Credentials credentials;
        credentials.access_key_id = "AKIDEXAMPLE";
        credentials.secret_access_key = "secret";
        return Result<Credentials>(credentials);
      },
      RetryPolicy(RetryOptions{.max_attempts = 5}, [] { return 0.5; }), &limiter, "111122223333");

  constexpr int kThreads = 4;
  constexpr int kCallsPerThread = 50;
  std::vector<std::thread> threads;
  std::vector<int> failures(kThreads, 0);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kCallsPerThread; ++i) {
        if (!client.call("CreateSnapshots", {{"InstanceSpecification.InstanceId", "i-1"}})) {
          ++failures[static_cast<std::size_t>(t)];
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();

  for (int count : failures) EXPECT_EQ(count, 0);
  // Each of the three throttles was answered to exactly one attempt, which
  // was retried once.
  EXPECT_EQ(client.counters().total(),
            (ActionCounters{.calls = 200, .attempts = 203, .retries = 3, .throttles = 3}));
  EXPECT_EQ(transport.requests().size(), 203u);
}

}  // namespace
}  // namespace snapkeep::aws
