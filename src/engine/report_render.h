// `snapkeep report` as text, JSON (the stable schema of docs/output.md,
// "report") and one self-contained HTML page (inline CSS and SVG, no script,
// nothing fetched from the network; docs/report.md).
//
// Thread safety: pure functions.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/report.h"
#include "engine/summary.h"

namespace snapkeep::engine {

// What the page says about how it was made.
struct ReportMeta {
  std::string generated_at;  // wall-clock time of generation, ISO 8601 UTC
  std::string config_path;
  std::string version;
  std::map<std::string, ApiCalls> api_calls;  // by action; empty: not shown
};

nlohmann::json to_json(const core::CoverageReport& report, const ReportMeta& meta);
// A one-screen summary, then the instances (worst first), policies, regions
// and findings as aligned tables.
std::string render_text(const core::CoverageReport& report, bool verbose, const ReportMeta& meta);
std::string render_html(const core::CoverageReport& report, const ReportMeta& meta);

}  // namespace snapkeep::engine
