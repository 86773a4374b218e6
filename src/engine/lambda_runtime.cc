#include "engine/lambda_runtime.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <nlohmann/json.hpp>

#include "aws/endpoints.h"
#include "core/retention.h"

namespace snapkeep::engine {

namespace {

constexpr std::string_view kVersion = "2018-06-01";

// Posts are small and local: a Runtime API that does not answer quickly is
// gone (aws-lambda-cpp allows far less).
constexpr std::chrono::milliseconds kPostTimeout{5000};
constexpr std::chrono::milliseconds kConnectTimeout{1000};

std::string header_or_empty(const aws::Headers& headers, std::string_view name) {
  const std::string* value = aws::find_header(headers, name);
  return value ? *value : std::string();
}

RuntimeApiFailure failure_of(const aws::HttpResponse& response, std::string_view what) {
  RuntimeApiFailure f;
  f.status = response.status;
  // 500: "Container error. Non-recoverable state. Runtime should exit promptly."
  f.fatal = response.status >= 500;
  std::string body = response.body.substr(0, 300);
  f.message = fmt::format("{}: HTTP {} {}", what, response.status, body);
  return f;
}

RuntimeApiFailure unreachable(const aws::AwsError& error, std::string_view what) {
  return {0, true, fmt::format("{}: {}", what, error.describe())};
}

// "2026-12-01T03:30:00Z", also with milliseconds ("...:00.000Z"), as
// EventBridge and Scheduler write times.
std::optional<core::Time> parse_event_time(std::string text) {
  if (text.size() == 24 && text[19] == '.' && text[23] == 'Z') text = text.substr(0, 19) + "Z";
  return core::parse_slot(text);
}

}  // namespace

RuntimeApiClient::RuntimeApiClient(std::string api, aws::HttpTransport& http)
    : m_base(fmt::format("http://{}/{}/runtime", api, kVersion)), m_http(http) {}

snapkeep::expected<LambdaInvocation, RuntimeApiFailure> RuntimeApiClient::next() {
  aws::HttpRequest request;
  request.method = "GET";
  request.url = m_base + "/invocation/next";
  request.connect_timeout = kConnectTimeout;
  request.total_timeout = std::chrono::milliseconds{0};  // none: see the header comment
  auto response = m_http.send(request);
  if (!response) return snapkeep::unexpected(unreachable(response.error(), "next invocation"));
  if (response->status / 100 != 2) {
    return snapkeep::unexpected(failure_of(*response, "next invocation"));
  }
  LambdaInvocation invocation;
  invocation.request_id = header_or_empty(response->headers, "Lambda-Runtime-Aws-Request-Id");
  if (invocation.request_id.empty()) {
    return snapkeep::unexpected(
        RuntimeApiFailure{response->status, false, "next invocation: no request id header"});
  }
  const std::string deadline = header_or_empty(response->headers, "Lambda-Runtime-Deadline-Ms");
  auto [end, ec] =
      std::from_chars(deadline.data(), deadline.data() + deadline.size(), invocation.deadline_ms);
  if (ec != std::errc() || end != deadline.data() + deadline.size()) invocation.deadline_ms = 0;
  invocation.function_arn =
      header_or_empty(response->headers, "Lambda-Runtime-Invoked-Function-Arn");
  invocation.trace_id = header_or_empty(response->headers, "Lambda-Runtime-Trace-Id");
  invocation.event = std::move(response->body);
  return invocation;
}

std::optional<RuntimeApiFailure> RuntimeApiClient::post(const std::string& path,
                                                        const std::string& body,
                                                        const std::string& error_type) {
  aws::HttpRequest request;
  request.method = "POST";
  request.url = m_base + path;
  request.headers = {{"Content-Type", "application/json"}};
  if (!error_type.empty()) {
    request.headers.emplace_back("Lambda-Runtime-Function-Error-Type", error_type);
  }
  request.body = body;
  request.connect_timeout = kConnectTimeout;
  request.total_timeout = kPostTimeout;
  auto response = m_http.send(request);
  if (!response) return unreachable(response.error(), "POST " + path);
  if (response->status / 100 != 2) return failure_of(*response, "POST " + path);
  return std::nullopt;
}

std::optional<RuntimeApiFailure> RuntimeApiClient::respond(const std::string& request_id,
                                                           const std::string& body) {
  return post("/invocation/" + request_id + "/response", body, "");
}

std::optional<RuntimeApiFailure> RuntimeApiClient::fail(const std::string& request_id,
                                                        const LambdaError& error) {
  return post("/invocation/" + request_id + "/error", lambda_error_body(error), error.type);
}

std::optional<RuntimeApiFailure> RuntimeApiClient::init_error(const LambdaError& error) {
  return post("/init/error", lambda_error_body(error), error.type);
}

std::string lambda_error_body(const LambdaError& error) {
  return nlohmann::json{{"errorMessage", error.message},
                        {"errorType", error.type},
                        {"stackTrace", nlohmann::json::array()}}
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

int serve_invocations(RuntimeApiClient& api, const LambdaHandler& handler, const RuntimeLog& log,
                      const std::function<void()>& retry_delay) {
  for (;;) {
    auto invocation = api.next();
    if (!invocation) {
      if (invocation.error().fatal) {
        log("error", invocation.error().message + "; exiting");
        return 1;
      }
      log("warn", invocation.error().message + "; asking again");
      retry_delay();
      continue;
    }
    auto result = handler(*invocation);
    std::optional<RuntimeApiFailure> refused;
    if (result) {
      refused = api.respond(invocation->request_id, *result);
      if (refused && refused->status == 413) {
        log("error", refused->message);
        refused = api.fail(
            invocation->request_id,
            {"Snapkeep.ResponseTooLarge",
             fmt::format("the run summary ({} bytes) is larger than Lambda accepts; the run "
                         "itself finished, see the log lines",
                         result->size())});
      }
    } else {
      refused = api.fail(invocation->request_id, result.error());
    }
    if (refused) {
      if (refused->fatal) {
        log("error", refused->message + "; exiting");
        return 1;
      }
      // 400 (malformed) or 403 (not the current invocation, e.g. it timed
      // out): nothing to retry; the next invocation is what matters.
      log("warn", refused->message);
    }
  }
}

snapkeep::expected<LambdaEvent, std::string> parse_lambda_event(std::string_view body) {
  LambdaEvent event;
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) return event;
  auto json = nlohmann::json::parse(body, nullptr, false);
  if (json.is_discarded()) return snapkeep::unexpected(std::string("the event is not JSON"));
  if (json.is_null()) return event;
  if (!json.is_object()) {
    return snapkeep::unexpected(
        fmt::format("the event must be a JSON object (or empty), got {}", json.type_name()));
  }
  auto time_field =
      [&](const char* key) -> snapkeep::expected<std::optional<core::Time>, std::string> {
    auto it = json.find(key);
    if (it == json.end()) return std::optional<core::Time>{};
    if (!it->is_string()) {
      return snapkeep::unexpected(fmt::format("event \"{}\" must be a string", key));
    }
    auto t = parse_event_time(it->get<std::string>());
    if (!t) {
      return snapkeep::unexpected(fmt::format(
          "event \"{}\" is {}: expected a UTC time like 2026-12-01T03:30:00Z", key, it->dump()));
    }
    return std::optional<core::Time>{*t};
  };
  // A scheduled EventBridge rule event: {"source": "aws.events",
  // "detail-type": "Scheduled Event", "time": ...}; its other fields are
  // EventBridge's, not requests to snapkeep.
  if (auto type = json.find("detail-type"); type != json.end()) {
    if (*type != "Scheduled Event") {
      return snapkeep::unexpected(
          fmt::format("event of type {} is not a scheduled event", type->dump()));
    }
    auto time = time_field("time");
    if (!time) return snapkeep::unexpected(time.error());
    event.now = *time;
    return event;
  }
  for (const auto& [key, value] : json.items()) {
    const bool list = key == "accounts" || key == "regions";
    if (key != "now" && key != "shard" && key != "shard_by" && !list) {
      return snapkeep::unexpected(
          fmt::format("event key \"{}\" is not known: give {{\"now\": \"<UTC time>\"}} (and "
                      "\"shard\": \"I/N\", \"shard_by\", \"accounts\", \"regions\"), or "
                      "nothing",
                      key));
    }
    if (list) {
      const bool strings = value.is_array() && !value.empty() &&
                           std::all_of(value.begin(), value.end(), [](const nlohmann::json& item) {
                             return item.is_string() && !item.get_ref<const std::string&>().empty();
                           });
      if (!strings) {
        return snapkeep::unexpected(
            fmt::format("event \"{}\" must be a non-empty array of non-empty strings, got {}", key,
                        value.dump()));
      }
      auto& out = key == "accounts" ? event.accounts : event.regions;
      for (const auto& item : value) {
        out.push_back(item.get<std::string>());
        if (key == "regions" && !aws::valid_region_name(out.back())) {
          return snapkeep::unexpected(fmt::format(
              "event \"regions\": '{}' is not a region name (like us-east-1)", out.back()));
        }
      }
    } else if (key != "now" && !value.is_string()) {
      return snapkeep::unexpected(fmt::format("event \"{}\" must be a string", key));
    }
  }
  auto now = time_field("now");
  if (!now) return snapkeep::unexpected(now.error());
  event.now = *now;
  if (auto it = json.find("shard"); it != json.end()) {
    auto shard = core::parse_shard(it->get<std::string>());
    if (!shard) return snapkeep::unexpected("event \"shard\": " + shard.error());
    event.shard = *shard;
  }
  if (auto it = json.find("shard_by"); it != json.end()) {
    auto by = core::parse_shard_by(it->get<std::string>());
    if (!by) return snapkeep::unexpected("event \"shard_by\": " + by.error());
    event.shard_by = *by;
  }
  return event;
}

}  // namespace snapkeep::engine
