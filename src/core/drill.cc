#include "core/drill.h"

#include <charconv>

namespace snapkeep::core {

std::optional<DrillRecord> parse_drill(std::string_view value) {
  // "pass 2026-11-29T05:00:00Z 42" or "fail <time> <seconds> <reason...>"
  DrillRecord r;
  if (value.starts_with("pass ")) {
    r.passed = true;
  } else if (!value.starts_with("fail ")) {
    return std::nullopt;
  }
  value.remove_prefix(5);
  auto space = value.find(' ');
  auto at = parse_slot(value.substr(0, space));
  if (!at || space == std::string_view::npos) return std::nullopt;
  r.at = *at;
  value.remove_prefix(space + 1);
  space = value.find(' ');
  std::string_view seconds = value.substr(0, space);
  auto [end, ec] = std::from_chars(seconds.data(), seconds.data() + seconds.size(), r.seconds);
  if (ec != std::errc() || end != seconds.data() + seconds.size()) return std::nullopt;
  if (space != std::string_view::npos) r.reason = std::string(value.substr(space + 1));
  return r;
}

std::optional<DrillRecord> last_drill(std::span<const Candidate> candidates) {
  std::optional<DrillRecord> last;
  for (const auto& c : candidates) {
    auto r = parse_drill(c.drill);
    if (r && (!last || r->at > last->at)) last = r;
  }
  return last;
}

std::optional<Time> drill_slot(const DrillSettings& settings, Time now) {
  return settings.schedule.previous_fire(now);
}

bool drill_due(std::span<const Candidate> candidates, Time slot) {
  auto last = last_drill(candidates);
  return !last || last->at < slot;
}

}  // namespace snapkeep::core
