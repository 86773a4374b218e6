#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "cli/app.h"

namespace snapkeep::cli {
namespace {

struct Outcome {
  int status;
  std::string out;
  std::string err;
};

// Runs the real command line in-process, capturing what it prints.
Outcome run_cli(std::vector<std::string> args) {
  args.insert(args.begin(), "snapkeep");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  testing::internal::CaptureStdout();
  testing::internal::CaptureStderr();
  int status = run(static_cast<int>(argv.size()), argv.data());
  std::string out = testing::internal::GetCapturedStdout();
  std::string err = testing::internal::GetCapturedStderr();
  return {status, out, err};
}

TEST(ScheduleCommand, ListsFireTimesInUtcAndLocalTime) {
  Outcome o = run_cli({"schedule", "cron(30 3 ? * 6#3 *)", "--timezone", "Europe/Berlin", "--from",
                       "2027-02-01T00:00:00Z", "--count", "3"});
  EXPECT_EQ(o.status, kExitOk) << o.err;
  EXPECT_EQ(o.out,
            "at 03:30 on the third Friday of every month (Europe/Berlin)\n"
            "2027-02-19T02:30:00Z  2027-02-19 03:30:00 +0100 CET\n"
            "2027-03-19T02:30:00Z  2027-03-19 03:30:00 +0100 CET\n"
            "2027-04-16T01:30:00Z  2027-04-16 03:30:00 +0200 CEST\n");
  EXPECT_EQ(o.err, "");
}

TEST(ScheduleCommand, DefaultsToFiveFireTimesAndSaysWhenNoneAreLeft) {
  Outcome o = run_cli({"schedule", "cron(0 0 1 1 ? 2018-2019)", "--from", "2017-06-01T00:00:00Z"});
  EXPECT_EQ(o.status, kExitOk);
  EXPECT_EQ(o.out,
            "at 00:00 on day 1 of January in 2018, 2019 (UTC)\n"
            "2018-01-01T00:00:00Z  2018-01-01 00:00:00 +0000 UTC\n"
            "2019-01-01T00:00:00Z  2019-01-01 00:00:00 +0000 UTC\n"
            "(no further fire times after 2019-01-01T00:00:00Z)\n");
  Outcome d = run_cli({"schedule", "@daily", "--from", "2024-01-01T12:00:00Z"});
  EXPECT_EQ(d.status, kExitOk);
  EXPECT_EQ(d.out.substr(d.out.find('\n') + 1),
            "2024-01-02T00:00:00Z  2024-01-02 00:00:00 +0000 UTC\n"
            "2024-01-03T00:00:00Z  2024-01-03 00:00:00 +0000 UTC\n"
            "2024-01-04T00:00:00Z  2024-01-04 00:00:00 +0000 UTC\n"
            "2024-01-05T00:00:00Z  2024-01-05 00:00:00 +0000 UTC\n"
            "2024-01-06T00:00:00Z  2024-01-06 00:00:00 +0000 UTC\n");
}

TEST(ScheduleCommand, JsonOutputIsAnArrayOfUtcAndLocalTimes) {
  Outcome o = run_cli({"schedule", "cron(30 2 * * ? *)", "--timezone", "Europe/Berlin", "--from",
                       "2024-03-30T12:00:00Z", "--count", "2", "--output", "json"});
  EXPECT_EQ(o.status, kExitOk) << o.err;
  EXPECT_EQ(o.out,
            "[\n"
            "  {\n"
            "    \"abbreviation\": \"CEST\",\n"
            "    \"local\": \"2024-03-31T03:00:00+02:00\",\n"
            "    \"utc\": \"2024-03-31T01:00:00Z\"\n"
            "  },\n"
            "  {\n"
            "    \"abbreviation\": \"CEST\",\n"
            "    \"local\": \"2024-04-01T02:30:00+02:00\",\n"
            "    \"utc\": \"2024-04-01T00:30:00Z\"\n"
            "  }\n"
            "]\n");
}

TEST(ScheduleCommand, BadInputIsOneLineOnStderrWithExitStatusTwo) {
  struct Case {
    std::vector<std::string> args;
    std::string err;
  };
  const std::vector<Case> cases = {
      {{"schedule", "cron(0 0 ? * 8 *)"},
       "snapkeep schedule: cron day-of-week '8' is out of range 1-7 (1 = Sunday)\n"},
      {{"schedule", "@daily", "--timezone", "Europe/Atlantis"},
       "snapkeep schedule: time zone 'Europe/Atlantis' is not a known IANA time zone (e.g. UTC, "
       "Europe/Berlin)\n"},
      {{"schedule", "@daily", "--from", "2026-12-01 03:30"},
       "snapkeep schedule: --from '2026-12-01 03:30' is not valid: expected a UTC time like "
       "2026-12-01T03:30:00Z\n"},
      {{"schedule", "@daily", "--from", "2026-12-01T03:30:00+01:00"},
       "snapkeep schedule: --from '2026-12-01T03:30:00+01:00' is not valid: expected a UTC time "
       "like 2026-12-01T03:30:00Z\n"},
      {{"schedule", "@daily", "--from", "2026-02-30T03:30:00Z"},
       "snapkeep schedule: --from '2026-02-30T03:30:00Z' is not valid: expected a UTC time like "
       "2026-12-01T03:30:00Z\n"},
      {{"schedule", "@daily", "--count", "0"},
       "snapkeep schedule: --count 0 is not valid: expected a number 1-10000\n"},
      {{"schedule", "@daily", "--output", "yaml"},
       "snapkeep schedule: --output 'yaml' is not valid: expected text or json\n"},
  };
  for (const Case& c : cases) {
    Outcome o = run_cli(c.args);
    EXPECT_EQ(o.status, kExitBadInput) << c.args[1];
    EXPECT_EQ(o.err, c.err);
    EXPECT_EQ(o.out, "");
  }
  EXPECT_EQ(run_cli({"schedule"}).status, kExitBadInput);
}

}  // namespace
}  // namespace snapkeep::cli
