// QueryCaller: one AWS Query-protocol API call (EC2, SNS, STS), with signing,
// client-side pacing, retries and error parsing done inside, so that callers
// (ec2.h, sns.h, sts.h) only build parameters and read XML.
//
// QueryClient is the production implementation (libcurl transport, SigV4,
// the standard retry policy, a token bucket per API bucket); tests of the
// typed service clients substitute a fake QueryCaller with canned answers.
//
// Thread safety: call() may be used from several threads at once.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <pugixml.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "aws/clock.h"
#include "aws/error.h"
#include "aws/http.h"
#include "aws/rate_limiter.h"
#include "aws/retry.h"
#include "aws/sigv4.h"

namespace snapkeep::aws {

// Request parameters in the order they are sent (Action and Version are
// added by the caller implementation).
using QueryParams = std::vector<std::pair<std::string, std::string>>;

struct QueryResponse {
  pugi::xml_document xml;  // the parsed body of a 2xx answer
  std::string request_id;
  int http_status = 0;
};

class QueryCaller {
 public:
  virtual ~QueryCaller() = default;
  // On success, the parsed 2xx answer. On failure (after retries), the error,
  // with `action` set.
  virtual Result<QueryResponse> call(std::string_view action, const QueryParams& params) = 0;
};

// Where and how a QueryClient talks: the signing name and region, the
// endpoint and the API version sent with every call.
struct QueryEndpoint {
  std::string service;      // signing name: "ec2", "sns" or "sts"
  std::string region;       // signing region, e.g. "us-east-1"
  std::string url;          // e.g. "https://ec2.us-east-1.amazonaws.com/"
  std::string api_version;  // e.g. "2016-11-15"
};

struct QueryClientOptions {
  std::chrono::milliseconds connect_timeout{3100};
  std::chrono::milliseconds total_timeout{60000};
  // Sent unsigned (AWS proxies may rewrite it; moto rejects it signed).
  std::string user_agent = default_user_agent();
  // false for calls that are not idempotent (CreateSnapshots): only
  // throttling answers, which mean AWS did not act, are retried; after any
  // other failure the caller checks what happened before trying again.
  bool retry_ambiguous = true;

  // "snapkeep/<version>".
  static std::string default_user_agent();
};

// What happened to the calls of one action.
struct ActionCounters {
  std::int64_t calls = 0;      // call() invocations
  std::int64_t attempts = 0;   // HTTP requests sent
  std::int64_t retries = 0;    // attempts after a retryable failure
  std::int64_t throttles = 0;  // attempts answered with a throttling error
  std::int64_t errors = 0;     // calls that ended in an error

  bool operator==(const ActionCounters&) const = default;
};

// Per-action counters, for --verbose output and benchmarks.
// Thread safety: all members may be called concurrently.
class CallCounters {
 public:
  void add(std::string_view action, const ActionCounters& delta);
  std::map<std::string, ActionCounters> by_action() const;
  ActionCounters total() const;

 private:
  mutable std::mutex m_mutex;
  std::map<std::string, ActionCounters, std::less<>> m_counters;
};

// The production QueryCaller. A call:
//   1. takes a token from the (account, region, action) bucket when a rate
//      limiter registry is given (each attempt, since each costs AWS a token);
//   2. builds the form body "Action=..&Version=..&<params>";
//   3. signs with the current credentials (asked of the source per attempt,
//      so refreshed credentials are picked up; no source: sent unsigned) and
//      adds User-Agent unsigned;
//   4. sends; a 2xx body must be XML whose root is <ActionResponse>;
//   5. any failure is parsed into an AwsError (with `action` set) and retried
//      per the RetryPolicy, sleeping on the Clock.
// Credential values and signatures never appear in an error.
class QueryClient final : public QueryCaller {
 public:
  using CredentialsSource = std::function<Result<Credentials>()>;

  QueryClient(QueryEndpoint endpoint, HttpTransport& transport, Clock& clock,
              CredentialsSource credentials, RetryPolicy retry,
              RateLimiterRegistry* limiter = nullptr, std::string account_id = {},
              QueryClientOptions options = {});

  Result<QueryResponse> call(std::string_view action, const QueryParams& params) override;

  const CallCounters& counters() const { return m_counters; }
  const QueryEndpoint& endpoint() const { return m_endpoint; }
  RetryPolicy& retry_policy() { return m_retry; }

 private:
  QueryEndpoint m_endpoint;
  HttpTransport& m_transport;
  Clock& m_clock;
  CredentialsSource m_credentials;
  RetryPolicy m_retry;
  RateLimiterRegistry* m_limiter;
  std::string m_account_id;
  QueryClientOptions m_options;
  Signer m_signer;
  CallCounters m_counters;
};

}  // namespace snapkeep::aws
