#include "core/report.h"

#include <fmt/format.h>

#include <algorithm>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

#include "core/restore_points.h"
#include "core/selection.h"

namespace snapkeep::core {

std::string_view to_string(CoverageStatus status) {
  switch (status) {
    case CoverageStatus::ok:
      return "ok";
    case CoverageStatus::late:
      return "late";
    case CoverageStatus::missing:
      return "missing";
    case CoverageStatus::unprotected:
      return "unprotected";
  }
  return "unprotected";
}

std::string_view to_string(Finding::Kind kind) {
  switch (kind) {
    case Finding::Kind::unowned_policy:
      return "unowned_policy";
    case Finding::Kind::orphan:
      return "orphan";
    case Finding::Kind::duplicate:
      return "duplicate";
    case Finding::Kind::stuck_pending:
      return "stuck_pending";
    case Finding::Kind::errored:
      return "errored";
    case Finding::Kind::copy_source_gone:
      return "copy_source_gone";
  }
  return "orphan";
}

void StatusCounts::add(CoverageStatus status) {
  switch (status) {
    case CoverageStatus::ok:
      ++ok;
      break;
    case CoverageStatus::late:
      ++late;
      break;
    case CoverageStatus::missing:
      ++missing;
      break;
    case CoverageStatus::unprotected:
      ++unprotected;
      break;
  }
}

int CoverageReport::exit_status() const {
  return complete && summary.late == 0 && summary.missing == 0 ? 0 : 1;
}

namespace {

// Worse statuses rank higher; unprotected is not ranked (it is not selected).
int rank(CoverageStatus status) {
  switch (status) {
    case CoverageStatus::ok:
      return 0;
    case CoverageStatus::late:
      return 1;
    case CoverageStatus::missing:
      return 2;
    case CoverageStatus::unprotected:
      return -1;
  }
  return -1;
}

// A grouped restore point with what the report adds: its copy target, its
// earliest start, and its region.
struct Point {
  const RestorePoint* point = nullptr;
  std::string account;
  std::string region;
  std::string copy_target;  // "" for a source point
  Time earliest_start{};
};

std::optional<Time> previous_slot(const Schedule& schedule, Time slot) {
  return schedule.previous_fire(slot - std::chrono::seconds{1});
}

const Policy* find_policy(const Config& config, std::string_view name) {
  for (const auto& p : config.policies) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

// Why a policy does not select an instance it nearly selects, or "".
std::string near_miss(const Policy& policy, const Instance& instance) {
  Selection relaxed = policy.select;
  relaxed.exclude_tags.clear();
  if (!selection_names(policy.select, instance)) {
    if (selection_names(relaxed, instance)) {
      return fmt::format("excluded by exclude_tags of policy {}", policy.name);
    }
    return "";
  }
  return fmt::format("all volumes excluded by policy {}", policy.name);
}

bool policy_selects(const Policy& policy, const Instance& instance) {
  return selection_names(policy.select, instance) &&
         !choose_volumes(policy, instance).included.empty();
}

}  // namespace

CoverageReport build_report(const Config& config, const std::vector<ReportRegion>& regions,
                            Time now) {
  CoverageReport report;
  report.now = now;

  // Regions in a stable order, whatever order the listings finished in.
  std::vector<const ReportRegion*> ordered;
  for (const auto& r : regions) ordered.push_back(&r);
  std::ranges::sort(ordered, [](const ReportRegion* a, const ReportRegion* b) {
    return std::tie(a->inventory.region, a->inventory.account_id) <
           std::tie(b->inventory.region, b->inventory.account_id);
  });

  // Restore points per region (owned by this configuration only: another
  // owner's snapshots are another configuration's business).
  std::vector<std::vector<RestorePoint>> grouped(ordered.size());
  std::vector<std::vector<Point>> region_points(ordered.size());  // parallel to grouped
  std::unordered_set<std::string> existing;  // instance ids that exist somewhere
  bool all_complete = true;
  for (std::size_t r = 0; r < ordered.size(); ++r) {
    const auto& region = *ordered[r];
    const auto& inv = region.inventory;
    all_complete = all_complete && region.complete;
    for (const auto& i : inv.instances) {
      if (i.state != InstanceState::terminated) existing.insert(i.id);
    }
    std::vector<Snapshot> own;
    std::unordered_map<std::string_view, const Snapshot*> by_id;
    for (const auto& s : inv.snapshots) {
      if (s.tags.owner.view() != config.owner) continue;
      own.push_back(s);
      by_id[s.id.view()] = &s;
    }
    grouped[r] = group_restore_points(own);
    region_points[r].reserve(grouped[r].size());
    for (const auto& p : grouped[r]) {
      Point point{&p, inv.account_id, inv.region, "", Time::max()};
      for (const auto& s : p.snapshots) {
        const Snapshot* snap = by_id.at(s.snapshot_id);
        if (!snap->tags.copy.empty()) point.copy_target = snap->tags.copy.str();
        point.earliest_start = std::min(point.earliest_start, snap->start_time);
      }
      if (p.snapshots.empty()) point.earliest_start = Time{};
      region_points[r].push_back(std::move(point));
    }
  }
  report.complete = all_complete;

  // Index the points: source points by (account, region, instance), copies by instance.
  using RegionKey = std::tuple<std::string, std::string, std::string>;
  std::map<RegionKey, std::vector<const Point*>> source_by_instance;
  std::map<std::string, std::vector<const Point*>> copies_by_instance;
  for (const auto& per_region : region_points) {
    for (const auto& p : per_region) {
      if (!p.copy_target.empty()) {
        copies_by_instance[p.point->instance_id].push_back(&p);
      } else {
        source_by_instance[{p.account, p.region, p.point->instance_id}].push_back(&p);
      }
    }
  }

  report.policies.reserve(config.policies.size());
  for (const auto& policy : config.policies) {
    PolicyCoverage pc;
    pc.name = policy.name;
    pc.schedule = policy.schedule.expression();
    report.policies.push_back(std::move(pc));
  }
  auto policy_index = [&](std::string_view name) -> std::optional<std::size_t> {
    for (std::size_t i = 0; i < config.policies.size(); ++i) {
      if (config.policies[i].name == name) return i;
    }
    return std::nullopt;
  };

  for (std::size_t r = 0; r < ordered.size(); ++r) {
    const auto& region = *ordered[r];
    const auto& inv = region.inventory;
    RegionCoverage rc;
    rc.account = inv.account_id;
    rc.region = inv.region;
    rc.complete = region.complete;
    rc.problem = region.problem;

    std::vector<const Instance*> instances;
    for (const auto& i : inv.instances) {
      if (i.state != InstanceState::terminated) instances.push_back(&i);
    }
    std::ranges::sort(instances, {}, &Instance::id);
    // An instance may be listed twice (a filtered listing and a lookup by id).
    auto last = std::unique(instances.begin(), instances.end(),
                            [](const Instance* a, const Instance* b) { return a->id == b->id; });
    instances.erase(last, instances.end());

    for (const Instance* instance : instances) {
      InstanceReport ir;
      ir.account = inv.account_id;
      ir.region = inv.region;
      ir.instance_id = instance->id;
      ir.state = instance->state;
      if (auto it = instance->tags.find("Name"); it != instance->tags.end()) ir.name = it->second;

      const auto src = source_by_instance.find({inv.account_id, inv.region, instance->id});
      const std::vector<const Point*> none;
      const auto& own_points = src == source_by_instance.end() ? none : src->second;

      int worst = -1;
      for (std::size_t pi = 0; pi < config.policies.size(); ++pi) {
        const Policy& policy = config.policies[pi];
        if (!policy_selects(policy, *instance)) {
          if (auto why = near_miss(policy, *instance); !why.empty()) ir.reasons.push_back(why);
          continue;
        }
        ir.policies.push_back(policy.name);
        std::optional<Time> last_good;
        bool pending = false;
        for (const Point* p : own_points) {
          if (p->point->policy != policy.name) continue;
          if (p->point->state == PointState::pending) pending = true;
          // A point whose slot is after `now` (report --now in the past, or
          // a skewed clock) did not exist yet as of now: it is not the last
          // good one, and an age below zero would be nonsense.
          if (p->point->state == PointState::good && p->point->slot_time &&
              *p->point->slot_time <= now && (!last_good || *p->point->slot_time > *last_good)) {
            last_good = p->point->slot_time;
          }
        }
        if (last_good && (!ir.last_good_slot || *last_good > *ir.last_good_slot)) {
          ir.last_good_slot = last_good;
          ir.last_good_policy = policy.name;
        }
        CoverageStatus status = CoverageStatus::ok;
        const auto slot = policy.schedule.previous_fire(now);
        if (slot) {
          const auto previous = previous_slot(policy.schedule, *slot);
          if (previous) ir.rpo = std::max(ir.rpo, std::chrono::seconds{*slot - *previous});
          const Time due = previous ? *previous : *slot;
          if (!last_good) {
            status = CoverageStatus::missing;
            ir.reasons.push_back(fmt::format("no good restore point of policy {} yet{}",
                                             policy.name, pending ? " (one is pending)" : ""));
          } else if (*last_good < due) {
            status = CoverageStatus::late;
            ir.reasons.push_back(fmt::format(
                "last good point of policy {} is for slot {}, older than the previous slot {}",
                policy.name, format_slot(*last_good), format_slot(due)));
          }
        }
        auto& pc = report.policies[pi];
        ++pc.selected;
        pc.counts.add(status);
        worst = std::max(worst, rank(status));
      }
      if (ir.policies.empty()) {
        ir.status = CoverageStatus::unprotected;
        if (ir.reasons.empty()) ir.reasons.push_back("no policy selects it");
      } else {
        ir.status = worst == 2   ? CoverageStatus::missing
                    : worst == 1 ? CoverageStatus::late
                                 : CoverageStatus::ok;
        ++report.selected;
      }
      if (ir.last_good_slot) ir.last_good_age = std::chrono::seconds{now - *ir.last_good_slot};

      // Points, sizes, timeline, copies and drills of the instance.
      std::optional<DrillRecord> drill;
      auto note_drill = [&](const RestorePoint& p) {
        for (const auto& s : p.snapshots) {
          auto it = region.drills.find(s.snapshot_id);
          if (it == region.drills.end()) continue;
          auto rec = parse_drill(it->second);
          if (rec && (!drill || rec->at > drill->at)) drill = rec;
        }
      };
      for (const Point* p : own_points) {
        if (!find_policy(config, p->point->policy)) continue;  // a finding, not its point
        ++ir.points;
        ir.snapshots += static_cast<int>(p->point->snapshots.size());
        ir.size_gib += p->point->size_gib();
        if (p->point->slot_time) {
          ir.timeline.push_back({p->point->policy, *p->point->slot_time, p->point->set_id,
                                 p->point->state, static_cast<int>(p->point->snapshots.size()),
                                 p->point->size_gib(), ""});
        }
        note_drill(*p->point);
      }
      if (auto c = copies_by_instance.find(instance->id); c != copies_by_instance.end()) {
        std::map<std::string, ReportCopies> per_target;
        for (const Point* p : c->second) {
          if (!find_policy(config, p->point->policy)) continue;
          auto& rc_copy = per_target[p->copy_target];
          rc_copy.target = p->copy_target;
          ++rc_copy.points;
          if (p->point->state == PointState::good && p->point->slot_time &&
              (!rc_copy.newest_slot || *p->point->slot_time > *rc_copy.newest_slot)) {
            rc_copy.newest_slot = p->point->slot_time;
          }
          if (p->point->slot_time) {
            ir.timeline.push_back({p->point->policy, *p->point->slot_time, p->point->set_id,
                                   p->point->state, static_cast<int>(p->point->snapshots.size()),
                                   p->point->size_gib(), p->copy_target});
          }
        }
        for (auto& [target, copies] : per_target) ir.copies.push_back(std::move(copies));
      }
      std::ranges::sort(ir.timeline, [](const ReportPoint& a, const ReportPoint& b) {
        return std::tie(a.slot, a.copy_target, a.policy, a.set_id) <
               std::tie(b.slot, b.copy_target, b.policy, b.set_id);
      });
      ir.last_drill = drill;

      ++rc.instances;
      rc.counts.add(ir.status);
      report.summary.add(ir.status);
      report.instances.push_back(std::move(ir));
    }

    // Region and policy totals, and the findings of the region's points.
    std::map<std::string, Finding> unowned;                          // by policy
    std::map<std::pair<std::string, std::string>, Finding> orphans;  // (policy, instance)
    std::map<std::pair<std::string, std::string>, Finding> gone_copies;
    std::map<std::tuple<std::string, std::string, Time>, int> sets_per_slot;
    std::unordered_map<std::string_view, const Instance*> listed_here;
    for (const Instance* i : instances) listed_here.emplace(i->id, i);
    for (std::size_t k = 0; k < grouped[r].size(); ++k) {
      const RestorePoint& p = grouped[r][k];
      const Point& pt = region_points[r][k];
      const int snaps = static_cast<int>(p.snapshots.size());
      const Policy* policy = find_policy(config, p.policy);
      if (!policy) {
        auto& f = unowned[p.policy];
        f.kind = Finding::Kind::unowned_policy;
        f.account = inv.account_id;
        f.region = inv.region;
        f.policy = p.policy;
        ++f.points;
        f.snapshots += snaps;
        if (p.slot_time && (!f.slot || *p.slot_time > *f.slot)) f.slot = p.slot_time;
        continue;
      }
      rc.points += 1;
      rc.snapshots += snaps;
      rc.size_gib += p.size_gib();
      if (auto pi = policy_index(p.policy)) {
        auto& pc = report.policies[*pi];
        pc.points += 1;
        pc.snapshots += snaps;
        pc.size_gib += p.size_gib();
      }
      // Copies live in another region than their instance.
      const bool copy = !pt.copy_target.empty();
      // A finding about this one point.
      auto point_finding = [&](Finding::Kind kind) {
        Finding f;
        f.kind = kind;
        f.account = inv.account_id;
        f.region = inv.region;
        f.policy = p.policy;
        f.instance_id = p.instance_id;
        f.points = 1;
        f.snapshots = snaps;
        f.slot = p.slot_time;
        report.findings.push_back(std::move(f));
      };
      if (p.state == PointState::pending && !p.snapshots.empty() &&
          pt.earliest_start + kStuckPendingAfter < now) {
        point_finding(Finding::Kind::stuck_pending);
      }
      if (p.state == PointState::errored) point_finding(Finding::Kind::errored);
      if (p.slot_time) ++sets_per_slot[{p.policy, p.instance_id, *p.slot_time}];
      if (copy) {
        if (all_complete && !existing.contains(p.instance_id)) {
          auto& f = gone_copies[{p.policy, p.instance_id}];
          f.kind = Finding::Kind::copy_source_gone;
          f.account = inv.account_id;
          f.region = inv.region;
          f.policy = p.policy;
          f.instance_id = p.instance_id;
          ++f.points;
          f.snapshots += snaps;
          if (p.slot_time && (!f.slot || *p.slot_time > *f.slot)) f.slot = p.slot_time;
        }
        continue;
      }
      if (!region.complete || !inv.instances_complete) continue;
      // An orphan: the instance is gone, or (with an owner) no longer selected.
      const auto listed = listed_here.find(p.instance_id);
      bool orphan = listed == listed_here.end();
      if (!orphan && !config.owner.empty()) orphan = !policy_selects(*policy, *listed->second);
      if (!orphan) continue;
      auto& f = orphans[{p.policy, p.instance_id}];
      f.kind = Finding::Kind::orphan;
      f.account = inv.account_id;
      f.region = inv.region;
      f.policy = p.policy;
      f.instance_id = p.instance_id;
      ++f.points;
      f.snapshots += snaps;
      if (p.slot_time && (!f.slot || *p.slot_time > *f.slot)) {
        f.slot = p.slot_time;
        f.release = *p.slot_time + std::chrono::days{policy->orphan_keep_days};
      }
    }
    for (auto& [name, f] : unowned) {
      f.message = fmt::format(
          "{} restore points ({} snapshots) carry snapkeep:policy={}, which no configured policy "
          "has (renamed or removed): snapkeep never deletes them; restore the policy's name, or "
          "delete them by hand once they are not needed",
          f.points, f.snapshots, name);
      report.findings.push_back(std::move(f));
    }
    for (auto& [key, f] : orphans) {
      f.message = fmt::format(
          "instance {} no longer exists{}: its {} restore points are kept until {} "
          "(orphan_keep_days of policy {}), then released by a run",
          f.instance_id, config.owner.empty() ? "" : " or is no longer selected", f.points,
          f.release ? format_slot(*f.release) : std::string("unknown"), f.policy);
      report.findings.push_back(std::move(f));
    }
    for (auto& [key, f] : gone_copies) {
      f.message = fmt::format(
          "{} copies of instance {}, which no longer exists anywhere listed: kept by the copy "
          "retention of policy {}; delete them by hand when no longer needed",
          f.points, f.instance_id, f.policy);
      report.findings.push_back(std::move(f));
    }
    for (const auto& [key, sets] : sets_per_slot) {
      if (sets < 2) continue;
      Finding f;
      f.kind = Finding::Kind::duplicate;
      f.account = inv.account_id;
      f.region = inv.region;
      f.policy = std::get<0>(key);
      f.instance_id = std::get<1>(key);
      f.points = sets;
      f.slot = std::get<2>(key);
      f.message = fmt::format(
          "{} restore points for one slot {} (runs raced): the next run keeps the first good one "
          "and deletes the others",
          sets, format_slot(std::get<2>(key)));
      report.findings.push_back(std::move(f));
    }
    report.regions.push_back(std::move(rc));
  }
  for (auto& f : report.findings) {
    if (!f.message.empty()) continue;
    if (f.kind == Finding::Kind::stuck_pending) {
      f.message = fmt::format(
          "restore point of slot {} has been pending for more than {} hours: check the snapshots "
          "in the EC2 console; snapkeep never deletes a pending point",
          f.slot ? format_slot(*f.slot) : std::string("?"), kStuckPendingAfter.count());
    } else if (f.kind == Finding::Kind::errored) {
      f.message = fmt::format(
          "restore point of slot {} is in error: it is not a good point, and a run deletes it "
          "once a newer good point exists",
          f.slot ? format_slot(*f.slot) : std::string("?"));
    }
  }
  std::ranges::sort(report.findings, [](const Finding& a, const Finding& b) {
    return std::tie(a.kind, a.account, a.region, a.policy, a.instance_id, a.slot) <
           std::tie(b.kind, b.account, b.region, b.policy, b.instance_id, b.slot);
  });
  std::ranges::sort(report.instances, [](const InstanceReport& a, const InstanceReport& b) {
    return std::tie(a.account, a.region, a.instance_id) <
           std::tie(b.account, b.region, b.instance_id);
  });
  return report;
}

}  // namespace snapkeep::core
