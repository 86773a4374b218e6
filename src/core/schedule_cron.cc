#include "core/schedule_cron.h"

#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <utility>
#include <vector>

namespace snapkeep::core::schedule_detail {

namespace {

using std::chrono::days;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

constexpr std::array<std::string_view, 12> kMonthNames = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                                          "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
constexpr std::array<std::string_view, 7> kDayNames = {"SUN", "MON", "TUE", "WED",
                                                       "THU", "FRI", "SAT"};

}  // namespace

unsigned last_day_of(int y, unsigned m) {
  return static_cast<unsigned>(
      date::year_month_day_last{date::year{y}, date::month_day_last{date::month{m}}}.day());
}

// Sunday = 0 ... Saturday = 6.
unsigned weekday_of(int y, unsigned m, unsigned d) {
  return date::weekday{date::year_month_day{date::year{y}, date::month{m}, date::day{d}}}
      .c_encoding();
}

// The weekday nearest day `n` of the month, never leaving the month (the W
// rule): a Saturday moves to Friday unless that is in the previous month, a
// Sunday to Monday unless that is in the next month.
unsigned nearest_weekday(int y, unsigned m, unsigned n) {
  unsigned last = last_day_of(y, m);
  unsigned wd = weekday_of(y, m, n);
  if (wd == 6) return n == 1 ? 3 : n - 1;
  if (wd == 0) return n == last ? n - 2 : n + 1;
  return n;
}

unsigned last_weekday(int y, unsigned m) {
  unsigned last = last_day_of(y, m);
  unsigned wd = weekday_of(y, m, last);
  if (wd == 6) return last - 1;
  if (wd == 0) return last - 2;
  return last;
}

namespace {

struct Fields {
  int y;
  unsigned mo, d;
  int h, mi;
};

Fields split(LocalTime t) {
  auto day = date::floor<days>(t);
  date::year_month_day ymd{day};
  auto tod = t - day;
  return {static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
          static_cast<unsigned>(ymd.day()), static_cast<int>(tod / hours{1}),
          static_cast<int>((tod % hours{1}) / minutes{1})};
}

LocalTime join(int y, unsigned mo, unsigned d, int h, int mi) {
  return LocalTime{date::local_days{date::year{y} / date::month{mo} / date::day{d}}} + hours{h} +
         minutes{mi};
}

}  // namespace

// Earliest local minute >= start (minute-aligned) that the cron names,
// searching field by field from years down to minutes.
std::optional<LocalTime> next_local(const Cron& c, LocalTime start) {
  Fields s = split(start);
  for (int y = std::max(s.y, c.min_year(s.y)); y <= c.max_year(s.y); ++y) {
    if (!c.year_matches(y)) continue;
    bool sy = y == s.y;
    for (unsigned mo = sy ? s.mo : 1; mo <= 12; ++mo) {
      if (!c.months[mo]) continue;
      bool sm = sy && mo == s.mo;
      unsigned last = last_day_of(y, mo);
      for (unsigned d = sm ? s.d : 1; d <= last; ++d) {
        if (!c.day_matches(y, mo, d)) continue;
        bool sd = sm && d == s.d;
        for (int h = sd ? s.h : 0; h < 24; ++h) {
          if (!c.hours[ix(h)]) continue;
          bool sh = sd && h == s.h;
          for (int mi = sh ? s.mi : 0; mi < 60; ++mi) {
            if (c.minutes[ix(mi)]) return join(y, mo, d, h, mi);
          }
        }
      }
    }
  }
  return std::nullopt;
}

// Latest local minute <= end (minute-aligned) that the cron names.
std::optional<LocalTime> previous_local(const Cron& c, LocalTime end) {
  Fields s = split(end);
  for (int y = std::min(s.y, c.max_year(s.y)); y >= c.min_year(s.y); --y) {
    if (!c.year_matches(y)) continue;
    bool sy = y == s.y;
    for (unsigned mo = sy ? s.mo : 12; mo >= 1; --mo) {
      if (!c.months[mo]) continue;
      bool sm = sy && mo == s.mo;
      for (unsigned d = sm ? s.d : last_day_of(y, mo); d >= 1; --d) {
        if (!c.day_matches(y, mo, d)) continue;
        bool sd = sm && d == s.d;
        for (int h = sd ? s.h : 23; h >= 0; --h) {
          if (!c.hours[ix(h)]) continue;
          bool sh = sd && h == s.h;
          for (int mi = sh ? s.mi : 59; mi >= 0; --mi) {
            if (c.minutes[ix(mi)]) return join(y, mo, d, h, mi);
          }
        }
      }
    }
  }
  return std::nullopt;
}

namespace {

// ---------------------------------------------------------------------------
// Parsing

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& ch : out) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return out;
}

std::vector<std::string_view> split_on(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  std::size_t begin = 0;
  while (true) {
    std::size_t pos = s.find(sep, begin);
    parts.push_back(s.substr(begin, pos == std::string_view::npos ? pos : pos - begin));
    if (pos == std::string_view::npos) return parts;
    begin = pos + 1;
  }
}

std::vector<std::string_view> split_ws(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    std::size_t j = i;
    while (j < s.size() && !std::isspace(static_cast<unsigned char>(s[j]))) ++j;
    if (j > i) out.push_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

std::optional<int> parse_int(std::string_view s) {
  if (s.empty() || s.size() > 6) return std::nullopt;
  int v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

struct FieldSpec {
  std::string_view name;
  int lo, hi;
  // Names accepted for values lo, lo+1, ... (months, days of week).
  const std::array<std::string_view, 12>* month_names = nullptr;
  const std::array<std::string_view, 7>* day_names = nullptr;
  int name_base = 0;      // value of the first name
  std::string_view note;  // appended to range errors, e.g. " (1 = Sunday)"
  int bit_offset = 0;     // value v sets bit v - bit_offset
};

using ParseResult = snapkeep::expected<void, std::string>;

class FieldParser {
 public:
  FieldParser(std::string_view prefix, const FieldSpec& spec) : m_prefix(prefix), m_spec(spec) {}

  std::string error(std::string_view token, std::string_view what) const {
    return fmt::format("{} {} '{}' {}", m_prefix, m_spec.name, token, what);
  }
  std::string range_error(std::string_view token) const {
    return error(token, fmt::format("is out of range {}-{}{}", m_spec.lo, m_spec.hi, m_spec.note));
  }

  // A single value: a number or (where the field has them) a name.
  snapkeep::expected<int, std::string> value(std::string_view token) const {
    if (auto v = parse_int(token)) {
      if (*v < m_spec.lo || *v > m_spec.hi) return snapkeep::unexpected(range_error(token));
      return *v;
    }
    std::string up = upper(token);
    if (m_spec.month_names != nullptr) {
      for (std::size_t i = 0; i < m_spec.month_names->size(); ++i) {
        if ((*m_spec.month_names)[i] == up) return m_spec.name_base + static_cast<int>(i);
      }
    }
    if (m_spec.day_names != nullptr) {
      for (std::size_t i = 0; i < m_spec.day_names->size(); ++i) {
        if ((*m_spec.day_names)[i] == up) return m_spec.name_base + static_cast<int>(i);
      }
    }
    std::string allowed = fmt::format("a number {}-{}", m_spec.lo, m_spec.hi);
    if (m_spec.month_names != nullptr) allowed += " or JAN-DEC";
    if (m_spec.day_names != nullptr) allowed += " or SUN-SAT";
    return snapkeep::unexpected(error(token, fmt::format("is not valid: expected {}", allowed)));
  }

  // One list item without L/W/#: '*', 'a', 'a-b', with an optional '/step'.
  ParseResult item(std::string_view token, Bits& bits, bool& starts_with_star) const {
    std::string_view base = token;
    int step = 1;
    bool stepped = false;
    if (auto slash = token.find('/'); slash != std::string_view::npos) {
      base = token.substr(0, slash);
      std::string_view step_text = token.substr(slash + 1);
      auto s = parse_int(step_text);
      if (!s || *s < 1) {
        return snapkeep::unexpected(error(
            token, fmt::format("has an invalid step '{}': expected a positive number", step_text)));
      }
      step = *s;
      stepped = true;
    }
    int lo = 0;
    int hi = 0;
    if (base == "*") {
      lo = m_spec.lo;
      hi = m_spec.hi;
      starts_with_star = true;
    } else if (auto dash = base.find('-'); dash != std::string_view::npos && dash > 0) {
      auto a = value(base.substr(0, dash));
      if (!a) return snapkeep::unexpected(a.error());
      auto b = value(base.substr(dash + 1));
      if (!b) return snapkeep::unexpected(b.error());
      // Standard cron's SAT-SUN: Sunday closes a range as 7.
      int end = *b;
      if (end == 0 && m_spec.hi == 7 && *a > 0) end = 7;
      if (*a > end) {
        return snapkeep::unexpected(
            error(token, fmt::format("is a reversed range: {} is after {}", base.substr(0, dash),
                                     base.substr(dash + 1))));
      }
      lo = *a;
      hi = end;
    } else {
      if (base.empty()) return snapkeep::unexpected(error(token, "is missing a value"));
      auto a = value(base);
      if (!a) return snapkeep::unexpected(a.error());
      lo = *a;
      // 'a/step' runs from a to the end of the field.
      hi = stepped ? m_spec.hi : *a;
    }
    for (int v = lo; v <= hi; v += step) bits[ix(v - m_spec.bit_offset)] = true;
    return {};
  }

  const FieldSpec& spec() const { return m_spec; }

 private:
  std::string_view m_prefix;
  const FieldSpec& m_spec;
};

const FieldSpec kMinuteSpec{"minute", 0, 59, nullptr, nullptr, 0, "", 0};
const FieldSpec kHourSpec{"hour", 0, 23, nullptr, nullptr, 0, "", 0};
const FieldSpec kDomSpec{"day-of-month", 1, 31, nullptr, nullptr, 0, "", 0};
const FieldSpec kMonthSpec{"month", 1, 12, &kMonthNames, nullptr, 1, "", 0};
const FieldSpec kAwsDowSpec{"day-of-week", 1, 7, nullptr, &kDayNames, 1, " (1 = Sunday)", 0};
const FieldSpec kStdDowSpec{"day-of-week", 0, 7, nullptr, &kDayNames, 0, " (0 and 7 = Sunday)", 0};
const FieldSpec kYearSpec{"year", kMinYear, kMaxYear, nullptr, nullptr, 0, "", kMinYear};

// A plain field: a comma-separated list of items.
ParseResult parse_plain(const FieldParser& p, std::string_view text, Bits& bits,
                        bool* starts_with_star = nullptr) {
  bool star = false;
  bool first = true;
  for (std::string_view item : split_on(text, ',')) {
    if (item.empty()) return snapkeep::unexpected(p.error(text, "has an empty list item"));
    bool item_star = false;
    if (auto r = p.item(item, bits, item_star); !r) return r;
    if (first) star = item_star;
    first = false;
  }
  if (starts_with_star != nullptr) *starts_with_star = star;
  return {};
}

ParseResult parse_aws_dom(const FieldParser& p, std::string_view text, Cron& c) {
  for (std::string_view item : split_on(text, ',')) {
    if (item.empty()) return snapkeep::unexpected(p.error(text, "has an empty list item"));
    std::string up = upper(item);
    if (up == "L") {
      c.dom_last = true;
    } else if (up == "LW") {
      c.dom_last_weekday = true;
    } else if (up.size() > 1 && up.back() == 'W') {
      std::string_view day = item.substr(0, item.size() - 1);
      auto v = p.value(day);
      if (!v || day.find_first_not_of("0123456789") != std::string_view::npos) {
        return snapkeep::unexpected(
            p.error(item, "is not valid: 'W' follows a single day 1-31, as in 15W, or L (LW)"));
      }
      c.dom_nearest[ix(*v)] = true;
    } else if (up.front() == 'L') {
      return snapkeep::unexpected(
          p.error(item, "is not valid: AWS cron allows only L (last day) or LW (last weekday)"));
    } else {
      bool star = false;
      if (auto r = p.item(item, c.dom, star); !r) return r;
    }
  }
  return {};
}

// AWS day-of-week: values 1-7 (1 = Sunday) or names; nL, L alone (Saturday,
// the last day of the week) and n#k, which must stand alone in the field.
ParseResult parse_aws_dow(const FieldParser& p, std::string_view text, Cron& c) {
  auto items = split_on(text, ',');
  for (std::string_view item : items) {
    if (item.empty()) return snapkeep::unexpected(p.error(text, "has an empty list item"));
    std::string up = upper(item);
    if (auto hash = item.find('#'); hash != std::string_view::npos) {
      if (items.size() > 1) {
        return snapkeep::unexpected(p.error(
            text, "is not valid: a '#' item must be the only item in day-of-week, as in 6#3"));
      }
      auto d = p.value(item.substr(0, hash));
      if (!d) return snapkeep::unexpected(d.error());
      auto k = parse_int(item.substr(hash + 1));
      if (!k || *k < 1 || *k > 5) {
        return snapkeep::unexpected(
            p.error(item, fmt::format("has an invalid occurrence '{}': expected 1-5 after '#'",
                                      item.substr(hash + 1))));
      }
      c.nth_weekday = *d - 1;
      c.nth = static_cast<unsigned>(*k);
    } else if (up == "L") {
      c.dow[6] = true;
    } else if (up.size() > 1 && up.back() == 'L') {
      auto d = p.value(item.substr(0, item.size() - 1));
      if (!d) return snapkeep::unexpected(d.error());
      c.dow_last[ix(*d - 1)] = true;
    } else {
      Bits bits;
      bool star = false;
      if (auto r = p.item(item, bits, star); !r) return r;
      for (int v = 1; v <= 7; ++v) {
        if (bits[ix(v)]) c.dow[ix(v - 1)] = true;
      }
    }
  }
  return {};
}

Bits all_values(int lo, int hi) {
  Bits b;
  for (int v = lo; v <= hi; ++v) b[ix(v)] = true;
  return b;
}

}  // namespace

snapkeep::expected<Cron, std::string> parse_aws_cron(std::string_view body) {
  constexpr std::string_view kPrefix = "cron";
  auto fields = split_ws(body);
  if (fields.size() != 6) {
    return snapkeep::unexpected(fmt::format(
        "cron(...) needs 6 fields (minute hour day-of-month month day-of-week year), got {}",
        fields.size()));
  }
  Cron c;
  c.flavor = Flavor::kAws;
  if (auto r = parse_plain(FieldParser(kPrefix, kMinuteSpec), fields[0], c.minutes); !r)
    return snapkeep::unexpected(r.error());
  if (auto r = parse_plain(FieldParser(kPrefix, kHourSpec), fields[1], c.hours); !r)
    return snapkeep::unexpected(r.error());
  if (auto r = parse_plain(FieldParser(kPrefix, kMonthSpec), fields[3], c.months); !r)
    return snapkeep::unexpected(r.error());
  if (fields[5] == "*") {
    c.years = all_values(0, kMaxYear - kMinYear);
  } else {
    if (auto r = parse_plain(FieldParser(kPrefix, kYearSpec), fields[5], c.years); !r)
      return snapkeep::unexpected(r.error());
  }
  bool dom_q = fields[2] == "?";
  bool dow_q = fields[4] == "?";
  if (dom_q == dow_q) {
    return snapkeep::unexpected(std::string(
        dom_q ? "cron day-of-month and day-of-week are both '?': exactly one of them must be '?'"
              : "cron day-of-month and day-of-week are both set: exactly one of them must be '?'"));
  }
  if (dom_q) {
    c.dom = all_values(1, 31);
    c.dom_unrestricted = true;
    if (auto r = parse_aws_dow(FieldParser(kPrefix, kAwsDowSpec), fields[4], c); !r)
      return snapkeep::unexpected(r.error());
    c.dow_unrestricted = fields[4] == "*";
  } else {
    c.dow = all_values(0, 6);
    c.dow_unrestricted = true;
    if (auto r = parse_aws_dom(FieldParser(kPrefix, kDomSpec), fields[2], c); !r)
      return snapkeep::unexpected(r.error());
    c.dom_unrestricted = fields[2] == "*";
  }
  return c;
}

snapkeep::expected<Cron, std::string> parse_standard_cron(std::string_view text) {
  constexpr std::string_view kPrefix = "cron";
  auto fields = split_ws(text);
  if (fields.size() != 5) {
    return snapkeep::unexpected(fmt::format(
        "'{}' is not a schedule: expected cron(min hour day-of-month month day-of-week year), "
        "rate(N unit), a 5-field cron 'min hour day-of-month month day-of-week' or @daily-style "
        "macro",
        text));
  }
  for (std::string_view f : fields) {
    for (std::string_view item : split_on(f, ',')) {
      std::string up = upper(item);
      bool aws_only = up.find_first_of("?#") != std::string::npos ||
                      ((up.ends_with('L') || up.ends_with('W')) &&
                       up.find_first_not_of("0123456789LW") == std::string::npos);
      if (aws_only) {
        return snapkeep::unexpected(fmt::format(
            "5-field cron item '{}' is not valid: '?', 'L', 'W' and '#' are only allowed in AWS "
            "cron(...) expressions",
            item));
      }
    }
  }
  Cron c;
  c.flavor = Flavor::kStandard;
  c.years = all_values(0, kMaxYear - kMinYear);
  if (auto r = parse_plain(FieldParser(kPrefix, kMinuteSpec), fields[0], c.minutes); !r)
    return snapkeep::unexpected(r.error());
  if (auto r = parse_plain(FieldParser(kPrefix, kHourSpec), fields[1], c.hours); !r)
    return snapkeep::unexpected(r.error());
  bool dom_star = false;
  if (auto r = parse_plain(FieldParser(kPrefix, kDomSpec), fields[2], c.dom, &dom_star); !r)
    return snapkeep::unexpected(r.error());
  if (auto r = parse_plain(FieldParser(kPrefix, kMonthSpec), fields[3], c.months); !r)
    return snapkeep::unexpected(r.error());
  Bits dow;
  bool dow_star = false;
  if (auto r = parse_plain(FieldParser(kPrefix, kStdDowSpec), fields[4], dow, &dow_star); !r)
    return snapkeep::unexpected(r.error());
  for (int v = 0; v <= 7; ++v) {
    if (dow[ix(v)]) c.dow[ix(v % 7)] = true;
  }
  // The classic (Vixie) rule: a day field starting with '*' does not
  // restrict; when both are restricted either may match.
  c.or_rule = !dom_star && !dow_star;
  c.dom_unrestricted = fields[2] == "*";
  c.dow_unrestricted = fields[4] == "*";
  return c;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

snapkeep::expected<Rate, std::string> parse_rate(std::string_view body) {
  auto parts = split_ws(body);
  if (parts.size() != 2) {
    return snapkeep::unexpected(
        fmt::format("rate({}) is not valid: expected rate(N unit), e.g. rate(12 hours)", body));
  }
  std::int64_t n = 0;
  auto [ptr, ec] = std::from_chars(parts[0].data(), parts[0].data() + parts[0].size(), n);
  if (ec != std::errc{} || ptr != parts[0].data() + parts[0].size() || n < 1 || n > 1'000'000'000) {
    return snapkeep::unexpected(
        fmt::format("rate value '{}' is not valid: expected a positive whole number", parts[0]));
  }
  static constexpr std::array<std::pair<std::string_view, std::int64_t>, 3> kUnits = {
      {{"minute", 60}, {"hour", 3600}, {"day", 86400}}};
  std::string_view unit = parts[1];
  for (auto [name, secs] : kUnits) {
    bool singular = unit == name;
    bool plural = unit.size() == name.size() + 1 && unit.starts_with(name) && unit.back() == 's';
    if (!singular && !plural) continue;
    // AWS rejects rate(1 hours) and rate(5 hour); so does snapkeep, so that
    // a schedule written here is also valid in EventBridge.
    if (n == 1 && plural) {
      return snapkeep::unexpected(
          fmt::format("rate unit '{}' must be singular for a value of 1: rate(1 {})", unit, name));
    }
    if (n > 1 && singular) {
      return snapkeep::unexpected(fmt::format(
          "rate unit '{}' must be plural for a value above 1: rate({} {}s)", unit, n, name));
    }
    return Rate{n, name, n * secs};
  }
  return snapkeep::unexpected(
      fmt::format("rate unit '{}' is not valid: expected minute(s), hour(s) or day(s)", unit));
}

}  // namespace snapkeep::core::schedule_detail
