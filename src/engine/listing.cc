#include "engine/listing.h"

#include <date/date.h>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <optional>
#include <set>

#include "core/drill.h"
#include "engine/inventory.h"
#include "engine/parallel.h"

namespace snapkeep::engine {

namespace {

bool wanted(const std::vector<std::string>& filter, const std::string& value) {
  return filter.empty() || std::ranges::find(filter, value) != filter.end();
}

RegionListing list_region_points(const ListOptions& options, const std::string& region,
                                 const RegionClientFactory& factory,
                                 std::map<std::string, ApiCalls>& calls) {
  RegionListing out;
  out.region = region;
  auto clients = factory(region);
  if (!clients) {
    out.complete = false;
    out.problem = clients.error();
    return out;
  }
  // One listing, as a run's (list_own_snapshots), keeping the drill results
  // aside: the core's snapshots carry only the tags the planner reads.
  aws::DescribeSnapshotsRequest request;
  request.owners = {"self"};
  request.filters.push_back({"tag-key", {std::string(core::tag::policy)}});
  std::vector<core::Snapshot> snapshots;
  std::map<std::string, std::string> drills;  // snapshot id -> snapkeep:drill
  auto listed =
      (*clients)->ec2().describe_snapshots(request, [&](std::vector<aws::Ec2Snapshot>&& page) {
        for (const auto& s : page) {
          snapshots.push_back(to_core(s));
          for (const auto& t : s.tags) {
            if (t.key == core::tag::drill) drills[s.id] = t.value;
          }
        }
      });
  calls = (*clients)->api_calls();
  if (!listed) {
    out.complete = false;
    out.problem = "listing snapshots failed: " + listed.error().describe();
    return out;
  }
  for (const auto& s : snapshots) {
    if (!s.owner_id.empty()) {
      out.account = s.owner_id.str();
      break;
    }
  }
  for (auto& point : core::group_restore_points(snapshots)) {
    for (const auto& s : point.snapshots) {
      if (auto it = drills.find(s.snapshot_id); it != drills.end()) point.drill = it->second;
    }
    if (wanted(options.instances, point.instance_id) && wanted(options.policies, point.policy)) {
      out.points.push_back(std::move(point));
    }
  }
  return out;
}

std::optional<std::int64_t> age_seconds(const core::RestorePoint& point, core::Time now) {
  if (!point.slot_time) return std::nullopt;
  return (now - *point.slot_time).count();
}

std::string volumes_text(const core::RestorePoint& point) {
  std::vector<std::string> devices;
  for (const auto& s : point.snapshots)
    devices.push_back(s.device.empty() ? s.volume_id : s.device);
  return fmt::format("{} ({})", point.snapshots.size(), fmt::join(devices, ","));
}

// The point's state, and its last drill when there was one ("good, drill pass 42s").
std::string state_text(const core::RestorePoint& p) {
  std::string text(core::to_string(p.state));
  if (auto drill = core::parse_drill(p.drill)) {
    text += fmt::format(", drill {} {}s", drill->passed ? "pass" : "FAIL", drill->seconds);
  }
  return text;
}

nlohmann::json drill_json(const std::string& value) {
  auto drill = core::parse_drill(value);
  if (!drill) return nullptr;
  return {{"result", drill->passed ? "pass" : "fail"},
          {"at", core::format_slot(drill->at)},
          {"seconds", drill->seconds},
          {"reason", drill->reason}};
}

}  // namespace

int Listing::exit_status() const {
  return std::ranges::all_of(regions, &RegionListing::complete) ? 0 : 1;
}

Listing list_restore_points(const ListOptions& options, const RegionClientFactory& clients) {
  Listing listing;
  listing.regions.resize(options.regions.size());
  std::vector<std::map<std::string, ApiCalls>> calls(options.regions.size());
  run_bounded(options.regions.size(), options.parallel_regions, [&](std::size_t i) {
    listing.regions[i] = list_region_points(options, options.regions[i], clients, calls[i]);
  });
  std::ranges::sort(listing.regions, {}, &RegionListing::region);
  for (const auto& per_region : calls) add_api_calls(listing.api_calls, per_region);
  return listing;
}

std::string format_age(std::chrono::seconds age) {
  using namespace std::chrono;
  const bool future = age < seconds{0};
  const auto a = future ? -age : age;
  const auto d = duration_cast<days>(a);
  const auto h = duration_cast<hours>(a - d);
  const auto m = duration_cast<minutes>(a - d - h);
  std::string text;
  if (d.count() > 0) {
    text = fmt::format("{}d {}h", d.count(), h.count());
  } else if (h.count() > 0) {
    text = fmt::format("{}h {}m", h.count(), m.count());
  } else {
    text = fmt::format("{}m", m.count());
  }
  return future ? "in " + text : text;
}

nlohmann::json to_json(const Listing& listing, core::Time now) {
  using nlohmann::json;
  json regions = json::array();
  json points = json::array();
  for (const auto& r : listing.regions) {
    json region = {{"account", r.account}, {"region", r.region}, {"complete", r.complete}};
    if (!r.complete) region["problem"] = r.problem;
    regions.push_back(std::move(region));
    for (const auto& p : r.points) {
      json snapshots = json::array();
      for (const auto& s : p.snapshots) {
        snapshots.push_back({{"snapshot_id", s.snapshot_id},
                             {"volume_id", s.volume_id},
                             {"device", s.device},
                             {"state", core::to_string(s.state)},
                             {"size_gib", s.size_gib}});
      }
      auto age = age_seconds(p, now);
      points.push_back({{"account", r.account},
                        {"region", r.region},
                        {"policy", p.policy},
                        {"instance_id", p.instance_id},
                        {"slot", p.slot},
                        {"set_id", p.set_id},
                        {"state", core::to_string(p.state)},
                        {"age_seconds", age ? json(*age) : json(nullptr)},
                        {"size_gib", p.size_gib()},
                        {"last_drill", drill_json(p.drill)},
                        {"snapshots", std::move(snapshots)}});
    }
  }
  return {{"now", date::format("%Y-%m-%dT%H:%M:%SZ", now)},
          {"exit_status", listing.exit_status()},
          {"regions", std::move(regions)},
          {"restore_points", std::move(points)}};
}

std::string render_text(const Listing& listing, core::Time now) {
  using Row = std::array<std::string, 8>;
  std::vector<Row> rows;
  rows.push_back({"REGION", "POLICY", "INSTANCE", "SLOT", "AGE", "VOLUMES", "STATE", "SIZE"});
  std::set<std::pair<std::string, std::string>> instances;
  for (const auto& r : listing.regions) {
    for (const auto& p : r.points) {
      auto age = age_seconds(p, now);
      rows.push_back({r.region, p.policy, p.instance_id, p.slot,
                      age ? format_age(std::chrono::seconds{*age}) : "?", volumes_text(p),
                      state_text(p), fmt::format("{} GiB", p.size_gib())});
      instances.emplace(r.region, p.instance_id);
    }
  }
  std::string out;
  if (rows.size() > 1) {
    std::array<std::size_t, 8> width{};
    for (const auto& row : rows) {
      for (std::size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
    }
    for (const auto& row : rows) {
      std::string line;
      for (std::size_t c = 0; c < row.size(); ++c) {
        // Size is a number: right-aligned; the last column needs no padding.
        if (c == 7) {
          line += fmt::format("{:>{}}", row[c], width[c]);
        } else {
          line += fmt::format("{:<{}}  ", row[c], width[c]);
        }
      }
      out += line + "\n";
    }
  }
  std::size_t complete = 0;
  for (const auto& r : listing.regions) complete += r.complete ? 1 : 0;
  out += fmt::format("{} restore point{} of {} instance{} in {} region{}", rows.size() - 1,
                     rows.size() == 2 ? "" : "s", instances.size(),
                     instances.size() == 1 ? "" : "s", complete, complete == 1 ? "" : "s");
  if (complete < listing.regions.size()) {
    out += fmt::format(" ({} region{} could not be listed)", listing.regions.size() - complete,
                       listing.regions.size() - complete == 1 ? "" : "s");
  }
  out += "\n";
  return out;
}

}  // namespace snapkeep::engine
