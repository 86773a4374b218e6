// notify_of_invalid_config: where `run` says that its configuration is
// invalid (issue 9 major 5): the file's notify targets, whatever else is wrong.
#include "cli/config_file.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>

namespace snapkeep::cli {
namespace {

struct TempFile {
  std::string path;
  explicit TempFile(const std::string& text)
      : path(::testing::TempDir() + "/snapkeep-config-file-test.yaml") {
    std::ofstream(path) << text;
  }
  ~TempFile() { std::remove(path.c_str()); }
};

TEST(NotifyOfInvalidConfig, TakesTheNotifyTargetsOfAnOtherwiseBrokenFile) {
  TempFile file(
      "notify:\n  webhook_url: https://hooks.example.com/x\n"
      "  sns_topic_arn: arn:aws:sns:us-east-1:123456789012:backup\n"
      "policies:\n  - name: nightly\n    retain: {daily: -1}\n");
  ASSERT_FALSE(load_config_file(file.path).has_value());
  auto notify = notify_of_invalid_config(file.path);
  EXPECT_EQ(notify.webhook_url.value_or(""), "https://hooks.example.com/x");
  EXPECT_EQ(notify.sns_topic_arn.value_or(""), "arn:aws:sns:us-east-1:123456789012:backup");
}

TEST(NotifyOfInvalidConfig, NothingWhenThereIsNowhereToSend) {
  TempFile not_yaml("notify: [unclosed\n");
  EXPECT_FALSE(notify_of_invalid_config(not_yaml.path).webhook_url);
  TempFile not_urls("notify:\n  webhook_url: [1, 2]\n  sns_topic_arn: backup\n");
  auto notify = notify_of_invalid_config(not_urls.path);
  EXPECT_FALSE(notify.webhook_url);
  EXPECT_FALSE(notify.sns_topic_arn);
  EXPECT_FALSE(notify_of_invalid_config("/nonexistent/snapkeep.yaml").webhook_url);
}

}  // namespace
}  // namespace snapkeep::cli
