// Target: one (account, region) pair that a run works on. Everything a run
// lists, plans, executes and reports is keyed by it, so that several
// accounts (configuration `accounts:`, reached with STS AssumeRole) and
// shards over (account, region) pairs fit without another reshaping.
//
// An Account says how to reach the account (role_arn; empty for the
// credentials the process already has) and, once learnt with STS
// GetCallerIdentity, its id. An empty id means the account is unknown: the
// planner then deletes nothing there (DESIGN.md section 4 rule 1).
//
// Thread safety: plain values.
#pragma once

#include <string>

namespace snapkeep::engine {

struct Account {
  // How output names the account: the configuration's label when it has
  // one, else the id. "" until either is known.
  std::string name{};
  // 12 digits from GetCallerIdentity; "" when it could not be learnt.
  std::string id{};
  // The role to assume for this account's clients; "" for the process's own
  // credentials. external_id and session_name go with it.
  std::string role_arn{};
  std::string external_id{};
  std::string session_name{};

  bool operator==(const Account&) const = default;
};

struct Target {
  Account account;
  std::string region;

  // "123456789012/us-east-1" (the name when the id is unknown), for messages
  // and map keys.
  std::string key() const {
    return (account.id.empty() ? account.name : account.id) + "/" + region;
  }
  bool operator==(const Target&) const = default;
};

}  // namespace snapkeep::engine
