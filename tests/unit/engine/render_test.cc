// The text forms of a run summary: --quiet never hides what went wrong, the
// one line says why a run could not start, warnings are shown without
// --verbose (issue 9 majors 4 and 5).
#include "engine/render.h"

#include <gtest/gtest.h>

namespace snapkeep::engine {
namespace {

RunSummary ordinary() {
  RunSummary s;
  s.regions.push_back({"123456789012", "us-east-1", true, {}, 3, 6});
  ActionResult created;
  created.outcome = Outcome::created;
  created.action = ActionKind::create;
  created.region = "us-east-1";
  created.instance_id = "i-1";
  s.results.push_back(created);
  return s;
}

TEST(RenderQuiet, PrintsNotificationFailuresAndErrors) {
  auto s = ordinary();
  EXPECT_EQ(render_quiet(s), "run: 1 created in 1 region\n");
  s.notification_errors.push_back("webhook http://127.0.0.1:9/...: connection refused");
  EXPECT_NE(render_quiet(s).find("notification failed: webhook http://127.0.0.1:9/..."),
            std::string::npos)
      << render_quiet(s);
  s.errors.push_back("the account could not be learnt");
  EXPECT_NE(render_quiet(s).find("error: the account could not be learnt"), std::string::npos);
  EXPECT_EQ(one_line(s), "run: 1 created, 1 error in 1 region");
}

TEST(RenderQuiet, ShowsFailureWarningsOnly) {
  auto s = ordinary();
  s.warnings.push_back({RunWarning::Level::warning, "1", "us-east-1", "daily", "i-2", "minor"});
  s.warnings.push_back(
      {RunWarning::Level::failure, "", "", "weekly", "", "selects no instance in any region"});
  const auto quiet = render_quiet(s);
  EXPECT_EQ(quiet.find("minor"), std::string::npos);
  EXPECT_NE(quiet.find("failure: weekly: selects no instance"), std::string::npos) << quiet;
  const auto text = render_text(s, false);
  EXPECT_NE(text.find("warning: us-east-1 daily i-2: minor"), std::string::npos) << text;
  EXPECT_NE(one_line(s).find("2 warnings"), std::string::npos);
}

TEST(OneLine, SaysWhyARunCouldNotStart) {
  RunSummary s;
  s.mode = RunMode::run;
  s.errors.push_back("credentials: no credentials");
  s.bad_input = true;
  EXPECT_EQ(one_line(s), "run: failed: credentials: no credentials");
  EXPECT_EQ(s.exit_status(), 2);
  auto j = to_json(s);
  EXPECT_EQ(j["errors"][0], "credentials: no credentials");
  EXPECT_EQ(j["exit_status"], 2);
  EXPECT_TRUE(j["warnings"].is_array());
}

}  // namespace
}  // namespace snapkeep::engine
