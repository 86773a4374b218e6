#include "aws/endpoints.h"

#include <gtest/gtest.h>

#include "credentials_fakes.h"

namespace snapkeep::aws {
namespace {

Endpoint resolve_ok(std::string_view service, std::string_view region, const EndpointInputs& inputs,
                    const Environment& env) {
  auto endpoint = resolve_endpoint(service, region, inputs, env);
  EXPECT_TRUE(endpoint) << (endpoint ? "" : endpoint.error());
  return endpoint ? std::move(endpoint).value() : Endpoint{};
}

struct TableRow {
  const char* service;
  const char* region;
  const char* url;
  const char* partition;
};

TEST(Endpoints, PartitionTable) {
  MapEnvironment env;
  const TableRow rows[] = {
      {"ec2", "us-east-1", "https://ec2.us-east-1.amazonaws.com", "aws"},
      {"ec2", "eu-central-2", "https://ec2.eu-central-2.amazonaws.com", "aws"},
      {"sns", "ap-southeast-2", "https://sns.ap-southeast-2.amazonaws.com", "aws"},
      {"sts", "eu-west-1", "https://sts.eu-west-1.amazonaws.com", "aws"},
      {"ec2", "cn-north-1", "https://ec2.cn-north-1.amazonaws.com.cn", "aws-cn"},
      {"sns", "cn-northwest-1", "https://sns.cn-northwest-1.amazonaws.com.cn", "aws-cn"},
      {"sts", "cn-north-1", "https://sts.cn-north-1.amazonaws.com.cn", "aws-cn"},
      {"ec2", "us-gov-west-1", "https://ec2.us-gov-west-1.amazonaws.com", "aws-us-gov"},
      {"sts", "us-gov-east-1", "https://sts.us-gov-east-1.amazonaws.com", "aws-us-gov"},
  };
  for (const auto& row : rows) {
    Endpoint e = resolve_ok(row.service, row.region, {}, env);
    EXPECT_EQ(e.url, row.url) << row.service << " " << row.region;
    EXPECT_EQ(e.partition, row.partition) << row.region;
    EXPECT_EQ(e.signing_region, row.region);
    EXPECT_EQ(e.source, "default");
  }
}

TEST(Endpoints, StsLegacyGlobalOnlyForLegacyRegions) {
  MapEnvironment env;
  ProfileSettings profile;
  profile.sts_regional_endpoints = "legacy";
  EndpointInputs inputs;
  inputs.profile = &profile;
  Endpoint legacy = resolve_ok("sts", "eu-west-1", inputs, env);
  EXPECT_EQ(legacy.url, "https://sts.amazonaws.com");
  EXPECT_EQ(legacy.signing_region, "us-east-1");
  // Regions launched later were never on the global endpoint.
  EXPECT_EQ(resolve_ok("sts", "ap-east-1", inputs, env).url, "https://sts.ap-east-1.amazonaws.com");
  EXPECT_EQ(resolve_ok("ec2", "eu-west-1", inputs, env).url, "https://ec2.eu-west-1.amazonaws.com");
  profile.sts_regional_endpoints = "regional";
  EXPECT_EQ(resolve_ok("sts", "eu-west-1", inputs, env).url, "https://sts.eu-west-1.amazonaws.com");
}

TEST(Endpoints, OverridePriority) {
  testing::TempDir dir;
  MapEnvironment env;
  env.set("AWS_CONFIG_FILE",
          dir.write("config",
                    "[profile dev]\nservices = local\nendpoint_url = http://profile:1\n"
                    "[services local]\nec2 =\n  endpoint_url = http://services-ec2:2\n"));
  env.set("AWS_SHARED_CREDENTIALS_FILE", dir.path("credentials"));
  auto files = load_shared_files(env);
  ASSERT_TRUE(files);
  auto profile = resolve_profile(*files, "dev", env);
  ASSERT_TRUE(profile);
  EndpointInputs inputs;
  inputs.files = &*files;
  inputs.profile = &*profile;

  Endpoint e = resolve_ok("sns", "us-east-1", inputs, env);  // no sns in [services local]
  EXPECT_EQ(e.url, "http://profile:1");
  EXPECT_EQ(e.source, "profile endpoint_url");
  e = resolve_ok("ec2", "us-east-1", inputs, env);
  EXPECT_EQ(e.url, "http://services-ec2:2");
  EXPECT_EQ(e.source, "[services local] ec2.endpoint_url");
  env.set("AWS_ENDPOINT_URL", "http://global-env:3/");
  e = resolve_ok("ec2", "us-east-1", inputs, env);
  EXPECT_EQ(e.url, "http://global-env:3");
  EXPECT_EQ(e.source, "AWS_ENDPOINT_URL");
  env.set("AWS_ENDPOINT_URL_EC2", "http://ec2-env:4");
  e = resolve_ok("ec2", "eu-west-2", inputs, env);
  EXPECT_EQ(e.url, "http://ec2-env:4");
  EXPECT_EQ(e.source, "AWS_ENDPOINT_URL_EC2");
  EXPECT_EQ(e.signing_region, "eu-west-2");
  EXPECT_EQ(resolve_ok("sns", "us-east-1", inputs, env).url, "http://global-env:3");
  inputs.explicit_url = "http://127.0.0.1:5000";
  e = resolve_ok("ec2", "us-east-1", inputs, env);
  EXPECT_EQ(e.url, "http://127.0.0.1:5000");
  EXPECT_EQ(e.source, "--endpoint-url");
}

// Found by fuzz_ini_profile: a scheme in another case was accepted but kept
// as written, and code comparing with "https://" would have misread it.
TEST(Endpoints, SchemeIsCaseInsensitiveAndKeptLowerCase) {
  MapEnvironment env;
  EndpointInputs inputs;
  inputs.explicit_url = "HTTPS://Example.Test:8443/";
  Endpoint e = resolve_ok("ec2", "us-east-1", inputs, env);
  EXPECT_EQ(e.url, "https://Example.Test:8443");
  inputs.explicit_url = "Http://127.0.0.1:5000";
  EXPECT_EQ(resolve_ok("sts", "us-east-1", inputs, env).url, "http://127.0.0.1:5000");
  inputs.explicit_url = "ftp://127.0.0.1";
  EXPECT_FALSE(resolve_endpoint("ec2", "us-east-1", inputs, env));
}

TEST(Endpoints, IgnoreConfiguredEndpointUrls) {
  MapEnvironment env;
  env.set("AWS_ENDPOINT_URL", "http://env:1");
  env.set("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true");
  ProfileSettings profile;
  profile.endpoint_url = "http://profile:2";
  EndpointInputs inputs;
  inputs.profile = &profile;
  EXPECT_EQ(resolve_ok("ec2", "us-east-1", inputs, env).url, "https://ec2.us-east-1.amazonaws.com");
  inputs.explicit_url = "http://flag:3";
  EXPECT_EQ(resolve_ok("ec2", "us-east-1", inputs, env).url, "http://flag:3");
}

TEST(Endpoints, StsOverrideKeepsRegionEvenWhenLegacy) {
  MapEnvironment env;
  env.set("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:5000");
  ProfileSettings profile;
  profile.sts_regional_endpoints = "legacy";
  EndpointInputs inputs;
  inputs.profile = &profile;
  Endpoint e = resolve_ok("sts", "eu-west-1", inputs, env);
  EXPECT_EQ(e.url, "http://127.0.0.1:5000");
  EXPECT_EQ(e.signing_region, "eu-west-1");
}

TEST(Endpoints, InvalidRegionsRejectedClearly) {
  MapEnvironment env;
  for (std::string region : {"US-EAST-1", "us-east", "useast1", "us_east_1", "us-east-1 ",
                             "-us-east-1", "us--east-1", "us-east-123", "us-east-1a"}) {
    auto e = resolve_endpoint("ec2", region, {}, env);
    ASSERT_FALSE(e) << region;
    EXPECT_EQ(e.error(),
              "invalid region name '" + region + "' (expected a name such as us-east-1)");
  }
  EXPECT_EQ(resolve_endpoint("ec2", "", {}, env).error(),
            "no region: set --region, AWS_REGION, AWS_DEFAULT_REGION or `region` in the profile");
  EXPECT_EQ(resolve_endpoint("ec2", "us-iso-east-1", {}, env).error(),
            "region 'us-iso-east-1' is in an isolated partition, which snapkeep does not support");
  EXPECT_EQ(resolve_endpoint("s3", "us-east-1", {}, env).error(),
            "unknown service 's3' (expected ec2, sns, sts or monitoring)");
}

TEST(Endpoints, BadOverrideUrlRejected) {
  MapEnvironment env;
  env.set("AWS_ENDPOINT_URL_SNS", "localhost:5000");
  auto e = resolve_endpoint("sns", "us-east-1", {}, env);
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error(), "AWS_ENDPOINT_URL_SNS: 'localhost:5000' is not an http:// or https:// URL");
  EndpointInputs inputs;
  inputs.explicit_url = "https://";
  EXPECT_EQ(resolve_endpoint("ec2", "us-east-1", inputs, env).error(),
            "--endpoint-url: 'https://' is not an http:// or https:// URL");
}

TEST(Endpoints, ValidRegionNames) {
  for (auto region : {"us-east-1", "us-gov-west-1", "cn-northwest-1", "ap-southeast-5",
                      "il-central-1", "mx-central-1"}) {
    EXPECT_TRUE(valid_region_name(region)) << region;
  }
  EXPECT_FALSE(valid_region_name("aws-global"));
  EXPECT_FALSE(valid_region_name("us-east-1-"));
}

}  // namespace
}  // namespace snapkeep::aws
