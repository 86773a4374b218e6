#include "engine/listing.h"

#include <fmt/format.h>

#include <algorithm>
#include <tuple>

#include "engine/copies.h"
#include "engine/inventory.h"
#include "engine/parallel.h"

namespace snapkeep::engine {

namespace {

bool wanted(const std::vector<std::string>& filter, const std::string& value) {
  return filter.empty() || std::ranges::find(filter, value) != filter.end();
}

bool wanted(const ListOptions& options, const core::Snapshot& s) {
  return wanted(options.instances, s.tags.instance.str()) &&
         wanted(options.policies, s.tags.policy.str());
}

// What one listing found: a region's points and the copies among its
// snapshots, or a destination's copies.
struct Found {
  std::vector<core::Snapshot> copies;  // carrying snapkeep:copy-of, filtered
  std::map<std::string, ApiCalls> calls;
};

RegionListing list_region_points(const ListOptions& options, const Target& target,
                                 AwsAccess& access, Found& found) {
  RegionListing out;
  out.account = target.account.id;
  out.region = target.region;
  auto clients = access.region_clients(target);
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
          core::Snapshot snap = to_core(s);
          // Copies made here from other regions are shown with their sources.
          auto& into = snap.tags.copy_of.empty() ? snapshots : found.copies;
          into.push_back(std::move(snap));
          for (const auto& t : s.tags) {
            if (t.key == core::tag::drill) drills[s.id] = t.value;
          }
        }
      });
  found.calls = (*clients)->api_calls();
  if (!listed) {
    out.complete = false;
    out.problem = "listing snapshots failed: " + listed.error().describe();
    found.copies.clear();
    return out;
  }
  std::erase_if(found.copies, [&](const core::Snapshot& s) { return !wanted(options, s); });
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

// A destination's copies (engine::list_copies).
void list_destination(const ListOptions& options, const Target& target, AwsAccess& access,
                      CopyRegionListing& out, Found& found) {
  auto clients = access.region_clients(target);
  if (!clients) {
    out.complete = false;
    out.problem = fmt::format("copies at {}: {}", target.region, clients.error());
    return;
  }
  std::vector<std::string> problems;
  core::RegionInventory copies =
      list_copies((*clients)->ec2(), target.account.id, problems, nullptr);
  found.calls = (*clients)->api_calls();
  if (!copies.snapshots_complete) {
    out.complete = false;
    out.problem = problems.empty() ? "listing copies at " + target.region + " failed"
                                   : problems.front();  // names the region
    return;
  }
  for (auto& s : copies.snapshots) {
    if (wanted(options, s)) found.copies.push_back(std::move(s));
  }
}

}  // namespace

int Listing::exit_status() const {
  return std::ranges::all_of(regions, &RegionListing::complete) &&
                 std::ranges::all_of(copy_regions, &CopyRegionListing::complete)
             ? 0
             : 1;
}

std::vector<Target> copy_destinations(const core::Config& config,
                                      const std::vector<Target>& sources,
                                      const std::vector<std::string>& policies) {
  std::vector<Target> out;
  auto add = [&](Target t) {
    if (std::ranges::find(sources, t) == sources.end() && std::ranges::find(out, t) == out.end()) {
      out.push_back(std::move(t));
    }
  };
  for (const auto& policy : config.policies) {
    if (!wanted(policies, policy.name)) continue;
    for (const auto& copy : policy.copies) {
      if (copy.role_arn) {
        Account vault;  // its id is learnt when listed
        vault.role_arn = *copy.role_arn;
        add(Target{vault, copy.region});
        continue;
      }
      for (const auto& source : sources) {
        if (copy.region != source.region) add(Target{source.account, copy.region});
      }
    }
  }
  return out;
}

Listing list_restore_points(const ListOptions& options, AwsAccess& access) {
  Listing listing;
  std::vector<Target> destinations;
  if (options.config != nullptr) {
    destinations = copy_destinations(*options.config, options.targets, options.policies);
  }
  // The ids of the accounts copies go to with a role, learnt here: the
  // listing and the copies' snapkeep:copy-of name accounts by id.
  std::vector<CopyRegionListing> copy_regions(destinations.size());
  std::vector<bool> skip(destinations.size(), false);
  std::map<std::string, aws::Result<std::string>> role_ids;
  for (std::size_t i = 0; i < destinations.size(); ++i) {
    Target& d = destinations[i];
    CopyRegionListing& c = copy_regions[i];
    c.region = d.region;
    c.role_arn = d.account.role_arn;
    if (!d.account.role_arn.empty() && d.account.id.empty()) {
      auto known = role_ids.find(d.account.role_arn);
      if (known == role_ids.end()) {
        known = role_ids.emplace(d.account.role_arn, access.account_id(d.account, d.region)).first;
      }
      if (!known->second) {
        c.complete = false;
        c.problem = fmt::format("copies at {}: the account of role {} could not be learnt: {}",
                                d.region, d.account.role_arn, known->second.error().describe());
        skip[i] = true;
        continue;
      }
      d.account.id = *known->second;
      // A listed region of that account (its copies are in its own listing),
      // or a destination already listed under another role.
      const auto same = [&](const Target& t) {
        return t.account.id == d.account.id && t.region == d.region;
      };
      skip[i] =
          std::ranges::any_of(options.targets, same) ||
          std::any_of(destinations.begin(), destinations.begin() + static_cast<long>(i), same);
    }
    c.account = d.account.id;
  }

  const std::size_t sources = options.targets.size();
  listing.regions.resize(sources);
  std::vector<Found> found(sources + destinations.size());
  run_bounded(sources + destinations.size(), options.parallel_regions, [&](std::size_t i) {
    if (i < sources) {
      listing.regions[i] = list_region_points(options, options.targets[i], access, found[i]);
    } else if (!skip[i - sources] && copy_regions[i - sources].complete) {
      list_destination(options, destinations[i - sources], access, copy_regions[i - sources],
                       found[i]);
    }
  });

  std::vector<core::SourcePoints> points;
  std::vector<core::ListedCopies> copies;
  for (std::size_t i = 0; i < sources; ++i) {
    RegionListing& r = listing.regions[i];
    points.push_back({r.account, r.region, r.complete, &r.points});
    copies.push_back({r.account, r.region, found[i].copies, true});
  }
  for (std::size_t i = 0; i < destinations.size(); ++i) {
    if (skip[i] && copy_regions[i].complete) continue;
    copies.push_back(
        {copy_regions[i].account, copy_regions[i].region, found[sources + i].copies, false});
    listing.copy_regions.push_back(std::move(copy_regions[i]));
  }
  listing.copies_without_source = core::match_copies(points, copies);

  std::ranges::sort(listing.regions, [](const RegionListing& a, const RegionListing& b) {
    return std::tie(a.region, a.account) < std::tie(b.region, b.account);
  });
  std::ranges::sort(listing.copy_regions,
                    [](const CopyRegionListing& a, const CopyRegionListing& b) {
                      return std::tie(a.region, a.account) < std::tie(b.region, b.account);
                    });
  for (const auto& f : found) add_api_calls(listing.api_calls, f.calls);
  return listing;
}

}  // namespace snapkeep::engine
