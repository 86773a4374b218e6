// `snapkeep daemon`: runs the schedule itself. It reconciles once at start
// (catching up on anything missed while it was not running), then sleeps
// until the next slot of any policy and reconciles there, within moments of
// it; after a failed run it retries with backoff (core/daemon_schedule.h).
// SIGHUP rereads the configuration (an invalid file keeps the old one, and
// the log and the old one's notifications say why); SIGTERM and SIGINT stop
// it: no new action starts, requests in flight finish, exit 0. It keeps a
// status file (JSON) and, with --metrics-file, Prometheus text metrics.
// docs/deploy.md.
#include <fmt/format.h>
#include <pthread.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "aws/clock.h"
#include "aws/curl_transport.h"
#include "aws/environment.h"
#include "cli/app.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "cli/run_service.h"
#include "core/daemon_schedule.h"
#include "core/retention.h"
#include "engine/aws_session.h"
#include "engine/metrics.h"
#include "engine/render.h"
#include "util/utc_time.h"

namespace snapkeep::cli {

namespace {

using WallTime = std::chrono::system_clock::time_point;

struct DaemonOptions {
  CommonOptions common;
  ShardOptions shard;
  std::string status_file;
  std::string metrics_file;
  std::string log_format = "text";
  double retry_seconds = 30;  // first retry after a failed run
};

std::string iso_ms(WallTime t) {
  return util::format_utc_millis(std::chrono::floor<std::chrono::milliseconds>(t));
}

class Log {
 public:
  explicit Log(bool json) : m_json(json) {}
  void operator()(std::string_view level, std::string_view event, const std::string& message,
                  const nlohmann::ordered_json& fields = nlohmann::ordered_json::object()) const {
    const std::string time = iso_ms(std::chrono::system_clock::now());
    if (m_json) {
      nlohmann::ordered_json line = {
          {"time", time}, {"level", level}, {"event", event}, {"message", message}};
      line.update(fields);
      fmt::print("{}\n", line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    } else {
      fmt::print("{} {:<5} {}\n", time, level, message);
    }
    std::fflush(stdout);
  }

 private:
  bool m_json;
};

// Writes `text` to `path` atomically (a reader never sees half a file).
// Signals arrive in one thread (sigwait) and become flags the main loop
// waits on, so sleeping costs no CPU and a run in progress sees SIGTERM
// through its stop flag.
class Signals {
 public:
  Signals() {
    sigemptyset(&m_set);
    for (int s : {SIGHUP, SIGTERM, SIGINT}) sigaddset(&m_set, s);
    // Blocked before any other thread starts, so every thread inherits it.
    pthread_sigmask(SIG_BLOCK, &m_set, nullptr);
    m_thread = std::thread([this] {
      for (;;) {
        int received = 0;
        if (sigwait(&m_set, &received) != 0) continue;
        std::lock_guard lock(m_mutex);
        if (m_exiting) return;
        if (received == SIGHUP) {
          reload = true;
        } else if (stop.exchange(true)) {
          std::_Exit(130);  // a second SIGTERM/SIGINT: at once
        }
        m_wake.notify_all();
      }
    });
  }
  ~Signals() {
    {
      std::lock_guard lock(m_mutex);
      m_exiting = true;
    }
    pthread_kill(m_thread.native_handle(), SIGHUP);
    m_thread.join();
  }
  Signals(const Signals&) = delete;
  Signals& operator=(const Signals&) = delete;

  // Sleeps until `until` or a signal; true when woken by a signal.
  bool sleep_until(WallTime until) {
    std::unique_lock lock(m_mutex);
    return m_wake.wait_until(lock, until, [this] { return reload.load() || stop.load(); });
  }

  std::atomic<bool> stop{false};
  std::atomic<bool> reload{false};

 private:
  sigset_t m_set{};
  std::mutex m_mutex;
  std::condition_variable m_wake;
  bool m_exiting = false;
  std::thread m_thread;
};

double unix_seconds(WallTime t) {
  return std::chrono::duration<double>(t.time_since_epoch()).count();
}

int daemon_command(DaemonOptions& opt) {
  if (!check_common_options(opt.common)) return kExitBadInput;
  const Log log(opt.log_format == "json");
  // --now: act as if started at that time; time then passes at the real rate.
  std::chrono::system_clock::duration offset{};
  if (!opt.common.now.empty()) {
    auto start = resolve_now(opt.common.now);
    if (!start) return kExitBadInput;
    offset = *start - std::chrono::system_clock::now();
  }
  auto now = [&] { return std::chrono::system_clock::now() + offset; };
  auto real = [&](WallTime logical) { return logical - offset; };

  aws::ProcessEnvironment env;
  auto shard = resolve_shard(opt.shard, env);
  if (!shard) {
    fmt::print(stderr, "snapkeep: {}\n", shard.error());
    return kExitBadInput;
  }
  auto config = load_config_file(opt.common.config_path);
  if (!config) {
    // Unattended: whoever the file's notify section names hears why too.
    for (const auto& e : config.error()) fmt::print(stderr, "{}\n", e.to_string());
    aws::CurlTransport http;
    notify_invalid_config(opt.common, std::chrono::floor<std::chrono::seconds>(now()),
                          config.error(), http, aws::system_clock(), env);
    return kExitBadInput;
  }

  Signals signals;  // before any thread
  aws::CurlTransport http;
  aws::Clock& clock = aws::system_clock();
  auto session = open_session(opt.common, env, http, clock);
  if (!session) {
    fmt::print(stderr, "snapkeep: {}\n", session.error());
    auto summary = notify_no_session(config->notify, engine::RunMode::run, engine::new_run_id(),
                                     std::chrono::floor<std::chrono::seconds>(now()),
                                     session.error(), http, clock);
    for (const auto& e : summary.notification_errors) {
      fmt::print(stderr, "snapkeep: notification failed: {}\n", e);
    }
    return kExitBadInput;
  }
  RunService service{env, http, clock, **session, opt.common.regions, *shard, opt.common.accounts};
  engine::RunMetrics metrics;
  nlohmann::ordered_json status = {{"pid", static_cast<long>(getpid())},
                                   {"config", opt.common.config_path},
                                   {"started_at", iso_ms(now())},
                                   {"shard", shard->sharded() ? core::describe(*shard) : ""},
                                   {"state", "starting"},
                                   {"consecutive_failures", 0}};
  auto save = [&] {
    std::string why;
    if (!opt.status_file.empty() &&
        !write_file_atomically(opt.status_file, status.dump(2) + "\n", why)) {
      log("warn", "status-file", why);
    }
    if (!opt.metrics_file.empty() &&
        !write_file_atomically(opt.metrics_file, metrics.render(), why)) {
      log("warn", "metrics-file", why);
    }
  };
  log("info", "start",
      fmt::format("snapkeep daemon started with {} ({} policies{})", opt.common.config_path,
                  config->policies.size(),
                  shard->sharded() ? ", shard " + core::describe(*shard) : ""),
      {{"config", opt.common.config_path},
       {"shard", shard->sharded() ? core::describe(*shard) : ""}});

  const auto first_retry = std::chrono::milliseconds(static_cast<long>(opt.retry_seconds * 1000));
  int failures = 0;
  WallTime wake = now();  // a run at start
  std::string wake_reason = "start";
  for (;;) {
    status["state"] = "sleeping";
    status["next_run"] = iso_ms(wake);
    status["next_run_reason"] = wake_reason;
    save();
    while (!signals.stop.load() && !signals.reload.load() && now() < wake) {
      signals.sleep_until(real(wake));
    }
    if (signals.stop.load()) break;
    if (signals.reload.exchange(false)) {
      auto fresh = load_config_file(opt.common.config_path);
      if (!fresh) {
        std::string messages;
        for (const auto& e : fresh.error())
          messages += (messages.empty() ? "" : "; ") + e.to_string();
        const std::string why =
            "the new configuration is invalid; keeping the one loaded before: " + messages;
        log("error", "reload", why);
        // Whoever edited the file may be gone by now: the change they meant
        // is not in effect, which the notifications say (on failure).
        auto refused = engine::failed_run(engine::RunMode::run, engine::new_run_id(),
                                          std::chrono::floor<std::chrono::seconds>(now()),
                                          "reload: " + why, true);
        engine::notify_run(config->notify, refused,
                           engine::RunServices{session->get(), &http, &clock});
        for (const auto& e : refused.notification_errors) {
          log("warn", "notify", "notification failed: " + e);
        }
      } else {
        *config = std::move(*fresh);
        log("info", "reload",
            fmt::format("configuration reloaded ({} policies)", config->policies.size()));
        if (failures == 0) {
          auto next = core::next_slot(*config, std::chrono::floor<std::chrono::seconds>(now()));
          // The slot being waited for may have gone with the old policies.
          if (next) {
            wake = next->at;
            wake_reason = "slot of " + next->policy;
          }
        }
      }
      continue;
    }

    const WallTime started = now();
    const double delay_ms = std::chrono::duration<double, std::milli>(started - wake).count();
    status["state"] = "running";
    save();
    log("info", "run-start", fmt::format("run for {} ({:.0f} ms after it)", wake_reason, delay_ms),
        {{"reason", wake_reason}, {"due", iso_ms(wake)}, {"delay_ms", delay_ms}});
    auto summary =
        service.run(*config, std::chrono::floor<std::chrono::seconds>(started), signals.stop);
    const WallTime finished = now();
    metrics.add(summary, unix_seconds(started), unix_seconds(finished));
    const int exit_status = summary.exit_status();
    failures = exit_status == 0 ? 0 : failures + 1;
    nlohmann::ordered_json totals = engine::to_json(summary)["totals"];
    log(exit_status == 0 ? "info" : "error", "run",
        fmt::format("{} (exit {})", engine::one_line(summary), exit_status),
        {{"run_id", summary.run_id},
         {"exit_status", exit_status},
         {"interrupted", summary.interrupted},
         {"totals", totals},
         {"seconds", summary.seconds}});
    if (exit_status != 0) {
      for (const auto& r : summary.results) {
        if (r.outcome == engine::Outcome::failed) {
          log("error", "action",
              fmt::format("failed {} {} {}: {} {}", engine::to_string(r.action), r.region,
                          r.instance_id, r.error_code, r.error_message));
        }
      }
      for (const auto& e : summary.errors) log("error", "run-error", e);
      for (const auto& region : summary.regions) {
        for (const auto& problem : region.problems) {
          log("error", "region", fmt::format("{}: {}", region.region, problem));
        }
      }
    }
    status["consecutive_failures"] = failures;
    status["last_run"] = {{"run_id", summary.run_id},
                          {"started", iso_ms(started)},
                          {"finished", iso_ms(finished)},
                          {"reason", wake_reason},
                          {"delay_ms", delay_ms},
                          {"exit_status", exit_status},
                          {"interrupted", summary.interrupted},
                          {"totals", totals}};
    if (exit_status == 0) status["last_success"] = iso_ms(finished);
    if (signals.stop.load()) break;

    auto next = core::next_slot(*config, std::chrono::floor<std::chrono::seconds>(finished));
    if (failures > 0 && (!next || finished + core::retry_delay(failures, first_retry) < next->at)) {
      wake = finished + core::retry_delay(failures, first_retry);
      wake_reason = fmt::format("retry {} after a failed run", failures);
    } else if (next) {
      wake = next->at;
      wake_reason = "slot of " + next->policy;
    } else {
      log("warn", "idle", "no policy fires again; waiting for a new configuration (SIGHUP)");
      wake = finished + std::chrono::hours(24 * 365);
      wake_reason = "none";
    }
  }
  status["state"] = "stopped";
  status.erase("next_run");
  save();
  log("info", "stop", "stopped");
  return kExitOk;
}

}  // namespace

CommandRunner setup_daemon(CLI::App& sub) {
  auto options = std::make_shared<DaemonOptions>();
  add_common_options(sub, options->common);
  add_shard_options(sub, options->shard);
  sub.add_option("--status-file", options->status_file,
                 "keep the daemon's state here (JSON: next run, last run, failures)");
  sub.add_option("--metrics-file", options->metrics_file,
                 "write Prometheus text metrics here after each run (node_exporter textfile)");
  sub.add_option("--retry-after", options->retry_seconds,
                 "seconds before the first retry of a failed run (doubling, up to 15 minutes)")
      ->check(CLI::Range(0.1, 3600.0))
      ->capture_default_str();
  sub.add_option("--log-format", options->log_format, "log lines as text or JSON")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  return [options] { return daemon_command(*options); };
}

}  // namespace snapkeep::cli
