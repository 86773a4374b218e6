#include "core/config.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace snapkeep::core {
namespace {

// The messages of a failed parse, as `snapkeep validate` prints them.
std::vector<std::string> errors_of(const std::string& yaml) {
  auto result = parse_config(yaml, "c.yaml");
  std::vector<std::string> out;
  if (result) return out;
  for (const auto& e : result.error()) out.push_back(e.to_string());
  return out;
}

Config parse_ok(const std::string& yaml) {
  auto result = parse_config(yaml, "c.yaml");
  if (!result) {
    std::string all;
    for (const auto& e : result.error()) all += e.to_string() + "\n";
    ADD_FAILURE() << "unexpected errors:\n" << all;
    return {};
  }
  return *result;
}

// One valid policy; cases append keys or replace lines.
const std::string kPolicy =
    "policies:\n"
    "  - name: nightly\n"
    "    select: {tags: {Backup: \"true\"}}\n"
    "    schedule: rate(1 day)\n"
    "    retain: {count: 7}\n";

struct ErrorCase {
  std::string name;
  std::string yaml;
  std::vector<std::string> errors;
};

void PrintTo(const ErrorCase& c, std::ostream* os) {
  *os << c.name;
}

class ConfigErrorTest : public testing::TestWithParam<ErrorCase> {};

TEST_P(ConfigErrorTest, ReportsExactPositionAndMessage) {
  EXPECT_EQ(errors_of(GetParam().yaml), GetParam().errors);
}

const std::string kTopKeys =
    "owner, regions, notify, metrics, policies, accounts, include_own_account";
const std::string kPolicyKeys =
    "name, select, schedule, timezone, snapshot, retain, copies, orphan_keep_days, drill";
const std::string kRetainRange = "a whole number from 1 to 36500";

const ErrorCase kErrorCases[] = {
    // --- the document itself
    {"EmptyFile",
     "",
     {"c.yaml: the file is empty; a configuration needs at least a policies list"}},
    {"CommentsOnly",
     "# nothing here\n",
     {"c.yaml: the file is empty; a configuration needs at least a policies list"}},
    {"TopIsAList",
     "- a\n",
     {"c.yaml:1:1: the top level must be a mapping with keys " + kTopKeys + ", got a list"}},
    {"TopIsAScalar",
     "hello\n",
     {"c.yaml:1:1: the top level must be a mapping with keys " + kTopKeys +
      ", got string \"hello\""}},
    {"InvalidYamlUnclosedFlow",
     "policies: [a\n",
     {"c.yaml:2:1: invalid YAML: end of sequence flow not found"}},
    {"InvalidYamlIllegalMapValue", "a: b: c\n", {"c.yaml:1:5: invalid YAML: illegal map value"}},
    {"InvalidYamlUndefinedAlias",
     "policies: *nope\n",
     {"c.yaml:1:11: invalid YAML: the referenced anchor is not defined"}},
    {"TwoDocuments",
     kPolicy + "---\n" + kPolicy,
     {"c.yaml:6:1: the file holds more than one YAML document; snapkeep reads exactly one (remove "
      "the --- "
      "separators)"}},
    // yaml-cpp 0.7 loops forever, allocating, on these (jbeder/yaml-cpp#1040).
    {"StrayCommaAlone",
     ",",
     {"c.yaml:1:1: invalid YAML: unexpected ','; a comma separates items only inside [...] or "
      "{...}"}},
    {"StrayCommaAfterAList",
     "- a\n,\n",
     {"c.yaml:2:1: invalid YAML: unexpected ','; a comma separates items only inside [...] or "
      "{...}"}},
    {"StrayCommaIndented",
     "\n  ,",
     {"c.yaml:2:3: invalid YAML: unexpected ','; a comma separates items only inside [...] or "
      "{...}"}},
    {"StrayCommaAfterAPolicy",
     kPolicy + ", more\n",
     {"c.yaml:6:1: invalid YAML: end of map not found"}},
    {"NestingTooDeep", std::string(5000, '['), {"c.yaml:1:1: invalid YAML: nesting is too deep"}},

    // --- keys
    {"UnknownTopKeyWithSuggestion",
     kPolicy + "region: [us-east-1]\n",
     {"c.yaml:6:1: unknown key \"region\" in the top level; did you mean \"regions\"? allowed: " +
      kTopKeys}},
    {"UnknownKeyWithoutSuggestion",
     kPolicy + "    zzzzzzzz: 1\n",
     {"c.yaml:6:5: unknown key \"zzzzzzzz\" in policies[0]; allowed: " + kPolicyKeys}},
    {"MisspelledRetainMeansNoRetain",
     "policies:\n  - name: a\n    select: {tags: {A: b}}\n    schedule: rate(1 day)\n    retian: "
     "{count: 1}\n",
     {"c.yaml:2:5: policies[0] has no retain; give at least one of count, days, hourly, daily, "
      "weekly, monthly, "
      "yearly",
      "c.yaml:5:5: unknown key \"retian\" in policies[0]; did you mean \"retain\"? allowed: " +
          kPolicyKeys}},
    {"DuplicateKey",
     kPolicy + "    name: other\n",
     {"c.yaml:6:5: duplicate key \"name\" in policies[0] (first at line 2, column 5); give each "
      "key once"}},
    {"DuplicateTagKey",
     "policies:\n  - name: a\n    select: {tags: {A: \"1\", A: \"2\"}}\n    schedule: rate(1 day)\n"
     "    retain: {count: 1}\n",
     {"c.yaml:3:29: duplicate tag key \"A\" in policies[0].select.tags (first at line 3, column "
      "21); give each key "
      "once"}},
    {"ComplexKey",
     "? [a]\n: 1\n" + kPolicy,
     {"c.yaml:1:3: a key in the top level is a list; keys are plain names: " + kTopKeys}},

    // --- policies list and names
    {"NoPolicies",
     "regions: [us-east-1]\n",
     {"c.yaml:1:1: the file has no policies; add policies: with at least one policy"}},
    {"EmptyPolicyList",
     "policies: []\n",
     {"c.yaml:1:11: policies is empty; give at least one policy"}},
    {"PoliciesNotAList",
     "policies: {a: 1}\n",
     {"c.yaml:1:11: policies must be a list of policies, got a mapping"}},
    {"PolicyNotAMapping",
     "policies:\n  - 7\n",
     {"c.yaml:2:5: policies[0] must be a mapping with keys " + kPolicyKeys + ", got integer 7"}},
    {"DuplicatePolicyName",
     kPolicy + kPolicy.substr(10),
     {"c.yaml:6:11: policy name \"nightly\" is used twice (first at line 2, column 11); names must "
      "be unique "
      "because they tag the snapshots"}},
    {"PolicyNameCharset",
     "policies:\n  - name: \"night ly\"\n    select: {tags: {A: b}}\n    schedule: rate(1 day)\n"
     "    retain: {count: 1}\n",
     {"c.yaml:2:11: policies[0].name \"night ly\" is not allowed; a policy name is 1 to 64 "
      "letters, digits, '.', "
      "'_' or '-', starting with a letter or digit"}},
    {"PolicyNameTooLong",
     "policies:\n  - name: " + std::string(65, 'a') +
         "\n    select: {tags: {A: b}}\n    schedule: rate(1 day)\n    retain: {count: 1}\n",
     {"c.yaml:2:11: policies[0].name \"" + std::string(60, 'a') +
      "...\" is not allowed; a policy name is 1 to 64 letters, digits, '.', '_' or '-', starting "
      "with a letter or "
      "digit"}},
    {"PolicyNameIsANumber",
     "policies:\n  - name: 2024\n    select: {tags: {A: b}}\n    schedule: rate(1 day)\n    "
     "retain: {count: 1}\n",
     {"c.yaml:2:11: policies[0].name must be a string, got integer 2024 (put it in quotes: "
      "\"2024\")"}},
    {"PolicyMissingEverything",
     "policies:\n  - timezone: UTC\n",
     {"c.yaml:2:5: policies[0] has no name; give it a name (letters, digits, '.', '_', '-'; up to "
      "64 characters)",
      "c.yaml:2:5: policies[0] has no select; say which instances it protects with select: {tags: "
      "{...}}, "
      "{instance_ids: [...]} or {all: true}",
      "c.yaml:2:5: policies[0] has no schedule; give one, e.g. \"cron(0 0 * * ? *)\" or \"rate(12 "
      "hours)\"",
      "c.yaml:2:5: policies[0] has no retain; give at least one of count, days, hourly, daily, "
      "weekly, monthly, "
      "yearly"}},

    // --- selection
    {"SelectsNothing",
     "policies:\n  - name: a\n    select: {exclude_tags: {A: b}}\n    schedule: rate(1 day)\n    "
     "retain: {count: 1}\n",
     {"c.yaml:3:13: policies[0].select selects no instance: give tags or instance_ids, or all: "
      "true to protect "
      "every instance"}},
    {"SelectNotAMapping",
     "policies:\n  - name: a\n    select: [a]\n    schedule: rate(1 day)\n    retain: {count: 1}\n",
     {"c.yaml:3:13: policies[0].select must be a mapping with keys tags, exclude_tags, "
      "instance_ids, "
      "exclude_volume_tags, all, got a list"}},
    {"SelectEmpty",
     "policies:\n  - name: a\n    select:\n    schedule: rate(1 day)\n    retain: {count: 1}\n",
     {"c.yaml:3:5: policies[0].select must be a mapping with keys tags, exclude_tags, "
      "instance_ids, "
      "exclude_volume_tags, all, got nothing"}},
    {"TagsNotAMapping",
     "policies:\n  - name: a\n    select: {tags: [Backup]}\n    schedule: rate(1 day)\n    retain: "
     "{count: 1}\n",
     {"c.yaml:3:13: policies[0].select selects no instance: give tags or instance_ids, or all: "
      "true to protect "
      "every instance",
      "c.yaml:3:20: policies[0].select.tags must be a mapping of tag keys to values, got a list"}},
    {"UnquotedBooleanTagValue",
     "policies:\n  - name: a\n    select: {tags: {Backup: true}}\n    schedule: rate(1 day)\n"
     "    retain: {count: 1}\n",
     {"c.yaml:3:29: policies[0].select.tags.Backup must be a string, got boolean true (put it in "
      "quotes: "
      "\"true\")"}},
    {"UnquotedYesTagValue",
     "policies:\n  - name: a\n    select: {tags: {Backup: yes}}\n    schedule: rate(1 day)\n"
     "    retain: {count: 1}\n",
     {"c.yaml:3:29: policies[0].select.tags.Backup must be a string, got boolean yes (put it in "
      "quotes: "
      "\"yes\")"}},
    {"NullTagValue",
     "policies:\n  - name: a\n    select:\n      tags:\n        Backup:\n    schedule: rate(1 "
     "day)\n"
     "    retain: {count: 1}\n",
     {"c.yaml:5:9: policies[0].select.tags.Backup must be a string, got nothing"}},
    {"BadInstanceIds",
     "policies:\n  - name: a\n    select: {instance_ids: [i-123, i-0123456789abcdef0, "
     "i-0123456789abcdef0]}\n"
     "    schedule: rate(1 day)\n    retain: {count: 1}\n",
     {"c.yaml:3:29: policies[0].select.instance_ids[0] \"i-123\" is not an instance id; ids look "
      "like "
      "i-0123456789abcdef0",
      "c.yaml:3:57: policies[0].select.instance_ids[2] \"i-0123456789abcdef0\" is listed twice"}},
    {"InstanceIdsNotAList",
     "policies:\n  - name: a\n    select: {instance_ids: i-0123456789abcdef0}\n    schedule: "
     "rate(1 day)\n"
     "    retain: {count: 1}\n",
     {"c.yaml:3:13: policies[0].select selects no instance: give tags or instance_ids, or all: "
      "true to protect "
      "every instance",
      "c.yaml:3:28: policies[0].select.instance_ids must be a list of strings, got string "
      "\"i-0123456789abcdef0\""}},
    {"TagKeyTooLong",
     "policies:\n  - name: a\n    select: {tags: {" + std::string(129, 'k') +
         ": v}}\n    schedule: rate(1 day)\n    retain: {count: 1}\n",
     {"c.yaml:3:21: tag key \"" + std::string(60, 'k') +
      "...\" in policies[0].select.tags must be 1 to 128 characters long"}},
    {"TagValueTooLong",
     "policies:\n  - name: a\n    select: {tags: {k: " + std::string(257, 'v') +
         "}}\n    schedule: rate(1 day)\n    retain: {count: 1}\n",
     {"c.yaml:3:24: policies[0].select.tags.k is 257 characters long; a tag value holds at most "
      "256"}},

    {"SelectAllWithTags",
     "policies:\n  - name: a\n    select: {all: true, tags: {A: b}}\n    schedule: rate(1 day)\n"
     "    retain: {count: 1}\n",
     {"c.yaml:3:19: policies[0].select.all: true selects every instance; remove it, or remove tags "
      "and "
      "instance_ids"}},
    {"SelectAllFalseAlone",
     "policies:\n  - name: a\n    select: {all: false}\n    schedule: rate(1 day)\n    retain: "
     "{count: 1}\n",
     {"c.yaml:3:19: policies[0].select.all is false and nothing else is selected: give tags or "
      "instance_ids, or "
      "all: true to protect every instance"}},
    {"SelectAllNotABoolean",
     "policies:\n  - name: a\n    select: {all: \"true\"}\n    schedule: rate(1 day)\n    retain: "
     "{count: 1}\n",
     {"c.yaml:3:19: policies[0].select.all must be true or false, got string \"true\""}},

    // --- schedule and time zone
    {"ScheduleNotAString",
     "policies:\n  - name: a\n    select: {tags: {A: b}}\n    schedule: [rate(1 day)]\n    retain: "
     "{count: 1}\n",
     {"c.yaml:4:15: policies[0].schedule must be a string, got a list"}},
    {"BadTimezone",
     kPolicy + "    timezone: Mars/Olympus\n",
     {"c.yaml:6:15: policies[0].timezone \"Mars/Olympus\" is not an IANA time zone; use a name "
      "such as UTC, "
      "Europe/Berlin or America/New_York"}},

    // --- snapshot options
    {"SnapshotOptions",
     kPolicy + "    snapshot:\n      exclude_boot_volume: yes\n      exclude_devices: [/dev/sdf, "
               "\"bad dev\", /dev/sdf]\n"
               "      copy_tags: [instance, vol, instance]\n",
     {"c.yaml:7:28: policies[0].snapshot.exclude_boot_volume must be true or false, got \"yes\"",
      "c.yaml:8:35: policies[0].snapshot.exclude_devices[1] \"bad dev\" is not a device name; "
      "names look like "
      "/dev/sdf or xvdf",
      "c.yaml:8:46: policies[0].snapshot.exclude_devices[2] \"/dev/sdf\" is listed twice",
      "c.yaml:9:29: policies[0].snapshot.copy_tags[1] \"vol\" is not a tag source; allowed: "
      "instance, volume",
      "c.yaml:9:34: policies[0].snapshot.copy_tags lists instance twice"}},
    {"ReservedSnapshotTags",
     kPolicy + "    snapshot:\n      tags: {\"snapkeep:policy\": x, \"aws:x\": y, \"AWS:y\": z, "
               "ok: fine}\n",
     {"c.yaml:7:14: tag key \"snapkeep:policy\" in policies[0].snapshot.tags starts with "
      "\"snapkeep:\", which "
      "snapkeep reserves for its own tags; choose another key",
      "c.yaml:7:36: tag key \"aws:x\" in policies[0].snapshot.tags starts with \"aws:\", which AWS "
      "reserves; "
      "choose another key",
      "c.yaml:7:48: tag key \"AWS:y\" in policies[0].snapshot.tags starts with \"aws:\", which AWS "
      "reserves; "
      "choose another key"}},

    // --- retention
    {"RetentionValues",
     "policies:\n  - name: a\n    select: {tags: {A: b}}\n    schedule: rate(1 day)\n    retain:\n"
     "      count: 0\n      days: -1\n      daily: 7.5\n      weekly: \"4\"\n      monthly: "
     "99999999999999\n"
     "      yearly: 0x10\n      hourly: 36501\n",
     {"c.yaml:6:14: policies[0].retain.count must be " + kRetainRange + ", got 0",
      "c.yaml:7:13: policies[0].retain.days must be " + kRetainRange + ", got -1",
      "c.yaml:8:14: policies[0].retain.daily must be " + kRetainRange + ", got number 7.5",
      "c.yaml:9:15: policies[0].retain.weekly must be " + kRetainRange + ", got string \"4\"",
      "c.yaml:10:16: policies[0].retain.monthly must be " + kRetainRange + ", got 99999999999999",
      "c.yaml:11:15: policies[0].retain.yearly must be " + kRetainRange + ", got integer 0x10",
      "c.yaml:12:15: policies[0].retain.hourly must be " + kRetainRange + ", got 36501"}},
    {"EmptyRetain",
     "policies:\n  - name: a\n    select: {tags: {A: b}}\n    schedule: rate(1 day)\n    retain: "
     "{}\n",
     {"c.yaml:5:13: policies[0].retain has no rule; give at least one of count, days, hourly, "
      "daily, weekly, "
      "monthly, yearly (a restore point kept by any rule stays)"}},
    {"UnknownRetainRule",
     "policies:\n  - name: a\n    select: {tags: {A: b}}\n    schedule: rate(1 day)\n    retain: "
     "{dayly: 7}\n",
     {"c.yaml:5:13: policies[0].retain has no rule; give at least one of count, days, hourly, "
      "daily, weekly, "
      "monthly, yearly (a restore point kept by any rule stays)",
      "c.yaml:5:14: unknown key \"dayly\" in policies[0].retain; did you mean \"daily\"? allowed: "
      "count, days, "
      "hourly, daily, weekly, monthly, yearly"}},
    {"OrphanKeepDays",
     kPolicy + "    orphan_keep_days: 0\n",
     {"c.yaml:6:23: policies[0].orphan_keep_days must be " + kRetainRange + ", got 0"}},
    {"DrillWithoutSchedule",
     kPolicy + "    drill: {pick: latest}\n",
     {"c.yaml:6:12: policies[0].drill has no schedule; say when drills are due, e.g. "
      "\"cron(0 5 ? * SUN *)\" (in the policy's time zone)"}},
    {"DrillProblems",
     kPolicy + "    drill: {schedule: \"cron(0 5 * *)\", pick: newest, within_days: 0,\n"
               "            availability_zone: us-east, keep_minutes: 20000, every: 2}\n",
     {"c.yaml:6:23: policies[0].drill.schedule \"cron(0 5 * *)\": cron(...) needs 6 fields "
      "(minute hour day-of-month month day-of-week year), got 4",
      "c.yaml:6:46: policies[0].drill.pick \"newest\" is not latest or random",
      "c.yaml:6:67: policies[0].drill.within_days must be " + kRetainRange + ", got 0",
      "c.yaml:7:32: policies[0].drill.availability_zone \"us-east\" is not an availability zone "
      "name such as us-east-1a",
      "c.yaml:7:55: policies[0].drill.keep_minutes must be a whole number from 0 to 10080, got "
      "20000",
      "c.yaml:7:62: unknown key \"every\" in policies[0].drill; allowed: schedule, pick, "
      "within_days, availability_zone, keep_minutes"}},

    // --- regions
    {"RegionsProblems",
     "regions: [us-east-1, US-EAST-2, us-east, us-east-1, \"*\"]\n" + kPolicy,
     {"c.yaml:1:22: regions[1] \"US-EAST-2\" is not a region name; regions look like us-east-1 or "
      "eu-west-1",
      "c.yaml:1:33: regions[2] \"us-east\" is not a region name; regions look like us-east-1 or "
      "eu-west-1",
      "c.yaml:1:42: regions[3] \"us-east-1\" is listed twice",
      "c.yaml:1:53: regions[4] \"*\" stands alone; write regions: \"*\" instead of a list"}},
    {"RegionsAScalar",
     "regions: us-east-1\n" + kPolicy,
     {"c.yaml:1:10: regions must be a list of region names such as [us-east-1, eu-west-1], or "
      "\"*\" for every "
      "enabled region, got string \"us-east-1\""}},
    {"RegionsEmpty",
     "regions: []\n" + kPolicy,
     {"c.yaml:1:10: regions is empty; list at least one region, write \"*\" for every enabled "
      "region, or leave the "
      "key out for the default region"}},

    // --- notify
    {"NotifyProblems",
     "notify:\n  sns_topic_arn: arn:aws:sns:us-east-1:12345678901:backup\n  webhook_url: "
     "http://hooks.example.com/x\n"
     "  on: [failure, daily, failure]\n" +
         kPolicy,
     {"c.yaml:2:18: notify.sns_topic_arn \"arn:aws:sns:us-east-1:12345678901:backup\" needs a "
      "12-digit account id; "
      "expected arn:aws:sns:<region>:<12-digit account>:<topic name>",
      "c.yaml:3:16: notify.webhook_url \"http://hooks.example.com/x\" must use https:// (http:// "
      "is allowed only "
      "for localhost, 127.x.x.x and [::1])",
      "c.yaml:4:17: notify.on: \"daily\" is not an event; allowed: failure, summary",
      "c.yaml:4:24: notify.on lists failure twice"}},
    {"NotifyNowhereToSend",
     "notify:\n  on: [summary]\n" + kPolicy,
     {"c.yaml:2:3: notify has nowhere to send: give sns_topic_arn, webhook_url or both"}},
    {"NotifyOnEmpty",
     "notify:\n  sns_topic_arn: arn:aws:sns:us-east-1:123456789012:t\n  on: []\n" + kPolicy,
     {"c.yaml:3:7: notify.on is empty; list failure, summary or both (remove notify to send "
      "nothing)"}},
    {"SnsArnWrongService",
     "notify: {sns_topic_arn: \"arn:aws:sqs:us-east-1:123456789012:q\"}\n" + kPolicy,
     {"c.yaml:1:25: notify.sns_topic_arn \"arn:aws:sqs:us-east-1:123456789012:q\" is not an SNS "
      "topic ARN; "
      "expected arn:aws:sns:<region>:<12-digit account>:<topic name>"}},
    {"SnsArnPartitionMismatch",
     "notify: {sns_topic_arn: \"arn:aws:sns:cn-north-1:123456789012:t\"}\n" + kPolicy,
     {"c.yaml:1:25: notify.sns_topic_arn \"arn:aws:sns:cn-north-1:123456789012:t\" names region "
      "cn-north-1 "
      "outside partition aws; expected arn:aws:sns:<region>:<12-digit account>:<topic name>"}},
    {"SnsArnBadTopicName",
     "notify: {sns_topic_arn: \"arn:aws:sns:us-east-1:123456789012:a b\"}\n" + kPolicy,
     {"c.yaml:1:25: notify.sns_topic_arn \"arn:aws:sns:us-east-1:123456789012:a b\" has a "
      "malformed topic name "
      "(1-256 letters, digits, _ or -, optionally ending .fifo); expected "
      "arn:aws:sns:<region>:<12-digit "
      "account>:<topic name>"}},
    {"WebhookUserInfo",
     "notify: {webhook_url: \"https://user:secret@hooks.example.com/\"}\n" + kPolicy,
     {"c.yaml:1:23: notify.webhook_url \"https://user:secret@hooks.example.com/\" must not carry a "
      "user name or "
      "password (put secrets in the path or query)"}},
    {"WebhookOtherScheme",
     "notify: {webhook_url: \"ftp://hooks.example.com/\"}\n" + kPolicy,
     {"c.yaml:1:23: notify.webhook_url \"ftp://hooks.example.com/\" must start with https://"}},
    {"WebhookBadPort",
     "notify: {webhook_url: \"https://hooks.example.com:99999/\"}\n" + kPolicy,
     {"c.yaml:1:23: notify.webhook_url \"https://hooks.example.com:99999/\" has a port outside "
      "1-65535"}},

    // --- copies (docs/copies.md); accounts: validated fully, then refused as not built yet
    {"CopyProblems",
     "regions: [us-east-1]\n" + kPolicy +
         "    copies:\n      - region: us-east-1\n        retain: {count: 1}\n"
         "      - region: us-west-2\n        kms_key_id: nope\n"
         "        retain: {days: 0}\n      - region: us-west-2\n        retain: {count: 1}\n"
         "      - kms_key_id: alias/dr\n        retain: {count: 1}\n",
     {"c.yaml:8:17: policies[0].copies[0].region us-east-1 is one of the source regions; copies "
      "in the same account go to other regions (sources: us-east-1), or give role_arn to copy "
      "into another account",
      "c.yaml:11:21: policies[0].copies[1].kms_key_id \"nope\" is not a KMS key reference; "
      "allowed: a key id, alias/<name>, or a key or alias ARN",
      "c.yaml:12:24: policies[0].copies[1].retain.days must be " + kRetainRange + ", got 0",
      "c.yaml:13:17: policies[0].copies[2].region us-west-2 is a second copy to the same target "
      "(us-west-2 in the source's account; first at line 10, column 17); give each target once",
      "c.yaml:15:9: policies[0].copies[3] has no region; give the region to copy to"}},
    {"CopyWithoutRetain",
     "regions: [us-east-1]\n" + kPolicy + "    copies:\n      - region: us-west-2\n",
     {"c.yaml:8:9: policies[0].copies[0] has no retain; say how long copies are kept at the "
      "destination, e.g. retain: {days: 90} (any of count, days, hourly, daily, weekly, monthly, "
      "yearly)"}},
    {"CopyUnknownKey",
     "regions: [us-east-1]\n" + kPolicy +
         "    copies:\n      - region: us-west-2\n        retain: {count: 1}\n"
         "        kms_key: alias/dr\n",
     {"c.yaml:10:9: unknown key \"kms_key\" in policies[0].copies[0]; allowed: region, "
      "role_arn, kms_key_id, encrypted, retain, max_in_flight"}},
    {"CopyEncryptedFalseWithKey",
     "regions: [us-east-1]\n" + kPolicy +
         "    copies:\n      - region: us-west-2\n        retain: {count: 1}\n"
         "        kms_key_id: alias/dr\n        encrypted: false\n",
     {"c.yaml:11:20: policies[0].copies[0].encrypted is false but kms_key_id is given; a copy "
      "with a key is encrypted: remove one of them"}},
    {"CopyMaxInFlight",
     "regions: [us-east-1]\n" + kPolicy +
         "    copies:\n      - region: us-west-2\n        retain: {count: 1}\n"
         "        max_in_flight: 0\n      - region: eu-west-1\n        retain: {count: 1}\n"
         "        max_in_flight: 101\n",
     {"c.yaml:10:24: policies[0].copies[0].max_in_flight must be a whole number from 1 to 100, "
      "got 0",
      "c.yaml:13:24: policies[0].copies[1].max_in_flight must be a whole number from 1 to 100, "
      "got 101"}},
    {"CopyBadRoleArn",
     "regions: [us-east-1]\n" + kPolicy +
         "    copies:\n      - region: us-west-2\n        retain: {count: 1}\n"
         "        role_arn: arn:aws:iam::210987654321:user/dr\n",
     {"c.yaml:10:19: policies[0].copies[0].role_arn \"arn:aws:iam::210987654321:user/dr\" is "
      "not an IAM role ARN; expected arn:aws:iam::<12-digit account>:role/<name> (the role "
      "snapkeep assumes in the destination account)"}},
    {"CopyIntoAVaultAccountsSourceRegion",
     "regions: [us-east-1]\n" + kPolicy +
         "    copies:\n      - region: us-west-2\n        retain: {count: 1}\n"
         "        role_arn: arn:aws:iam::210987654321:role/dr\n"
         "accounts:\n  - name: dr\n    role_arn: arn:aws:iam::210987654321:role/snapkeep\n"
         "    regions: [us-west-2]\n",
     {"c.yaml:8:17: policies[0].copies[0].region us-west-2 is a source region of account "
      "210987654321 itself (sources there: us-west-2); copy to another region or another "
      "account"}},
    {"CopyInTheSameAccountToAnAccountsSourceRegion",
     "regions: [us-east-1]\n" + kPolicy +
         "    copies:\n      - region: eu-west-1\n        retain: {count: 1}\n"
         "accounts:\n  - name: prod\n    role_arn: arn:aws:iam::210987654321:role/snapkeep\n"
         "    regions: [eu-west-1]\n",
     {"c.yaml:8:17: policies[0].copies[0].region eu-west-1 is one of the source regions; copies "
      "in the same account go to other regions (sources: us-east-1, eu-west-1), or give role_arn "
      "to copy into another account"}},
    {"CopyWithAllRegions",
     "regions: \"*\"\n" + kPolicy + "    copies: [{region: us-west-2, retain: {count: 1}}]\n",
     {"c.yaml:7:23: policies[0].copies[0].region us-west-2: with regions \"*\" every region is a "
      "source, so a copy would land in its own source region; list the source regions "
      "explicitly"}},
    {"CopiesNotAList",
     "regions: [us-east-1]\n" + kPolicy + "    copies: us-west-2\n",
     {"c.yaml:7:13: policies[0].copies must be a list of copy targets ({region, role_arn, "
      "kms_key_id, encrypted, retain, max_in_flight}), got string \"us-west-2\""}},
    {"AccountProblems",
     kPolicy + "accounts:\n  - {name: a, role_arn: \"arn:aws:iam::21098765432:role/x\"}\n"
               "  - name: b\n    role_arn: arn:aws:iam::210987654321:user/x\n"
               "    external_id: x\n    session_name: \"a b\"\n  - {name: c, external_id: abc}\n"
               "  - {name: d, role_arn: \"arn:aws:iam::210987654321:role/ops/snapkeep\"}\n"
               "  - {name: d, role_arn: \"arn:aws:iam::210987654321:role/ops/snapkeep\"}\n"
               "  - {role_arn: \"arn:aws:iam::210987654322:role/x\", regions: []}\n"
               "  - {name: \"123456789012\", role_arn: \"arn:aws:iam::210987654323:role/x\", "
               "regions: [us-east-1, nowhere]}\n",
     {"c.yaml:7:25: accounts[0].role_arn \"arn:aws:iam::21098765432:role/x\" needs a 12-digit "
      "account id; expected arn:aws:iam::<12-digit account>:role/<name>",
      "c.yaml:9:15: accounts[1].role_arn \"arn:aws:iam::210987654321:user/x\" is not an IAM role "
      "ARN; expected arn:aws:iam::<12-digit account>:role/<name>",
      "c.yaml:10:18: accounts[1].external_id must be 2 to 1224 letters, digits or +=,.@:/_-",
      "c.yaml:11:19: accounts[1].session_name must be 2 to 64 letters, digits or +=,.@_-",
      "c.yaml:12:5: accounts[2] has no role_arn; give the role snapkeep assumes in that account",
      "c.yaml:14:12: accounts[4].name \"d\" is used twice (first at line 13, column 12); names "
      "must be unique",
      "c.yaml:14:25: accounts[4].role_arn \"arn:aws:iam::210987654321:role/ops/snapkeep\" is "
      "listed twice",
      "c.yaml:15:5: accounts[5] has no name; give each account a name for output and --account",
      "c.yaml:15:61: accounts[5].regions is empty; list at least one region, or leave the key "
      "out for the configuration's regions",
      "c.yaml:16:12: accounts[6].name \"123456789012\" is all digits and would read as an "
      "account id in --account; give the account a name",
      "c.yaml:16:95: accounts[6].regions[1] \"nowhere\" is not a region name; regions look like "
      "us-east-1 or eu-west-1"}},
    {"IncludeOwnAccountFalseWithoutAccounts",
     "include_own_account: false\n" + kPolicy,
     {"c.yaml:1:22: include_own_account is false and no accounts are configured: there is "
      "nothing to protect; add accounts or remove the key"}},
};

INSTANTIATE_TEST_SUITE_P(Config, ConfigErrorTest, testing::ValuesIn(kErrorCases),
                         [](const testing::TestParamInfo<ErrorCase>& param) {
                           return param.param.name;
                         });

TEST(ConfigTest, BadScheduleReportsScheduleParseMessageAtTheValue) {
  const std::string expression = "cron(0 25 * * ? *)";
  auto parsed = Schedule::parse(expression, "UTC");
  ASSERT_FALSE(parsed.has_value()) << "hour 25 must be rejected by Schedule::parse";
  EXPECT_EQ(errors_of("policies:\n  - name: a\n    select: {tags: {A: b}}\n    schedule: \"" +
                      expression + "\"\n    retain: {count: 1}\n"),
            std::vector<std::string>{"c.yaml:4:15: policies[0].schedule \"cron(0 25 * * ? *)\": " +
                                     parsed.error()});
}

TEST(ConfigTest, BadScheduleAndBadTimezoneAreBothReported) {
  const std::string expression = "every day";
  auto parsed = Schedule::parse(expression, "UTC");
  ASSERT_FALSE(parsed.has_value());
  EXPECT_EQ(
      errors_of("policies:\n  - name: a\n    select: {tags: {A: b}}\n    schedule: every day\n"
                "    timezone: Nowhere/Special\n    retain: {count: 1}\n"),
      (std::vector<std::string>{
          "c.yaml:4:15: policies[0].schedule \"every day\": " + parsed.error(),
          "c.yaml:5:15: policies[0].timezone \"Nowhere/Special\" is not an IANA time zone; use a "
          "name such as "
          "UTC, Europe/Berlin or America/New_York"}));
}

TEST(ConfigTest, ManyErrorsAreReportedTogetherInFileOrder) {
  // Errors found in different passes (regions after notify, duplicate names
  // after the second policy, accounts last) still come out sorted by position.
  auto errors = errors_of(
      "accounts:\n"
      "  - role_arn: bad\n"
      "notify: {webhook_url: \"http://example.com\"}\n"
      "policies:\n"
      "  - name: a\n"
      "    select: {tags: {A: b}}\n"
      "    schedule: rate(1 day)\n"
      "    retain: {count: 0}\n"
      "  - name: a\n"
      "    select: {}\n"
      "    schedule: rate(1 day)\n"
      "    retain: {days: 1}\n"
      "regions: [nowhere]\n");
  EXPECT_EQ(
      errors,
      (std::vector<std::string>{
          "c.yaml:2:5: accounts[0] has no name; give each account a name for output and "
          "--account",
          "c.yaml:2:15: accounts[0].role_arn \"bad\" is not an IAM role ARN; expected "
          "arn:aws:iam::<12-digit account>:role/<name>",
          "c.yaml:3:23: notify.webhook_url \"http://example.com\" must use https:// (http:// is "
          "allowed only "
          "for localhost, 127.x.x.x and [::1])",
          "c.yaml:8:21: policies[0].retain.count must be a whole number from 1 to 36500, got 0",
          "c.yaml:9:11: policy name \"a\" is used twice (first at line 5, column 11); names must "
          "be unique "
          "because they tag the snapshots",
          "c.yaml:10:13: policies[1].select selects no instance: give tags or instance_ids, or "
          "all: true to "
          "protect every instance",
          "c.yaml:13:11: regions[0] \"nowhere\" is not a region name; regions look like us-east-1 "
          "or "
          "eu-west-1"}));
}

TEST(ConfigTest, ErrorFormatsWithAndWithoutPosition) {
  EXPECT_EQ((ConfigError{"f.yaml", 12, 5, "bad"}).to_string(), "f.yaml:12:5: bad");
  EXPECT_EQ((ConfigError{"f.yaml", 12, 0, "bad"}).to_string(), "f.yaml:12: bad");
  EXPECT_EQ((ConfigError{"f.yaml", 0, 0, "bad"}).to_string(), "f.yaml: bad");
}

TEST(ConfigTest, DefaultsOfAMinimalConfig) {
  Config config = parse_ok(kPolicy);
  EXPECT_TRUE(config.regions.empty());
  EXPECT_FALSE(config.all_regions);
  EXPECT_FALSE(config.notify.sns_topic_arn);
  EXPECT_FALSE(config.notify.webhook_url);
  EXPECT_TRUE(config.notify.on_failure);
  EXPECT_FALSE(config.notify.on_summary);
  EXPECT_TRUE(config.accounts.empty());
  ASSERT_EQ(config.policies.size(), 1U);
  const Policy& p = config.policies[0];
  EXPECT_EQ(p.name, "nightly");
  EXPECT_EQ(p.timezone, "UTC");
  EXPECT_EQ(p.schedule.expression(), "rate(1 day)");
  EXPECT_EQ(p.schedule.timezone(), "UTC");
  EXPECT_EQ(p.orphan_keep_days, 365);
  EXPECT_FALSE(p.snapshot.exclude_boot_volume);
  EXPECT_TRUE(p.snapshot.exclude_devices.empty());
  EXPECT_FALSE(p.snapshot.copy_instance_tags);
  EXPECT_FALSE(p.snapshot.copy_volume_tags);
  EXPECT_TRUE(p.snapshot.tags.empty());
  EXPECT_EQ(p.select.tags, (Tags{{"Backup", "true"}}));
  EXPECT_TRUE(p.select.exclude_tags.empty());
  EXPECT_TRUE(p.select.instance_ids.empty());
  EXPECT_TRUE(p.select.exclude_volume_tags.empty());
  EXPECT_EQ(p.retain.count, 7);
  EXPECT_FALSE(p.retain.days || p.retain.hourly || p.retain.daily || p.retain.weekly ||
               p.retain.monthly || p.retain.yearly);
  EXPECT_TRUE(p.copies.empty());
}

TEST(ConfigTest, EveryKeyRoundTripsIntoTheStructs) {
  Config config = parse_ok(
      "regions: [us-east-1, eu-west-1]\n"
      "notify:\n"
      "  sns_topic_arn: arn:aws-us-gov:sns:us-gov-west-1:123456789012:backup.fifo\n"
      "  webhook_url: http://127.0.0.1:8080/hook\n"
      "  on: [summary]\n"
      "policies:\n"
      "  - name: Nightly_1.a-b\n"
      "    select:\n"
      "      tags: {Backup: \"true\", Env: \"prod*\"}\n"
      "      exclude_tags: {Backup: \"false\"}\n"
      "      instance_ids: [i-0123456789abcdef0, i-01234567]\n"
      "      exclude_volume_tags: {swap: \"yes\"}\n"
      "    schedule: \"cron(0 0 * * ? *)\"\n"
      "    timezone: Europe/Berlin\n"
      "    snapshot:\n"
      "      exclude_boot_volume: true\n"
      "      exclude_devices: [/dev/sdf, xvdg]\n"
      "      copy_tags: [volume, instance]\n"
      "      tags: {CostCenter: ops, Empty: \"\"}\n"
      "    retain: {count: 1, days: 2, hourly: 3, daily: 4, weekly: 5, monthly: 6, yearly: 36500}\n"
      "    orphan_keep_days: 30\n"
      "    copies: []\n"
      "accounts: []\n");
  EXPECT_EQ(config.regions, (std::vector<std::string>{"us-east-1", "eu-west-1"}));
  EXPECT_FALSE(config.all_regions);
  EXPECT_EQ(config.notify.sns_topic_arn,
            "arn:aws-us-gov:sns:us-gov-west-1:123456789012:backup.fifo");
  EXPECT_EQ(config.notify.webhook_url, "http://127.0.0.1:8080/hook");
  EXPECT_FALSE(config.notify.on_failure);
  EXPECT_TRUE(config.notify.on_summary);
  ASSERT_EQ(config.policies.size(), 1U);
  const Policy& p = config.policies[0];
  EXPECT_EQ(p.name, "Nightly_1.a-b");
  EXPECT_EQ(p.select.tags, (Tags{{"Backup", "true"}, {"Env", "prod*"}}));
  EXPECT_EQ(p.select.exclude_tags, (Tags{{"Backup", "false"}}));
  EXPECT_EQ(p.select.instance_ids, (std::vector<std::string>{"i-0123456789abcdef0", "i-01234567"}));
  EXPECT_EQ(p.select.exclude_volume_tags, (Tags{{"swap", "yes"}}));
  EXPECT_EQ(p.schedule.expression(), "cron(0 0 * * ? *)");
  EXPECT_EQ(p.schedule.timezone(), "Europe/Berlin");
  EXPECT_EQ(p.timezone, "Europe/Berlin");
  EXPECT_TRUE(p.snapshot.exclude_boot_volume);
  EXPECT_EQ(p.snapshot.exclude_devices, (std::vector<std::string>{"/dev/sdf", "xvdg"}));
  EXPECT_TRUE(p.snapshot.copy_instance_tags);
  EXPECT_TRUE(p.snapshot.copy_volume_tags);
  EXPECT_EQ(p.snapshot.tags, (Tags{{"CostCenter", "ops"}, {"Empty", ""}}));
  EXPECT_EQ(p.retain.count, 1);
  EXPECT_EQ(p.retain.days, 2);
  EXPECT_EQ(p.retain.hourly, 3);
  EXPECT_EQ(p.retain.daily, 4);
  EXPECT_EQ(p.retain.weekly, 5);
  EXPECT_EQ(p.retain.monthly, 6);
  EXPECT_EQ(p.retain.yearly, 36500);
  EXPECT_EQ(p.orphan_keep_days, 30);
  EXPECT_TRUE(p.copies.empty());
  EXPECT_TRUE(config.accounts.empty());
  EXPECT_TRUE(config.include_own_account);
}

TEST(ConfigTest, AccountsAndAVaultCopy) {
  Config config = parse_ok(
      "regions: [us-east-1]\n"
      "accounts:\n"
      "  - name: prod\n"
      "    role_arn: arn:aws:iam::111111111111:role/snapkeep\n"
      "    external_id: ext-1\n"
      "    regions: [eu-west-1, us-east-1]\n"
      "  - name: dev\n"
      "    role_arn: arn:aws:iam::333333333333:role/snapkeep\n"
      "    session_name: nightly-backup\n" +
      kPolicy +
      "    copies:\n"
      "      - region: us-east-1\n"
      "        role_arn: arn:aws:iam::222222222222:role/snapkeep-dr\n"
      "        retain: {count: 7}\n");
  ASSERT_EQ(config.accounts.size(), 2U);
  EXPECT_FALSE(config.include_own_account) << "default false with accounts";
  EXPECT_EQ(config.accounts[0].name, "prod");
  EXPECT_EQ(config.accounts[0].external_id, "ext-1");
  EXPECT_EQ(config.accounts[0].regions, (std::vector<std::string>{"eu-west-1", "us-east-1"}));
  EXPECT_FALSE(config.accounts[0].session_name);
  EXPECT_EQ(config.accounts[1].session_name, "nightly-backup");
  EXPECT_TRUE(config.accounts[1].regions.empty());
  ASSERT_EQ(config.policies[0].copies.size(), 1U);
  EXPECT_EQ(config.policies[0].copies[0].role_arn, "arn:aws:iam::222222222222:role/snapkeep-dr");

  Config with_own = parse_ok(
      "include_own_account: true\naccounts:\n  - name: prod\n"
      "    role_arn: arn:aws:iam::111111111111:role/snapkeep\n" +
      kPolicy);
  EXPECT_TRUE(with_own.include_own_account);
}

TEST(ConfigTest, AllRegionsAndOpsAutomatorRetention) {
  Config config = parse_ok(
      "regions: \"*\"\n"
      "policies:\n"
      "  - name: by-days\n"
      "    select: {tags: {Backup: \"*\"}}\n"
      "    schedule: rate(12 hours)\n"
      "    retain: {days: 30}\n"
      "  - name: by-count\n"
      "    select: {tags: {\"*\": \"*\"}}\n"
      "    schedule: rate(1 day)\n"
      "    retain: {count: 14}\n");
  EXPECT_TRUE(config.all_regions);
  EXPECT_TRUE(config.regions.empty());
  ASSERT_EQ(config.policies.size(), 2U);
  EXPECT_EQ(config.policies[0].retain.days, 30);
  EXPECT_FALSE(config.policies[0].retain.count);
  EXPECT_EQ(config.policies[1].retain.count, 14);
  EXPECT_FALSE(config.policies[1].retain.days);
}

TEST(ConfigTest, AllTrueSelectsEveryInstanceExplicitly) {
  Config config = parse_ok(
      "policies:\n  - name: a\n    select: {all: true, exclude_tags: {Backup: \"false\"}}\n"
      "    schedule: rate(1 day)\n    retain: {count: 1}\n");
  ASSERT_EQ(config.policies.size(), 1U);
  // An empty tag and id selection is what matches every instance.
  EXPECT_TRUE(config.policies[0].select.tags.empty());
  EXPECT_TRUE(config.policies[0].select.instance_ids.empty());
  EXPECT_EQ(config.policies[0].select.exclude_tags, (Tags{{"Backup", "false"}}));
}

TEST(ConfigTest, LimitsAreInclusive) {
  Config config = parse_ok(
      "policies:\n  - name: " + std::string(64, 'p') + "\n    select:\n      tags: {" +
      std::string(128, 'k') + ": " + std::string(256, 'v') +
      "}\n    schedule: rate(1 day)\n    retain: {count: 1}\n"
      "    snapshot:\n      tags: {\"snapkeepx\": a, \"awsx\": b, \"\xc3\xa9t\xc3\xa9\": \"" +
      std::string(128, 'x') + std::string(64, 'y') + std::string(64, 'z') + "\"}\n");
  ASSERT_EQ(config.policies.size(), 1U);
  EXPECT_EQ(config.policies[0].name.size(), 64U);
  EXPECT_EQ(config.policies[0].select.tags.begin()->second.size(), 256U);
  EXPECT_EQ(config.policies[0].snapshot.tags.size(), 3U);
}

TEST(ConfigTest, TagLengthsCountCharactersNotBytes) {
  // 128 two-byte characters are within the limit; 129 are not.
  std::string e_acute = "\xc3\xa9";
  std::string key128;
  for (int i = 0; i < 128; ++i) key128 += e_acute;
  std::string policy_head =
      "policies:\n  - name: a\n    schedule: rate(1 day)\n    retain: {count: 1}\n    select:\n";
  EXPECT_EQ(errors_of(policy_head + "      tags: {" + key128 + ": v}\n"),
            std::vector<std::string>{});
  auto errors = errors_of(policy_head + "      tags: {" + key128 + e_acute + ": v}\n");
  ASSERT_EQ(errors.size(), 1U);
  EXPECT_NE(errors[0].find("must be 1 to 128 characters long"), std::string::npos) << errors[0];
}

TEST(ConfigTest, LoopbackHttpWebhooksAreAllowedForTests) {
  for (const char* url :
       {"http://127.0.0.1:8080/hook", "http://localhost/hook", "http://[::1]:9000/x",
        "https://hooks.example.com:8443/services/T0/B0/xyz?x=1"}) {
    Config config = parse_ok(std::string("notify: {webhook_url: \"") + url + "\"}\n" + kPolicy);
    EXPECT_EQ(config.notify.webhook_url, url);
  }
}

TEST(ConfigTest, KmsKeyReferencesThatAreAccepted) {
  for (const char* key :
       {"alias/dr", "1234abcd-12ab-34cd-56ef-1234567890ab", "mrk-1234abcd12ab34cd56ef1234567890ab",
        "arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        "arn:aws:kms:us-west-2:111122223333:alias/dr"}) {
    Config config = parse_ok("regions: [us-east-1]\n" + kPolicy +
                             "    copies: [{region: us-west-2, kms_key_id: \"" + key +
                             "\", retain: {days: 1}}]\n");
    ASSERT_EQ(config.policies.at(0).copies.size(), 1U) << key;
    EXPECT_EQ(config.policies[0].copies[0].kms_key_id, key);
  }
}

TEST(ConfigTest, CopyTargetsRoundTripIntoTheStructs) {
  Config config =
      parse_ok("regions: [us-east-1, eu-west-1]\n" + kPolicy +
               "    copies:\n"
               "      - region: us-west-2\n"
               "        kms_key_id: alias/dr\n"
               "        retain: {count: 7, days: 90, daily: 7, weekly: 4, monthly: 12}\n"
               "        max_in_flight: 5\n"
               "      - region: eu-central-1\n"
               "        encrypted: true\n"
               "        retain: {monthly: 12}\n"
               "      - region: ap-south-1\n"
               "        retain: {days: 1}\n");
  const auto& copies = config.policies.at(0).copies;
  ASSERT_EQ(copies.size(), 3U);
  EXPECT_EQ(copies[0].region, "us-west-2");
  EXPECT_EQ(copies[0].kms_key_id, "alias/dr");
  EXPECT_TRUE(copies[0].encrypted);  // a key means encrypted
  EXPECT_FALSE(copies[0].role_arn);
  EXPECT_EQ(copies[0].retain.count, 7);
  EXPECT_EQ(copies[0].retain.days, 90);
  EXPECT_EQ(copies[0].retain.monthly, 12);
  EXPECT_EQ(copies[0].max_in_flight, 5);
  EXPECT_TRUE(copies[1].encrypted);
  EXPECT_FALSE(copies[1].kms_key_id);
  EXPECT_EQ(copies[1].retain.monthly, 12);
  EXPECT_FALSE(copies[1].retain.count);  // the policy's retain is not inherited
  EXPECT_EQ(copies[1].max_in_flight, 20);
  EXPECT_FALSE(copies[2].encrypted);
}

// An aliased node is checked wherever it is used; each use is named.
TEST(ConfigTest, AliasedNodesAreCheckedWhereverUsed) {
  auto errors = errors_of(
      "policies:\n"
      "  - name: a\n"
      "    select: &sel {tags: {A: b}, instance_ids: [bad]}\n"
      "    schedule: rate(1 day)\n"
      "    retain: &keep {count: 3}\n"
      "  - name: b\n"
      "    select: *sel\n"
      "    schedule: rate(1 day)\n"
      "    retain: *keep\n");
  EXPECT_EQ(
      errors,
      (std::vector<std::string>{
          "c.yaml:3:48: policies[0].select.instance_ids[0] \"bad\" is not an instance id; ids look "
          "like i-0123456789abcdef0",
          "c.yaml:3:48: policies[1].select.instance_ids[0] \"bad\" is not an instance id; ids look "
          "like i-0123456789abcdef0"}));
}

std::vector<std::filesystem::path> example_files() {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(SNAPKEEP_SOURCE_DIR "/examples")) {
    if (entry.path().extension() == ".yaml") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST(ConfigTest, EveryExampleParsesWithoutErrors) {
  auto files = example_files();
  ASSERT_GE(files.size(), 2U);
  for (const auto& path : files) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    auto result = parse_config(text.str(), path.filename().string());
    std::string all;
    if (!result) {
      for (const auto& e : result.error()) all += e.to_string() + "\n";
    }
    EXPECT_TRUE(result.has_value()) << all;
  }
}

TEST(ConfigTest, MainExampleHasTheDocumentedContent) {
  std::ifstream in(SNAPKEEP_SOURCE_DIR "/examples/snapkeep.yaml");
  std::stringstream text;
  text << in.rdbuf();
  Config config = parse_ok(text.str());
  EXPECT_EQ(config.owner, "platform");
  EXPECT_EQ(config.regions, (std::vector<std::string>{"us-east-1", "eu-west-1"}));
  ASSERT_EQ(config.policies.size(), 2U);
  EXPECT_EQ(config.policies[0].name, "nightly");
  EXPECT_EQ(config.policies[0].retain.daily, 14);
  ASSERT_EQ(config.policies[0].copies.size(), 1U);
  EXPECT_EQ(config.policies[0].copies[0].region, "us-west-2");
  EXPECT_EQ(config.policies[0].copies[0].retain.monthly, 12);
  EXPECT_EQ(config.policies[1].name, "db-4h");
  EXPECT_TRUE(config.policies[1].snapshot.exclude_boot_volume);
}

// parse_config takes untrusted text: it must answer every input with a value
// or errors, never throw, crash or exhaust memory. The catch-all for
// unexpected exceptions ("could not read the configuration") must never fire
// either: it would hide, say, a bad_alloc from a yaml-cpp loop.
void check_answer(const std::string& text) {
  auto result = parse_config(text, "x.yaml");
  if (result) return;
  RC_ASSERT(!result.error().empty());
  for (const auto& e : result.error()) {
    RC_ASSERT(!e.message.empty());
    RC_ASSERT(e.line >= 0);
    RC_ASSERT(e.message.find("could not read the configuration") == std::string::npos);
  }
}

RC_GTEST_PROP(ConfigProperty, NeverThrowsOnArbitraryText, (const std::string& text)) {
  check_answer(text);
}

RC_GTEST_PROP(ConfigProperty, NeverThrowsOnYamlPunctuation, ()) {
  // Short strings of YAML's structural characters reach the parser's corners
  // (yaml-cpp#1040: a lone ',' made LoadAll allocate forever).
  const auto text = *rc::gen::container<std::string>(
      rc::gen::element(' ', ',', '[', ']', '{', '}', ':', '-', '?', '#', '&', '*', '!', '|', '>',
                       '\'', '"', '%', '@', '\n', '\t', 'a', '0', '.'));
  check_answer(text);
}

RC_GTEST_PROP(ConfigProperty, NeverThrowsOnMutatedValidConfigs, ()) {
  std::string text =
      kPolicy +
      "notify: {sns_topic_arn: \"arn:aws:sns:us-east-1:123456789012:t\", on: [failure]}\n"
      "regions: [us-east-1]\n";
  const auto edits = *rc::gen::container<std::vector<std::pair<std::size_t, char>>>(
      rc::gen::pair(rc::gen::inRange<std::size_t>(0, text.size()),
                    rc::gen::element(' ', '\n', ':', '-', '[', ']', '{', '}', '"', '*', '&', '!',
                                     '0', 'a', '#')));
  for (const auto& [index, c] : edits) text[index % text.size()] = c;
  check_answer(text);
}

TEST(ConfigTest, DrillSettingsAndTheirDefaults) {
  Config config = parse_ok(
      "policies:\n"
      "  - name: nightly\n"
      "    select: {all: true}\n"
      "    schedule: rate(1 day)\n"
      "    timezone: Europe/Berlin\n"
      "    retain: {count: 7}\n"
      "    drill: {schedule: \"cron(0 5 ? * SUN *)\", pick: random, within_days: 3,\n"
      "            availability_zone: us-west-2-lax-1a, keep_minutes: 10080}\n"
      "  - name: plain\n"
      "    select: {all: true}\n"
      "    schedule: rate(1 day)\n"
      "    retain: {count: 7}\n"
      "    drill: {schedule: rate(7 days)}\n");
  ASSERT_EQ(config.policies.size(), 2u);
  const auto& full = config.policies[0].drill;
  ASSERT_TRUE(full.has_value());
  EXPECT_EQ(full->schedule.expression(), "cron(0 5 ? * SUN *)");
  EXPECT_EQ(full->schedule.timezone(), "Europe/Berlin") << "the policy's time zone";
  EXPECT_TRUE(full->random_pick);
  EXPECT_EQ(full->within_days, 3);
  EXPECT_EQ(full->availability_zone, "us-west-2-lax-1a");
  EXPECT_EQ(full->keep_minutes, 10080);
  const auto& plain = config.policies[1].drill;
  ASSERT_TRUE(plain.has_value());
  EXPECT_FALSE(plain->random_pick);
  EXPECT_EQ(plain->within_days, 7);
  EXPECT_EQ(plain->availability_zone, "");
  EXPECT_EQ(plain->keep_minutes, 0);
  EXPECT_FALSE(parse_ok(kPolicy).policies[0].drill.has_value()) << "no drill: no drills";
}

TEST(ConfigTest, OwnerIsANameLikeAPolicyName) {
  EXPECT_EQ(parse_ok("owner: team-a.prod_1\n" + kPolicy).owner, "team-a.prod_1");
  EXPECT_EQ(parse_ok(kPolicy).owner, "");
  EXPECT_EQ(errors_of("owner: team a\n" + kPolicy),
            std::vector<std::string>{
                "c.yaml:1:8: owner \"team a\" is not allowed; an owner is 1 to 64 letters, "
                "digits, '.', '_' or '-', starting with a letter or digit"});
  EXPECT_EQ(errors_of("owner: " + std::string(65, 'o') + "\n" + kPolicy).size(), 1U);
  EXPECT_EQ(errors_of("owner: 7\n" + kPolicy).size(), 1U);
}

TEST(ConfigTest, SnapshotTagsLeaveRoomForSnapkeepsOwnWithinFifty) {
  const auto with_tags = [](int n, bool name) {
    std::string tags;
    for (int i = 0; i < n; ++i) tags += (tags.empty() ? "" : ", ") + fmt::format("k{}: v", i);
    if (name) tags += ", Name: n";
    return kPolicy + "    snapshot:\n      tags: {" + tags + "}\n";
  };
  EXPECT_EQ(parse_ok(with_tags(43, false)).policies[0].snapshot.tags.size(), 43U);
  EXPECT_EQ(parse_ok(with_tags(43, true)).policies[0].snapshot.tags.size(), 44U);
  const auto errors = errors_of(with_tags(44, false));
  ASSERT_EQ(errors.size(), 1U);
  EXPECT_NE(errors[0].find("has 44 tags; with snapkeep's own"), std::string::npos) << errors[0];
  EXPECT_EQ(errors_of(with_tags(44, true)).size(), 1U);
}

}  // namespace
}  // namespace snapkeep::core

namespace snapkeep::core {
namespace {

TEST(ConfigTest, MetricsCloudwatchIsOffByDefaultAndABoolean) {
  const std::string policy =
      "policies:\n  - name: p\n    select: {tags: {Backup: \"true\"}}\n"
      "    schedule: \"rate(1 day)\"\n    retain: {count: 1}\n";
  EXPECT_FALSE(parse_ok(policy).metrics.cloudwatch);
  EXPECT_TRUE(parse_ok("metrics: {cloudwatch: true}\n" + policy).metrics.cloudwatch);
  EXPECT_FALSE(parse_config("metrics: {cloudwatch: yes please}\n" + policy, "c.yaml"));
  EXPECT_FALSE(parse_config("metrics: {prometheus: true}\n" + policy, "c.yaml"));
}

}  // namespace
}  // namespace snapkeep::core
