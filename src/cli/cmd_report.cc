// `snapkeep report`: coverage and RPO of every instance in every configured
// (account, region), as text, JSON (docs/output.md) or one self-contained
// HTML page (docs/report.md). Read-only. Exit 0 when every selected instance
// is ok, 1 when any is late or missing or a region could not be listed, 2
// for bad input.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <memory>

#include "aws/clock.h"
#include "aws/curl_transport.h"
#include "aws/environment.h"
#include "cli/app.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "core/report.h"
#include "engine/report.h"
#include "engine/report_render.h"

namespace snapkeep::cli {

namespace {

struct ReportFlags {
  CommonOptions common;
  std::string out_path;  // --out: write here instead of stdout
};

int report_command(const ReportFlags& flags) {
  const CommonOptions& opt = flags.common;
  auto inputs = read_inputs(opt);
  if (!inputs) return kExitBadInput;
  const core::Time now = inputs->now;

  aws::ProcessEnvironment env;
  aws::CurlTransport http;
  AwsContext context;
  if (int status = open_aws(opt, inputs->config, env, http, aws::system_clock(), context);
      status != kExitOk) {
    return status;
  }
  auto listing = engine::list_report_regions(inputs->config, context.targets, context.factory);
  const auto report = core::build_report(inputs->config, listing.regions, now);

  engine::ReportMeta meta;
  meta.generated_at = core::format_slot(
      std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now()));
  meta.config_path = opt.config_path;
  meta.version = SNAPKEEP_VERSION;
  meta.api_calls = listing.api_calls;

  for (const auto& r : report.regions) {
    if (!r.complete) fmt::print(stderr, "snapkeep: {}: {}\n", r.region, r.problem);
  }
  std::string text;
  if (opt.output == "json") {
    text = engine::to_json(report, meta).dump(2) + "\n";
  } else if (opt.output == "html") {
    text = engine::render_html(report, meta);
  } else {
    text = engine::render_text(report, opt.verbose, meta);
    // --quiet: the summary alone (it ends at the first blank line).
    if (const auto end = text.find("\n\n"); opt.quiet && end != std::string::npos) {
      text.resize(end + 1);
    }
  }
  if (flags.out_path.empty()) {
    fmt::print("{}", text);
    std::fflush(stdout);
  } else {
    std::string why;
    if (!write_file_atomically(flags.out_path, text, why)) {
      fmt::print(stderr, "snapkeep: {}\n", why);
      return kExitBadInput;
    }
    // Where it went, and the one-line summary, for people and cron mail.
    fmt::print(stderr, "snapkeep: report written to {}: {} of {} selected instances ok\n",
               flags.out_path, report.summary.ok, report.selected);
  }
  return report.exit_status();
}

}  // namespace

CommandRunner setup_report(CLI::App& sub) {
  auto flags = std::make_shared<ReportFlags>();
  add_common_options(sub, flags->common);
  // The report has a third format: the HTML page.
  CLI::Option* output = sub.get_option("--output");
  output->get_validator(0)->active(false);
  output->check(CLI::IsMember({"text", "json", "html"}));
  sub.add_option("--out", flags->out_path, "write the report to this file instead of stdout");
  return [flags] { return report_command(*flags); };
}

}  // namespace snapkeep::cli
