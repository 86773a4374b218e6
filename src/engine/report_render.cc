#include "engine/report_render.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <set>

#include "core/selection.h"
#include "engine/render.h"

namespace snapkeep::engine {

namespace {

using core::CoverageReport;
using core::CoverageStatus;
using core::Finding;
using core::InstanceReport;

nlohmann::json optional_slot(const std::optional<core::Time>& t) {
  return t ? nlohmann::json(core::format_slot(*t)) : nlohmann::json(nullptr);
}

nlohmann::json counts_json(const core::StatusCounts& c) {
  return {{"ok", c.ok}, {"late", c.late}, {"missing", c.missing}, {"unprotected", c.unprotected}};
}

// Worst first: missing, late, ok, unprotected; then by age (oldest first).
int order(CoverageStatus s) {
  switch (s) {
    case CoverageStatus::missing:
      return 0;
    case CoverageStatus::late:
      return 1;
    case CoverageStatus::ok:
      return 2;
    case CoverageStatus::unprotected:
      return 3;
  }
  return 3;
}

std::vector<const InstanceReport*> worst_first(const CoverageReport& report) {
  std::vector<const InstanceReport*> out;
  out.reserve(report.instances.size());
  for (const auto& i : report.instances) out.push_back(&i);
  std::ranges::stable_sort(out, [](const InstanceReport* a, const InstanceReport* b) {
    if (order(a->status) != order(b->status)) return order(a->status) < order(b->status);
    const auto age_a = a->last_good_age.value_or(std::chrono::seconds::max());
    const auto age_b = b->last_good_age.value_or(std::chrono::seconds::max());
    return age_a > age_b;
  });
  return out;
}

std::string age_text(const InstanceReport& i) {
  return i.last_good_age ? format_age(*i.last_good_age) : "-";
}

std::string copies_text(const InstanceReport& i) {
  std::string out;
  for (const auto& c : i.copies) {
    if (!out.empty()) out += ", ";
    out += fmt::format("{} x{}", c.target, c.points);
  }
  return out.empty() ? "-" : out;
}

std::string drill_text(const InstanceReport& i) {
  if (!i.last_drill) return "-";
  return fmt::format("{} {}", i.last_drill->passed ? "pass" : "fail",
                     core::format_slot(i.last_drill->at));
}

std::string join(const std::vector<std::string>& v, std::string_view sep) {
  std::string out;
  for (const auto& s : v) {
    if (!out.empty()) out += sep;
    out += s;
  }
  return out;
}

// Aligned columns; `right` marks numeric columns.
std::string table(const std::vector<std::vector<std::string>>& rows,
                  const std::vector<bool>& right) {
  std::vector<std::size_t> width(rows.front().size(), 0);
  for (const auto& row : rows) {
    for (std::size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t c = 0; c < row.size(); ++c) {
      const bool last = c + 1 == row.size();
      if (c < right.size() && right[c]) {
        line += fmt::format("{:>{}}", row[c], width[c]);
      } else if (last) {
        line += row[c];
      } else {
        line += fmt::format("{:<{}}", row[c], width[c]);
      }
      if (!last) line += "  ";
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

std::string summary_line(const CoverageReport& r) {
  return fmt::format("{} of {} selected instances ok, {} late, {} missing; {} unprotected",
                     r.summary.ok, r.selected, r.summary.late, r.summary.missing,
                     r.summary.unprotected);
}

std::int64_t total_gib(const CoverageReport& r) {
  std::int64_t total = 0;
  for (const auto& region : r.regions) total += region.size_gib;
  return total;
}

// --- HTML ---

std::string esc(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

const char* status_colour(CoverageStatus s) {
  switch (s) {
    case CoverageStatus::ok:
      return "#2e7d32";
    case CoverageStatus::late:
      return "#ef6c00";
    case CoverageStatus::missing:
      return "#c62828";
    case CoverageStatus::unprotected:
      return "#757575";
  }
  return "#757575";
}

const char* point_colour(core::PointState s) {
  switch (s) {
    case core::PointState::good:
      return "#2e7d32";
    case core::PointState::pending:
      return "#1565c0";
    case core::PointState::errored:
      return "#c62828";
    case core::PointState::planned:
      return "#9e9e9e";
  }
  return "#9e9e9e";
}

constexpr std::string_view kStyle = R"css(
:root{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:#212121}
body{margin:1.5rem auto;max-width:78rem;padding:0 1rem}
h1{font-size:1.5rem;margin:0 0 .25rem}h2{font-size:1.15rem;margin:1.75rem 0 .5rem;border-bottom:1px solid #ddd}
.meta{color:#616161;font-size:.85rem}
.tiles{display:flex;flex-wrap:wrap;gap:.75rem;margin:1rem 0}
.tile{flex:1 1 8rem;border-radius:.5rem;padding:.75rem 1rem;background:#f5f5f5;border-left:.4rem solid #9e9e9e}
.tile .n{display:block;font-size:1.9rem;font-weight:700}.tile .l{font-size:.8rem;color:#424242;text-transform:uppercase}
.tile.ok{border-color:#2e7d32}.tile.late{border-color:#ef6c00}.tile.missing{border-color:#c62828}
.tile.unprotected{border-color:#757575}.tile.findings{border-color:#6a1b9a}
table{border-collapse:collapse;width:100%;font-size:.82rem}
th,td{text-align:left;padding:.2rem .45rem;border-bottom:1px solid #eee;vertical-align:top}
th{background:#fafafa;position:sticky;top:0}td.num{text-align:right;font-variant-numeric:tabular-nums}
.st{font-weight:600}.st.ok{color:#2e7d32}.st.late{color:#ef6c00}.st.missing{color:#c62828}.st.unprotected{color:#757575}
.why{color:#616161;font-size:.75rem}
input.toggle{display:none}
label.section{display:block;cursor:pointer;padding:.4rem .6rem;background:#eceff1;border-radius:.3rem;margin:.4rem 0;font-weight:600}
label.section::before{content:"\25B8  "}input.toggle:checked+label.section::before{content:"\25BE  "}
input.toggle+label.section+.body{display:none}input.toggle:checked+label.section+.body{display:block}
.legend span{display:inline-block;margin-right:1rem;font-size:.8rem}
.legend i{display:inline-block;width:.8rem;height:.8rem;margin-right:.3rem;vertical-align:middle}
svg text{font-size:11px;font-family:inherit}
@media print{
 body{max-width:none;margin:0;font-size:10pt}
 input.toggle+label.section+.body{display:block}
 label.section::before{content:""}
 .tile,tr,svg{break-inside:avoid}
 th{position:static}
}
)css";

// The timeline of one instance: its points over [start, now], coloured by
// state; copies drawn as hollow diamonds below the line.
std::string timeline_svg(const InstanceReport& i, core::Time now) {
  constexpr int width = 260;
  constexpr int height = 18;
  if (i.timeline.empty()) return "<span class=\"why\">no points</span>";
  const core::Time start = std::min(i.timeline.front().slot, now - std::chrono::hours{24});
  const double span = std::max<double>(1.0, static_cast<double>((now - start).count()));
  std::string out = fmt::format(
      "<svg width=\"{}\" height=\"{}\" viewBox=\"0 0 {} {}\" role=\"img\" aria-label=\"{} "
      "points\"><line x1=\"0\" y1=\"7\" x2=\"{}\" y2=\"7\" stroke=\"#cfd8dc\"/>",
      width, height, width, height, i.timeline.size(), width);
  for (const auto& p : i.timeline) {
    const double x = 3 + (width - 6) * static_cast<double>((p.slot - start).count()) / span;
    if (p.copy_target.empty()) {
      out += fmt::format(
          "<rect x=\"{:.1f}\" y=\"2\" width=\"3\" height=\"10\" fill=\"{}\"><title>{} {} "
          "{}</title></rect>",
          x - 1.5, point_colour(p.state), esc(p.policy), core::format_slot(p.slot),
          core::to_string(p.state));
    } else {
      out += fmt::format(
          "<path d=\"M{:.1f} 12l3 3-3 3-3-3z\" fill=\"none\" stroke=\"{}\"><title>copy in {} {} "
          "{}</title></path>",
          x, point_colour(p.state), esc(p.copy_target), core::format_slot(p.slot),
          core::to_string(p.state));
    }
  }
  out += "</svg>";
  return out;
}

std::string instance_rows(const std::vector<const InstanceReport*>& rows, core::Time now) {
  std::string out =
      "<table><thead><tr><th>instance</th><th>name</th><th>status</th><th>policies</th><th>last "
      "good</th><th>age</th><th>points</th><th>GiB</th><th>copies</th><th>drill</th><th>timeline"
      "</th></tr></thead><tbody>\n";
  for (const auto* i : rows) {
    std::string why;
    for (const auto& r : i->reasons) why += "<div class=\"why\">" + esc(r) + "</div>";
    out += fmt::format(
        "<tr class=\"inst\" data-status=\"{}\"><td>{}<div class=\"why\">{} {}</div></td><td>{}</td>"
        "<td><span class=\"st {}\">{}</span>{}</td><td>{}</td><td>{}</td><td "
        "class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td>"
        "<td>{}</td><td>{}</td></tr>\n",
        core::to_string(i->status), esc(i->instance_id), esc(i->account), esc(i->region),
        esc(i->name), core::to_string(i->status), core::to_string(i->status), why,
        esc(join(i->policies, ", ")),
        i->last_good_slot ? core::format_slot(*i->last_good_slot) : "-", age_text(*i), i->points,
        i->size_gib, esc(copies_text(*i)), esc(drill_text(*i)), timeline_svg(*i, now));
  }
  out += "</tbody></table>\n";
  return out;
}

// Age of the last good point against the schedule's interval, worst first.
std::string rpo_chart(const std::vector<const InstanceReport*>& sorted, std::size_t limit) {
  std::vector<const InstanceReport*> rows;
  for (const auto* i : sorted) {
    if (i->status != CoverageStatus::unprotected && rows.size() < limit) rows.push_back(i);
  }
  if (rows.empty()) return "<p class=\"why\">No instance is selected by a policy.</p>";
  // The scale: the larger of 3 intervals and the oldest age shown, capped.
  double max_ratio = 3.0;
  auto ratio = [](const InstanceReport* i) -> double {
    if (!i->last_good_age || i->rpo.count() <= 0) return 0;
    return static_cast<double>(i->last_good_age->count()) / static_cast<double>(i->rpo.count());
  };
  for (const auto* i : rows) max_ratio = std::max(max_ratio, std::min(ratio(i), 12.0));
  constexpr int label_w = 210;
  constexpr int bar_w = 480;
  constexpr int row_h = 16;
  const int height = static_cast<int>(rows.size()) * row_h + 26;
  std::string out = fmt::format(
      "<svg class=\"rpo\" width=\"{}\" height=\"{}\" viewBox=\"0 0 {} {}\" role=\"img\" "
      "aria-label=\"RPO chart\">",
      label_w + bar_w + 90, height, label_w + bar_w + 90, height);
  for (int k = 1; k <= static_cast<int>(max_ratio); ++k) {
    const double x = label_w + bar_w * k / max_ratio;
    out += fmt::format(
        "<line x1=\"{:.1f}\" y1=\"0\" x2=\"{:.1f}\" y2=\"{}\" stroke=\"{}\" "
        "stroke-dasharray=\"{}\"/><text x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\">{}x</text>",
        x, x, height - 14, k == 2 ? "#ef6c00" : "#cfd8dc", k == 2 ? "none" : "3,3", x, height - 2,
        k);
  }
  int y = 0;
  for (const auto* i : rows) {
    const double r = ratio(i);
    const double w =
        i->last_good_age ? std::max(2.0, bar_w * std::min(r, max_ratio) / max_ratio) : bar_w;
    const std::string label =
        i->name.empty() ? i->instance_id : fmt::format("{} ({})", i->name, i->instance_id);
    out += fmt::format(
        "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text><rect x=\"{}\" y=\"{}\" "
        "width=\"{:.1f}\" height=\"{}\" fill=\"{}\"{}><title>{}: {} (interval {})</title></rect>"
        "<text x=\"{:.1f}\" y=\"{}\">{}</text>",
        label_w - 6, y + 12, esc(label.substr(0, 34)), label_w, y + 3, w, row_h - 5,
        status_colour(i->status), i->last_good_age ? "" : " fill-opacity=\"0.35\"",
        esc(i->instance_id), i->last_good_age ? format_age(*i->last_good_age) : "never",
        format_age(i->rpo), label_w + w + 4, y + 12,
        i->last_good_age ? format_age(*i->last_good_age) : "never");
    y += row_h;
  }
  out += "</svg>";
  return out;
}

std::string storage_chart(const CoverageReport& report) {
  std::int64_t max_gib = 1;
  for (const auto& p : report.policies) max_gib = std::max(max_gib, p.size_gib);
  constexpr int label_w = 160;
  constexpr int bar_w = 420;
  const int height = static_cast<int>(report.policies.size()) * 20 + 4;
  std::string out = fmt::format(
      "<svg width=\"{}\" height=\"{}\" viewBox=\"0 0 {} {}\" role=\"img\" aria-label=\"storage "
      "per policy\">",
      label_w + bar_w + 240, height, label_w + bar_w + 240, height);
  int y = 0;
  for (const auto& p : report.policies) {
    const double w =
        std::max(1.0, bar_w * static_cast<double>(p.size_gib) / static_cast<double>(max_gib));
    out += fmt::format(
        "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text><rect x=\"{}\" y=\"{}\" "
        "width=\"{:.1f}\" height=\"14\" fill=\"#546e7a\"/><text x=\"{:.1f}\" y=\"{}\">{} GiB, {} "
        "snapshots</text>",
        label_w - 6, y + 14, esc(p.name), label_w, y + 3, w, label_w + w + 4, y + 14, p.size_gib,
        p.snapshots);
    y += 20;
  }
  out += "</svg>";
  return out;
}

}  // namespace

nlohmann::json to_json(const CoverageReport& report, const ReportMeta& meta) {
  nlohmann::json out;
  out["now"] = core::format_slot(report.now);
  out["generated_at"] = meta.generated_at;
  out["complete"] = report.complete;
  out["exit_status"] = report.exit_status();
  out["summary"] = {{"instances", report.summary.total()},
                    {"selected", report.selected},
                    {"ok", report.summary.ok},
                    {"late", report.summary.late},
                    {"missing", report.summary.missing},
                    {"unprotected", report.summary.unprotected},
                    {"findings", report.findings.size()},
                    {"size_gib", total_gib(report)}};
  auto& instances = out["instances"] = nlohmann::json::array();
  for (const auto& i : report.instances) {
    nlohmann::json copies = nlohmann::json::array();
    for (const auto& c : i.copies) {
      copies.push_back({{"target", c.target},
                        {"points", c.points},
                        {"newest_slot", optional_slot(c.newest_slot)}});
    }
    nlohmann::json timeline = nlohmann::json::array();
    for (const auto& p : i.timeline) {
      timeline.push_back({{"policy", p.policy},
                          {"slot", core::format_slot(p.slot)},
                          {"set", p.set_id},
                          {"state", core::to_string(p.state)},
                          {"snapshots", p.snapshots},
                          {"size_gib", p.size_gib},
                          {"copy", p.copy_target.empty() ? nlohmann::json(nullptr)
                                                         : nlohmann::json(p.copy_target)}});
    }
    nlohmann::json drill = nullptr;
    if (i.last_drill) {
      drill = {{"passed", i.last_drill->passed},
               {"at", core::format_slot(i.last_drill->at)},
               {"seconds", i.last_drill->seconds},
               {"reason", i.last_drill->reason}};
    }
    instances.push_back(
        {{"account", i.account},
         {"region", i.region},
         {"instance_id", i.instance_id},
         {"name", i.name},
         {"state", core::to_string(i.state)},
         {"policies", i.policies},
         {"status", core::to_string(i.status)},
         {"reasons", i.reasons},
         {"last_good_slot", optional_slot(i.last_good_slot)},
         {"last_good_policy", i.last_good_policy.empty() ? nlohmann::json(nullptr)
                                                         : nlohmann::json(i.last_good_policy)},
         {"last_good_age_seconds",
          i.last_good_age ? nlohmann::json(i.last_good_age->count()) : nlohmann::json(nullptr)},
         {"rpo_seconds", i.rpo.count()},
         {"points", i.points},
         {"snapshots", i.snapshots},
         {"size_gib", i.size_gib},
         {"copies", std::move(copies)},
         {"last_drill", std::move(drill)},
         {"timeline", std::move(timeline)}});
  }
  auto& policies = out["policies"] = nlohmann::json::array();
  for (const auto& p : report.policies) {
    policies.push_back({{"name", p.name},
                        {"schedule", p.schedule},
                        {"selected", p.selected},
                        {"counts", counts_json(p.counts)},
                        {"points", p.points},
                        {"snapshots", p.snapshots},
                        {"size_gib", p.size_gib}});
  }
  auto& regions = out["regions"] = nlohmann::json::array();
  for (const auto& r : report.regions) {
    regions.push_back(
        {{"account", r.account},
         {"region", r.region},
         {"complete", r.complete},
         {"problem", r.problem.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.problem)},
         {"instances", r.instances},
         {"counts", counts_json(r.counts)},
         {"points", r.points},
         {"snapshots", r.snapshots},
         {"size_gib", r.size_gib}});
  }
  auto& findings = out["findings"] = nlohmann::json::array();
  for (const auto& f : report.findings) {
    findings.push_back({{"kind", core::to_string(f.kind)},
                        {"account", f.account},
                        {"region", f.region},
                        {"policy", f.policy},
                        {"instance_id", f.instance_id.empty() ? nlohmann::json(nullptr)
                                                              : nlohmann::json(f.instance_id)},
                        {"points", f.points},
                        {"snapshots", f.snapshots},
                        {"slot", optional_slot(f.slot)},
                        {"release", optional_slot(f.release)},
                        {"message", f.message}});
  }
  auto& calls = out["api_calls"] = nlohmann::json::object();
  for (const auto& [action, c] : meta.api_calls) {
    calls[action] = {{"calls", c.calls}, {"retries", c.retries}};
  }
  return out;
}

std::string render_text(const CoverageReport& report, bool verbose, const ReportMeta& meta) {
  std::string out;
  std::set<std::string> accounts;
  for (const auto& r : report.regions) accounts.insert(r.account);
  out += fmt::format("snapkeep report at {}: {} instances in {} region{} of {} account{}\n",
                     core::format_slot(report.now), report.summary.total(), report.regions.size(),
                     report.regions.size() == 1 ? "" : "s", accounts.size(),
                     accounts.size() == 1 ? "" : "s");
  out += "  " + summary_line(report) + "\n";
  std::map<std::string_view, int> kinds;
  for (const auto& f : report.findings) ++kinds[core::to_string(f.kind)];
  std::string kinds_text;
  for (const auto& [kind, n] : kinds) {
    kinds_text += fmt::format("{}{} {}", kinds_text.empty() ? "" : ", ", n, kind);
  }
  out += fmt::format("  findings: {}{}\n", report.findings.size(),
                     kinds_text.empty() ? "" : " (" + kinds_text + ")");
  out += fmt::format("  snapshot storage: {} GiB (volume sizes)\n", total_gib(report));
  for (const auto& r : report.regions) {
    if (!r.complete)
      out += fmt::format("  {} {}: NOT LISTED: {}\n", r.account, r.region, r.problem);
  }
  if (!report.instances.empty()) {
    out += "\nINSTANCES (worst first)\n";
    std::vector<std::vector<std::string>> rows = {{"REGION", "INSTANCE", "NAME", "STATUS",
                                                   "POLICIES", "LAST GOOD", "AGE", "POINTS", "GIB",
                                                   "WHY"}};
    for (const auto* i : worst_first(report)) {
      rows.push_back({i->region, i->instance_id, i->name.empty() ? "-" : i->name,
                      std::string(core::to_string(i->status)),
                      i->policies.empty() ? "-" : join(i->policies, ","),
                      i->last_good_slot ? core::format_slot(*i->last_good_slot) : "-", age_text(*i),
                      std::to_string(i->points), std::to_string(i->size_gib),
                      i->status == CoverageStatus::ok ? "" : join(i->reasons, "; ")});
    }
    out += table(rows, {false, false, false, false, false, false, false, true, true});
  }
  if (!report.policies.empty()) {
    out += "\nPOLICIES\n";
    std::vector<std::vector<std::string>> rows = {
        {"POLICY", "SCHEDULE", "SELECTED", "OK", "LATE", "MISSING", "POINTS", "SNAPSHOTS", "GIB"}};
    for (const auto& p : report.policies) {
      rows.push_back({p.name, p.schedule, std::to_string(p.selected), std::to_string(p.counts.ok),
                      std::to_string(p.counts.late), std::to_string(p.counts.missing),
                      std::to_string(p.points), std::to_string(p.snapshots),
                      std::to_string(p.size_gib)});
    }
    out += table(rows, {false, false, true, true, true, true, true, true, true});
  }
  if (!report.regions.empty()) {
    out += "\nREGIONS\n";
    std::vector<std::vector<std::string>> rows = {{"ACCOUNT", "REGION", "INSTANCES", "OK", "LATE",
                                                   "MISSING", "UNPROTECTED", "POINTS", "SNAPSHOTS",
                                                   "GIB"}};
    for (const auto& r : report.regions) {
      rows.push_back({r.account.empty() ? "-" : r.account, r.region, std::to_string(r.instances),
                      std::to_string(r.counts.ok), std::to_string(r.counts.late),
                      std::to_string(r.counts.missing), std::to_string(r.counts.unprotected),
                      std::to_string(r.points), std::to_string(r.snapshots),
                      std::to_string(r.size_gib)});
    }
    out += table(rows, {false, false, true, true, true, true, true, true, true, true});
  }
  if (!report.findings.empty()) {
    out += "\nFINDINGS\n";
    for (const auto& f : report.findings) {
      out +=
          fmt::format("  {} {} {} policy {}{}: {}\n", core::to_string(f.kind), f.account, f.region,
                      f.policy, f.instance_id.empty() ? "" : " " + f.instance_id, f.message);
    }
  }
  if (verbose && !meta.api_calls.empty()) {
    out += "\nAPI calls:\n";
    for (const auto& [action, c] : meta.api_calls) {
      out += fmt::format("  {:<24} {:>7} calls {:>5} retries\n", action, c.calls, c.retries);
    }
  }
  return out;
}

std::string render_html(const CoverageReport& report, const ReportMeta& meta) {
  const auto sorted = worst_first(report);
  std::string out;
  out.reserve(4096 + report.instances.size() * 2048);
  out += "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n";
  out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  out += fmt::format("<title>snapkeep report {}</title>\n<style>{}</style></head><body>\n",
                     core::format_slot(report.now), kStyle);
  std::set<std::string> accounts;
  std::string scope;
  for (const auto& r : report.regions) {
    accounts.insert(r.account);
    if (!scope.empty()) scope += ", ";
    scope += (r.account.empty() ? "" : r.account + "/") + r.region;
  }
  out += "<h1>snapkeep report</h1>\n";
  out += fmt::format(
      "<p class=\"meta\" id=\"meta\">Report time {} &middot; generated {} by snapkeep {} from "
      "{} &middot; scope: {} ({} region{}, {} account{})</p>\n",
      core::format_slot(report.now), esc(meta.generated_at), esc(meta.version),
      esc(meta.config_path), esc(scope), report.regions.size(),
      report.regions.size() == 1 ? "" : "s", accounts.size(), accounts.size() == 1 ? "" : "s");
  for (const auto& r : report.regions) {
    if (!r.complete) {
      out += fmt::format(
          "<p class=\"st missing\">{} {} could not be listed: {}. Its instances are not in this "
          "report.</p>\n",
          esc(r.account), esc(r.region), esc(r.problem));
    }
  }
  // Summary tiles; ids and data-value are what tests and scrapers read.
  const std::array<std::tuple<const char*, const char*, std::int64_t>, 8> tiles = {{
      {"instances", "instances", report.summary.total()},
      {"selected", "selected", report.selected},
      {"ok", "ok", report.summary.ok},
      {"late", "late", report.summary.late},
      {"missing", "missing", report.summary.missing},
      {"unprotected", "unprotected", report.summary.unprotected},
      {"findings", "findings", static_cast<std::int64_t>(report.findings.size())},
      {"size_gib", "GiB stored", total_gib(report)},
  }};
  out += "<section class=\"tiles\" id=\"summary\">\n";
  for (const auto& [id, text, value] : tiles) {
    out += fmt::format(
        "<div class=\"tile {}\"><span class=\"n\" id=\"tile-{}\" data-value=\"{}\">{}</span><span "
        "class=\"l\">{}</span></div>\n",
        id, id, value, value, text);
  }
  out += "</section>\n";
  out += "<p>" + esc(summary_line(report)) + ".</p>\n";

  out += "<h2>RPO: age of the last good point against the schedule's interval</h2>\n";
  constexpr std::size_t chart_rows = 40;
  std::size_t selected = 0;
  for (const auto* i : sorted) selected += i->status != CoverageStatus::unprotected ? 1 : 0;
  out += fmt::format(
      "<p class=\"why\">Worst first{}. 1x is one interval of the schedule; an instance is ok up to "
      "the previous slot (about 2x, orange line) and late after it. Faded bars: never backed "
      "up.</p>\n",
      selected > chart_rows
          ? fmt::format(": the {} worst of {} selected instances", chart_rows, selected)
          : "");
  out += rpo_chart(sorted, chart_rows) + "\n";

  out += "<h2>Storage per policy</h2>\n" + storage_chart(report) + "\n";
  out +=
      "<table><thead><tr><th>policy</th><th>schedule</th><th>selected</th><th>ok</th><th>late</th>"
      "<th>missing</th><th>points</th><th>snapshots</th><th>GiB</th></tr></thead><tbody>\n";
  for (const auto& p : report.policies) {
    out += fmt::format(
        "<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td "
        "class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td "
        "class=\"num\">{}</td><td class=\"num\">{}</td></tr>\n",
        esc(p.name), esc(p.schedule), p.selected, p.counts.ok, p.counts.late, p.counts.missing,
        p.points, p.snapshots, p.size_gib);
  }
  out += "</tbody></table>\n";

  out +=
      "<h2>Regions</h2>\n<table><thead><tr><th>account</th><th>region</th><th>instances</th>"
      "<th>ok</th><th>late</th><th>missing</th><th>unprotected</th><th>points</th>"
      "<th>snapshots</th><th>GiB</th></tr></thead><tbody>\n";
  for (const auto& r : report.regions) {
    out += fmt::format(
        "<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td "
        "class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td "
        "class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>\n",
        esc(r.account), esc(r.region), r.instances, r.counts.ok, r.counts.late, r.counts.missing,
        r.counts.unprotected, r.points, r.snapshots, r.size_gib);
  }
  out += "</tbody></table>\n";

  out += fmt::format("<h2 id=\"findings\">Findings ({})</h2>\n", report.findings.size());
  if (report.findings.empty()) {
    out += "<p>None.</p>\n";
  } else {
    out +=
        "<table><thead><tr><th>kind</th><th>where</th><th>policy</th><th>instance</th>"
        "<th>points</th><th>what to do</th></tr></thead><tbody>\n";
    for (const auto& f : report.findings) {
      out += fmt::format(
          "<tr class=\"finding\"><td>{}</td><td>{} {}</td><td>{}</td><td>{}</td><td "
          "class=\"num\">{}</td><td>{}</td></tr>\n",
          core::to_string(f.kind), esc(f.account), esc(f.region), esc(f.policy), esc(f.instance_id),
          f.points, esc(f.message));
    }
    out += "</tbody></table>\n";
  }

  out +=
      "<h2>Instances</h2>\n<p class=\"legend\"><span><i style=\"background:#2e7d32\"></i>good "
      "point</span><span><i style=\"background:#1565c0\"></i>pending</span><span><i "
      "style=\"background:#c62828\"></i>error</span><span>&#9671; copy</span> Click a section "
      "to open it; printing shows all.</p>\n";
  // Needs attention first (open), then every instance per region (closed).
  std::vector<const InstanceReport*> attention;
  for (const auto* i : sorted) {
    if (i->status == CoverageStatus::late || i->status == CoverageStatus::missing) {
      attention.push_back(i);
    }
  }
  int section = 0;
  auto open_section = [&](const std::string& title, bool open, std::size_t count) {
    ++section;
    out += fmt::format(
        "<input type=\"checkbox\" class=\"toggle\" id=\"s{}\"{}><label class=\"section\" "
        "for=\"s{}\">{} ({})</label><div class=\"body\">\n",
        section, open ? " checked" : "", section, esc(title), count);
  };
  open_section("Needs attention: late or missing", !attention.empty(), attention.size());
  out += attention.empty() ? "<p>Nothing is late or missing.</p>\n"
                           : instance_rows(attention, report.now);
  out += "</div>\n";
  for (const auto& r : report.regions) {
    std::vector<const InstanceReport*> rows;
    for (const auto* i : sorted) {
      if (i->account == r.account && i->region == r.region) rows.push_back(i);
    }
    open_section(fmt::format("{}{}", r.account.empty() ? "" : r.account + " ", r.region),
                 report.instances.size() <= 50, rows.size());
    out += rows.empty() ? "<p>No instances.</p>\n" : instance_rows(rows, report.now);
    out += "</div>\n";
  }
  out += "</body></html>\n";
  return out;
}

}  // namespace snapkeep::engine
