// The configuration judges region names, topic and role ARNs and webhook
// URLs with the same code as the endpoint resolver and the transport
// (util/aws_names.h, util/url.h), so a name is accepted in the file exactly
// when --region and the client accept it.
#include <gtest/gtest.h>

#include <string>

#include "core/config.h"
#include "util/aws_names.h"

namespace snapkeep::core {
namespace {

const std::string kPolicy =
    "policies:\n"
    "  - name: nightly\n"
    "    select: {tags: {Backup: \"true\"}}\n"
    "    schedule: rate(1 day)\n"
    "    retain: {count: 7}\n";

bool accepted(const std::string& yaml) {
  return parse_config(yaml, "c.yaml").has_value();
}

// Regression: `abc-east-1` passed the endpoint resolver and failed here.
TEST(ConfigNames, RegionsAgreeWithTheEndpointResolver) {
  for (std::string name : {"us-east-1", "us-gov-west-1", "cn-northwest-1", "il-central-1",
                           "abc-east-1", "a-east-1", "us-east", "US-EAST-1", "us-east-123",
                           "us-iso-east-1", "us-isob-east-1", "eu-isoe-west-1", "aws-global"}) {
    EXPECT_EQ(accepted("regions: [" + name + "]\n" + kPolicy), util::supported_region(name))
        << name;
  }
}

TEST(ConfigNames, TopicArnsAgreeWithTheValidator) {
  for (std::string arn :
       {"arn:aws:sns:us-east-1:123456789012:backups", "arn:aws:sns:abc-east-1:123456789012:backups",
        "arn:aws-cn:sns:cn-north-1:123456789012:b.fifo",
        "arn:aws:sns:us-iso-east-1:123456789012:t"}) {
    EXPECT_EQ(accepted("notify: {sns_topic_arn: \"" + arn + "\"}\n" + kPolicy),
              util::sns_topic_arn_problem(arn).empty())
        << arn;
  }
}

TEST(ConfigNames, RoleArnsAgreeWithTheValidator) {
  for (std::string arn :
       {"arn:aws:iam::123456789012:role/snapkeep", "arn:aws-iso:iam::123456789012:role/snapkeep",
        "arn:aws:iam::123456789012:user/snapkeep"}) {
    const auto errors =
        parse_config("accounts: [{name: a, role_arn: \"" + arn + "\"}]\n" + kPolicy, "c.yaml");
    bool role_error = false;
    if (!errors) {
      for (const auto& e : errors.error()) {
        role_error = role_error || e.message.find("role_arn") != std::string::npos;
      }
    }
    EXPECT_EQ(role_error, !util::role_arn_problem(arn).empty()) << arn;
  }
}

TEST(ConfigNames, WebhookLoopbackIsTheTransportsLoopback) {
  EXPECT_TRUE(accepted("notify: {webhook_url: \"http://127.0.0.1:8080/hook\"}\n" + kPolicy));
  EXPECT_TRUE(accepted("notify: {webhook_url: \"http://[::1]:9000/x\"}\n" + kPolicy));
  // Not an IPv4 address; the old check took any three digits per part.
  EXPECT_FALSE(accepted("notify: {webhook_url: \"http://127.999.0.1/hook\"}\n" + kPolicy));
  EXPECT_FALSE(accepted("notify: {webhook_url: \"http://[::1]:/x\"}\n" + kPolicy));
  EXPECT_FALSE(accepted("notify: {webhook_url: \"https://[::1/x\"}\n" + kPolicy));
}

}  // namespace
}  // namespace snapkeep::core
