// Fakes for the credential tests: a fake STS and a temporary directory for
// profile and token files (the clock and transport fakes are in
// transport_fakes.h).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "aws/clock.h"
#include "aws/credentials.h"
#include "aws/http.h"
#include "unit/aws/transport_fakes.h"

namespace snapkeep::aws::testing {

// 2026-11-26T00:00:00Z, the day the test documents' expirations refer to.
inline SysTime test_epoch() {
  using namespace std::chrono;
  return time_point_cast<milliseconds>(sys_days(year(2026) / 11 / 26));
}

// Returns credentials named after the role; records each call.
class FakeSts final : public StsCredentialCalls {
 public:
  struct AssumeCall {
    Credentials caller;
    AssumeRoleParams params;
  };
  Result<Credentials> assume_role(const Credentials& caller,
                                  const AssumeRoleParams& params) override {
    std::lock_guard lock(m_mutex);
    assume_calls.push_back({caller, params});
    if (fail_with) return unexpected(*fail_with);
    return issue("ASIA-" + params.role_arn);
  }
  Result<Credentials> assume_role_with_web_identity(const WebIdentityParams& params) override {
    std::lock_guard lock(m_mutex);
    web_calls.push_back(params);
    if (fail_with) return unexpected(*fail_with);
    return issue("ASIA-WEB-" + params.role_arn);
  }

  std::vector<AssumeCall> assume_calls;
  std::vector<WebIdentityParams> web_calls;
  std::optional<AwsError> fail_with;
  SysTime expiration = test_epoch() + std::chrono::hours(1);

 private:
  Credentials issue(std::string key) {
    Credentials c;
    c.access_key_id = std::move(key);
    c.secret_access_key = "sts-secret-" + std::to_string(++m_issued);
    c.session_token = "sts-token";
    c.expiration = expiration;
    return c;
  }
  std::mutex m_mutex;
  int m_issued = 0;
};

// A fresh directory under the system temp dir, removed at the end.
class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    std::random_device random;
    m_path = std::filesystem::temp_directory_path() /
             ("snapkeep-creds-" + std::to_string(random()) + "-" + std::to_string(counter++));
    std::filesystem::create_directories(m_path);
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(m_path, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  std::string write(const std::string& name, const std::string& text) const {
    auto path = m_path / name;
    std::ofstream(path, std::ios::binary) << text;
    return path.string();
  }
  std::string path(const std::string& name) const { return (m_path / name).string(); }

 private:
  std::filesystem::path m_path;
};

}  // namespace snapkeep::aws::testing
