#include "aws/profile.h"

#include <gtest/gtest.h>

#include "credentials_fakes.h"

namespace snapkeep::aws {
namespace {

TEST(Profile, SelectionOrder) {
  MapEnvironment env;
  EXPECT_EQ(select_profile_name(env, ""), "default");
  env.set("AWS_DEFAULT_PROFILE", "fallback");
  EXPECT_EQ(select_profile_name(env, ""), "fallback");
  env.set("AWS_PROFILE", "chosen");
  EXPECT_EQ(select_profile_name(env, ""), "chosen");
  EXPECT_EQ(select_profile_name(env, "explicit"), "explicit");
  env.set("AWS_PROFILE", "");  // empty reads as unset
  EXPECT_EQ(select_profile_name(env, ""), "fallback");
}

TEST(Profile, FilePathsFromEnvironmentOrHome) {
  MapEnvironment env;
  env.set("HOME", "/home/u");
  EXPECT_EQ(credentials_file_path(env), "/home/u/.aws/credentials");
  EXPECT_EQ(config_file_path(env), "/home/u/.aws/config");
  env.set("AWS_SHARED_CREDENTIALS_FILE", "/etc/creds");
  env.set("AWS_CONFIG_FILE", "~/cfg");
  EXPECT_EQ(credentials_file_path(env), "/etc/creds");
  EXPECT_EQ(config_file_path(env), "/home/u/cfg");
}

struct Files {
  testing::TempDir dir;
  MapEnvironment env;
  Files(const std::string& config, const std::string& credentials) {
    if (!config.empty())
      env.set("AWS_CONFIG_FILE", dir.write("config", config));
    else
      env.set("AWS_CONFIG_FILE", dir.path("config"));
    if (!credentials.empty())
      env.set("AWS_SHARED_CREDENTIALS_FILE", dir.write("credentials", credentials));
    else
      env.set("AWS_SHARED_CREDENTIALS_FILE", dir.path("credentials"));
  }
  SharedFiles load() {
    auto files = load_shared_files(env);
    EXPECT_TRUE(files) << (files ? "" : files.error());
    return files ? std::move(files).value() : SharedFiles{};
  }
};

TEST(Profile, MissingFilesAreFine) {
  Files f("", "");
  SharedFiles files = f.load();
  EXPECT_FALSE(files.config_found);
  EXPECT_FALSE(files.credentials_found);
  auto settings = resolve_profile(files, "default", f.env);
  ASSERT_TRUE(settings);
  EXPECT_FALSE(settings->exists);
}

TEST(Profile, MalformedFileIsAnErrorWithPathAndLine) {
  Files f("[default]\nregion = us-east-1\nbroken\n", "");
  auto files = load_shared_files(f.env);
  ASSERT_FALSE(files);
  EXPECT_EQ(files.error(), f.dir.path("config") + ":3: expected 'key = value' or '[section]'");
}

TEST(Profile, ConfigSectionsNeedTheProfilePrefix) {
  Files f(
      "[default]\nregion = eu-west-1\n[profile dev]\nregion = eu-west-2\n"
      "[staging]\nregion = ap-south-1\n[profile   spaced]\nregion = us-west-2\n",
      "");
  SharedFiles files = f.load();
  EXPECT_EQ(files.config_profile("default")->at("region"), "eu-west-1");
  EXPECT_EQ(files.config_profile("dev")->at("region"), "eu-west-2");
  EXPECT_FALSE(files.config_profile("staging"));  // not a profile in the config file
  EXPECT_EQ(files.config_profile("spaced")->at("region"), "us-west-2");
}

TEST(Profile, ProfileDefaultOutranksDefault) {
  Files f("[profile default]\nregion = us-east-2\n[default]\nregion = eu-west-1\noutput = json\n",
          "");
  SharedFiles files = f.load();
  auto values = files.config_profile("default");
  EXPECT_EQ(values->at("region"), "us-east-2");
  EXPECT_EQ(values->at("output"), "json");
}

TEST(Profile, CredentialsFileOverlaysConfig) {
  Files f("[profile dev]\nregion = eu-west-2\nrole_arn = arn:aws:iam::1:role/a\n",
          "[dev]\nrole_arn = arn:aws:iam::1:role/b\naws_access_key_id = AK\n");
  SharedFiles files = f.load();
  auto values = files.profile("dev");
  ASSERT_TRUE(values);
  EXPECT_EQ(values->at("region"), "eu-west-2");
  EXPECT_EQ(values->at("role_arn"), "arn:aws:iam::1:role/b");
  EXPECT_EQ(values->at("aws_access_key_id"), "AK");
}

TEST(Profile, AllSettingsAreRead) {
  Files f(
      "[profile full]\n"
      "region = eu-central-1\nmax_attempts = 5\nretry_mode = adaptive\n"
      "role_arn = arn:aws:iam::123456789012:role/r\nsource_profile = base\n"
      "external_id = ext-1\nrole_session_name = sess\nduration_seconds = 1800\n"
      "web_identity_token_file = /tok\nendpoint_url = http://127.0.0.1:5000\n"
      "sts_regional_endpoints = legacy\nservices = local\nmfa_serial = arn:mfa\n",
      "");
  SharedFiles files = f.load();
  auto s = resolve_profile(files, "full", f.env);
  ASSERT_TRUE(s) << s.error();
  EXPECT_TRUE(s->exists);
  EXPECT_EQ(s->name, "full");
  EXPECT_EQ(s->region, "eu-central-1");
  EXPECT_EQ(s->max_attempts, 5);
  EXPECT_EQ(s->retry_mode, "adaptive");
  EXPECT_EQ(s->role_arn, "arn:aws:iam::123456789012:role/r");
  EXPECT_EQ(s->source_profile, "base");
  EXPECT_EQ(s->external_id, "ext-1");
  EXPECT_EQ(s->role_session_name, "sess");
  EXPECT_EQ(s->duration_seconds, 1800);
  EXPECT_EQ(s->web_identity_token_file, "/tok");
  EXPECT_EQ(s->endpoint_url, "http://127.0.0.1:5000");
  EXPECT_EQ(s->sts_regional_endpoints, "legacy");
  EXPECT_EQ(s->services, "local");
  EXPECT_EQ(s->mfa_serial, "arn:mfa");
}

TEST(Profile, EnvironmentOutranksProfile) {
  Files f("[default]\nregion = eu-west-1\nmax_attempts = 2\nretry_mode = legacy\n", "");
  SharedFiles files = f.load();
  EXPECT_EQ(resolve_profile(files, "default", f.env)->region, "eu-west-1");
  f.env.set("AWS_DEFAULT_REGION", "us-west-1");
  EXPECT_EQ(resolve_profile(files, "default", f.env)->region, "us-west-1");
  f.env.set("AWS_REGION", "ap-south-1");
  f.env.set("AWS_MAX_ATTEMPTS", "7");
  f.env.set("AWS_RETRY_MODE", "standard");
  f.env.set("AWS_STS_REGIONAL_ENDPOINTS", "legacy");
  auto s = resolve_profile(files, "default", f.env);
  EXPECT_EQ(s->region, "ap-south-1");
  EXPECT_EQ(s->max_attempts, 7);
  EXPECT_EQ(s->retry_mode, "standard");
  EXPECT_EQ(s->sts_regional_endpoints, "legacy");
}

TEST(Profile, NamedProfileMustExist) {
  Files f("[default]\n", "");
  SharedFiles files = f.load();
  auto s = resolve_profile(files, "nope", f.env);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error(), "profile 'nope' not found in " + f.dir.path("config") + " or " +
                           f.dir.path("credentials"));
}

TEST(Profile, BadValuesAreReported) {
  Files f(
      "[profile a]\nduration_seconds = 12h\n[profile b]\nduration_seconds = 60\n"
      "[profile c]\nretry_mode = fast\n[profile d]\ncredential_source = Ec2\n"
      "[profile e]\nmax_attempts = 0\n",
      "");
  SharedFiles files = f.load();
  std::string where = " (" + f.dir.path("config") + ", " + f.dir.path("credentials") + "): ";
  EXPECT_EQ(resolve_profile(files, "a", f.env).error(),
            "profile 'a'" + where + "duration_seconds: expected a whole number, got '12h'");
  EXPECT_EQ(resolve_profile(files, "b", f.env).error(),
            "profile 'b'" + where + "duration_seconds: 60 is outside 900..43200");
  EXPECT_EQ(resolve_profile(files, "c", f.env).error(),
            "profile 'c'" + where + "retry_mode: 'fast' is not one of legacy|standard|adaptive");
  EXPECT_EQ(
      resolve_profile(files, "d", f.env).error(),
      "profile 'd'" + where +
          "credential_source: 'Ec2' is not one of Environment|Ec2InstanceMetadata|EcsContainer");
  EXPECT_EQ(resolve_profile(files, "e", f.env).error(),
            "profile 'e'" + where + "max_attempts: 0 is outside 1..100");
}

TEST(Profile, ServicesSectionLookup) {
  Files f("[profile dev]\nservices = local\n[services local]\nec2 =\n  endpoint_url = http://x\n",
          "");
  SharedFiles files = f.load();
  const IniSection* section = files.config_section("services", "local");
  ASSERT_NE(section, nullptr);
  EXPECT_EQ(section->subsections.at("ec2").at("endpoint_url"), "http://x");
  EXPECT_EQ(files.config_section("services", "other"), nullptr);
}

}  // namespace
}  // namespace snapkeep::aws
