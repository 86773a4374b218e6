#include "engine/notify.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "engine/notify_message.h"
#include "engine/render.h"
#include "unit/aws/transport_fakes.h"

namespace snapkeep::engine {
namespace {

RunSummary summary_with(int created, int failed, bool limit = false) {
  RunSummary s;
  s.mode = RunMode::run;
  s.regions.push_back({"123456789012", "us-east-1", true, {}, 10, 20});
  for (int i = 0; i < created; ++i) {
    ActionResult r;
    r.outcome = Outcome::created;
    r.action = ActionKind::create;
    r.region = "us-east-1";
    r.instance_id = "i-" + std::to_string(i);
    s.results.push_back(r);
  }
  for (int i = 0; i < failed; ++i) {
    ActionResult r;
    r.outcome = Outcome::failed;
    r.action = ActionKind::delete_snapshot;
    r.region = "us-east-1";
    r.error_code = "InternalError";
    s.results.push_back(r);
  }
  if (limit) {
    ActionResult r;
    r.outcome = Outcome::skipped;
    r.action = ActionKind::create;
    r.limit = true;
    s.results.push_back(r);
  }
  return s;
}

TEST(Notify, FailureOnlySendsWhenSomethingFailedOrHitALimit) {
  core::Notify notify;
  notify.sns_topic_arn = "arn:aws:sns:us-east-1:123456789012:t";
  EXPECT_FALSE(should_notify(notify, summary_with(3, 0)));
  EXPECT_TRUE(should_notify(notify, summary_with(3, 1)));
  EXPECT_TRUE(should_notify(notify, summary_with(3, 0, true)));
  auto incomplete = summary_with(3, 0);
  incomplete.regions[0].complete = false;
  EXPECT_TRUE(should_notify(notify, incomplete));
  notify.on_summary = true;
  EXPECT_TRUE(should_notify(notify, summary_with(3, 0)));
  core::Notify nowhere;
  nowhere.on_summary = true;
  EXPECT_FALSE(should_notify(nowhere, summary_with(3, 1)));
}

TEST(Notify, SubjectIsUnderOneHundredCharactersWithoutControlCharacters) {
  auto s = summary_with(5, 2);
  for (int i = 0; i < 40; ++i)
    s.regions.push_back({"1", "eu-west-" + std::to_string(i), false, {}, 0, 0});
  s.interrupted = true;
  const auto subject = sns_subject(s);
  EXPECT_LT(subject.size(), 100u);
  for (char c : subject) EXPECT_GE(static_cast<unsigned char>(c), 0x20);
  EXPECT_EQ(sns_subject(summary_with(3, 0)), "snapkeep run: 3 created in 1 region");
}

TEST(Notify, LongMessageIsCutAtALineWithANoteAndKeepsTheTotals) {
  auto s = summary_with(5000, 1);
  const auto full = sns_message(s);
  ASSERT_GT(full.size(), 100000u);
  const auto cut = sns_message(s, 20000);
  EXPECT_LE(cut.size(), 20000u);
  EXPECT_EQ(cut.rfind(one_line(s), 0), 0u) << "the totals come first";
  EXPECT_NE(cut.find("more lines"), std::string::npos);
  EXPECT_NE(cut.find("left out"), std::string::npos);
  // Under the limit nothing is cut.
  EXPECT_EQ(sns_message(summary_with(2, 0)), render_text(summary_with(2, 0), false));
}

TEST(Notify, WebhookBodyHasSlackTextAndTheSummary) {
  const auto body = nlohmann::json::parse(webhook_body(summary_with(2, 1)));
  EXPECT_EQ(body["text"], "snapkeep run: 2 created, 1 failed in 1 region");
  EXPECT_EQ(body["summary"]["totals"]["created"], 2);
  EXPECT_EQ(body["summary"]["exit_status"], 1);
}

TEST(Notify, WebhookRetriesServerErrorsAndNeverNamesTheSecretPath) {
  aws::testing::FakeClock clock;
  aws::testing::FakeTransport http;
  http.push(503, "busy");
  http.push(200, "ok");
  auto ok = post_webhook("https://hooks.example.com/services/T0/B0/SECRET", "{}", http, clock);
  EXPECT_TRUE(ok.has_value());
  EXPECT_EQ(http.requests().size(), 2u);
  EXPECT_EQ(http.requests()[0].method, "POST");
  EXPECT_EQ(*aws::find_header(http.requests()[0].headers, "Content-Type"), "application/json");

  http.clear_script();
  http.push_failure(aws::ErrorKind::network,
                    "POST https://hooks.example.com/services/T0/B0/SECRET: refused");
  auto failed = post_webhook("https://hooks.example.com/services/T0/B0/SECRET", "{}", http, clock);
  ASSERT_FALSE(failed.has_value());
  EXPECT_EQ(http.requests().size(), 5u) << "three attempts";
  EXPECT_EQ(failed.error().find("SECRET"), std::string::npos) << failed.error();
  EXPECT_NE(failed.error().find("hooks.example.com"), std::string::npos) << failed.error();
}

TEST(Notify, WebhookDoesNotRetryAClientError) {
  aws::testing::FakeClock clock;
  aws::testing::FakeTransport http;
  http.push(404, "no such hook");
  auto failed = post_webhook("https://hooks.example.com/x", "{}", http, clock);
  ASSERT_FALSE(failed.has_value());
  EXPECT_EQ(http.requests().size(), 1u);
  EXPECT_NE(failed.error().find("404"), std::string::npos);
}

}  // namespace
}  // namespace snapkeep::engine
