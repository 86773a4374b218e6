// Credentials: where snapkeep's AWS keys come from. A CredentialProvider
// answers the keys of one source; the default chain asks the sources in
// botocore's order and the first that has keys wins:
//
//   1. environment       AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN
//                        (left out when a profile is given explicitly, as botocore does)
//   2. assume-role       profile role_arn + source_profile (chains allowed) or
//                        credential_source, through STS AssumeRole
//   3. web identity      web_identity_token_file + role_arn (profile or
//                        AWS_WEB_IDENTITY_TOKEN_FILE / AWS_ROLE_ARN), AssumeRoleWithWebIdentity
//   4. shared credentials file   [profile] of ~/.aws/credentials
//   5. config file       keys in [profile NAME] of ~/.aws/config
//   6. container         ECS/EKS credentials endpoint
//   7. imds              EC2 instance metadata, IMDSv2
//
// A source either has credentials, has none (the chain moves on, noting why),
// or is configured but broken (the chain stops with that error: a role_arn
// whose source_profile is missing is a mistake to report, not to skip). When
// no source has credentials the chain answers ONE AwsError of kind
// credentials naming every source and why it had none. Secrets never appear
// in any message.
//
// STS calls are made through StsCredentialCalls, implemented by the STS
// client (sts.h); this file does not depend on it.
//
// Thread safety: every provider here may be called from several threads at
// once. CachingProvider serialises refreshes (one at a time) and serves
// cached credentials to everyone else.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aws/clock.h"
#include "aws/environment.h"
#include "aws/error.h"
#include "aws/http.h"
#include "aws/profile.h"
#include "aws/sigv4.h"

namespace snapkeep::aws {

// AwsError::code of a source that simply has no credentials (the chain moves
// on). Any other error from a provider means the source is broken.
inline constexpr std::string_view kNoCredentialsCode = "NoCredentials";

class CredentialProvider {
 public:
  virtual ~CredentialProvider() = default;
  // On success, credentials with `source` set. On failure, an AwsError of
  // kind credentials: code kNoCredentialsCode when the source is simply not
  // configured, another code when it is configured but failed.
  virtual Result<Credentials> credentials() = 0;
  // Short name of the source for messages, e.g. "environment", "imds".
  virtual std::string name() const = 0;
};

struct AssumeRoleParams {
  std::string role_arn;
  std::string role_session_name;
  std::string external_id;              // empty: not sent
  std::optional<int> duration_seconds;  // nullopt: STS default (1 h)
};

struct WebIdentityParams {
  std::string role_arn;
  std::string role_session_name;
  std::string web_identity_token;  // secret: never in messages
};

// The two STS calls the credential chain needs. Implemented by the STS client;
// tests substitute a fake. Returned credentials carry their expiration.
class StsCredentialCalls {
 public:
  virtual ~StsCredentialCalls() = default;
  // AssumeRole, signed with `caller`.
  virtual Result<Credentials> assume_role(const Credentials& caller,
                                          const AssumeRoleParams& params) = 0;
  // AssumeRoleWithWebIdentity (unsigned).
  virtual Result<Credentials> assume_role_with_web_identity(const WebIdentityParams& params) = 0;
};

// --- the sources -----------------------------------------------------------

class EnvironmentProvider final : public CredentialProvider {
 public:
  explicit EnvironmentProvider(const Environment& env) : m_env(env) {}
  Result<Credentials> credentials() override;
  std::string name() const override { return "environment"; }

 private:
  const Environment& m_env;
};

// Static keys of one profile in the credentials file ([NAME]) or in the
// config file ([profile NAME]).
class ProfileKeysProvider final : public CredentialProvider {
 public:
  enum class File { credentials, config };
  ProfileKeysProvider(const SharedFiles& files, std::string profile, File file)
      : m_files(files), m_profile(std::move(profile)), m_file(file) {}
  Result<Credentials> credentials() override;
  std::string name() const override;

 private:
  const SharedFiles& m_files;
  std::string m_profile;
  File m_file;
};

// ECS/EKS container credentials. 2 s timeout, 3 attempts one second apart.
class ContainerProvider final : public CredentialProvider {
 public:
  ContainerProvider(const Environment& env, HttpTransport& http, Clock& clock)
      : m_env(env), m_http(http), m_clock(clock) {}
  Result<Credentials> credentials() override;
  std::string name() const override { return "container"; }

 private:
  const Environment& m_env;
  HttpTransport& m_http;
  Clock& m_clock;
};

// EC2 instance metadata, IMDSv2 (with botocore's fallback to IMDSv1 when the
// token call is refused with 403/404/405, unless AWS_EC2_METADATA_V1_DISABLED).
class ImdsProvider final : public CredentialProvider {
 public:
  ImdsProvider(const Environment& env, HttpTransport& http) : m_env(env), m_http(http) {}
  Result<Credentials> credentials() override;
  std::string name() const override { return "imds"; }

 private:
  const Environment& m_env;
  HttpTransport& m_http;
};

// What the role-assuming providers need around them.
struct ProviderContext {
  const Environment& env;
  const SharedFiles& files;
  HttpTransport& http;
  Clock& clock;
  StsCredentialCalls& sts;
};

// Profile with role_arn and source_profile or credential_source. Source
// profiles may themselves assume roles (a chain); a cycle is an error.
class AssumeRoleProvider final : public CredentialProvider {
 public:
  AssumeRoleProvider(ProviderContext context, std::string profile)
      : m_ctx(context), m_profile(std::move(profile)) {}
  Result<Credentials> credentials() override;
  std::string name() const override { return "assume-role"; }

 private:
  ProviderContext m_ctx;
  std::string m_profile;
};

// STS AssumeRole of a configured role (an `accounts:` entry, a copy target's
// vault role), signed with what `source` answers. Wrap it in a
// CachingProvider: every call here is an AssumeRole.
class RoleProvider final : public CredentialProvider {
 public:
  RoleProvider(CredentialProvider& source, StsCredentialCalls& sts, AssumeRoleParams params)
      : m_source(source), m_sts(sts), m_params(std::move(params)) {}
  Result<Credentials> credentials() override;
  std::string name() const override { return "assume-role " + m_params.role_arn; }

 private:
  CredentialProvider& m_source;
  StsCredentialCalls& m_sts;
  AssumeRoleParams m_params;
};

// AssumeRoleWithWebIdentity with a token file re-read at every refresh. Each
// setting comes from its environment variable first, then from the profile.
class WebIdentityProvider final : public CredentialProvider {
 public:
  WebIdentityProvider(ProviderContext context, std::string profile)
      : m_ctx(context), m_profile(std::move(profile)) {}
  Result<Credentials> credentials() override;
  std::string name() const override { return "web-identity"; }

 private:
  ProviderContext m_ctx;
  std::string m_profile;
};

// --- composition -----------------------------------------------------------

// Caches what `inner` answers and refreshes it when fewer than
// `refresh_before` remain before expiry. When a refresh fails while the old
// credentials are still valid, they keep being used. Credentials without an
// expiration are fetched once.
class CachingProvider final : public CredentialProvider {
 public:
  static constexpr std::chrono::minutes kDefaultRefreshBefore{10};
  CachingProvider(std::unique_ptr<CredentialProvider> inner, Clock& clock,
                  std::chrono::milliseconds refresh_before = kDefaultRefreshBefore)
      : m_inner(std::move(inner)), m_clock(clock), m_refresh_before(refresh_before) {}
  Result<Credentials> credentials() override;
  std::string name() const override { return m_inner->name(); }

 private:
  std::unique_ptr<CredentialProvider> m_inner;
  Clock& m_clock;
  std::chrono::milliseconds m_refresh_before;
  std::mutex m_mutex;  // held across a refresh: one refresh at a time
  std::optional<Credentials> m_cached;
};

// Asks its providers in order; the first with credentials wins and is asked
// directly from then on (so that refreshes stay with the same source).
class ChainProvider final : public CredentialProvider {
 public:
  explicit ChainProvider(std::vector<std::unique_ptr<CredentialProvider>> providers)
      : m_providers(std::move(providers)) {}
  Result<Credentials> credentials() override;
  std::string name() const override { return "chain"; }

 private:
  std::vector<std::unique_ptr<CredentialProvider>> m_providers;
  std::mutex m_mutex;
  CredentialProvider* m_winner = nullptr;
};

// The default chain for `profile` (already selected with select_profile_name).
// `explicit_profile`: the profile came from --profile, which leaves the
// environment provider out (botocore's rule). The context's references must
// outlive the chain.
std::unique_ptr<CredentialProvider> make_default_chain(ProviderContext context,
                                                       const std::string& profile,
                                                       bool explicit_profile);

}  // namespace snapkeep::aws
