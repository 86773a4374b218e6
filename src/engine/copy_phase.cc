#include "engine/copy_phase.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "core/copies.h"
#include "core/shard.h"
#include "engine/copies.h"
#include "engine/inventory.h"
#include "engine/parallel.h"

namespace snapkeep::engine {

namespace {

// One (source, policy, copy target): a CopyTargetReport and its plans.
struct Job {
  TargetListing* source = nullptr;
  const core::Policy* policy = nullptr;
  const core::CopyTarget* target = nullptr;
};

// The jobs of one destination (account, region), in configuration order.
struct Destination {
  Target target;
  std::vector<Job> jobs;
};

CopyTargetReport report_for(const Job& job, const Target& destination) {
  CopyTargetReport r;
  r.policy = job.policy->name;
  r.source_account = job.source->target.account.id;
  r.source_region = job.source->target.region;
  r.destination_account = destination.account.id;
  r.destination_region = destination.region;
  return r;
}

// Drops from each source listing the snapshots that this run deleted (run)
// or would delete (plan): what is left is what the copy step may copy.
void drop_deleted(std::vector<TargetListing>& listings, const RunSummary& total) {
  std::set<std::pair<std::string, std::string>> gone;  // (region, snapshot id)
  for (const auto& r : total.results) {
    if (r.action != ActionKind::delete_snapshot) continue;
    if (r.outcome != Outcome::deleted && r.outcome != Outcome::planned) continue;
    for (const auto& id : r.snapshot_ids) gone.emplace(r.region, id);
  }
  if (gone.empty()) return;
  for (auto& listing : listings) {
    auto& snapshots = listing.inventory.snapshots;
    std::erase_if(snapshots, [&](const core::Snapshot& s) {
      return gone.contains({listing.target.region, s.id.str()});
    });
  }
}

// Copies pending at the destination for each policy (any source).
std::map<std::string, int, std::less<>> pending_by_policy(const core::RegionInventory& dst,
                                                          const std::string& target_key) {
  std::map<std::string, int, std::less<>> out;
  for (const auto& s : dst.snapshots) {
    if (s.state == core::SnapshotState::pending && s.tags.copy.view() == target_key &&
        !s.tags.copy_of.empty()) {
      ++out[s.tags.policy.str()];
    }
  }
  return out;
}

bool deletes(const core::CopyPlan& plan, const std::string& snapshot_id) {
  return std::ranges::any_of(plan.steps, [&](const core::CopyStep& step) {
    const auto* del = std::get_if<core::CopyDeleteAction>(&step);
    return del != nullptr && del->snapshot_id == snapshot_id;
  });
}

// The planner's notes: a copy found in error (deleted here, so copied again
// later) is a failed copy action with EC2's state message; the others are
// warnings.
void report_notes(const core::CopyPlan& plan, const CopyStateMessages& messages,
                  CopyTargetReport& report, RunSummary& out) {
  for (const auto& step : plan.steps) {
    const auto* note = std::get_if<core::CopyNote>(&step);
    if (note == nullptr) continue;
    std::string message = note->reason;
    const auto found = messages.find(note->snapshot_id);
    const std::string state_message =
        found != messages.end() ? found->second : std::string("(EC2 gave no state message)");
    if (note->kind == core::CopyNote::Kind::failed && deletes(plan, note->snapshot_id)) {
      ActionResult r;
      r.outcome = Outcome::failed;
      r.action = ActionKind::copy;
      r.account = plan.destination_account;
      r.region = plan.destination_region;
      r.policy = note->policy;
      r.instance_id = note->instance_id;
      r.snapshot_ids = {note->snapshot_id};
      r.reason = note->reason;
      r.error_code = "error";
      r.error_message = state_message;
      out.results.push_back(std::move(r));
      ++report.failed;
      continue;
    }
    if (note->kind == core::CopyNote::Kind::failed) {
      message += fmt::format(" ({})", state_message);
    }
    if (note->kind == core::CopyNote::Kind::refused) ++report.refused;
    out.warnings.push_back({note->kind == core::CopyNote::Kind::refused
                                ? RunWarning::Level::failure
                                : RunWarning::Level::warning,
                            plan.destination_account, plan.destination_region, note->policy,
                            note->instance_id, std::move(message)});
  }
}

void describe_copies(const core::CopyPlan& plan, CopyTargetReport& report, RunSummary& out) {
  for (const auto& step : plan.steps) {
    if (const auto* copy = std::get_if<core::CopyAction>(&step)) {
      out.results.push_back(copy_result(plan, *copy));
      ++report.started;
    } else if (const auto* del = std::get_if<core::CopyDeleteAction>(&step)) {
      out.results.push_back(copy_result(plan, *del));
      ++report.deleted;
    }
  }
  report.waiting = plan.waiting;
}

RunSummary copy_to(const Destination& dest, const core::Config& config,
                   const ReconcileOptions& options, const RegionClientFactory& factory,
                   const std::atomic<bool>& stop) {
  RunSummary out;
  auto fail_all = [&](const std::string& problem) {
    for (const auto& job : dest.jobs) {
      CopyTargetReport r = report_for(job, dest.target);
      r.complete = false;
      r.problems.push_back(problem);
      out.copies.push_back(std::move(r));
    }
  };
  auto made = factory(dest.target);
  if (!made) {
    fail_all(made.error());
    return out;
  }
  RegionClients& clients = **made;
  const aws::Ec2& ec2 = clients.ec2();
  std::vector<std::string> problems;
  CopyStateMessages messages;
  core::RegionInventory dst = list_copies(ec2, dest.target.account.id, problems, &messages);
  if (!dst.snapshots_complete) {
    // Without the listing a copy that exists could be made again.
    fail_all(problems.front() + ": no copy started or deleted there this run");
    out.api_calls = clients.api_calls();
    return out;
  }
  const std::string key = core::copy_target_key(dest.target.account.id, dest.target.region);
  // The quota is the destination's: every pending copy there counts, also
  // the other shards'. Sharded by instance, the plans see only this shard's
  // copies (so no copy is touched by two shards), and count the rest as
  // started elsewhere.
  int pending_all = 0;
  for (const auto& [policy, n] : pending_by_policy(dst, key)) pending_all += n;
  if (options.shard.sharded() && options.shard.by == core::ShardBy::instance) {
    core::keep_shard(dst, options.shard);
  }
  const auto pending = pending_by_policy(dst, key);
  int started_here = 0;  // copies this run started to the destination so far
  // For a destination in another account: the source snapshots shared with
  // it, one listing per source target (nullopt when that listing failed:
  // shares are then added but none is removed).
  std::map<std::string, std::optional<std::vector<std::string>>> shared;
  for (const auto& job : dest.jobs) {
    CopyTargetReport report = report_for(job, dest.target);
    if (stop.load()) {
      out.interrupted = true;
      report.complete = false;
      report.problems.push_back("not started: interrupted");
      out.copies.push_back(std::move(report));
      continue;
    }
    const auto mine = pending.find(job.policy->name);
    core::CopyPlanInput input;
    input.source = &job.source->inventory;
    input.destination = &dst;
    input.policy = job.policy;
    input.target = job.target;
    input.now = options.now;
    input.owner = config.owner;
    input.started_elsewhere =
        started_here + pending_all - (mine == pending.end() ? 0 : mine->second);
    const Target& source = job.source->target;
    if (source.account.id != dest.target.account.id) {
      auto [at, fresh] = shared.try_emplace(source.key());
      if (fresh) {
        auto listed = list_shared_with(job.source->clients->ec2(), dest.target.account.id);
        if (listed) {
          at->second = std::move(*listed);
        } else {
          report.problems.push_back(fmt::format(
              "listing the snapshots {} shares with account {} failed: {}; shares are added but "
              "none is removed this run",
              source.key(), dest.target.account.id, listed.error().describe()));
        }
      }
      input.shared_with_destination = at->second;
    }
    core::CopyPlan plan = core::plan_copies(input);
    if (plan.needs_images && !dst.images) {
      RegionReport images;
      list_images(ec2, dst, images);
      for (auto& p : images.problems) report.problems.push_back(std::move(p));
      plan = core::plan_copies(input);
    }
    report.pending = plan.in_flight;
    report_notes(plan, messages, report, out);
    if (options.mode == RunMode::plan) {
      describe_copies(plan, report, out);
      started_here += plan.started;
    } else {
      const aws::Ec2& source_ec2 = job.source->clients->ec2();
      // CopySnapshot through the caller that never retries an ambiguous
      // failure: EC2 has no client token for it, and a copy made before a
      // lost answer carries its tags, so the next run sees it.
      CopyOutcome done =
          execute_copies(plan, source_ec2, clients.ec2_create(), job.source->user_tags);
      done.add(execute_copy_cleanup(plan, source_ec2, ec2, done.failed_instances));
      for (auto& p : done.problems) report.problems.push_back(std::move(p));
      report.shares_added = done.shares_added;
      report.shares_removed = done.shares_removed;
      report.refused += done.refused_shares;
      report.started = done.started;
      report.waiting = done.waiting;
      report.failed += done.failed;
      report.deleted = done.deleted;
      started_here += static_cast<int>(done.started);
      for (auto& r : done.results) out.results.push_back(std::move(r));
      if (done.limit_reached) {
        out.warnings.push_back(
            {RunWarning::Level::warning,
             plan.destination_account,
             plan.destination_region,
             job.policy->name,
             {},
             fmt::format("EC2 refused a copy to {} with ResourceLimitExceeded (too many copies in "
                         "progress there): {} copies left for a later run; lower max_in_flight "
                         "({}) to stay under the account's quota",
                         plan.target_key, done.waiting, job.target->max_in_flight)});
      }
    }
    out.copies.push_back(std::move(report));
  }
  out.api_calls = clients.api_calls();
  return out;
}

}  // namespace

bool has_copy_targets(const core::Config& config) {
  return std::ranges::any_of(config.policies,
                             [](const core::Policy& p) { return !p.copies.empty(); });
}

void copy_phase(const core::Config& config, const ReconcileOptions& options,
                std::vector<TargetListing>& listings, const RegionClientFactory& factory,
                const std::atomic<bool>& stop, RunSummary& total) {
  if (!has_copy_targets(config)) return;
  drop_deleted(listings, total);
  std::vector<Destination> destinations;
  auto destination_of = [&](const Target& target) -> Destination& {
    for (auto& d : destinations) {
      if (d.target == target) return d;
    }
    destinations.push_back({target, {}});
    return destinations.back();
  };
  for (auto& listing : listings) {
    for (const auto& policy : config.policies) {
      for (const auto& copy : policy.copies) {
        Job job{&listing, &policy, &copy};
        // In the source's account, or in the vault account of copy.role_arn
        // (resolved by run_once, id learnt with its role's credentials).
        Target destination{listing.target.account, copy.region};
        if (copy.role_arn) {
          const auto found = std::ranges::find_if(options.copy_accounts, [&](const Account& a) {
            return a.role_arn == *copy.role_arn;
          });
          destination.account = found != options.copy_accounts.end()
                                    ? *found
                                    : Account{.name = *copy.role_arn, .role_arn = *copy.role_arn};
        }
        std::string problem;
        if (!listing.clients) {
          problem = "the source could not be listed: no copies from it this run";
        } else if (listing.target.account.id.empty()) {
          problem = "the source's account is unknown: no copies from it this run";
        } else if (destination.account.id.empty()) {
          problem =
              fmt::format("the copy account ({}) could not be reached: no copies to it this run",
                          destination.account.role_arn);
        } else if (copy.region == listing.target.region &&
                   destination.account.id == listing.target.account.id) {
          problem = "the copy target is the source region itself: nothing copied";
        }
        if (!problem.empty()) {
          CopyTargetReport r = report_for(job, destination);
          r.complete = false;
          r.problems.push_back(std::move(problem));
          total.copies.push_back(std::move(r));
          continue;
        }
        destination_of(destination).jobs.push_back(job);
      }
    }
  }
  std::vector<RunSummary> per_destination(destinations.size());
  run_bounded(destinations.size(), options.parallel_targets, [&](std::size_t i) {
    per_destination[i] = copy_to(destinations[i], config, options, factory, stop);
  });
  for (auto& s : per_destination) total.merge(std::move(s));
}

}  // namespace snapkeep::engine
