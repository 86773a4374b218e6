// FakeQueryCaller: a QueryCaller for tests of the typed clients (ec2.h,
// sns.h, sts.h) and of the engine. It records every call and answers from a
// script of canned XML bodies or errors, in order; a call beyond the script
// is a test failure reported as an error of kind `other`.
//
// Thread safety: calls are serialised by a mutex.
#pragma once

#include <deque>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "aws/query_client.h"

namespace snapkeep::testing {

class FakeQueryCaller : public aws::QueryCaller {
 public:
  struct Call {
    std::string action;
    aws::QueryParams params;
  };

  // Queues a 200 answer with `xml` as its body (parsed as QueryClient would).
  void answer(std::string xml) {
    std::lock_guard lock(m_mutex);
    m_script.push_back(Step{std::move(xml), {}, false});
  }
  // Queues a failure.
  void fail(aws::AwsError error) {
    std::lock_guard lock(m_mutex);
    m_script.push_back(Step{{}, std::move(error), true});
  }

  aws::Result<aws::QueryResponse> call(std::string_view action,
                                       const aws::QueryParams& params) override {
    std::lock_guard lock(m_mutex);
    m_calls.push_back(Call{std::string(action), params});
    if (m_script.empty()) {
      aws::AwsError error;
      error.action = std::string(action);
      error.message = "FakeQueryCaller: no scripted answer left";
      return snapkeep::unexpected(error);
    }
    Step step = std::move(m_script.front());
    m_script.pop_front();
    if (step.is_error) {
      step.error.action = std::string(action);
      return snapkeep::unexpected(step.error);
    }
    aws::QueryResponse response;
    response.http_status = 200;
    response.request_id = "req-fake";
    pugi::xml_parse_result parsed = response.xml.load_string(step.xml.c_str());
    if (!parsed) {
      aws::AwsError error;
      error.kind = aws::ErrorKind::bad_response;
      error.action = std::string(action);
      error.message = parsed.description();
      return snapkeep::unexpected(error);
    }
    return response;
  }

  std::vector<Call> calls() const {
    std::lock_guard lock(m_mutex);
    return m_calls;
  }
  std::size_t remaining() const {
    std::lock_guard lock(m_mutex);
    return m_script.size();
  }

 private:
  struct Step {
    std::string xml;
    aws::AwsError error;
    bool is_error = false;
  };
  mutable std::mutex m_mutex;
  std::deque<Step> m_script;
  std::vector<Call> m_calls;
};

}  // namespace snapkeep::testing
