#include "engine/executor.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "engine/inventory.h"
#include "util/utc_time.h"

namespace snapkeep::engine {

namespace {

std::string iso(core::Time t) {
  return util::format_utc_seconds(t);
}

ActionResult base(const core::Plan& plan, ActionKind action) {
  ActionResult r;
  r.account = plan.account_id;
  r.region = plan.region;
  r.action = action;
  return r;
}

// Failures after which the request may or may not have been carried out.
bool ambiguous(const aws::AwsError& e) {
  using aws::ErrorKind;
  return e.kind == ErrorKind::transient || e.kind == ErrorKind::timeout ||
         e.kind == ErrorKind::network || e.kind == ErrorKind::bad_response;
}

// EC2 limits that pass within seconds: SnapshotCreationPerVolumeRateExceeded
// (15 s between snapshots of a volume) and ConcurrentSnapshotLimitExceeded
// (too many pending snapshots of a volume; they complete).
bool waits_for_limit(const aws::AwsError& e) {
  return e.kind == aws::ErrorKind::volume_rate || e.code == "ConcurrentSnapshotLimitExceeded";
}

}  // namespace

void set_error(ActionResult& r, const aws::AwsError& e) {
  r.error_code = e.code.empty() ? std::string(aws::to_string(e.kind)) : e.code;
  r.error_message = e.message;
  r.request_id = e.request_id;
}

Executor::Executor(const aws::Ec2& ec2, const aws::Ec2& ec2_create, aws::Clock& clock,
                   const std::atomic<bool>& stop, ExecutorOptions options)
    : m_ec2(ec2), m_ec2_create(ec2_create), m_clock(clock), m_stop(stop), m_options(options) {}

void describe_plan(const core::Plan& plan, RunSummary& summary) {
  for (const auto& action : plan.actions) {
    ActionResult r = base(plan, ActionKind::skip);
    std::visit(
        [&](const auto& a) {
          using T = std::decay_t<decltype(a)>;
          r.reason = a.reason;
          if constexpr (std::is_same_v<T, core::CreateAction>) {
            r.action = ActionKind::create;
            r.outcome = Outcome::planned;
            r.policy = a.policy;
            r.instance_id = a.instance_id;
            r.set_id = a.set_id;
            r.slot = iso(a.slot);
            for (const auto& v : a.volumes) r.snapshot_ids.push_back(v.id + " " + v.device);
          } else if constexpr (std::is_same_v<T, core::TagDeviceAction>) {
            r.action = ActionKind::tag_device;
            r.outcome = Outcome::planned;
            r.snapshot_ids = a.snapshot_ids;
          } else if constexpr (std::is_same_v<T, core::DeleteAction>) {
            r.action = ActionKind::delete_snapshot;
            r.outcome = Outcome::planned;
            r.policy = a.policy;
            r.instance_id = a.instance_id;
            r.set_id = a.set_id;
            r.slot = iso(a.slot);
            r.snapshot_ids = {a.snapshot_id};
          } else {
            r.action = ActionKind::skip;
            r.outcome = Outcome::skipped;
            r.policy = a.policy;
            r.instance_id = a.instance_id;
            if (!a.snapshot_id.empty()) r.snapshot_ids = {a.snapshot_id};
          }
        },
        action);
    summary.results.push_back(std::move(r));
  }
}

aws::Result<std::vector<aws::Ec2Snapshot>> Executor::create_set(
    const core::CreateAction& create, const aws::CreateSnapshotsRequest& request) const {
  auto result = m_ec2_create.create_snapshots(request);
  for (int ambiguous_tries = 1; !result && ambiguous(result.error()) &&
                                ambiguous_tries < m_options.ambiguous_create_attempts;
       ++ambiguous_tries) {
    // Did the set get made before the failure? Look for it by its tag.
    aws::DescribeSnapshotsRequest find;
    find.owners = {"self"};
    find.filters.push_back({"tag:" + std::string(core::tag::set), {create.set_id}});
    auto found = m_ec2.describe_snapshots(find);
    if (found && !found->empty()) return std::move(*found);
    if (!found) break;  // cannot tell: do not risk a duplicate
    result = m_ec2_create.create_snapshots(request);
  }
  return result;
}

void Executor::execute(const core::Plan& plan, RunSummary& summary,
                       const ProgressCallback& progress) {
  // Per instance, its create and delete actions not yet done.
  std::map<std::string, std::size_t> remaining;
  for (const auto& action : plan.actions) {
    if (const auto* c = std::get_if<core::CreateAction>(&action)) ++remaining[c->instance_id];
    if (const auto* d = std::get_if<core::DeleteAction>(&action)) ++remaining[d->instance_id];
  }
  RegionProgress state{plan.region, 0, remaining.size(), 0};
  auto report = [&](const ActionResult& r) {
    if (r.outcome == Outcome::failed) ++state.failed;
    if (auto it = remaining.find(r.instance_id);
        it != remaining.end() && it->second > 0 &&
        (r.action == ActionKind::create || r.action == ActionKind::delete_snapshot)) {
      if (--it->second == 0) ++state.instances_done;
    }
    if (progress) progress(state);
  };
  if (progress) progress(state);

  // Instances whose restore point for this slot could not be made: their
  // deletions wait for a later run.
  std::set<std::string> blocked_instances;
  // device -> snapshot ids still lacking snapkeep:device
  std::map<std::string, std::vector<std::string>> device_tags;
  std::map<std::string, std::string> device_reason;
  bool stopped = false;
  auto check_stop = [&] {
    if (!stopped && m_stop.load()) {
      stopped = true;
      summary.interrupted = true;
    }
    return stopped;
  };

  // 1. Creations. An instance that meets EC2's per-volume rate or
  // concurrent-snapshot limit is deferred, not waited for on its own: after
  // the pass, one wait, then the deferred are tried again, for up to
  // limit_attempts rounds. So a region waits (limit_attempts - 1) times at
  // most, however many instances meet a limit.
  struct PendingCreate {
    const core::CreateAction* action = nullptr;
    aws::CreateSnapshotsRequest request;
    ActionResult result;
    aws::Result<std::vector<aws::Ec2Snapshot>> outcome = snapkeep::unexpected(aws::AwsError{});
    bool tried = false;
    bool done = false;
  };
  std::vector<PendingCreate> creates;
  for (const auto& action : plan.actions) {
    const auto* create = std::get_if<core::CreateAction>(&action);
    if (create == nullptr) continue;
    PendingCreate& c = creates.emplace_back();
    c.action = create;
    c.result = base(plan, ActionKind::create);
    c.result.policy = create->policy;
    c.result.instance_id = create->instance_id;
    c.result.set_id = create->set_id;
    c.result.slot = iso(create->slot);
    c.result.reason = create->reason;
    c.request.instance_id = create->instance_id;
    c.request.exclude_boot_volume = create->exclude_boot_volume;
    c.request.exclude_data_volume_ids = create->exclude_volume_ids;
    c.request.description = create->description;
    c.request.tags = to_aws(create->tags);
    c.request.copy_tags_from_volume = create->copy_volume_tags;
  }
  auto finish_create = [&](PendingCreate& c) {
    c.done = true;
    ActionResult& r = c.result;
    if (c.outcome) {
      r.outcome = Outcome::created;
      std::map<std::string, std::string> device_of;
      for (const auto& v : c.action->volumes) device_of[v.id] = v.device;
      for (const auto& s : *c.outcome) {
        r.snapshot_ids.push_back(s.id);
        if (auto it = device_of.find(s.volume_id); it != device_of.end()) {
          device_tags[it->second].push_back(s.id);
          device_reason.try_emplace(it->second, "new restore points");
        }
      }
    } else {
      const auto& e = c.outcome.error();
      set_error(r, e);
      blocked_instances.insert(c.action->instance_id);
      if (e.kind == aws::ErrorKind::limit || e.kind == aws::ErrorKind::incorrect_state ||
          e.kind == aws::ErrorKind::volume_rate) {
        r.outcome = Outcome::skipped;
        r.limit = true;
        r.reason = "EC2 limit; the next run retries";
      } else {
        r.outcome = Outcome::failed;
      }
    }
    report(r);
  };
  for (int round = 1; round <= m_options.limit_attempts || round == 1; ++round) {
    if (std::all_of(creates.begin(), creates.end(), [](const auto& c) { return c.done; })) break;
    if (round > 1) {
      if (check_stop()) break;
      // EC2 asks for at least 15 s between snapshots of one volume.
      m_clock.sleep_for(m_options.limit_wait);
    }
    for (auto& c : creates) {
      if (c.done) continue;
      if (check_stop()) break;
      c.outcome = create_set(*c.action, c.request);
      c.tried = true;
      if (!c.outcome && waits_for_limit(c.outcome.error()) && round < m_options.limit_attempts) {
        continue;  // deferred to the next round
      }
      finish_create(c);
    }
  }
  for (auto& c : creates) {
    if (!c.done && c.tried) {
      finish_create(c);  // deferred, and the stop flag cut its next round
    } else if (!c.done) {
      c.result.outcome = Outcome::skipped;
      c.result.reason = "not started: interrupted";
      blocked_instances.insert(c.action->instance_id);
      report(c.result);
    }
    summary.results.push_back(std::move(c.result));
  }

  // 2. Device tags: the planner's repairs and the new snapshots, merged so
  // that each device name costs one CreateTags call (per batch).
  for (const auto& action : plan.actions) {
    if (const auto* tag = std::get_if<core::TagDeviceAction>(&action)) {
      auto& ids = device_tags[tag->device];
      ids.insert(ids.end(), tag->snapshot_ids.begin(), tag->snapshot_ids.end());
      device_reason[tag->device] = tag->reason;
    }
  }
  for (const auto& [device, ids] : device_tags) {
    for (std::size_t start = 0; start < ids.size(); start += m_options.tag_batch) {
      std::vector<std::string> batch(ids.begin() + static_cast<std::ptrdiff_t>(start),
                                     ids.begin() + static_cast<std::ptrdiff_t>(std::min(
                                                       ids.size(), start + m_options.tag_batch)));
      ActionResult r = base(plan, ActionKind::tag_device);
      r.reason = fmt::format("{}={} ({})", core::tag::device, device, device_reason[device]);
      r.snapshot_ids = batch;
      if (check_stop()) {
        r.outcome = Outcome::skipped;
        r.reason += "; not started: interrupted (the next run repairs it)";
        report(r);
        summary.results.push_back(std::move(r));
        continue;
      }
      auto tagged = m_ec2.create_tags(batch, {{std::string(core::tag::device), device}});
      if (tagged) {
        r.outcome = Outcome::tagged;
      } else {
        // A missing device tag is repaired by the next run; the snapshots
        // themselves are good.
        r.outcome = Outcome::failed;
        set_error(r, tagged.error());
      }
      report(r);
      summary.results.push_back(std::move(r));
    }
  }

  // 3. Deletions and skips, in plan order.
  for (const auto& action : plan.actions) {
    if (const auto* skip = std::get_if<core::SkipAction>(&action)) {
      ActionResult r = base(plan, ActionKind::skip);
      r.outcome = Outcome::skipped;
      r.policy = skip->policy;
      r.instance_id = skip->instance_id;
      if (!skip->snapshot_id.empty()) r.snapshot_ids = {skip->snapshot_id};
      r.reason = skip->reason;
      report(r);
      summary.results.push_back(std::move(r));
      continue;
    }
    const auto* del = std::get_if<core::DeleteAction>(&action);
    if (del == nullptr) continue;
    ActionResult r = base(plan, ActionKind::delete_snapshot);
    r.policy = del->policy;
    r.instance_id = del->instance_id;
    r.set_id = del->set_id;
    r.slot = iso(del->slot);
    r.snapshot_ids = {del->snapshot_id};
    r.reason = del->reason;
    if (blocked_instances.contains(del->instance_id)) {
      r.outcome = Outcome::skipped;
      r.reason = "waits: this run could not create the instance's new restore point";
      report(r);
      summary.results.push_back(std::move(r));
      continue;
    }
    if (check_stop()) {
      r.outcome = Outcome::skipped;
      r.reason = "not started: interrupted";
      report(r);
      summary.results.push_back(std::move(r));
      continue;
    }
    auto deleted = m_ec2.delete_snapshot(del->snapshot_id);
    if (deleted) {
      r.outcome = Outcome::deleted;
    } else if (deleted.error().kind == aws::ErrorKind::not_found) {
      r.outcome = Outcome::deleted;
      r.reason += " (already gone)";
    } else if (deleted.error().kind == aws::ErrorKind::in_use) {
      r.outcome = Outcome::skipped;
      r.reason = "in use by an AMI: " + deleted.error().message;
      set_error(r, deleted.error());
    } else {
      r.outcome = Outcome::failed;
      set_error(r, deleted.error());
    }
    report(r);
    summary.results.push_back(std::move(r));
  }
}

}  // namespace snapkeep::engine
