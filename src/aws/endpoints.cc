#include "aws/endpoints.h"

#include <algorithm>
#include <array>
#include <cctype>

#include "util/url.h"

namespace snapkeep::aws {
namespace {

// botocore's _LEGACY_GLOBAL_STS_REGIONS: the regions that used the global
// STS endpoint before regional endpoints became the default.
constexpr std::array<std::string_view, 16> kLegacyStsRegions = {
    "ap-northeast-1", "ap-south-1",   "ap-southeast-1", "ap-southeast-2",
    "aws-global",     "ca-central-1", "eu-central-1",   "eu-north-1",
    "eu-west-1",      "eu-west-2",    "eu-west-3",      "sa-east-1",
    "us-east-1",      "us-east-2",    "us-west-1",      "us-west-2"};

std::string upper(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return out;
}

std::string check_url(std::string url, const std::string& from, Endpoint& out) {
  const std::string original = url;
  while (url.ends_with('/')) url.pop_back();
  const util::UrlParts parts = util::split_url(url);
  if (!util::is_http_scheme(parts.scheme) || parts.host.empty() ||
      url.find_first_of(" \t\r\n") != std::string::npos) {
    return from + ": '" + original + "' is not an http:// or https:// URL";
  }
  // Schemes are case-insensitive (RFC 3986 3.1); the rest of the client
  // compares against "http://" and "https://", so keep the canonical form.
  out.url = util::ascii_lower(parts.scheme) + url.substr(parts.scheme.size());
  out.source = from;
  return {};
}

}  // namespace

expected<Endpoint, std::string> resolve_endpoint(std::string_view service, std::string_view region,
                                                 const EndpointInputs& inputs,
                                                 const Environment& env) {
  if (service != "ec2" && service != "sns" && service != "sts" && service != "monitoring") {
    return unexpected("unknown service '" + std::string(service) +
                      "' (expected ec2, sns, sts or monitoring)");
  }
  if (region.empty()) {
    return unexpected(
        std::string("no region: set --region, AWS_REGION, AWS_DEFAULT_REGION or "
                    "`region` in the profile"));
  }
  if (!valid_region_name(region)) {
    return unexpected("invalid region name '" + std::string(region) +
                      "' (expected a name such as us-east-1)");
  }
  if (util::isolated_region(region)) {
    return unexpected("region '" + std::string(region) +
                      "' is in an isolated partition, which snapkeep does not support");
  }
  Endpoint out;
  out.signing_region = std::string(region);
  out.partition = std::string(util::partition_of(region).value_or("aws"));
  const std::string_view dns_suffix =
      out.partition == "aws-cn" ? "amazonaws.com.cn" : "amazonaws.com";

  // Overrides, in the SDKs' order of precedence.
  if (!inputs.explicit_url.empty()) {
    if (auto why = check_url(inputs.explicit_url, "--endpoint-url", out); !why.empty()) {
      return unexpected(why);
    }
    return out;
  }
  const ProfileSettings* profile = inputs.profile;
  bool ignore_configured = env_is_true(env, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
  if (!ignore_configured) {
    // The SDKs name services by their service id: CloudWatch signs as
    // "monitoring" but is configured as AWS_ENDPOINT_URL_CLOUDWATCH and
    // [services] cloudwatch.
    const std::string_view service_id = service == "monitoring" ? "cloudwatch" : service;
    const std::string service_var = "AWS_ENDPOINT_URL_" + upper(service_id);
    for (const std::string& var : {service_var, std::string("AWS_ENDPOINT_URL")}) {
      if (std::string url = env.get(var); !url.empty()) {
        if (auto why = check_url(url, var, out); !why.empty()) return unexpected(why);
        return out;
      }
    }
    if (profile != nullptr && inputs.files != nullptr && !profile->services.empty()) {
      if (const IniSection* services =
              inputs.files->config_section("services", profile->services)) {
        auto sub = services->subsections.find(std::string(service_id));
        if (sub != services->subsections.end()) {
          auto url = sub->second.find("endpoint_url");
          if (url != sub->second.end() && !url->second.empty()) {
            std::string from =
                "[services " + profile->services + "] " + std::string(service_id) + ".endpoint_url";
            if (auto why = check_url(url->second, from, out); !why.empty()) return unexpected(why);
            return out;
          }
        }
      }
    }
    if (profile != nullptr && !profile->endpoint_url.empty()) {
      if (auto why = check_url(profile->endpoint_url, "profile endpoint_url", out); !why.empty()) {
        return unexpected(why);
      }
      return out;
    }
  }

  out.source = "default";
  if (service == "sts" && profile != nullptr && profile->sts_regional_endpoints == "legacy" &&
      std::find(kLegacyStsRegions.begin(), kLegacyStsRegions.end(), region) !=
          kLegacyStsRegions.end()) {
    out.url = "https://sts.amazonaws.com";
    out.signing_region = "us-east-1";
    return out;
  }
  out.url =
      "https://" + std::string(service) + "." + std::string(region) + "." + std::string(dns_suffix);
  return out;
}

}  // namespace snapkeep::aws
