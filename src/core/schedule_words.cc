#include "core/schedule_words.h"

#include <fmt/format.h>

#include <array>
#include <string_view>
#include <vector>

namespace snapkeep::core::schedule_detail {

namespace {

constexpr std::array<std::string_view, 7> kDayWords = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                                       "Thursday", "Friday", "Saturday"};
constexpr std::array<std::string_view, 12> kMonthWords = {
    "January", "February", "March",     "April",   "May",      "June",
    "July",    "August",   "September", "October", "November", "December"};

// "1-5,10,20" style, with names where the field has them.
std::string render_set(const Bits& bits, int lo, int hi, const auto& word) {
  std::string out;
  int v = lo;
  while (v <= hi) {
    if (!bits[ix(v)]) {
      ++v;
      continue;
    }
    int end = v;
    while (end + 1 <= hi && bits[ix(end + 1)]) ++end;
    if (!out.empty()) out += ", ";
    if (end == v) {
      out += word(v);
    } else if (end == v + 1) {
      out += word(v) + ", " + word(end);
    } else {
      out += word(v) + " through " + word(end);
    }
    v = end + 1;
  }
  return out;
}

std::string ordinal(unsigned n) {
  static constexpr std::array<std::string_view, 6> kWords = {"",      "first",  "second",
                                                             "third", "fourth", "fifth"};
  return std::string(kWords.at(n));
}

std::string number_word(int v) {
  return std::to_string(v);
}

bool is_step_set(const Bits& bits, int lo, int hi, int& step) {
  if (!bits[ix(lo)]) return false;
  int second = lo + 1;
  while (second <= hi && !bits[ix(second)]) ++second;
  if (second > hi) return false;
  step = second - lo;
  if (step < 2) return false;
  for (int v = lo; v <= hi; ++v) {
    if (bits[ix(v)] != ((v - lo) % step == 0)) return false;
  }
  return true;
}

}  // namespace

std::string describe_time(const Cron& c) {
  int nmin = static_cast<int>(c.minutes.count());
  int nhour = static_cast<int>(c.hours.count());
  int first_min = 0;
  while (!c.minutes[ix(first_min)]) ++first_min;
  int first_hour = 0;
  while (!c.hours[ix(first_hour)]) ++first_hour;
  if (nmin == 1 && nhour == 1) return fmt::format("at {:02}:{:02}", first_hour, first_min);
  if (nmin == 1 && nhour <= 6) {
    std::string times;
    for (int h = 0; h < 24; ++h) {
      if (!c.hours[ix(h)]) continue;
      if (!times.empty()) times += ", ";
      times += fmt::format("{:02}:{:02}", h, first_min);
    }
    return "at " + times;
  }
  std::string minute_part;
  int step = 0;
  if (nmin == 60) {
    minute_part = "every minute";
  } else if (nmin == 1) {
    minute_part = fmt::format("at minute {}", first_min);
  } else if (is_step_set(c.minutes, first_min, 59, step) && 60 - first_min > step * 2 - 1 &&
             first_min < step) {
    minute_part = first_min == 0 ? fmt::format("every {} minutes", step)
                                 : fmt::format("every {} minutes from minute {}", step, first_min);
  } else {
    minute_part = "at minutes " + render_set(c.minutes, 0, 59, number_word);
  }
  if (nhour == 24) return minute_part + (nmin == 1 ? " of every hour" : "");
  std::string hour_part;
  if (is_step_set(c.hours, first_hour, 23, step) && first_hour < step) {
    auto suffix = [](int n) {
      if (n % 100 >= 11 && n % 100 <= 13) return "th";
      return n % 10 == 1 ? "st" : n % 10 == 2 ? "nd" : n % 10 == 3 ? "rd" : "th";
    };
    hour_part = fmt::format("every {}{} hour", step, suffix(step));
    if (first_hour > 0) hour_part += fmt::format(" from {:02}:00", first_hour);
    return minute_part + (nmin == 1 ? " of " : " in ") + hour_part;
  }
  int last_hour = 23;
  while (!c.hours[ix(last_hour)]) --last_hour;
  if (nhour == last_hour - first_hour + 1) {
    int last_min = 59;
    while (!c.minutes[ix(last_min)]) --last_min;
    return fmt::format("{} from {:02}:{:02} through {:02}:{:02}", minute_part, first_hour,
                       first_min, last_hour, last_min);
  }
  hour_part = render_set(c.hours, 0, 23, [](int h) { return fmt::format("{:02}:00", h); });
  return minute_part + " past hours " + hour_part;
}

std::string describe_days(const Cron& c) {
  auto dow_word = [](int v) { return std::string(kDayWords[ix(v)]); };
  std::vector<std::string> dom_parts;
  if (!c.dom_unrestricted) {
    if (c.dom.any()) dom_parts.push_back("day " + render_set(c.dom, 1, 31, number_word));
    if (c.dom_last) dom_parts.push_back("the last day");
    if (c.dom_last_weekday) dom_parts.push_back("the last weekday");
    if (c.dom_nearest.any()) {
      dom_parts.push_back("the weekday nearest day " +
                          render_set(c.dom_nearest, 1, 31, number_word));
    }
  }
  std::vector<std::string> dow_parts;
  if (!c.dow_unrestricted) {
    if (c.dow.any()) dow_parts.push_back(render_set(c.dow, 0, 6, dow_word));
    if (c.dow_last.any()) {
      dow_parts.push_back("the last " + render_set(c.dow_last, 0, 6, dow_word));
    }
    if (c.nth_weekday >= 0) {
      dow_parts.push_back(fmt::format("the {} {}", ordinal(c.nth), kDayWords[ix(c.nth_weekday)]));
    }
  }
  auto join_or = [](const std::vector<std::string>& parts) {
    std::string out;
    for (std::size_t i = 0; i < parts.size(); ++i) {
      if (i > 0) out += i + 1 == parts.size() ? " or " : ", ";
      out += parts[i];
    }
    return out;
  };
  std::string months =
      c.months.count() == 12
          ? "every month"
          : render_set(c.months, 1, 12, [](int m) { return std::string(kMonthWords[ix(m - 1)]); });
  bool every_month = c.months.count() == 12;
  if (dom_parts.empty() && dow_parts.empty()) {
    return every_month ? "every day" : "every day in " + months;
  }
  std::string of_months = every_month ? " of every month" : " of " + months;
  std::string dom_text = "on " + join_or(dom_parts) + of_months;
  bool dow_month_scoped = c.nth_weekday >= 0 || c.dow_last.any();
  std::string dow_text = "on " + join_or(dow_parts) +
                         (dow_month_scoped ? of_months : (every_month ? "" : " in " + months));
  if (dow_parts.empty()) return dom_text;
  if (dom_parts.empty()) return dow_text;
  if (c.or_rule) return dom_text + " or " + dow_text;
  return dom_text + " if it is " + join_or(dow_parts);
}

std::string describe_years(const Cron& c) {
  if (c.flavor == Flavor::kStandard) return "";
  const std::size_t span =
      static_cast<std::size_t>(kMaxYear) - static_cast<std::size_t>(kMinYear) + 1;
  if (c.years.count() == span) return "";
  return " in " + render_set(c.years, 0, kMaxYear - kMinYear,
                             [](int y) { return std::to_string(y + kMinYear); });
}

}  // namespace snapkeep::core::schedule_detail
