#include "engine/report.h"

#include "core/selection.h"
#include "engine/inventory.h"
#include "engine/parallel.h"

namespace snapkeep::engine {

void list_report_region(const aws::Ec2& ec2, const core::Config& config,
                        const std::string& account_id, core::ReportRegion& out) {
  auto& inv = out.inventory;
  inv.account_id = account_id;
  inv.region = ec2.region();
  auto instances = ec2.describe_instances(aws::DescribeInstancesRequest{});
  if (!instances) {
    out.complete = false;
    inv.instances_complete = false;
    out.problem = "listing instances failed: " + instances.error().describe();
    return;
  }
  inv.instances.reserve(instances->size());
  for (const auto& i : *instances) inv.instances.push_back(to_core(i));
  inv.absent_instances_gone = true;  // the listing was unfiltered
  if (core::needs_volume_tags(config) && !inv.instances.empty()) {
    RegionReport report;
    describe_volumes(ec2, inv, report, true);
    if (!report.complete) {
      out.complete = false;
      out.problem = report.problems.empty() ? "listing volumes failed" : report.problems.front();
      return;
    }
  }
  // The listing of `snapkeep list`, keeping the drill results aside.
  aws::DescribeSnapshotsRequest request;
  request.owners = {"self"};
  request.filters.push_back({"tag-key", {std::string(core::tag::policy)}});
  auto listed = ec2.describe_snapshots(request, [&](std::vector<aws::Ec2Snapshot>&& page) {
    for (const auto& s : page) {
      inv.snapshots.push_back(to_core(s));
      for (const auto& t : s.tags) {
        if (t.key == core::tag::drill) out.drills[s.id] = t.value;
      }
    }
  });
  if (!listed) {
    out.complete = false;
    inv.snapshots_complete = false;
    out.problem = "listing snapshots failed: " + listed.error().describe();
  }
}

ReportListing list_report_regions(const core::Config& config, const std::vector<Target>& targets,
                                  const RegionClientFactory& factory, int parallel_regions) {
  ReportListing out;
  out.regions.resize(targets.size());
  std::vector<std::map<std::string, ApiCalls>> calls(targets.size());
  run_bounded(targets.size(), parallel_regions, [&](std::size_t i) {
    auto& region = out.regions[i];
    region.inventory.account_id = targets[i].account.id;
    region.inventory.region = targets[i].region;
    auto clients = factory(targets[i]);
    if (!clients) {
      region.complete = false;
      region.problem = clients.error();
      return;
    }
    list_report_region((*clients)->ec2(), config, targets[i].account.id, region);
    calls[i] = (*clients)->api_calls();
  });
  for (const auto& per_region : calls) add_api_calls(out.api_calls, per_region);
  return out;
}

}  // namespace snapkeep::engine
