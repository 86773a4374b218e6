#include "aws/environment.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>

namespace snapkeep::aws {

std::string ProcessEnvironment::get(std::string_view name) const {
  // snapkeep never changes its environment (environment.h), so reading it
  // from several threads is safe.
  const char* value = std::getenv(std::string(name).c_str());  // NOLINT(concurrency-mt-unsafe)
  return value != nullptr ? std::string(value) : std::string();
}

std::string MapEnvironment::get(std::string_view name) const {
  auto it = m_vars.find(name);
  return it != m_vars.end() ? it->second : std::string();
}

bool env_is_true(const Environment& env, std::string_view name) {
  std::string value = env.get(name);
  std::transform(value.begin(), value.end(), value.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return value == "true";
}

std::optional<std::chrono::milliseconds> env_milliseconds(const Environment& env,
                                                          std::string_view name) {
  const std::string value = env.get(name);
  long long ms = 0;
  const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), ms);
  if (value.empty() || ec != std::errc() || ptr != value.data() + value.size() || ms <= 0) {
    return std::nullopt;
  }
  return std::chrono::milliseconds(ms);
}

}  // namespace snapkeep::aws
