#include "engine/summary.h"

#include <fmt/format.h>

#include <algorithm>

namespace snapkeep::engine {

std::string_view to_string(Outcome outcome) {
  switch (outcome) {
    case Outcome::planned:
      return "planned";
    case Outcome::created:
      return "created";
    case Outcome::deleted:
      return "deleted";
    case Outcome::tagged:
      return "tagged";
    case Outcome::skipped:
      return "skipped";
    case Outcome::failed:
      return "failed";
  }
  return "failed";
}

std::int64_t RunSummary::count(Outcome outcome) const {
  return std::count_if(results.begin(), results.end(),
                       [&](const ActionResult& r) { return r.outcome == outcome; });
}

bool RunSummary::has_failures() const {
  if (interrupted) return true;
  if (std::any_of(regions.begin(), regions.end(),
                  [](const RegionReport& r) { return !r.complete; })) {
    return true;
  }
  return count(Outcome::failed) > 0;
}

bool RunSummary::has_limit_skips() const {
  return std::any_of(results.begin(), results.end(), [](const ActionResult& r) { return r.limit; });
}

int RunSummary::exit_status() const {
  // Exit 0 is a promise that nothing planned was left undone: a run that had
  // to leave work for the next run (a limit) says so with 1 too.
  if (has_failures() || has_limit_skips() || !notification_errors.empty()) return 1;
  return 0;
}

void add_api_calls(std::map<std::string, ApiCalls>& total,
                   const std::map<std::string, ApiCalls>& more) {
  for (const auto& [action, c] : more) {
    auto& mine = total[action];
    mine.calls += c.calls;
    mine.retries += c.retries;
    mine.throttled += c.throttled;
    mine.failed += c.failed;
  }
}

void RunSummary::merge(RunSummary other) {
  for (auto& r : other.regions) regions.push_back(std::move(r));
  for (auto& r : other.results) results.push_back(std::move(r));
  for (auto& e : other.notification_errors) notification_errors.push_back(std::move(e));
  add_api_calls(api_calls, other.api_calls);
  interrupted = interrupted || other.interrupted;
}

nlohmann::json to_json(const RunSummary& s) {
  using nlohmann::json;
  json out;
  out["mode"] = s.mode;
  out["run_id"] = s.run_id;
  out["now"] = s.now;
  out["exit_status"] = s.exit_status();
  out["interrupted"] = s.interrupted;
  out["seconds"] = s.seconds;
  json totals = json::object();
  for (auto o : {Outcome::planned, Outcome::created, Outcome::deleted, Outcome::tagged,
                 Outcome::skipped, Outcome::failed}) {
    totals[std::string(to_string(o))] = s.count(o);
  }
  out["totals"] = totals;
  json regions = json::array();
  for (const auto& r : s.regions) {
    regions.push_back({{"account", r.account},
                       {"region", r.region},
                       {"complete", r.complete},
                       {"problems", r.problems},
                       {"instances", r.instances},
                       {"snapshots", r.snapshots}});
  }
  out["regions"] = regions;
  json actions = json::array();
  for (const auto& r : s.results) {
    json a = {{"outcome", to_string(r.outcome)},
              {"action", r.action},
              {"account", r.account},
              {"region", r.region},
              {"policy", r.policy},
              {"instance_id", r.instance_id},
              {"snapshot_ids", r.snapshot_ids},
              {"set_id", r.set_id},
              {"slot", r.slot},
              {"reason", r.reason},
              {"limit", r.limit}};
    if (!r.error_code.empty() || !r.error_message.empty()) {
      a["error"] = {
          {"code", r.error_code}, {"message", r.error_message}, {"request_id", r.request_id}};
    }
    actions.push_back(std::move(a));
  }
  out["actions"] = actions;
  out["notification_errors"] = s.notification_errors;
  json calls = json::object();
  for (const auto& [action, c] : s.api_calls) {
    calls[action] = {{"calls", c.calls},
                     {"retries", c.retries},
                     {"throttled", c.throttled},
                     {"failed", c.failed}};
  }
  out["api_calls"] = calls;
  return out;
}

std::string one_line(const RunSummary& s) {
  std::vector<std::string> parts;
  auto add = [&](Outcome o, std::string_view word) {
    if (auto n = s.count(o); n > 0) parts.push_back(fmt::format("{} {}", n, word));
  };
  add(Outcome::planned, "planned");
  add(Outcome::created, "created");
  add(Outcome::deleted, "deleted");
  // Device tags are bookkeeping, not news: they stay out of the one line.
  add(Outcome::skipped, "skipped");
  add(Outcome::failed, "failed");
  auto incomplete = std::count_if(s.regions.begin(), s.regions.end(),
                                  [](const RegionReport& r) { return !r.complete; });
  if (incomplete > 0) parts.push_back(fmt::format("{} region(s) incomplete", incomplete));
  if (s.interrupted) parts.push_back("interrupted");
  std::string body = parts.empty() ? "nothing to do" : fmt::format("{}", fmt::join(parts, ", "));
  return fmt::format("{}: {} in {} region{}", s.mode, body, s.regions.size(),
                     s.regions.size() == 1 ? "" : "s");
}

std::string render_text(const RunSummary& s, bool verbose) {
  std::string out;
  // Columns sized to their widest cell so the table reads well in a terminal.
  struct Row {
    std::string outcome, region, policy, instance, detail;
  };
  std::vector<Row> rows;
  for (const auto& r : s.results) {
    if (!verbose && r.outcome == Outcome::skipped && !r.limit && r.error_code.empty()) continue;
    std::string detail = r.reason;
    if (!r.snapshot_ids.empty()) {
      detail += detail.empty() ? "" : " ";
      detail += fmt::format("[{}]", fmt::join(r.snapshot_ids, " "));
    }
    if (!r.error_code.empty() || !r.error_message.empty()) {
      detail += fmt::format(" - {}{}{}", r.error_code, r.error_message.empty() ? "" : ": ",
                            r.error_message);
      if (!r.request_id.empty()) detail += fmt::format(" (request id {})", r.request_id);
    }
    std::string outcome = std::string(to_string(r.outcome)) + " " + r.action;
    rows.push_back({outcome, r.region, r.policy, r.instance_id, detail});
  }
  std::size_t w[4] = {6, 6, 6, 8};
  for (const auto& r : rows) {
    w[0] = std::max(w[0], r.outcome.size());
    w[1] = std::max(w[1], r.region.size());
    w[2] = std::max(w[2], r.policy.size());
    w[3] = std::max(w[3], r.instance.size());
  }
  if (!rows.empty()) {
    out += fmt::format("{:<{}}  {:<{}}  {:<{}}  {:<{}}  {}\n", "ACTION", w[0], "REGION", w[1],
                       "POLICY", w[2], "INSTANCE", w[3], "DETAIL");
    for (const auto& r : rows) {
      out += fmt::format("{:<{}}  {:<{}}  {:<{}}  {:<{}}  {}\n", r.outcome, w[0], r.region, w[1],
                         r.policy, w[2], r.instance, w[3], r.detail);
    }
  }
  for (const auto& r : s.regions) {
    for (const auto& p : r.problems) out += fmt::format("{} {}: {}\n", r.account, r.region, p);
  }
  for (const auto& e : s.notification_errors) out += fmt::format("notification failed: {}\n", e);
  if (verbose && !s.api_calls.empty()) {
    out += "API calls:\n";
    for (const auto& [action, c] : s.api_calls) {
      out += fmt::format("  {:<24} {:>7} calls {:>5} retries {:>5} throttled {:>5} failed\n",
                         action, c.calls, c.retries, c.throttled, c.failed);
    }
  }
  out += one_line(s) + "\n";
  return out;
}

}  // namespace snapkeep::engine
