// Fakes for the credential tests: a scripted HttpTransport that records every
// request, a settable clock that never sleeps, a fake STS, and a temporary
// directory for profile and token files.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdio>
#include <deque>
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

namespace snapkeep::aws::testing {

// Answers each request from a queue (in order); records every request.
class ScriptedHttp final : public HttpTransport {
 public:
  void answer(int status, std::string body) {
    m_script.push_back(HttpResponse{status, {}, std::move(body)});
  }
  void fail(ErrorKind kind, std::string message) {
    m_script.push_back(unexpected(AwsError{kind, {}, std::move(message), 0, {}, {}}));
  }
  Result<HttpResponse> send(const HttpRequest& request) override {
    std::lock_guard lock(m_mutex);
    requests.push_back(request);
    if (m_script.empty()) {
      return unexpected(AwsError{ErrorKind::network, {}, "unscripted request " + request.url, 0, {}, {}});
    }
    auto next = std::move(m_script.front());
    m_script.pop_front();
    return next;
  }
  std::size_t unanswered() const { return m_script.size(); }

  std::vector<HttpRequest> requests;

 private:
  std::mutex m_mutex;
  std::deque<Result<HttpResponse>> m_script;
};

class FakeClock final : public Clock {
 public:
  explicit FakeClock(SysTime start) : m_now(start) {}
  SysTime now() override { return m_now; }
  std::chrono::steady_clock::time_point monotonic() override {
    return std::chrono::steady_clock::time_point(m_now.time_since_epoch());
  }
  void sleep_for(std::chrono::milliseconds duration) override {
    slept.push_back(duration);
    m_now += duration;
  }
  void advance(std::chrono::milliseconds duration) { m_now += duration; }

  std::vector<std::chrono::milliseconds> slept;

 private:
  SysTime m_now;
};

// 2026-11-26T00:00:00Z
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
  Result<Credentials> assume_role(const Credentials& caller, const AssumeRoleParams& params) override {
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
