#include "core/retention.h"

#include <date/date.h>
#include <date/iso_week.h>
#include <date/tz.h>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <numeric>

#include "util/utc_time.h"

namespace snapkeep::core {

std::string_view to_string(PointState state) {
  switch (state) {
    case PointState::good:
      return "good";
    case PointState::pending:
      return "pending";
    case PointState::errored:
      return "errored";
    case PointState::planned:
      return "planned";
  }
  return "errored";
}

PointState point_state(std::span<const SnapshotState> states) {
  bool errored = false;
  for (const auto state : states) {
    switch (state) {
      case SnapshotState::completed:
        break;
      case SnapshotState::error:
        errored = true;
        break;
      case SnapshotState::pending:
      case SnapshotState::unknown:
        // A state EC2 did not name may still turn out well: never count it
        // as good, never delete it as failed.
        return PointState::pending;
    }
  }
  return errored ? PointState::errored : PointState::good;
}

std::string format_slot(Time slot) {
  return util::format_utc_seconds(slot);
}

std::optional<Time> parse_slot(std::string_view text) {
  return util::parse_utc_seconds(text);
}

namespace {

// Calendar buckets of the bucket rules, in rule order.
enum Bucket : std::size_t { hourly, daily, weekly, monthly, yearly, bucket_count };

constexpr std::array<std::string_view, bucket_count> bucket_rule_names = {
    "hourly", "daily", "weekly", "monthly", "yearly"};
constexpr std::array<std::string_view, bucket_count> bucket_units = {"hours", "days", "weeks",
                                                                     "months", "years"};
constexpr std::array<std::string_view, bucket_count> bucket_unit = {"hour", "day", "week", "month",
                                                                    "year"};

using BucketKeys = std::array<std::int64_t, bucket_count>;

BucketKeys bucket_keys(Time t, const date::time_zone* zone) {
  using namespace std::chrono;
  const date::local_seconds local =
      zone ? zone->to_local(t) : date::local_seconds{t.time_since_epoch()};
  const auto local_day = floor<days>(local);
  const date::year_month_day ymd{local_day};
  const iso_week::year_weeknum_weekday iso{local_day};
  BucketKeys keys{};
  keys[hourly] = floor<hours>(local).time_since_epoch().count();
  keys[daily] = local_day.time_since_epoch().count();
  keys[weekly] = static_cast<std::int64_t>(static_cast<int>(iso.year())) * 100 +
                 static_cast<std::int64_t>(static_cast<unsigned>(iso.weeknum()));
  keys[monthly] = static_cast<std::int64_t>(static_cast<int>(ymd.year())) * 12 +
                  static_cast<std::int64_t>(static_cast<unsigned>(ymd.month()));
  keys[yearly] = static_cast<int>(ymd.year());
  return keys;
}

std::string ordinal(std::size_t n) {
  const auto mod100 = n % 100;
  std::string_view suffix = "th";
  if (mod100 < 11 || mod100 > 13) {
    switch (n % 10) {
      case 1:
        suffix = "st";
        break;
      case 2:
        suffix = "nd";
        break;
      case 3:
        suffix = "rd";
        break;
      default:
        break;
    }
  }
  return fmt::format("{}{}", n, suffix);
}

std::array<std::optional<int>, bucket_count> bucket_limits(const Retention& r) {
  return {r.hourly, r.daily, r.weekly, r.monthly, r.yearly};
}

}  // namespace

std::vector<PointDecision> decide_retention(std::span<const PointInfo> points,
                                            const RetentionContext& context) {
  const Retention& rules = *context.rules;
  std::vector<PointDecision> decisions(points.size());
  if (points.empty()) {
    return decisions;
  }
  // Newest slot first; within a slot, the set that came first first.
  std::vector<std::size_t> order(points.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::ranges::sort(order, [&](std::size_t a, std::size_t b) {
    const auto& pa = points[a];
    const auto& pb = points[b];
    if (pa.slot != pb.slot) {
      return pa.slot > pb.slot;
    }
    if (pa.earliest_start != pb.earliest_start) {
      return pa.earliest_start < pb.earliest_start;
    }
    return pa.set_id < pb.set_id;
  });

  // An orphan's point whose orphan_keep_days have passed: released whatever
  // the rules say.
  const auto expired = [&](const PointInfo& p) {
    return context.orphan && context.now >= p.slot + std::chrono::days{context.orphan_keep_days};
  };
  const auto orphan_expiry = [&](const PointInfo& p) {
    return fmt::format("delete: orphan_keep_days {} passed on {} ({})", context.orphan_keep_days,
                       format_slot(p.slot + std::chrono::days{context.orphan_keep_days}),
                       context.orphan_reason.empty() ? "the instance is no longer backed up"
                                                     : context.orphan_reason);
  };

  // Duplicates: the first good set of a slot is the slot's point.
  std::vector<std::size_t> goods;  // primary good points, newest first
  std::vector<bool> primary(points.size(), false);
  std::vector<bool> slot_has_good(points.size(), false);
  for (std::size_t begin = 0; begin < order.size();) {
    std::size_t end = begin;
    while (end < order.size() && points[order[end]].slot == points[order[begin]].slot) {
      ++end;
    }
    std::optional<std::size_t> first_good;
    bool real_good = false;
    for (std::size_t i = begin; i < end; ++i) {
      const auto state = points[order[i]].state;
      if (state == PointState::good || state == PointState::planned) {
        first_good = order[i];
        real_good = state == PointState::good;
        break;
      }
    }
    for (std::size_t i = begin; i < end; ++i) {
      slot_has_good[order[i]] = real_good;
    }
    if (first_good) {
      primary[*first_good] = true;
      goods.push_back(*first_good);
    }
    begin = end;
  }

  // Errored points and duplicates.
  // The newest point that is good now (a planned one is not, yet).
  std::optional<std::size_t> newest_real;
  for (const auto i : goods) {
    if (points[i].state == PointState::good) {
      newest_real = i;
      break;
    }
  }
  const bool has_good = newest_real.has_value();
  const Time newest_good = has_good ? points[*newest_real].slot : Time{};
  for (std::size_t i = 0; i < points.size(); ++i) {
    const auto& p = points[i];
    auto& d = decisions[i];
    if (primary[i]) {
      continue;
    }
    if (p.state == PointState::pending) {
      d = {true, "kept: pending (may still be in progress)"};
    } else if (p.state == PointState::good) {
      d = {false,
           fmt::format("delete: duplicate restore point for slot {} (an earlier set is kept)",
                       format_slot(p.slot))};
    } else if (slot_has_good[i]) {
      d = {false, fmt::format("delete: errored, and slot {} has a good restore point",
                              format_slot(p.slot))};
    } else if (has_good && newest_good > p.slot) {
      d = {false, fmt::format("delete: errored, and a newer good restore point exists ({})",
                              format_slot(newest_good))};
    } else if (expired(p)) {
      d = {false, orphan_expiry(p)};
    } else {
      d = {true, "kept: errored, but no newer good restore point exists yet"};
    }
  }
  if (goods.empty()) {
    return decisions;
  }
  if (rules.empty()) {
    for (const auto i : goods) {
      decisions[i] = expired(points[i])
                         ? PointDecision{false, orphan_expiry(points[i])}
                         : PointDecision{true, "kept: the policy has no retention rule"};
    }
    return decisions;
  }

  const auto limits = bucket_limits(rules);
  const bool any_bucket = std::ranges::any_of(limits, [](const auto& l) { return l.has_value(); });
  std::array<int, bucket_count> remaining{};
  std::array<int, bucket_count> used{};
  std::array<std::optional<std::int64_t>, bucket_count> last{};
  for (std::size_t b = 0; b < bucket_count; ++b) {
    remaining[b] = limits[b].value_or(0);
  }

  // Decide first, put words on it after: most points are kept, and a plan
  // does not need the words of a kept point.
  enum class Outcome : std::uint8_t { off, kept, missed, not_newest };
  for (std::size_t rank = 0; rank < goods.size(); ++rank) {
    const auto i = goods[rank];
    const auto& p = points[i];
    bool keep = false;
    bool orphan_newest_kept = false;
    const bool newest = newest_real && i == *newest_real;
    const bool past_orphan_days = expired(p);
    if (newest) {
      orphan_newest_kept = context.orphan && !past_orphan_days;
      keep = !context.orphan || orphan_newest_kept;
    }
    Outcome count = Outcome::off;
    if (rules.count) {
      count = std::cmp_less(rank, *rules.count) ? Outcome::kept : Outcome::missed;
    }
    Outcome within = Outcome::off;
    if (rules.days) {
      within =
          p.slot + std::chrono::days{*rules.days} > context.now ? Outcome::kept : Outcome::missed;
    }
    std::array<Outcome, bucket_count> bucket{};
    if (any_bucket) {
      const BucketKeys keys = bucket_keys(p.slot, context.zone);
      for (std::size_t b = 0; b < bucket_count; ++b) {
        if (!limits[b]) {
          continue;
        }
        if (remaining[b] > 0 && keys[b] != last[b]) {
          last[b] = keys[b];
          --remaining[b];
          ++used[b];
          bucket[b] = Outcome::kept;
        } else {
          bucket[b] = keys[b] == last[b] ? Outcome::not_newest : Outcome::missed;
        }
      }
    }
    keep = keep || count == Outcome::kept || within == Outcome::kept ||
           std::ranges::find(bucket, Outcome::kept) != bucket.end();
    if (past_orphan_days) {
      decisions[i] = {false, orphan_expiry(p)};
      continue;
    }
    if (keep && !context.explain_kept) {
      decisions[i] = {true, {}};
      continue;
    }

    std::string text;
    const auto add = [&text](std::string_view part) {
      if (!text.empty()) {
        text += ", ";
      }
      text += part;
    };
    const auto wanted = keep ? Outcome::kept : Outcome::missed;
    const auto shown = [&](Outcome o) {
      return keep ? o == Outcome::kept : (o == Outcome::missed || o == Outcome::not_newest);
    };
    if (keep && newest) {
      add(orphan_newest_kept
              ? fmt::format("newest good restore point of an instance no longer backed up, until "
                            "{} (orphan_keep_days {})",
                            format_slot(p.slot + std::chrono::days{context.orphan_keep_days}),
                            context.orphan_keep_days)
              : std::string("newest good restore point"));
    }
    if (count == wanted) {
      add(keep ? fmt::format("count {} of {}", rank + 1, *rules.count)
               : fmt::format("count {} ({} newest)", *rules.count, ordinal(rank + 1)));
    }
    if (within == wanted) {
      add(keep ? fmt::format("days {}", *rules.days)
               : fmt::format("days {} (older than {} days)", *rules.days, *rules.days));
    }
    for (std::size_t b = 0; b < bucket_count; ++b) {
      if (!shown(bucket[b])) {
        continue;
      }
      if (bucket[b] == Outcome::kept) {
        // The bucket's number: how many buckets this rule had used up to here.
        add(fmt::format("{} {} of {}", bucket_rule_names[b], used[b], *limits[b]));
      } else if (bucket[b] == Outcome::not_newest) {
        add(fmt::format("{} {} (not the newest of its {})", bucket_rule_names[b], *limits[b],
                        bucket_unit[b]));
      } else {
        add(fmt::format("{} {} (older than the {} newest {} with points)", bucket_rule_names[b],
                        *limits[b], *limits[b], bucket_units[b]));
      }
    }
    if (keep) {
      decisions[i] = {true, "kept: " + text};
    } else {
      decisions[i] = {false, "delete: not kept by " + text};
    }
  }
  return decisions;
}

}  // namespace snapkeep::core
