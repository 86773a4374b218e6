// Sts: the STS calls snapkeep makes (API version 2011-06-15), over a
// QueryCaller: AssumeRole for other accounts, AssumeRoleWithWebIdentity for
// web-identity credentials (EKS, GitHub OIDC), GetCallerIdentity to learn
// the account.
//
// AssumeRoleWithWebIdentity is an unsigned call: the token is the proof.
// Give the Sts used for it a QueryCaller that sends requests unsigned (a
// QueryClient built without a credentials source); the other two calls need
// a signing caller.
//
// Thread safety: no mutable state; safe from several threads if the
// QueryCaller is.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "aws/query_client.h"
#include "aws/sigv4.h"

namespace snapkeep::aws {

struct AssumeRoleRequest {
  std::string role_arn;
  std::string session_name;                      // 2-64 chars of [\w+=,.@-]
  std::optional<std::chrono::seconds> duration;  // 900 s up to the role's maximum
  std::string external_id;                       // optional
};

struct AssumeRoleWithWebIdentityRequest {
  std::string role_arn;
  std::string session_name;
  std::string web_identity_token;
  std::optional<std::chrono::seconds> duration;
};

struct AssumedRole {
  Credentials credentials;  // with expiration set; source "assume-role" or "web-identity"
  std::string arn;          // arn:aws:sts::123456789012:assumed-role/name/session
  std::string assumed_role_id;
};

struct CallerIdentity {
  std::string account;
  std::string arn;
  std::string user_id;
};

class Sts {
 public:
  static constexpr std::string_view api_version = "2011-06-15";

  explicit Sts(QueryCaller& caller) : m_caller(caller) {}

  Result<AssumedRole> assume_role(const AssumeRoleRequest& request) const;
  Result<AssumedRole> assume_role_with_web_identity(
      const AssumeRoleWithWebIdentityRequest& request) const;
  Result<CallerIdentity> get_caller_identity() const;

 private:
  QueryCaller& m_caller;
};

}  // namespace snapkeep::aws
