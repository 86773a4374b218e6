// engine/report_render: the HTML page is self-contained and escapes what
// comes from tags; JSON and text carry the summary's numbers.
#include "engine/report_render.h"

#include <gtest/gtest.h>

namespace snapkeep::engine {
namespace {

core::CoverageReport sample() {
  core::CoverageReport r;
  r.now = *core::parse_slot("2026-11-03T12:00:00Z");
  core::InstanceReport bad;
  bad.account = "123456789012";
  bad.region = "us-east-1";
  bad.instance_id = "i-1";
  bad.name = "<script>alert('x')</script>";
  bad.policies = {"nightly"};
  bad.status = core::CoverageStatus::late;
  bad.reasons = {"last good point of policy nightly is old & <b>late</b>"};
  bad.last_good_slot = core::parse_slot("2026-11-01T00:00:00Z");
  bad.last_good_age = std::chrono::hours{60};
  bad.rpo = std::chrono::hours{24};
  bad.points = 1;
  bad.timeline.push_back({"nightly", *bad.last_good_slot, "s", core::PointState::good, 1, 8, ""});
  bad.timeline.push_back({"nightly", *bad.last_good_slot, "c", core::PointState::good, 1, 8,
                          "123456789012:eu-west-1"});
  core::InstanceReport none;
  none.account = "123456789012";
  none.region = "us-east-1";
  none.instance_id = "i-2";
  none.reasons = {"no policy selects it"};
  r.instances = {bad, none};
  r.summary.late = 1;
  r.summary.unprotected = 1;
  r.selected = 1;
  r.policies.push_back({"nightly", "cron(0 0 * * ? *)", 1, {}, 1, 1, 8});
  r.regions.push_back({"123456789012", "us-east-1", true, "", 2, r.summary, 1, 1, 8});
  return r;
}

TEST(ReportRender, HtmlIsSelfContainedAndEscapesTags) {
  const auto html = render_html(sample(), {"2026-12-02T00:00:00Z", "c.yaml", "0.1.0", {}});
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(html.find("old &amp; &lt;b&gt;late&lt;/b&gt;"), std::string::npos);
  // No reference to anything outside the file. (Plain finds, not std::regex:
  // GCC 12 warns maybe-uninitialized inside <regex> under ASan, and
  // warnings are errors.)
  for (const char* outside : {"http://", "https://", "src=", "url(", "@import"}) {
    EXPECT_EQ(html.find(outside), std::string::npos) << outside;
  }
  EXPECT_NE(html.find("id=\"tile-late\" data-value=\"1\""), std::string::npos);
  EXPECT_NE(html.find("id=\"tile-unprotected\" data-value=\"1\""), std::string::npos);
  EXPECT_NE(html.find("@media print"), std::string::npos);
  EXPECT_NE(html.find("copy in 123456789012:eu-west-1"), std::string::npos);
}

TEST(ReportRender, JsonAndTextCarryTheSummary) {
  const auto report = sample();
  const auto json = to_json(report, {});
  EXPECT_EQ(json["summary"]["late"], 1);
  EXPECT_EQ(json["summary"]["instances"], 2);
  EXPECT_EQ(json["exit_status"], 1);
  EXPECT_EQ(json["instances"][0]["status"], "late");
  EXPECT_EQ(json["instances"][0]["last_good_age_seconds"], 216000);
  EXPECT_EQ(json["instances"][1]["last_good_slot"], nullptr);
  EXPECT_EQ(json["instances"][0]["timeline"][1]["copy"], "123456789012:eu-west-1");
  const auto text = render_text(report, false, {});
  EXPECT_EQ(text.substr(0, text.find('\n')),
            "snapkeep report at 2026-11-03T12:00:00Z: 2 instances in 1 region of 1 account");
  EXPECT_NE(text.find("0 of 1 selected instances ok, 1 late, 0 missing; 1 unprotected"),
            std::string::npos);
}

}  // namespace
}  // namespace snapkeep::engine
