#include "core/selection.h"

#include <algorithm>
#include <map>
#include <set>

namespace snapkeep::core {

bool wildcard_match(std::string_view pattern, std::string_view text) {
  // Greedy matching that remembers the last * and retries from there: the
  // classic iterative algorithm, no recursion and no exponential cases.
  std::size_t p = 0;
  std::size_t t = 0;
  std::size_t star = std::string_view::npos;
  std::size_t star_text = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      star_text = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++star_text;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') {
    ++p;
  }
  return p == pattern.size();
}

namespace {

bool has_wildcard(std::string_view s) {
  return s.find_first_of("*?") != std::string_view::npos;
}

}  // namespace

bool tags_match(const Tags& tags, std::string_view key_pattern, std::string_view value_pattern) {
  if (!has_wildcard(key_pattern)) {
    const auto it = tags.find(std::string(key_pattern));
    return it != tags.end() && wildcard_match(value_pattern, it->second);
  }
  return std::ranges::any_of(tags, [&](const auto& kv) {
    return wildcard_match(key_pattern, kv.first) && wildcard_match(value_pattern, kv.second);
  });
}

std::string_view to_string(InstanceState state) {
  switch (state) {
    case InstanceState::pending:
      return "pending";
    case InstanceState::running:
      return "running";
    case InstanceState::stopping:
      return "stopping";
    case InstanceState::stopped:
      return "stopped";
    case InstanceState::shutting_down:
      return "shutting-down";
    case InstanceState::terminated:
      return "terminated";
    case InstanceState::unknown:
      break;
  }
  return "unknown";
}

bool selection_names(const Selection& selection, const Instance& instance) {
  if (!selection.instance_ids.empty() &&
      std::ranges::find(selection.instance_ids, instance.id) == selection.instance_ids.end()) {
    return false;
  }
  for (const auto& [key, value] : selection.tags) {
    if (!tags_match(instance.tags, key, value)) {
      return false;
    }
  }
  for (const auto& [key, value] : selection.exclude_tags) {
    if (tags_match(instance.tags, key, value)) {
      return false;
    }
  }
  return true;
}

InstanceMatch match_instance(const Selection& selection, const Instance& instance) {
  if (!selection.instance_ids.empty() &&
      std::ranges::find(selection.instance_ids, instance.id) == selection.instance_ids.end()) {
    return {InstanceMatch::Kind::not_matched, "not in instance_ids"};
  }
  for (const auto& [key, value] : selection.tags) {
    if (!tags_match(instance.tags, key, value)) {
      return {InstanceMatch::Kind::not_matched, "no tag " + key + "=" + value};
    }
  }
  for (const auto& [key, value] : selection.exclude_tags) {
    if (tags_match(instance.tags, key, value)) {
      return {InstanceMatch::Kind::not_matched, "excluded by tag " + key + "=" + value};
    }
  }
  switch (instance.state) {
    case InstanceState::running:
    case InstanceState::stopped:
      return {InstanceMatch::Kind::selected, {}};
    case InstanceState::pending:
      return {InstanceMatch::Kind::skipped,
              "instance is pending: its volumes are not ready yet; the next run backs it up"};
    case InstanceState::stopping:
      return {InstanceMatch::Kind::skipped,
              "instance is stopping: waiting until it is stopped for a consistent point"};
    case InstanceState::shutting_down:
      return {InstanceMatch::Kind::skipped, "instance is shutting-down: it is being terminated"};
    case InstanceState::terminated:
      return {InstanceMatch::Kind::skipped, "instance is terminated: it has no volumes"};
    case InstanceState::unknown:
      break;
  }
  return {InstanceMatch::Kind::skipped, "instance state is unknown"};
}

VolumeChoice choose_volumes(const Policy& policy, const Instance& instance) {
  VolumeChoice choice;
  const auto& opts = policy.snapshot;
  const auto& excluded_devices = opts.exclude_devices;
  const auto describe = [](const Volume& v) { return v.id + " (" + v.device + ")"; };
  for (const auto& volume : instance.volumes) {
    const bool is_root = !instance.root_device.empty() && volume.device == instance.root_device;
    std::string why;
    if (is_root && opts.exclude_boot_volume) {
      why = "boot volume excluded";
    } else if (std::ranges::find(excluded_devices, volume.device) != excluded_devices.end()) {
      why = "excluded device";
    } else if (!policy.select.exclude_volume_tags.empty()) {
      if (!volume.tags_known) {
        choice.warnings.push_back("tags of volume " + describe(volume) +
                                  " were not listed; included although exclude_volume_tags is set");
      } else {
        for (const auto& [key, value] : policy.select.exclude_volume_tags) {
          if (tags_match(volume.tags, key, value)) {
            why = "excluded by volume tag " + key + "=" + value;
            break;
          }
        }
      }
    }
    if (why.empty()) {
      choice.included.push_back(volume);
      continue;
    }
    choice.excluded_reasons.push_back(describe(volume) + ": " + why);
    if (is_root) {
      // CreateSnapshots rejects the root volume in ExcludeDataVolumeIds; the
      // boot volume is left out with ExcludeBootVolume instead.
      choice.exclude_boot_volume = true;
    } else {
      choice.exclude_volume_ids.push_back(volume.id);
    }
  }
  return choice;
}

bool needs_volume_tags(const Config& config) {
  return std::ranges::any_of(config.policies,
                             [](const Policy& p) { return !p.select.exclude_volume_tags.empty(); });
}

namespace {

// Our patterns have no escapes; EC2's do, so a literal backslash is doubled.
std::string ec2_pattern(std::string_view pattern) {
  std::string out;
  out.reserve(pattern.size());
  for (const char c : pattern) {
    if (c == '\\') {
      out += '\\';
    }
    out += c;
  }
  return out;
}

using FilterMap = std::map<std::string, std::set<std::string>>;

FilterMap filter_map(const Policy& policy) {
  FilterMap filters;
  // Every state but terminated: an instance that is pending or stopping at
  // listing time must be seen (and skipped with its reason), never taken for
  // a gone one whose points expire.
  filters["instance-state-name"] = {"pending", "running", "shutting-down", "stopping", "stopped"};
  if (!policy.select.instance_ids.empty()) {
    auto& ids = filters["instance-id"];
    ids.insert(policy.select.instance_ids.begin(), policy.select.instance_ids.end());
  }
  for (const auto& [key, value] : policy.select.tags) {
    if (!has_wildcard(key)) {
      filters["tag:" + key].insert(ec2_pattern(value));
    }
  }
  return filters;
}

std::vector<Ec2Filter> to_filters(const FilterMap& map) {
  std::vector<Ec2Filter> out;
  for (const auto& [name, values] : map) {
    out.push_back({name, {values.begin(), values.end()}});
  }
  return out;
}

}  // namespace

std::vector<Ec2Filter> instance_filters(const Policy& policy) {
  return to_filters(filter_map(policy));
}

std::vector<Ec2Filter> instance_filters(const Config& config) {
  if (config.policies.empty()) {
    return {};
  }
  // An instance a policy selects passes every filter of that policy, so it
  // passes any filter whose values include that policy's values: keeping
  // only shared names, with united values, loses no instance.
  FilterMap united = filter_map(config.policies.front());
  for (std::size_t i = 1; i < config.policies.size(); ++i) {
    const FilterMap other = filter_map(config.policies[i]);
    for (auto it = united.begin(); it != united.end();) {
      const auto found = other.find(it->first);
      if (found == other.end()) {
        it = united.erase(it);
      } else {
        it->second.insert(found->second.begin(), found->second.end());
        ++it;
      }
    }
  }
  return to_filters(united);
}

}  // namespace snapkeep::core
