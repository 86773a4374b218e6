#include "core/plan.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <string_view>
#include <tuple>
#include <unordered_map>

#include "core/restore_tags.h"
#include "core/retention.h"
#include "core/selection.h"
#include "core/tag_limits.h"

namespace snapkeep::core {
namespace {

// EC2 allows 50 tags per snapshot; one is left for snapkeep:device, written
// right after creation.
constexpr std::size_t max_snapshot_tags = max_tags_per_snapshot;

const std::string* find_tag(const Tags& tags, const std::string& name) {
  const auto it = tags.find(name);
  return it == tags.end() ? nullptr : &it->second;
}

// One snapshot of a configured policy, reduced to what grouping needs: 24
// bytes, a million of them sorted twice (docs/performance.md). The set and
// snapshot ids are read from the snapshot itself.
struct Record {
  std::uint32_t policy = 0;    // index into the policies sorted by name
  std::uint32_t instance = 0;  // rank of the instance id among all ids
  std::uint32_t snapshot = 0;  // index into inventory.snapshots
  Time slot{};
};

struct PolicyState {
  const Policy* policy = nullptr;
  const date::time_zone* zone = nullptr;
  std::optional<Time> slot;  // the current slot
  std::string slot_text;
  std::vector<SkipAction> notes;
  // Snapshots of the policy that another configuration owns, by their
  // snapkeep:owner ("" = none): counted, never touched.
  std::map<std::string, std::size_t, std::less<>> foreign_owners;
};

class Planner {
 public:
  Planner(const RegionInventory& inventory, const Config& config, Time now,
          const PlanOptions& options)
      : m_inv(inventory), m_owner(config.owner), m_now(now), m_options(options) {
    m_out.account_id = inventory.account_id;
    m_out.region = inventory.region;
    for (const auto& p : config.policies) {
      m_policies.push_back({&p, nullptr, std::nullopt, {}, {}, {}});
    }
    std::ranges::sort(m_policies, {}, [](const PolicyState& s) { return s.policy->name; });
  }

  Plan run() {
    const bool complete = region_notes();
    m_deletes_allowed = complete && m_inv.images.has_value();
    prepare_policies();
    index_instances();
    index_images();
    read_snapshots();
    for (std::uint32_t p = 0; p < m_policies.size(); ++p) {
      plan_policy(p);
    }
    unknown_policy_notes();
    tag_devices();
    if (complete && !m_inv.images.has_value() && m_would_delete > 0) {
      m_out.needs_images = true;
      m_out.actions.push_back(SkipAction{
          {},
          {},
          {},
          fmt::format("{} snapshot deletions wait for the AMI listing (a snapshot an AMI uses "
                      "is never deleted)",
                      m_would_delete)});
    }
    return std::move(m_out);
  }

 private:
  // Rule 4: an incomplete listing means nothing is deleted in the region;
  // neither does an unknown account, since rule 1's owner check needs it.
  bool region_notes() {
    if (m_inv.account_id.empty()) {
      m_out.actions.push_back(SkipAction{
          {},
          {},
          {},
          "the account is unknown: deleting nothing in this region this run (a snapshot is "
          "deleted only when its owner is known to be the account being planned)"});
      return false;
    }
    std::vector<std::string_view> incomplete;
    if (!m_inv.instances_complete) {
      incomplete.push_back("instances");
    }
    if (!m_inv.snapshots_complete) {
      incomplete.push_back("snapshots");
    }
    if (m_inv.images.has_value() && !m_inv.images_complete) {
      incomplete.push_back("images");
    }
    if (incomplete.empty()) {
      return true;
    }
    m_out.actions.push_back(SkipAction{
        {},
        {},
        {},
        fmt::format("listing of {} was incomplete: deleting nothing in this region this run",
                    fmt::join(incomplete, " and "))});
    return false;
  }

  void prepare_policies() {
    for (std::uint32_t i = 0; i < m_policies.size(); ++i) {
      auto& s = m_policies[i];
      m_policy_index.emplace(s.policy->name, i);
      s.zone = find_time_zone(s.policy->timezone);
      if (s.zone == nullptr) {
        s.notes.push_back(
            {s.policy->name,
             {},
             {},
             fmt::format("unknown time zone '{}': no retention applied", s.policy->timezone)});
      }
      s.slot = s.policy->schedule.previous_fire(m_now);
      if (s.slot) {
        s.slot_text = format_slot(*s.slot);
      } else {
        s.notes.push_back({s.policy->name,
                           {},
                           {},
                           fmt::format("schedule '{}' has not fired at or before {}",
                                       s.policy->schedule.expression(), format_slot(m_now))});
      }
    }
  }

  std::uint32_t intern(std::string_view id) {
    const auto [it, inserted] =
        m_id_index.try_emplace(id, static_cast<std::uint32_t>(m_ids.size()));
    if (inserted) {
      m_ids.push_back(id);
    }
    return it->second;
  }

  void index_instances() {
    m_id_index.reserve(m_inv.instances.size() * 2);
    for (const auto& instance : m_inv.instances) {
      const auto id = intern(instance.id);
      if (m_instance_by_id.size() <= id) {
        m_instance_by_id.resize(id + 1, nullptr);
      }
      m_instance_by_id[id] = &instance;
    }
  }

  void index_images() {
    if (!m_inv.images) {
      return;
    }
    for (const auto& image : *m_inv.images) {
      for (const auto& snapshot_id : image.snapshot_ids) {
        m_images_of[snapshot_id].push_back(image.id);
      }
    }
  }

  void read_snapshots() {
    m_records.reserve(m_inv.snapshots.size());
    // Snapshots of one instance usually come together: remember the last id.
    std::string_view last_instance;
    std::uint32_t last_instance_index = 0;
    const CompactString* last_policy = nullptr;
    auto policy_it = m_policy_index.end();
    for (std::uint32_t i = 0; i < m_inv.snapshots.size(); ++i) {
      const Snapshot& snap = m_inv.snapshots[i];
      const SnapshotTags& t = snap.tags;
      if (t.policy.empty()) {
        continue;  // not snapkeep's: never looked at
      }
      if (!t.copy_of.empty()) {
        continue;  // a copy at a copy target: core/copies.h reconciles it
      }
      if (last_policy == nullptr || *last_policy != t.policy) {
        last_policy = &t.policy;
        policy_it = m_policy_index.find(t.policy.view());
      }
      if (policy_it == m_policy_index.end()) {
        ++m_unknown_policies[t.policy.view()];
        continue;
      }
      auto& notes = m_policies[policy_it->second].notes;
      if (!m_inv.account_id.empty() && snap.owner_id != m_inv.account_id) {
        notes.push_back({t.policy.str(), t.instance.str(), snap.id.str(),
                         fmt::format("owned by account '{}', not {}: never deleted", snap.owner_id,
                                     m_inv.account_id)});
        continue;
      }
      if (t.owner != std::string_view(m_owner)) {
        // Another configuration's (or, with an owner, one from before it
        // was set): neither counted nor deleted.
        auto& foreign = m_policies[policy_it->second].foreign_owners;
        auto it = foreign.find(t.owner.view());
        if (it == foreign.end()) it = foreign.emplace(t.owner.str(), 0).first;
        ++it->second;
        continue;
      }
      const auto slot = parse_slot(t.slot.view());
      if (t.instance.empty() || t.set.empty() || !slot) {
        notes.push_back({t.policy.str(), t.instance.str(), snap.id.str(),
                         "snapkeep:instance, snapkeep:slot or snapkeep:set missing or malformed: "
                         "left untouched"});
        continue;
      }
      if (last_instance.data() == nullptr || t.instance != last_instance) {
        last_instance = t.instance.view();
        last_instance_index = intern(last_instance);
      }
      m_records.push_back({policy_it->second, last_instance_index, i, *slot});
      if (t.device.empty()) {
        m_untagged_devices.push_back(i);
      }
    }
    // Ranks of instance ids, so that records group by integers.
    std::vector<std::uint32_t> by_id(m_ids.size());
    for (std::uint32_t i = 0; i < by_id.size(); ++i) {
      by_id[i] = i;
    }
    std::ranges::sort(by_id, [&](std::uint32_t a, std::uint32_t b) { return m_ids[a] < m_ids[b]; });
    m_rank.resize(m_ids.size());
    for (std::uint32_t r = 0; r < by_id.size(); ++r) {
      m_rank[by_id[r]] = r;
    }
    m_sorted_ids = std::move(by_id);
    for (auto& r : m_records) {
      r.instance = m_rank[r.instance];
    }
    group_records();
  }

  // Orders records by (policy, instance rank, slot, set, snapshot id): a
  // counting sort on (policy, instance), then a small sort per instance.
  void group_records() {
    const std::size_t ids = m_sorted_ids.size();
    const auto bucket_of = [ids](const Record& r) {
      return static_cast<std::size_t>(r.policy) * ids + r.instance;
    };
    std::vector<std::uint32_t> start(m_policies.size() * ids + 1, 0);
    for (const auto& r : m_records) {
      ++start[bucket_of(r) + 1];
    }
    for (std::size_t b = 1; b < start.size(); ++b) {
      start[b] += start[b - 1];
    }
    std::vector<Record> sorted(m_records.size());
    std::vector<std::uint32_t> next(start.begin(), start.end() - 1);
    for (const auto& r : m_records) {
      sorted[next[bucket_of(r)]++] = r;
    }
    for (std::size_t b = 0; b + 1 < start.size(); ++b) {
      if (start[b + 1] - start[b] > 1) {
        std::sort(sorted.begin() + start[b], sorted.begin() + start[b + 1],
                  [this](const Record& a, const Record& c) {
                    if (a.slot != c.slot) {
                      return a.slot < c.slot;
                    }
                    const Snapshot& x = snapshot_of(a);
                    const Snapshot& y = snapshot_of(c);
                    if (x.tags.set != y.tags.set) {
                      return x.tags.set < y.tags.set;
                    }
                    return x.id < y.id;
                  });
      }
    }
    m_records = std::move(sorted);
  }

  const Snapshot& snapshot_of(const Record& r) const { return m_inv.snapshots[r.snapshot]; }

  void plan_policy(std::uint32_t p) {
    auto& state = m_policies[p];
    const Policy& policy = *state.policy;
    for (auto& note : state.notes) {
      m_out.actions.push_back(std::move(note));
    }
    for (const auto& [owner, n] : state.foreign_owners) {
      m_out.actions.push_back(SkipAction{
          policy.name,
          {},
          {},
          fmt::format("{} snapshots of policy '{}' carry {}, and this configuration {}: another "
                      "configuration's, left untouched",
                      n, policy.name,
                      owner.empty() ? std::string("no snapkeep:owner")
                                    : fmt::format("snapkeep:owner '{}'", owner),
                      m_owner.empty() ? std::string("has no owner")
                                      : fmt::format("is owner '{}'", m_owner))});
    }
    auto rec = std::ranges::lower_bound(m_records, p, {}, &Record::policy);
    const auto rec_end = std::ranges::upper_bound(m_records, p, {}, &Record::policy);
    for (std::uint32_t rank = 0; rank < m_sorted_ids.size(); ++rank) {
      const auto id_index = m_sorted_ids[rank];
      const Instance* instance =
          id_index < m_instance_by_id.size() ? m_instance_by_id[id_index] : nullptr;
      auto group_end = rec;
      while (group_end != rec_end && group_end->instance == rank) {
        ++group_end;
      }
      std::span<const Record> group{rec, group_end};
      rec = group_end;
      InstanceMatch match;
      if (instance) {
        match = match_instance(policy.select, *instance);
      }
      if (match.kind == InstanceMatch::Kind::not_matched && group.empty()) {
        continue;
      }
      plan_instance(state, m_ids[id_index], instance, match, group);
    }
  }

  // Whether this configuration prunes an instance's points, and if it does
  // whether the instance is an orphan (docs/retention.md, "Ownership").
  enum class Standing { backed_up, orphan, not_ours, unlisted };

  Standing standing_of(std::string_view instance_id, const Instance* instance,
                       const InstanceMatch& match, std::string& orphan_reason) const {
    if (instance == nullptr) {
      // A filtered listing leaves out instances the policies do not select:
      // absent is gone only when the engine looked the instance up.
      if (!m_inv.absent_instances_gone) {
        return Standing::unlisted;
      }
      orphan_reason = fmt::format("instance {} no longer exists", instance_id);
      return Standing::orphan;
    }
    if (instance->state == InstanceState::terminated) {
      orphan_reason = fmt::format("instance {} is terminated", instance_id);
      return Standing::orphan;
    }
    if (match.kind != InstanceMatch::Kind::not_matched) {
      // Selected, or named but pending/stopping/...: never an orphan.
      return Standing::backed_up;
    }
    // It exists and this policy does not select it. Without an owner its
    // points may be another configuration's that selects it; with one they
    // are provably this configuration's, and it stopped selecting it.
    if (m_owner.empty()) {
      return Standing::not_ours;
    }
    orphan_reason = fmt::format("instance {} is no longer selected: {}", instance_id, match.reason);
    return Standing::orphan;
  }

  void plan_instance(const PolicyState& state, std::string_view instance_id,
                     const Instance* instance, const InstanceMatch& match,
                     std::span<const Record> group) {
    const Policy& policy = *state.policy;
    if (match.kind == InstanceMatch::Kind::skipped) {
      m_out.actions.push_back(SkipAction{policy.name, std::string(instance_id), {}, match.reason});
    }
    std::string orphan_reason;
    const Standing standing = standing_of(instance_id, instance, match, orphan_reason);
    // Restore points: runs of records with one (slot, set).
    m_points.clear();
    m_point_ranges.clear();
    m_extras.clear();
    bool current_exists = false;
    bool current_errored = false;
    for (std::size_t begin = 0; begin < group.size();) {
      std::size_t end = begin;
      const CompactString& set = snapshot_of(group[begin]).tags.set;
      while (end < group.size() && group[end].slot == group[begin].slot &&
             snapshot_of(group[end]).tags.set == set) {
        ++end;
      }
      const std::size_t extras_before = m_extras.size();
      find_extras(group, begin, end);
      m_states.clear();
      Time earliest = Time::max();
      for (std::size_t r = begin, e = extras_before; r < end; ++r) {
        const Snapshot& snap = snapshot_of(group[r]);
        if (e < m_extras.size() && m_extras[e].record == r) {
          ++e;  // a redundant copy does not decide the point's state
          continue;
        }
        m_states.push_back(snap.state);
        earliest = std::min(earliest, snap.start_time);
      }
      const PointState ps = point_state(m_states);
      if (ps == PointState::pending) {
        m_extras.resize(extras_before);  // a pending point is never touched
      }
      for (std::size_t e = extras_before; e < m_extras.size(); ++e) {
        m_extras[e].point = m_points.size();
      }
      m_points.push_back({group[begin].slot, ps, earliest, set.view()});
      m_point_ranges.emplace_back(begin, end);
      if (state.slot && group[begin].slot == *state.slot) {
        (ps == PointState::errored ? current_errored : current_exists) = true;
      }
      begin = end;
    }
    if (standing == Standing::not_ours || standing == Standing::unlisted) {
      m_out.actions.push_back(SkipAction{
          policy.name,
          std::string(instance_id),
          {},
          standing == Standing::unlisted
              ? fmt::format("not in this run's instance listing: its {} restore points are left "
                            "untouched",
                            m_points.size())
              : fmt::format("not selected by this policy ({}): its {} restore points are left "
                            "untouched (without an owner this configuration cannot tell them "
                            "from another configuration's; see owner in docs/configuration.md)",
                            match.reason, m_points.size())});
      return;
    }

    if (match.kind == InstanceMatch::Kind::selected && state.slot && !current_exists &&
        create(state, *instance, current_errored)) {
      // The point this run creates takes its place in the rules; it has no
      // snapshot to delete (an empty range) and is not yet a good point.
      m_points.push_back({*state.slot, PointState::planned, m_now, {}});
      m_point_ranges.emplace_back(group.size(), group.size());
    }
    if (m_points.empty() || state.zone == nullptr) {
      return;
    }
    RetentionContext context;
    context.rules = &policy.retain;
    context.zone = state.zone;
    context.now = m_now;
    context.orphan = standing == Standing::orphan;
    context.orphan_keep_days = policy.orphan_keep_days;
    context.orphan_reason = orphan_reason;
    context.explain_kept = false;
    const auto decisions = decide_retention(m_points, context);
    for (std::size_t i = 0; i < m_points.size(); ++i) {
      if (decisions[i].keep) {
        continue;
      }
      const auto [begin, end] = m_point_ranges[i];
      for (std::size_t r = begin; r < end; ++r) {
        remove(policy, instance_id, group[r], decisions[i].reason);
      }
    }
    for (const auto& extra : m_extras) {
      if (!decisions[extra.point].keep) {
        continue;  // went with its point
      }
      const Snapshot& snap = snapshot_of(group[extra.record]);
      remove(policy, instance_id, group[extra.record],
             fmt::format("delete: extra snapshot of {} in restore point {} of slot {} ({} is kept)",
                         snap.volume_id, snap.tags.set, format_slot(group[extra.record].slot),
                         snapshot_of(group[extra.keeper]).id));
    }
  }

  // A re-sent CreateSnapshots (a retry after a lost answer) makes a second
  // snapshot of each volume under the same set id. Of the snapshots of one
  // volume in [begin, end), the completed one that started first (then by
  // id) is the point's; the others that are completed or errored are extras,
  // recorded in m_extras in record order. Pending ones are never extras.
  void find_extras(std::span<const Record> group, std::size_t begin, std::size_t end) {
    for (std::size_t r = begin; r < end; ++r) {
      const Snapshot& snap = snapshot_of(group[r]);
      if (snap.volume_id.empty() || snap.state == SnapshotState::pending ||
          snap.state == SnapshotState::unknown) {
        continue;
      }
      std::optional<std::size_t> keeper;
      for (std::size_t q = begin; q < end; ++q) {
        const Snapshot& other = snapshot_of(group[q]);
        if (other.volume_id != snap.volume_id || other.state != SnapshotState::completed) {
          continue;
        }
        if (!keeper ||
            std::tie(other.start_time, other.id) <
                std::tie(snapshot_of(group[*keeper]).start_time, snapshot_of(group[*keeper]).id)) {
          keeper = q;
        }
      }
      if (keeper && *keeper != r) {
        m_extras.push_back({r, *keeper, 0});
      }
    }
  }

  void remove(const Policy& policy, std::string_view instance_id, const Record& record,
              const std::string& reason) {
    const Snapshot& snap = snapshot_of(record);
    if (m_inv.images) {
      const auto used = m_images_of.find(snap.id.view());
      if (used != m_images_of.end()) {
        m_out.actions.push_back(SkipAction{
            policy.name, std::string(instance_id), snap.id.str(),
            fmt::format("used by {}: not deleted ({})", fmt::join(used->second, ", "), reason)});
        return;
      }
    }
    ++m_would_delete;
    if (!m_deletes_allowed) {
      return;
    }
    if (m_deleted.empty()) {
      m_deleted.resize(m_inv.snapshots.size(), false);
    }
    m_deleted[record.snapshot] = true;
    m_out.actions.push_back(DeleteAction{policy.name, std::string(instance_id), snap.id.str(),
                                         snap.tags.set.str(), record.slot, reason});
  }

  // Plans the instance's restore point for the current slot; false when it
  // cannot be made (every volume excluded, none attached).
  bool create(const PolicyState& state, const Instance& instance, bool replaces_errored) {
    const Policy& policy = *state.policy;
    VolumeChoice choice = choose_volumes(policy, instance);
    for (auto& w : choice.warnings) {
      m_out.warnings.push_back({policy.name, instance.id, std::move(w)});
    }
    if (choice.included.empty()) {
      m_out.actions.push_back(SkipAction{
          policy.name,
          instance.id,
          {},
          instance.volumes.empty() ? std::string("no attached EBS volume to snapshot")
                                   : fmt::format("every volume is excluded: {}",
                                                 fmt::join(choice.excluded_reasons, "; "))});
      return false;
    }
    CreateAction c;
    c.policy = policy.name;
    c.instance_id = instance.id;
    c.slot = *state.slot;
    c.set_id = fmt::format("{}-{}", m_options.run_id, ++m_creates);
    c.exclude_boot_volume = choice.exclude_boot_volume;
    c.exclude_volume_ids = std::move(choice.exclude_volume_ids);
    c.volumes = std::move(choice.included);
    c.copy_volume_tags = policy.snapshot.copy_volume_tags;
    c.tags = creation_tags(state, instance, c);
    c.description = fmt::format("snapkeep {} {} {}", policy.name, instance.id, state.slot_text);
    c.reason = replaces_errored ? fmt::format("restore point for slot {} failed; taking it again",
                                              state.slot_text)
                                : fmt::format("no restore point for slot {}", state.slot_text);
    m_out.actions.push_back(std::move(c));
    return true;
  }

  Tags creation_tags(const PolicyState& state, const Instance& instance, const CreateAction& c) {
    const Policy& policy = *state.policy;
    Tags tags{{std::string(tag::policy), policy.name},
              {std::string(tag::slot), state.slot_text},
              {std::string(tag::instance), instance.id},
              {std::string(tag::set), c.set_id}};
    if (!m_owner.empty()) {
      tags.emplace(std::string(tag::owner), m_owner);
    }
    for (const auto& [k, v] : policy.snapshot.tags) {
      if (k.starts_with(tag::prefix)) {
        m_out.warnings.push_back(
            {policy.name, instance.id,
             fmt::format("policy tag '{}' uses the reserved snapkeep: prefix; ignored", k)});
        continue;
      }
      tags.emplace(k, v);
    }
    if (!tags.contains("Name")) {
      // "<instance Name> <slot>", the name cut (on a character boundary) so
      // that the whole stays within EC2's 256 characters.
      const auto* name = find_tag(instance.tags, "Name");
      const std::string_view shown = name && !name->empty() ? *name : instance.id;
      const std::size_t room = max_tag_value_chars - 1 - utf8_length(state.slot_text);
      tags.emplace("Name", fmt::format("{} {}", utf8_prefix(shown, room), state.slot_text));
    }
    // Room left under EC2's limit: one tag for snapkeep:device, and the tags
    // EC2 copies from the volumes themselves when asked to.
    std::size_t reserved = tags.size() + 1;
    if (policy.snapshot.copy_volume_tags) {
      std::size_t most = 0;
      for (const auto& v : c.volumes) {
        most = std::max(most, v.tags.size());
      }
      reserved += most;
    }
    add_restore_tags(policy, instance, c, tags, reserved);
    if (reserved > max_snapshot_tags) {
      m_out.warnings.push_back({policy.name, instance.id,
                                fmt::format("{} tags planned, more than EC2's {} per snapshot",
                                            reserved, max_snapshot_tags)});
    }
    if (!policy.snapshot.copy_instance_tags) {
      return tags;
    }
    std::size_t room = reserved < max_snapshot_tags ? max_snapshot_tags - reserved : 0;
    std::vector<std::string_view> dropped;
    std::vector<std::string_view> too_long;
    for (const auto& [k, v] : instance.tags) {
      if (k.starts_with("aws:") || k.starts_with(tag::prefix) || tags.contains(k)) {
        continue;
      }
      if (!tag_fits(k, v)) {
        too_long.push_back(k);
        continue;
      }
      if (room == 0) {
        dropped.push_back(k);
        continue;
      }
      tags.emplace(k, v);
      --room;
    }
    if (!dropped.empty()) {
      m_out.warnings.push_back(
          {policy.name, instance.id,
           fmt::format("EC2 allows {} tags per snapshot: instance tags not copied: {}",
                       max_snapshot_tags, fmt::join(dropped, ", "))});
    }
    if (!too_long.empty()) {
      std::vector<std::string> shown;
      for (const auto k : too_long) {
        shown.push_back(utf8_length(k) > 40 ? fmt::format("{}...", utf8_prefix(k, 40))
                                            : std::string(k));
      }
      m_out.warnings.push_back(
          {policy.name, instance.id,
           fmt::format("instance tags over EC2's tag limits (key {} characters, value {}) not "
                       "copied: {}",
                       max_tag_key_chars, max_tag_value_chars, fmt::join(shown, ", "))});
    }
    return tags;
  }

  // What a restore needs (core/restore_tags.h), before copied instance tags
  // and within what EC2 allows; the volumes' types once they are described.
  void add_restore_tags(const Policy& policy, const Instance& instance, const CreateAction& c,
                        Tags& tags, std::size_t& reserved) {
    if (!m_inv.volumes_described &&
        std::ranges::any_of(c.volumes, [](const Volume& v) { return !v.tags_known; })) {
      m_out.needs_volumes = true;
    }
    std::vector<std::string> warnings;
    const std::size_t room = reserved < max_snapshot_tags ? max_snapshot_tags - reserved : 0;
    for (auto& [k, v] : restore_tags(instance, c.volumes, room, warnings)) {
      tags.emplace(std::move(k), std::move(v));
      ++reserved;
    }
    for (auto& w : warnings) {
      m_out.warnings.push_back({policy.name, instance.id, std::move(w)});
    }
  }

  void unknown_policy_notes() {
    for (const auto& [name, count] : m_unknown_policies) {
      m_out.actions.push_back(SkipAction{
          std::string(name),
          {},
          {},
          fmt::format("{} snapshots of policy '{}', which is not configured: left untouched", count,
                      name)});
    }
  }

  // Snapshots still lacking snapkeep:device (a crash after creation) get it
  // from the volume's current attachment, when the volume is still attached
  // to the instance the snapshot belongs to.
  void tag_devices() {
    if (m_untagged_devices.empty()) {
      return;
    }
    std::unordered_map<std::string_view, std::pair<const Instance*, const Volume*>> by_volume;
    for (const auto& instance : m_inv.instances) {
      for (const auto& volume : instance.volumes) {
        by_volume.emplace(volume.id, std::pair{&instance, &volume});
      }
    }
    std::map<std::string_view, std::vector<std::string_view>> by_device;
    for (const auto index : m_untagged_devices) {
      if (!m_deleted.empty() && m_deleted[index]) {
        continue;
      }
      const Snapshot& snap = m_inv.snapshots[index];
      const auto it = by_volume.find(snap.volume_id.view());
      if (it == by_volume.end() || it->second.second->device.empty()) {
        continue;
      }
      if (snap.tags.instance != it->second.first->id) {
        continue;
      }
      by_device[it->second.second->device].push_back(snap.id.view());
    }
    for (auto& [device, ids] : by_device) {
      std::ranges::sort(ids);
      TagDeviceAction a;
      a.device = std::string(device);
      a.snapshot_ids.assign(ids.begin(), ids.end());
      a.reason = fmt::format("{} snapshots lack {}", ids.size(), tag::device);
      m_out.actions.push_back(std::move(a));
    }
  }

  const RegionInventory& m_inv;
  std::string m_owner;  // Config::owner
  Time m_now;
  const PlanOptions& m_options;
  Plan m_out;
  std::vector<PolicyState> m_policies;
  std::unordered_map<std::string_view, std::uint32_t> m_policy_index;
  bool m_deletes_allowed = false;
  std::size_t m_would_delete = 0;
  std::size_t m_creates = 0;

  // Every instance id seen (inventory or snapshot tags), interned.
  std::unordered_map<std::string_view, std::uint32_t> m_id_index;
  std::vector<std::string_view> m_ids;
  std::vector<std::uint32_t> m_rank;        // id index -> rank by id
  std::vector<std::uint32_t> m_sorted_ids;  // rank -> id index
  std::vector<const Instance*> m_instance_by_id;

  std::unordered_map<std::string_view, std::vector<std::string_view>> m_images_of;
  std::vector<Record> m_records;
  std::map<std::string_view, std::size_t> m_unknown_policies;
  std::vector<std::uint32_t> m_untagged_devices;
  std::vector<bool> m_deleted;  // by snapshot index, once something is deleted

  // Scratch space reused across instances.
  std::vector<PointInfo> m_points;
  std::vector<std::pair<std::size_t, std::size_t>> m_point_ranges;
  struct Extra {
    std::size_t record;  // index into the instance's records
    std::size_t keeper;  // the snapshot of the same volume that stays
    std::size_t point;   // index into m_points
  };
  std::vector<Extra> m_extras;
  std::vector<SnapshotState> m_states;
};

}  // namespace

Plan plan(const RegionInventory& inventory, const Config& config, Time now,
          const PlanOptions& options) {
  return Planner(inventory, config, now, options).run();
}

}  // namespace snapkeep::core
