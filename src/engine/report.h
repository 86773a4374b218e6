// `snapkeep report`, the listing half: what exists in every (account,
// region), read with the fewest calls, for core::build_report.
//
// Calls per region: ceil(instances/1000) DescribeInstances without filters
// (the report covers every instance, not only the selected ones),
// ceil(volumes/500) DescribeVolumes only when a policy excludes volumes by
// tag (as a run), and ceil(own snapkeep snapshots/1000) DescribeSnapshots
// (Owner.1=self, tag-key=snapkeep:policy), the listing `snapkeep list` makes.
// Drill results (snapkeep:drill) come from the same snapshot pages. A region
// whose listing fails is reported incomplete; the others are still read.
//
// Thread safety: list_report_regions() starts and joins its own threads;
// the factory must be callable from several threads.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/report.h"
#include "engine/reconcile.h"
#include "engine/summary.h"

namespace snapkeep::engine {

struct ReportListing {
  std::vector<core::ReportRegion> regions;    // in target order
  std::map<std::string, ApiCalls> api_calls;  // by action name
};

ReportListing list_report_regions(const core::Config& config, const std::vector<Target>& targets,
                                  const RegionClientFactory& clients, int parallel_regions = 4);

// Reads one region with `ec2` into `out` (the per-region part of the above).
void list_report_region(const aws::Ec2& ec2, const core::Config& config,
                        const std::string& account_id, core::ReportRegion& out);

}  // namespace snapkeep::engine
