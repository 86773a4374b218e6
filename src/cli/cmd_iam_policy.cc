// `snapkeep iam-policy`: prints the least-privilege IAM policy document the
// configuration needs (core/iam_policy.h), as JSON for `aws iam
// put-role-policy`, CloudFormation or Terraform.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/app.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "core/iam_policy.h"

namespace snapkeep::cli {

namespace {

struct IamPolicyOptions {
  std::string config_path = kDefaultConfigFile;
  std::string principal = "runner";
};

nlohmann::ordered_json strings(const std::vector<std::string>& values) {
  if (values.size() == 1) return values.front();
  return values;
}

nlohmann::ordered_json iam_policy_json(const core::IamPolicyDocument& doc) {
  nlohmann::ordered_json statements = nlohmann::ordered_json::array();
  for (const auto& s : doc.statements) {
    nlohmann::ordered_json statement = {{"Sid", s.sid},
                                        {"Effect", "Allow"},
                                        {"Action", strings(s.actions)},
                                        {"Resource", strings(s.resources)}};
    for (const auto& c : s.conditions) statement["Condition"][c.test][c.key] = strings(c.values);
    statements.push_back(std::move(statement));
  }
  return {{"Version", "2012-10-17"}, {"Statement", std::move(statements)}};
}

}  // namespace

CommandRunner setup_iam_policy(CLI::App& sub) {
  auto options = std::make_shared<IamPolicyOptions>();
  sub.add_option("--config", options->config_path, "configuration file")->capture_default_str();
  sub.add_option("--for", options->principal,
                 "runner: the identity snapkeep runs as; member-account: the role it assumes in "
                 "each account of accounts:")
      ->check(CLI::IsMember({"runner", "member-account"}))
      ->capture_default_str();
  return [options] {
    auto config = load_config_or_report(options->config_path);
    if (!config) return kExitBadInput;
    const auto principal = options->principal == "member-account"
                               ? core::IamPrincipal::member_account
                               : core::IamPrincipal::runner;
    fmt::print("{}\n", iam_policy_json(core::iam_policy(*config, principal)).dump(2));
    return kExitOk;
  };
}

}  // namespace snapkeep::cli
