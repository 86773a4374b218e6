// engine::run_once over the FakeEc2 and a FakeAwsAccess: targets keyed by
// (account, region) with the account learnt once, repeated regions worked on
// once, no silent region, failures before the run notified, and the
// warnings that make a zero-backup run visible (issue 9, majors 4, 5, 7, 8).
#include "engine/run.h"

#include <date/date.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "aws/credentials.h"
#include "core/config.h"
#include "engine/render.h"
#include "support/fake_aws_access.h"
#include "support/fleet.h"
#include "unit/aws/transport_fakes.h"

namespace snapkeep::engine {
namespace {

using snapkeep::testing::FakeAwsAccess;
using snapkeep::testing::FakeEc2;

constexpr const char* kHook = "https://hooks.example.com/services/T0/B0/SECRET";
constexpr const char* kTopic = "arn:aws:sns:us-east-1:123456789012:backup";
constexpr const char* kPublished =
    "<PublishResponse><PublishResult><MessageId>m-1</MessageId></PublishResult>"
    "</PublishResponse>";

core::Time at(int day) {
  return core::Time(date::sys_days(date::year{2026} / 2 / 1)) + std::chrono::hours(3) +
         std::chrono::minutes(30) + std::chrono::days(day);
}

core::Config parse(const std::string& yaml) {
  auto config = core::parse_config(yaml, "test.yaml");
  EXPECT_TRUE(config.has_value()) << (config ? "" : config.error().front().to_string());
  return config ? *config : core::Config{};
}

// `regions` is the YAML value ("" leaves the key out); the policy selects
// Backup=<select>, and failures go to a webhook and an SNS topic.
core::Config config_with(const std::string& regions, const std::string& select = "true",
                         const std::string& extra_snapshot = "") {
  std::string yaml;
  if (!regions.empty()) yaml += "regions: " + regions + "\n";
  yaml += std::string("notify:\n  webhook_url: ") + kHook + "\n  sns_topic_arn: " + kTopic +
          "\npolicies:\n  - name: daily\n    select:\n      tags: {Backup: \"" + select +
          "\"}\n    schedule: \"cron(0 3 * * ? *)\"\n" + extra_snapshot +
          "    retain: {daily: 3}\n";
  return parse(yaml);
}

struct Harness {
  aws::testing::FakeClock clock;
  FakeEc2 ec2{clock};
  FakeAwsAccess access{ec2, clock};
  aws::testing::FakeTransport hooks;  // the webhook's HTTP

  Harness() {
    hooks.push(200, "ok");
    access.sns.answer(kPublished);
    access.sns.answer(kPublished);
  }

  RunSummary run(const core::Config& config, std::vector<std::string> regions = {},
                 RunMode mode = RunMode::run, bool with_aws = true) {
    RunRequest request;
    request.config = &config;
    request.mode = mode;
    request.now = at(2);
    request.run_id = "run1";
    request.regions = std::move(regions);
    return run_once(request, RunServices{with_aws ? &access : nullptr, &hooks, &clock});
  }

  std::vector<nlohmann::json> webhook_bodies() {
    std::vector<nlohmann::json> out;
    for (const auto& r : hooks.requests()) out.push_back(nlohmann::json::parse(r.body));
    return out;
  }
};

std::int64_t calls_of(const FakeEc2& ec2, const std::string& action) {
  auto calls = ec2.calls();
  return calls.contains(action) ? calls.at(action) : 0;
}

TEST(RunOnce, LearnsTheAccountOnceAndKeysEveryTargetByIt) {
  Harness h;
  for (const char* region : {"us-east-1", "eu-west-1"}) {
    snapkeep::testing::add_fleet(h.ec2, region, 2, [](int) { return 1; }, {{"Backup", "true"}});
  }
  auto s = h.run(config_with("[us-east-1, eu-west-1]"));
  EXPECT_EQ(s.exit_status(), 0) << render_text(s, true);
  EXPECT_EQ(h.access.identity_calls, 1);
  EXPECT_EQ(h.access.identity_regions, std::vector<std::string>{"us-east-1"});
  ASSERT_EQ(s.regions.size(), 2u);
  for (const auto& r : s.regions) EXPECT_EQ(r.account, "123456789012") << r.region;
  EXPECT_EQ(s.count(Outcome::created), 4);
  for (const auto& r : s.results) EXPECT_EQ(r.account, "123456789012");
}

TEST(RunOnce, ARepeatedRegionIsWorkedOnOnce) {
  Harness h;
  snapkeep::testing::add_fleet(h.ec2, "us-east-1", 3, [](int) { return 2; }, {{"Backup", "true"}});
  auto s = h.run(config_with("[us-east-1]"), {"us-east-1", "us-east-1"});
  EXPECT_EQ(s.exit_status(), 0) << render_text(s, true);
  EXPECT_EQ(s.regions.size(), 1u);
  EXPECT_EQ(s.count(Outcome::created), 3);
  EXPECT_EQ(calls_of(h.ec2, "CreateSnapshots"), 3);
  EXPECT_EQ(calls_of(h.ec2, "DescribeInstances"), 1);
}

TEST(ConfiguredRegions, RepeatsAreDroppedInOrder) {
  core::Config config;
  config.regions = {"eu-west-1", "us-east-1", "eu-west-1"};
  EXPECT_EQ(*configured_regions(config, {}, ""),
            (std::vector<std::string>{"eu-west-1", "us-east-1"}));
  EXPECT_EQ(*configured_regions(config, {"ap-south-1", "us-west-2", "ap-south-1"}, ""),
            (std::vector<std::string>{"ap-south-1", "us-west-2"}));
  config.regions.clear();
  EXPECT_EQ(*configured_regions(config, {}, "eu-central-1"),
            std::vector<std::string>{"eu-central-1"});
  config.all_regions = true;
  EXPECT_TRUE(configured_regions(config, {}, "")->empty()) << "\"*\": ask DescribeRegions";
}

TEST(RunOnce, NoRegionAnywhereIsBadInputNotUsEast1) {
  Harness h;
  snapkeep::testing::add_fleet(h.ec2, "us-east-1", 1, [](int) { return 1; }, {{"Backup", "true"}});
  auto s = h.run(config_with(""));
  EXPECT_EQ(s.exit_status(), 2);
  ASSERT_EQ(s.errors.size(), 1u);
  EXPECT_NE(s.errors[0].find("no region"), std::string::npos) << s.errors[0];
  EXPECT_TRUE(h.ec2.calls().empty()) << "nothing sent to EC2";
  EXPECT_EQ(h.access.identity_calls, 0);
  // The failure is still notified.
  auto bodies = h.webhook_bodies();
  ASSERT_EQ(bodies.size(), 1u);
  EXPECT_NE(bodies[0]["text"].get<std::string>().find("no region"), std::string::npos);
  EXPECT_EQ(bodies[0]["summary"]["exit_status"], 2);
}

aws::AwsError credentials_error(std::string code, std::string message, int status = 0) {
  aws::AwsError e;
  e.kind = aws::ErrorKind::credentials;
  e.code = std::move(code);
  e.message = std::move(message);
  e.http_status = status;
  return e;
}

TEST(RunOnce, MissingCredentialsAreBadInputAndStillNotified) {
  Harness h;
  h.access.identity = snapkeep::unexpected(
      credentials_error(std::string(aws::kNoCredentialsCode), "no credentials in the chain"));
  auto s = h.run(config_with("[us-east-1]"));
  EXPECT_EQ(s.exit_status(), 2);
  EXPECT_TRUE(h.ec2.calls().empty());
  EXPECT_EQ(h.webhook_bodies().size(), 1u) << "a webhook needs no AWS credentials";
  EXPECT_EQ(h.access.sns.calls().size(), 1u) << "SNS is tried too";
  EXPECT_NE(one_line(s).find("no credentials"), std::string::npos) << one_line(s);
}

TEST(RunOnce, CredentialSourceTimeoutIsAFailureNotBadInput) {
  Harness h;
  h.access.identity = snapkeep::unexpected(
      credentials_error("CredentialRetrievalError", "IMDS: connect timeout after 1000 ms"));
  auto s = h.run(config_with("[us-east-1]"));
  EXPECT_EQ(s.exit_status(), 1);
  EXPECT_EQ(h.webhook_bodies().size(), 1u);
  // A 5xx from the credential source is not bad input either; a 403 is.
  EXPECT_FALSE(is_bad_credentials(credentials_error("CredentialRetrievalError", "x", 503)));
  EXPECT_TRUE(is_bad_credentials(credentials_error("CredentialRetrievalError", "x", 403)));
  EXPECT_TRUE(is_bad_credentials(credentials_error("InvalidCredentialConfig", "x")));
  EXPECT_TRUE(is_bad_credentials(credentials_error("AccessDenied", "AssumeRole denied", 403)));
  // A profile's AssumeRole that STS failed keeps STS's code and status.
  EXPECT_FALSE(is_bad_credentials(credentials_error("ServiceUnavailable", "AssumeRole r", 503)));
  EXPECT_FALSE(is_bad_credentials(credentials_error("Throttling", "AssumeRole r", 400)));
  aws::AwsError sts_down;
  sts_down.kind = aws::ErrorKind::timeout;
  EXPECT_FALSE(is_bad_credentials(sts_down));
}

TEST(RunOnce, UnknownAccountGoesOnWithoutTheAccountAndSaysSo) {
  Harness h;
  auto config = config_with("[us-east-1]");
  snapkeep::testing::add_fleet(h.ec2, "us-east-1", 2, [](int) { return 1; }, {{"Backup", "true"}});
  // Three points per instance (daily: 3) from five earlier daily runs: the
  // run's new point lets the oldest go, for a known account.
  snapkeep::testing::seed_history(h.ec2, "us-east-1", config, at(-3), std::chrono::days(1), 5);
  aws::AwsError sts_down;
  sts_down.kind = aws::ErrorKind::transient;
  sts_down.code = "InternalFailure";
  sts_down.http_status = 500;
  h.access.identity = snapkeep::unexpected(sts_down);
  h.ec2.reset_counters();
  auto s = h.run(config);
  EXPECT_EQ(s.exit_status(), 1);
  EXPECT_EQ(s.count(Outcome::created), 2) << "creating needs no account id";
  EXPECT_EQ(calls_of(h.ec2, "DeleteSnapshot"), 0) << "the planner deletes nothing";
  EXPECT_EQ(s.count(Outcome::deleted), 0);
  // Control: with the account known, the same run deletes.
  h.access.identity.reset();
  auto known = h.run(config);
  EXPECT_EQ(known.exit_status(), 0) << render_text(known, true);
  EXPECT_GT(known.count(Outcome::deleted), 0);
  ASSERT_EQ(s.errors.size(), 1u);
  EXPECT_NE(s.errors[0].find("nothing is deleted"), std::string::npos) << s.errors[0];
  ASSERT_EQ(s.regions.size(), 1u);
  EXPECT_EQ(s.regions[0].account, "") << "never guessed from a snapshot owner";
  EXPECT_EQ(h.webhook_bodies().size(), 1u);
}

TEST(RunOnce, NoSessionStillNotifiesTheWebhook) {
  Harness h;
  auto config = config_with("[us-east-1]");
  auto s = failed_run(RunMode::run, "run1", at(2), "profile 'x' not found", true);
  notify_run(config.notify, s, RunServices{nullptr, &h.hooks, &h.clock});
  EXPECT_EQ(h.webhook_bodies().size(), 1u);
  ASSERT_EQ(s.notification_errors.size(), 1u) << "SNS cannot be sent without AWS";
  EXPECT_NE(s.notification_errors[0].find("SNS"), std::string::npos);
  EXPECT_EQ(s.exit_status(), 2);
}

TEST(RunOnce, APolicySelectingNothingIsAFailureWarningAndNotified) {
  Harness h;
  for (const char* region : {"us-east-1", "eu-west-1"}) {
    snapkeep::testing::add_fleet(h.ec2, region, 2, [](int) { return 1; }, {{"Backup", "true"}});
  }
  auto s = h.run(config_with("[us-east-1, eu-west-1]", "True"));  // a typo: tags are exact
  EXPECT_EQ(s.count(Outcome::created), 0);
  EXPECT_EQ(s.exit_status(), 0) << "nothing failed; the warning says what is wrong";
  ASSERT_EQ(s.warnings.size(), 1u);
  EXPECT_EQ(s.warnings[0].level, RunWarning::Level::failure);
  EXPECT_EQ(s.warnings[0].policy, "daily");
  EXPECT_NE(s.warnings[0].message.find("us-east-1, eu-west-1"), std::string::npos);
  // In every output: text (not only with --verbose), quiet, JSON, notifications.
  EXPECT_NE(render_text(s, false).find("failure: daily: selects no instance"), std::string::npos)
      << render_text(s, false);
  EXPECT_NE(render_quiet(s).find("selects no instance"), std::string::npos);
  EXPECT_EQ(to_json(s)["warnings"][0]["level"], "failure");
  auto bodies = h.webhook_bodies();
  ASSERT_EQ(bodies.size(), 1u) << "notify.on [failure] (the default) sends it";
  EXPECT_NE(bodies[0]["text"].get<std::string>().find("1 warning"), std::string::npos);
  ASSERT_EQ(h.access.sns.calls().size(), 1u);
}

TEST(RunOnce, AnInstanceWithNothingToSnapshotIsAWarning) {
  Harness h;
  auto ids = snapkeep::testing::add_fleet(h.ec2, "us-east-1", 2, [](int i) { return i; },
                                          {{"Backup", "true"}});
  auto s = h.run(config_with("[us-east-1]"));
  EXPECT_EQ(s.count(Outcome::created), 1);
  ASSERT_EQ(s.warnings.size(), 1u) << render_text(s, true);
  EXPECT_EQ(s.warnings[0].level, RunWarning::Level::warning);
  EXPECT_EQ(s.warnings[0].instance_id, ids[0]);
  EXPECT_NE(s.warnings[0].message.find("no attached EBS volume"), std::string::npos);
  EXPECT_NE(render_text(s, false).find(ids[0]), std::string::npos) << "shown without --verbose";
  EXPECT_TRUE(h.webhook_bodies().empty()) << "a warning alone is not a failure to notify";
}

TEST(RunOnce, EveryVolumeExcludedIsAWarning) {
  Harness h;
  snapkeep::testing::add_fleet(h.ec2, "us-east-1", 1, [](int) { return 1; }, {{"Backup", "true"}});
  auto config =
      config_with("[us-east-1]", "true", "    snapshot:\n      exclude_boot_volume: true\n");
  auto s = h.run(config);
  ASSERT_EQ(s.warnings.size(), 1u) << render_text(s, true);
  EXPECT_NE(s.warnings[0].message.find("every volume is excluded"), std::string::npos)
      << s.warnings[0].message;
}

TEST(RunOnce, PlanWarningsReachTheSummary) {
  Harness h;
  std::map<std::string, std::string> tags = {{"Backup", "true"}};
  for (int i = 0; i < 60; ++i) tags["t" + std::to_string(i)] = "v";
  snapkeep::testing::add_fleet(
      h.ec2, "us-east-1", 1, [](int) { return 1; }, tags);
  auto config = config_with("[us-east-1]", "true", "    snapshot:\n      copy_tags: [instance]\n");
  auto s = h.run(config, {}, RunMode::plan);
  ASSERT_EQ(s.warnings.size(), 1u) << render_text(s, true);
  EXPECT_NE(s.warnings[0].message.find("not copied"), std::string::npos);
  EXPECT_EQ(s.warnings[0].region, "us-east-1");
  EXPECT_EQ(s.warnings[0].account, "123456789012");
  EXPECT_TRUE(h.webhook_bodies().empty()) << "plan never notifies";
}

TEST(RunOnce, AllRegionsAskDescribeRegionsWithTheAccountKnown) {
  Harness h;
  h.access.region = "eu-west-1";
  auto s = h.run(config_with("\"*\""), {}, RunMode::plan);
  EXPECT_EQ(calls_of(h.ec2, "DescribeRegions"), 1);
  EXPECT_EQ(h.access.identity_regions, std::vector<std::string>{"eu-west-1"});
  EXPECT_FALSE(s.regions.empty());
  EXPECT_TRUE(std::is_sorted(s.regions.begin(), s.regions.end(),
                             [](const auto& a, const auto& b) { return a.region < b.region; }));
}

}  // namespace
}  // namespace snapkeep::engine
