// Fuzz target: the YAML configuration loader (core/config.h), yaml-cpp
// included. The whole input is a snapkeep.yaml.
//
// Invariants: a refusal lists at least one error, each with a message, the
// file name and a position that is either unknown (0) or 1-based, in file
// order; an accepted configuration has at least one policy, every policy a
// unique non-empty name and a schedule that can be evaluated.
#include "core/config.h"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <utility>

#include "fuzz_check.h"

namespace {

using snapkeep::fuzz::check;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto parsed =
      snapkeep::core::parse_config(snapkeep::fuzz::as_text(data, size), "snapkeep.yaml");
  if (!parsed) {
    const auto& errors = parsed.error();
    check(!errors.empty(), "a refusal lists an error");
    std::pair<int, int> previous{0, 0};
    for (const auto& error : errors) {
      check(!error.message.empty(), "an error has a message");
      check(error.file == "snapkeep.yaml", "an error names the file");
      check(error.line >= 0 && error.column >= 0, "positions are 1-based or unknown");
      check(error.line > 0 || error.column == 0, "no column without a line");
      const std::pair<int, int> position{error.line, error.column};
      check(previous <= position, "errors are in file order");
      previous = position;
      check(error.to_string().starts_with("snapkeep.yaml:"), "to_string starts with the file");
    }
    return 0;
  }
  const snapkeep::core::Config& config = *parsed;
  check(!config.policies.empty(), "an accepted configuration has a policy");
  std::set<std::string> names;
  for (const auto& policy : config.policies) {
    check(!policy.name.empty(), "a policy has a name");
    check(names.insert(policy.name).second, "policy names are unique");
    const snapkeep::core::Time t{std::chrono::seconds{1718454645}};
    if (const auto previous = policy.schedule.previous_fire(t))
      check(*previous <= t, "previous fire");
    if (const auto next = policy.schedule.next_fire(t)) check(*next > t, "next fire");
  }
  return 0;
}
