// Endpoints: the URL and signing region of a service (ec2, sns, sts) in a
// region, from the partition table or from the standard overrides.
//
// Partitions: aws (amazonaws.com), aws-cn (cn-* regions, amazonaws.com.cn),
// aws-us-gov (us-gov-* regions, amazonaws.com). The isolated partitions
// (us-iso-*, us-isob-*, ...) are rejected as unsupported rather than given a
// wrong host.
//
// Overrides, first match wins: the explicit --endpoint-url;
// AWS_ENDPOINT_URL_<SERVICE> (AWS_ENDPOINT_URL_EC2, _SNS, _STS, _CLOUDWATCH);
// AWS_ENDPOINT_URL; the profile's `services` section (`ec2 =` then indented
// `endpoint_url = ...`); the profile's endpoint_url.
// AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true disables all but the explicit one.
// An override keeps the region as signing region.
//
// STS is regional (https://sts.<region>.amazonaws.com) unless
// sts_regional_endpoints is "legacy", which sends the legacy global regions
// to https://sts.amazonaws.com, signed for us-east-1.
//
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "aws/environment.h"
#include "aws/profile.h"
#include "util/aws_names.h"
#include "util/expected.h"

namespace snapkeep::aws {

struct Endpoint {
  std::string url;             // scheme://host[:port][/path], no trailing '/'
  std::string signing_region;  // region of the SigV4 credential scope
  std::string partition;       // aws | aws-cn | aws-us-gov
  std::string source;          // "default", "--endpoint-url", "AWS_ENDPOINT_URL_EC2", ...
};

struct EndpointInputs {
  std::string explicit_url;                  // --endpoint-url, "" if not given
  const SharedFiles* files = nullptr;        // for the profile's [services] section
  const ProfileSettings* profile = nullptr;  // endpoint_url, services, sts_regional_endpoints
};

// Whether `region` looks like an AWS region name ("us-east-1",
// "us-gov-west-1", "cn-north-1", "eu-central-2"): the configuration's rule too.
using util::valid_region_name;

// Resolves (service, region). Errors: an unknown service, an empty or
// malformed region, an unsupported partition, or an override that is not an
// http(s) URL.
expected<Endpoint, std::string> resolve_endpoint(std::string_view service, std::string_view region,
                                                 const EndpointInputs& inputs,
                                                 const Environment& env);

}  // namespace snapkeep::aws
