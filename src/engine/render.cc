#include "engine/render.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <optional>
#include <set>

#include "core/drill.h"
#include "util/utc_time.h"

namespace snapkeep::engine {

namespace {

std::optional<std::int64_t> age_seconds(const core::RestorePoint& point, core::Time now) {
  if (!point.slot_time) return std::nullopt;
  return (now - *point.slot_time).count();
}

// The point's state, and its last drill when there was one ("good, drill pass 42s").
std::string state_text(const core::RestorePoint& p) {
  std::string text(core::to_string(p.state));
  if (auto drill = core::parse_drill(p.drill)) {
    text += fmt::format(", drill {} {}s", drill->passed ? "pass" : "FAIL", drill->seconds);
  }
  return text;
}

nlohmann::json drill_json(const std::string& value) {
  auto drill = core::parse_drill(value);
  if (!drill) return nullptr;
  return {{"result", drill->passed ? "pass" : "fail"},
          {"at", core::format_slot(drill->at)},
          {"seconds", drill->seconds},
          {"reason", drill->reason}};
}

std::string volumes_text(const core::RestorePoint& point) {
  std::vector<std::string> devices;
  for (const auto& s : point.snapshots)
    devices.push_back(s.device.empty() ? s.volume_id : s.device);
  return fmt::format("{} ({})", point.snapshots.size(), fmt::join(devices, ","));
}

std::string failed_action_line(const ActionResult& r) {
  return fmt::format("failed {} {} {} {}: {} {}\n", to_string(r.action), r.region, r.instance_id,
                     fmt::join(r.snapshot_ids, " "), r.error_code, r.error_message);
}

std::string warning_lines(const RunSummary& s, bool failures_only) {
  std::string out;
  for (const auto& w : s.warnings) {
    if (failures_only && w.level != RunWarning::Level::failure) continue;
    out += warning_line(w) + "\n";
  }
  return out;
}

// "copies daily us-east-1 -> 123456789012:us-west-2: 3 started, 2 pending,
// 0 waiting, 0 failed, 1 deleted", then the target's problems.
std::string copy_target_lines(const RunSummary& s, bool problems_only) {
  std::string out;
  for (const auto& c : s.copies) {
    const std::string target = fmt::format("copies {} {} -> {}:{}", c.policy, c.source_region,
                                           c.destination_account, c.destination_region);
    if (!problems_only) {
      out += fmt::format("{}: {} {}, {} pending, {} waiting, {} failed, {} {}", target, c.started,
                         s.mode == RunMode::plan ? "to start" : "started", c.pending, c.waiting,
                         c.failed, c.deleted, s.mode == RunMode::plan ? "to delete" : "deleted");
      if (c.refused > 0) out += fmt::format(", {} refused", c.refused);
      if (c.shares_added > 0 || c.shares_removed > 0) {
        out += fmt::format(", {} shared, {} unshared", c.shares_added, c.shares_removed);
      }
      out += "\n";
    }
    for (const auto& p : c.problems) out += fmt::format("{}: {}\n", target, p);
  }
  return out;
}

// " shard 1/3" after the mode in one_line(), so that the N shards'
// notifications can be told apart.
std::string shard_words(const RunSummary& s) {
  return s.shard ? fmt::format(" shard {}/{}", s.shard->index, s.shard->count) : "";
}

std::string error_lines(const RunSummary& s) {
  std::string out;
  for (const auto& e : s.errors) out += fmt::format("error: {}\n", e);
  for (const auto& e : s.notification_errors) out += fmt::format("notification failed: {}\n", e);
  return out;
}

}  // namespace

std::string warning_line(const RunWarning& w) {
  std::string where;
  for (const std::string* part : {&w.region, &w.policy, &w.instance_id}) {
    if (part->empty()) continue;
    where += where.empty() ? "" : " ";
    where += *part;
  }
  return fmt::format("{}: {}{}{}", to_string(w.level), where, where.empty() ? "" : ": ", w.message);
}

nlohmann::json to_json(const RunSummary& s) {
  using nlohmann::json;
  json out;
  out["mode"] = to_string(s.mode);
  out["run_id"] = s.run_id;
  out["now"] = s.now;
  out["exit_status"] = s.exit_status();
  out["interrupted"] = s.interrupted;
  out["seconds"] = s.seconds;
  json totals = json::object();
  for (auto o : {Outcome::planned, Outcome::created, Outcome::started, Outcome::deleted,
                 Outcome::tagged, Outcome::skipped, Outcome::failed}) {
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
              {"action", to_string(r.action)},
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
  json copies = json::array();
  for (const auto& c : s.copies) {
    copies.push_back(
        {{"policy", c.policy},
         {"source", {{"account", c.source_account}, {"region", c.source_region}}},
         {"destination", {{"account", c.destination_account}, {"region", c.destination_region}}},
         {"started", c.started},
         {"pending", c.pending},
         {"waiting", c.waiting},
         {"failed", c.failed},
         {"deleted", c.deleted},
         {"refused", c.refused},
         {"shares_added", c.shares_added},
         {"shares_removed", c.shares_removed},
         {"complete", c.complete},
         {"problems", c.problems}});
  }
  out["copies"] = copies;
  json warnings = json::array();
  for (const auto& w : s.warnings) {
    warnings.push_back({{"level", to_string(w.level)},
                        {"account", w.account},
                        {"region", w.region},
                        {"policy", w.policy},
                        {"instance_id", w.instance_id},
                        {"message", w.message}});
  }
  out["warnings"] = warnings;
  out["errors"] = s.errors;
  out["notification_errors"] = s.notification_errors;
  json calls = json::object();
  for (const auto& [action, c] : s.api_calls) {
    calls[action] = {{"calls", c.calls},
                     {"retries", c.retries},
                     {"throttled", c.throttled},
                     {"failed", c.failed}};
  }
  out["api_calls"] = calls;
  if (s.shard) {
    const ShardReport& r = *s.shard;
    out["shard"] = {{"index", r.index},
                    {"count", r.count},
                    {"by", r.by},
                    {"targets", r.targets},
                    {"targets_total", r.targets_total},
                    {"instances", r.instances},
                    {"instances_listed", r.instances_listed},
                    {"snapshots", r.snapshots},
                    {"snapshots_listed", r.snapshots_listed}};
  } else {
    out["shard"] = nullptr;
  }
  return out;
}

std::string shard_line(const ShardReport& r) {
  if (r.by == "instance") {
    return fmt::format(
        "shard {}/{} by instance: {} of {} instances and {} of {} snapkeep snapshots in {} "
        "target{} ({})",
        r.index, r.count, r.instances, r.instances_listed, r.snapshots, r.snapshots_listed,
        r.targets.size(), r.targets.size() == 1 ? "" : "s", fmt::join(r.targets, ", "));
  }
  return fmt::format("shard {}/{} by target: {} of {} target{}{}{}", r.index, r.count,
                     r.targets.size(), r.targets_total, r.targets_total == 1 ? "" : "s",
                     r.targets.empty() ? "" : ": ", fmt::join(r.targets, ", "));
}

std::string one_line(const RunSummary& s) {
  std::vector<std::string> parts;
  auto add = [&](Outcome o, std::string_view word) {
    if (auto n = s.count(o); n > 0) parts.push_back(fmt::format("{} {}", n, word));
  };
  add(Outcome::planned, "planned");
  add(Outcome::created, "created");
  add(Outcome::started, "copies started");
  add(Outcome::deleted, "deleted");
  // Device tags are bookkeeping, not news: they stay out of the one line.
  add(Outcome::skipped, "skipped");
  add(Outcome::failed, "failed");
  auto incomplete = std::count_if(s.regions.begin(), s.regions.end(),
                                  [](const RegionReport& r) { return !r.complete; });
  if (incomplete > 0) parts.push_back(fmt::format("{} region(s) incomplete", incomplete));
  if (!s.warnings.empty()) {
    parts.push_back(
        fmt::format("{} warning{}", s.warnings.size(), s.warnings.size() == 1 ? "" : "s"));
  }
  if (s.interrupted) parts.push_back("interrupted");
  if (!s.errors.empty()) {
    // Nothing worked on: the first error says why.
    if (s.results.empty() && s.regions.empty()) {
      return fmt::format("{}{}: failed: {}", to_string(s.mode), shard_words(s), s.errors.front());
    }
    parts.push_back(fmt::format("{} error{}", s.errors.size(), s.errors.size() == 1 ? "" : "s"));
  }
  std::string body = parts.empty() ? "nothing to do" : fmt::format("{}", fmt::join(parts, ", "));
  return fmt::format("{}{}: {} in {} region{}", to_string(s.mode), shard_words(s), body,
                     s.regions.size(), s.regions.size() == 1 ? "" : "s");
}

std::string render_quiet(const RunSummary& s) {
  std::string out;
  for (const auto& r : s.results) {
    if (r.outcome == Outcome::failed) out += failed_action_line(r);
  }
  out += warning_lines(s, true);
  out += copy_target_lines(s, true);
  for (const auto& r : s.regions) {
    for (const auto& p : r.problems) out += fmt::format("{} {}: {}\n", r.account, r.region, p);
  }
  out += error_lines(s);
  out += one_line(s) + "\n";
  return out;
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
    std::string outcome = fmt::format("{} {}", to_string(r.outcome), to_string(r.action));
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
  out += copy_target_lines(s, false);
  out += warning_lines(s, false);
  for (const auto& r : s.regions) {
    for (const auto& p : r.problems) out += fmt::format("{} {}: {}\n", r.account, r.region, p);
  }
  out += error_lines(s);
  if (s.shard) out += shard_line(*s.shard) + "\n";
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

std::string format_age(std::chrono::seconds age) {
  using namespace std::chrono;
  const bool future = age < seconds{0};
  const auto a = future ? -age : age;
  const auto d = duration_cast<days>(a);
  const auto h = duration_cast<hours>(a - d);
  const auto m = duration_cast<minutes>(a - d - h);
  std::string text;
  if (d.count() > 0) {
    text = fmt::format("{}d {}h", d.count(), h.count());
  } else if (h.count() > 0) {
    text = fmt::format("{}h {}m", h.count(), m.count());
  } else {
    text = fmt::format("{}m", m.count());
  }
  return future ? "in " + text : text;
}

namespace {

nlohmann::json snapshots_json(const std::vector<core::PointSnapshot>& snapshots) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& s : snapshots) {
    nlohmann::json snapshot = {{"snapshot_id", s.snapshot_id},
                               {"volume_id", s.volume_id},
                               {"device", s.device},
                               {"state", core::to_string(s.state)},
                               {"size_gib", s.size_gib}};
    if (!s.copy_of.empty()) snapshot["source_snapshot_id"] = s.copy_of;
    out.push_back(std::move(snapshot));
  }
  return out;
}

nlohmann::json point_json(const std::string& account, const std::string& region,
                          const core::RestorePoint& p, core::Time now) {
  using nlohmann::json;
  auto age = age_seconds(p, now);
  return {{"account", account},
          {"region", region},
          {"policy", p.policy},
          {"instance_id", p.instance_id},
          {"slot", p.slot},
          {"set_id", p.set_id},
          {"state", core::to_string(p.state)},
          {"age_seconds", age ? json(*age) : json(nullptr)},
          {"size_gib", p.size_gib()},
          {"last_drill", drill_json(p.drill)},
          {"snapshots", snapshots_json(p.snapshots)}};
}

// Where copies are, as the text names it: the region alone in the source's
// account, else "<account>/<region>".
std::string place_text(const std::string& account, const std::string& region,
                       const std::string& source_account) {
  return account.empty() || account == source_account ? region : account + "/" + region;
}

// "copies: us-west-2 completed (2/2 snapshots), 222222222222/eu-west-1 pending (0/2 snapshots)"
std::string copies_text(const std::string& source_account, const core::RestorePoint& p) {
  std::vector<std::string> parts;
  for (const auto& c : p.copies) {
    parts.push_back(fmt::format("{} {} ({}/{} snapshots)",
                                place_text(c.account, c.region, source_account),
                                core::to_string(c.state), c.completed, c.source_snapshots));
  }
  return fmt::format("copies: {}", fmt::join(parts, ", "));
}

std::string source_text(const core::CopyWithoutSource& c) {
  switch (c.source) {
    case core::CopyWithoutSource::Source::gone:
      return c.source_region + " gone";
    case core::CopyWithoutSource::Source::unknown:
      return c.source_region + " not listed (its listing failed)";
    case core::CopyWithoutSource::Source::not_listed:
      return c.source_region + " not listed";
  }
  return c.source_region;
}

// Rows aligned in columns of the widest cell, column `right_aligned` (a
// size) to the right; after[i], when not empty, is a line of its own after
// row i, indented by two spaces.
std::string aligned(const std::vector<std::vector<std::string>>& rows,
                    const std::vector<std::string>& after, std::size_t right_aligned) {
  std::vector<std::size_t> width(rows.front().size(), 0);
  for (const auto& row : rows) {
    for (std::size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
  }
  std::string out;
  for (std::size_t r = 0; r < rows.size(); ++r) {
    std::string line;
    for (std::size_t c = 0; c < rows[r].size(); ++c) {
      if (c + 1 == rows[r].size() && c != right_aligned) {
        line += rows[r][c];  // the last column needs no padding
      } else if (c == right_aligned) {
        line += fmt::format("{:>{}}", rows[r][c], width[c]);
        if (c + 1 < rows[r].size()) line += "  ";
      } else {
        line += fmt::format("{:<{}}  ", rows[r][c], width[c]);
      }
    }
    out += line + "\n";
    if (r < after.size() && !after[r].empty()) out += "  " + after[r] + "\n";
  }
  return out;
}

std::string plural(std::size_t n, std::string_view one, std::string_view many) {
  return fmt::format("{} {}", n, n == 1 ? one : many);
}

}  // namespace

nlohmann::json to_json(const Listing& listing, core::Time now) {
  using nlohmann::json;
  json regions = json::array();
  json points = json::array();
  for (const auto& r : listing.regions) {
    json region = {{"account", r.account}, {"region", r.region}, {"complete", r.complete}};
    if (!r.complete) region["problem"] = r.problem;
    regions.push_back(std::move(region));
    for (const auto& p : r.points) {
      json point = point_json(r.account, r.region, p, now);
      json copies = json::array();
      for (const auto& c : p.copies) {
        copies.push_back({{"account", c.account},
                          {"region", c.region},
                          {"state", core::to_string(c.state)},
                          {"completed", c.completed},
                          {"source_snapshots", c.source_snapshots},
                          {"snapshots", snapshots_json(c.snapshots)}});
      }
      point["copies"] = std::move(copies);
      points.push_back(std::move(point));
    }
  }
  json copy_regions = json::array();
  for (const auto& c : listing.copy_regions) {
    json region = {{"account", c.account}, {"region", c.region}, {"complete", c.complete}};
    if (!c.role_arn.empty()) region["role_arn"] = c.role_arn;
    if (!c.complete) region["problem"] = c.problem;
    copy_regions.push_back(std::move(region));
  }
  json without_source = json::array();
  for (const auto& c : listing.copies_without_source) {
    json point = point_json(c.account, c.region, c.point, now);
    point["source_account"] = c.source_account;
    point["source_region"] = c.source_region;
    point["source"] = core::to_string(c.source);
    without_source.push_back(std::move(point));
  }
  return {
      {"now", util::format_utc_seconds(now)}, {"exit_status", listing.exit_status()},
      {"regions", std::move(regions)},        {"copy_regions", std::move(copy_regions)},
      {"restore_points", std::move(points)},  {"copies_without_source", std::move(without_source)}};
}

std::string render_text(const Listing& listing, core::Time now) {
  auto age_text = [&](const core::RestorePoint& p) -> std::string {
    auto age = age_seconds(p, now);
    return age ? format_age(std::chrono::seconds{*age}) : "?";
  };
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> after;
  rows.push_back({"REGION", "POLICY", "INSTANCE", "SLOT", "AGE", "VOLUMES", "STATE", "SIZE"});
  after.emplace_back();
  std::set<std::pair<std::string, std::string>> instances;
  for (const auto& r : listing.regions) {
    for (const auto& p : r.points) {
      rows.push_back({r.region, p.policy, p.instance_id, p.slot, age_text(p), volumes_text(p),
                      state_text(p), fmt::format("{} GiB", p.size_gib())});
      after.push_back(p.copies.empty() ? std::string() : copies_text(r.account, p));
      instances.emplace(r.region, p.instance_id);
    }
  }
  std::string out;
  if (rows.size() > 1) out += aligned(rows, after, 7);
  if (!listing.copies_without_source.empty()) {
    std::vector<std::vector<std::string>> copies;
    copies.push_back(
        {"REGION", "POLICY", "INSTANCE", "SLOT", "AGE", "VOLUMES", "STATE", "SIZE", "SOURCE"});
    for (const auto& c : listing.copies_without_source) {
      const core::RestorePoint& p = c.point;
      copies.push_back({place_text(c.account, c.region, c.source_account), p.policy, p.instance_id,
                        p.slot, age_text(p), volumes_text(p), state_text(p),
                        fmt::format("{} GiB", p.size_gib()), source_text(c)});
    }
    if (!out.empty()) out += "\n";
    out += "COPIES WITHOUT THEIR SOURCE POINT (snapkeep restore --from-copy REGION)\n";
    out += aligned(copies, {}, 7);
  }
  std::size_t complete = 0;
  for (const auto& r : listing.regions) complete += r.complete ? 1 : 0;
  out += fmt::format("{} of {} in {}", plural(rows.size() - 1, "restore point", "restore points"),
                     plural(instances.size(), "instance", "instances"),
                     plural(complete, "region", "regions"));
  if (!listing.copies_without_source.empty()) {
    out += fmt::format(", {} without its source point",
                       plural(listing.copies_without_source.size(), "copy", "copies"));
  }
  std::vector<std::string> problems;
  if (complete < listing.regions.size()) {
    problems.push_back(fmt::format("{} could not be listed",
                                   plural(listing.regions.size() - complete, "region", "regions")));
  }
  const auto failed_copies = std::ranges::count_if(
      listing.copy_regions, [](const CopyRegionListing& c) { return !c.complete; });
  if (failed_copies > 0) {
    problems.push_back(
        fmt::format("copies in {} could not be listed",
                    plural(static_cast<std::size_t>(failed_copies), "region", "regions")));
  }
  if (!problems.empty()) out += fmt::format(" ({})", fmt::join(problems, "; "));
  out += "\n";
  return out;
}

}  // namespace snapkeep::engine
