#include "aws/sts.h"

#include <fmt/format.h>

#include "aws/response_reader.h"

namespace snapkeep::aws {

namespace {

// Both AssumeRole calls answer <{action}Result> with the same Credentials and
// AssumedRoleUser elements.
Result<AssumedRole> parse_assumed_role(std::string_view action, const QueryResponse& response,
                                       std::string_view source) {
  ResponseReader reader(action, response);
  pugi::xml_node root = reader.root();
  if (!reader.ok()) return unexpected(reader.error());
  pugi::xml_node result = root.child(fmt::format("{}Result", action).c_str());
  pugi::xml_node credentials = result.child("Credentials");
  AssumedRole role;
  role.credentials.access_key_id = std::string(child_text(credentials, "AccessKeyId"));
  role.credentials.secret_access_key = std::string(child_text(credentials, "SecretAccessKey"));
  role.credentials.session_token = std::string(child_text(credentials, "SessionToken"));
  role.credentials.source = std::string(source);
  reader.require(role.credentials.access_key_id, "AccessKeyId", "Credentials");
  reader.require(role.credentials.secret_access_key, "SecretAccessKey", "Credentials");
  reader.require(role.credentials.session_token, "SessionToken", "Credentials");
  if (pugi::xml_node expiration = credentials.child("Expiration")) {
    SysTime when{};
    reader.read_time(expiration, when);
    role.credentials.expiration = when;
  } else {
    reader.fail("<Expiration> is missing from <Credentials>");
  }
  pugi::xml_node user = result.child("AssumedRoleUser");
  role.arn = std::string(child_text(user, "Arn"));
  role.assumed_role_id = std::string(child_text(user, "AssumedRoleId"));
  if (!reader.ok()) return unexpected(reader.error());
  return role;
}

void add_duration(QueryParams& params, const std::optional<std::chrono::seconds>& duration) {
  if (duration) params.emplace_back("DurationSeconds", std::to_string(duration->count()));
}

}  // namespace

Result<AssumedRole> Sts::assume_role(const AssumeRoleRequest& request) const {
  constexpr std::string_view action = "AssumeRole";
  if (request.role_arn.empty() || request.session_name.empty()) {
    return unexpected(invalid_request(action, "a role ARN and a session name are required"));
  }
  QueryParams params{{"RoleArn", request.role_arn}, {"RoleSessionName", request.session_name}};
  add_duration(params, request.duration);
  if (!request.external_id.empty()) params.emplace_back("ExternalId", request.external_id);
  QueryResponse response = SNAPKEEP_TRY(m_caller.call(action, params));
  return parse_assumed_role(action, response, "assume-role");
}

Result<AssumedRole> Sts::assume_role_with_web_identity(
    const AssumeRoleWithWebIdentityRequest& request) const {
  constexpr std::string_view action = "AssumeRoleWithWebIdentity";
  if (request.role_arn.empty() || request.session_name.empty() ||
      request.web_identity_token.empty()) {
    return unexpected(
        invalid_request(action, "a role ARN, a session name and a token are required"));
  }
  QueryParams params{{"RoleArn", request.role_arn},
                     {"RoleSessionName", request.session_name},
                     {"WebIdentityToken", request.web_identity_token}};
  add_duration(params, request.duration);
  QueryResponse response = SNAPKEEP_TRY(m_caller.call(action, params));
  return parse_assumed_role(action, response, "web-identity");
}

Result<CallerIdentity> Sts::get_caller_identity() const {
  constexpr std::string_view action = "GetCallerIdentity";
  QueryResponse response = SNAPKEEP_TRY(m_caller.call(action, {}));
  ResponseReader reader(action, response);
  pugi::xml_node root = reader.root();
  if (!reader.ok()) return unexpected(reader.error());
  pugi::xml_node result = root.child("GetCallerIdentityResult");
  CallerIdentity identity;
  identity.account = std::string(child_text(result, "Account"));
  identity.arn = std::string(child_text(result, "Arn"));
  identity.user_id = std::string(child_text(result, "UserId"));
  reader.require(identity.account, "Account", "GetCallerIdentityResult");
  reader.require(identity.arn, "Arn", "GetCallerIdentityResult");
  if (!reader.ok()) return unexpected(reader.error());
  return identity;
}

}  // namespace snapkeep::aws
