#include "engine/drill.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>

#include "core/retention.h"
#include "engine/inventory.h"
#include "engine/notify_message.h"

namespace snapkeep::engine {

namespace {

struct Drill {
  DrillResult result;
  const core::Candidate* point = nullptr;
  std::optional<core::VolumePlan> plan;
  std::vector<core::RestoredVolume> volumes;
  std::size_t ready = 0;
};

// Deletes drill volumes whose time is up (a crashed drill's, or kept ones).
void delete_leftovers(const aws::Ec2& ec2, core::Time now, DrillReport& report) {
  aws::DescribeVolumesRequest request;
  request.filters.push_back({"tag-key", {std::string(kDrillExpiresTag)}});
  auto volumes = ec2.describe_volumes(request);
  if (!volumes) {
    report.problems.push_back("listing leftover drill volumes failed: " +
                              volumes.error().describe());
    return;
  }
  for (const auto& v : *volumes) {
    std::string expires;
    for (const auto& t : v.tags) {
      if (t.key == kDrillExpiresTag) expires = t.value;
    }
    auto at = core::parse_slot(expires);
    if (at && *at > now) continue;
    if (v.state != "available" && v.state != "error") continue;  // creating, or attached by someone
    auto deleted = ec2.delete_volume(v.id);
    if (deleted) {
      ++report.leftovers_deleted;
    } else if (deleted.error().kind != aws::ErrorKind::not_found) {
      report.problems.push_back(fmt::format("deleting leftover drill volume {} failed: {}", v.id,
                                            deleted.error().describe()));
    }
  }
}

}  // namespace

int DrillReport::exit_status() const {
  if (!problems.empty()) return 1;
  return std::ranges::all_of(results, &DrillResult::passed) ? 0 : 1;
}

DrillReport run_drills(const aws::Ec2& ec2, aws::Clock& clock, const std::string& policy,
                       const core::DrillSettings& settings, core::Time now,
                       const DrillOptions& options) {
  DrillReport report;
  report.region = ec2.region();
  report.policy = policy;
  delete_leftovers(ec2, now, report);

  auto slot = core::drill_slot(settings, now);
  if (!slot && !options.force) return report;
  const core::Time drill_slot = slot.value_or(now);
  report.slot = core::format_slot(drill_slot);

  aws::DescribeSnapshotsRequest listing;
  listing.owners = {"self"};
  listing.filters.push_back({"tag:" + std::string(core::tag::policy), {policy}});
  std::vector<core::SourceSnapshot> snapshots;
  auto listed = ec2.describe_snapshots(listing, [&](std::vector<aws::Ec2Snapshot>&& page) {
    for (auto& s : page) {
      snapshots.push_back({s.id, s.volume_id, snapshot_state(s.state), s.volume_size_gib,
                           s.encrypted, s.kms_key_id, ec2.region(), to_core(s.tags)});
    }
  });
  if (!listed) {
    report.problems.push_back("listing the policy's snapshots failed: " +
                              listed.error().describe());
    return report;
  }
  const auto candidates = core::restore_candidates(snapshots);
  std::map<std::string, std::vector<core::Candidate>> by_instance;
  for (const auto& c : candidates) by_instance[c.instance_id].push_back(c);

  std::mt19937 random(options.seed);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  const auto expires = now +
                       std::chrono::duration_cast<std::chrono::seconds>(options.wait.timeout) +
                       std::chrono::minutes(settings.keep_minutes) + std::chrono::minutes(5);
  std::vector<Drill> drills;
  for (const auto& [instance, points] : by_instance) {
    if (!options.instances.empty() &&
        std::ranges::find(options.instances, instance) == options.instances.end()) {
      continue;
    }
    if (!options.force && !core::drill_due(points, drill_slot)) {
      report.not_due.push_back(instance);
      continue;
    }
    Drill d;
    d.result.region = ec2.region();
    d.result.policy = policy;
    d.result.instance_id = instance;
    d.point = core::pick_drill_point(points, settings.random_pick, uniform(random),
                                     settings.within_days, now);
    if (d.point == nullptr) {
      d.result.reason =
          fmt::format("no complete restore point within {} days", settings.within_days);
      drills.push_back(std::move(d));
      continue;
    }
    d.result.slot = d.point->slot;
    d.result.set_id = d.point->set_id;
    core::RestoreRequest request;
    request.instance_id = instance;
    request.availability_zone = settings.availability_zone;
    // One identity per point and drill slot: ClientTokens of one drill
    // never answer for another's.
    std::string slot_digits = core::format_slot(drill_slot);
    std::erase_if(slot_digits, [](char c) { return c == '-' || c == ':'; });
    const std::string id =
        fmt::format("d-{}-{}", core::restore_id(*d.point, request).substr(2, 8), slot_digits);
    auto plan = core::plan_volumes(*d.point, request, id,
                                   {{std::string(kDrillOfTag), d.point->set_id},
                                    {std::string(kDrillExpiresTag), core::format_slot(expires)}});
    if (!plan) {
      d.result.reason = plan.error().message;
    } else {
      d.plan = std::move(*plan);
    }
    drills.push_back(std::move(d));
  }

  // Every drill's volumes at once.
  const auto started = clock.monotonic();
  std::map<std::string, std::pair<std::size_t, std::size_t>> where;  // volume -> (drill, index)
  for (std::size_t i = 0; i < drills.size(); ++i) {
    Drill& d = drills[i];
    if (!d.plan) continue;
    for (const auto& v : d.plan->volumes) {
      auto made = ec2.create_volume(create_volume_request(*d.plan, v));
      if (!made) {
        d.result.reason =
            fmt::format("CreateVolume from {} failed: {}", v.snapshot_id, made.error().describe());
        break;
      }
      d.result.volume_ids.push_back(made->id);
      where[made->id] = {i, d.volumes.size()};
      d.volumes.push_back({made->id, v.snapshot_id, made->state, made->size_gib});
    }
  }
  std::vector<std::string> waiting;
  for (const auto& [id, at] : where) waiting.push_back(id);
  const auto deadline = started + options.wait.timeout;
  auto delay = options.wait.first_poll;
  while (!waiting.empty()) {
    aws::DescribeVolumesRequest request;
    request.volume_ids = waiting;
    auto polled = ec2.describe_volumes(request);
    if (!polled && polled.error().kind != aws::ErrorKind::not_found) {
      report.problems.push_back("waiting for drill volumes failed: " + polled.error().describe());
      break;
    }
    if (polled) {
      const double elapsed = std::chrono::duration<double>(clock.monotonic() - started).count();
      for (const auto& v : *polled) {
        auto [i, index] = where.at(v.id);
        drills[i].volumes[index].state = v.state;
        drills[i].volumes[index].size_gib = v.size_gib;
        if (v.state == "available" || v.state == "error") {
          std::erase(waiting, v.id);
          drills[i].result.seconds = std::max(drills[i].result.seconds, elapsed);
        }
      }
    }
    if (waiting.empty()) break;
    if (clock.monotonic() + delay > deadline) break;
    clock.sleep_for(delay);
    delay = std::min(delay * 2, options.wait.max_poll);
  }

  for (auto& d : drills) {
    if (d.result.reason.empty() && d.plan) {
      d.result.reason = core::check_drill(*d.plan, d.volumes, d.point->snapshots);
      if (d.result.reason.empty() && d.volumes.size() != d.plan->volumes.size()) {
        d.result.reason = "not every volume was made";
      }
    }
    d.result.passed = d.result.reason.empty();
    if (d.point != nullptr) {
      core::DrillOutcome outcome{d.result.passed, now, d.result.seconds, d.result.reason};
      std::vector<std::string> ids;
      for (const auto& s : d.point->snapshots) ids.push_back(s.snapshot_id);
      auto tagged =
          ec2.create_tags(ids, {{std::string(core::tag::drill), core::format_drill(outcome)}});
      if (!tagged) {
        report.problems.push_back(fmt::format("recording the drill of {} failed: {}",
                                              d.result.instance_id, tagged.error().describe()));
      }
    }
    if (settings.keep_minutes == 0) {
      bool all = true;
      for (const auto& v : d.volumes) {
        if (v.state == "creating") {
          all = false;  // deleted by a later drill once it is out of `creating`
          continue;
        }
        auto deleted = ec2.delete_volume(v.volume_id);
        if (!deleted && deleted.error().kind != aws::ErrorKind::not_found) {
          all = false;
          report.problems.push_back(fmt::format("deleting drill volume {} failed: {}", v.volume_id,
                                                deleted.error().describe()));
        }
      }
      d.result.volumes_deleted = all;
    }
    report.results.push_back(std::move(d.result));
  }
  return report;
}

nlohmann::json to_json(const std::vector<DrillReport>& reports) {
  using nlohmann::json;
  json drills = json::array();
  json problems = json::array();
  int status = 0;
  int leftovers = 0;
  for (const auto& r : reports) {
    status = std::max(status, r.exit_status());
    leftovers += r.leftovers_deleted;
    for (const auto& p : r.problems) problems.push_back(r.region + ": " + p);
    for (const auto& d : r.results) {
      drills.push_back({{"region", d.region},
                        {"policy", d.policy},
                        {"instance_id", d.instance_id},
                        {"slot", d.slot},
                        {"set_id", d.set_id},
                        {"result", d.passed ? "pass" : "fail"},
                        {"seconds", d.seconds},
                        {"reason", d.reason},
                        {"volume_ids", d.volume_ids},
                        {"volumes_deleted", d.volumes_deleted}});
    }
  }
  return {{"drills", std::move(drills)},
          {"leftovers_deleted", leftovers},
          {"problems", std::move(problems)},
          {"exit_status", status}};
}

namespace {

// "drill: 2 passed, 1 failed, 0 not due[, 1 problem]"
std::string totals_line(const std::vector<DrillReport>& reports) {
  std::size_t passed = 0;
  std::size_t failed = 0;
  std::size_t not_due = 0;
  std::size_t problems = 0;
  for (const auto& r : reports) {
    for (const auto& d : r.results) (d.passed ? passed : failed) += 1;
    not_due += r.not_due.size();
    problems += r.problems.size();
  }
  std::string line =
      fmt::format("drill: {} passed, {} failed, {} not due", passed, failed, not_due);
  if (problems > 0) line += fmt::format(", {} problem{}", problems, problems == 1 ? "" : "s");
  return line;
}

}  // namespace

std::string render_text(const std::vector<DrillReport>& reports) {
  std::string out;
  for (const auto& r : reports) {
    for (const auto& d : r.results) {
      out += fmt::format("{} {} {} {} {} in {:.0f} s{}\n", d.passed ? "pass" : "FAIL", d.region,
                         d.policy, d.instance_id, d.slot.empty() ? "-" : d.slot, d.seconds,
                         d.reason.empty() ? "" : ": " + d.reason);
    }
    for (const auto& p : r.problems) out += fmt::format("problem {}: {}\n", r.region, p);
    if (r.leftovers_deleted > 0) {
      out += fmt::format("{}: deleted {} leftover drill volumes\n", r.region, r.leftovers_deleted);
    }
  }
  out += totals_line(reports) + "\n";
  return out;
}

bool should_notify(const core::Notify& notify, const std::vector<DrillReport>& reports) {
  if (!notify.sns_topic_arn && !notify.webhook_url) return false;
  if (notify.on_summary) return true;
  return notify.on_failure &&
         std::ranges::any_of(reports, [](const DrillReport& r) { return r.exit_status() != 0; });
}

Notification drill_notification(const std::vector<DrillReport>& reports) {
  const std::string totals = totals_line(reports);
  nlohmann::json body;
  body["text"] = "snapkeep " + totals;
  body["drill"] = to_json(reports);
  return Notification{sns_subject_of("snapkeep " + totals),
                      fit_sns_message(render_text(reports), totals), body.dump()};
}

}  // namespace snapkeep::engine
