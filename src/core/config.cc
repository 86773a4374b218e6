// The configuration's rules: which keys exist where, their defaults and how
// each value is validated (DESIGN.md section 2, docs/configuration.md). YAML
// reading (nodes, positions, one-document guards) is in core/config_yaml.h;
// format checks of single values are in core/config_checks.h.
//
// Adding a key:
//   1. a field with its default in core/config.h;
//   2. its name in the k...Keys list of the mapping that holds it below (an
//      unknown key is an error, so a key not listed cannot be written);
//   3. read it in that mapping's parse_... function (a new section gets its
//      own parse_... function, called from parse_document or parse_policy),
//      with Reader's string_value/int_value/bool_value/string_list/mapping;
//   4. docs/configuration.md, schema/snapkeep.schema.json (with a case in
//      tests/support/check_schema.py when the schema can reject a bad value)
//      and a test in tests/unit/core/config_test.cc.
// No key may be accepted and then ignored: a key the engine does not act on
// yet is not listed (so it is an unknown key).
#include "core/config.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/config_checks.h"
#include "core/config_yaml.h"
#include "core/tag_limits.h"
#include "util/aws_names.h"

namespace snapkeep::core {

namespace {

using namespace config_checks;  // NOLINT(google-build-using-namespace): the file's vocabulary
using config_yaml::classify;
using config_yaml::describe;
using config_yaml::Entries;
using config_yaml::Entry;
using config_yaml::join;
using config_yaml::KeyList;
using config_yaml::Pos;
using config_yaml::pos_of;
using config_yaml::quoted;
using config_yaml::ScalarKind;
using config_yaml::where;

// Largest value any retention rule or orphan_keep_days accepts: 100 years of
// days, the same ceiling AWS puts on DLM and Backup retention.
constexpr int kMaxRetention = 36500;
constexpr std::size_t kMaxTagKey = max_tag_key_chars;
constexpr std::size_t kMaxTagValue = max_tag_value_chars;
constexpr std::size_t kMaxPolicyName = 64;
constexpr std::size_t kMaxOwner = 64;
// The tags snapkeep writes on every snapshot besides the policy's own:
// snapkeep:policy, :slot, :instance, :set, :device, :owner, and Name unless
// the policy sets it. The policy's tags must leave room for them.
constexpr std::size_t kReservedSnapshotTags = 6;

// The keys each mapping allows, in the order messages list them.
constexpr auto kTopKeys = std::to_array<std::string_view>({
    "owner",
    "regions",
    "notify",
    "metrics",
    "policies",
    "accounts",
    "include_own_account",
});
constexpr auto kNotifyKeys = std::to_array<std::string_view>({
    "sns_topic_arn",
    "webhook_url",
    "on",
});
constexpr auto kPolicyKeys = std::to_array<std::string_view>({
    "name",
    "select",
    "schedule",
    "timezone",
    "snapshot",
    "retain",
    "copies",
    "orphan_keep_days",
    "drill",
});
constexpr auto kSelectKeys = std::to_array<std::string_view>({
    "tags",
    "exclude_tags",
    "instance_ids",
    "exclude_volume_tags",
    "all",
});
constexpr auto kSnapshotKeys = std::to_array<std::string_view>({
    "exclude_boot_volume",
    "exclude_devices",
    "copy_tags",
    "tags",
});
constexpr auto kRetainKeys = std::to_array<std::string_view>({
    "count",
    "days",
    "hourly",
    "daily",
    "weekly",
    "monthly",
    "yearly",
});
constexpr auto kCopyKeys = std::to_array<std::string_view>({
    "region",
    "role_arn",
    "kms_key_id",
    "encrypted",
    "retain",
    "max_in_flight",
});
constexpr auto kDrillKeys = std::to_array<std::string_view>({
    "schedule",
    "pick",
    "within_days",
    "availability_zone",
    "keep_minutes",
});
// max_in_flight: EC2 allows 20 concurrent copies per destination region and
// account (not adjustable); a higher value only meets ResourceLimitExceeded,
// which stops copies for the run. 100 leaves room for accounts granted more.
constexpr int kMaxCopiesInFlight = 100;
constexpr auto kAccountKeys = std::to_array<std::string_view>({
    "name",
    "role_arn",
    "external_id",
    "session_name",
    "regions",
});
constexpr std::size_t kMaxAccountName = 64;

class Parser : public config_yaml::Reader {
 public:
  using Reader::Reader;

  Config parse_document(const YAML::Node& root);

 private:
  std::optional<Tags> tag_map(const Entry& e, const std::string& path, bool user_tags);

  void parse_regions(const Entry& e, Config& config);
  std::optional<std::vector<std::string>> region_list(const Entry& e, const std::string& path);
  void parse_notify(const Entry& e, Notify& notify);
  void parse_policy(const YAML::Node& node, const std::string& path, Policy& policy,
                    const Config& config, Pos& name_pos);
  void parse_select(const Entry& e, const std::string& path, Selection& select);
  void parse_snapshot(const Entry& e, const std::string& path, SnapshotOptions& snapshot);
  void parse_retain(const Entry& e, const std::string& path, Retention& retain);
  void parse_copies(const Entry& e, const std::string& path, Policy& policy, const Config& config);
  void parse_drill(const Entry& e, const std::string& path, const std::string& timezone,
                   Policy& policy);
  void parse_accounts(const Entry& e, Config& config);
};

std::optional<Tags> Parser::tag_map(const Entry& e, const std::string& path, bool user_tags) {
  if (!e.value.IsMap()) {
    error(at(e), fmt::format("{} must be a mapping of tag keys to values, got {}", path,
                             describe(e.value)));
    return std::nullopt;
  }
  Tags tags;
  std::map<std::string, Pos, std::less<>> first_at;
  for (auto it = e.value.begin(); it != e.value.end(); ++it) {
    const YAML::Node key = it->first;  // a copy: see config_yaml::Reader::mapping
    if (!key.IsScalar() || key.IsNull()) {
      error(key, fmt::format("a tag key in {} is {}; tag keys are strings", path, describe(key)));
      continue;
    }
    const std::string& name = key.Scalar();
    std::string tag_path = fmt::format("{}.{}", path, name.size() > 40 ? "<key>" : name);
    bool ok = true;
    if (name.empty() || utf8_length(name) > kMaxTagKey) {
      error(key, fmt::format("tag key {} in {} must be 1 to {} characters long", quoted(name), path,
                             kMaxTagKey));
      ok = false;
    } else if (user_tags && starts_with_ci(name, "aws:")) {
      error(key,
            fmt::format(
                "tag key {} in {} starts with \"aws:\", which AWS reserves; choose another key",
                quoted(name), path));
      ok = false;
    } else if (user_tags && starts_with_ci(name, "snapkeep:")) {
      error(key, fmt::format(
                     "tag key {} in {} starts with \"snapkeep:\", which snapkeep reserves for its "
                     "own tags; choose another key",
                     quoted(name), path));
      ok = false;
    }
    if (auto found = first_at.find(name); found != first_at.end()) {
      error(key, fmt::format("duplicate tag key {} in {} (first at {}); give each key once",
                             quoted(name), path, where(found->second)));
      continue;
    }
    first_at.emplace(name, pos_of(key));
    auto value = string_value(Entry{key, it->second}, tag_path);
    if (!value) continue;
    if (utf8_length(*value) > kMaxTagValue) {
      error(it->second, fmt::format("{} is {} characters long; a tag value holds at most {}",
                                    tag_path, utf8_length(*value), kMaxTagValue));
      continue;
    }
    if (ok) tags.emplace(name, *value);
  }
  return tags;
}

void Parser::parse_regions(const Entry& e, Config& config) {
  if (e.value.IsScalar() && classify(e.value) == ScalarKind::string && e.value.Scalar() == "*") {
    config.all_regions = true;
    return;
  }
  if (auto regions = region_list(e, "regions")) config.regions = std::move(*regions);
}

// A list of region names at `path` (top-level regions, an account's regions):
// not empty, no repeats, each a region name.
std::optional<std::vector<std::string>> Parser::region_list(const Entry& e,
                                                            const std::string& path) {
  const std::string allowed =
      path == "regions"
          ? "a list of region names such as [us-east-1, eu-west-1], or \"*\" for every enabled "
            "region"
          : "a list of region names such as [us-east-1, eu-west-1]";
  if (!e.value.IsSequence()) {
    error(at(e), fmt::format("{} must be {}, got {}", path, allowed, describe(e.value)));
    return std::nullopt;
  }
  if (e.value.size() == 0) {
    error(at(e), path == "regions"
                     ? std::string("regions is empty; list at least one region, write \"*\" for "
                                   "every enabled region, or leave the key out for the default "
                                   "region")
                     : fmt::format("{} is empty; list at least one region, or leave the key out "
                                   "for the configuration's regions",
                                   path));
    return std::nullopt;
  }
  auto items = string_list(e, path);
  if (!items) return std::nullopt;
  return unique_items(*items, path, [](std::string_view name) -> std::optional<std::string_view> {
    if (name == "*") return "stands alone; write regions: \"*\" instead of a list";
    if (!util::supported_region(name))
      return "is not a region name; regions look like us-east-1 or eu-west-1";
    return std::nullopt;
  });
}

void Parser::parse_notify(const Entry& e, Notify& notify) {
  auto entries = mapping(e.value, at(e), "notify", kNotifyKeys);
  if (!entries) return;
  if (auto it = entries->find("sns_topic_arn"); it != entries->end()) {
    if (auto arn = string_value(it->second, "notify.sns_topic_arn")) {
      if (auto problem = util::sns_topic_arn_problem(*arn); !problem.empty()) {
        error(at(it->second), fmt::format("notify.sns_topic_arn {} {}; expected "
                                          "arn:aws:sns:<region>:<12-digit account>:<topic name>",
                                          quoted(*arn), problem));
      } else {
        notify.sns_topic_arn = *arn;
      }
    }
  }
  if (auto it = entries->find("webhook_url"); it != entries->end()) {
    if (auto url = string_value(it->second, "notify.webhook_url")) {
      if (auto problem = check_webhook_url(*url); !problem.empty()) {
        error(at(it->second), fmt::format("notify.webhook_url {} {}", quoted(*url), problem));
      } else {
        notify.webhook_url = *url;
      }
    }
  }
  if (auto it = entries->find("on"); it != entries->end()) {
    if (auto events = string_list(it->second, "notify.on")) {
      if (it->second.value.size() == 0) {
        error(at(it->second),
              "notify.on is empty; list failure, summary or both (remove notify to send nothing)");
      }
      notify.on_failure = false;
      notify.on_summary = false;
      for (const auto& [event, pos] : *events) {
        bool& flag = event == "failure" ? notify.on_failure : notify.on_summary;
        if (event != "failure" && event != "summary") {
          error(pos, fmt::format("notify.on: {} is not an event; allowed: failure, summary",
                                 quoted(event)));
        } else if (flag) {
          error(pos, fmt::format("notify.on lists {} twice", event));
        } else {
          flag = true;
        }
      }
    }
  }
  if (!entries->contains("sns_topic_arn") && !entries->contains("webhook_url")) {
    error(at(e), "notify has nowhere to send: give sns_topic_arn, webhook_url or both");
  }
}

void Parser::parse_select(const Entry& e, const std::string& path, Selection& select) {
  auto entries = mapping(e.value, at(e), path, kSelectKeys);
  if (!entries) return;
  if (auto it = entries->find("tags"); it != entries->end()) {
    if (auto tags = tag_map(it->second, path + ".tags", false)) select.tags = std::move(*tags);
  }
  if (auto it = entries->find("exclude_tags"); it != entries->end()) {
    if (auto tags = tag_map(it->second, path + ".exclude_tags", false))
      select.exclude_tags = std::move(*tags);
  }
  if (auto it = entries->find("exclude_volume_tags"); it != entries->end()) {
    if (auto tags = tag_map(it->second, path + ".exclude_volume_tags", false)) {
      select.exclude_volume_tags = std::move(*tags);
    }
  }
  bool has_ids = false;
  if (auto it = entries->find("instance_ids"); it != entries->end()) {
    if (auto ids = string_list(it->second, path + ".instance_ids")) {
      has_ids = !ids->empty();
      select.instance_ids = unique_items(
          *ids, path + ".instance_ids", [](std::string_view id) -> std::optional<std::string_view> {
            if (!is_instance_id(id))
              return "is not an instance id; ids look like i-0123456789abcdef0";
            return std::nullopt;
          });
    }
  }
  auto tags_entry = entries->find("tags");
  bool has_tags = tags_entry != entries->end() && tags_entry->second.value.IsMap() &&
                  tags_entry->second.value.size() > 0;
  // Selecting every instance must be said, never the result of a forgotten
  // key: a Selection with no tags and no ids matches every instance.
  std::optional<bool> all;
  if (auto it = entries->find("all"); it != entries->end()) {
    all = bool_value(it->second, path + ".all");
    if (all == true && (has_tags || has_ids)) {
      error(at(it->second),
            fmt::format("{}.all: true selects every instance; remove it, or remove tags and "
                        "instance_ids",
                        path));
    }
  }
  if (has_tags || has_ids) return;
  if (!entries->contains("all")) {
    error(at(e),
          fmt::format(
              "{} selects no instance: give tags or instance_ids, or all: true to protect every "
              "instance",
              path));
  } else if (all == false) {
    error(at(entries->at("all")),
          fmt::format("{}.all is false and nothing else is selected: give tags or "
                      "instance_ids, or all: true to protect every instance",
                      path));
  }
}

void Parser::parse_snapshot(const Entry& e, const std::string& path, SnapshotOptions& snapshot) {
  auto entries = mapping(e.value, at(e), path, kSnapshotKeys);
  if (!entries) return;
  if (auto it = entries->find("exclude_boot_volume"); it != entries->end()) {
    if (auto b = bool_value(it->second, path + ".exclude_boot_volume"))
      snapshot.exclude_boot_volume = *b;
  }
  if (auto it = entries->find("exclude_devices"); it != entries->end()) {
    if (auto devices = string_list(it->second, path + ".exclude_devices")) {
      snapshot.exclude_devices =
          unique_items(*devices, path + ".exclude_devices",
                       [](std::string_view device) -> std::optional<std::string_view> {
                         if (!is_device_name(device))
                           return "is not a device name; names look like /dev/sdf or xvdf";
                         return std::nullopt;
                       });
    }
  }
  if (auto it = entries->find("copy_tags"); it != entries->end()) {
    if (auto sources = string_list(it->second, path + ".copy_tags")) {
      for (std::size_t i = 0; i < sources->size(); ++i) {
        const auto& [source, pos] = (*sources)[i];
        bool& flag = source == "instance" ? snapshot.copy_instance_tags : snapshot.copy_volume_tags;
        if (source != "instance" && source != "volume") {
          error(pos,
                fmt::format("{}.copy_tags[{}] {} is not a tag source; allowed: instance, volume",
                            path, i, quoted(source)));
        } else if (flag) {
          error(pos, fmt::format("{}.copy_tags lists {} twice", path, source));
        } else {
          flag = true;
        }
      }
    }
  }
  if (auto it = entries->find("tags"); it != entries->end()) {
    if (auto tags = tag_map(it->second, path + ".tags", true)) {
      const std::size_t room =
          max_tags_per_snapshot - kReservedSnapshotTags - (tags->contains("Name") ? 0 : 1);
      if (tags->size() > room) {
        error(at(it->second),
              fmt::format("{} has {} tags; with snapkeep's own (snapkeep:policy, snapkeep:slot, "
                          "snapkeep:instance, snapkeep:set, snapkeep:device, snapkeep:owner and "
                          "Name) a snapshot would carry more than EC2's {}: give at most {} ({} "
                          "when Name is one of them)",
                          path, tags->size(), max_tags_per_snapshot,
                          max_tags_per_snapshot - kReservedSnapshotTags - 1,
                          max_tags_per_snapshot - kReservedSnapshotTags));
      }
      snapshot.tags = std::move(*tags);
    }
  }
}

void Parser::parse_retain(const Entry& e, const std::string& path, Retention& retain) {
  auto entries = mapping(e.value, at(e), path, kRetainKeys);
  if (!entries) return;
  std::array<std::optional<int>*, kRetainKeys.size()> fields = {
      &retain.count,  &retain.days,    &retain.hourly, &retain.daily,
      &retain.weekly, &retain.monthly, &retain.yearly};
  bool any = false;
  for (std::size_t i = 0; i < kRetainKeys.size(); ++i) {
    auto it = entries->find(kRetainKeys[i]);
    if (it == entries->end()) continue;
    any = true;
    *fields[i] =
        int_value(it->second, fmt::format("{}.{}", path, kRetainKeys[i]), 1, kMaxRetention);
  }
  if (!any) {
    error(at(e),
          fmt::format(
              "{} has no rule; give at least one of {} (a restore point kept by any rule stays)",
              path, join(kRetainKeys)));
  }
}

void Parser::parse_copies(const Entry& e, const std::string& path, Policy& policy,
                          const Config& config) {
  if (!e.value.IsSequence()) {
    error(at(e), fmt::format("{} must be a list of copy targets ({{region, role_arn, kms_key_id, "
                             "encrypted, retain, max_in_flight}}), got {}",
                             path, describe(e.value)));
    return;
  }
  // A target is (destination account, region): the role's account, or ""
  // for the source's own account.
  std::map<std::pair<std::string, std::string>, std::string, std::less<>> seen;
  std::size_t index = 0;
  for (const auto& item : e.value) {
    std::string item_path = fmt::format("{}[{}]", path, index++);
    auto entries = mapping(item, pos_of(e.key), item_path, kCopyKeys);
    if (!entries) continue;
    CopyTarget copy;
    std::string account;  // the role's account; "" for the source's own
    if (auto it = entries->find("role_arn"); it != entries->end()) {
      if (auto arn = string_value(it->second, item_path + ".role_arn")) {
        if (auto problem = util::role_arn_problem(*arn); !problem.empty()) {
          error(
              at(it->second),
              fmt::format("{}.role_arn {} {}; expected arn:aws:iam::<12-digit account>:role/<name> "
                          "(the role snapkeep assumes in the destination account)",
                          item_path, quoted(*arn), problem));
        } else {
          account = util::arn_account(*arn);
        }
        copy.role_arn = *arn;
      }
    }
    if (auto it = entries->find("region"); it != entries->end()) {
      if (auto region = string_value(it->second, item_path + ".region")) {
        const bool same_account = !copy.role_arn;
        // The regions this copy's destination account is a source in: for a
        // same-account copy every source region (of the own account and of
        // each configured account); for a vault account, the regions of a
        // configured account with that id, if it is one.
        std::vector<std::string> sources;
        bool every_region = false;
        auto add_sources = [&](const std::vector<std::string>& regions) {
          if (regions.empty()) every_region = every_region || config.all_regions;
          const auto& list = regions.empty() ? config.regions : regions;
          for (const auto& r : list) {
            if (std::find(sources.begin(), sources.end(), r) == sources.end()) sources.push_back(r);
          }
        };
        if (same_account) add_sources({});
        for (const auto& a : config.accounts) {
          if (same_account || util::arn_account(a.role_arn) == account) add_sources(a.regions);
        }
        if (!util::supported_region(*region)) {
          error(at(it->second),
                fmt::format("{}.region {} is not a region name; regions look like us-west-2",
                            item_path, quoted(*region)));
        } else if (every_region) {
          error(at(it->second),
                fmt::format("{}.region {}: with regions \"*\" every region is a source, so a copy "
                            "would land in its own source region; list the source regions "
                            "explicitly",
                            item_path, *region));
        } else if (std::find(sources.begin(), sources.end(), *region) != sources.end()) {
          error(at(it->second),
                same_account
                    ? fmt::format("{}.region {} is one of the source regions; copies in the same "
                                  "account go to other regions (sources: {}), or give role_arn to "
                                  "copy into another account",
                                  item_path, *region, fmt::join(sources, ", "))
                    : fmt::format("{}.region {} is a source region of account {} itself (sources "
                                  "there: {}); copy to another region or another account",
                                  item_path, *region, account, fmt::join(sources, ", ")));
        } else if (auto [found, inserted] =
                       seen.try_emplace({account, *region}, where(at(it->second)));
                   !inserted) {
          error(at(it->second),
                fmt::format("{}.region {} is a second copy to the same target ({} in {}; first "
                            "at {}); give each target once",
                            item_path, *region, *region,
                            account.empty() ? "the source's account" : "account " + account,
                            found->second));
        }
        copy.region = *region;
      }
    } else {
      error(pos_of(item), fmt::format("{} has no region; give the region to copy to", item_path));
    }
    if (auto it = entries->find("kms_key_id"); it != entries->end()) {
      if (auto key = string_value(it->second, item_path + ".kms_key_id")) {
        if (!is_kms_key_ref(*key)) {
          error(at(it->second),
                fmt::format("{}.kms_key_id {} is not a KMS key reference; allowed: a key id, "
                            "alias/<name>, or a key or alias ARN",
                            item_path, quoted(*key)));
        }
        copy.kms_key_id = *key;
      }
    }
    if (auto it = entries->find("encrypted"); it != entries->end()) {
      if (auto encrypted = bool_value(it->second, item_path + ".encrypted")) {
        if (!*encrypted && copy.kms_key_id) {
          error(at(it->second),
                fmt::format("{}.encrypted is false but kms_key_id is given; a copy with a key is "
                            "encrypted: remove one of them",
                            item_path));
        }
        copy.encrypted = *encrypted;
      }
    }
    if (copy.kms_key_id) copy.encrypted = true;
    if (auto it = entries->find("retain"); it != entries->end()) {
      parse_retain(it->second, item_path + ".retain", copy.retain);
    } else {
      error(pos_of(item),
            fmt::format("{} has no retain; say how long copies are kept at the destination, e.g. "
                        "retain: {{days: 90}} (any of {})",
                        item_path, join(kRetainKeys)));
    }
    if (auto it = entries->find("max_in_flight"); it != entries->end()) {
      if (auto n = int_value(it->second, item_path + ".max_in_flight", 1, kMaxCopiesInFlight))
        copy.max_in_flight = *n;
    }
    policy.copies.push_back(std::move(copy));
  }
}

void Parser::parse_policy(const YAML::Node& node, const std::string& path, Policy& policy,
                          const Config& config, Pos& name_pos) {
  auto entries = mapping(node, pos_of(node), path, kPolicyKeys);
  if (!entries) return;
  Pos where = pos_of(node);
  auto missing = [&](std::string_view key, std::string_view what) {
    if (!entries->contains(key)) error(where, fmt::format("{} has no {}; {}", path, key, what));
  };
  missing("name", "give it a name (letters, digits, '.', '_', '-'; up to 64 characters)");
  missing("select",
          "say which instances it protects with select: {tags: {...}}, {instance_ids: [...]} or "
          "{all: true}");
  missing("schedule", "give one, e.g. \"cron(0 0 * * ? *)\" or \"rate(12 hours)\"");
  missing("retain", fmt::format("give at least one of {}", join(kRetainKeys)));

  if (auto it = entries->find("name"); it != entries->end()) {
    if (auto name = string_value(it->second, path + ".name")) {
      if (!is_policy_name(*name, kMaxPolicyName)) {
        error(at(it->second),
              fmt::format("{}.name {} is not allowed; a policy name is 1 to {} letters, digits, "
                          "'.', '_' or '-', starting with a letter or digit",
                          path, quoted(*name), kMaxPolicyName));
      } else {
        policy.name = *name;
        name_pos = at(it->second);
      }
    }
  }
  if (auto it = entries->find("select"); it != entries->end())
    parse_select(it->second, path + ".select", policy.select);

  bool timezone_ok = true;
  if (auto it = entries->find("timezone"); it != entries->end()) {
    if (auto tz = string_value(it->second, path + ".timezone")) {
      if (!is_valid_timezone(*tz)) {
        error(at(it->second),
              fmt::format("{}.timezone {} is not an IANA time zone; use a name such as UTC, "
                          "Europe/Berlin or America/New_York",
                          path, quoted(*tz)));
        timezone_ok = false;
      } else {
        policy.timezone = *tz;
      }
    } else {
      timezone_ok = false;
    }
  }
  if (auto it = entries->find("schedule"); it != entries->end()) {
    if (auto expression = string_value(it->second, path + ".schedule")) {
      // With a bad time zone, still check the expression itself (in UTC) so
      // both mistakes are reported in one pass.
      auto schedule = Schedule::parse(*expression, timezone_ok ? policy.timezone : "UTC");
      if (!schedule) {
        error(at(it->second),
              fmt::format("{}.schedule {}: {}", path, quoted(*expression), schedule.error()));
      } else {
        policy.schedule = std::move(*schedule);
      }
    }
  }
  if (auto it = entries->find("snapshot"); it != entries->end()) {
    parse_snapshot(it->second, path + ".snapshot", policy.snapshot);
  }
  if (auto it = entries->find("retain"); it != entries->end())
    parse_retain(it->second, path + ".retain", policy.retain);
  if (auto it = entries->find("copies"); it != entries->end())
    parse_copies(it->second, path + ".copies", policy, config);
  if (auto it = entries->find("orphan_keep_days"); it != entries->end()) {
    if (auto days = int_value(it->second, path + ".orphan_keep_days", 1, kMaxRetention))
      policy.orphan_keep_days = *days;
  }
  if (auto it = entries->find("drill"); it != entries->end())
    parse_drill(it->second, path + ".drill", timezone_ok ? policy.timezone : "UTC", policy);
}

void Parser::parse_drill(const Entry& e, const std::string& path, const std::string& timezone,
                         Policy& policy) {
  auto entries = mapping(e.value, at(e), path, kDrillKeys);
  if (!entries) return;
  DrillSettings drill;
  bool ok = true;
  if (auto it = entries->find("schedule"); it != entries->end()) {
    if (auto expression = string_value(it->second, path + ".schedule")) {
      auto schedule = Schedule::parse(*expression, timezone);
      if (!schedule) {
        error(at(it->second),
              fmt::format("{}.schedule {}: {}", path, quoted(*expression), schedule.error()));
        ok = false;
      } else {
        drill.schedule = std::move(*schedule);
      }
    } else {
      ok = false;
    }
  } else {
    error(at(e), fmt::format("{} has no schedule; say when drills are due, e.g. "
                             "\"cron(0 5 ? * SUN *)\" (in the policy's time zone)",
                             path));
    ok = false;
  }
  if (auto it = entries->find("pick"); it != entries->end()) {
    if (auto pick = string_value(it->second, path + ".pick")) {
      if (*pick != "latest" && *pick != "random") {
        error(at(it->second),
              fmt::format("{}.pick {} is not latest or random", path, quoted(*pick)));
        ok = false;
      }
      drill.random_pick = *pick == "random";
    }
  }
  if (auto it = entries->find("within_days"); it != entries->end()) {
    if (auto days = int_value(it->second, path + ".within_days", 1, kMaxRetention)) {
      drill.within_days = *days;
    } else {
      ok = false;
    }
  }
  if (auto it = entries->find("availability_zone"); it != entries->end()) {
    if (auto zone = string_value(it->second, path + ".availability_zone")) {
      if (!util::valid_availability_zone_name(*zone)) {
        error(at(it->second),
              fmt::format("{}.availability_zone {} is not an availability zone name such as "
                          "us-east-1a",
                          path, quoted(*zone)));
        ok = false;
      }
      drill.availability_zone = *zone;
    }
  }
  if (auto it = entries->find("keep_minutes"); it != entries->end()) {
    // Up to a week: drill volumes cost money while they are kept.
    if (auto minutes = int_value(it->second, path + ".keep_minutes", 0, 7 * 24 * 60)) {
      drill.keep_minutes = *minutes;
    } else {
      ok = false;
    }
  }
  if (ok) policy.drill = std::move(drill);
}

void Parser::parse_accounts(const Entry& e, Config& config) {
  if (!e.value.IsSequence()) {
    error(at(e), fmt::format("accounts must be a list of {{name, role_arn, external_id, "
                             "session_name, regions}}, got {}",
                             describe(e.value)));
    return;
  }
  std::set<std::string, std::less<>> seen_arns;
  std::map<std::string, std::string, std::less<>> seen_names;  // name -> where first
  std::size_t index = 0;
  for (const auto& item : e.value) {
    std::string path = fmt::format("accounts[{}]", index++);
    auto entries = mapping(item, pos_of(e.key), path, kAccountKeys);
    if (!entries) continue;
    Account account;
    if (auto it = entries->find("name"); it != entries->end()) {
      if (auto name = string_value(it->second, path + ".name")) {
        const bool all_digits =
            !name->empty() && all_of(*name, [](char c) { return c >= '0' && c <= '9'; });
        if (!is_policy_name(*name, kMaxAccountName)) {
          error(at(it->second),
                fmt::format("{}.name {} is not allowed; a name is 1 to {} letters, digits, '.', "
                            "'_' or '-', starting with a letter or digit",
                            path, quoted(*name), kMaxAccountName));
        } else if (all_digits) {
          error(at(it->second),
                fmt::format("{}.name {} is all digits and would read as an account id in "
                            "--account; give the account a name",
                            path, quoted(*name)));
        } else if (auto [first, inserted] = seen_names.try_emplace(*name, where(at(it->second)));
                   !inserted) {
          error(at(it->second), fmt::format("{}.name {} is used twice (first at {}); names must "
                                            "be unique",
                                            path, quoted(*name), first->second));
        }
        account.name = *name;
      }
    } else {
      error(pos_of(item),
            fmt::format("{} has no name; give each account a name for output and --account", path));
    }
    if (auto it = entries->find("role_arn"); it != entries->end()) {
      if (auto arn = string_value(it->second, path + ".role_arn")) {
        if (auto problem = util::role_arn_problem(*arn); !problem.empty()) {
          error(
              at(it->second),
              fmt::format("{}.role_arn {} {}; expected arn:aws:iam::<12-digit account>:role/<name>",
                          path, quoted(*arn), problem));
        } else if (!seen_arns.insert(*arn).second) {
          error(at(it->second), fmt::format("{}.role_arn {} is listed twice", path, quoted(*arn)));
        }
        account.role_arn = *arn;
      }
    } else {
      error(
          pos_of(item),
          fmt::format("{} has no role_arn; give the role snapkeep assumes in that account", path));
    }
    if (auto it = entries->find("external_id"); it != entries->end()) {
      if (auto id = string_value(it->second, path + ".external_id")) {
        if (id->size() < 2 || id->size() > 1224 ||
            !all_of(*id, [](char c) { return is_iam_name_char(c) || c == ':' || c == '/'; })) {
          error(at(it->second),
                fmt::format("{}.external_id must be 2 to 1224 letters, digits or +=,.@:/_-", path));
        }
        account.external_id = *id;
      }
    }
    if (auto it = entries->find("session_name"); it != entries->end()) {
      if (auto name = string_value(it->second, path + ".session_name")) {
        if (name->size() < 2 || name->size() > 64 || !all_of(*name, is_iam_name_char)) {
          error(at(it->second),
                fmt::format("{}.session_name must be 2 to 64 letters, digits or +=,.@_-", path));
        }
        account.session_name = *name;
      }
    }
    if (auto it = entries->find("regions"); it != entries->end()) {
      if (auto regions = region_list(it->second, path + ".regions")) {
        account.regions = std::move(*regions);
      }
    }
    config.accounts.push_back(std::move(account));
  }
}

Config Parser::parse_document(const YAML::Node& root) {
  Config config;
  auto entries = mapping(root, Pos{1, 1}, "the top level", kTopKeys);
  if (!entries) return config;
  if (auto it = entries->find("owner"); it != entries->end()) {
    if (auto owner = string_value(it->second, "owner")) {
      if (!is_policy_name(*owner, kMaxOwner)) {
        error(at(it->second),
              fmt::format("owner {} is not allowed; an owner is 1 to {} letters, digits, '.', '_' "
                          "or '-', starting with a letter or digit",
                          quoted(*owner), kMaxOwner));
      } else {
        config.owner = *owner;
      }
    }
  }
  // Regions and accounts first: copies are checked against them, wherever
  // they appear.
  if (auto it = entries->find("regions"); it != entries->end()) parse_regions(it->second, config);
  if (auto it = entries->find("accounts"); it != entries->end()) parse_accounts(it->second, config);
  config.include_own_account = config.accounts.empty();
  if (auto it = entries->find("include_own_account"); it != entries->end()) {
    if (auto own = bool_value(it->second, "include_own_account")) config.include_own_account = *own;
  }
  if (!config.include_own_account && config.accounts.empty()) {
    if (auto it = entries->find("include_own_account"); it != entries->end()) {
      error(at(it->second),
            "include_own_account is false and no accounts are configured: there is nothing to "
            "protect; add accounts or remove the key");
    }
  }
  if (auto it = entries->find("notify"); it != entries->end())
    parse_notify(it->second, config.notify);
  if (auto it = entries->find("metrics"); it != entries->end()) {
    static constexpr auto kMetricsKeys = std::to_array<std::string_view>({"cloudwatch"});
    if (auto metrics = mapping(it->second.value, at(it->second), "metrics", kMetricsKeys)) {
      if (auto cw = metrics->find("cloudwatch"); cw != metrics->end()) {
        if (auto on = bool_value(cw->second, "metrics.cloudwatch")) config.metrics.cloudwatch = *on;
      }
    }
  }

  if (auto it = entries->find("policies"); it == entries->end()) {
    error(Pos{1, 1}, "the file has no policies; add policies: with at least one policy");
  } else if (const Entry& e = it->second; !e.value.IsSequence()) {
    error(at(e), fmt::format("policies must be a list of policies, got {}", describe(e.value)));
  } else if (e.value.size() == 0) {
    error(at(e), "policies is empty; give at least one policy");
  } else {
    std::map<std::string, Pos, std::less<>> first_at;
    std::size_t index = 0;
    for (const auto& node : e.value) {
      Policy policy;
      Pos name_pos;
      parse_policy(node, fmt::format("policies[{}]", index++), policy, config, name_pos);
      if (!policy.name.empty()) {
        if (auto found = first_at.find(policy.name); found != first_at.end()) {
          error(name_pos,
                fmt::format("policy name \"{}\" is used twice (first at {}); names must be unique "
                            "because they tag the snapshots",
                            policy.name, where(found->second)));
        } else {
          first_at.emplace(policy.name, name_pos);
        }
      }
      config.policies.push_back(std::move(policy));
    }
  }
  return config;
}

}  // namespace

snapkeep::expected<Config, std::vector<ConfigError>> parse_config(std::string_view yaml_text,
                                                                  std::string_view file_name) {
  Parser parser(file_name);
  Config config;
  config_yaml::read_one_document(
      yaml_text, parser, [&](const YAML::Node& root) { config = parser.parse_document(root); });
  if (!parser.has_errors()) return config;
  return snapkeep::unexpected(parser.take_errors());
}

}  // namespace snapkeep::core
