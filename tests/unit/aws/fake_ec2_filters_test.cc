// The fake EC2's filter wildcards (tests/support/fake_ec2.cc) follow EC2's:
// '*' and '?' are wildcards and a backslash escapes the next character. Core
// doubles a literal backslash in tag values it sends (core/selection.cc), so
// a fake that ignored escapes would select the wrong instances in every
// engine test with a backslash in a tag.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "aws/sigv4.h"
#include "support/fake_ec2.h"
#include "transport_fakes.h"

namespace snapkeep::aws {
namespace {

using snapkeep::testing::FakeEc2;
using snapkeep::testing::FakeInstance;

class FakeEc2Filters : public ::testing::Test {
 protected:
  void SetUp() override {
    auto& instances = m_ec2.region("us-east-1").instances;
    const std::pair<const char*, const char*> fleet[] = {
        {"i-00000001", "web*"}, {"i-00000002", "web1"},   {"i-00000003", "web?"},
        {"i-00000004", "webX"}, {"i-00000005", "a\\b"},   {"i-00000006", "a\\\\b"},
        {"i-00000007", "axb"},  {"i-00000008", "trail\\"}};
    for (const auto& [id, name] : fleet) {
      FakeInstance instance;
      instance.id = id;
      instance.tags = {{"Name", name}};
      instances.push_back(instance);
    }
  }

  // The instance ids DescribeInstances returns for tag:Name = `pattern`.
  std::vector<std::string> select(const std::string& pattern) {
    HttpRequest request;
    request.method = "POST";
    request.url = "https://ec2.us-east-1.amazonaws.com/";
    request.body = form_body({{"Action", "DescribeInstances"},
                              {"Version", "2016-11-15"},
                              {"Filter.1.Name", "tag:Name"},
                              {"Filter.1.Value.1", pattern}});
    Signer signer;
    signer.sign(request, {"AKIDEXAMPLE", "secret", "", std::nullopt, "test"}, {"us-east-1", "ec2"},
                m_clock.now());
    auto response = m_ec2.send(request);
    EXPECT_TRUE(response.has_value());
    std::vector<std::string> ids;
    if (!response) return ids;
    const std::string& body = response->body;
    for (auto pos = body.find("<instanceId>"); pos != std::string::npos;
         pos = body.find("<instanceId>", pos + 1)) {
      const auto start = pos + 12;
      ids.push_back(body.substr(start, body.find('<', start) - start));
    }
    return ids;
  }

  testing::FakeClock m_clock;
  FakeEc2 m_ec2{m_clock};
};

using Ids = std::vector<std::string>;

TEST_F(FakeEc2Filters, UnescapedWildcards) {
  EXPECT_EQ(select("web*"), (Ids{"i-00000001", "i-00000002", "i-00000003", "i-00000004"}));
  EXPECT_EQ(select("web?"), (Ids{"i-00000001", "i-00000002", "i-00000003", "i-00000004"}));
  EXPECT_EQ(select("a?b"), (Ids{"i-00000005", "i-00000007"}));  // '?' matches the backslash
  EXPECT_EQ(select("*"), (Ids{"i-00000001", "i-00000002", "i-00000003", "i-00000004", "i-00000005",
                              "i-00000006", "i-00000007", "i-00000008"}));
}

TEST_F(FakeEc2Filters, EscapedStarAndQuestionMarkAreLiteral) {
  EXPECT_EQ(select("web\\*"), (Ids{"i-00000001"}));
  EXPECT_EQ(select("web\\?"), (Ids{"i-00000003"}));
  EXPECT_EQ(select("w*\\*"), (Ids{"i-00000001"}));
}

TEST_F(FakeEc2Filters, DoubledBackslashIsOneLiteralBackslash) {
  // What core sends for the tag value a\b.
  EXPECT_EQ(select("a\\\\b"), (Ids{"i-00000005"}));
  EXPECT_EQ(select("a\\\\\\\\b"), (Ids{"i-00000006"}));
  EXPECT_EQ(select("trail\\\\"), (Ids{"i-00000008"}));
  // A lone trailing backslash is literal.
  EXPECT_EQ(select("trail\\"), (Ids{"i-00000008"}));
  // An escaped ordinary character is that character.
  EXPECT_EQ(select("\\axb"), (Ids{"i-00000007"}));
}

}  // namespace
}  // namespace snapkeep::aws
