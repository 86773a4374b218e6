#include "aws/query_client.h"

#include "aws/xml.h"

namespace snapkeep::aws {

std::string QueryClientOptions::default_user_agent() {
  return std::string("snapkeep/") + SNAPKEEP_VERSION;
}

void CallCounters::add(std::string_view action, const ActionCounters& delta) {
  std::lock_guard lock(m_mutex);
  auto it = m_counters.find(action);
  if (it == m_counters.end()) it = m_counters.emplace(std::string(action), ActionCounters{}).first;
  auto& counters = it->second;
  counters.calls += delta.calls;
  counters.attempts += delta.attempts;
  counters.retries += delta.retries;
  counters.throttles += delta.throttles;
  counters.errors += delta.errors;
}

std::map<std::string, ActionCounters> CallCounters::by_action() const {
  std::lock_guard lock(m_mutex);
  return {m_counters.begin(), m_counters.end()};
}

ActionCounters CallCounters::total() const {
  std::lock_guard lock(m_mutex);
  ActionCounters sum;
  for (const auto& [action, counters] : m_counters) {
    sum.calls += counters.calls;
    sum.attempts += counters.attempts;
    sum.retries += counters.retries;
    sum.throttles += counters.throttles;
    sum.errors += counters.errors;
  }
  return sum;
}

QueryClient::QueryClient(QueryEndpoint endpoint, HttpTransport& transport, Clock& clock,
                         CredentialsSource credentials, RetryPolicy retry,
                         RateLimiterRegistry* limiter, std::string account_id,
                         QueryClientOptions options)
    : m_endpoint(std::move(endpoint)),
      m_transport(transport),
      m_clock(clock),
      m_credentials(std::move(credentials)),
      m_retry(std::move(retry)),
      m_limiter(limiter),
      m_account_id(std::move(account_id)),
      m_options(std::move(options)) {}

Result<QueryResponse> QueryClient::call(std::string_view action, const QueryParams& params) {
  ActionCounters tally;
  tally.calls = 1;
  // Counters are published once per call, whatever path it leaves by.
  struct Publish {
    CallCounters& counters;
    std::string_view action;
    ActionCounters& tally;
    ~Publish() { counters.add(action, tally); }
  } publish{m_counters, action, tally};

  const auto fail = [&](AwsError error) {
    error.action = std::string(action);
    ++tally.errors;
    return unexpected(std::move(error));
  };

  std::vector<std::pair<std::string, std::string>> form;
  form.reserve(params.size() + 2);
  form.emplace_back("Action", std::string(action));
  form.emplace_back("Version", m_endpoint.api_version);
  form.insert(form.end(), params.begin(), params.end());
  const std::string body = form_body(form);
  const std::string expected_root = std::string(action) + "Response";
  const SigningScope scope{m_endpoint.region, m_endpoint.service};
  TokenBucket* bucket =
      m_limiter != nullptr ? &m_limiter->bucket(m_account_id, m_endpoint.region, action) : nullptr;

  RetryState state;
  for (;;) {
    if (bucket != nullptr) bucket->acquire();
    HttpRequest request;
    request.method = "POST";
    request.url = m_endpoint.url;
    request.body = body;
    request.connect_timeout = m_options.connect_timeout;
    request.total_timeout = m_options.total_timeout;
    request.idempotent = m_options.retry_ambiguous;
    request.headers.emplace_back("Content-Type",
                                 "application/x-www-form-urlencoded; charset=utf-8");
    // Without a credentials source the request goes unsigned (STS
    // AssumeRoleWithWebIdentity takes no signature).
    if (m_credentials) {
      auto credentials = m_credentials();
      if (!credentials) return fail(std::move(credentials).error());
      m_signer.sign(request, *credentials, scope, m_clock.now());
    }
    // Added after signing so that it can never be part of the signature.
    request.headers.emplace_back("User-Agent", m_options.user_agent);

    ++tally.attempts;
    auto sent = m_transport.send(request);
    AwsError error;
    const Headers* headers = nullptr;
    if (!sent) {
      error = std::move(sent).error();
    } else if (sent->status >= 200 && sent->status < 300) {
      QueryResponse response;
      auto parsed = parse_success(*sent, expected_root, response.xml);
      if (parsed) {
        response.http_status = sent->status;
        response.request_id = find_request_id(response.xml.document_element());
        m_retry.on_success(state);
        return response;
      }
      error = std::move(parsed).error();
      headers = &sent->headers;
    } else {
      error = parse_error(*sent);
      headers = &sent->headers;
    }
    if (error.throttling()) ++tally.throttles;
    // A throttling answer means AWS did not act; after any other failure of
    // a non-idempotent call it may have, so the caller must look first.
    if (!m_options.retry_ambiguous && !error.throttling()) return fail(std::move(error));
    const auto decision = m_retry.on_failure(state, error, headers);
    if (!decision.retry) return fail(std::move(error));
    ++tally.retries;
    m_clock.sleep_for(decision.delay);
  }
}

}  // namespace snapkeep::aws
