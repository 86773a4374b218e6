// Inputs the config fuzz target (fuzz/config.cc) found; the raw files are in
// fuzz/regressions/config/ and are replayed by ctest's fuzz_replay.config.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/config.h"

namespace snapkeep::core {
namespace {

std::vector<std::string> errors_of(const std::string& yaml) {
  std::vector<std::string> out;
  const auto result = parse_config(yaml, "c.yaml");
  if (!result) {
    for (const auto& e : result.error()) out.push_back(e.to_string());
  }
  return out;
}

// yaml-cpp 0.7's LoadAll reported an empty document forever on this stream.
TEST(ConfigRegressions, StreamThatStallsTheYamlParserIsAnError) {
  EXPECT_EQ(errors_of(",true%"),
            std::vector<std::string>{"c.yaml:1:1: invalid YAML: unexpected ','; a comma separates "
                                     "items only inside [...] or {...}"});
}

// Keys were read through a reference into a yaml-cpp iterator's temporary
// (ASan: stack-use-after-scope).
TEST(ConfigRegressions, MappingKeysAreReadSafely) {
  EXPECT_EQ(errors_of("{o}"),
            (std::vector<std::string>{
                "c.yaml:1:1: the file has no policies; add policies: with at least one policy",
                "c.yaml:1:2: unknown key \"o\" in the top level; allowed: owner, regions, "
                "notify, metrics, policies, accounts, include_own_account"}));
}

}  // namespace
}  // namespace snapkeep::core
