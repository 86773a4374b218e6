// run_once over several accounts (docs/accounts.md) and copies into a vault
// account (docs/copies.md, "Cross-account copies"), each account its own
// FakeEc2 reached through FakeAwsAccess's roles: each fleet protected with
// its own account's clients, a refused role reported without stopping the
// others, --account, and a vault copy shared, copied by the vault, and
// unshared once complete.
#include <date/date.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "core/config.h"
#include "engine/render.h"
#include "engine/run.h"
#include "support/fake_aws_access.h"
#include "support/fleet.h"
#include "unit/aws/transport_fakes.h"

namespace snapkeep::engine {
namespace {

using snapkeep::testing::FakeAwsAccess;
using snapkeep::testing::FakeEc2;

constexpr const char* kProdRole = "arn:aws:iam::111111111111:role/snapkeep";
constexpr const char* kStagingRole = "arn:aws:iam::333333333333:role/snapkeep";
constexpr const char* kVaultRole = "arn:aws:iam::222222222222:role/snapkeep-dr";

core::Time slot(int day) {
  return core::Time(date::sys_days(date::year{2026} / 2 / 1)) + std::chrono::hours(3) +
         std::chrono::days(day);
}

core::Config parse(const std::string& yaml) {
  auto config = core::parse_config(yaml, "test.yaml");
  EXPECT_TRUE(config.has_value()) << (config ? "" : config.error().front().to_string());
  return config ? *config : core::Config{};
}

const std::string kPolicy =
    "policies:\n  - name: daily\n    select: {tags: {Backup: \"true\"}}\n"
    "    schedule: \"cron(0 3 * * ? *)\"\n    snapshot: {tags: {CostCenter: ops}}\n"
    "    retain: {daily: 7}\n";

const std::string kAccounts = std::string(
                                  "regions: [us-east-1]\n"
                                  "include_own_account: true\n"
                                  "accounts:\n"
                                  "  - name: prod\n    role_arn: ") +
                              kProdRole +
                              "\n    external_id: ext-1\n    regions: [eu-west-1]\n"
                              "  - name: staging\n    role_arn: " +
                              kStagingRole + "\n";

struct Harness {
  aws::testing::FakeClock clock;
  FakeEc2 own{clock};
  FakeEc2 prod{clock, "111111111111"};
  FakeEc2 staging{clock, "333333333333"};
  FakeEc2 vault{clock, "222222222222"};
  FakeAwsAccess access{own, clock};
  aws::testing::FakeTransport hooks;

  Harness() {
    access.roles = {{kProdRole, &prod}, {kStagingRole, &staging}, {kVaultRole, &vault}};
    vault.add_peer(own);
    snapkeep::testing::add_fleet(own, "us-east-1", 1, [](int) { return 2; }, {{"Backup", "true"}});
    snapkeep::testing::add_fleet(prod, "eu-west-1", 2, [](int) { return 1; }, {{"Backup", "true"}});
    snapkeep::testing::add_fleet(staging, "us-east-1", 1, [](int) { return 1; },
                                 {{"Backup", "true"}});
  }

  RunSummary run(const core::Config& config, core::Time now, RunMode mode = RunMode::run,
                 std::vector<std::string> accounts = {}) {
    RunRequest request;
    request.config = &config;
    request.mode = mode;
    request.now = now;
    request.run_id = "0badcafe";
    request.accounts = std::move(accounts);
    return run_once(request, RunServices{&access, &hooks, &clock});
  }
};

std::size_t snapshots_in(FakeEc2& ec2, const std::string& region) {
  return ec2.region(region).snapshots.size();
}

TEST(Accounts, EachAccountsFleetIsProtectedWithItsOwnCredentials) {
  Harness h;
  const auto config = parse(kAccounts + kPolicy);
  auto s = h.run(config, slot(0) + std::chrono::minutes(5));
  EXPECT_EQ(s.exit_status(), 0) << render_text(s, true);
  // The own account in the top-level region, prod in its own region,
  // staging in the top-level region: each in its own EC2.
  EXPECT_EQ(snapshots_in(h.own, "us-east-1"), 2u);
  EXPECT_EQ(snapshots_in(h.prod, "eu-west-1"), 2u);
  EXPECT_EQ(snapshots_in(h.prod, "us-east-1"), 0u) << "prod's regions replace the top-level ones";
  EXPECT_EQ(snapshots_in(h.staging, "us-east-1"), 1u);
  ASSERT_EQ(s.regions.size(), 3u);
  EXPECT_EQ(s.regions[0].account, "123456789012");
  EXPECT_EQ(s.regions[1].account, "111111111111");
  EXPECT_EQ(s.regions[1].region, "eu-west-1");
  EXPECT_EQ(s.regions[2].account, "333333333333");
  for (const auto& r : s.results) {
    if (r.region == "eu-west-1") {
      EXPECT_EQ(r.account, "111111111111");
    }
  }
  // Each role's session is named after the run; the own account needs none.
  const std::vector<std::pair<std::string, std::string>> sessions{
      {"", ""}, {kProdRole, "snapkeep-0badcafe"}, {kStagingRole, "snapkeep-0badcafe"}};
  EXPECT_EQ(h.access.sessions, sessions);
}

TEST(Accounts, WithoutIncludeOwnAccountOnlyTheConfiguredAccountsAreWorkedOn) {
  Harness h;
  std::string yaml = kAccounts;
  yaml.replace(yaml.find("include_own_account: true\n"), 26, "");
  auto s = h.run(parse(yaml + kPolicy), slot(0) + std::chrono::minutes(5));
  EXPECT_EQ(s.exit_status(), 0) << render_text(s, true);
  EXPECT_EQ(snapshots_in(h.own, "us-east-1"), 0u);
  EXPECT_EQ(snapshots_in(h.prod, "eu-west-1"), 2u);
  EXPECT_TRUE(h.own.calls().empty()) << "the own account is not touched";
}

TEST(Accounts, ARefusedRoleIsReportedAndTheOtherAccountsComplete) {
  Harness h;
  h.access.denied_roles = {kProdRole};
  auto s = h.run(parse(kAccounts + kPolicy), slot(0) + std::chrono::minutes(5));
  EXPECT_EQ(s.exit_status(), 1);
  ASSERT_EQ(s.errors.size(), 1u) << render_text(s, true);
  EXPECT_NE(s.errors[0].find("account prod"), std::string::npos) << s.errors[0];
  EXPECT_NE(s.errors[0].find("AccessDenied"), std::string::npos) << s.errors[0];
  EXPECT_TRUE(h.prod.calls().empty());
  EXPECT_EQ(snapshots_in(h.own, "us-east-1"), 2u);
  EXPECT_EQ(snapshots_in(h.staging, "us-east-1"), 1u);
  EXPECT_EQ(h.hooks.requests().size(), 0u) << "no webhook configured";
}

TEST(Accounts, AccountFlagLimitsTheRunByNameOrId) {
  Harness h;
  const auto config = parse(kAccounts + kPolicy);
  auto by_name = h.run(config, slot(0) + std::chrono::minutes(5), RunMode::run, {"staging"});
  EXPECT_EQ(by_name.exit_status(), 0) << render_text(by_name, true);
  EXPECT_EQ(snapshots_in(h.staging, "us-east-1"), 1u);
  EXPECT_EQ(snapshots_in(h.own, "us-east-1"), 0u);
  EXPECT_TRUE(h.prod.calls().empty()) << "a role left out is not even assumed";
  for (const auto& [role, session] : h.access.sessions) EXPECT_NE(role, kProdRole);

  auto by_id = h.run(config, slot(0) + std::chrono::minutes(6), RunMode::run,
                     {"123456789012", "111111111111"});
  EXPECT_EQ(by_id.exit_status(), 0) << render_text(by_id, true);
  EXPECT_EQ(snapshots_in(h.own, "us-east-1"), 2u);
  EXPECT_EQ(snapshots_in(h.prod, "eu-west-1"), 2u);

  auto unknown = h.run(config, slot(0) + std::chrono::minutes(7), RunMode::plan, {"nope"});
  EXPECT_EQ(unknown.exit_status(), 2);
  ASSERT_EQ(unknown.errors.size(), 1u);
  EXPECT_NE(unknown.errors[0].find("--account nope is not a configured account"), std::string::npos)
      << unknown.errors[0];
  EXPECT_NE(unknown.errors[0].find("prod, staging"), std::string::npos) << unknown.errors[0];
}

const std::string kVaultCopy =
    std::string("regions: [us-east-1]\n" + kPolicy +
                "    copies:\n      - region: us-west-2\n        role_arn: ") +
    kVaultRole + "\n        retain: {count: 2}\n";

std::vector<const snapkeep::testing::FakeSnapshot*> vault_copies(Harness& h) {
  std::vector<const snapkeep::testing::FakeSnapshot*> out;
  for (const auto& [id, s] : h.vault.region("us-west-2").snapshots) out.push_back(&s);
  return out;
}

std::size_t shared_sources(Harness& h) {
  std::size_t n = 0;
  for (const auto& [id, s] : h.own.region("us-east-1").snapshots) n += s.shared_with.size();
  return n;
}

TEST(VaultCopies, SharedCopiedByTheVaultAndUnsharedOnceComplete) {
  Harness h;
  const auto config = parse(kVaultCopy);
  auto first = h.run(config, slot(0) + std::chrono::minutes(5));
  EXPECT_EQ(first.exit_status(), 0) << render_text(first, true);
  EXPECT_TRUE(vault_copies(h).empty()) << "points made in this run are copied by the next";

  auto second = h.run(config, slot(0) + std::chrono::minutes(10));
  EXPECT_EQ(second.exit_status(), 0) << render_text(second, true);
  const auto copies = vault_copies(h);
  ASSERT_EQ(copies.size(), 2u);
  for (const auto* c : copies) {
    EXPECT_EQ(c->owner_id, "222222222222") << "the vault owns its copies";
    EXPECT_EQ(c->tags.at("snapkeep:copy"), "222222222222:us-west-2");
    EXPECT_TRUE(c->tags.at("snapkeep:copy-of").starts_with("123456789012:us-east-1:snap-"));
    EXPECT_EQ(c->tags.at("snapkeep:policy"), "daily");
    EXPECT_EQ(c->tags.at("CostCenter"), "ops");
  }
  EXPECT_EQ(h.own.calls().at("ModifySnapshotAttribute"), 2);
  EXPECT_EQ(h.vault.calls().at("CopySnapshot"), 2);
  EXPECT_EQ(h.own.calls().count("CopySnapshot"), 0u) << "the source account never copies";
  ASSERT_EQ(second.copies.size(), 1u);
  EXPECT_EQ(second.copies[0].destination_account, "222222222222");
  EXPECT_EQ(second.copies[0].shares_added, 2);
  EXPECT_EQ(shared_sources(h), 2u) << "copies complete at once here; unshared by the next run";

  h.own.reset_counters();
  h.vault.reset_counters();
  auto third = h.run(config, slot(0) + std::chrono::minutes(15));
  EXPECT_EQ(third.exit_status(), 0) << render_text(third, true);
  EXPECT_EQ(shared_sources(h), 0u);
  EXPECT_EQ(third.copies.at(0).shares_removed, 2);
  EXPECT_EQ(h.vault.calls().count("CopySnapshot"), 0u);

  // A rerun in the same slot changes nothing at either end.
  h.own.reset_counters();
  h.vault.reset_counters();
  auto fourth = h.run(config, slot(0) + std::chrono::minutes(20));
  EXPECT_EQ(fourth.exit_status(), 0) << render_text(fourth, true);
  for (const auto* ec2 : {&h.own, &h.vault}) {
    for (const auto& [action, n] : ec2->calls()) {
      EXPECT_TRUE(action.starts_with("Describe")) << action << " x" << n;
    }
  }
}

TEST(VaultCopies, ASnapshotEncryptedWithAwsEbsIsRefusedWithWhatToDo) {
  Harness h;
  const auto config = parse(kVaultCopy);
  h.run(config, slot(0) + std::chrono::minutes(5));
  for (auto& [id, s] : h.own.region("us-east-1").snapshots) {
    s.encrypted = true;
    s.kms_key_id = "arn:aws:kms:us-east-1:123456789012:alias/aws/ebs";
  }
  auto s = h.run(config, slot(0) + std::chrono::minutes(10));
  EXPECT_EQ(s.exit_status(), 1);
  EXPECT_TRUE(vault_copies(h).empty());
  EXPECT_EQ(h.vault.calls().count("CopySnapshot"), 0u) << "no copy the vault could not read";
  ASSERT_EQ(s.copies.size(), 1u);
  EXPECT_EQ(s.copies[0].refused, 2);
  const std::string text = render_text(s, true);
  EXPECT_NE(text.find("customer managed key"), std::string::npos) << text;
}

TEST(VaultCopies, AnUnreachableVaultCopiesNothingAndSaysSo) {
  Harness h;
  h.access.denied_roles = {kVaultRole};
  const auto config = parse(kVaultCopy);
  h.run(config, slot(0) + std::chrono::minutes(5));
  auto s = h.run(config, slot(0) + std::chrono::minutes(10));
  EXPECT_EQ(s.exit_status(), 1);
  EXPECT_EQ(shared_sources(h), 0u) << "nothing shared for a vault that cannot copy";
  ASSERT_EQ(s.copies.size(), 1u);
  EXPECT_FALSE(s.copies[0].complete);
  bool said = false;
  for (const auto& e : s.errors) said = said || e.find(kVaultRole) != std::string::npos;
  EXPECT_TRUE(said) << render_text(s, true);
}

}  // namespace
}  // namespace snapkeep::engine
