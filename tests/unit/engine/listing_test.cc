#include "engine/listing.h"

#include <date/date.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <mutex>
#include <set>

#include "core/config.h"
#include "engine/render.h"
#include "support/fake_aws_access.h"
#include "support/fleet.h"
#include "unit/aws/transport_fakes.h"

namespace snapkeep::engine {
namespace {

using std::chrono::days;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

TEST(FormatAge, DaysHoursMinutes) {
  EXPECT_EQ(format_age(days{3} + hours{4} + minutes{59}), "3d 4h");
  EXPECT_EQ(format_age(hours{5} + minutes{12} + seconds{30}), "5h 12m");
  EXPECT_EQ(format_age(minutes{7}), "7m");
  EXPECT_EQ(format_age(seconds{0}), "0m");
  EXPECT_EQ(format_age(-hours{2}), "in 2h 0m");
}

Listing sample() {
  Listing listing;
  RegionListing east;
  east.account = "123456789012";
  east.region = "us-east-1";
  core::RestorePoint p;
  p.policy = "nightly";
  p.instance_id = "i-1";
  p.slot = "2026-11-01T00:00:00Z";
  p.slot_time = core::parse_slot(p.slot);
  p.set_id = "set-1";
  p.state = core::PointState::good;
  p.snapshots = {{"snap-1", "vol-1", "/dev/sda1", core::SnapshotState::completed, 8, ""},
                 {"snap-2", "vol-2", "/dev/sdf", core::SnapshotState::completed, 20, ""}};
  east.points.push_back(p);
  RegionListing west;
  west.region = "eu-west-1";
  west.complete = false;
  west.problem = "listing snapshots failed: AccessDenied";
  listing.regions = {west, east};
  return listing;
}

TEST(Listing, JsonSchema) {
  auto now = *core::parse_slot("2026-11-04T04:00:00Z");
  auto j = to_json(sample(), now);
  EXPECT_EQ(j["now"], "2026-11-04T04:00:00Z");
  EXPECT_EQ(j["exit_status"], 1);
  ASSERT_EQ(j["regions"].size(), 2u);
  EXPECT_EQ(j["regions"][0]["problem"], "listing snapshots failed: AccessDenied");
  EXPECT_FALSE(j["regions"][1].contains("problem"));
  ASSERT_EQ(j["restore_points"].size(), 1u);
  const auto& p = j["restore_points"][0];
  EXPECT_EQ(p["account"], "123456789012");
  EXPECT_EQ(p["region"], "us-east-1");
  EXPECT_EQ(p["state"], "good");
  EXPECT_EQ(p["age_seconds"], 3 * 86400 + 4 * 3600);
  EXPECT_EQ(p["size_gib"], 28);
  EXPECT_EQ(p["snapshots"][1]["device"], "/dev/sdf");
  EXPECT_EQ(p["snapshots"][1]["state"], "completed");
}

TEST(Listing, TextTable) {
  auto now = *core::parse_slot("2026-11-04T04:00:00Z");
  EXPECT_EQ(render_text(sample(), now),
            "REGION     POLICY   INSTANCE  SLOT                  AGE    VOLUMES                 "
            "STATE    SIZE\n"
            "us-east-1  nightly  i-1       2026-11-01T00:00:00Z  3d 4h  2 (/dev/sda1,/dev/sdf)  "
            "good   28 GiB\n"
            "1 restore point of 1 instance in 1 region (1 region could not be listed)\n");
}

TEST(Listing, ShowsTheLastDrillOfAPoint) {
  auto now = *core::parse_slot("2026-11-04T04:00:00Z");
  Listing listing = sample();
  listing.regions[1].points[0].drill = "pass 2026-11-03T05:00:00Z 42";
  auto j = to_json(listing, now);
  const auto& drill = j["restore_points"][0]["last_drill"];
  EXPECT_EQ(drill["result"], "pass");
  EXPECT_EQ(drill["at"], "2026-11-03T05:00:00Z");
  EXPECT_EQ(drill["seconds"], 42);
  EXPECT_NE(render_text(listing, now).find("good, drill pass 42s"), std::string::npos);
  EXPECT_TRUE(to_json(sample(), now)["restore_points"][0]["last_drill"].is_null());
}

TEST(Listing, ExitStatusZeroWhenEveryRegionListed) {
  Listing listing;
  listing.regions.resize(2);
  EXPECT_EQ(listing.exit_status(), 0);
  listing.regions[1].complete = false;
  EXPECT_EQ(listing.exit_status(), 1);
}

TEST(Listing, TextShowsCopiesUnderTheirPointAndCopiesWithoutSource) {
  auto now = *core::parse_slot("2026-11-04T04:00:00Z");
  Listing listing = sample();
  core::RestorePoint& p = listing.regions[1].points[0];
  core::PointCopies west{"123456789012", "us-west-2", core::CopyState::completed, 2, 2, {}};
  core::PointCopies vault{"222222222222", "eu-west-1", core::CopyState::pending, 0, 2, {}};
  p.copies = {west, vault};
  core::CopyWithoutSource gone;
  gone.account = "123456789012";
  gone.region = "us-west-2";
  gone.source_account = "123456789012";
  gone.source_region = "us-east-1";
  gone.point = p;
  gone.point.copies.clear();
  gone.point.instance_id = "i-2";
  gone.point.snapshots = {
      {"snap-c1", "vol-ffffffff", "/dev/sda1", core::SnapshotState::completed, 8, "snap-9"}};
  listing.copies_without_source = {gone};
  EXPECT_EQ(render_text(listing, now),
            "REGION     POLICY   INSTANCE  SLOT                  AGE    VOLUMES                 "
            "STATE    SIZE\n"
            "us-east-1  nightly  i-1       2026-11-01T00:00:00Z  3d 4h  2 (/dev/sda1,/dev/sdf)  "
            "good   28 GiB\n"
            "  copies: us-west-2 completed (2/2 snapshots), 222222222222/eu-west-1 pending (0/2 "
            "snapshots)\n"
            "\n"
            "COPIES WITHOUT THEIR SOURCE POINT (snapkeep restore --from-copy REGION)\n"
            "REGION     POLICY   INSTANCE  SLOT                  AGE    VOLUMES        STATE   "
            "SIZE  SOURCE\n"
            "us-west-2  nightly  i-2       2026-11-01T00:00:00Z  3d 4h  1 (/dev/sda1)  good   8 "
            "GiB  us-east-1 gone\n"
            "1 restore point of 1 instance in 1 region, 1 copy without its source point (1 "
            "region could not be listed)\n");
  auto j = to_json(listing, now);
  const auto& copies = j["restore_points"][0]["copies"];
  ASSERT_EQ(copies.size(), 2u);
  EXPECT_EQ(copies[1]["account"], "222222222222");
  EXPECT_EQ(copies[1]["state"], "pending");
  EXPECT_EQ(copies[1]["completed"], 0);
  EXPECT_EQ(copies[1]["source_snapshots"], 2);
  const auto& without = j["copies_without_source"][0];
  EXPECT_EQ(without["source"], "gone");
  EXPECT_EQ(without["source_region"], "us-east-1");
  EXPECT_EQ(without["region"], "us-west-2");
  EXPECT_EQ(without["snapshots"][0]["source_snapshot_id"], "snap-9");
  EXPECT_FALSE(j["restore_points"][0]["snapshots"][0].contains("source_snapshot_id"));
}

// --- list_restore_points over the fake EC2, after runs that copy ---

using snapkeep::testing::FakeAwsAccess;
using snapkeep::testing::FakeEc2;

constexpr const char* kSource = "us-east-1";
constexpr const char* kDestination = "us-west-2";

core::Time slot(int day) {
  return core::Time(date::sys_days(date::year{2026} / 2 / 1)) + std::chrono::hours(3) +
         std::chrono::days(day);
}

core::Config copy_config() {
  auto config = core::parse_config(
      "regions: [us-east-1]\npolicies:\n  - name: daily\n    select:\n      tags: {Backup: "
      "\"true\"}\n    schedule: \"cron(0 3 * * ? *)\"\n    retain: {daily: 7}\n    copies:\n"
      "      - region: us-west-2\n        retain: {count: 2}\n",
      "test.yaml");
  EXPECT_TRUE(config.has_value()) << (config ? "" : config.error().front().to_string());
  return config ? *config : core::Config{};
}

// Two instances of two volumes in us-east-1 with one point each (slot 0),
// copied to us-west-2 by a run.
struct CopiedFleet {
  aws::testing::FakeClock clock;
  FakeEc2 ec2{clock};
  FakeAwsAccess access{ec2, clock};
  aws::testing::FakeTransport hooks;
  core::Config config = copy_config();
  std::vector<std::string> instances;

  explicit CopiedFleet(snapkeep::testing::FakeCopyModel model = {}) {
    instances =
        snapkeep::testing::add_fleet(ec2, kSource, 2, [](int) { return 2; }, {{"Backup", "true"}});
    snapkeep::testing::seed_history(ec2, kSource, config, slot(0), std::chrono::days(1), 1);
    ec2.set_copy_model(std::move(model));
    RunRequest request;
    request.config = &config;
    request.now = slot(0) + std::chrono::minutes(10);
    request.run_id = "run1";
    auto s = run_once(request, RunServices{&access, &hooks, &clock});
    EXPECT_EQ(ec2.calls().at("CopySnapshot"), 4) << render_text(s, true);
    ec2.reset_counters();
  }

  ListOptions options() const {
    ListOptions o;
    o.targets = snapkeep::testing::fake_targets(ec2, {kSource});
    o.config = &config;
    return o;
  }

  Listing list(const ListOptions& o) { return list_restore_points(o, access); }
  Listing list() { return list(options()); }

  std::vector<snapkeep::testing::FakeSnapshot*> copies() {
    std::vector<snapkeep::testing::FakeSnapshot*> out;
    for (auto& [id, s] : ec2.region(kDestination).snapshots) out.push_back(&s);
    return out;
  }
};

// Every call to `region` answers UnauthorizedOperation.
void deny_region(FakeEc2& ec2, std::string region) {
  ec2.set_fault_hook(
      [region](snapkeep::testing::FaultStage stage, const snapkeep::testing::FakeCall& call)
          -> std::optional<aws::Result<aws::HttpResponse>> {
        if (stage == snapkeep::testing::FaultStage::before && call.region == region) {
          return snapkeep::testing::fake_error_answer(403, "UnauthorizedOperation", "denied");
        }
        return std::nullopt;
      });
}

TEST(ListCopies, EachPointShowsItsCompletedCopiesWithOneListingPerDestination) {
  CopiedFleet f;
  const Listing listing = f.list();
  EXPECT_EQ(listing.exit_status(), 0);
  EXPECT_EQ(f.ec2.calls().at("DescribeSnapshots"), 2);  // the region and the destination
  ASSERT_EQ(listing.copy_regions.size(), 1u);
  EXPECT_EQ(listing.copy_regions[0].region, kDestination);
  EXPECT_EQ(listing.copy_regions[0].account, f.ec2.account_id());
  ASSERT_EQ(listing.regions.size(), 1u);
  ASSERT_EQ(listing.regions[0].points.size(), 2u);
  EXPECT_TRUE(listing.copies_without_source.empty());
  std::set<std::string> listed;
  for (const auto& p : listing.regions[0].points) {
    ASSERT_EQ(p.copies.size(), 1u);
    const core::PointCopies& c = p.copies[0];
    EXPECT_EQ(c.region, kDestination);
    EXPECT_EQ(c.account, f.ec2.account_id());
    EXPECT_EQ(c.state, core::CopyState::completed);
    EXPECT_EQ(c.completed, 2);
    EXPECT_EQ(c.source_snapshots, 2);
    ASSERT_EQ(c.snapshots.size(), 2u);
    for (std::size_t i = 0; i < 2; ++i) {
      EXPECT_EQ(c.snapshots[i].copy_of, p.snapshots[i].snapshot_id);  // same device order
      EXPECT_EQ(c.snapshots[i].device, p.snapshots[i].device);
      const auto& at = f.ec2.region(kDestination).snapshots;
      ASSERT_TRUE(at.contains(c.snapshots[i].snapshot_id));
      EXPECT_EQ(at.at(c.snapshots[i].snapshot_id).tags.at("snapkeep:copy-of"),
                f.ec2.account_id() + ":us-east-1:" + p.snapshots[i].snapshot_id);
      listed.insert(c.snapshots[i].snapshot_id);
    }
  }
  EXPECT_EQ(listed.size(), 4u);
  const std::string text = render_text(listing, slot(1));
  EXPECT_NE(text.find("  copies: us-west-2 completed (2/2 snapshots)\n"), std::string::npos)
      << text;
}

TEST(ListCopies, PendingErrorAndPartialCopies) {
  snapkeep::testing::FakeCopyModel model;
  model.duration = std::chrono::hours(1);
  model.fails = [n = 0](const snapkeep::testing::FakeSnapshot&) mutable { return n++ == 0; };
  CopiedFleet f(model);
  auto states = [&] {
    std::vector<std::string> out;
    const Listing listing = f.list();
    for (const auto& p : listing.regions[0].points) {
      EXPECT_EQ(p.copies.size(), 1u);
      if (!p.copies.empty()) out.emplace_back(core::to_string(p.copies[0].state));
    }
    std::ranges::sort(out);
    return out;
  };
  EXPECT_EQ(states(), (std::vector<std::string>{"pending", "pending"}));
  f.clock.advance(std::chrono::hours(2));
  EXPECT_EQ(states(), (std::vector<std::string>{"completed", "error"}));
  // A copy gone by hand (or deleted as in error and not copied yet): partial.
  for (auto* c : f.copies()) {
    if (c->state == "error") f.ec2.region(kDestination).snapshots.erase(std::string(c->id));
  }
  EXPECT_EQ(states(), (std::vector<std::string>{"completed", "partial"}));
  const auto listing = f.list();
  for (const auto& p : listing.regions[0].points) {
    if (p.copies[0].state == core::CopyState::partial) {
      EXPECT_EQ(p.copies[0].completed, 1);
      EXPECT_EQ(p.copies[0].snapshots.size(), 1u);
    }
  }
}

TEST(ListCopies, CopiesOfADeletedPointAreRestorePointsOfTheirOwn) {
  CopiedFleet f;
  // The first instance's source point is deleted (retention, or by hand).
  auto& source = f.ec2.region(kSource).snapshots;
  std::erase_if(source, [&](const auto& entry) {
    return entry.second.tags.at("snapkeep:instance") == f.instances[0];
  });
  const Listing listing = f.list();
  EXPECT_EQ(listing.exit_status(), 0);
  ASSERT_EQ(listing.regions[0].points.size(), 1u);
  EXPECT_EQ(listing.regions[0].points[0].instance_id, f.instances[1]);
  ASSERT_EQ(listing.copies_without_source.size(), 1u);
  const core::CopyWithoutSource& c = listing.copies_without_source[0];
  EXPECT_EQ(c.source, core::CopyWithoutSource::Source::gone);
  EXPECT_EQ(c.region, kDestination);
  EXPECT_EQ(c.source_region, kSource);
  EXPECT_EQ(c.source_account, f.ec2.account_id());
  EXPECT_EQ(c.point.instance_id, f.instances[0]);
  EXPECT_EQ(c.point.state, core::PointState::good);
  EXPECT_EQ(c.point.slot, "2026-02-01T03:00:00Z");
  ASSERT_EQ(c.point.snapshots.size(), 2u);
  EXPECT_FALSE(c.point.snapshots[0].copy_of.empty());
  // --instance and --policy apply to copies too.
  ListOptions other = f.options();
  other.instances = {f.instances[1]};
  EXPECT_TRUE(f.list(other).copies_without_source.empty());
  other.instances.clear();
  other.policies = {"weekly"};
  const Listing none = f.list(other);
  EXPECT_TRUE(none.copies_without_source.empty());
  EXPECT_TRUE(none.copy_regions.empty());  // no copy target of a policy kept
  EXPECT_TRUE(none.regions[0].points.empty());
}

TEST(ListCopies, AFailedDestinationListingIsReportedAndHidesNoSourcePoint) {
  CopiedFleet f;
  deny_region(f.ec2, kDestination);
  const Listing listing = f.list();
  EXPECT_EQ(listing.exit_status(), 1);
  ASSERT_EQ(listing.copy_regions.size(), 1u);
  EXPECT_FALSE(listing.copy_regions[0].complete);
  EXPECT_NE(listing.copy_regions[0].problem.find("listing copies at us-west-2 failed"),
            std::string::npos)
      << listing.copy_regions[0].problem;
  ASSERT_EQ(listing.regions[0].points.size(), 2u);
  EXPECT_TRUE(listing.regions[0].points[0].copies.empty());
  const auto text = render_text(listing, slot(1));
  EXPECT_NE(text.find("2 restore points of 2 instances in 1 region (copies in 1 region could not "
                      "be listed)"),
            std::string::npos)
      << text;
  const auto j = to_json(listing, slot(1));
  EXPECT_EQ(j["exit_status"], 1);
  EXPECT_EQ(j["copy_regions"][0]["complete"], false);
}

TEST(ListCopies, WhenTheSourceRegionCannotBeListedItsCopiesAreStillShown) {
  CopiedFleet f;
  deny_region(f.ec2, kSource);
  const Listing listing = f.list();
  EXPECT_EQ(listing.exit_status(), 1);
  ASSERT_EQ(listing.copies_without_source.size(), 2u);
  for (const auto& c : listing.copies_without_source) {
    EXPECT_EQ(c.source, core::CopyWithoutSource::Source::unknown);
  }
}

TEST(ListCopies, ARegionThatIsAlsoADestinationShowsItsCopiesFromItsOwnListing) {
  CopiedFleet f;
  ListOptions both = f.options();
  both.targets = snapkeep::testing::fake_targets(f.ec2, {kSource, kDestination});
  const Listing listing = f.list(both);
  EXPECT_EQ(listing.exit_status(), 0);
  EXPECT_EQ(f.ec2.calls().at("DescribeSnapshots"), 2);
  EXPECT_TRUE(listing.copy_regions.empty());
  ASSERT_EQ(listing.regions.size(), 2u);
  EXPECT_TRUE(listing.regions[1].points.empty()) << "copies are not points of us-west-2";
  for (const auto& p : listing.regions[0].points) {
    ASSERT_EQ(p.copies.size(), 1u);
    EXPECT_EQ(p.copies[0].state, core::CopyState::completed);
  }
  // Listed alone (the source not listed), us-west-2 shows them as copies.
  both.targets = snapkeep::testing::fake_targets(f.ec2, {kDestination});
  const Listing alone = f.list(both);
  ASSERT_EQ(alone.copies_without_source.size(), 2u);
  EXPECT_EQ(alone.copies_without_source[0].source, core::CopyWithoutSource::Source::not_listed);
}

TEST(CopyDestinations, SourceAccountPerSourceOrTheRoleAccountWithoutRepeats) {
  core::Config config = copy_config();
  config.policies.push_back(config.policies[0]);
  config.policies[1].name = "weekly";
  core::CopyTarget vault = config.policies[1].copies[0];
  vault.region = "eu-west-1";
  vault.role_arn = "arn:aws:iam::222222222222:role/dr";
  config.policies[1].copies.push_back(vault);
  auto account = [](std::string id, std::string role_arn) {
    Account a;
    a.id = std::move(id);
    a.role_arn = std::move(role_arn);
    return a;
  };
  const Target east{account("111111111111", ""), "us-east-1"};
  const Target west{account("111111111111", ""), "us-west-2"};
  const Target other{account("333333333333", ""), "us-east-1"};
  auto d = copy_destinations(config, {east, other}, {});
  ASSERT_EQ(d.size(), 3u);
  EXPECT_EQ(d[0], (Target{east.account, "us-west-2"}));
  EXPECT_EQ(d[1], (Target{other.account, "us-west-2"}));
  EXPECT_EQ(d[2], (Target{account("", "arn:aws:iam::222222222222:role/dr"), "eu-west-1"}));
  // A destination that is a listed region is not listed again.
  d = copy_destinations(config, {east, west}, {});
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].region, "eu-west-1");
  EXPECT_EQ(copy_destinations(config, {east}, {"daily"}).size(), 1u);
}

// An AwsAccess with a second account (a vault) reached with a copy target's
// role_arn: its account id and clients come from a second FakeEc2.
class TwoAccounts final : public AwsAccess {
 public:
  TwoAccounts(FakeEc2& own, FakeEc2& vault, aws::Clock& clock)
      : m_own(own), m_vault(vault), m_clock(clock), m_limiter(clock) {}

  std::optional<aws::AwsError> role_refused;
  std::vector<Target> asked;  // region_clients() calls for the vault

  std::string default_region() const override { return ""; }
  aws::Result<std::string> account_id(const Account& account, const std::string&) override {
    if (account.role_arn.empty()) return m_own.account_id();
    if (role_refused) return snapkeep::unexpected(*role_refused);
    return m_vault.account_id();
  }
  snapkeep::expected<std::unique_ptr<RegionClients>, std::string> region_clients(
      const Target& target) override {
    const bool vault = !target.account.role_arn.empty();
    if (vault) {
      std::lock_guard lock(m_mutex);
      asked.push_back(target);
    }
    return snapkeep::testing::fake_region_factory(vault ? m_vault : m_own, m_clock,
                                                  &m_limiter)(target);
  }
  snapkeep::expected<std::unique_ptr<aws::QueryCaller>, std::string> caller(
      const std::string&, const std::string&, std::string_view) override {
    return snapkeep::unexpected(std::string("no caller"));
  }

 private:
  FakeEc2& m_own;
  FakeEc2& m_vault;
  aws::Clock& m_clock;
  aws::RateLimiterRegistry m_limiter;
  std::mutex m_mutex;
};

TEST(ListCopies, CopiesInAnotherAccountAreListedWithItsRole) {
  CopiedFleet f;
  FakeEc2 vault_ec2{f.clock, "222222222222"};
  // The vault's copies of the first instance's point: one completed, one pending.
  const std::string role = "arn:aws:iam::222222222222:role/dr";
  int n = 0;
  for (const auto& [id, s] : f.ec2.region(kSource).snapshots) {
    if (s.tags.at("snapkeep:instance") != f.instances[0]) continue;
    snapkeep::testing::FakeSnapshot copy = s;
    copy.id = "snap-vault" + std::to_string(n);
    copy.owner_id = "222222222222";
    copy.state = n++ == 0 ? "completed" : "pending";
    copy.tags["snapkeep:copy-of"] = f.ec2.account_id() + ":us-east-1:" + id;
    copy.tags["snapkeep:copy"] = "222222222222:eu-west-1";
    vault_ec2.region("eu-west-1").snapshots[copy.id] = copy;
  }
  core::Config config = f.config;
  core::CopyTarget target = config.policies[0].copies[0];
  target.region = "eu-west-1";
  target.role_arn = role;
  config.policies[0].copies.push_back(target);
  TwoAccounts access(f.ec2, vault_ec2, f.clock);
  ListOptions options = f.options();
  options.config = &config;

  Listing listing = list_restore_points(options, access);
  EXPECT_EQ(listing.exit_status(), 0);
  ASSERT_EQ(access.asked.size(), 1u);
  EXPECT_EQ(access.asked[0].account.role_arn, role);
  EXPECT_EQ(access.asked[0].account.id, "222222222222");
  EXPECT_EQ(access.asked[0].region, "eu-west-1");
  EXPECT_EQ(vault_ec2.calls().at("DescribeSnapshots"), 1);
  ASSERT_EQ(listing.copy_regions.size(), 2u);
  EXPECT_EQ(listing.copy_regions[0].region, "eu-west-1");
  EXPECT_EQ(listing.copy_regions[0].account, "222222222222");
  EXPECT_EQ(listing.copy_regions[0].role_arn, role);
  const auto& points = listing.regions[0].points;
  const auto first = std::ranges::find(points, f.instances[0], &core::RestorePoint::instance_id);
  ASSERT_NE(first, points.end());
  ASSERT_EQ(first->copies.size(), 2u);  // by region: eu-west-1, then us-west-2
  EXPECT_EQ(first->copies[0].account, "222222222222");
  EXPECT_EQ(first->copies[0].state, core::CopyState::pending);
  EXPECT_EQ(first->copies[0].completed, 1);
  EXPECT_EQ(first->copies[1].state, core::CopyState::completed);
  const std::string text = render_text(listing, slot(1));
  EXPECT_NE(text.find("copies: 222222222222/eu-west-1 pending (1/2 snapshots), us-west-2 "
                      "completed (2/2 snapshots)"),
            std::string::npos)
      << text;

  // The role refused: reported, the rest is shown.
  access.role_refused = aws::AwsError{aws::ErrorKind::auth, "AccessDenied", "not allowed", 403, "",
                                      "AssumeRole",         false};
  listing = list_restore_points(options, access);
  EXPECT_EQ(listing.exit_status(), 1);
  EXPECT_FALSE(listing.copy_regions[0].complete);
  EXPECT_NE(listing.copy_regions[0].problem.find("the account of role " + role), std::string::npos)
      << listing.copy_regions[0].problem;
  EXPECT_EQ(listing.regions[0].points.size(), 2u);
  EXPECT_EQ(listing.regions[0].points[0].copies.size(), 1u);  // us-west-2's
}

}  // namespace
}  // namespace snapkeep::engine
