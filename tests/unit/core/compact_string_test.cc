#include "core/compact_string.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

namespace snapkeep::core {
namespace {

TEST(CompactString, HoldsEc2IdsAndSlotsInline) {
  for (const char* text :
       {"", "snap-0123456789abcdef0", "vol-0123456789abcdef0", "i-0123456789abcdef0",
        "111122223333", "2026-11-26T00:00:00Z", "12345678901234567890123"}) {
    const CompactString s(text);
    EXPECT_EQ(s.view(), text);
    EXPECT_FALSE(s.on_heap()) << text;
  }
}

TEST(CompactString, LongerValuesGoToTheHeap) {
  const std::string text(24, 'x');
  const CompactString s(text);
  EXPECT_TRUE(s.on_heap());
  EXPECT_EQ(s.view(), text);
  EXPECT_EQ(s.size(), 24U);
  const std::string long_text(256, 'y');
  EXPECT_EQ(CompactString(long_text).str(), long_text);
}

TEST(CompactString, CopyMoveAndSwapKeepBothSidesValid) {
  CompactString a(std::string(40, 'a'));
  CompactString b("short");
  CompactString c = a;  // deep copy
  EXPECT_EQ(c, a);
  EXPECT_NE(c.view().data(), a.view().data());
  CompactString d = std::move(a);
  EXPECT_EQ(d.view(), std::string(40, 'a'));
  EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): moved-from is empty by contract
  d.swap(b);
  EXPECT_EQ(d, "short");
  EXPECT_EQ(b.view(), std::string(40, 'a'));
  b = b;  // self-assignment keeps the value
  EXPECT_EQ(b.view(), std::string(40, 'a'));
  b = d;
  EXPECT_EQ(b, "short");
  b = CompactString(std::string(30, 'z'));
  EXPECT_EQ(b.view(), std::string(30, 'z'));
}

TEST(CompactString, ComparesWithStringsAndLiterals) {
  const CompactString s("i-abc");
  EXPECT_TRUE(s == std::string("i-abc"));
  EXPECT_TRUE(s == "i-abc");
  EXPECT_TRUE(s != std::string_view("i-abd"));
  EXPECT_TRUE(s < std::string("i-abd"));
  EXPECT_TRUE(CompactString("a") < CompactString("b"));
  EXPECT_EQ(fmt::format("[{}]", s), "[i-abc]");
  EXPECT_EQ(std::hash<CompactString>{}(s), std::hash<std::string_view>{}("i-abc"));
}

// Whatever the lengths, a vector of CompactString behaves like one of
// std::string through copies, moves, reallocation and sorting.
RC_GTEST_PROP(CompactStringProperties, BehavesLikeStdString, (std::vector<std::string> texts)) {
  std::vector<CompactString> compact;
  for (const auto& t : texts) compact.emplace_back(t);  // reallocates: moves
  std::vector<CompactString> copy = compact;
  std::ranges::sort(copy);
  std::vector<std::string> sorted = texts;
  std::ranges::sort(sorted);
  RC_ASSERT(copy.size() == sorted.size());
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    RC_ASSERT(copy[i].view() == std::string_view(sorted[i]));
    RC_ASSERT(copy[i].on_heap() == (sorted[i].size() > CompactString::inline_capacity));
  }
  for (std::size_t i = 0; i < texts.size(); ++i) {
    RC_ASSERT(compact[i] == texts[i]);
  }
}

}  // namespace
}  // namespace snapkeep::core
