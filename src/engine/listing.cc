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
  auto snapshots = list_own_snapshots((*clients)->ec2());
  calls = (*clients)->api_calls();
  if (!snapshots) {
    out.complete = false;
    out.problem = "listing snapshots failed: " + snapshots.error().describe();
    return out;
  }
  for (auto& point : core::group_restore_points(*snapshots)) {
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
