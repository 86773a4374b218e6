// `snapkeep plan` and `snapkeep run`: one reconcile over the configured
// regions; plan describes, run does (then notifies). Both print the summary
// as text or JSON (docs/output.md) and exit 0, 1 or 2 (cli/app.h).
#include <fmt/format.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <memory>
#include <random>

#include "aws/clock.h"
#include "aws/curl_transport.h"
#include "aws/environment.h"
#include "cli/app.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "cli/progress.h"
#include "engine/aws_session.h"
#include "engine/notify.h"
#include "engine/reconcile.h"

namespace snapkeep::cli {

namespace {

std::atomic<bool> g_stop{false};

extern "C" void on_stop_signal(int) {
  // The first Ctrl-C / SIGTERM stops new actions; a second one ends at once.
  if (g_stop.exchange(true)) std::_Exit(130);
}

std::string new_run_id() {
  std::random_device random;
  return fmt::format("{:08x}", random());
}

int reconcile_command(const CommonOptions& opt, bool execute) {
  auto inputs = read_inputs(opt);
  if (!inputs) return kExitBadInput;
  const core::Time now = inputs->now;
  const core::Config* config = &inputs->config;

  aws::ProcessEnvironment env;
  aws::CurlTransport http;
  aws::Clock& clock = aws::system_clock();
  AwsContext aws_context;
  if (int status = open_aws(opt, *config, env, http, clock, aws_context); status != kExitOk) {
    return status;
  }
  auto& session = aws_context.session;
  auto& factory = aws_context.factory;

  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);
  engine::ReconcileOptions options;
  options.execute = execute;
  options.now = now;
  options.run_id = new_run_id();
  options.regions = aws_context.regions;
  // EC2 asks for at least 15 s; a test against an emulator need not wait.
  if (auto wait = aws::env_milliseconds(env, "SNAPKEEP_VOLUME_RATE_WAIT_MS")) {
    options.executor.limit_wait = *wait;
  }
  const bool json = opt.output == "json";
  ProgressLine progress(stderr, execute && ProgressLine::wanted(stderr, opt.quiet, json),
                        ProgressLine::terminal_width(stderr));
  options.progress = [&progress](const engine::RegionProgress& p) { progress.update(p); };
  auto summary = engine::reconcile(*config, options, factory, clock, g_stop);
  progress.finish();
  if (execute) {
    summary.notification_errors =
        engine::send_notifications(config->notify, summary, *session, http, clock);
  }
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);

  if (opt.output == "json") {
    fmt::print("{}\n", engine::to_json(summary).dump(2));
  } else if (opt.quiet) {
    for (const auto& r : summary.results) {
      if (r.outcome == engine::Outcome::failed) {
        fmt::print("failed {} {} {} {}: {} {}\n", r.action, r.region, r.instance_id,
                   fmt::join(r.snapshot_ids, " "), r.error_code, r.error_message);
      }
    }
    fmt::print("{}\n", engine::one_line(summary));
  } else {
    fmt::print("{}", engine::render_text(summary, opt.verbose));
  }
  std::fflush(stdout);
  return summary.exit_status();
}

}  // namespace

CommandRunner setup_plan(CLI::App& sub) {
  auto options = std::make_shared<CommonOptions>();
  add_common_options(sub, *options);
  return [options] { return reconcile_command(*options, false); };
}

CommandRunner setup_run(CLI::App& sub) {
  auto options = std::make_shared<CommonOptions>();
  add_common_options(sub, *options);
  return [options] { return reconcile_command(*options, true); };
}

}  // namespace snapkeep::cli
