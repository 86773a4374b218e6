#include "cli/cmd_validate.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "cli/app.h"
#include "core/retention.h"

namespace snapkeep::cli {
namespace {

using namespace std::chrono_literals;

// 2026-11-26T10:30:00Z, a Thursday, when Berlin is at UTC+1.
const core::Time kNow = std::chrono::sys_days{std::chrono::year{2026} / 11 / 26} + 10h + 30min;

class TempFile {
 public:
  explicit TempFile(const std::string& text) {
    static int counter = 0;
    m_path = std::filesystem::temp_directory_path() /
             ("snapkeep-validate-test-" + std::to_string(::getpid()) + "-" +
              std::to_string(counter++) + ".yaml");
    std::ofstream(m_path) << text;
  }
  ~TempFile() { std::filesystem::remove(m_path); }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  std::string path() const { return m_path.string(); }

 private:
  std::filesystem::path m_path;
};

std::string describe_schedule(const std::string& expression, const std::string& timezone) {
  auto schedule = core::Schedule::parse(expression, timezone);
  EXPECT_TRUE(schedule.has_value());
  return schedule ? schedule->describe() : "";
}

TEST(ValidateCommand, ValidFileSaysOkAndDescribesEachPolicy) {
  TempFile file(
      "regions: [us-east-1, eu-west-1]\n"
      "policies:\n"
      "  - name: nightly\n"
      "    select: {tags: {Backup: \"true\"}, exclude_tags: {Env: scratch, Tmp: \"*\"}}\n"
      "    schedule: \"cron(0 0 * * ? *)\"\n"
      "    timezone: Europe/Berlin\n"
      "    retain: {count: 7, daily: 14, yearly: 3}\n"
      "  - name: db\n"
      "    select: {instance_ids: [i-0123456789abcdef0], tags: {Role: db}}\n"
      "    schedule: rate(4 hours)\n"
      "    retain: {days: 2}\n"
      "  - name: all\n"
      "    select: {all: true}\n"
      "    schedule: rate(1 day)\n"
      "    retain: {hourly: 1, weekly: 2, monthly: 3}\n");
  std::ostringstream out;
  std::ostringstream err;
  EXPECT_EQ(validate_config(file.path(), kNow, out, err), kExitOk);
  EXPECT_EQ(err.str(), "");
  EXPECT_EQ(out.str(),
            "ok: " + file.path() + ": 3 policies, regions us-east-1, eu-west-1\n" +
                "nightly: instances tagged Backup=true, except tagged Env=scratch or Tmp=*; " +
                describe_schedule("cron(0 0 * * ? *)", "Europe/Berlin") +
                "; next runs 2026-11-26T23:00:00Z, 2026-11-27T23:00:00Z, 2026-11-28T23:00:00Z; "
                "keep count 7, daily 14, yearly 3\n" +
                "db: instances i-0123456789abcdef0 if tagged Role=db; " +
                describe_schedule("rate(4 hours)", "UTC") +
                "; next runs 2026-11-26T12:00:00Z, 2026-11-26T16:00:00Z, 2026-11-26T20:00:00Z; "
                "keep days 2\n" +
                "all: every instance; " + describe_schedule("rate(1 day)", "UTC") +
                "; next runs 2026-11-27T00:00:00Z, 2026-11-28T00:00:00Z, 2026-11-29T00:00:00Z; "
                "keep hourly 1, weekly 2, monthly 3\n");
}

TEST(ValidateCommand, SummaryNamesAllOrDefaultRegions) {
  const std::string policy =
      "policies:\n  - name: p\n    select: {tags: {A: b}}\n    schedule: rate(1 day)\n    retain: "
      "{count: 1}\n";
  for (const auto& [regions, words] : std::vector<std::pair<std::string, std::string>>{
           {"", "the default region"}, {"regions: \"*\"\n", "every enabled region"}}) {
    TempFile file(regions + policy);
    std::ostringstream out;
    std::ostringstream err;
    EXPECT_EQ(validate_config(file.path(), kNow, out, err), kExitOk);
    EXPECT_EQ(out.str().substr(0, out.str().find('\n')),
              "ok: " + file.path() + ": 1 policy, " + words);
  }
}

TEST(ValidateCommand, EachCopyTargetIsExplainedUnderItsPolicy) {
  TempFile file(
      "regions: [us-east-1]\n"
      "policies:\n"
      "  - name: p\n"
      "    select: {tags: {A: b}}\n"
      "    schedule: rate(1 day)\n"
      "    retain: {count: 1}\n"
      "    copies:\n"
      "      - {region: us-west-2, kms_key_id: alias/dr, retain: {days: 90}}\n"
      "      - {region: eu-west-1, retain: {monthly: 12}, max_in_flight: 5}\n"
      "      - {region: eu-central-1, encrypted: true, retain: {count: 2}}\n");
  std::ostringstream out;
  std::ostringstream err;
  EXPECT_EQ(validate_config(file.path(), kNow, out, err), kExitOk);
  const std::string text = out.str();
  EXPECT_NE(text.find("\n  copies every completed restore point that its retention keeps to "
                      "us-west-2 in the same account, encrypted with KMS key alias/dr of "
                      "us-west-2; keep days 90 there; at most 20 copies in flight, the rest waits "
                      "for a later run\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("\n  copies every completed restore point that its retention keeps to "
                      "eu-west-1 in the same account, encrypted only when the source is; keep "
                      "monthly 12 there; at most 5 copies in flight"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("to eu-central-1 in the same account, encrypted with the default EBS key "
                      "of eu-central-1; keep count 2 there"),
            std::string::npos)
      << text;
}

TEST(ValidateCommand, InvalidFilePrintsEveryErrorAndExitsTwo) {
  TempFile file(
      "policies:\n"
      "  - name: p\n"
      "    select: {tags: {A: b}}\n"
      "    schedule: rate(1 day)\n"
      "    retain: {count: 0}\n"
      "    snapshot: {tags: {\"aws:x\": y}}\n");
  std::ostringstream out;
  std::ostringstream err;
  EXPECT_EQ(validate_config(file.path(), kNow, out, err), kExitBadInput);
  EXPECT_EQ(out.str(), "");
  EXPECT_EQ(
      err.str(),
      file.path() +
          ":5:21: policies[0].retain.count must be a whole number from 1 to 36500, got 0\n" +
          file.path() +
          ":6:23: tag key \"aws:x\" in policies[0].snapshot.tags starts with \"aws:\", which AWS "
          "reserves; choose another key\n");
}

TEST(ValidateCommand, MissingFileIsOneClearError) {
  std::ostringstream out;
  std::ostringstream err;
  EXPECT_EQ(validate_config("/nonexistent/snapkeep.yaml", kNow, out, err), kExitBadInput);
  EXPECT_EQ(out.str(), "");
  EXPECT_EQ(err.str(),
            "/nonexistent/snapkeep.yaml: cannot read the configuration file: it does not exist "
            "(give another with "
            "--config FILE)\n");
}

TEST(ValidateCommand, DirectoryIsOneClearError) {
  std::ostringstream out;
  std::ostringstream err;
  auto dir = std::filesystem::temp_directory_path().string();
  EXPECT_EQ(validate_config(dir, kNow, out, err), kExitBadInput);
  EXPECT_EQ(err.str(), dir + ": cannot read the configuration file: it is a directory\n");
}

TEST(ValidateCommand, ScheduleThatNeverFiresAgainSaysSo) {
  TempFile file(
      "policies:\n  - name: p\n    select: {tags: {A: b}}\n    schedule: \"cron(0 0 1 1 ? 2020)\"\n"
      "    retain: {count: 1}\n");
  std::ostringstream out;
  std::ostringstream err;
  ASSERT_EQ(validate_config(file.path(), kNow, out, err), kExitOk) << err.str();
  EXPECT_NE(out.str().find("; never runs again; keep count 1\n"), std::string::npos) << out.str();
}

TEST(ValidateCommand, DrillIsDescribedInWords) {
  TempFile file(
      "policies:\n  - name: p\n    select: {tags: {A: b}}\n    schedule: rate(1 day)\n"
      "    retain: {count: 1}\n"
      "    drill: {schedule: rate(7 days), pick: random, within_days: 1, keep_minutes: 30,\n"
      "            availability_zone: us-east-1b}\n");
  std::ostringstream out;
  std::ostringstream err;
  ASSERT_EQ(validate_config(file.path(), kNow, out, err), kExitOk) << err.str();
  EXPECT_NE(out.str().find("; keep count 1; restore drill every 7 days: a random point of each "
                           "instance within 1 day, restored in us-east-1b, volumes kept 30 min\n"),
            std::string::npos)
      << out.str();
}

// Through the real command line: the subcommand exists, reads --config and
// maps the outcome to the exit status.
int run_cli(std::vector<std::string> args) {
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  return run(static_cast<int>(argv.size()), argv.data());
}

TEST(ValidateCommand, CommandLineAcceptsTheExamples) {
  testing::internal::CaptureStdout();
  int status =
      run_cli({"snapkeep", "validate", "--config", SNAPKEEP_SOURCE_DIR "/examples/snapkeep.yaml"});
  std::string out = testing::internal::GetCapturedStdout();
  EXPECT_EQ(status, kExitOk);
  EXPECT_EQ(out.rfind("ok: " SNAPKEEP_SOURCE_DIR
                      "/examples/snapkeep.yaml: 2 policies, regions us-east-1, eu-west-1\n",
                      0),
            0U)
      << out;
  EXPECT_NE(
      out.find("\nnightly: instances tagged Backup=true, except tagged Environment=scratch; "),
      std::string::npos)
      << out;
  EXPECT_NE(out.find("\ndb-4h: instances i-0123456789abcdef0, i-0fedcba9876543210; "),
            std::string::npos)
      << out;
}

TEST(ValidateCommand, CommandLineExitsTwoOnAMissingDefaultFile) {
  // The default --config is snapkeep.yaml in the working directory.
  auto cwd = std::filesystem::current_path();
  auto empty_dir = std::filesystem::temp_directory_path() /
                   ("snapkeep-validate-cwd-" + std::to_string(::getpid()));
  std::filesystem::create_directories(empty_dir);
  std::filesystem::current_path(empty_dir);
  testing::internal::CaptureStderr();
  int status = run_cli({"snapkeep", "validate"});
  std::string err = testing::internal::GetCapturedStderr();
  std::filesystem::current_path(cwd);
  std::filesystem::remove_all(empty_dir);
  EXPECT_EQ(status, kExitBadInput);
  EXPECT_EQ(err,
            "snapkeep.yaml: cannot read the configuration file: it does not exist (give another "
            "with --config "
            "FILE)\n");
}

}  // namespace
}  // namespace snapkeep::cli
