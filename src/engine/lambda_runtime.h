// The AWS Lambda Runtime API (version 2018-06-01) as a custom runtime speaks
// it (docs/deploy.md, reference: Lambda "Using the Lambda runtime API"):
// GET next invocation, POST its response or error, POST an init error. Plain
// HTTP to AWS_LAMBDA_RUNTIME_API over the transport seam, not AWS-signed.
//
// serve_invocations() is the runtime's loop; what an invocation does is the
// handler's business (cli/cmd_lambda.cc runs one reconcile).
//
// Thread safety: one RuntimeApiClient per loop; a single-threaded loop is
// what Lambda expects of a default function.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "aws/http.h"
#include "core/schedule.h"
#include "core/shard.h"
#include "util/expected.h"

namespace snapkeep::engine {

struct LambdaInvocation {
  std::string request_id;      // Lambda-Runtime-Aws-Request-Id
  std::int64_t deadline_ms{};  // Lambda-Runtime-Deadline-Ms: Unix epoch milliseconds
  std::string function_arn;    // Lambda-Runtime-Invoked-Function-Arn
  std::string trace_id;        // Lambda-Runtime-Trace-Id
  std::string event;           // the body: the event JSON
};

// What the runtime reports as a function error (Lambda's error shape).
struct LambdaError {
  std::string type;  // errorType, e.g. Snapkeep.InvalidEvent
  std::string message;
};

// Why the Runtime API did not take a request.
struct RuntimeApiFailure {
  int status = 0;      // the HTTP status; 0 when no answer came
  bool fatal = false;  // 500 or no answer: the runtime must exit
  std::string message;
};

class RuntimeApiClient {
 public:
  // `api` is AWS_LAMBDA_RUNTIME_API: host:port, no scheme.
  RuntimeApiClient(std::string api, aws::HttpTransport& http);

  // Waits (with no timeout: the sandbox may be frozen in between) for the
  // next invocation.
  snapkeep::expected<LambdaInvocation, RuntimeApiFailure> next();
  // nullopt when accepted (202).
  std::optional<RuntimeApiFailure> respond(const std::string& request_id, const std::string& body);
  std::optional<RuntimeApiFailure> fail(const std::string& request_id, const LambdaError& error);
  std::optional<RuntimeApiFailure> init_error(const LambdaError& error);

 private:
  std::optional<RuntimeApiFailure> post(const std::string& path, const std::string& body,
                                        const std::string& error_type);
  std::string m_base;
  aws::HttpTransport& m_http;
};

// The body Lambda expects for an error: {"errorMessage", "errorType", "stackTrace"}.
std::string lambda_error_body(const LambdaError& error);

// The handler's answer: the response body, or a function error.
using LambdaHandler =
    std::function<snapkeep::expected<std::string, LambdaError>(const LambdaInvocation&)>;

// Where the loop says what happened to the Runtime API (one line each).
using RuntimeLog = std::function<void(std::string_view level, std::string_view message)>;

// Serves invocations until the Runtime API says the container is broken
// (500) or cannot be reached; returns the process exit status (1). A non-2xx
// on /next is retried after `retry_delay` (as aws-lambda-cpp does); a
// response refused as too large (413) is reported as a function error;
// 400/403 on a post are logged and the loop goes on.
int serve_invocations(RuntimeApiClient& api, const LambdaHandler& handler, const RuntimeLog& log,
                      const std::function<void()>& retry_delay);

// What an invocation's event asks for. Scheduler/EventBridge events carry the
// time they were meant for; that time is the run's now, so that a retried or
// late invocation still works on its slot.
// A Step Functions Map item may also name the shard the invocation works on
// (docs/deploy.md "Sharding"), overriding the function's SNAPKEEP_SHARD, and
// one schedule per account or region may name what its invocation works on,
// as --account and --region do for `run`.
struct LambdaEvent {
  std::optional<core::Time> now;          // from {"now": ...} or a scheduled event's "time"
  std::optional<core::Shard> shard;       // from {"shard": "I/N"}; its `by` is not set here
  std::optional<core::ShardBy> shard_by;  // from {"shard_by": "target" | "instance"}
  std::vector<std::string> accounts;      // from {"accounts": [name or id, ...]}; empty: all
  std::vector<std::string> regions;       // from {"regions": [...]}; empty: the configuration's
};

// Accepts an empty body, null, {}, {"now": "2026-12-01T03:30:00Z"} (a
// Scheduler input), with optional "shard": "I/N" and "shard_by" (a Step
// Functions Map item), "accounts" and "regions" (non-empty arrays of
// strings), and an EventBridge "Scheduled Event" ({"time": ...}); on anything
// else, a message naming what is wrong. Account names are checked against
// the configuration by the run (an unknown one fails the run before any call).
snapkeep::expected<LambdaEvent, std::string> parse_lambda_event(std::string_view body);

}  // namespace snapkeep::engine
