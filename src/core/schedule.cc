#include "core/schedule.h"

#include <date/date.h>
#include <date/tz.h>
#include <fmt/format.h>

#include <algorithm>
#include <exception>
#include <utility>

#include "core/schedule_cron.h"
#include "core/schedule_words.h"

namespace snapkeep::core {

namespace {

using schedule_detail::Cron;
using schedule_detail::describe_days;
using schedule_detail::describe_time;
using schedule_detail::describe_years;
using schedule_detail::kMacros;
using schedule_detail::LocalTime;
using schedule_detail::Macro;
using schedule_detail::parse_aws_cron;
using schedule_detail::parse_rate;
using schedule_detail::parse_standard_cron;
using schedule_detail::Rate;
using schedule_detail::trim;
using std::chrono::minutes;
using std::chrono::seconds;

}  // namespace

struct Schedule::Impl {
  std::string expression;
  std::string timezone;
  const date::time_zone* zone = nullptr;
  bool is_rate = false;
  Rate rate;
  Cron cron;

  // The latest multiple of the rate's period at or before t (floor division,
  // so instants before 1970 work too).
  Time rate_slot(Time t) const {
    std::int64_t p = rate.seconds;
    std::int64_t s = t.time_since_epoch().count();
    std::int64_t q = s / p - ((s % p) < 0 ? 1 : 0);
    return Time{seconds{q * p}};
  }

  // The instant a local fire time stands for, by the DST rule in schedule.h.
  Time to_instant(LocalTime l) const {
    auto info = zone->get_info(l);
    switch (info.result) {
      case date::local_info::nonexistent:
        return info.second.begin;
      case date::local_info::ambiguous:
      case date::local_info::unique:
        break;
    }
    return Time{l.time_since_epoch() - info.first.offset};
  }

  // The local wall time at t and, when t falls in the second pass of a
  // backward change, the end (exclusive) of the repeated local interval.
  struct LocalView {
    LocalTime local;
    std::optional<LocalTime> repeat_end;
  };
  LocalView view(Time t) const {
    auto info = zone->get_info(t);
    LocalView v{LocalTime{t.time_since_epoch() + info.offset}, std::nullopt};
    if (info.begin > Time{seconds{-(std::int64_t{1} << 40)}}) {
      auto before = zone->get_info(info.begin - seconds{1});
      if (before.offset > info.offset) {
        LocalTime end{info.begin.time_since_epoch() + before.offset};
        if (v.local < end) v.repeat_end = end;
      }
    }
    return v;
  }

  std::optional<Time> next_cron(Time t) const {
    LocalView v = view(t);
    LocalTime start{date::floor<minutes>(v.local) + minutes{1}};
    // Local times repeated after t's first pass already fired at their first
    // occurrence, before t.
    if (v.repeat_end) start = std::max(start, LocalTime{date::ceil<minutes>(*v.repeat_end)});
    // The DST rule is monotonic in local time, so the first candidate
    // normally answers; the loop only guards against unusual zone data.
    for (int guard = 0; guard < 1000; ++guard) {
      auto l = schedule_detail::next_local(cron, start);
      if (!l) return std::nullopt;
      Time f = to_instant(*l);
      if (f > t) return f;
      start = *l + minutes{1};
    }
    return std::nullopt;
  }

  std::optional<Time> previous_cron(Time t) const {
    LocalView v = view(t);
    LocalTime end{date::floor<minutes>(v.local)};
    if (v.repeat_end)
      end = std::max(end, LocalTime{date::floor<minutes>(*v.repeat_end - seconds{1})});
    for (int guard = 0; guard < 1000; ++guard) {
      auto l = schedule_detail::previous_local(cron, end);
      if (!l) return std::nullopt;
      Time f = to_instant(*l);
      if (f <= t) return f;
      end = *l - minutes{1};
    }
    return std::nullopt;
  }
};

snapkeep::expected<Schedule, std::string> Schedule::parse(std::string_view expression,
                                                          std::string_view timezone) {
  const date::time_zone* zone = find_time_zone(timezone);
  if (zone == nullptr) {
    return snapkeep::unexpected(fmt::format(
        "time zone '{}' is not a known IANA time zone (e.g. UTC, Europe/Berlin)", timezone));
  }
  auto impl = std::make_shared<Impl>();
  impl->expression = std::string(expression);
  impl->timezone = std::string(timezone);
  impl->zone = zone;

  std::string_view text = trim(expression);
  auto call_body = [&](std::string_view name) -> std::optional<std::string_view> {
    if (!text.starts_with(name) || text.size() < name.size() + 1 || text.back() != ')')
      return std::nullopt;
    std::string_view rest = trim(text.substr(name.size()));
    if (!rest.starts_with('(')) return std::nullopt;
    return rest.substr(1, rest.size() - 2);
  };
  if (text.empty()) {
    return snapkeep::unexpected(
        std::string("the schedule is empty: expected cron(...), rate(N unit) or a 5-field cron"));
  }
  if (auto body = call_body("rate")) {
    auto rate = parse_rate(*body);
    if (!rate) return snapkeep::unexpected(rate.error());
    impl->is_rate = true;
    impl->rate = *rate;
  } else if (auto cron_body = call_body("cron")) {
    auto cron = parse_aws_cron(*cron_body);
    if (!cron) return snapkeep::unexpected(cron.error());
    impl->cron = *cron;
  } else if (text.starts_with('@')) {
    auto it = std::find_if(kMacros.begin(), kMacros.end(),
                           [&](const Macro& m) { return m.name == text; });
    if (it == kMacros.end()) {
      return snapkeep::unexpected(fmt::format(
          "'{}' is not a known macro: expected @yearly, @annually, @monthly, @weekly, @daily, "
          "@midnight or @hourly",
          text));
    }
    auto cron = parse_standard_cron(it->cron);
    if (!cron) return snapkeep::unexpected(cron.error());
    impl->cron = *cron;
  } else if (text.starts_with("cron") || text.starts_with("rate")) {
    return snapkeep::unexpected(fmt::format(
        "'{}' is not valid: write cron(...) or rate(...) with the fields in parentheses", text));
  } else {
    auto cron = parse_standard_cron(text);
    if (!cron) return snapkeep::unexpected(cron.error());
    impl->cron = *cron;
  }
  return Schedule(std::move(impl));
}

std::optional<Time> Schedule::previous_fire(Time t) const {
  if (!m_impl) return std::nullopt;
  if (m_impl->is_rate) return m_impl->rate_slot(t);
  return m_impl->previous_cron(t);
}

std::optional<Time> Schedule::next_fire(Time t) const {
  if (!m_impl) return std::nullopt;
  if (m_impl->is_rate) return m_impl->rate_slot(t) + seconds{m_impl->rate.seconds};
  return m_impl->next_cron(t);
}

const std::string& Schedule::expression() const {
  static const std::string kEmpty;
  return m_impl ? m_impl->expression : kEmpty;
}

const std::string& Schedule::timezone() const {
  static const std::string kUtc = "UTC";
  return m_impl ? m_impl->timezone : kUtc;
}

std::string Schedule::describe() const {
  if (!m_impl) return "never";
  if (m_impl->is_rate) {
    const Rate& r = m_impl->rate;
    if (r.amount == 1) return fmt::format("every {}", r.unit);
    return fmt::format("every {} {}s", r.amount, r.unit);
  }
  const Cron& c = m_impl->cron;
  return fmt::format("{} {}{} ({})", describe_time(c), describe_days(c), describe_years(c),
                     m_impl->timezone);
}

const date::time_zone* find_time_zone(std::string_view name) {
  try {
    return date::locate_zone(name);
  } catch (const std::exception&) {
    return nullptr;
  }
}

bool is_valid_timezone(std::string_view name) {
  return find_time_zone(name) != nullptr;
}

}  // namespace snapkeep::core
