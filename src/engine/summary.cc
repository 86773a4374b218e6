#include "engine/summary.h"

#include <algorithm>

namespace snapkeep::engine {

std::string_view to_string(RunMode mode) {
  return mode == RunMode::plan ? "plan" : "run";
}

std::string_view to_string(Outcome outcome) {
  switch (outcome) {
    case Outcome::planned:
      return "planned";
    case Outcome::created:
      return "created";
    case Outcome::deleted:
      return "deleted";
    case Outcome::tagged:
      return "tagged";
    case Outcome::skipped:
      return "skipped";
    case Outcome::failed:
      return "failed";
    case Outcome::started:
      return "started";
  }
  return "failed";
}

std::string_view to_string(ActionKind kind) {
  switch (kind) {
    case ActionKind::create:
      return "create";
    case ActionKind::delete_snapshot:
      return "delete";
    case ActionKind::tag_device:
      return "tag-device";
    case ActionKind::skip:
      return "skip";
    case ActionKind::copy:
      return "copy";
    case ActionKind::delete_copy:
      return "delete-copy";
  }
  return "skip";
}

std::string_view to_string(RunWarning::Level level) {
  return level == RunWarning::Level::failure ? "failure" : "warning";
}

std::int64_t RunSummary::count(Outcome outcome) const {
  return std::count_if(results.begin(), results.end(),
                       [&](const ActionResult& r) { return r.outcome == outcome; });
}

bool RunSummary::has_failures() const {
  if (interrupted || !errors.empty()) return true;
  if (std::any_of(regions.begin(), regions.end(),
                  [](const RegionReport& r) { return !r.complete; })) {
    return true;
  }
  if (std::any_of(copies.begin(), copies.end(),
                  [](const CopyTargetReport& c) { return !c.complete; })) {
    return true;
  }
  return count(Outcome::failed) > 0;
}

bool RunSummary::has_limit_skips() const {
  return std::any_of(results.begin(), results.end(), [](const ActionResult& r) { return r.limit; });
}

bool RunSummary::has_failure_warnings() const {
  return std::any_of(warnings.begin(), warnings.end(),
                     [](const RunWarning& w) { return w.level == RunWarning::Level::failure; });
}

int RunSummary::exit_status() const {
  if (!errors.empty() && bad_input) return 2;
  // Exit 0 is a promise that nothing planned was left undone: a run that had
  // to leave work for the next run (a limit) says so with 1 too.
  if (has_failures() || has_limit_skips() || !notification_errors.empty()) return 1;
  return 0;
}

void add_api_calls(std::map<std::string, ApiCalls>& total,
                   const std::map<std::string, ApiCalls>& more) {
  for (const auto& [action, c] : more) {
    auto& mine = total[action];
    mine.calls += c.calls;
    mine.retries += c.retries;
    mine.throttled += c.throttled;
    mine.failed += c.failed;
  }
}

void RunSummary::merge(RunSummary other) {
  for (auto& r : other.regions) regions.push_back(std::move(r));
  for (auto& r : other.results) results.push_back(std::move(r));
  for (auto& c : other.copies) copies.push_back(std::move(c));
  for (auto& w : other.warnings) warnings.push_back(std::move(w));
  for (auto& e : other.errors) errors.push_back(std::move(e));
  bad_input = bad_input || other.bad_input;
  for (auto& e : other.notification_errors) notification_errors.push_back(std::move(e));
  add_api_calls(api_calls, other.api_calls);
  interrupted = interrupted || other.interrupted;
}

}  // namespace snapkeep::engine
