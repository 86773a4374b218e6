#include "engine/copies.h"

#include <fmt/format.h>

#include "core/retention.h"
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
  limit_reached = limit_reached || other.limit_reached;
  problems.insert(problems.end(), other.problems.begin(), other.problems.end());
  created.insert(created.end(), other.created.begin(), other.created.end());
}

aws::Result<std::vector<core::Snapshot>> list_own_snapshots_with_tags(const aws::Ec2& ec2,
                                                                      SourceUserTags& user_tags) {
  aws::DescribeSnapshotsRequest request;
  request.owners = {"self"};
  request.filters.push_back({"tag-key", {std::string(core::tag::policy)}});
  std::vector<core::Snapshot> out;
  auto listed = ec2.describe_snapshots(request, [&](std::vector<aws::Ec2Snapshot>&& page) {
    for (auto& s : page) {
      out.push_back(to_core(s));
      aws::TagList user;
      for (auto& t : s.tags) {
        if (t.key.starts_with(core::tag::prefix) || t.key.starts_with("aws:")) continue;
        user.push_back(std::move(t));
      }
      if (!user.empty()) user_tags[s.id] = std::move(user);
    }
  });
  if (!listed) return snapkeep::unexpected(listed.error());
  return out;
}

core::RegionInventory list_copies(const aws::Ec2& destination, std::string account_id,
                                  std::vector<std::string>& problems) {
  core::RegionInventory inv;
  inv.account_id = std::move(account_id);
  inv.region = destination.region();
  aws::DescribeSnapshotsRequest request;
  request.owners = {"self"};
  request.filters.push_back({"tag-key", {std::string(core::tag::copy_of)}});
  auto listed = destination.describe_snapshots(request, [&](std::vector<aws::Ec2Snapshot>&& page) {
    for (const auto& s : page) inv.snapshots.push_back(to_core(s));
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
  if (const auto it = user_tags.find(copy.source_snapshot_id); it != user_tags.end()) {
    for (const auto& t : it->second) {
      if (tags.size() >= max_snapshot_tags) break;
      if (t.key.starts_with(core::tag::prefix) || t.key.starts_with("aws:")) continue;
      tags.push_back(t);
    }
  }
  return tags;
}

CopyOutcome execute_copies(const core::CopyPlan& plan, const aws::Ec2& source,
                           const aws::Ec2& destination, const SourceUserTags& user_tags) {
  CopyOutcome out;
  out.waiting = plan.waiting;
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
        out.problems.push_back(fmt::format("sharing {} with account {} failed: {}",
                                           share->snapshot_id, share->account_id,
                                           done.error().describe()));
      }
      continue;
    }
    const auto* copy = std::get_if<core::CopyAction>(&step);
    if (copy == nullptr) continue;
    if (out.limit_reached) {
      ++out.waiting;
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
      continue;
    }
    if (done.error().code == "ResourceLimitExceeded") {
      // EC2's concurrent-copy quota for the destination: the rest waits.
      out.limit_reached = true;
      ++out.waiting;
      continue;
    }
    ++out.failed;
    out.problems.push_back(fmt::format("copy of {} ({} {} slot {}) to {} failed: {}",
                                       copy->source_snapshot_id, copy->policy, copy->instance_id,
                                       core::format_slot(copy->slot), plan.target_key,
                                       done.error().describe()));
  }
  return out;
}

CopyOutcome execute_copy_cleanup(const core::CopyPlan& plan, const aws::Ec2& source,
                                 const aws::Ec2& destination) {
  CopyOutcome out;
  for (const auto& step : plan.steps) {
    if (const auto* del = std::get_if<core::CopyDeleteAction>(&step)) {
      auto done = destination.delete_snapshot(del->snapshot_id);
      if (done || done.error().kind == aws::ErrorKind::not_found) {
        ++out.deleted;
      } else {
        out.problems.push_back(fmt::format("deleting copy {} at {} failed: {}", del->snapshot_id,
                                           plan.target_key, done.error().describe()));
      }
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
