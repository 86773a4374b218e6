#include "core/iam_policy.h"

#include <algorithm>
#include <set>

#include "core/inventory.h"

namespace snapkeep::core {

namespace {

// The regions the policy is scoped to; empty means any region (regions: "*",
// or no list, when the default region is only known at run time).
std::vector<std::string> scoped_regions(const Config& config) {
  if (config.all_regions || config.regions.empty()) return {};
  std::set<std::string> regions(config.regions.begin(), config.regions.end());
  for (const auto& policy : config.policies) {
    for (const auto& copy : policy.copies) regions.insert(copy.region);
  }
  return {regions.begin(), regions.end()};
}

struct Scope {
  std::string partition;
  std::vector<std::string> regions;  // empty: any

  // arn:P:ec2:R:ACCOUNT:TYPE/* for every region in scope.
  std::vector<std::string> ec2_arns(std::string_view type, std::string_view account) const {
    std::vector<std::string> arns;
    auto arn = [&](std::string_view region) {
      return "arn:" + partition + ":ec2:" + std::string(region) + ":" + std::string(account) + ":" +
             std::string(type) + "/*";
    };
    if (regions.empty()) return {arn("*")};
    for (const auto& r : regions) arns.push_back(arn(r));
    return arns;
  }
  // Snapshot ARNs carry no account (they are owned by the caller's account).
  std::vector<std::string> snapshots() const { return ec2_arns("snapshot", ""); }
};

std::vector<std::string> policy_names(const Config& config) {
  std::vector<std::string> names;
  for (const auto& policy : config.policies) names.push_back(policy.name);
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

bool has_copies(const Config& config) {
  return std::any_of(config.policies.begin(), config.policies.end(),
                     [](const Policy& p) { return !p.copies.empty(); });
}

// Each builder adds the statements of one feature.

void add_listing(const Config& config, const Scope& scope, IamPolicyDocument& doc) {
  IamStatement s{"ListInstancesVolumesSnapshotsImages",
                 {"ec2:DescribeInstances", "ec2:DescribeVolumes", "ec2:DescribeSnapshots",
                  "ec2:DescribeImages"},
                 {"*"},
                 {}};
  // EC2's Describe actions support no resource-level permissions: the
  // region is the only thing to narrow them by.
  if (!scope.regions.empty()) {
    s.conditions.push_back({"StringEquals", "aws:RequestedRegion", scope.regions});
  }
  doc.statements.push_back(std::move(s));
  if (config.all_regions) {
    doc.statements.push_back({"ListEnabledRegions", {"ec2:DescribeRegions"}, {"*"}, {}});
  }
}

void add_create(const Config& config, const Scope& scope, IamPolicyDocument& doc) {
  const auto names = policy_names(config);
  IamStatement from{"SnapshotInstancesAndVolumes", {"ec2:CreateSnapshots"}, {}, {}};
  from.resources = scope.ec2_arns("instance", "*");
  auto volumes = scope.ec2_arns("volume", "*");
  from.resources.insert(from.resources.end(), volumes.begin(), volumes.end());
  doc.statements.push_back(std::move(from));
  // The new snapshots must carry the ownership tag of a configured policy.
  doc.statements.push_back(
      {"CreateOwnedSnapshots",
       {"ec2:CreateSnapshots"},
       scope.snapshots(),
       {{"StringEquals", std::string("aws:RequestTag/") + tag::policy.data(), names}}});
  std::vector<std::string> creating{"CreateSnapshots"};
  if (has_copies(config)) creating.push_back("CopySnapshot");
  // Tags given in the creating request need CreateTags, but only as part of it.
  doc.statements.push_back({"TagSnapshotsAtCreation",
                            {"ec2:CreateTags"},
                            scope.snapshots(),
                            {{"StringEquals", "ec2:CreateAction", creating}}});
  // After creation only the per-device tag is written, on snapkeep's own
  // snapshots (DESIGN.md section 1).
  doc.statements.push_back(
      {"TagOwnedSnapshots",
       {"ec2:CreateTags"},
       scope.snapshots(),
       {{"StringEquals", std::string("aws:ResourceTag/") + tag::policy.data(), names},
        {"ForAllValues:StringEquals", "aws:TagKeys", {std::string(tag::device)}}}});
}

void add_delete(const Config& config, const Scope& scope, IamPolicyDocument& doc) {
  doc.statements.push_back({"DeleteOwnedSnapshots",
                            {"ec2:DeleteSnapshot"},
                            scope.snapshots(),
                            {{"StringEquals", std::string("aws:ResourceTag/") + tag::policy.data(),
                              policy_names(config)}}});
}

void add_copies(const Config& config, const Scope& scope, IamPolicyDocument& doc) {
  if (!has_copies(config)) return;
  doc.statements.push_back({"CopyOwnedSnapshots", {"ec2:CopySnapshot"}, scope.snapshots(), {}});
  const bool into_other_accounts = std::ranges::any_of(config.policies, [](const Policy& p) {
    return std::ranges::any_of(p.copies,
                               [](const CopyTarget& c) { return c.role_arn.has_value(); });
  });
  if (into_other_accounts) {
    // A copy into a vault account: the source snapshot is shared with it
    // (and unshared once copied); only snapkeep's own snapshots.
    doc.statements.push_back(
        {"ShareOwnedSnapshotsForCopies",
         {"ec2:ModifySnapshotAttribute"},
         scope.snapshots(),
         {{"StringEquals", std::string("aws:ResourceTag/") + tag::policy.data(),
           policy_names(config)}}});
  }
  std::set<std::string> via;
  bool kms = false;
  for (const auto& policy : config.policies) {
    for (const auto& copy : policy.copies) {
      if (copy.kms_key_id) {
        kms = true;
        via.insert("ec2." + copy.region + ".amazonaws.com");
      }
    }
  }
  if (kms) {
    // Encrypting a copy with a customer key: EC2 uses the key on the
    // caller's behalf, and only EC2 may.
    doc.statements.push_back({"UseCopyKeysThroughEc2",
                              {"kms:CreateGrant", "kms:Decrypt", "kms:DescribeKey", "kms:Encrypt",
                               "kms:GenerateDataKeyWithoutPlaintext", "kms:ReEncrypt*"},
                              {"*"},
                              {{"StringEquals", "kms:ViaService", {via.begin(), via.end()}}}});
  }
}

void add_notify(const Config& config, IamPolicyDocument& doc) {
  if (!config.notify.sns_topic_arn) return;
  doc.statements.push_back(
      {"PublishRunSummaries", {"sns:Publish"}, {*config.notify.sns_topic_arn}, {}});
}

void add_metrics(const Config& config, IamPolicyDocument& doc) {
  if (!config.metrics.cloudwatch) return;
  // PutMetricData has no resource-level permissions; the namespace key
  // limits it to snapkeep's own metrics.
  doc.statements.push_back({"PublishRunMetrics",
                            {"cloudwatch:PutMetricData"},
                            {"*"},
                            {{"StringEquals", "cloudwatch:namespace", {"snapkeep"}}}});
}

void add_accounts(const Config& config, IamPolicyDocument& doc) {
  std::vector<std::string> roles;
  for (const auto& account : config.accounts) roles.push_back(account.role_arn);
  for (const auto& policy : config.policies) {
    for (const auto& copy : policy.copies) {
      if (copy.role_arn) roles.push_back(*copy.role_arn);
    }
  }
  if (roles.empty()) return;
  std::sort(roles.begin(), roles.end());
  roles.erase(std::unique(roles.begin(), roles.end()), roles.end());
  doc.statements.push_back({"AssumeMemberAccountRoles", {"sts:AssumeRole"}, roles, {}});
}

}  // namespace

std::string partition_of(std::string_view region) {
  if (region.starts_with("cn-")) return "aws-cn";
  if (region.starts_with("us-gov-")) return "aws-us-gov";
  return "aws";
}

IamPolicyDocument iam_policy(const Config& config, IamPrincipal principal) {
  Scope scope;
  scope.regions = scoped_regions(config);
  scope.partition = partition_of(scope.regions.empty() ? "" : scope.regions.front());
  IamPolicyDocument doc;
  add_listing(config, scope, doc);
  add_create(config, scope, doc);
  add_delete(config, scope, doc);
  add_copies(config, scope, doc);
  if (principal == IamPrincipal::runner) {
    // The member accounts' roles do the EC2 work; notifying and assuming
    // roles stay with the identity snapkeep runs as.
    add_notify(config, doc);
    add_metrics(config, doc);
    add_accounts(config, doc);
  }
  return doc;
}

}  // namespace snapkeep::core
