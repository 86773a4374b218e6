#include "core/selection.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace snapkeep::core {
namespace {

using ::testing::ElementsAre;

Instance make_instance(std::string id, InstanceState state, Tags tags) {
  Instance i;
  i.id = std::move(id);
  i.state = state;
  i.root_device = "/dev/xvda";
  i.tags = std::move(tags);
  i.volumes = {
      {"vol-root", "/dev/xvda", 8, {{"Role", "boot"}}, true, "", 0, 0},
      {"vol-data", "/dev/sdf", 100, {{"Role", "data"}}, true, "", 0, 0},
      {"vol-scratch", "/dev/sdg", 50, {{"Role", "scratch"}, {"Temp", "yes"}}, true, "", 0, 0}};
  return i;
}

TEST(WildcardMatch, Table) {
  struct Case {
    const char* pattern;
    const char* text;
    bool match;
  };
  const Case cases[] = {
      {"true", "true", true},
      {"true", "True", false},
      {"*", "", true},
      {"*", "anything", true},
      {"?", "", false},
      {"?", "x", true},
      {"prod-*", "prod-1", true},
      {"prod-*", "prod", false},
      {"*-db-?", "eu-db-1", true},
      {"*-db-?", "eu-db-12", false},
      {"a*b*c", "aXbYbZc", true},
      {"a*b*c", "aXbYbZ", false},
      {"**", "x", true},
      {"", "", true},
      {"", "x", false},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(wildcard_match(c.pattern, c.text), c.match) << c.pattern << " vs " << c.text;
  }
}

TEST(MatchInstance, AllTagsMustMatchAndAnyExclusionExcludes) {
  Selection s;
  s.tags = {{"Backup", "true"}, {"Env", "prod*"}};
  s.exclude_tags = {{"NoBackup", "*"}};
  using K = InstanceMatch::Kind;
  EXPECT_EQ(match_instance(s, make_instance("i-1", InstanceState::running,
                                            {{"Backup", "true"}, {"Env", "prod-eu"}}))
                .kind,
            K::selected);
  const auto missing =
      match_instance(s, make_instance("i-2", InstanceState::running, {{"Backup", "true"}}));
  EXPECT_EQ(missing.kind, K::not_matched);
  EXPECT_EQ(missing.reason, "no tag Env=prod*");
  const auto excluded =
      match_instance(s, make_instance("i-3", InstanceState::running,
                                      {{"Backup", "true"}, {"Env", "prod"}, {"NoBackup", ""}}));
  EXPECT_EQ(excluded.kind, K::not_matched);
  EXPECT_EQ(excluded.reason, "excluded by tag NoBackup=*");
}

TEST(MatchInstance, WildcardKeyMatchesAnyTagKey) {
  Selection s;
  s.tags = {{"*", "critical"}};
  EXPECT_TRUE(
      selection_names(s, make_instance("i-1", InstanceState::running, {{"Tier", "critical"}})));
  EXPECT_FALSE(selection_names(s, make_instance("i-1", InstanceState::running, {{"Tier", "low"}})));
}

TEST(MatchInstance, InstanceIdsRestrict) {
  Selection s;
  s.instance_ids = {"i-1"};
  s.tags = {{"Backup", "true"}};
  EXPECT_TRUE(
      selection_names(s, make_instance("i-1", InstanceState::running, {{"Backup", "true"}})));
  EXPECT_FALSE(
      selection_names(s, make_instance("i-2", InstanceState::running, {{"Backup", "true"}})));
  EXPECT_FALSE(selection_names(s, make_instance("i-1", InstanceState::running, {})));
}

TEST(MatchInstance, OnlyRunningAndStoppedInstancesAreBackedUp) {
  const Selection s;  // selects everything
  using K = InstanceMatch::Kind;
  struct Case {
    InstanceState state;
    K kind;
    const char* reason;
  };
  const Case cases[] = {
      {InstanceState::running, K::selected, ""},
      {InstanceState::stopped, K::selected, ""},
      {InstanceState::pending, K::skipped,
       "instance is pending: its volumes are not ready yet; the next run backs it up"},
      {InstanceState::stopping, K::skipped,
       "instance is stopping: waiting until it is stopped for a consistent point"},
      {InstanceState::shutting_down, K::skipped,
       "instance is shutting-down: it is being terminated"},
      {InstanceState::terminated, K::skipped, "instance is terminated: it has no volumes"},
      {InstanceState::unknown, K::skipped, "instance state is unknown"},
  };
  for (const auto& c : cases) {
    const auto m = match_instance(s, make_instance("i-1", c.state, {}));
    EXPECT_EQ(m.kind, c.kind) << to_string(c.state);
    EXPECT_EQ(m.reason, c.reason);
  }
}

TEST(ChooseVolumes, BootVolumeIsExcludedByFlagNeverById) {
  Policy p;
  p.snapshot.exclude_boot_volume = true;
  p.snapshot.exclude_devices = {"/dev/xvda", "/dev/sdg"};  // the root listed as a device too
  const auto c = choose_volumes(p, make_instance("i-1", InstanceState::running, {}));
  EXPECT_TRUE(c.exclude_boot_volume);
  EXPECT_THAT(c.exclude_volume_ids, ElementsAre("vol-scratch"));
  ASSERT_EQ(c.included.size(), 1u);
  EXPECT_EQ(c.included[0].id, "vol-data");
  EXPECT_THAT(c.excluded_reasons, ElementsAre("vol-root (/dev/xvda): boot volume excluded",
                                              "vol-scratch (/dev/sdg): excluded device"));
}

TEST(ChooseVolumes, RootInExcludeDevicesUsesExcludeBootVolume) {
  Policy p;
  p.snapshot.exclude_devices = {"/dev/xvda"};
  const auto c = choose_volumes(p, make_instance("i-1", InstanceState::running, {}));
  EXPECT_TRUE(c.exclude_boot_volume);
  EXPECT_TRUE(c.exclude_volume_ids.empty());
  EXPECT_EQ(c.included.size(), 2u);
}

TEST(ChooseVolumes, ExcludeVolumeTagsNeedsListedTags) {
  Policy p;
  p.select.exclude_volume_tags = {{"Temp", "y*"}};
  auto instance = make_instance("i-1", InstanceState::running, {});
  auto c = choose_volumes(p, instance);
  EXPECT_THAT(c.exclude_volume_ids, ElementsAre("vol-scratch"));
  EXPECT_THAT(c.excluded_reasons,
              ElementsAre("vol-scratch (/dev/sdg): excluded by volume tag Temp=y*"));
  EXPECT_TRUE(c.warnings.empty());

  instance.volumes[2].tags_known = false;
  instance.volumes[2].tags.clear();
  c = choose_volumes(p, instance);
  EXPECT_TRUE(c.exclude_volume_ids.empty());
  EXPECT_EQ(c.included.size(), 3u);
  EXPECT_THAT(c.warnings, ElementsAre("tags of volume vol-scratch (/dev/sdg) were not listed; "
                                      "included although exclude_volume_tags is set"));
}

TEST(NeedsVolumeTags, OnlyWhenSomePolicyExcludesByVolumeTag) {
  Config config;
  config.policies.resize(2);
  EXPECT_FALSE(needs_volume_tags(config));
  config.policies[1].select.exclude_volume_tags = {{"Temp", "*"}};
  EXPECT_TRUE(needs_volume_tags(config));
}

TEST(InstanceFilters, OnePolicyIsExactWherePossible) {
  Policy p;
  p.select.tags = {{"Backup", "true"}, {"Env*", "prod"}, {"Path", R"(c:\x*)"}};
  p.select.exclude_tags = {{"Skip", "*"}};
  p.select.instance_ids = {"i-2", "i-1"};
  EXPECT_THAT(instance_filters(p),
              ElementsAre(Ec2Filter{"instance-id", {"i-1", "i-2"}},
                          Ec2Filter{"instance-state-name",
                                    {"pending", "running", "shutting-down", "stopped", "stopping"}},
                          Ec2Filter{"tag:Backup", {"true"}}, Ec2Filter{"tag:Path", {R"(c:\\x*)"}}));
}

TEST(InstanceFilters, SeveralPoliciesKeepOnlySharedNamesWithUnitedValues) {
  Config config;
  config.policies.resize(3);
  config.policies[0].select.tags = {{"Backup", "daily"}, {"Env", "prod"}};
  config.policies[1].select.tags = {{"Backup", "hourly"}};
  config.policies[2].select.tags = {{"Backup", "weekly"}, {"Team", "a"}};
  EXPECT_THAT(instance_filters(config),
              ElementsAre(Ec2Filter{"instance-state-name",
                                    {"pending", "running", "shutting-down", "stopped", "stopping"}},
                          Ec2Filter{"tag:Backup", {"daily", "hourly", "weekly"}}));
  config.policies[1].select.tags = {{"Owner", "x"}};  // nothing shared but the state
  EXPECT_THAT(
      instance_filters(config),
      ElementsAre(Ec2Filter{"instance-state-name",
                            {"pending", "running", "shutting-down", "stopped", "stopping"}}));
  EXPECT_TRUE(instance_filters(Config{}).empty());
}

}  // namespace
}  // namespace snapkeep::core
