#include "cli/cmd_validate.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <iostream>
#include <string>
#include <vector>

#include "cli/app.h"
#include "cli/commands.h"
#include "cli/config_file.h"
#include "core/retention.h"

namespace snapkeep::cli {

namespace {

constexpr int kRunsShown = 3;

std::string tag_list(const core::Tags& tags, std::string_view separator) {
  std::vector<std::string> parts;
  for (const auto& [key, value] : tags) parts.push_back(fmt::format("{}={}", key, value));
  return fmt::format("{}", fmt::join(parts, separator));
}

std::string describe_selection(const core::Selection& select) {
  std::string out;
  if (select.instance_ids.empty() && select.tags.empty()) {
    out = "every instance";
  } else if (select.instance_ids.empty()) {
    out = "instances tagged " + tag_list(select.tags, " and ");
  } else {
    out = fmt::format("instances {}", fmt::join(select.instance_ids, ", "));
    if (!select.tags.empty()) out += " if tagged " + tag_list(select.tags, " and ");
  }
  if (!select.exclude_tags.empty())
    out += ", except tagged " + tag_list(select.exclude_tags, " or ");
  return out;
}

std::string describe_retention(const core::Retention& retain) {
  std::vector<std::string> rules;
  auto add = [&](std::string_view name, const std::optional<int>& value) {
    if (value) rules.push_back(fmt::format("{} {}", name, *value));
  };
  add("count", retain.count);
  add("days", retain.days);
  add("hourly", retain.hourly);
  add("daily", retain.daily);
  add("weekly", retain.weekly);
  add("monthly", retain.monthly);
  add("yearly", retain.yearly);
  return fmt::format("keep {}", fmt::join(rules, ", "));
}

std::string describe_next_runs(const core::Schedule& schedule, core::Time now) {
  std::vector<std::string> runs;
  core::Time t = now;
  for (int i = 0; i < kRunsShown; ++i) {
    auto next = schedule.next_fire(t);
    if (!next) break;
    runs.push_back(core::format_slot(*next));
    t = *next;
  }
  if (runs.empty()) return "never runs again";
  return fmt::format("next runs {}", fmt::join(runs, ", "));
}

std::string describe_drill(const core::DrillSettings& drill) {
  std::string out =
      fmt::format("restore drill {}: {} point of each instance within {} day{}",
                  drill.schedule.describe(), drill.random_pick ? "a random" : "the latest",
                  drill.within_days, drill.within_days == 1 ? "" : "s");
  if (!drill.availability_zone.empty()) out += ", restored in " + drill.availability_zone;
  if (drill.keep_minutes > 0) out += fmt::format(", volumes kept {} min", drill.keep_minutes);
  return out;
}

std::string describe_regions(const core::Config& config) {
  if (config.all_regions) return "every enabled region";
  if (config.regions.empty()) return "the default region";
  return fmt::format("regions {}", fmt::join(config.regions, ", "));
}

}  // namespace

std::string describe_copy(const core::CopyTarget& copy) {
  std::string where = copy.role_arn ? fmt::format(
                                          "{} in the account of {} (shared there, copied by that "
                                          "account, unshared once complete)",
                                          copy.region, *copy.role_arn)
                                    : fmt::format("{} in the same account", copy.region);
  std::string encryption;
  if (copy.kms_key_id) {
    encryption = fmt::format("encrypted with KMS key {} of {}", *copy.kms_key_id, copy.region);
  } else if (copy.encrypted) {
    encryption = fmt::format("encrypted with the default EBS key of {}", copy.region);
  } else {
    encryption = "encrypted only when the source is";
  }
  return fmt::format(
      "copies every completed restore point that its retention keeps to {}, {}; {} there; at most "
      "{} copies in flight, the rest waits for a later run",
      where, encryption, describe_retention(copy.retain), copy.max_in_flight);
}

std::string describe_policy(const core::Policy& policy, core::Time now) {
  std::string out =
      fmt::format("{}: {}; {}; {}; {}", policy.name, describe_selection(policy.select),
                  policy.schedule.describe(), describe_next_runs(policy.schedule, now),
                  describe_retention(policy.retain));
  if (policy.drill) out += "; " + describe_drill(*policy.drill);
  return out;
}

int validate_config(const std::string& path, core::Time now, std::ostream& out, std::ostream& err) {
  auto config = load_config_file(path);
  if (!config) {
    for (const auto& error : config.error()) err << error.to_string() << '\n';
    return kExitBadInput;
  }
  out << fmt::format("ok: {}: {} {}, {}\n", path, config->policies.size(),
                     config->policies.size() == 1 ? "policy" : "policies",
                     describe_regions(*config));
  if (!config->accounts.empty()) {
    out << fmt::format("accounts: {}\n", config->include_own_account
                                             ? "the credentials' own, and"
                                             : "not the credentials' own; only");
    for (const auto& a : config->accounts) {
      out << fmt::format("  {}: assumes {}{}, session {}; {}\n", a.name, a.role_arn,
                         a.external_id ? " with an external id" : "",
                         a.session_name.value_or("snapkeep-<run id>"),
                         a.regions.empty() ? describe_regions(*config)
                                           : fmt::format("regions {}", fmt::join(a.regions, ", ")));
    }
  }
  for (const auto& policy : config->policies) {
    out << describe_policy(policy, now) << '\n';
    for (const auto& copy : policy.copies) out << "  " << describe_copy(copy) << '\n';
  }
  return kExitOk;
}

CommandRunner setup_validate(CLI::App& sub) {
  auto path = std::make_shared<std::string>(kDefaultConfigFile);
  sub.add_option("--config", *path, "configuration file")->capture_default_str();
  return [path] {
    // The clock is read here, in the command, never in core.
    auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
    return validate_config(*path, now, std::cout, std::cerr);
  };
}

}  // namespace snapkeep::cli
