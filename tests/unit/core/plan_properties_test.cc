// Properties of plan() over random fleets, histories and retention configs:
// one per safety rule of DESIGN.md section 4 (rules 1-5), plus determinism,
// retention rules honoured, ownership and orphans (docs/retention.md),
// EC2's tag limits, reasons that name their rule, creation before deletion,
// idempotence and at most one create per (policy, instance, slot).
#include <date/date.h>
#include <date/tz.h>
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <map>
#include <set>
#include <tuple>

#include "core/plan.h"
#include "core/selection.h"
#include "core/tag_limits.h"
#include "unit/core/plan_fixtures.h"

namespace snapkeep::core {
namespace {

using namespace snapkeep::core::testing;
using std::chrono::hours;

struct World {
  Config config;
  RegionInventory inventory;
  Time now{};
};

const std::vector<std::string> schedules = {"cron(0 0 * * ? *)", "rate(6 hours)", "rate(1 day)",
                                            "rate(1 hour)"};
const std::vector<std::string> zones = {"UTC", "America/New_York", "Asia/Tokyo", "Europe/Berlin"};

std::optional<int> maybe_rule(int max) {
  if (*rc::gen::inRange(0, 3) == 0) {
    return *rc::gen::inRange(1, max + 1);
  }
  return std::nullopt;
}

rc::Gen<World> gen_world() {
  return rc::gen::exec([] {
    World w;
    w.now = at("2026-11-26T00:00:00Z") + hours{*rc::gen::inRange(0, 72)} +
            std::chrono::minutes{*rc::gen::inRange(0, 60)};
    const int policy_count = *rc::gen::inRange(1, 4);
    for (int p = 0; p < policy_count; ++p) {
      Retention r;
      r.count = maybe_rule(6);
      r.days = maybe_rule(10);
      r.hourly = maybe_rule(8);
      r.daily = maybe_rule(6);
      r.weekly = maybe_rule(4);
      r.monthly = maybe_rule(3);
      r.yearly = maybe_rule(2);
      Tags select;
      if (*rc::gen::inRange(0, 4) != 0) {
        select = {{"Backup", *rc::gen::element<std::string>("true", "*", "t?ue")}};
      }
      auto policy = make_policy(fmt::format("p{}", p), *rc::gen::elementOf(schedules), r, select);
      policy.timezone = *rc::gen::elementOf(zones);
      policy.orphan_keep_days = *rc::gen::inRange(1, 30);
      policy.snapshot.exclude_boot_volume = *rc::gen::inRange(0, 4) == 0;
      policy.snapshot.copy_instance_tags = *rc::gen::arbitrary<bool>();
      if (*rc::gen::inRange(0, 4) == 0) {
        const int user_tags = *rc::gen::inRange(0, 44);
        for (int t = 0; t < user_tags; ++t) policy.snapshot.tags[fmt::format("u{}", t)] = "v";
      }
      w.config.policies.push_back(std::move(policy));
    }
    w.config.owner = *rc::gen::element<std::string>("", "team");
    const int instance_count = *rc::gen::inRange(0, 7);
    std::vector<std::string> ids;
    for (int i = 0; i < instance_count; ++i) {
      const auto id = fmt::format("i-{}", i);
      ids.push_back(id);
      Tags tags;
      const int tag_choice = *rc::gen::inRange(0, 4);
      if (tag_choice > 0) {
        tags["Backup"] = tag_choice == 3 ? "false" : "true";
      }
      if (*rc::gen::inRange(0, 3) == 0) {
        // Names up to 300 characters, some of them two or three bytes long.
        const int length = *rc::gen::inRange(0, 300);
        std::string name;
        for (int c = 0; c < length; ++c) {
          name += *rc::gen::element<std::string>("a", "\xc3\xa9", "\xe7\x95\x8c");
        }
        tags["Name"] = name;
      }
      if (*rc::gen::inRange(0, 4) == 0) {
        tags[std::string(static_cast<std::size_t>(*rc::gen::inRange(120, 135)), 'k')] =
            std::string(static_cast<std::size_t>(*rc::gen::inRange(250, 260)), 'v');
      }
      const auto state =
          *rc::gen::element(InstanceState::running, InstanceState::running, InstanceState::stopped,
                            InstanceState::pending, InstanceState::stopping,
                            InstanceState::shutting_down, InstanceState::terminated);
      w.inventory.instances.push_back(make_instance(id, tags, state, *rc::gen::inRange(0, 3)));
    }
    ids.push_back("i-gone");
    w.inventory.account_id = std::string(account);
    w.inventory.region = "us-east-1";
    w.inventory.absent_instances_gone = *rc::gen::inRange(0, 4) != 0;

    // History: restore points at the policies' fire times, with duplicates,
    // failures, other owners, other policies and malformed tags mixed in.
    std::vector<std::string> policy_names;
    for (const auto& p : w.config.policies) {
      policy_names.push_back(p.name);
    }
    policy_names.push_back("retired");
    const int point_count = *rc::gen::inRange(0, 40);
    int snap = 0;
    for (int n = 0; n < point_count; ++n) {
      const auto policy_index = *rc::gen::inRange<std::size_t>(0, policy_names.size());
      const auto& name = policy_names[policy_index];
      const Time back = w.now - hours{*rc::gen::inRange(0, 24 * 40)};
      const Time slot = policy_index < w.config.policies.size()
                            ? w.config.policies[policy_index].schedule.previous_fire(back).value()
                            : std::chrono::floor<hours>(back);
      const auto instance = *rc::gen::elementOf(ids);
      const auto set = fmt::format("s{}", *rc::gen::inRange(0, 3));
      const int volumes = *rc::gen::inRange(1, 3);
      for (int v = 0; v < volumes; ++v) {
        SnapSpec s{fmt::format("snap-{:03}", snap++), name, instance, format_slot(slot), set};
        s.state = *rc::gen::element(SnapshotState::completed, SnapshotState::completed,
                                    SnapshotState::completed, SnapshotState::pending,
                                    SnapshotState::error);
        s.volume = fmt::format("vol-{}-{}", instance.substr(2), v);
        s.device = *rc::gen::inRange(0, 5) == 0 ? "" : (v == 0 ? "/dev/xvda" : "/dev/sdf");
        if (*rc::gen::inRange(0, 10) == 0) {
          s.owner = "999988887777";
        }
        if (*rc::gen::inRange(0, 25) == 0) {
          s.slot = "not-a-time";
        }
        auto made = make_snapshot(s);
        made.start_time = slot + std::chrono::seconds{*rc::gen::inRange(0, 600)};
        made.tags.owner = *rc::gen::elementOf(
            std::vector<std::string>{w.config.owner, w.config.owner, w.config.owner, "", "other"});
        w.inventory.snapshots.push_back(std::move(made));
      }
    }
    if (*rc::gen::inRange(0, 5) != 0) {
      std::vector<Image> images;
      const int image_count = snap == 0 ? 0 : *rc::gen::inRange(0, 3);
      for (int i = 0; i < image_count; ++i) {
        images.push_back(
            {fmt::format("ami-{}", i), {fmt::format("snap-{:03}", *rc::gen::inRange(0, snap))}});
      }
      w.inventory.images = std::move(images);
    }
    w.inventory.instances_complete = *rc::gen::inRange(0, 8) != 0;
    w.inventory.snapshots_complete = *rc::gen::inRange(0, 8) != 0;
    w.inventory.images_complete = *rc::gen::inRange(0, 8) != 0;
    return w;
  });
}

Plan plan_of(const World& w) {
  return plan(w.inventory, w.config, w.now, PlanOptions{"run"});
}

std::set<std::string> deleted_ids(const Plan& p) {
  std::set<std::string> out;
  for (const auto& a : p.actions) {
    if (const auto* d = std::get_if<DeleteAction>(&a)) {
      out.insert(d->snapshot_id);
    }
  }
  return out;
}

// An independent view of restore points: own, well-formed snapshots of
// configured policies, grouped by their four tags.
struct Point {
  std::vector<const Snapshot*> snapshots;
  // Completed, except for errored extra copies of a volume that also has a
  // completed snapshot in the point (a re-sent CreateSnapshots).
  bool good() const {
    return !pending() && std::ranges::all_of(snapshots, [&](const Snapshot* s) {
      return s->state == SnapshotState::completed ||
             (s->state == SnapshotState::error && !s->volume_id.empty() &&
              std::ranges::any_of(snapshots, [&](const Snapshot* o) {
                return o->volume_id == s->volume_id && o->state == SnapshotState::completed;
              }));
    });
  }
  bool pending() const {
    return std::ranges::any_of(snapshots, [](const Snapshot* s) {
      return s->state == SnapshotState::pending || s->state == SnapshotState::unknown;
    });
  }
};
using PointKey =
    std::tuple<std::string, std::string, Time, std::string>;  // policy, instance, slot, set

std::map<PointKey, Point> points_of(const World& w) {
  std::map<PointKey, Point> out;
  for (const auto& s : w.inventory.snapshots) {
    const SnapshotTags& t = s.tags;
    const auto slot = parse_slot(t.slot.view());
    if (t.policy.empty() || t.instance.empty() || t.set.empty() || !slot ||
        s.owner_id != w.inventory.account_id || t.owner != std::string_view(w.config.owner)) {
      continue;
    }
    out[{t.policy.str(), t.instance.str(), *slot, t.set.str()}].snapshots.push_back(&s);
  }
  return out;
}

const Policy* policy_named(const World& w, const std::string& name) {
  for (const auto& p : w.config.policies) {
    if (p.name == name) {
      return &p;
    }
  }
  return nullptr;
}

bool is_selected(const World& w, const Policy& p, const std::string& instance_id) {
  for (const auto& i : w.inventory.instances) {
    if (i.id == instance_id) {
      return match_instance(p.select, i).kind == InstanceMatch::Kind::selected;
    }
  }
  return false;
}

// What the configuration does with an instance's points (docs/retention.md,
// "Ownership"), written independently of the planner.
enum class Standing { backed_up, orphan, untouched };

Standing standing(const World& w, const Policy& p, const std::string& instance_id) {
  for (const auto& i : w.inventory.instances) {
    if (i.id != instance_id) continue;
    if (i.state == InstanceState::terminated) return Standing::orphan;
    if (match_instance(p.select, i).kind != InstanceMatch::Kind::not_matched) {
      return Standing::backed_up;
    }
    return w.config.owner.empty() ? Standing::untouched : Standing::orphan;
  }
  return w.inventory.absent_instances_gone ? Standing::orphan : Standing::untouched;
}

bool deletes_allowed(const World& w) {
  const auto& inv = w.inventory;
  return inv.instances_complete && inv.snapshots_complete && inv.images.has_value() &&
         inv.images_complete && !inv.account_id.empty();
}

bool used_by_ami(const World& w, const Snapshot& s) {
  if (!w.inventory.images) return false;
  for (const auto& image : *w.inventory.images) {
    if (std::ranges::find(image.snapshot_ids, s.id.str()) != image.snapshot_ids.end()) return true;
  }
  return false;
}

// Some snapshot of the point is still there (extras may have gone).
bool survives(const Point& p, const std::set<std::string>& deleted) {
  return std::ranges::any_of(p.snapshots,
                             [&](const Snapshot* s) { return !deleted.contains(s->id.str()); });
}

bool untouched(const Point& p, const std::set<std::string>& deleted) {
  return std::ranges::none_of(p.snapshots,
                              [&](const Snapshot* s) { return deleted.contains(s->id.str()); });
}

// Good slots of each (policy, instance), newest first, with whether some
// good set of the slot survives the plan.
std::map<std::pair<std::string, std::string>, std::vector<std::pair<Time, bool>>> good_slots(
    const World& w, const std::set<std::string>& deleted) {
  std::map<std::pair<std::string, std::string>, std::map<Time, bool, std::greater<>>> by_slot;
  for (const auto& [key, point] : points_of(w)) {
    const auto& [policy, instance, slot, set] = key;
    if (!point.good() || !policy_named(w, policy)) {
      continue;
    }
    by_slot[{policy, instance}][slot] |= survives(point, deleted);
  }
  std::map<std::pair<std::string, std::string>, std::vector<std::pair<Time, bool>>> out;
  for (auto& [k, slots] : by_slot) {
    out[k].assign(slots.begin(), slots.end());
  }
  return out;
}

RC_GTEST_PROP(PlanProperties, Rule1OnlyOwnSnapshotsOfThePolicyAreDeleted, ()) {
  const auto w = *gen_world();
  const auto p = plan_of(w);
  for (const auto& a : p.actions) {
    if (const auto* d = std::get_if<DeleteAction>(&a)) {
      const auto it = std::ranges::find(w.inventory.snapshots, d->snapshot_id, &Snapshot::id);
      RC_ASSERT(it != w.inventory.snapshots.end());
      RC_ASSERT(!it->tags.policy.empty());
      RC_ASSERT(it->tags.policy == d->policy);
      RC_ASSERT(policy_named(w, d->policy) != nullptr);
      RC_ASSERT(it->owner_id == w.inventory.account_id);
    }
  }
}

RC_GTEST_PROP(PlanProperties, Rule2NewestGoodPointIsNeverDeleted, ()) {
  const auto w = *gen_world();
  const auto deleted = deleted_ids(plan_of(w));
  for (const auto& [key, slots] : good_slots(w, deleted)) {
    const auto& [policy_name, instance] = key;
    const Policy& policy = *policy_named(w, policy_name);
    const Time newest = slots.front().first;
    const bool orphan_expired = standing(w, policy, instance) == Standing::orphan &&
                                w.now >= newest + std::chrono::days{policy.orphan_keep_days};
    if (!orphan_expired) {
      RC_ASSERT(slots.front().second);
    }
  }
}

RC_GTEST_PROP(PlanProperties, Rule3SnapshotsAnAmiUsesAreNeverDeleted, ()) {
  const auto w = *gen_world();
  const auto deleted = deleted_ids(plan_of(w));
  RC_ASSERT(w.inventory.images.has_value() || deleted.empty());
  if (w.inventory.images) {
    for (const auto& image : *w.inventory.images) {
      for (const auto& id : image.snapshot_ids) {
        RC_ASSERT(!deleted.contains(id));
      }
    }
  }
}

RC_GTEST_PROP(PlanProperties, Rule4AnIncompleteListingDeletesNothing, ()) {
  const auto w = *gen_world();
  const auto p = plan_of(w);
  const auto& inv = w.inventory;
  if (!inv.instances_complete || !inv.snapshots_complete ||
      (inv.images.has_value() && !inv.images_complete)) {
    RC_ASSERT(deleted_ids(p).empty());
    RC_ASSERT(!p.needs_images);
  }
}

RC_GTEST_PROP(PlanProperties, Rule5PendingAndErroredPointsAreNotGoodPoints, ()) {
  const auto w = *gen_world();
  const auto p = plan_of(w);
  const auto deleted = deleted_ids(p);
  std::set<std::pair<std::string, std::string>> created;
  for (const auto& a : p.actions) {
    if (const auto* c = std::get_if<CreateAction>(&a)) {
      created.insert({c->policy, c->instance_id});
    }
  }
  const auto points = points_of(w);
  for (const auto& [key, point] : points) {
    if (point.pending()) {
      RC_ASSERT(untouched(point, deleted));  // pending points are never deleted
    }
  }
  // A selected instance whose current slot has only errored points gets a new one.
  for (const auto& policy : w.config.policies) {
    const auto slot = policy.schedule.previous_fire(w.now);
    for (const auto& instance : w.inventory.instances) {
      if (!is_selected(w, policy, instance.id) || !slot) {
        continue;
      }
      bool good_or_pending = false;
      for (const auto& [key, point] : points) {
        if (std::get<0>(key) == policy.name && std::get<1>(key) == instance.id &&
            std::get<2>(key) == *slot && (point.good() || point.pending())) {
          good_or_pending = true;
        }
      }
      const bool has_volume = !choose_volumes(policy, instance).included.empty();
      RC_ASSERT(created.contains({policy.name, instance.id}) == (!good_or_pending && has_volume));
    }
  }
}

RC_GTEST_PROP(PlanProperties, SameInputSamePlan, ()) {
  const auto w = *gen_world();
  const auto a = plan_of(w);
  const auto b = plan_of(w);
  RC_ASSERT(describe(a) == describe(b));
  RC_ASSERT(a.warnings == b.warnings);
  RC_ASSERT(a.needs_images == b.needs_images);
}

// A reference implementation of the keep rules (restic's algorithm with
// bucket keys formatted by date::format), used as an oracle.
std::vector<Time> kept_by_rules(const std::vector<Time>& newest_first, const Policy& policy,
                                Time now) {
  std::set<Time> kept;
  const auto& r = policy.retain;
  for (std::size_t i = 0; i < newest_first.size(); ++i) {
    if (r.count && std::cmp_less(i, *r.count)) {
      kept.insert(newest_first[i]);
    }
    if (r.days && newest_first[i] + std::chrono::days{*r.days} > now) {
      kept.insert(newest_first[i]);
    }
  }
  const std::pair<std::optional<int>, const char*> buckets[] = {{r.hourly, "%F %H"},
                                                                {r.daily, "%F"},
                                                                {r.weekly, "%G-W%V"},
                                                                {r.monthly, "%Y-%m"},
                                                                {r.yearly, "%Y"}};
  for (const auto& [limit, format] : buckets) {
    if (!limit) {
      continue;
    }
    int left = *limit;
    std::string last;
    for (const auto t : newest_first) {
      const auto key = date::format(format, date::make_zoned(policy.timezone, t).get_local_time());
      if (left > 0 && key != last) {
        kept.insert(t);
        last = key;
        --left;
      }
    }
  }
  return {kept.begin(), kept.end()};
}

RC_GTEST_PROP(PlanProperties, EveryPointARuleKeepsStays, ()) {
  const auto w = *gen_world();
  const auto p = plan_of(w);
  const auto deleted = deleted_ids(p);
  // The point a run creates takes its place in the rules (retention.h).
  std::map<std::pair<std::string, std::string>, Time> planned;
  for (const auto& a : p.actions) {
    if (const auto* c = std::get_if<CreateAction>(&a))
      planned[{c->policy, c->instance_id}] = c->slot;
  }
  for (const auto& [key, slots] : good_slots(w, deleted)) {
    const Policy& policy = *policy_named(w, key.first);
    std::map<Time, bool, std::greater<>> all(slots.begin(), slots.end());
    if (auto it = planned.find(key); it != planned.end()) all.emplace(it->second, true);
    std::vector<Time> newest_first;
    std::map<Time, bool> survives;
    for (const auto& [t, alive] : all) {
      newest_first.push_back(t);
      survives[t] = alive;
    }
    const auto stand = standing(w, policy, key.second);
    const auto within_orphan_days = [&](Time t) {
      return stand != Standing::orphan || w.now < t + std::chrono::days{policy.orphan_keep_days};
    };
    if (policy.retain.empty() || stand == Standing::untouched) {
      for (const auto& [t, alive] : slots) {
        RC_ASSERT(alive || !within_orphan_days(t));
      }
      continue;
    }
    for (const auto t : kept_by_rules(newest_first, policy, w.now)) {
      if (within_orphan_days(t)) RC_ASSERT(survives[t]);
    }
  }
}

RC_GTEST_PROP(PlanProperties, CreationPrecedesDeletionPerInstance, ()) {
  const auto w = *gen_world();
  const auto p = plan_of(w);
  std::set<std::pair<std::string, std::string>> deleting;
  for (const auto& a : p.actions) {
    if (const auto* d = std::get_if<DeleteAction>(&a)) {
      deleting.insert({d->policy, d->instance_id});
    } else if (const auto* c = std::get_if<CreateAction>(&a)) {
      RC_ASSERT(!deleting.contains({c->policy, c->instance_id}));
    }
  }
}

RC_GTEST_PROP(PlanProperties, AtMostOneCreatePerPolicyInstanceAndSlot, ()) {
  const auto w = *gen_world();
  std::set<std::tuple<std::string, std::string, Time>> seen;
  std::set<std::string> set_ids;
  for (const auto& a : plan_of(w).actions) {
    if (const auto* c = std::get_if<CreateAction>(&a)) {
      RC_ASSERT(seen.insert({c->policy, c->instance_id, c->slot}).second);
      RC_ASSERT(set_ids.insert(c->set_id).second);
    }
  }
}

RC_GTEST_PROP(PlanProperties, ApplyingThePlanThenPlanningAgainCreatesNothing, ()) {
  auto w = *gen_world();
  const auto p = plan_of(w);
  const auto deleted = deleted_ids(p);
  std::erase_if(w.inventory.snapshots,
                [&](const Snapshot& s) { return deleted.contains(s.id.str()); });
  int n = 0;
  for (const auto& a : p.actions) {
    if (const auto* c = std::get_if<CreateAction>(&a)) {
      for (const auto& v : c->volumes) {
        Snapshot s;
        s.id = fmt::format("snap-new-{}", n++);
        s.volume_id = v.id;
        s.state = *rc::gen::element(SnapshotState::pending, SnapshotState::completed);
        s.start_time = w.now;
        s.owner_id = w.inventory.account_id;
        s.tags = SnapshotTags::from(c->tags);
        w.inventory.snapshots.push_back(std::move(s));
      }
    }
  }
  for (const auto& a : plan_of(w).actions) {
    RC_ASSERT(!std::holds_alternative<CreateAction>(a));
  }
}

// Blocker 1: an existing instance the configuration cannot prove its own
// keeps every point; snapshots of another owner are never deleted.
RC_GTEST_PROP(PlanProperties, OnlyOwnedPointsOfProvableInstancesAreDeleted, ()) {
  const auto w = *gen_world();
  const auto deleted = deleted_ids(plan_of(w));
  for (const auto& s : w.inventory.snapshots) {
    if (!deleted.contains(s.id.str())) continue;
    RC_ASSERT(s.tags.owner == std::string_view(w.config.owner));
    const Policy* policy = policy_named(w, s.tags.policy.str());
    RC_ASSERT(policy != nullptr);
    RC_ASSERT(standing(w, *policy, s.tags.instance.str()) != Standing::untouched);
  }
}

// Blocker 2: past orphan_keep_days after its slot, nothing of an orphan's
// point is left (but pending points and what an AMI uses); before, its
// newest good point is there (Rule2NewestGoodPointIsNeverDeleted).
RC_GTEST_PROP(PlanProperties, OrphanPointsGoOnceOrphanKeepDaysPassed, ()) {
  auto w = *gen_world();
  // With every listing complete and the AMIs listed, so that deletes happen.
  w.inventory.instances_complete = true;
  w.inventory.snapshots_complete = true;
  w.inventory.images_complete = true;
  if (!w.inventory.images) w.inventory.images = std::vector<Image>{};
  RC_ASSERT(deletes_allowed(w));
  const auto deleted = deleted_ids(plan_of(w));
  for (const auto& [key, point] : points_of(w)) {
    const auto& [policy_name, instance, slot, set] = key;
    const Policy* policy = policy_named(w, policy_name);
    if (policy == nullptr || standing(w, *policy, instance) != Standing::orphan ||
        point.pending() || w.now < slot + std::chrono::days{policy->orphan_keep_days}) {
      continue;
    }
    for (const Snapshot* s : point.snapshots) {
      RC_ASSERT(deleted.contains(s->id.str()) || used_by_ami(w, *s));
    }
  }
}

RC_GTEST_PROP(PlanProperties, EveryDeletionNamesTheRuleThatReleasedIt, ()) {
  const auto w = *gen_world();
  for (const auto& a : plan_of(w).actions) {
    if (const auto* d = std::get_if<DeleteAction>(&a)) {
      RC_ASSERT(d->reason.starts_with("delete: not kept by ") ||
                d->reason.starts_with("delete: duplicate restore point for slot ") ||
                d->reason.starts_with("delete: extra snapshot of ") ||
                d->reason.starts_with("delete: errored, ") ||
                d->reason.starts_with("delete: orphan_keep_days "));
    }
  }
}

// Major 6: every tag of every create fits EC2's limits, with room for
// snapkeep:device.
RC_GTEST_PROP(PlanProperties, CreatedTagsObeyEc2Limits, ()) {
  const auto w = *gen_world();
  for (const auto& a : plan_of(w).actions) {
    if (const auto* c = std::get_if<CreateAction>(&a)) {
      RC_ASSERT(c->tags.size() + 1 <= max_tags_per_snapshot);
      for (const auto& [k, v] : c->tags) {
        RC_ASSERT(!k.empty());
        RC_ASSERT(utf8_length(k) <= max_tag_key_chars);
        RC_ASSERT(utf8_length(v) <= max_tag_value_chars);
      }
      RC_ASSERT(c->tags.at("Name").ends_with(format_slot(c->slot)));
    }
  }
}

// EC2's semantics of one DescribeInstances filter value (* and ? with
// backslash escapes) on a text.
bool ec2_value_matches(std::string_view pattern, std::string_view text) {
  std::string plain;  // the pattern with escapes resolved, wildcards kept
  std::vector<bool> literal;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '\\' && i + 1 < pattern.size()) {
      plain += pattern[++i];
      literal.push_back(true);
    } else {
      plain += pattern[i];
      literal.push_back(false);
    }
  }
  // Dynamic programming over (pattern position, text position).
  std::vector<std::vector<bool>> m(plain.size() + 1, std::vector<bool>(text.size() + 1, false));
  m[0][0] = true;
  for (std::size_t p = 1; p <= plain.size(); ++p) {
    const bool star = plain[p - 1] == '*' && !literal[p - 1];
    const bool any = plain[p - 1] == '?' && !literal[p - 1];
    for (std::size_t t = 0; t <= text.size(); ++t) {
      if (star) {
        m[p][t] = m[p - 1][t] || (t > 0 && m[p][t - 1]);
      } else if (t > 0) {
        m[p][t] = m[p - 1][t - 1] && (any || plain[p - 1] == text[t - 1]);
      }
    }
  }
  return m[plain.size()][text.size()];
}

bool passes(const std::vector<Ec2Filter>& filters, const Instance& i) {
  return std::ranges::all_of(filters, [&](const Ec2Filter& f) {
    return std::ranges::any_of(f.values, [&](const std::string& value) {
      if (f.name == "instance-state-name") return value == to_string(i.state);
      if (f.name == "instance-id") return ec2_value_matches(value, i.id);
      if (f.name.starts_with("tag:")) {
        const auto it = i.tags.find(f.name.substr(4));
        return it != i.tags.end() && ec2_value_matches(value, it->second);
      }
      return false;  // a filter this check does not know: fail loudly
    });
  });
}

// Major 3: whatever match_instance() would select or skip (any state but
// terminated, which is gone) passes the server-side filters, for one policy
// and for the united filters of several.
RC_GTEST_PROP(Selection, ServerSideFiltersAreNeverStricterThanTheMatch, ()) {
  const auto text = [] {
    return *rc::gen::element<std::string>("a", "b", "ab", "a*", "*", "?", "a\\b", "x y", "");
  };
  Config config;
  const int policies = *rc::gen::inRange(1, 4);
  for (int p = 0; p < policies; ++p) {
    Policy policy;
    const int tags = *rc::gen::inRange(0, 3);
    for (int t = 0; t < tags; ++t) {
      policy.select.tags[*rc::gen::element<std::string>("K", "L", "K*", "?")] = text();
    }
    if (*rc::gen::inRange(0, 3) == 0) policy.select.exclude_tags["K"] = text();
    if (*rc::gen::inRange(0, 3) == 0) policy.select.instance_ids = {"i-1", "i-2"};
    config.policies.push_back(std::move(policy));
  }
  Instance instance;
  instance.id = *rc::gen::element<std::string>("i-1", "i-2", "i-3");
  instance.state = *rc::gen::element(InstanceState::pending, InstanceState::running,
                                     InstanceState::stopping, InstanceState::stopped,
                                     InstanceState::shutting_down, InstanceState::terminated);
  const int tags = *rc::gen::inRange(0, 3);
  for (int t = 0; t < tags; ++t) {
    instance.tags[*rc::gen::element<std::string>("K", "L", "M")] = text();
  }
  for (const auto& policy : config.policies) {
    if (match_instance(policy.select, instance).kind == InstanceMatch::Kind::not_matched ||
        instance.state == InstanceState::terminated) {
      continue;
    }
    RC_ASSERT(passes(instance_filters(policy), instance));
    RC_ASSERT(passes(instance_filters(config), instance));
  }
}

}  // namespace
}  // namespace snapkeep::core
