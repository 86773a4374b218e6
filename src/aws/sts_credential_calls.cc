#include "aws/sts_credential_calls.h"

#include "aws/sts.h"

namespace snapkeep::aws {

Result<Credentials> StsCredentialClient::assume_role(const Credentials& caller,
                                                     const AssumeRoleParams& params) {
  std::unique_ptr<QueryCaller> query = m_make_caller(caller);
  AssumeRoleRequest request;
  request.role_arn = params.role_arn;
  request.session_name = params.role_session_name;
  request.external_id = params.external_id;
  if (params.duration_seconds) request.duration = std::chrono::seconds{*params.duration_seconds};
  AssumedRole role = SNAPKEEP_TRY(Sts(*query).assume_role(request));
  return std::move(role.credentials);
}

Result<Credentials> StsCredentialClient::assume_role_with_web_identity(
    const WebIdentityParams& params) {
  std::unique_ptr<QueryCaller> query = m_make_caller(std::nullopt);
  AssumeRoleWithWebIdentityRequest request;
  request.role_arn = params.role_arn;
  request.session_name = params.role_session_name;
  request.web_identity_token = params.web_identity_token;
  AssumedRole role = SNAPKEEP_TRY(Sts(*query).assume_role_with_web_identity(request));
  return std::move(role.credentials);
}

}  // namespace snapkeep::aws
