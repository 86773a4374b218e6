#include "core/copies.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "core/retention.h"
#include "core/selection.h"

namespace snapkeep::core {

std::string copy_target_key(std::string_view account_id, std::string_view region) {
  return fmt::format("{}:{}", account_id, region);
}

std::string format_copy_of(const CopyOf& source) {
  return fmt::format("{}:{}:{}", source.account_id, source.region, source.snapshot_id);
}

std::optional<CopyOf> parse_copy_of(std::string_view text) {
  const auto first = text.find(':');
  if (first == std::string_view::npos) {
    return std::nullopt;
  }
  const auto second = text.find(':', first + 1);
  if (second == std::string_view::npos) {
    return std::nullopt;
  }
  CopyOf out{text.substr(0, first), text.substr(first + 1, second - first - 1),
             text.substr(second + 1)};
  if (out.account_id.empty() || out.region.empty() || out.snapshot_id.empty() ||
      out.snapshot_id.find(':') != std::string_view::npos) {
    return std::nullopt;
  }
  return out;
}

namespace {

// A restore point of the source: the snapshots of one (slot, set).
struct SourcePoint {
  Time slot{};
  std::string_view set;
  PointState state = PointState::good;
  Time earliest{};
  std::vector<const Snapshot*> snapshots;
};

// The copies at the target of one (slot, set).
struct CopyPoint {
  Time slot{};
  std::string_view set;
  std::vector<const Snapshot*> copies;
};

struct InstanceHistory {
  std::map<std::pair<Time, std::string_view>, SourcePoint> sources;
  std::map<std::pair<Time, std::string_view>, CopyPoint> copies;
};

bool contains(const std::vector<std::string>& list, std::string_view value) {
  return std::ranges::find(list, value) != list.end();
}

class CopyPlanner {
 public:
  explicit CopyPlanner(const CopyPlanInput& in)
      : m_in(in),
        m_src(*in.source),
        m_dst(*in.destination),
        m_policy(*in.policy),
        m_target(*in.target) {
    m_out.policy = m_policy.name;
    m_out.source_account = m_src.account_id;
    m_out.source_region = m_src.region;
    m_out.destination_account = m_dst.account_id;
    m_out.destination_region = m_dst.region;
    m_out.target_key = copy_target_key(m_dst.account_id, m_dst.region);
    m_out.cross_account = m_dst.account_id != m_src.account_id;
  }

  CopyPlan run() {
    m_zone = find_time_zone(m_policy.timezone);
    target_notes();
    read_source();
    read_destination();
    m_budget = std::max(0, m_target.max_in_flight - m_out.in_flight - m_in.started_elsewhere);
    if (m_in.shared_with_destination) {
      for (const auto& id : *m_in.shared_with_destination) {
        m_shared.insert(id);
      }
    }
    for (auto& [instance_id, history] : m_instances) {
      plan_instance(instance_id, history);
    }
    if (m_out.waiting > 0) {
      m_out.steps.push_back(CopyNote{
          CopyNote::Kind::waiting,
          m_policy.name,
          {},
          {},
          fmt::format("waiting: {} copies in flight to {} (max_in_flight {}); {} copies left for "
                      "a later run",
                      m_out.in_flight + m_in.started_elsewhere + m_out.started, m_out.target_key,
                      m_target.max_in_flight, m_out.waiting)});
    }
    if (m_deletes_complete && !m_dst.images.has_value() && m_would_delete > 0) {
      m_out.needs_images = true;
      m_out.steps.push_back(CopyNote{
          CopyNote::Kind::info,
          m_policy.name,
          {},
          {},
          fmt::format("{} copy deletions at {} wait for the AMI listing (a snapshot an AMI uses is "
                      "never deleted)",
                      m_would_delete, m_out.target_key)});
    }
    return std::move(m_out);
  }

 private:
  void target_notes() {
    std::vector<std::string> incomplete;
    if (!m_src.snapshots_complete) {
      incomplete.push_back(fmt::format("snapshots at the source {}", m_src.region));
    }
    if (!m_src.instances_complete) {
      incomplete.push_back(fmt::format("instances at the source {}", m_src.region));
    }
    if (!m_dst.snapshots_complete) {
      incomplete.push_back(fmt::format("copies at {}", m_out.target_key));
    }
    if (m_dst.images.has_value() && !m_dst.images_complete) {
      incomplete.push_back(fmt::format("images at {}", m_out.target_key));
    }
    m_deletes_complete = incomplete.empty();
    if (!m_deletes_complete) {
      m_out.steps.push_back(
          CopyNote{CopyNote::Kind::info,
                   m_policy.name,
                   {},
                   {},
                   fmt::format("listing of {} was incomplete: deleting no copy at {} this run",
                               fmt::join(incomplete, " and "), m_out.target_key)});
    }
    if (m_zone == nullptr) {
      m_out.steps.push_back(CopyNote{
          CopyNote::Kind::info,
          m_policy.name,
          {},
          {},
          fmt::format("unknown time zone '{}': no copy retention applied", m_policy.timezone)});
    }
  }

  void read_source() {
    for (const auto& instance : m_src.instances) {
      m_source_instances.emplace(instance.id, &instance);
    }
    for (const Snapshot& snap : m_src.snapshots) {
      const SnapshotTags& t = snap.tags;
      if (t.policy != m_policy.name || !t.copy_of.empty() ||
          t.owner != std::string_view(m_in.owner)) {
        continue;
      }
      if (!m_src.account_id.empty() && snap.owner_id != m_src.account_id) {
        continue;
      }
      const auto slot = parse_slot(t.slot.view());
      if (t.instance.empty() || t.set.empty() || !slot) {
        continue;
      }
      auto& point = m_instances[t.instance.view()].sources[{*slot, t.set.view()}];
      if (point.snapshots.empty()) {
        point.slot = *slot;
        point.set = t.set.view();
        point.earliest = snap.start_time;
      }
      point.earliest = std::min(point.earliest, snap.start_time);
      point.snapshots.push_back(&snap);
    }
    for (auto& [id, history] : m_instances) {
      for (auto& [key, point] : history.sources) {
        std::vector<SnapshotState> states;
        for (const Snapshot* s : point.snapshots) {
          states.push_back(s->state);
        }
        point.state = point_state(states);
        if (point.state == PointState::good) {
          for (const Snapshot* s : point.snapshots) {
            m_source_ids.insert(s->id.view());
          }
        }
        std::ranges::sort(point.snapshots, {}, [](const Snapshot* s) { return s->id.view(); });
      }
    }
  }

  void read_destination() {
    for (const Snapshot& snap : m_dst.snapshots) {
      const SnapshotTags& t = snap.tags;
      if (t.policy != m_policy.name || t.copy_of.empty()) {
        continue;
      }
      if (t.copy != m_out.target_key) {
        continue;  // another target's copy (or one without the tag): never touched
      }
      if (t.owner != std::string_view(m_in.owner)) {
        continue;  // another configuration's copy: never touched
      }
      const auto of = parse_copy_of(t.copy_of.view());
      if (!of || of->account_id != m_src.account_id || of->region != m_src.region) {
        continue;  // a copy of another source: that source's plan owns it
      }
      if (!m_dst.account_id.empty() && snap.owner_id != m_dst.account_id) {
        continue;
      }
      // Pending copies of this target from any source use its quota.
      const auto slot = parse_slot(t.slot.view());
      if (t.instance.empty() || t.set.empty() || !slot) {
        m_out.steps.push_back(CopyNote{CopyNote::Kind::info, m_policy.name, t.instance.str(),
                                       snap.id.str(),
                                       "copy lacks a valid snapkeep:instance, snapkeep:slot or "
                                       "snapkeep:set: left untouched"});
        continue;
      }
      auto& point = m_instances[t.instance.view()].copies[{*slot, t.set.view()}];
      point.slot = *slot;
      point.set = t.set.view();
      point.copies.push_back(&snap);
      m_copies_of[of->snapshot_id].push_back(&snap);
    }
    // The quota counts every pending copy of this target, whatever its source.
    for (const Snapshot& snap : m_dst.snapshots) {
      if (snap.tags.policy == m_policy.name && snap.tags.copy == m_out.target_key &&
          !snap.tags.copy_of.empty() && snap.state == SnapshotState::pending) {
        ++m_out.in_flight;
      }
    }
    // A source snapshot's copies, the first completed one first: it is the
    // copy; any other (two runs raced) is an extra.
    for (auto& [source_id, copies] : m_copies_of) {
      std::ranges::sort(copies, [](const Snapshot* a, const Snapshot* b) {
        const int ra = rank(*a);
        const int rb = rank(*b);
        if (ra != rb) {
          return ra < rb;
        }
        if (a->start_time != b->start_time) {
          return a->start_time < b->start_time;
        }
        return a->id < b->id;
      });
    }
  }

  static int rank(const Snapshot& s) {
    switch (s.state) {
      case SnapshotState::completed:
        return 0;
      case SnapshotState::pending:
      case SnapshotState::unknown:
        return 1;
      case SnapshotState::error:
        return 2;
    }
    return 2;
  }

  // The copy of `source_id` that counts (completed or pending), or nullptr.
  const Snapshot* live_copy(std::string_view source_id) const {
    const auto it = m_copies_of.find(source_id);
    if (it == m_copies_of.end() || it->second.empty()) {
      return nullptr;
    }
    const Snapshot* first = it->second.front();
    return first->state == SnapshotState::error ? nullptr : first;
  }

  bool aws_managed_key(const Snapshot& s) const {
    if (!s.encrypted) {
      return false;
    }
    const std::string_view key = s.kms_key_id.view();
    for (const auto& managed : m_in.aws_managed_keys) {
      if (!key.empty() && (key == managed || key.ends_with("/" + managed))) {
        return true;
      }
    }
    return false;
  }

  void plan_instance(std::string_view instance_id, const InstanceHistory& history) {
    // The source point of each slot: the first good set (earliest start,
    // then set id), as the source planner keeps it.
    std::map<Time, const SourcePoint*> source_of_slot;
    for (const auto& [key, point] : history.sources) {
      if (point.state != PointState::good) {
        continue;
      }
      auto& chosen = source_of_slot[point.slot];
      if (chosen == nullptr ||
          std::tie(point.earliest, point.set) < std::tie(chosen->earliest, chosen->set)) {
        chosen = &point;
      }
    }

    struct Entry {
      const SourcePoint* source = nullptr;  // the good source point, when there is one
      const CopyPoint* copy = nullptr;      // the copies at the target, when there are
      bool wants_copies = false;            // some source snapshot lacks a live copy
    };
    std::vector<Entry> entries;
    std::vector<PointInfo> points;
    std::set<std::pair<Time, std::string_view>> covered;
    for (const auto& [key, copy] : history.copies) {
      Entry e;
      e.copy = &copy;
      const auto src = history.sources.find(key);
      if (src != history.sources.end() && src->second.state == PointState::good) {
        e.source = &src->second;
      }
      entries.push_back(e);
      covered.insert(key);
    }
    for (const auto& [slot, source] : source_of_slot) {
      if (!covered.contains({slot, source->set})) {
        entries.push_back({source, nullptr, false});
      }
    }
    for (auto& e : entries) {
      points.push_back(point_info(e.source, e.copy, e.wants_copies));
    }

    std::vector<PointDecision> decisions;
    if (m_zone != nullptr && !points.empty()) {
      const auto found = m_source_instances.find(instance_id);
      InstanceMatch match;
      if (found != m_source_instances.end()) {
        match = match_instance(m_policy.select, *found->second);
      }
      RetentionContext context;
      context.rules = &m_target.retain;
      context.zone = m_zone;
      context.now = m_in.now;
      context.orphan = match.kind != InstanceMatch::Kind::selected;
      context.orphan_keep_days = m_policy.orphan_keep_days;
      context.explain_kept = false;
      decisions = decide_retention(points, context);
    } else {
      decisions.assign(points.size(), PointDecision{});
    }

    // Newest slot first: when the quota is short, the most recent points are
    // copied first.
    std::vector<std::size_t> order(entries.size());
    for (std::size_t i = 0; i < order.size(); ++i) {
      order[i] = i;
    }
    std::ranges::sort(order, [&](std::size_t a, std::size_t b) {
      if (points[a].slot != points[b].slot) {
        return points[a].slot > points[b].slot;
      }
      return points[a].set_id < points[b].set_id;
    });

    std::vector<CopyStep> shares;
    std::vector<CopyStep> copies;
    std::vector<CopyStep> notes;
    std::vector<CopyStep> unshares;
    std::unordered_set<std::string_view> copying;
    for (const std::size_t i : order) {
      const Entry& e = entries[i];
      const PointDecision& d = decisions[i];
      if (d.keep && e.source != nullptr && e.wants_copies) {
        want_copies(instance_id, *e.source, e.copy == nullptr, shares, copies, notes, copying);
      }
      if (e.copy == nullptr) {
        continue;
      }
      // A point that goes goes whole: while one of its copies is still
      // pending, none is deleted (the point stays the same for the rules).
      const bool in_flight = std::ranges::any_of(e.copy->copies, [](const Snapshot* c) {
        return c->state == SnapshotState::pending || c->state == SnapshotState::unknown;
      });
      for (const Snapshot* copy : e.copy->copies) {
        const auto of = parse_copy_of(copy->tags.copy_of.view());
        const auto& all = m_copies_of[of->snapshot_id];
        const bool first = !all.empty() && all.front() == copy;
        if (copy->state == SnapshotState::error && m_source_ids.contains(of->snapshot_id)) {
          // The source is still there: delete the failed copy, copy again later.
          notes.push_back(CopyNote{
              CopyNote::Kind::failed, m_policy.name, std::string(instance_id), copy->id.str(),
              fmt::format(
                  "copy {} of {} ended in error at {}: deleted, copied again by a later run",
                  copy->id.view(), of->snapshot_id, m_out.target_key)});
          remove(instance_id, *copy, "the copy ended in error; a later run copies again");
        } else if (!d.keep) {
          if (!in_flight) {
            remove(instance_id, *copy, d.reason);
          }
        } else if (copy->state == SnapshotState::error) {
          // Its source is gone: the copy marks its point as broken, and goes
          // with it when retention lets the point go.
          notes.push_back(CopyNote{
              CopyNote::Kind::failed, m_policy.name, std::string(instance_id), copy->id.str(),
              fmt::format("copy {} of {} ended in error at {} and its source is gone: its restore "
                          "point is incomplete",
                          copy->id.view(), of->snapshot_id, m_out.target_key)});
        } else if (!first && copy->state != SnapshotState::pending) {
          remove(instance_id, *copy,
                 fmt::format("another copy of {} exists at {}: keeping {}", of->snapshot_id,
                             m_out.target_key, all.front()->id.view()));
        }
      }
    }
    if (m_out.cross_account) {
      unshare(instance_id, history, copying, unshares);
    }
    for (auto* list : {&shares, &copies, &notes, &m_deletes, &unshares}) {
      for (auto& step : *list) {
        m_out.steps.push_back(std::move(step));
      }
      list->clear();
    }
  }

  PointInfo point_info(const SourcePoint* source, const CopyPoint* copy, bool& wants_copies) {
    PointInfo info;
    if (copy != nullptr) {
      info.slot = copy->slot;
      info.set_id = copy->set;
      info.earliest_start = Time::max();
      // The point's snapshots: those of the source set when it still
      // exists, else those its copies name. Each counts by its live copy
      // (the first completed or pending one); extra copies do not count.
      std::set<std::string_view> ids;
      std::size_t devices = 0;  // how many the restore metadata names
      for (const Snapshot* c : copy->copies) {
        info.earliest_start = std::min(info.earliest_start, c->start_time);
        devices = std::max<std::size_t>(devices, c->tags.volumes);
        if (source == nullptr) {
          ids.insert(parse_copy_of(c->tags.copy_of.view())->snapshot_id);
        }
      }
      if (source != nullptr) {
        for (const Snapshot* s : source->snapshots) {
          ids.insert(s->id.view());
        }
      }
      bool pending = false;
      bool missing = false;
      for (const std::string_view id : ids) {
        const Snapshot* live = live_copy(id);
        if (live == nullptr) {
          missing = true;
        } else if (live->state != SnapshotState::completed) {
          pending = true;
        }
      }
      // The source is gone and its point had more devices than there are
      // copies (a copy failed, then the source's retention let it go): the
      // copy point can never be completed.
      if (source == nullptr && ids.size() < devices) {
        missing = true;
      }
      wants_copies = missing && source != nullptr;
      if (missing && source == nullptr) {
        // A copy ended in error and its source is gone: never complete.
        info.state = PointState::errored;
      } else if (pending || missing) {
        // In flight or to be completed now: it takes its place in the rules
        // as the copy this run would make does (so that the next run, seeing
        // it pending, decides the same), and it is not a good point yet.
        info.state = PointState::planned;
      } else {
        info.state = PointState::good;
      }
      return info;
    }
    info.slot = source->slot;
    info.set_id = source->set;
    info.state = PointState::planned;
    info.earliest_start = source->earliest;
    wants_copies = true;
    return info;
  }

  void want_copies(std::string_view instance_id, const SourcePoint& source, bool first_copy,
                   std::vector<CopyStep>& shares, std::vector<CopyStep>& copies,
                   std::vector<CopyStep>& notes, std::unordered_set<std::string_view>& copying) {
    const std::string slot_text = format_slot(source.slot);
    for (const Snapshot* snap : source.snapshots) {
      if (live_copy(snap->id.view()) != nullptr) {
        continue;
      }
      const auto previous = m_copies_of.find(snap->id.view());
      const bool errored_before = previous != m_copies_of.end() && !previous->second.empty();
      if (errored_before) {
        continue;  // the copy in error is deleted this run; the next run copies again
      }
      if (snap->tags.device.empty()) {
        // Its snapkeep:device tag is written after creation (this run does
        // it when an earlier one failed to); a copy takes its tags only at
        // creation, so it would never get it. The next run copies it.
        notes.push_back(CopyNote{
            CopyNote::Kind::waiting, m_policy.name, std::string(instance_id), snap->id.str(),
            fmt::format("not copied to {} yet: {} has no {} tag yet; a later run copies it",
                        m_out.target_key, snap->id.view(), tag::device)});
        continue;
      }
      if (m_out.cross_account && aws_managed_key(*snap)) {
        notes.push_back(CopyNote{
            CopyNote::Kind::refused, m_policy.name, std::string(instance_id), snap->id.str(),
            fmt::format("not copied to {}: {} is encrypted with the AWS managed key aws/ebs, "
                        "which cannot be shared with another account; encrypt the volumes with "
                        "a customer managed key whose policy allows account {}",
                        m_out.target_key, snap->id.view(), m_dst.account_id)});
        continue;
      }
      if (m_budget <= 0) {
        ++m_out.waiting;
        continue;
      }
      --m_budget;
      ++m_out.started;
      copying.insert(snap->id.view());
      if (m_out.cross_account && !m_shared.contains(snap->id.view())) {
        shares.push_back(ShareAction{
            m_policy.name, std::string(instance_id), snap->id.str(), m_dst.account_id, true,
            fmt::format("account {} copies it to {}", m_dst.account_id, m_dst.region)});
      }
      CopyAction c;
      c.policy = m_policy.name;
      c.instance_id = std::string(instance_id);
      c.slot = source.slot;
      c.set_id = std::string(source.set);
      c.source_account = m_src.account_id;
      c.source_region = m_src.region;
      c.source_snapshot_id = snap->id.str();
      c.source_encrypted = snap->encrypted;
      c.destination_account = m_dst.account_id;
      c.destination_region = m_dst.region;
      c.encrypted = m_target.encrypted || m_target.kms_key_id.has_value();
      c.kms_key_id = m_target.kms_key_id.value_or("");
      const SnapshotTags& t = snap->tags;
      c.tags = {{std::string(tag::policy), t.policy.str()},
                {std::string(tag::slot), t.slot.str()},
                {std::string(tag::instance), t.instance.str()},
                {std::string(tag::set), t.set.str()},
                {std::string(tag::copy_of),
                 format_copy_of({m_src.account_id, m_src.region, snap->id.view()})},
                {std::string(tag::copy), m_out.target_key}};
      if (!t.device.empty()) {
        c.tags.emplace(std::string(tag::device), t.device.str());
      }
      if (!m_in.owner.empty()) {
        c.tags.emplace(std::string(tag::owner), m_in.owner);
      }
      c.description = fmt::format("snapkeep copy of {} from {} ({} {} {})", snap->id.view(),
                                  m_src.region, m_policy.name, instance_id, slot_text);
      c.reason = first_copy ? fmt::format("no copy at {} for slot {}", m_out.target_key, slot_text)
                            : fmt::format("copy at {} for slot {} is missing {}", m_out.target_key,
                                          slot_text, snap->id.view());
      copies.push_back(std::move(c));
    }
  }

  void remove(std::string_view instance_id, const Snapshot& copy, const std::string& reason) {
    if (m_dst.images) {
      for (const auto& image : *m_dst.images) {
        if (contains(image.snapshot_ids, copy.id.view())) {
          m_deletes.push_back(
              CopyNote{CopyNote::Kind::info, m_policy.name, std::string(instance_id), copy.id.str(),
                       fmt::format("used by {}: copy not deleted ({})", image.id, reason)});
          return;
        }
      }
    }
    ++m_would_delete;
    if (!m_deletes_complete || !m_dst.images.has_value()) {
      return;
    }
    const auto slot = parse_slot(copy.tags.slot.view());
    m_deletes.push_back(CopyDeleteAction{m_policy.name, std::string(instance_id), copy.id.str(),
                                         copy.tags.set.str(), slot.value_or(Time{}), reason});
  }

  // A share is needed while a copy of the snapshot is being made; once its
  // copy is complete (or it is no longer wanted), the share goes.
  void unshare(std::string_view instance_id, const InstanceHistory& history,
               const std::unordered_set<std::string_view>& copying,
               std::vector<CopyStep>& unshares) {
    if (!m_in.shared_with_destination) {
      return;
    }
    for (const auto& [key, point] : history.sources) {
      for (const Snapshot* snap : point.snapshots) {
        const std::string_view id = snap->id.view();
        if (!m_shared.contains(id) || copying.contains(id)) {
          continue;
        }
        const auto copies = m_copies_of.find(id);
        const bool pending =
            copies != m_copies_of.end() &&
            std::ranges::any_of(copies->second, [](const Snapshot* c) {
              return c->state == SnapshotState::pending || c->state == SnapshotState::unknown;
            });
        if (pending) {
          continue;
        }
        const bool done = copies != m_copies_of.end() && !copies->second.empty() &&
                          copies->second.front()->state == SnapshotState::completed;
        unshares.push_back(ShareAction{
            m_policy.name, std::string(instance_id), std::string(id), m_dst.account_id, false,
            done ? fmt::format("its copy at {} is complete", m_out.target_key)
                 : fmt::format("no copy at {} is in progress", m_out.target_key)});
      }
    }
  }

  const CopyPlanInput& m_in;
  const RegionInventory& m_src;
  const RegionInventory& m_dst;
  const Policy& m_policy;
  const CopyTarget& m_target;
  const date::time_zone* m_zone = nullptr;
  CopyPlan m_out;
  bool m_deletes_complete = true;
  int m_budget = 0;
  std::size_t m_would_delete = 0;
  std::map<std::string_view, InstanceHistory> m_instances;
  std::unordered_map<std::string_view, const Instance*> m_source_instances;
  std::unordered_map<std::string_view, std::vector<const Snapshot*>> m_copies_of;
  std::unordered_set<std::string_view> m_shared;
  // Snapshots of the policy's good source points: a failed copy of one is
  // made again.
  std::unordered_set<std::string_view> m_source_ids;
  std::vector<CopyStep> m_deletes;
};

}  // namespace

CopyPlan plan_copies(const CopyPlanInput& input) {
  return CopyPlanner(input).run();
}

}  // namespace snapkeep::core
