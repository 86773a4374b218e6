// StsCredentialClient: the credential chain's StsCredentialCalls
// (credentials.h) implemented with the typed Sts client (sts.h).
//
// Each call needs a QueryCaller for STS that signs with particular
// credentials (AssumeRole: the source profile's) or not at all
// (AssumeRoleWithWebIdentity: the token is the proof). A StsCallerFactory
// makes one per call; production builds a QueryClient for the STS endpoint
// whose credentials source returns the given credentials, or none.
//
// Thread safety: calls may run from several threads if the factory may.
#pragma once

#include <functional>
#include <memory>
#include <optional>

#include "aws/credentials.h"
#include "aws/query_client.h"

namespace snapkeep::aws {

// nullopt: a caller that sends requests unsigned.
using StsCallerFactory =
    std::function<std::unique_ptr<QueryCaller>(std::optional<Credentials> signing)>;

class StsCredentialClient final : public StsCredentialCalls {
 public:
  explicit StsCredentialClient(StsCallerFactory make_caller)
      : m_make_caller(std::move(make_caller)) {}

  Result<Credentials> assume_role(const Credentials& caller,
                                  const AssumeRoleParams& params) override;
  Result<Credentials> assume_role_with_web_identity(const WebIdentityParams& params) override;

 private:
  StsCallerFactory m_make_caller;
};

}  // namespace snapkeep::aws
