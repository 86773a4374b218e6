#include "aws/credentials.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <nlohmann/json.hpp>

#include "aws/ini.h"
#include "util/url.h"
#include "util/utc_time.h"

namespace snapkeep::aws {
namespace {

constexpr std::string_view kBrokenConfigCode = "InvalidCredentialConfig";
constexpr std::string_view kRetrievalCode = "CredentialRetrievalError";

AwsError no_credentials(std::string message) {
  return AwsError{
      ErrorKind::credentials, std::string(kNoCredentialsCode), std::move(message), 0, {}, {}};
}

AwsError broken_config(std::string message) {
  return AwsError{
      ErrorKind::credentials, std::string(kBrokenConfigCode), std::move(message), 0, {}, {}};
}

AwsError retrieval_failed(std::string message, int http_status = 0) {
  return AwsError{
      ErrorKind::credentials, std::string(kRetrievalCode), std::move(message), http_status, {}, {}};
}

bool is_no_credentials(const AwsError& error) {
  return error.code == kNoCredentialsCode;
}

// An error from a source that a configured source depends on: whatever it
// was, the configured source is broken. The HTTP status and request id stay,
// so that a caller can tell a refusal (4xx: the user's to fix) from STS or
// IMDS failing (5xx, throttling: try again later).
AwsError wrap(const AwsError& error, const std::string& context) {
  AwsError out;
  out.kind = ErrorKind::credentials;
  out.code =
      is_no_credentials(error) || error.code.empty() ? std::string(kRetrievalCode) : error.code;
  AwsError inner = error;
  inner.http_status = 0;
  inner.request_id.clear();
  out.message = context + ": " + (is_no_credentials(error) ? error.message : inner.describe());
  out.http_status = error.http_status;
  out.request_id = error.request_id;
  return out;
}

std::string value_of(const IniValues& values, std::string_view key) {
  auto it = values.find(key);
  return it != values.end() ? it->second : std::string();
}

// Long-term (or session) keys written in a profile. nullopt: no keys at all.
Result<std::optional<Credentials>> profile_keys(const IniValues& values, const std::string& profile,
                                                std::string source) {
  Credentials c;
  c.access_key_id = value_of(values, "aws_access_key_id");
  c.secret_access_key = value_of(values, "aws_secret_access_key");
  c.session_token = value_of(values, "aws_session_token");
  if (c.session_token.empty()) c.session_token = value_of(values, "aws_security_token");
  if (c.access_key_id.empty() && c.secret_access_key.empty()) return std::optional<Credentials>();
  if (c.access_key_id.empty() || c.secret_access_key.empty()) {
    return unexpected(broken_config("profile '" + profile + "' has " +
                                    (c.access_key_id.empty()
                                         ? "aws_secret_access_key but no aws_access_key_id"
                                         : "aws_access_key_id but no aws_secret_access_key")));
  }
  c.source = std::move(source);
  return std::optional<Credentials>(std::move(c));
}

// Parses the JSON document of the container and IMDS endpoints. `what`
// names the document in messages (never its content: it holds secrets).
Result<Credentials> credentials_from_json(std::string_view body, const std::string& what,
                                          std::string source) {
  auto json = nlohmann::json::parse(body, nullptr, false);
  if (json.is_discarded() || !json.is_object()) {
    return unexpected(retrieval_failed(what + ": answer is not a JSON object"));
  }
  auto text = [&](const char* key) -> std::optional<std::string> {
    auto it = json.find(key);
    if (it == json.end() || !it->is_string()) return std::nullopt;
    return it->get<std::string>();
  };
  // IMDS says "Code": "Success"; moto and the container endpoints omit it.
  if (auto code = text("Code"); json.contains("Code") && code != "Success") {
    return unexpected(
        retrieval_failed(what + ": Code is '" + code.value_or("?") + "', not 'Success'"));
  }
  Credentials c;
  std::string missing;
  for (auto [key, field] : {std::pair{"AccessKeyId", &c.access_key_id},
                            std::pair{"SecretAccessKey", &c.secret_access_key}}) {
    auto value = text(key);
    if (!value || value->empty()) {
      missing += missing.empty() ? key : std::string(", ") + key;
    } else {
      *field = std::move(*value);
    }
  }
  if (!missing.empty()) return unexpected(retrieval_failed(what + ": missing " + missing));
  c.session_token = text("Token").value_or("");
  if (json.contains("Expiration")) {
    auto expiration = text("Expiration");
    auto parsed = expiration ? util::parse_iso8601(*expiration) : std::nullopt;
    if (!parsed) return unexpected(retrieval_failed(what + ": malformed Expiration"));
    c.expiration = parsed;
  }
  c.source = std::move(source);
  return c;
}

std::string default_session_name(Clock& clock) {
  auto seconds = std::chrono::duration_cast<std::chrono::seconds>(clock.now().time_since_epoch());
  return "snapkeep-" + std::to_string(seconds.count());
}

Result<Credentials> assume_web_identity(StsCredentialCalls& sts, Clock& clock,
                                        const std::string& token_file, const std::string& role_arn,
                                        const std::string& session_name) {
  auto token = read_text_file(token_file);
  if (!token) return unexpected(retrieval_failed("web identity token file " + token.error()));
  if (!token->has_value()) {
    return unexpected(retrieval_failed("web identity token file " + token_file + ": not found"));
  }
  std::string value = std::move(**token);
  while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back()))) value.pop_back();
  if (value.empty()) {
    return unexpected(retrieval_failed("web identity token file " + token_file + ": empty"));
  }
  WebIdentityParams params{role_arn,
                           session_name.empty() ? default_session_name(clock) : session_name,
                           std::move(value)};
  auto result = sts.assume_role_with_web_identity(params);
  if (!result) return unexpected(wrap(result.error(), "AssumeRoleWithWebIdentity " + role_arn));
  result->source = "web-identity:" + role_arn;
  return result;
}

double parse_seconds(const std::string& text, double fallback) {
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value <= 0) {
    return fallback;
  }
  return value;
}

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

// The AWS SDKs' rule for AWS_CONTAINER_CREDENTIALS_FULL_URI: https to any
// host, http only to a loopback address or the ECS / EKS agent addresses.
// A URL with userinfo or a malformed host is refused.
bool container_url_allowed(const util::UrlParts& url, const std::string& host) {
  if (host.empty() || url.has_userinfo || url.malformed_host) return false;
  if (util::iequals_ascii(url.scheme, "https")) return true;
  if (!util::iequals_ascii(url.scheme, "http")) return false;
  return host == "169.254.170.2" || host == "169.254.170.23" || host == "[fd00:ec2::23]" ||
         util::is_loopback_host(host);
}

}  // namespace

// --- environment -------------------------------------------------------------

Result<Credentials> EnvironmentProvider::credentials() {
  Credentials c;
  c.access_key_id = m_env.get("AWS_ACCESS_KEY_ID");
  c.secret_access_key = m_env.get("AWS_SECRET_ACCESS_KEY");
  if (c.access_key_id.empty() && c.secret_access_key.empty()) {
    return unexpected(no_credentials("AWS_ACCESS_KEY_ID not set"));
  }
  if (c.access_key_id.empty() || c.secret_access_key.empty()) {
    return unexpected(broken_config(
        c.access_key_id.empty() ? "AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not"
                                : "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not"));
  }
  c.session_token = m_env.get("AWS_SESSION_TOKEN");
  if (c.session_token.empty()) c.session_token = m_env.get("AWS_SECURITY_TOKEN");
  if (std::string expiration = m_env.get("AWS_CREDENTIAL_EXPIRATION"); !expiration.empty()) {
    c.expiration = util::parse_iso8601(expiration);
    if (!c.expiration) {
      return unexpected(broken_config("AWS_CREDENTIAL_EXPIRATION is not an ISO 8601 time"));
    }
  }
  c.source = "environment";
  return c;
}

// --- profile keys ------------------------------------------------------------

std::string ProfileKeysProvider::name() const {
  return m_file == File::credentials ? "shared credentials file " + m_files.credentials_path
                                     : "config file " + m_files.config_path;
}

Result<Credentials> ProfileKeysProvider::credentials() {
  std::optional<IniValues> values;
  if (m_file == File::credentials) {
    if (!m_files.credentials_found) return unexpected(no_credentials("not found"));
    if (const IniSection* section = m_files.credentials_profile(m_profile))
      values = section->values;
  } else {
    if (!m_files.config_found) return unexpected(no_credentials("not found"));
    values = m_files.config_profile(m_profile);
  }
  if (!values) return unexpected(no_credentials("no profile '" + m_profile + "'"));
  std::string source =
      (m_file == File::credentials ? "shared-credentials-file:" : "config-file:") + m_profile;
  auto keys = profile_keys(*values, m_profile, std::move(source));
  if (!keys) return unexpected(std::move(keys).error());
  if (!keys->has_value()) {
    return unexpected(no_credentials("profile '" + m_profile + "' has no aws_access_key_id"));
  }
  return std::move(**keys);
}

// --- container -----------------------------------------------------------------

Result<Credentials> ContainerProvider::credentials() {
  std::string url;
  std::string host;
  if (std::string relative = m_env.get("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
      !relative.empty()) {
    host = "169.254.170.2";
    url = "http://169.254.170.2" + relative;
  } else if (std::string full = m_env.get("AWS_CONTAINER_CREDENTIALS_FULL_URI"); !full.empty()) {
    const util::UrlParts parts = util::split_url(full);
    host = util::ascii_lower(parts.host);
    if (!container_url_allowed(parts, host)) {
      return unexpected(broken_config(
          "AWS_CONTAINER_CREDENTIALS_FULL_URI must use https, or http to a loopback address, "
          "localhost, 169.254.170.2, 169.254.170.23 or [fd00:ec2::23]; host is '" +
          host + "'"));
    }
    url = full;
  } else {
    return unexpected(no_credentials(
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and AWS_CONTAINER_CREDENTIALS_FULL_URI not set"));
  }

  HttpRequest request;
  request.method = "GET";
  request.url = url;
  request.headers.emplace_back("Accept", "application/json");
  // The token file is re-read at each call: EKS rotates it.
  std::string token;
  if (std::string file = m_env.get("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"); !file.empty()) {
    auto text = read_text_file(file);
    if (!text) return unexpected(retrieval_failed("authorization token file " + text.error()));
    if (!text->has_value()) {
      return unexpected(retrieval_failed("authorization token file " + file + ": not found"));
    }
    token = std::move(**text);
  } else {
    token = m_env.get("AWS_CONTAINER_AUTHORIZATION_TOKEN");
  }
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
  if (token.find_first_of("\r\n") != std::string::npos) {
    return unexpected(broken_config("container authorization token contains a line break"));
  }
  if (!token.empty()) request.headers.emplace_back("Authorization", token);
  request.connect_timeout = std::chrono::seconds(2);
  request.total_timeout = std::chrono::seconds(2);

  constexpr int kAttempts = 3;
  AwsError last;
  for (int attempt = 1; attempt <= kAttempts; ++attempt) {
    if (attempt > 1) m_clock.sleep_for(std::chrono::seconds(1));
    auto response = m_http.send(request);
    if (!response) {
      last = retrieval_failed("endpoint " + host + ": " + response.error().message);
      continue;
    }
    if (response->status != 200) {
      last = retrieval_failed("endpoint " + host + ": HTTP " + std::to_string(response->status),
                              response->status);
      continue;
    }
    return credentials_from_json(response->body, "endpoint " + host, "container");
  }
  last.message += " (after " + std::to_string(kAttempts) + " attempts)";
  return unexpected(std::move(last));
}

// --- IMDS ----------------------------------------------------------------------

Result<Credentials> ImdsProvider::credentials() {
  if (env_is_true(m_env, "AWS_EC2_METADATA_DISABLED")) {
    return unexpected(no_credentials("disabled by AWS_EC2_METADATA_DISABLED"));
  }
  std::string endpoint = m_env.get("AWS_EC2_METADATA_SERVICE_ENDPOINT");
  if (endpoint.empty()) {
    endpoint = lower(m_env.get("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE")) == "ipv6"
                   ? "http://[fd00:ec2::254]"
                   : "http://169.254.169.254";
  }
  while (endpoint.ends_with('/')) endpoint.pop_back();
  auto timeout = std::chrono::milliseconds(
      static_cast<long long>(parse_seconds(m_env.get("AWS_METADATA_SERVICE_TIMEOUT"), 1.0) * 1000));
  int attempts = static_cast<int>(parse_seconds(m_env.get("AWS_METADATA_SERVICE_NUM_ATTEMPTS"), 1));
  attempts = std::clamp(attempts, 1, 10);

  // Connection failures and 5xx answers are retried (botocore's rule).
  auto send = [&](std::string method, const std::string& path, Headers headers) {
    HttpRequest request;
    request.method = std::move(method);
    request.url = endpoint + path;
    request.headers = std::move(headers);
    request.connect_timeout = timeout;
    request.total_timeout = timeout;
    Result<HttpResponse> response = unexpected(AwsError{});
    for (int attempt = 1; attempt <= attempts; ++attempt) {
      response = m_http.send(request);
      if (response && response->status < 500) break;
    }
    return response;
  };

  auto token =
      send("PUT", "/latest/api/token", {{"X-aws-ec2-metadata-token-ttl-seconds", "21600"}});
  if (!token) return unexpected(no_credentials(token.error().message));
  Headers auth;
  if (token->status == 200 && !token->body.empty()) {
    auth.emplace_back("X-aws-ec2-metadata-token", token->body);
  } else if (token->status == 403 || token->status == 404 || token->status == 405) {
    if (env_is_true(m_env, "AWS_EC2_METADATA_V1_DISABLED")) {
      return unexpected(no_credentials("token request refused (HTTP " +
                                       std::to_string(token->status) +
                                       ") and AWS_EC2_METADATA_V1_DISABLED is set"));
    }
  } else if (token->status == 400) {
    return unexpected(retrieval_failed("token request rejected (HTTP 400)", 400));
  } else {
    return unexpected(no_credentials("token request: HTTP " + std::to_string(token->status)));
  }

  const std::string base = "/latest/meta-data/iam/security-credentials/";
  auto roles = send("GET", base, auth);
  if (!roles) return unexpected(no_credentials(roles.error().message));
  if (roles->status == 404)
    return unexpected(no_credentials("no IAM role attached to the instance"));
  if (roles->status != 200) {
    return unexpected(no_credentials("role list: HTTP " + std::to_string(roles->status)));
  }
  std::string_view body = roles->body;
  std::string role(body.substr(0, body.find('\n')));
  while (!role.empty() && std::isspace(static_cast<unsigned char>(role.back()))) role.pop_back();
  if (role.empty()) return unexpected(no_credentials("no IAM role attached to the instance"));

  auto document = send("GET", base + role, auth);
  if (!document) return unexpected(no_credentials(document.error().message));
  if (document->status != 200) {
    return unexpected(retrieval_failed(
        "credentials of role " + role + ": HTTP " + std::to_string(document->status),
        document->status));
  }
  return credentials_from_json(document->body, "credentials of role " + role, "imds");
}

// --- assume role -----------------------------------------------------------------

namespace {

std::unique_ptr<CredentialProvider> credential_source_provider(const ProviderContext& ctx,
                                                               const std::string& source) {
  if (source == "Environment") return std::make_unique<EnvironmentProvider>(ctx.env);
  if (source == "Ec2InstanceMetadata") return std::make_unique<ImdsProvider>(ctx.env, ctx.http);
  if (source == "EcsContainer") {
    return std::make_unique<ContainerProvider>(ctx.env, ctx.http, ctx.clock);
  }
  return nullptr;
}

class RoleResolver {
 public:
  explicit RoleResolver(const ProviderContext& ctx) : m_ctx(ctx) {}

  // Credentials of profile `name`, which has role_arn (and no web identity).
  Result<Credentials> assume(const ProfileSettings& profile) {
    m_visited.push_back(profile.name);
    if (!profile.mfa_serial.empty()) {
      return unexpected(broken_config("profile '" + profile.name +
                                      "' sets mfa_serial: snapkeep cannot prompt for an MFA code"));
    }
    if (!profile.source_profile.empty() && !profile.credential_source.empty()) {
      return unexpected(broken_config("profile '" + profile.name +
                                      "' sets both source_profile and credential_source"));
    }
    Credentials caller;
    if (!profile.source_profile.empty()) {
      caller = SNAPKEEP_TRY(source_profile_credentials(profile));
    } else if (!profile.credential_source.empty()) {
      auto provider = credential_source_provider(m_ctx, profile.credential_source);
      auto result = provider->credentials();
      if (!result) {
        return unexpected(wrap(result.error(), "credential_source " + profile.credential_source +
                                                   " of profile '" + profile.name + "'"));
      }
      caller = std::move(result).value();
    } else {
      return unexpected(broken_config("profile '" + profile.name +
                                      "' has role_arn but neither source_profile nor "
                                      "credential_source"));
    }
    AssumeRoleParams params;
    params.role_arn = profile.role_arn;
    params.role_session_name = profile.role_session_name.empty() ? default_session_name(m_ctx.clock)
                                                                 : profile.role_session_name;
    params.external_id = profile.external_id;
    params.duration_seconds = profile.duration_seconds;
    auto result = m_ctx.sts.assume_role(caller, params);
    if (!result) return unexpected(wrap(result.error(), "AssumeRole " + profile.role_arn));
    result->source = "assume-role:" + profile.role_arn;
    return result;
  }

 private:
  Result<Credentials> source_profile_credentials(const ProfileSettings& profile) {
    const std::string& source = profile.source_profile;
    std::optional<IniValues> values = m_ctx.files.profile(source);
    if (source == profile.name) {
      // A profile may name itself to use its own static keys (botocore).
      auto keys = SNAPKEEP_TRY(
          profile_keys(values.value_or(IniValues{}), source, "shared-credentials-file:" + source));
      if (!keys) {
        return unexpected(broken_config(
            "profile '" + source + "' is its own source_profile but has no aws_access_key_id"));
      }
      return std::move(*keys);
    }
    if (std::find(m_visited.begin(), m_visited.end(), source) != m_visited.end()) {
      std::string path;
      for (const auto& step : m_visited) path += step + " -> ";
      return unexpected(broken_config("source_profile cycle: " + path + source));
    }
    if (!values) {
      return unexpected(broken_config("source_profile '" + source + "' of profile '" +
                                      profile.name + "' not found"));
    }
    auto settings = settings_from_values(source, *values, m_ctx.files.config_path);
    if (!settings) return unexpected(broken_config(settings.error()));
    if (!settings->role_arn.empty() && settings->web_identity_token_file.empty()) {
      return assume(*settings);
    }
    if (!settings->web_identity_token_file.empty()) {
      if (settings->role_arn.empty()) {
        return unexpected(
            broken_config("profile '" + source + "' has web_identity_token_file but no role_arn"));
      }
      return assume_web_identity(m_ctx.sts, m_ctx.clock, settings->web_identity_token_file,
                                 settings->role_arn, settings->role_session_name);
    }
    auto keys = SNAPKEEP_TRY(profile_keys(*values, source, "shared-credentials-file:" + source));
    if (!keys) {
      return unexpected(broken_config("source_profile '" + source + "' of profile '" +
                                      profile.name + "' has no credentials"));
    }
    return std::move(*keys);
  }

  const ProviderContext& m_ctx;
  std::vector<std::string> m_visited;
};

}  // namespace

Result<Credentials> AssumeRoleProvider::credentials() {
  std::optional<IniValues> values = m_ctx.files.profile(m_profile);
  if (!values) return unexpected(no_credentials("no profile '" + m_profile + "'"));
  auto settings = settings_from_values(m_profile, *values, m_ctx.files.config_path);
  if (!settings) return unexpected(broken_config(settings.error()));
  if (settings->role_arn.empty()) {
    return unexpected(no_credentials("profile '" + m_profile + "' has no role_arn"));
  }
  if (!settings->web_identity_token_file.empty()) {
    return unexpected(no_credentials("profile '" + m_profile + "' uses web_identity_token_file"));
  }
  return RoleResolver(m_ctx).assume(*settings);
}

Result<Credentials> RoleProvider::credentials() {
  auto caller = m_source.credentials();
  if (!caller) return caller;
  auto assumed = m_sts.assume_role(*caller, m_params);
  if (!assumed) return unexpected(wrap(assumed.error(), "AssumeRole " + m_params.role_arn));
  assumed->source = "assume-role";
  return assumed;
}

// --- web identity ----------------------------------------------------------------

Result<Credentials> WebIdentityProvider::credentials() {
  ProfileSettings profile;
  if (auto values = m_ctx.files.profile(m_profile)) {
    auto settings = settings_from_values(m_profile, *values, m_ctx.files.config_path);
    if (!settings) return unexpected(broken_config(settings.error()));
    profile = std::move(settings).value();
  }
  auto setting = [&](std::string_view var, const std::string& from_profile) {
    std::string value = m_ctx.env.get(var);
    return value.empty() ? from_profile : value;
  };
  std::string token_file = setting("AWS_WEB_IDENTITY_TOKEN_FILE", profile.web_identity_token_file);
  if (token_file.empty()) {
    return unexpected(no_credentials("AWS_WEB_IDENTITY_TOKEN_FILE not set and profile '" +
                                     m_profile + "' has no web_identity_token_file"));
  }
  std::string role_arn = setting("AWS_ROLE_ARN", profile.role_arn);
  if (role_arn.empty()) {
    return unexpected(broken_config(
        "a web identity token file is configured but no role ARN (AWS_ROLE_ARN or role_arn)"));
  }
  return assume_web_identity(m_ctx.sts, m_ctx.clock, token_file, role_arn,
                             setting("AWS_ROLE_SESSION_NAME", profile.role_session_name));
}

// --- caching ---------------------------------------------------------------------

Result<Credentials> CachingProvider::credentials() {
  std::lock_guard lock(m_mutex);
  SysTime now = m_clock.now();
  if (m_cached && (!m_cached->expiration || *m_cached->expiration - now >= m_refresh_before)) {
    return *m_cached;
  }
  auto fresh = m_inner->credentials();
  if (fresh) {
    m_cached = *fresh;
    return fresh;
  }
  if (m_cached && m_cached->expiration && *m_cached->expiration > now) return *m_cached;
  return fresh;
}

// --- chain -----------------------------------------------------------------------

Result<Credentials> ChainProvider::credentials() {
  std::unique_lock lock(m_mutex);
  if (m_winner != nullptr) {
    CredentialProvider* winner = m_winner;
    lock.unlock();
    return winner->credentials();
  }
  std::string tried;
  for (auto& provider : m_providers) {
    auto result = provider->credentials();
    if (result) {
      m_winner = provider.get();
      return result;
    }
    AwsError error = std::move(result).error();
    error.message = provider->name() + ": " + error.message;
    if (!is_no_credentials(error)) return unexpected(std::move(error));
    tried += tried.empty() ? "" : "; ";
    tried += error.message;
  }
  return unexpected(no_credentials("no credentials found: " + tried));
}

std::unique_ptr<CredentialProvider> make_default_chain(ProviderContext context,
                                                       const std::string& profile,
                                                       bool explicit_profile) {
  std::vector<std::unique_ptr<CredentialProvider>> providers;
  if (!explicit_profile) providers.push_back(std::make_unique<EnvironmentProvider>(context.env));
  providers.push_back(std::make_unique<CachingProvider>(
      std::make_unique<AssumeRoleProvider>(context, profile), context.clock));
  providers.push_back(std::make_unique<CachingProvider>(
      std::make_unique<WebIdentityProvider>(context, profile), context.clock));
  providers.push_back(std::make_unique<ProfileKeysProvider>(
      context.files, profile, ProfileKeysProvider::File::credentials));
  providers.push_back(std::make_unique<ProfileKeysProvider>(context.files, profile,
                                                            ProfileKeysProvider::File::config));
  providers.push_back(std::make_unique<CachingProvider>(
      std::make_unique<ContainerProvider>(context.env, context.http, context.clock),
      context.clock));
  providers.push_back(std::make_unique<CachingProvider>(
      std::make_unique<ImdsProvider>(context.env, context.http), context.clock));
  return std::make_unique<ChainProvider>(std::move(providers));
}

}  // namespace snapkeep::aws
