// `snapkeep plan` and `snapkeep run`: one engine::run_once over the
// configured targets; plan describes, run does (then notifies). Both print
// the summary as text or JSON (docs/output.md) and exit 0, 1 or 2
// (cli/app.h). What went wrong is printed even with --quiet.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <memory>
#include <optional>
#include <vector>

#include "aws/clock.h"
#include "aws/curl_transport.h"
#include "aws/environment.h"
#include "cli/app.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "cli/progress.h"
#include "engine/metrics.h"
#include "engine/render.h"
#include "engine/run.h"

namespace snapkeep::cli {

namespace {

std::atomic<bool> g_stop{false};

extern "C" void on_stop_signal(int) {
  // The first Ctrl-C / SIGTERM stops new actions; a second one ends at once.
  if (g_stop.exchange(true)) std::_Exit(130);
}

void print_summary(const CommonOptions& opt, const engine::RunSummary& summary) {
  if (opt.output == "json") {
    // stdout is for the script; whoever watches it still sees what went wrong.
    for (const auto& e : summary.errors) fmt::print(stderr, "snapkeep: {}\n", e);
    fmt::print("{}\n", engine::to_json(summary).dump(2));
  } else if (opt.quiet) {
    fmt::print("{}", engine::render_quiet(summary));
  } else {
    fmt::print("{}", engine::render_text(summary, opt.verbose));
  }
  std::fflush(stdout);
}

// `run` with an invalid configuration (say from cron): still tells the
// webhook / SNS topic the file names, if it names any. Returns kExitBadInput.
int report_invalid_config(const CommonOptions& opt, core::Time now,
                          const std::vector<core::ConfigError>& errors, aws::HttpTransport& http,
                          aws::Clock& clock, const aws::Environment& env) {
  for (const auto& e : errors) fmt::print(stderr, "{}\n", e.to_string());
  notify_invalid_config(opt, now, errors, http, clock, env);
  return kExitBadInput;
}

// --metrics-file: the run's Prometheus text (engine/metrics.h), written
// atomically for node_exporter's textfile collector. False when it failed.
bool write_metrics(const std::string& path, const engine::RunSummary& summary, double started,
                   double finished) {
  engine::RunMetrics metrics;
  metrics.add(summary, started, finished);
  std::string why;
  if (write_file_atomically(path, metrics.render(), why)) return true;
  fmt::print(stderr, "snapkeep: --metrics-file: {}\n", why);
  return false;
}

double unix_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

struct PlanRunOptions {
  CommonOptions common;
  ShardOptions shard;
  std::string metrics_file;  // run only
};

int reconcile_command(const PlanRunOptions& options, engine::RunMode mode) {
  const CommonOptions& opt = options.common;
  const std::string& metrics_file = options.metrics_file;
  if (!check_common_options(opt)) return kExitBadInput;
  auto now = resolve_now(opt.now);
  if (!now) return kExitBadInput;
  aws::ProcessEnvironment env;
  auto shard = resolve_shard(options.shard, env);
  if (!shard) {
    fmt::print(stderr, "snapkeep: {}\n", shard.error());
    return kExitBadInput;
  }
  aws::CurlTransport http;
  aws::Clock& clock = aws::system_clock();
  auto config = load_config_file(opt.config_path);
  if (!config) {
    if (mode == engine::RunMode::plan) {
      for (const auto& e : config.error()) fmt::print(stderr, "{}\n", e.to_string());
      return kExitBadInput;
    }
    return report_invalid_config(opt, *now, config.error(), http, clock, env);
  }
  std::optional<CommandInputs> inputs = CommandInputs{*now, std::move(*config)};
  engine::RunRequest request;
  request.config = &inputs->config;
  request.mode = mode;
  request.now = inputs->now;
  request.run_id = engine::new_run_id();
  request.regions = opt.regions;
  request.accounts = opt.accounts;
  request.shard = *shard;
  request.stop = &g_stop;
  // EC2 asks for at least 15 s; a test against an emulator need not wait.
  if (auto wait = aws::env_milliseconds(env, "SNAPKEEP_VOLUME_RATE_WAIT_MS")) {
    request.executor.limit_wait = *wait;
  }

  auto session = open_session(opt, env, http, clock);
  engine::RunServices services{nullptr, &http, &clock};
  if (!session) {
    // Nothing can be asked of AWS, but a webhook can still hear why.
    auto summary = notify_no_session(inputs->config.notify, mode, request.run_id, request.now,
                                     session.error(), http, clock);
    print_summary(opt, summary);
    return summary.exit_status();
  }
  services.access = session->get();

  const bool json = opt.output == "json";
  ProgressLine progress(
      stderr, mode == engine::RunMode::run && ProgressLine::wanted(stderr, opt.quiet, json),
      ProgressLine::terminal_width(stderr));
  request.progress = [&progress](const engine::RegionProgress& p) { progress.update(p); };
  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);
  const double started = unix_now();
  auto summary = engine::run_once(request, services);
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  progress.finish();
  print_summary(opt, summary);
  if (!metrics_file.empty() && !write_metrics(metrics_file, summary, started, unix_now())) {
    return std::max(summary.exit_status(), 1);
  }
  return summary.exit_status();
}

}  // namespace

CommandRunner setup_plan(CLI::App& sub) {
  auto options = std::make_shared<PlanRunOptions>();
  add_common_options(sub, options->common);
  add_shard_options(sub, options->shard);
  return [options] { return reconcile_command(*options, engine::RunMode::plan); };
}

CommandRunner setup_run(CLI::App& sub) {
  auto options = std::make_shared<PlanRunOptions>();
  add_common_options(sub, options->common);
  add_shard_options(sub, options->shard);
  sub.add_option("--metrics-file", options->metrics_file,
                 "write the run's Prometheus text metrics here (node_exporter textfile)");
  return [options] { return reconcile_command(*options, engine::RunMode::run); };
}

}  // namespace snapkeep::cli
