// util/aws_names: the one region, partition and ARN validator that the
// endpoint resolver (here) and the configuration (core) both call.
#include "util/aws_names.h"

#include <gtest/gtest.h>

#include "aws/endpoints.h"

namespace snapkeep::util {
namespace {

// Regression: the configuration required a two-letter first group and the
// endpoint resolver (and so --region) did not: `abc-east-1` was refused in the
// file and accepted on the command line. Every name here is judged by the one
// validator, and the resolver agrees with it.
TEST(AwsNames, ResolverAgreesWithTheValidatorOnEveryName) {
  aws::MapEnvironment env;
  const char* names[] = {"us-east-1",
                         "us-gov-west-1",
                         "cn-northwest-1",
                         "ap-southeast-5",
                         "il-central-1",
                         "mx-central-1",
                         "abc-east-1",
                         "a-east-1",
                         "us-east",
                         "US-EAST-1",
                         "us-east-123",
                         "aws-global",
                         "us-east-1-",
                         "us--east-1",
                         "us-iso-east-1",
                         "us-isob-east-1",
                         "eu-isoe-west-1",
                         "useast1",
                         "",
                         "us-east-1a"};
  for (std::string_view name : names) {
    auto endpoint = aws::resolve_endpoint("ec2", name, {}, env);
    EXPECT_EQ(endpoint.has_value(), supported_region(name)) << name;
    if (endpoint) {
      EXPECT_EQ(endpoint->partition, partition_of(name).value()) << name;
    }
  }
}

TEST(AwsNames, ArnAccount) {
  EXPECT_EQ(util::arn_account("arn:aws:iam::111111111111:role/snapkeep"), "111111111111");
  EXPECT_EQ(util::arn_account("arn:aws-cn:sns:cn-north-1:222222222222:t"), "222222222222");
  EXPECT_EQ(util::arn_account("arn:aws:iam:"), "");
  EXPECT_EQ(util::arn_account("not:an:arn:at:all:x"), "");
}

TEST(AwsNames, RegionNames) {
  for (auto name : {"us-east-1", "us-gov-west-1", "cn-north-1", "eu-central-2", "ap-southeast-4",
                    "ca-west-1", "us-iso-east-1"}) {
    EXPECT_TRUE(valid_region_name(name)) << name;
  }
  for (auto name : {"abc-east-1", "a-east-1", "us-east", "us-east-100", "Us-east-1", "us-east-1-",
                    "us-1", "aws-global", "us-east-x", ""}) {
    EXPECT_FALSE(valid_region_name(name)) << name;
  }
  EXPECT_FALSE(valid_region_name(std::string(30, 'a') + "-b-1"));
}

TEST(AwsNames, AvailabilityZoneNames) {
  for (auto name : {"us-east-1a", "eu-central-2c", "us-gov-west-1b", "cn-north-1a",
                    "us-west-2-lax-1a", "us-east-1-wl1-bos-wlz-1", "ap-northeast-1-tpe-1a"}) {
    EXPECT_TRUE(valid_availability_zone_name(name)) << name;
  }
  for (auto name : {"us-east-1", "us-east", "us-east-1A", "use1-az1", "us-east-1-", "a", "",
                    "us east-1a", "us-east-1a-"}) {
    EXPECT_FALSE(valid_availability_zone_name(name)) << name;
  }
}

TEST(AwsNames, IsolatedPartitionsAreValidNamesButUnsupported) {
  for (auto name : {"us-iso-east-1", "us-isob-east-1", "eu-isoe-west-1", "us-isof-south-1"}) {
    EXPECT_TRUE(valid_region_name(name)) << name;
    EXPECT_TRUE(isolated_region(name)) << name;
    EXPECT_FALSE(supported_region(name)) << name;
    EXPECT_FALSE(partition_of(name).has_value()) << name;
  }
  EXPECT_FALSE(isolated_region("us-east-1"));
}

TEST(AwsNames, Partitions) {
  EXPECT_EQ(partition_of("us-east-1"), "aws");
  EXPECT_EQ(partition_of("cn-north-1"), "aws-cn");
  EXPECT_EQ(partition_of("us-gov-east-1"), "aws-us-gov");
  EXPECT_FALSE(partition_of("abc-east-1").has_value());
  EXPECT_TRUE(known_partition("aws-us-gov"));
  EXPECT_FALSE(known_partition("aws-iso"));
}

TEST(AwsNames, RoleArns) {
  EXPECT_EQ(role_arn_problem("arn:aws:iam::123456789012:role/snapkeep"), "");
  EXPECT_EQ(role_arn_problem("arn:aws-cn:iam::123456789012:role/ops/backup+x@y"), "");
  EXPECT_EQ(role_arn_problem("arn:aws:iam::123456789012:user/snapkeep"), "is not an IAM role ARN");
  EXPECT_EQ(role_arn_problem("arn:aws:iam:us-east-1:123456789012:role/r"),
            "is not an IAM role ARN");
  EXPECT_EQ(role_arn_problem("arn:aws-iso:iam::123456789012:role/r"),
            "has an unknown partition (allowed: aws, aws-cn, aws-us-gov)");
  EXPECT_EQ(role_arn_problem("arn:aws:iam::12345:role/r"), "needs a 12-digit account id");
  EXPECT_EQ(role_arn_problem("arn:aws:iam::123456789012:role/a//b"),
            "has a malformed role path or name (letters, digits and +=,.@_- separated by /)");
  EXPECT_EQ(role_arn_problem("arn:aws:iam::123456789012:role/" + std::string(65, 'r')),
            "is too long");
}

TEST(AwsNames, SnsTopicArns) {
  EXPECT_EQ(sns_topic_arn_problem("arn:aws:sns:us-east-1:123456789012:backups"), "");
  EXPECT_EQ(sns_topic_arn_problem("arn:aws-cn:sns:cn-north-1:123456789012:b.fifo"), "");
  EXPECT_EQ(sns_topic_arn_problem("arn:aws:sqs:us-east-1:123456789012:q"),
            "is not an SNS topic ARN");
  EXPECT_EQ(sns_topic_arn_problem("arn:aws:sns:abc-east-1:123456789012:t"),
            "has a malformed region");
  EXPECT_EQ(sns_topic_arn_problem("arn:aws:sns:cn-north-1:123456789012:t"),
            "names region cn-north-1 outside partition aws");
  EXPECT_EQ(sns_topic_arn_problem("arn:aws:sns:us-iso-east-1:123456789012:t"),
            "names region us-iso-east-1 outside partition aws");
  EXPECT_EQ(sns_topic_arn_problem("arn:aws:sns:us-east-1:1234567890123:t"),
            "needs a 12-digit account id");
  EXPECT_EQ(sns_topic_arn_problem("arn:aws:sns:us-east-1:123456789012:a b"),
            "has a malformed topic name (1-256 letters, digits, _ or -, optionally ending .fifo)");
}

}  // namespace
}  // namespace snapkeep::util
