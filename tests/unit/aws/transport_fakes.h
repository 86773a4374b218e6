// Fakes at the transport seams for unit tests: a clock whose sleeps advance
// time instantly and are recorded, and an HTTP transport that answers from a
// script and records every request.
//
// Thread safety: both fakes lock internally, so threaded tests may share them.
#pragma once

#include <chrono>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include "aws/clock.h"
#include "aws/http.h"

namespace snapkeep::aws::testing {

class FakeClock final : public Clock {
 public:
  // 2026-03-01T12:00:00Z, an arbitrary fixed start.
  SysTime now() override {
    std::lock_guard lock(m_mutex);
    return SysTime(std::chrono::milliseconds(1772366400000)) + m_elapsed;
  }
  std::chrono::steady_clock::time_point monotonic() override {
    std::lock_guard lock(m_mutex);
    return std::chrono::steady_clock::time_point(std::chrono::hours(1)) + m_elapsed;
  }
  void sleep_for(std::chrono::milliseconds duration) override {
    std::lock_guard lock(m_mutex);
    m_sleeps.push_back(duration);
    if (duration.count() > 0) m_elapsed += duration;
  }
  void advance(std::chrono::milliseconds duration) {
    std::lock_guard lock(m_mutex);
    m_elapsed += duration;
  }
  std::vector<std::chrono::milliseconds> sleeps() {
    std::lock_guard lock(m_mutex);
    return m_sleeps;
  }
  std::chrono::milliseconds elapsed() {
    std::lock_guard lock(m_mutex);
    return m_elapsed;
  }

 private:
  std::mutex m_mutex;
  std::chrono::milliseconds m_elapsed{0};
  std::vector<std::chrono::milliseconds> m_sleeps;
};

inline HttpResponse http_answer(int status, std::string body, Headers headers = {}) {
  HttpResponse response;
  response.status = status;
  response.body = std::move(body);
  response.headers = std::move(headers);
  return response;
}

inline AwsError transport_failure(ErrorKind kind, std::string message) {
  AwsError error;
  error.kind = kind;
  error.message = std::move(message);
  return error;
}

class FakeTransport final : public HttpTransport {
 public:
  // Answers are given in order; when the script runs out, the last answer
  // repeats.
  void push(Result<HttpResponse> answer) {
    std::lock_guard lock(m_mutex);
    m_script.push_back(std::move(answer));
  }
  void push(int status, std::string body, Headers headers = {}) {
    push(Result<HttpResponse>(http_answer(status, std::move(body), std::move(headers))));
  }
  void push_failure(ErrorKind kind, std::string message) {
    push(Result<HttpResponse>(unexpected(transport_failure(kind, std::move(message)))));
  }

  void clear_script() {
    std::lock_guard lock(m_mutex);
    m_script.clear();
  }

  Result<HttpResponse> send(const HttpRequest& request) override {
    std::lock_guard lock(m_mutex);
    m_requests.push_back(request);
    if (m_script.empty()) {
      return unexpected(transport_failure(ErrorKind::network, "fake transport has no answer"));
    }
    auto answer = m_script.front();
    if (m_script.size() > 1) m_script.pop_front();
    return answer;
  }

  std::vector<HttpRequest> requests() {
    std::lock_guard lock(m_mutex);
    return m_requests;
  }

 private:
  std::mutex m_mutex;
  std::deque<Result<HttpResponse>> m_script;
  std::vector<HttpRequest> m_requests;
};

}  // namespace snapkeep::aws::testing
