#include "engine/run.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <random>
#include <set>

#include "aws/credentials.h"
#include "engine/copy_phase.h"
#include "engine/metrics.h"
#include "engine/notify.h"
#include "util/aws_names.h"
#include "util/utc_time.h"

namespace snapkeep::engine {

namespace {

const std::atomic<bool> kNeverStop{false};

// The region GetCallerIdentity and DescribeRegions are asked in: the
// profile's, else the first region worked on, else us-east-1 (only reached
// with regions "*", where any region of the partition answers).
std::string home_region(const std::string& default_region,
                        const std::vector<std::string>& regions) {
  if (!default_region.empty()) return default_region;
  if (!regions.empty()) return regions.front();
  return "us-east-1";
}

}  // namespace

std::vector<std::string> without_repeats(const std::vector<std::string>& values) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const auto& v : values) {
    if (seen.insert(v).second) out.push_back(v);
  }
  return out;
}

std::string new_run_id() {
  std::random_device random;
  return fmt::format("{:08x}", random());
}

bool is_bad_credentials(const aws::AwsError& error) {
  using aws::ErrorKind;
  switch (error.kind) {
    case ErrorKind::credentials:
      // A source that is configured but could not be reached (IMDS or STS
      // timing out, a 5xx, throttling) is not the user's input; anything
      // else is: no credentials, a broken profile, a refused AssumeRole.
      if (error.http_status >= 500 ||
          aws::classify(error.code, error.http_status) == ErrorKind::throttled) {
        return false;
      }
      if (error.code == "CredentialRetrievalError") {
        return error.http_status >= 400 && error.http_status < 500;
      }
      return true;
    case ErrorKind::auth:
    case ErrorKind::invalid:
    case ErrorKind::not_found:
      return true;
    default:
      return false;
  }
}

snapkeep::expected<std::vector<std::string>, std::string> configured_regions(
    const core::Config& config, const std::vector<std::string>& overrides,
    const std::string& default_region) {
  if (!overrides.empty()) return without_repeats(overrides);
  if (config.all_regions) return std::vector<std::string>{};
  if (!config.regions.empty()) return without_repeats(config.regions);
  if (!default_region.empty()) return std::vector<std::string>{default_region};
  return snapkeep::unexpected(
      std::string("no region to work on: give --region, set regions: in the configuration, or set "
                  "AWS_REGION or the profile's region"));
}

RunSummary failed_run(RunMode mode, const std::string& run_id, core::Time now, std::string why,
                      bool bad_input) {
  RunSummary summary;
  summary.mode = mode;
  summary.run_id = run_id;
  summary.now = util::format_utc_seconds(now);
  summary.errors.push_back(std::move(why));
  summary.bad_input = bad_input;
  return summary;
}

void notify_run(const core::Notify& notify, RunSummary& summary, const RunServices& services) {
  auto errors =
      send_notifications(notify, summary, services.access, *services.http, *services.clock);
  for (auto& e : errors) summary.notification_errors.push_back(std::move(e));
}

Account role_account(const core::Config& config, const std::string& role_arn,
                     const std::string& run_id) {
  Account account;
  account.role_arn = role_arn;
  account.session_name = run_id.empty() ? "snapkeep" : "snapkeep-" + run_id;
  for (const auto& configured : config.accounts) {
    if (configured.role_arn != role_arn) continue;
    account.name = configured.name;
    account.external_id = configured.external_id.value_or("");
    if (configured.session_name) account.session_name = *configured.session_name;
  }
  return account;
}

namespace {

// One account a run may work on, before its id is learnt.
struct Candidate {
  Account account;
  const std::vector<std::string>* regions = nullptr;  // its own; null: the configuration's
  bool own = false;
};

}  // namespace

snapkeep::expected<ResolvedTargets, TargetsError> resolve_targets(const core::Config& config,
                                                                  const TargetFilter& filter,
                                                                  AwsAccess& access) {
  // The configuration's regions; an error once an account needs them,
  // before any call when every account does.
  auto top_regions = configured_regions(config, filter.regions, access.default_region());
  if (!top_regions && (config.include_own_account ||
                       std::ranges::any_of(config.accounts, [](const core::Account& a) {
                         return a.regions.empty();
                       }))) {
    return snapkeep::unexpected(TargetsError{top_regions.error(), true});
  }

  std::vector<Candidate> candidates;
  if (config.include_own_account) candidates.push_back({Account{}, nullptr, true});
  for (const auto& configured : config.accounts) {
    candidates.push_back(
        {role_account(config, configured.role_arn, filter.run_id),
         configured.regions.empty() || !filter.regions.empty() ? nullptr : &configured.regions,
         false});
  }

  ResolvedTargets out;
  // The own account's id answers --account by id; learn it first (its
  // credentials are also the ones every role is assumed with).
  std::set<std::string> matched;
  // Whether an --account value names `account` (by name, learnt id or role).
  auto names_account = [](const std::string& f, const Account& account) {
    return (!account.name.empty() && f == account.name) ||
           (!account.id.empty() && f == account.id) ||
           (!account.role_arn.empty() && f == util::arn_account(account.role_arn));
  };
  auto wanted = [&](const Account& account) {
    if (filter.accounts.empty()) return true;
    bool hit = false;
    for (const auto& f : filter.accounts) {
      if (names_account(f, account)) {
        matched.insert(f);
        hit = true;
      }
    }
    return hit;
  };
  std::string home_default = access.default_region();
  auto home_of = [&](const Candidate& c) {
    if (c.regions != nullptr) return home_region(home_default, *c.regions);
    return home_region(home_default, top_regions ? *top_regions : std::vector<std::string>{});
  };

  // --account values are checked before any call: a configured name or a
  // role's account id, or (12 digits, with the own account included) maybe
  // the own account's id, known once GetCallerIdentity answered.
  std::vector<std::string> known;  // for the message: what may be named
  for (const auto& c : candidates) {
    if (!c.own) known.push_back(c.account.name);
  }
  auto unknown_account = [&](const std::string& value, const std::string& own_id) {
    std::vector<std::string> names;
    if (config.include_own_account) {
      names.push_back(own_id.empty() ? std::string("the own account by its id")
                                     : own_id + " (own)");
    }
    names.insert(names.end(), known.begin(), known.end());
    return TargetsError{fmt::format("--account {} is not a configured account (configured: {})",
                                    value, fmt::join(names, ", ")),
                        true};
  };
  bool maybe_own = false;  // a value only the own account's id can match
  for (const auto& f : filter.accounts) {
    const bool configured = std::ranges::any_of(
        candidates, [&](const Candidate& c) { return !c.own && names_account(f, c.account); });
    if (configured) continue;
    if (!util::valid_account_id(f) || !config.include_own_account) {
      return snapkeep::unexpected(unknown_account(f, ""));
    }
    maybe_own = true;
  }

  std::vector<Candidate> kept;
  for (auto& c : candidates) {
    if (c.own && (filter.accounts.empty() || maybe_own)) {
      if (auto id = access.account_id(c.account, home_of(c)); id) {
        c.account.id = *id;
        c.account.name = *id;
      } else if (id.error().kind == aws::ErrorKind::credentials || is_bad_credentials(id.error())) {
        // Without credentials every call would fail the same way: say it
        // once. (Roles are assumed with these credentials too.)
        return snapkeep::unexpected(
            TargetsError{"credentials: " + id.error().describe(), is_bad_credentials(id.error())});
      } else {
        out.problems.push_back(fmt::format(
            "the account could not be learnt (STS GetCallerIdentity: {}): nothing is deleted in "
            "it in this run",
            id.error().describe()));
      }
    }
    if (wanted(c.account)) kept.push_back(c);
  }
  for (const auto& f : filter.accounts) {
    if (!matched.contains(f)) {
      const auto own = std::ranges::find_if(candidates, [](const Candidate& c) { return c.own; });
      return snapkeep::unexpected(
          unknown_account(f, own != candidates.end() ? own->account.id : std::string()));
    }
  }

  for (auto& c : kept) {
    if (c.regions == nullptr && !top_regions) {
      return snapkeep::unexpected(TargetsError{top_regions.error(), true});
    }
    std::vector<std::string> regions = c.regions != nullptr ? *c.regions : *top_regions;
    const std::string home = home_of(c);
    if (!c.own) {
      auto id = access.account_id(c.account, home);
      if (!id) {
        // One account's role refused (or STS failing) never stops the others.
        out.problems.push_back(fmt::format(
            "account {} ({}): cannot work in it: {}; its regions are not worked on in this run",
            c.account.name, c.account.role_arn, id.error().describe()));
        continue;
      }
      c.account.id = *id;
    }
    if (regions.empty()) {  // regions "*": the account's enabled regions
      auto clients = access.region_clients(Target{c.account, home});
      if (!clients) {
        return snapkeep::unexpected(
            TargetsError{"cannot list the enabled regions: " + clients.error(), true});
      }
      auto enabled = (*clients)->ec2().describe_regions();
      if (!enabled) {
        out.problems.push_back(fmt::format("account {}: cannot list the enabled regions: {}",
                                           c.account.name, enabled.error().describe()));
        continue;
      }
      for (const auto& r : *enabled) regions.push_back(r.name);
      std::sort(regions.begin(), regions.end());
    }
    for (const auto& region : regions) out.targets.push_back(Target{c.account, region});
  }
  return out;
}

std::vector<Account> resolve_copy_accounts(const core::Config& config, const std::string& run_id,
                                           const std::string& region, AwsAccess& access,
                                           std::vector<std::string>& problems) {
  std::vector<Account> out;
  for (const auto& policy : config.policies) {
    for (const auto& copy : policy.copies) {
      if (!copy.role_arn) continue;
      if (std::ranges::any_of(out, [&](const Account& a) { return a.role_arn == *copy.role_arn; }))
        continue;
      Account account = role_account(config, *copy.role_arn, run_id);
      if (auto id = access.account_id(account, region); id) {
        account.id = *id;
        if (account.name.empty()) account.name = *id;
      } else {
        problems.push_back(
            fmt::format("copy account {}: cannot work in it: {}; no copies go there in this run",
                        *copy.role_arn, id.error().describe()));
      }
      out.push_back(std::move(account));
    }
  }
  return out;
}

RunSummary run_once(const RunRequest& request, const RunServices& services) {
  const core::Config& config = *request.config;
  const std::atomic<bool>& stop = request.stop ? *request.stop : kNeverStop;
  auto finish = [&](RunSummary summary) {
    // Metrics before the notification, so that it tells of a failed publish.
    if (request.mode == RunMode::run && config.metrics.cloudwatch && services.access != nullptr) {
      publish_cloudwatch(summary, *services.access);
    }
    if (request.mode == RunMode::run) notify_run(config.notify, summary, services);
    return summary;
  };
  if (services.access == nullptr) {
    return finish(failed_run(request.mode, request.run_id, request.now, "no AWS session", true));
  }
  AwsAccess* access = services.access;
  auto targets = resolve_targets(
      config, TargetFilter{request.regions, request.accounts, request.run_id}, *access);
  if (!targets) {
    return finish(failed_run(request.mode, request.run_id, request.now, targets.error().message,
                             targets.error().bad_input));
  }

  ReconcileOptions options;
  options.mode = request.mode;
  options.now = request.now;
  options.run_id = request.run_id;
  if (has_copy_targets(config)) {
    std::vector<std::string> first;
    if (!targets->targets.empty()) first.push_back(targets->targets.front().region);
    options.copy_accounts =
        resolve_copy_accounts(config, request.run_id, home_region(access->default_region(), first),
                              *access, targets->problems);
  }
  options.targets = std::move(targets->targets);
  options.parallel_targets = request.parallel_targets;
  options.shard = request.shard;
  options.executor = request.executor;
  options.progress = request.progress;
  RegionClientFactory factory = [access](const Target& target) {
    return access->region_clients(target);
  };
  RunSummary summary = reconcile(config, options, factory, *services.clock, stop);
  for (auto& p : targets->problems) summary.errors.push_back(std::move(p));
  return finish(std::move(summary));
}

}  // namespace snapkeep::engine
