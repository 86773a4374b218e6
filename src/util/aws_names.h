// AWS names that more than one layer checks: region names, partitions, IAM
// role ARNs and SNS topic ARNs. One implementation, so that the configuration
// (core) and the endpoint resolver (aws) can never disagree on what a region
// is; core may not include aws/, hence util/.
//
// Regions: two lower-case letters, one or more groups of lower-case letters,
// a number of one or two digits, separated by '-' (us-east-1, us-gov-west-1,
// ap-southeast-4, cn-northwest-1). Partitions: aws, aws-cn (cn-*), aws-us-gov
// (us-gov-*). The isolated partitions (us-iso-east-1, us-isob-east-1,
// eu-isoe-west-1, ...) are valid names in no supported partition.
//
// Thread safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace snapkeep::util {

// Whether `region` is spelled like an AWS region name (any partition).
bool valid_region_name(std::string_view region);

// Whether `region` names a region in the isolated partitions (a group
// beginning "iso": us-iso-east-1, us-isob-east-1, eu-isoe-west-1).
bool isolated_region(std::string_view region);

// Whether snapkeep can talk to `region`: a valid name outside the isolated
// partitions.
bool supported_region(std::string_view region);

// "aws", "aws-cn" or "aws-us-gov" for a supported region; nullopt otherwise.
std::optional<std::string_view> partition_of(std::string_view region);

// Whether `partition` is one snapkeep supports (aws, aws-cn, aws-us-gov).
bool known_partition(std::string_view partition);

// Whether `zone` is spelled like an availability zone name: a region name
// and a zone letter (us-east-1a), or a Local or Wavelength Zone under a
// region (us-west-2-lax-1a, us-east-1-wl1-bos-wlz-1).
bool valid_availability_zone_name(std::string_view zone);

// Twelve digits.
bool valid_account_id(std::string_view account);

// The account field of an ARN (arn:<partition>:<service>:<region>:<account>:...);
// "" when `arn` has no such field.
std::string_view arn_account(std::string_view arn);

// The problems below are phrased to follow the quoted value ("'x' is not an
// IAM role ARN"); an empty string means the value is valid.

// arn:<partition>:iam::<12-digit account>:role/[<path>/]<name>
std::string role_arn_problem(std::string_view arn);

// arn:<partition>:sns:<region in that partition>:<12-digit account>:<name>[.fifo]
std::string sns_topic_arn_problem(std::string_view arn);

}  // namespace snapkeep::util
