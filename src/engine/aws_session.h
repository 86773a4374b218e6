// AwsSession: everything a run needs to talk to AWS, assembled once from the
// environment, the shared config files and the command-line flags: the
// credential chain (with STS for assume-role profiles), endpoint resolution,
// one HTTP transport, the retry policy and one rate limiter registry shared
// by all of the run's clients, so that pacing holds per (account, region,
// API bucket) however many threads call.
//
// It is the real engine::AwsAccess (engine/run.h): the account id of a
// target comes from STS GetCallerIdentity, asked once per credentials and
// remembered, and every client (EC2, SNS, STS, also the STS client the
// credential chain uses for assume-role profiles) gets the same timeouts,
// retries and rate limiter.
//
// Thread safety: region_clients(), caller() and account_id() may be called
// from several threads; the clients they return are used by one worker each.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "aws/clock.h"
#include "aws/credentials.h"
#include "aws/environment.h"
#include "aws/http.h"
#include "aws/profile.h"
#include "aws/query_client.h"
#include "aws/rate_limiter.h"
#include "aws/sns.h"
#include "aws/sts_credential_calls.h"
#include "engine/reconcile.h"
#include "engine/run.h"

namespace snapkeep::engine {

// Attempts per AWS call when the profile and environment set none (the
// SDKs' standard mode has 3, their legacy mode 5; see docs/transport.md).
inline constexpr int kDefaultMaxAttempts = 5;

struct SessionOptions {
  std::string endpoint_url;  // --endpoint-url ("" = resolve per service and region)
  std::string profile;       // --profile ("" = AWS_PROFILE, ..., default)
};

// A region's two EC2 callers as a run uses them (see RegionClients): both
// over `http`, signed with `credentials`, paced by `limiter` (may be null)
// in the buckets of `account_id`, the create caller without retries of
// ambiguous failures. AwsSession builds its clients with this; tests and
// benchmarks give it a fake transport.
std::unique_ptr<RegionClients> make_region_clients(
    const aws::QueryEndpoint& endpoint, aws::HttpTransport& http, aws::Clock& clock,
    const aws::QueryClient::CredentialsSource& credentials, const aws::RetryOptions& retry,
    aws::RateLimiterRegistry* limiter, const aws::QueryClientOptions& options = {},
    const std::string& account_id = {});

class AwsSession final : public AwsAccess {
 public:
  // On failure, one clear message (a broken profile or shared file).
  static snapkeep::expected<std::unique_ptr<AwsSession>, std::string> create(
      const SessionOptions& options, const aws::Environment& env, aws::HttpTransport& http,
      aws::Clock& clock);

  // The region of the environment or profile; "" when none is configured.
  std::string default_region() const override { return m_settings.region; }

  // STS GetCallerIdentity with the account's credentials (the process's
  // own, or for an account with a role_arn those of STS AssumeRole with its
  // external id and session name), once per session and account (a failure
  // is not remembered: the next call asks again).
  aws::Result<std::string> account_id(const Account& account, const std::string& region) override;

  // EC2 clients for one target (see reconcile.h), with its account's
  // credentials, or why they cannot exist (e.g. a malformed region name).
  snapkeep::expected<std::unique_ptr<RegionClients>, std::string> region_clients(
      const Target& target) override;

  // A caller for `service` (sns, sts) in `region`, with the standard retries.
  snapkeep::expected<std::unique_ptr<aws::QueryCaller>, std::string> caller(
      const std::string& service, const std::string& region, std::string_view api_version) override;

  aws::CredentialProvider& credentials() { return *m_credentials; }

 private:
  AwsSession(const SessionOptions& options, const aws::Environment& env, aws::HttpTransport& http,
             aws::Clock& clock);
  aws::RetryOptions retry_options() const;
  // Timeouts: the defaults, or SNAPKEEP_HTTP_TIMEOUT_MS for the total time
  // of one HTTP attempt (the fault tests shorten it; so may slow links).
  aws::QueryClientOptions client_options() const;
  // The credentials an account's clients sign with: the process's own, or
  // one cached AssumeRole provider per (role, external id, session name),
  // refreshed before expiry.
  aws::CredentialProvider& credentials_for(const Account& account);

  SessionOptions m_options;
  const aws::Environment& m_env;
  aws::HttpTransport& m_http;
  aws::Clock& m_clock;
  aws::SharedFiles m_files;
  aws::ProfileSettings m_settings;
  std::unique_ptr<aws::StsCredentialClient> m_sts;
  std::unique_ptr<aws::CredentialProvider> m_credentials;
  aws::RateLimiterRegistry m_limiter;
  std::mutex m_mutex;
  std::map<std::string, std::string> m_account_ids;  // by role key ("" = own credentials)
  std::map<std::string, std::unique_ptr<aws::CredentialProvider>> m_roles;  // by role key
};

}  // namespace snapkeep::engine
