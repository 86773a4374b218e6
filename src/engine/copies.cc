#include "engine/copies.h"

#include <fmt/format.h>

#include <map>

#include "core/restore_tags.h"
#include "core/retention.h"
#include "engine/executor.h"
#include "engine/inventory.h"

namespace snapkeep::engine {

namespace {

constexpr std::size_t max_snapshot_tags = 50;

}  // namespace

void CopyOutcome::add(const CopyOutcome& other) {
  started += other.started;
  failed += other.failed;
  waiting += other.waiting;
  shares_added += other.shares_added;
  shares_removed += other.shares_removed;
  deleted += other.deleted;
  refused += other.refused;
  errored += other.errored;
  failed_instances.insert(other.failed_instances.begin(), other.failed_instances.end());
  limit_reached = limit_reached || other.limit_reached;
  problems.insert(problems.end(), other.problems.begin(), other.problems.end());
  created.insert(created.end(), other.created.begin(), other.created.end());
  results.insert(results.end(), other.results.begin(), other.results.end());
}

namespace {

ActionResult copy_result(const core::CopyPlan& plan, ActionKind kind, const std::string& policy,
                         const std::string& instance_id, const std::string& set_id,
                         core::Time slot) {
  ActionResult r;
  r.action = kind;
  r.account = plan.destination_account;
  r.region = plan.destination_region;
  r.policy = policy;
  r.instance_id = instance_id;
  r.set_id = set_id;
  if (slot != core::Time{}) r.slot = core::format_slot(slot);
  return r;
}

}  // namespace

ActionResult copy_result(const core::CopyPlan& plan, const core::CopyAction& copy) {
  ActionResult r =
      copy_result(plan, ActionKind::copy, copy.policy, copy.instance_id, copy.set_id, copy.slot);
  r.reason =
      fmt::format("{} (copy of {} {})", copy.reason, copy.source_region, copy.source_snapshot_id);
  r.snapshot_ids = {copy.source_snapshot_id};
  return r;
}

ActionResult copy_result(const core::CopyPlan& plan, const core::CopyDeleteAction& del) {
  ActionResult r =
      copy_result(plan, ActionKind::delete_copy, del.policy, del.instance_id, del.set_id, del.slot);
  r.reason = del.reason;
  r.snapshot_ids = {del.snapshot_id};
  return r;
}

aws::Result<std::vector<core::Snapshot>> list_own_snapshots_with_tags(const aws::Ec2& ec2,
                                                                      SourceUserTags& user_tags) {
  return list_own_snapshots(ec2, &user_tags);
}

core::RegionInventory list_copies(const aws::Ec2& destination, std::string account_id,
                                  std::vector<std::string>& problems, CopyStateMessages* messages) {
  core::RegionInventory inv;
  inv.account_id = std::move(account_id);
  inv.region = destination.region();
  aws::DescribeSnapshotsRequest request;
  request.owners = {"self"};
  request.filters.push_back({"tag-key", {std::string(core::tag::copy_of)}});
  auto listed = destination.describe_snapshots(request, [&](std::vector<aws::Ec2Snapshot>&& page) {
    for (auto& s : page) {
      inv.snapshots.push_back(to_core(s));
      if (messages != nullptr && !s.state_message.empty()) {
        (*messages)[s.id] = std::move(s.state_message);
      }
    }
  });
  if (!listed) {
    inv.snapshots.clear();
    inv.snapshots_complete = false;
    problems.push_back(fmt::format("listing copies at {} failed: {}", destination.region(),
                                   listed.error().describe()));
  }
  return inv;
}

aws::Result<std::vector<std::string>> list_shared_with(const aws::Ec2& source,
                                                       const std::string& account_id) {
  aws::DescribeSnapshotsRequest request;
  request.owners = {"self"};
  request.restorable_by = {account_id};
  request.filters.push_back({"tag-key", {std::string(core::tag::policy)}});
  std::vector<std::string> ids;
  auto listed = source.describe_snapshots(request, [&](std::vector<aws::Ec2Snapshot>&& page) {
    for (auto& s : page) ids.push_back(std::move(s.id));
  });
  if (!listed) return snapkeep::unexpected(listed.error());
  return ids;
}

aws::TagList copy_tags(const core::CopyAction& copy, const SourceUserTags& user_tags) {
  aws::TagList tags = to_aws(copy.tags);
  const auto it = user_tags.find(copy.source_snapshot_id);
  if (it == user_tags.end()) return tags;
  // The restore metadata before the user tags, as on the source
  // (docs/restore.md): what restoring from the copy needs comes first.
  for (const bool restore : {true, false}) {
    for (const auto& t : it->second) {
      if (tags.size() >= max_snapshot_tags) break;
      if (!carried_by_copies(t.key) || core::is_restore_tag(t.key) != restore) continue;
      tags.push_back(t);
    }
  }
  return tags;
}

bool is_default_key_refusal(const aws::AwsError& error) {
  // EC2 says "Snapshots encrypted with the AWS Managed CMK can't be shared"
  // (InvalidParameter) or "Encrypted snapshots with EBS default key cannot
  // be shared" (OperationNotPermitted).
  const std::string& m = error.message;
  const bool about_sharing = m.find("shared") != std::string::npos;
  const bool default_key = m.find("AWS Managed") != std::string::npos ||
                           m.find("default key") != std::string::npos ||
                           m.find("default KMS key") != std::string::npos;
  return about_sharing && default_key;
}

CopyOutcome execute_copies(const core::CopyPlan& plan, const aws::Ec2& source,
                           const aws::Ec2& destination, const SourceUserTags& user_tags) {
  CopyOutcome out;
  out.waiting = plan.waiting;
  // Snapshots whose share failed, with the error: their copies are not sent.
  std::map<std::string, aws::AwsError> not_shared;
  for (const auto& step : plan.steps) {
    if (const auto* note = std::get_if<core::CopyNote>(&step)) {
      if (note->kind == core::CopyNote::Kind::refused) ++out.refused;
      if (note->kind == core::CopyNote::Kind::failed) ++out.errored;
      continue;
    }
    if (const auto* share = std::get_if<core::ShareAction>(&step); share && share->add) {
      if (out.limit_reached) continue;
      auto done = source.modify_snapshot_permission(
          {share->snapshot_id, aws::PermissionOperation::add, {share->account_id}, {}});
      if (done) {
        ++out.shares_added;
      } else {
        not_shared.emplace(share->snapshot_id, done.error());
      }
      continue;
    }
    const auto* copy = std::get_if<core::CopyAction>(&step);
    if (copy == nullptr) continue;
    if (out.limit_reached) {
      ++out.waiting;
      continue;
    }
    ActionResult result = copy_result(plan, *copy);
    if (const auto refused = not_shared.find(copy->source_snapshot_id);
        refused != not_shared.end()) {
      ++out.failed;
      out.failed_instances.insert(copy->instance_id);
      result.outcome = Outcome::failed;
      set_error(result, refused->second);
      if (is_default_key_refusal(refused->second)) {
        ++out.refused_shares;
        result.reason = fmt::format(
            "not copied to {}: {} is encrypted with the AWS managed key aws/ebs, which cannot be "
            "shared with another account; encrypt the volumes with a customer managed key whose "
            "key policy allows account {}",
            plan.target_key, copy->source_snapshot_id, plan.destination_account);
      } else {
        result.reason =
            fmt::format("not copied to {}: sharing {} with account {} failed", plan.target_key,
                        copy->source_snapshot_id, plan.destination_account);
      }
      out.problems.push_back(fmt::format("{}: {}", result.reason, refused->second.describe()));
      out.results.push_back(std::move(result));
      continue;
    }
    aws::CopySnapshotRequest request;
    request.source_region = copy->source_region;
    request.source_snapshot_id = copy->source_snapshot_id;
    request.description = copy->description;
    request.encrypted = copy->encrypted;
    request.kms_key_id = copy->kms_key_id;
    request.source_encrypted = copy->source_encrypted;
    request.tags = copy_tags(*copy, user_tags);
    auto done = destination.copy_snapshot(request);
    if (done) {
      ++out.started;
      out.created.push_back(done->snapshot_id);
      result.outcome = Outcome::started;
      result.snapshot_ids.push_back(done->snapshot_id);
      out.results.push_back(std::move(result));
      continue;
    }
    if (done.error().code == "ResourceLimitExceeded") {
      // EC2's concurrent-copy quota for the destination: the rest waits.
      out.limit_reached = true;
      ++out.waiting;
      continue;
    }
    ++out.failed;
    out.failed_instances.insert(copy->instance_id);
    result.outcome = Outcome::failed;
    set_error(result, done.error());
    out.results.push_back(std::move(result));
    out.problems.push_back(fmt::format("copy of {} ({} {} slot {}) to {} failed: {}",
                                       copy->source_snapshot_id, copy->policy, copy->instance_id,
                                       core::format_slot(copy->slot), plan.target_key,
                                       done.error().describe()));
  }
  return out;
}

CopyOutcome execute_copy_cleanup(const core::CopyPlan& plan, const aws::Ec2& source,
                                 const aws::Ec2& destination, const std::set<std::string>& waits) {
  CopyOutcome out;
  for (const auto& step : plan.steps) {
    if (const auto* del = std::get_if<core::CopyDeleteAction>(&step)) {
      ActionResult result = copy_result(plan, *del);
      if (waits.contains(del->instance_id)) {
        result.outcome = Outcome::skipped;
        result.reason = "waits: this run could not copy the instance's newer restore point";
        out.results.push_back(std::move(result));
        continue;
      }
      auto done = destination.delete_snapshot(del->snapshot_id);
      if (done || done.error().kind == aws::ErrorKind::not_found) {
        ++out.deleted;
        result.outcome = Outcome::deleted;
      } else if (done.error().kind == aws::ErrorKind::in_use) {
        result.outcome = Outcome::skipped;
        result.reason = "in use by an AMI: " + done.error().message;
        set_error(result, done.error());
      } else {
        result.outcome = Outcome::failed;
        set_error(result, done.error());
        out.problems.push_back(fmt::format("deleting copy {} at {} failed: {}", del->snapshot_id,
                                           plan.target_key, done.error().describe()));
      }
      out.results.push_back(std::move(result));
    } else if (const auto* share = std::get_if<core::ShareAction>(&step); share && !share->add) {
      auto done = source.modify_snapshot_permission(
          {share->snapshot_id, aws::PermissionOperation::remove, {share->account_id}, {}});
      if (done || done.error().kind == aws::ErrorKind::not_found) {
        ++out.shares_removed;
      } else {
        out.problems.push_back(fmt::format("unsharing {} from account {} failed: {}",
                                           share->snapshot_id, share->account_id,
                                           done.error().describe()));
      }
    }
  }
  return out;
}

}  // namespace snapkeep::engine
