#include "engine/aws_session.h"

#include <algorithm>

#include "aws/ec2.h"
#include "aws/endpoints.h"
#include "aws/sts.h"

namespace snapkeep::engine {

namespace {

std::map<std::string, ApiCalls> to_api_calls(const aws::CallCounters& counters) {
  std::map<std::string, ApiCalls> out;
  for (const auto& [action, c] : counters.by_action()) {
    auto& mine = out[action];
    mine.calls += c.attempts;
    mine.retries += c.retries;
    mine.throttled += c.throttles;
    mine.failed += c.errors;
  }
  return out;
}

// Stands in for an STS client whose endpoint cannot be resolved: every call
// fails with why, so that the credential chain reports it rather than
// calling some other endpoint.
class UnreachableCaller final : public aws::QueryCaller {
 public:
  explicit UnreachableCaller(std::string why) : m_why(std::move(why)) {}
  aws::Result<aws::QueryResponse> call(std::string_view action, const aws::QueryParams&) override {
    aws::AwsError error;
    error.kind = aws::ErrorKind::invalid;
    error.action = std::string(action);
    error.message = m_why;
    return snapkeep::unexpected(std::move(error));
  }

 private:
  std::string m_why;
};

class SessionRegionClients final : public RegionClients {
 public:
  SessionRegionClients(std::unique_ptr<aws::QueryClient> caller,
                       std::unique_ptr<aws::QueryClient> create_caller, const std::string& region)
      : m_caller(std::move(caller)),
        m_create_caller(std::move(create_caller)),
        m_ec2(*m_caller, region),
        m_ec2_create(*m_create_caller, region) {}

  const aws::Ec2& ec2() override { return m_ec2; }
  const aws::Ec2& ec2_create() override { return m_ec2_create; }
  std::map<std::string, ApiCalls> api_calls() override {
    auto calls = to_api_calls(m_caller->counters());
    add_api_calls(calls, to_api_calls(m_create_caller->counters()));
    return calls;
  }

 private:
  std::unique_ptr<aws::QueryClient> m_caller;
  std::unique_ptr<aws::QueryClient> m_create_caller;
  aws::Ec2 m_ec2;
  aws::Ec2 m_ec2_create;
};

}  // namespace

AwsSession::AwsSession(const SessionOptions& options, const aws::Environment& env,
                       aws::HttpTransport& http, aws::Clock& clock)
    : m_options(options), m_env(env), m_http(http), m_clock(clock), m_limiter(clock) {}

snapkeep::expected<std::unique_ptr<AwsSession>, std::string> AwsSession::create(
    const SessionOptions& options, const aws::Environment& env, aws::HttpTransport& http,
    aws::Clock& clock) {
  std::unique_ptr<AwsSession> session(new AwsSession(options, env, http, clock));
  auto files = aws::load_shared_files(env);
  if (!files) return snapkeep::unexpected(files.error());
  session->m_files = std::move(*files);
  std::string profile = aws::select_profile_name(env, options.profile);
  auto settings = aws::resolve_profile(session->m_files, profile, env);
  if (!settings) return snapkeep::unexpected(settings.error());
  session->m_settings = std::move(*settings);

  AwsSession* self = session.get();
  // STS calls for assume-role and web-identity credentials: signed with the
  // source credentials, or unsigned for web identity; the same endpoint
  // rules, timeouts, retries and pacing as every other client.
  session->m_sts = std::make_unique<aws::StsCredentialClient>(
      [self](std::optional<aws::Credentials> signing) -> std::unique_ptr<aws::QueryCaller> {
        // STS is global: with no region configured, its us-east-1 endpoint.
        std::string region =
            self->m_settings.region.empty() ? "us-east-1" : self->m_settings.region;
        aws::EndpointInputs inputs{self->m_options.endpoint_url, &self->m_files, &self->m_settings};
        auto endpoint = aws::resolve_endpoint("sts", region, inputs, self->m_env);
        if (!endpoint) return std::make_unique<UnreachableCaller>("STS: " + endpoint.error());
        aws::QueryEndpoint qe{"sts", endpoint->signing_region, endpoint->url,
                              std::string(aws::Sts::api_version)};
        aws::QueryClient::CredentialsSource source;
        if (signing) {
          source = [creds = *signing]() -> aws::Result<aws::Credentials> { return creds; };
        }
        return std::make_unique<aws::QueryClient>(
            qe, self->m_http, self->m_clock, source, aws::RetryPolicy(self->retry_options()),
            &self->m_limiter, std::string(), self->client_options());
      });
  aws::ProviderContext context{env, session->m_files, http, clock, *session->m_sts};
  session->m_credentials =
      aws::make_default_chain(context, session->m_settings.name, !options.profile.empty());
  return session;
}

aws::RetryOptions AwsSession::retry_options() const {
  aws::RetryOptions retry;
  // Five attempts unless max_attempts / AWS_MAX_ATTEMPTS says otherwise: a
  // call given up costs a restore point until the next day's run, and the
  // retry quota still stops a retry storm when AWS is really down.
  retry.max_attempts = kDefaultMaxAttempts;
  if (m_settings.max_attempts) retry.max_attempts = *m_settings.max_attempts;
  return retry;
}

aws::QueryClientOptions AwsSession::client_options() const {
  aws::QueryClientOptions options;
  if (auto total = aws::env_milliseconds(m_env, "SNAPKEEP_HTTP_TIMEOUT_MS")) {
    options.total_timeout = *total;
    options.connect_timeout = std::min(options.connect_timeout, options.total_timeout);
  }
  return options;
}

snapkeep::expected<std::unique_ptr<aws::QueryCaller>, std::string> AwsSession::caller(
    const std::string& service, const std::string& region, std::string_view api_version) {
  aws::EndpointInputs inputs{m_options.endpoint_url, &m_files, &m_settings};
  auto endpoint = aws::resolve_endpoint(service, region, inputs, m_env);
  if (!endpoint) return snapkeep::unexpected(endpoint.error());
  aws::QueryEndpoint qe{service, endpoint->signing_region, endpoint->url, std::string(api_version)};
  aws::CredentialProvider* provider = m_credentials.get();
  return std::make_unique<aws::QueryClient>(
      qe, m_http, m_clock, [provider] { return provider->credentials(); },
      aws::RetryPolicy(retry_options()), &m_limiter, std::string(), client_options());
}

namespace {

// What tells role credentials apart: the same role with another external id
// or session name is another session.
std::string role_key(const Account& account) {
  if (account.role_arn.empty()) return {};
  return account.role_arn + '\n' + account.external_id + '\n' + account.session_name;
}

}  // namespace

aws::CredentialProvider& AwsSession::credentials_for(const Account& account) {
  if (account.role_arn.empty()) return *m_credentials;
  std::lock_guard lock(m_mutex);
  auto& provider = m_roles[role_key(account)];
  if (!provider) {
    aws::AssumeRoleParams params;
    params.role_arn = account.role_arn;
    params.role_session_name = account.session_name.empty() ? "snapkeep" : account.session_name;
    params.external_id = account.external_id;
    provider = std::make_unique<aws::CachingProvider>(
        std::make_unique<aws::RoleProvider>(*m_credentials, *m_sts, std::move(params)), m_clock);
  }
  return *provider;
}

aws::Result<std::string> AwsSession::account_id(const Account& account, const std::string& region) {
  const std::string key = role_key(account);
  {
    std::lock_guard lock(m_mutex);
    if (auto it = m_account_ids.find(key); it != m_account_ids.end()) return it->second;
  }
  aws::EndpointInputs inputs{m_options.endpoint_url, &m_files, &m_settings};
  auto endpoint = aws::resolve_endpoint("sts", region, inputs, m_env);
  if (!endpoint) {
    aws::AwsError error;
    error.kind = aws::ErrorKind::invalid;
    error.action = "GetCallerIdentity";
    error.message = endpoint.error();
    return snapkeep::unexpected(std::move(error));
  }
  aws::QueryEndpoint qe{"sts", endpoint->signing_region, endpoint->url,
                        std::string(aws::Sts::api_version)};
  aws::CredentialProvider* provider = &credentials_for(account);
  aws::QueryClient client(
      qe, m_http, m_clock, [provider] { return provider->credentials(); },
      aws::RetryPolicy(retry_options()), &m_limiter, std::string(), client_options());
  auto identity = aws::Sts(client).get_caller_identity();
  if (!identity) return snapkeep::unexpected(identity.error());
  std::lock_guard lock(m_mutex);
  m_account_ids[key] = identity->account;
  return identity->account;
}

snapkeep::expected<std::unique_ptr<RegionClients>, std::string> AwsSession::region_clients(
    const Target& target) {
  aws::EndpointInputs inputs{m_options.endpoint_url, &m_files, &m_settings};
  auto endpoint = aws::resolve_endpoint("ec2", target.region, inputs, m_env);
  if (!endpoint) return snapkeep::unexpected(endpoint.error());
  aws::QueryEndpoint qe{"ec2", endpoint->signing_region, endpoint->url,
                        std::string(aws::Ec2::api_version)};
  aws::CredentialProvider* provider = &credentials_for(target.account);
  return make_region_clients(
      qe, m_http, m_clock, [provider] { return provider->credentials(); }, retry_options(),
      &m_limiter, client_options(), target.account.id);
}

std::unique_ptr<RegionClients> make_region_clients(
    const aws::QueryEndpoint& endpoint, aws::HttpTransport& http, aws::Clock& clock,
    const aws::QueryClient::CredentialsSource& credentials, const aws::RetryOptions& retry,
    aws::RateLimiterRegistry* limiter, const aws::QueryClientOptions& options,
    const std::string& account_id) {
  auto caller = std::make_unique<aws::QueryClient>(
      endpoint, http, clock, credentials, aws::RetryPolicy(retry), limiter, account_id, options);
  aws::QueryClientOptions create_options = options;
  create_options.retry_ambiguous = false;
  auto create_caller = std::make_unique<aws::QueryClient>(endpoint, http, clock, credentials,
                                                          aws::RetryPolicy(retry), limiter,
                                                          account_id, create_options);
  return std::make_unique<SessionRegionClients>(std::move(caller), std::move(create_caller),
                                                endpoint.region);
}

}  // namespace snapkeep::engine
