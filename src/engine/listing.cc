#include "engine/listing.h"

#include <fmt/format.h>

#include <algorithm>
#include <tuple>

#include "engine/inventory.h"
#include "engine/parallel.h"

namespace snapkeep::engine {

namespace {

bool wanted(const std::vector<std::string>& filter, const std::string& value) {
  return filter.empty() || std::ranges::find(filter, value) != filter.end();
}

RegionListing list_region_points(const ListOptions& options, const Target& target,
                                 const RegionClientFactory& factory,
                                 std::map<std::string, ApiCalls>& calls) {
  RegionListing out;
  out.account = target.account.id;
  out.region = target.region;
  auto clients = factory(target);
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

}  // namespace

int Listing::exit_status() const {
  return std::ranges::all_of(regions, &RegionListing::complete) ? 0 : 1;
}

Listing list_restore_points(const ListOptions& options, const RegionClientFactory& clients) {
  Listing listing;
  listing.regions.resize(options.targets.size());
  std::vector<std::map<std::string, ApiCalls>> calls(options.targets.size());
  run_bounded(options.targets.size(), options.parallel_regions, [&](std::size_t i) {
    listing.regions[i] = list_region_points(options, options.targets[i], clients, calls[i]);
  });
  std::ranges::sort(listing.regions, [](const RegionListing& a, const RegionListing& b) {
    return std::tie(a.region, a.account) < std::tie(b.region, b.account);
  });
  for (const auto& per_region : calls) add_api_calls(listing.api_calls, per_region);
  return listing;
}

}  // namespace snapkeep::engine
