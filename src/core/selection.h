// Selection: which instances a policy backs up, which of their volumes go
// into a restore point, and the DescribeInstances filters that let the engine
// list no more than it needs (DESIGN.md section 2, `select` and `snapshot`).
//
// Matching rules, decided once here and documented in docs/retention.md:
// * every entry of `tags` must match: some tag of the instance whose key
//   matches the entry's key and whose value matches the entry's value;
// * any entry of `exclude_tags` that matches excludes the instance;
// * keys and values are case-sensitive (as EC2 tags are) and may use the
//   wildcards * (any run of characters, also none) and ? (one character);
//   so {"*": "prod"} means "some tag has the value prod";
// * a non-empty `instance_ids` restricts the selection to those instances;
// * only running and stopped instances are backed up: a pending instance
//   has no consistent volumes yet, a stopping or shutting-down one is losing
//   them, and a terminated one has none.
//
// Thread safety: pure functions of their arguments.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/config.h"
#include "core/inventory.h"

namespace snapkeep::core {

// True when text matches the pattern, where * matches any run of characters
// (also an empty one) and ? matches exactly one character. O(len(pattern) *
// len(text)) at worst, no recursion.
bool wildcard_match(std::string_view pattern, std::string_view text);

// True when some tag matches the (key, value) patterns.
bool tags_match(const Tags& tags, std::string_view key_pattern, std::string_view value_pattern);

// The EC2 spelling of a state ("shutting-down").
std::string_view to_string(InstanceState state);

struct InstanceMatch {
  enum class Kind {
    selected,     // back it up
    not_matched,  // the selection does not name it: nothing to say
    skipped,      // the selection names it but it cannot be backed up now (see reason)
  };
  Kind kind = Kind::not_matched;
  std::string reason;  // for skipped (and for not_matched, why, for tests and `plan -v`)
};

// Whether the selection names the instance, ignoring its state.
bool selection_names(const Selection& selection, const Instance& instance);

// Whether a policy backs the instance up now, and if not why.
InstanceMatch match_instance(const Selection& selection, const Instance& instance);

// The volumes of one instance that a restore point of the policy covers.
struct VolumeChoice {
  std::vector<Volume> included;                 // in block device mapping order
  bool exclude_boot_volume = false;             // CreateSnapshots ExcludeBootVolume
  std::vector<std::string> exclude_volume_ids;  // data volumes left out (never the root)
  std::vector<std::string> excluded_reasons;    // "vol-1 (/dev/sdf): excluded device"
  std::vector<std::string> warnings;            // e.g. volume tags were not listed
};

VolumeChoice choose_volumes(const Policy& policy, const Instance& instance);

// True when some policy excludes volumes by tag: the engine must then list
// the volumes' tags (DescribeVolumes) and set Volume::tags_known, since the
// block device mapping of DescribeInstances carries no volume tags. Without
// them a volume whose tags are unknown is included, with a warning: a volume
// too many costs money, a volume too few loses data.
bool needs_volume_tags(const Config& config);

// One DescribeInstances filter (Filter.N.Name / Filter.N.Value.M). Values use
// EC2's wildcard syntax (* and ?, backslash escapes).
struct Ec2Filter {
  std::string name;
  std::vector<std::string> values;
  bool operator==(const Ec2Filter&) const = default;
};

// Filters that select every instance the policy selects, and as few others
// as EC2's filter language allows: instance-state-name, instance-id and
// tag:KEY for each required tag with a literal key. Exclusions and tag keys
// with wildcards cannot be said in EC2 filters and are left to
// match_instance (the filters are then looser, never stricter).
std::vector<Ec2Filter> instance_filters(const Policy& policy);

// Filters for one DescribeInstances call serving every policy: only the
// filter names that every policy uses, each with the union of their values,
// so that no instance any policy selects is lost. Sorted by name. Empty
// (list everything) when the policies share nothing.
std::vector<Ec2Filter> instance_filters(const Config& config);

}  // namespace snapkeep::core
