#include "cli/progress.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

namespace snapkeep::cli {
namespace {

std::string read_all(std::FILE* f) {
  std::rewind(f);
  std::string out;
  for (int c = std::fgetc(f); c != EOF; c = std::fgetc(f)) out.push_back(static_cast<char>(c));
  return out;
}

TEST(ProgressLine, RendersEveryRegionInNameOrderAndCutsToWidth) {
  std::map<std::string, engine::RegionProgress> regions;
  regions["us-east-1"] = {"us-east-1", 7, 9, 0};
  regions["eu-west-1"] = {"eu-west-1", 120, 400, 3};
  EXPECT_EQ(ProgressLine::render(regions, 200),
            "eu-west-1: 120/400 instances, 3 failed | us-east-1: 7/9 instances, 0 failed");
  EXPECT_EQ(ProgressLine::render(regions, 20), "eu-west-1: 120/400 ");
}

TEST(ProgressLine, RewritesInPlaceAndClearsOnFinish) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  {
    ProgressLine line(f, true, 80);
    line.update({"eu-west-1", 1, 10, 0});
    line.update({"eu-west-1", 2, 10, 1});
    line.finish();
  }
  const std::string a = "eu-west-1: 1/10 instances, 0 failed";
  const std::string b = "eu-west-1: 2/10 instances, 1 failed";
  EXPECT_EQ(read_all(f), "\r" + a + "\r" + b + "\r" + std::string(b.size(), ' ') + "\r");
  std::fclose(f);
}

TEST(ProgressLine, WritesNothingWhenDisabledOrNotATty) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  EXPECT_FALSE(ProgressLine::wanted(f, false, false));  // a file is not a TTY
  ProgressLine line(f, ProgressLine::wanted(f, false, false), 80);
  line.update({"eu-west-1", 1, 10, 0});
  line.finish();
  EXPECT_EQ(read_all(f), "");
  std::fclose(f);
}

}  // namespace
}  // namespace snapkeep::cli
