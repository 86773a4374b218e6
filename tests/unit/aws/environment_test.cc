#include "aws/environment.h"

#include <gtest/gtest.h>

namespace snapkeep::aws {
namespace {

TEST(EnvMilliseconds, PositiveIntegerIsADuration) {
  MapEnvironment env;
  env.set("SNAPKEEP_X_MS", "250");
  EXPECT_EQ(env_milliseconds(env, "SNAPKEEP_X_MS"), std::chrono::milliseconds(250));
}

TEST(EnvMilliseconds, UnsetZeroNegativeOrNotANumberLeavesTheDefault) {
  for (const char* value : {"", "0", "-5", "15s", "1.5", " 20", "abc", "99999999999999999999"}) {
    MapEnvironment env;
    env.set("SNAPKEEP_X_MS", value);
    EXPECT_EQ(env_milliseconds(env, "SNAPKEEP_X_MS"), std::nullopt) << '"' << value << '"';
  }
  EXPECT_EQ(env_milliseconds(MapEnvironment(), "SNAPKEEP_X_MS"), std::nullopt);
}

TEST(EnvIsTrue, TrueInAnyCaseOnly) {
  MapEnvironment env;
  env.set("A", "TRUE");
  env.set("B", "1");
  env.set("C", "yes");
  EXPECT_TRUE(env_is_true(env, "A"));
  EXPECT_FALSE(env_is_true(env, "B"));
  EXPECT_FALSE(env_is_true(env, "C"));
  EXPECT_FALSE(env_is_true(env, "D"));
}

}  // namespace
}  // namespace snapkeep::aws
