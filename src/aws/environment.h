// Environment: read access to environment variables, behind an interface so
// that the credential chain, profile selection and endpoint resolution are
// tested with variables set per test, never touching the process environment.
//
// An unset variable and one set to the empty string read the same (""): the
// AWS SDKs treat an empty AWS_ACCESS_KEY_ID or AWS_PROFILE as not set.
//
// Thread safety: get() may be called from several threads at once, provided
// nobody modifies the environment meanwhile (ProcessEnvironment reads the
// real environment; snapkeep never calls setenv).
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace snapkeep::aws {

class Environment {
 public:
  virtual ~Environment() = default;
  // The variable's value, or "" when it is unset.
  virtual std::string get(std::string_view name) const = 0;
};

// The environment of this process (getenv).
class ProcessEnvironment final : public Environment {
 public:
  std::string get(std::string_view name) const override;
};

// A fixed set of variables, for tests and for embedding.
class MapEnvironment final : public Environment {
 public:
  MapEnvironment() = default;
  explicit MapEnvironment(std::map<std::string, std::string, std::less<>> vars)
      : m_vars(std::move(vars)) {}
  void set(std::string name, std::string value) { m_vars[std::move(name)] = std::move(value); }
  std::string get(std::string_view name) const override;

 private:
  std::map<std::string, std::string, std::less<>> m_vars;
};

// "true" in any letter case (the SDKs' reading of boolean variables such as
// AWS_EC2_METADATA_DISABLED).
bool env_is_true(const Environment& env, std::string_view name);

// A duration in milliseconds set as a positive decimal integer (snapkeep's
// SNAPKEEP_*_MS settings); nullopt when unset, zero, negative or not a
// number, so that a mistyped value leaves the default in force.
std::optional<std::chrono::milliseconds> env_milliseconds(const Environment& env,
                                                          std::string_view name);

}  // namespace snapkeep::aws
