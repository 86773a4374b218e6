#include "core/iam_policy.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

namespace snapkeep::core {
namespace {

Config config_of(const std::string& yaml) {
  auto result = parse_config(yaml, "c.yaml");
  if (!result) {
    ADD_FAILURE() << result.error().front().to_string();
    return {};
  }
  return *result;
}

const std::string kTwoRegions =
    "regions: [us-east-1, eu-west-1]\n"
    "notify: {sns_topic_arn: 'arn:aws:sns:us-east-1:123456789012:backups'}\n"
    "policies:\n"
    "  - name: nightly\n"
    "    select: {tags: {Backup: \"true\"}}\n"
    "    schedule: \"cron(0 0 * * ? *)\"\n"
    "    retain: {daily: 7}\n"
    "  - name: hourly\n"
    "    select: {tags: {Tier: db}}\n"
    "    schedule: rate(1 hour)\n"
    "    retain: {count: 24}\n";

const IamStatement* find(const IamPolicyDocument& doc, const std::string& sid) {
  for (const auto& s : doc.statements) {
    if (s.sid == sid) return &s;
  }
  return nullptr;
}

TEST(IamPolicy, EveryStatementIsScopedToTheConfiguredRegionsAndPolicies) {
  auto doc = iam_policy(config_of(kTwoRegions), IamPrincipal::runner);
  const auto* list = find(doc, "ListInstancesVolumesSnapshotsImages");
  ASSERT_NE(list, nullptr);
  ASSERT_EQ(list->conditions.size(), 1u);
  EXPECT_EQ(list->conditions[0].key, "aws:RequestedRegion");
  EXPECT_EQ(list->conditions[0].values, (std::vector<std::string>{"eu-west-1", "us-east-1"}));

  const auto* del = find(doc, "DeleteOwnedSnapshots");
  ASSERT_NE(del, nullptr);
  EXPECT_EQ(del->actions, std::vector<std::string>{"ec2:DeleteSnapshot"});
  EXPECT_EQ(del->resources, (std::vector<std::string>{"arn:aws:ec2:eu-west-1::snapshot/*",
                                                      "arn:aws:ec2:us-east-1::snapshot/*"}));
  ASSERT_EQ(del->conditions.size(), 1u);
  EXPECT_EQ(del->conditions[0].key, "aws:ResourceTag/snapkeep:policy");
  EXPECT_EQ(del->conditions[0].values, (std::vector<std::string>{"hourly", "nightly"}));

  const auto* at_creation = find(doc, "TagSnapshotsAtCreation");
  ASSERT_NE(at_creation, nullptr);
  EXPECT_EQ(at_creation->conditions[0].key, "ec2:CreateAction");
  EXPECT_EQ(at_creation->conditions[0].values, std::vector<std::string>{"CreateSnapshots"});

  const auto* owned = find(doc, "TagOwnedSnapshots");
  ASSERT_NE(owned, nullptr);
  ASSERT_EQ(owned->conditions.size(), 2u);
  EXPECT_EQ(owned->conditions[1].values, std::vector<std::string>{"snapkeep:device"});

  const auto* publish = find(doc, "PublishRunSummaries");
  ASSERT_NE(publish, nullptr);
  EXPECT_EQ(publish->resources,
            std::vector<std::string>{"arn:aws:sns:us-east-1:123456789012:backups"});
  EXPECT_EQ(find(doc, "ListEnabledRegions"), nullptr) << "regions are listed in the config";
  EXPECT_EQ(find(doc, "AssumeMemberAccountRoles"), nullptr) << "no accounts configured";
  for (const auto& s : doc.statements) {
    for (const auto& r : s.resources) {
      EXPECT_TRUE(r != "*" || s.actions.front().starts_with("ec2:Describe")) << s.sid;
    }
  }
}

TEST(IamPolicy, AllRegionsNeedsDescribeRegionsAndAnyRegion) {
  auto doc = iam_policy(config_of("regions: \"*\"\n"
                                  "policies:\n"
                                  "  - name: p\n"
                                  "    select: {all: true}\n"
                                  "    schedule: rate(1 day)\n"
                                  "    retain: {count: 1}\n"),
                        IamPrincipal::runner);
  ASSERT_NE(find(doc, "ListEnabledRegions"), nullptr);
  EXPECT_TRUE(find(doc, "ListInstancesVolumesSnapshotsImages")->conditions.empty());
  EXPECT_EQ(find(doc, "DeleteOwnedSnapshots")->resources,
            std::vector<std::string>{"arn:aws:ec2:*::snapshot/*"});
  EXPECT_EQ(find(doc, "PublishRunSummaries"), nullptr);
}

TEST(IamPolicy, CloudWatchMetricsArePutOnlyInSnapkeepsNamespace) {
  const std::string yaml =
      "regions: [us-east-1]\nmetrics: {cloudwatch: true}\npolicies:\n  - name: p\n"
      "    select: {all: true}\n    schedule: rate(1 day)\n    retain: {count: 1}\n";
  auto doc = iam_policy(config_of(yaml), IamPrincipal::runner);
  const auto* put = find(doc, "PublishRunMetrics");
  ASSERT_NE(put, nullptr);
  EXPECT_EQ(put->actions, std::vector<std::string>{"cloudwatch:PutMetricData"});
  ASSERT_EQ(put->conditions.size(), 1u);
  EXPECT_EQ(put->conditions[0].values, std::vector<std::string>{"snapkeep"});
  EXPECT_EQ(find(iam_policy(config_of(yaml), IamPrincipal::member_account), "PublishRunMetrics"),
            nullptr);
  EXPECT_EQ(find(iam_policy(config_of(kTwoRegions), IamPrincipal::runner), "PublishRunMetrics"),
            nullptr);
}

TEST(IamPolicy, MemberAccountRoleGetsTheEc2WorkOnly) {
  auto doc = iam_policy(config_of(kTwoRegions), IamPrincipal::member_account);
  EXPECT_NE(find(doc, "DeleteOwnedSnapshots"), nullptr);
  EXPECT_EQ(find(doc, "PublishRunSummaries"), nullptr);
  EXPECT_EQ(find(doc, "AssumeMemberAccountRoles"), nullptr);
}

TEST(IamPolicy, VaultCopiesShareOwnSnapshotsAndAssumeTheVaultRole) {
  const std::string yaml =
      "regions: [us-east-1]\naccounts:\n  - name: prod\n"
      "    role_arn: arn:aws:iam::111111111111:role/snapkeep\n"
      "policies:\n  - name: p\n    select: {all: true}\n    schedule: rate(1 day)\n"
      "    retain: {count: 1}\n    copies:\n      - region: us-west-2\n"
      "        role_arn: arn:aws:iam::222222222222:role/snapkeep-dr\n"
      "        retain: {count: 1}\n";
  auto doc = iam_policy(config_of(yaml), IamPrincipal::runner);
  const auto* assume = find(doc, "AssumeMemberAccountRoles");
  ASSERT_NE(assume, nullptr);
  EXPECT_EQ(assume->resources,
            (std::vector<std::string>{"arn:aws:iam::111111111111:role/snapkeep",
                                      "arn:aws:iam::222222222222:role/snapkeep-dr"}));
  const auto* share = find(doc, "ShareOwnedSnapshotsForCopies");
  ASSERT_NE(share, nullptr);
  EXPECT_EQ(share->actions, std::vector<std::string>{"ec2:ModifySnapshotAttribute"});
  ASSERT_EQ(share->conditions.size(), 1u);
  EXPECT_EQ(share->conditions[0].key, "aws:ResourceTag/snapkeep:policy");
  EXPECT_EQ(find(iam_policy(config_of(kTwoRegions), IamPrincipal::runner),
                 "ShareOwnedSnapshotsForCopies"),
            nullptr);
}

TEST(IamPolicy, PartitionFollowsTheRegion) {
  EXPECT_EQ(partition_of("cn-north-1"), "aws-cn");
  EXPECT_EQ(partition_of("us-gov-west-1"), "aws-us-gov");
  EXPECT_EQ(partition_of("eu-west-1"), "aws");
  auto doc = iam_policy(config_of("regions: [cn-north-1]\n"
                                  "policies:\n"
                                  "  - name: p\n"
                                  "    select: {all: true}\n"
                                  "    schedule: rate(1 day)\n"
                                  "    retain: {count: 1}\n"),
                        IamPrincipal::runner);
  EXPECT_EQ(find(doc, "DeleteOwnedSnapshots")->resources,
            std::vector<std::string>{"arn:aws-cn:ec2:cn-north-1::snapshot/*"});
}

}  // namespace
}  // namespace snapkeep::core
