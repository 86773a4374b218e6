// The least-privilege IAM policy a configuration needs (`snapkeep
// iam-policy`, docs/deploy.md): one statement per feature the configuration
// uses, scoped to its regions and conditioned where EC2 supports it, so that
// the credentials snapkeep runs with can create, tag and delete snapkeep's
// own snapshots and nothing else.
//
// A new feature that calls a new API adds a statement builder here (and the
// statement shows up in the enforcement test in tests/e2e/test_iam_policy.py).
//
// Thread safety: pure functions over plain values.
#pragma once

#include <string>
#include <vector>

#include "core/config.h"

namespace snapkeep::core {

// Who the policy is for.
enum class IamPrincipal {
  runner,          // the identity snapkeep runs as (Lambda role, daemon host, user)
  member_account,  // the role snapkeep assumes in each account of `accounts:`
};

struct IamCondition {
  std::string test;  // e.g. StringEquals, Null, ForAllValues:StringEquals
  std::string key;   // e.g. aws:ResourceTag/snapkeep:policy
  std::vector<std::string> values;
};

struct IamStatement {
  std::string sid;
  std::vector<std::string> actions;  // "ec2:CreateSnapshots", ...
  std::vector<std::string> resources;
  std::vector<IamCondition> conditions;  // all must hold
};

struct IamPolicyDocument {
  std::vector<IamStatement> statements;  // every one is Effect Allow
};

IamPolicyDocument iam_policy(const Config& config, IamPrincipal principal);

// The partition of ARNs in `region` (aws, aws-cn, aws-us-gov).
std::string partition_of(std::string_view region);

}  // namespace snapkeep::core
