// `snapkeep lambda`: an AWS Lambda custom runtime (provided.al2023; the
// package's bootstrap starts it, scripts/package-lambda.sh). At init it reads
// and validates the configuration (SNAPKEEP_CONFIG, default snapkeep.yaml in
// the task root) and checks that credentials exist; either failing is an init
// error. Each invocation is one reconcile, answered with the run summary JSON
// (docs/output.md); stdout gets one JSON line per action and one summary line
// for CloudWatch Logs. See docs/deploy.md.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "aws/clock.h"
#include "aws/curl_transport.h"
#include "aws/environment.h"
#include "cli/app.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "cli/config_file.h"
#include "cli/run_service.h"
#include "core/retention.h"
#include "engine/aws_session.h"
#include "engine/lambda_runtime.h"
#include "engine/render.h"
#include "util/utc_time.h"

namespace snapkeep::cli {

namespace {

using SystemTime = std::chrono::system_clock::time_point;

std::atomic<bool> g_terminating{false};

extern "C" void on_terminate(int) {
  g_terminating.store(true);
}

std::string utc_now_text() {
  return util::format_utc_millis(
      std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now()));
}

// One JSON object per line on stdout: what CloudWatch Logs stores per event.
void log_line(nlohmann::ordered_json line) {
  nlohmann::ordered_json out = {{"time", utc_now_text()}};
  out.update(line);
  fmt::print("{}\n", out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  std::fflush(stdout);
}

// libcurl was built with the build machine's CA path; Amazon Linux keeps its
// bundle elsewhere, so the first file that exists is used (docs/deploy.md).
std::string choose_ca_file(const aws::Environment& env, const std::string& task_root) {
  const std::string candidates[] = {
      env.get("SSL_CERT_FILE"),
      "/etc/pki/tls/certs/ca-bundle.crt",        // Amazon Linux, Fedora
      "/etc/ssl/certs/ca-certificates.crt",      // Debian, Ubuntu
      task_root + "/certs/ca-certificates.crt",  // the package's own copy
  };
  std::error_code ec;
  for (const auto& path : candidates) {
    if (!path.empty() && std::filesystem::is_regular_file(path, ec)) return path;
  }
  return "";
}

// Sets `stop` at `at`, or when SIGTERM arrives, whichever is first, so the
// engine starts no new action after it (engine/executor.h).
class StopAt {
 public:
  StopAt(std::atomic<bool>& stop, SystemTime at)
      : m_thread([this, &stop, at] {
          std::unique_lock lock(m_mutex);
          while (!m_done) {
            if (std::chrono::system_clock::now() >= at || g_terminating.load()) {
              stop.store(true);
              return;
            }
            m_wake.wait_for(lock, std::chrono::milliseconds(100));
          }
        }) {}
  ~StopAt() {
    {
      std::lock_guard lock(m_mutex);
      m_done = true;
    }
    m_wake.notify_all();
    m_thread.join();
  }
  StopAt(const StopAt&) = delete;
  StopAt& operator=(const StopAt&) = delete;

 private:
  std::mutex m_mutex;
  std::condition_variable m_wake;
  bool m_done = false;
  std::thread m_thread;
};

// When to stop starting actions: early enough to notify and answer. 10 s, or
// a fifth of the time left when that is less; SNAPKEEP_LAMBDA_MARGIN_MS
// overrides.
SystemTime stop_time(const engine::LambdaInvocation& invocation, const aws::Environment& env) {
  const SystemTime deadline{std::chrono::milliseconds(invocation.deadline_ms)};
  const auto left = deadline - std::chrono::system_clock::now();
  std::chrono::system_clock::duration margin = std::clamp<std::chrono::system_clock::duration>(
      left / 5, std::chrono::system_clock::duration::zero(), std::chrono::seconds(10));
  if (auto ms = aws::env_milliseconds(env, "SNAPKEEP_LAMBDA_MARGIN_MS")) margin = *ms;
  return deadline - margin;
}

void log_run(const engine::RunSummary& summary, const std::string& request_id,
             const std::string& function) {
  auto json = engine::to_json(summary);
  for (auto& action : json["actions"]) {
    const bool failed = action["outcome"] == "failed";
    nlohmann::ordered_json line = {
        {"level", failed ? "error" : "info"}, {"event", "action"}, {"request_id", request_id}};
    for (auto& [key, value] : action.items()) line[key] = value;
    log_line(std::move(line));
  }
  log_line({{"level", summary.exit_status() == 0 ? "info" : "error"},
            {"event", "summary"},
            {"request_id", request_id},
            {"function", function},
            {"run_id", summary.run_id},
            {"now", summary.now},
            {"exit_status", summary.exit_status()},
            {"interrupted", summary.interrupted},
            {"totals", json["totals"]},
            {"regions", summary.regions.size()},
            {"shard", json["shard"]},
            {"errors", summary.errors},
            {"warnings", json["warnings"]},
            {"notification_errors", summary.notification_errors},
            {"seconds", summary.seconds},
            {"message", engine::one_line(summary)}});
}

struct Runtime {
  const aws::Environment& env;
  aws::HttpTransport& http;
  aws::Clock& clock;
  core::Config config;
  std::unique_ptr<engine::AwsSession> session;
  core::Shard shard;  // the flags' or SNAPKEEP_SHARD's; an event's "shard" overrides

  snapkeep::expected<std::string, engine::LambdaError> invoke(
      const engine::LambdaInvocation& invocation) {
    auto event = engine::parse_lambda_event(invocation.event);
    if (!event) {
      log_line({{"level", "error"},
                {"event", "invalid-event"},
                {"request_id", invocation.request_id},
                {"message", event.error()}});
      return snapkeep::unexpected(engine::LambdaError{"Snapkeep.InvalidEvent", event.error()});
    }
    const core::Time now = event->now.value_or(
        std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now()));
    std::atomic<bool> stop{false};
    StopAt stop_at(stop, stop_time(invocation, env));

    core::Shard mine = shard;
    if (event->shard) {
      mine.index = event->shard->index;
      mine.count = event->shard->count;
    }
    if (event->shard_by) mine.by = *event->shard_by;
    RunService service{env, http, clock, *session, event->regions, mine, event->accounts};
    auto summary = service.run(config, now, stop);
    log_run(summary, invocation.request_id, env.get("AWS_LAMBDA_FUNCTION_NAME"));
    return engine::to_json(summary).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
};

int lambda_command(const ShardOptions& shard_options) {
  const auto started = std::chrono::steady_clock::now();
  aws::ProcessEnvironment env;
  const std::string api = env.get("AWS_LAMBDA_RUNTIME_API");
  if (api.empty()) {
    fmt::print(stderr,
               "snapkeep lambda: AWS_LAMBDA_RUNTIME_API is not set; this command is the Lambda "
               "runtime and runs inside AWS Lambda (or a test's fake Runtime API)\n");
    return kExitBadInput;
  }
  std::string task_root = env.get("LAMBDA_TASK_ROOT");
  if (task_root.empty()) task_root = ".";
  aws::CurlTransportOptions transport_options;
  transport_options.ca_file = choose_ca_file(env, task_root);
  aws::CurlTransport http(transport_options);
  engine::RuntimeApiClient api_client(api, http);

  auto init_failed = [&](const std::string& type, const std::string& message) {
    log_line({{"level", "error"}, {"event", "init-error"}, {"type", type}, {"message", message}});
    if (auto refused = api_client.init_error({type, message})) {
      log_line({{"level", "error"}, {"event", "runtime-api"}, {"message", refused->message}});
    }
    return kExitFailed;
  };

  auto shard = resolve_shard(shard_options, env);
  if (!shard) return init_failed("Snapkeep.InvalidShard", shard.error());
  std::string config_path = env.get("SNAPKEEP_CONFIG");
  if (config_path.empty()) config_path = task_root + "/" + kDefaultConfigFile;
  auto config = load_config_file(config_path);
  if (!config) {
    std::string messages;
    for (const auto& e : config.error()) {
      if (!messages.empty()) messages += "\n";
      messages += e.to_string();
    }
    return init_failed("Snapkeep.InvalidConfiguration", messages);
  }
  aws::Clock& clock = aws::system_clock();
  auto session = engine::AwsSession::create({}, env, http, clock);
  if (!session) return init_failed("Snapkeep.AwsSetup", session.error());
  if (auto credentials = (*session)->credentials().credentials(); !credentials) {
    return init_failed("Snapkeep.NoCredentials", credentials.error().describe());
  }
  Runtime runtime{env, http, clock, std::move(*config), std::move(*session), *shard};
  std::signal(SIGTERM, on_terminate);
  log_line({{"level", "info"},
            {"event", "init"},
            {"config", config_path},
            {"policies", runtime.config.policies.size()},
            {"ca_file", transport_options.ca_file},
            {"shard", runtime.shard.sharded() ? core::describe(runtime.shard) : ""},
            {"init_ms",
             std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
                 .count()}});
  return engine::serve_invocations(
      api_client,
      [&runtime](const engine::LambdaInvocation& invocation) { return runtime.invoke(invocation); },
      [](std::string_view level, std::string_view message) {
        log_line({{"level", level}, {"event", "runtime-api"}, {"message", message}});
      },
      [] { std::this_thread::sleep_for(std::chrono::milliseconds(100)); });
}

}  // namespace

CommandRunner setup_lambda(CLI::App& sub) {
  auto options = std::make_shared<ShardOptions>();
  add_shard_options(sub, *options);
  sub.footer(
      "Environment: AWS_LAMBDA_RUNTIME_API (set by Lambda), SNAPKEEP_CONFIG (default "
      "$LAMBDA_TASK_ROOT/snapkeep.yaml), SNAPKEEP_SHARD and SNAPKEEP_SHARD_BY (an event's "
      "\"shard\" and \"shard_by\" override them), the AWS credential variables, AWS_REGION.");
  return [options] { return lambda_command(*options); };
}

}  // namespace snapkeep::cli
