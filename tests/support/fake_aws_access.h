// FakeAwsAccess: the engine::AwsAccess of a run over the in-process FakeEc2,
// for tests of engine::run_once (and of what calls it: daemon, lambda).
// EC2 clients are wired as a real run wires them (fleet.h
// fake_region_factory); the account id answer is scripted (the fake's
// account by default, or an error as GetCallerIdentity would give it); SNS
// goes to a FakeQueryCaller.
//
// Header-only like fleet.h: it needs the engine, which snapkeep_fakes does
// not link.
//
// Thread safety: region_clients() may be called from several threads, like
// the real one; configure the fake before the run.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "engine/run.h"
#include "support/fake_ec2.h"
#include "support/fake_query_caller.h"
#include "support/fleet.h"

namespace snapkeep::testing {

class FakeAwsAccess final : public engine::AwsAccess {
 public:
  FakeAwsAccess(FakeEc2& ec2, aws::Clock& clock) : m_ec2(ec2), m_clock(clock), m_limiter(clock) {}

  // The profile's region ("" = none configured).
  std::string region;
  // What GetCallerIdentity answers; unset: the fake EC2's account.
  std::optional<aws::Result<std::string>> identity;
  // Accounts reached by a role (`accounts:`, a copy's role_arn): the role
  // ARN's EC2. A role not here, or in denied_roles, is refused as STS
  // refuses an AssumeRole its trust policy does not allow.
  std::map<std::string, FakeEc2*> roles;
  std::set<std::string> denied_roles;
  // The accounts asked for, role ARN ("" = own) with the session name.
  std::vector<std::pair<std::string, std::string>> sessions;
  // Where SNS Publish calls go.
  FakeQueryCaller sns;
  // Where CloudWatch PutMetricData calls go.
  FakeQueryCaller monitoring;

  std::string default_region() const override { return region; }

  aws::Result<std::string> account_id(const engine::Account& account,
                                      const std::string& in) override {
    ++identity_calls;
    identity_regions.push_back(in);
    sessions.emplace_back(account.role_arn, account.session_name);
    if (!account.role_arn.empty()) {
      const auto found = roles.find(account.role_arn);
      if (found == roles.end() || denied_roles.contains(account.role_arn)) {
        aws::AwsError e;
        e.kind = aws::ErrorKind::credentials;
        e.code = "AccessDenied";
        e.action = "AssumeRole";
        e.message = "AssumeRole " + account.role_arn +
                    ": AccessDenied: not authorized to perform "
                    "sts:AssumeRole";
        return snapkeep::unexpected(std::move(e));
      }
      return found->second->account_id();
    }
    if (identity) return *identity;
    return m_ec2.account_id();
  }

  snapkeep::expected<std::unique_ptr<engine::RegionClients>, std::string> region_clients(
      const engine::Target& target) override {
    ++m_region_clients;
    FakeEc2* ec2 = &m_ec2;
    if (!target.account.role_arn.empty()) {
      const auto found = roles.find(target.account.role_arn);
      if (found == roles.end()) return snapkeep::unexpected("no such role");
      ec2 = found->second;
    }
    return fake_region_factory(*ec2, m_clock, &m_limiter)(target);
  }

  snapkeep::expected<std::unique_ptr<aws::QueryCaller>, std::string> caller(
      const std::string& service, const std::string&, std::string_view) override {
    if (service == "sns") return std::make_unique<Forward>(sns);
    if (service == "monitoring") return std::make_unique<Forward>(monitoring);
    return snapkeep::unexpected("FakeAwsAccess: no " + service);
  }

  int region_clients_made() const { return m_region_clients; }

  int identity_calls = 0;
  std::vector<std::string> identity_regions;

 private:
  class Forward final : public aws::QueryCaller {
   public:
    explicit Forward(aws::QueryCaller& to) : m_to(to) {}
    aws::Result<aws::QueryResponse> call(std::string_view action,
                                         const aws::QueryParams& params) override {
      return m_to.call(action, params);
    }

   private:
    aws::QueryCaller& m_to;
  };

  FakeEc2& m_ec2;
  aws::Clock& m_clock;
  aws::RateLimiterRegistry m_limiter;
  std::atomic<int> m_region_clients{0};
};

}  // namespace snapkeep::testing
