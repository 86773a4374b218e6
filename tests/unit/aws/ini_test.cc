#include "aws/ini.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "credentials_fakes.h"

namespace snapkeep::aws {
namespace {

IniFile parse_ok(std::string_view text) {
  auto parsed = parse_ini(text, "test.ini");
  EXPECT_TRUE(parsed) << (parsed ? "" : parsed.error());
  return parsed ? std::move(parsed).value() : IniFile{};
}

TEST(Ini, SectionsKeysCommentsAndWhitespace) {
  IniFile file = parse_ok(
      "# leading comment\n"
      "; another\n"
      "\n"
      "[default]\n"
      "aws_access_key_id = AKIDEXAMPLE\n"
      "  \t\n"
      "region=eu-west-1   \n"
      "[profile dev]\n"
      "  role_arn   =   arn:aws:iam::123456789012:role/dev  \n"
      "Output: json\n");
  ASSERT_EQ(file.sections.size(), 2u);
  EXPECT_EQ(file.path, "test.ini");
  EXPECT_EQ(file.sections[0].name, "default");
  EXPECT_EQ(file.sections[0].line, 4);
  EXPECT_EQ(file.sections[0].values.at("aws_access_key_id"), "AKIDEXAMPLE");
  EXPECT_EQ(file.sections[0].values.at("region"), "eu-west-1");
  const IniSection* dev = file.find("profile dev");
  ASSERT_NE(dev, nullptr);
  EXPECT_EQ(dev->values.at("role_arn"), "arn:aws:iam::123456789012:role/dev");
  EXPECT_EQ(dev->values.at("output"), "json");  // keys are lower-cased
  EXPECT_EQ(file.find("dev"), nullptr);
}

TEST(Ini, HashInsideValueIsKeptAsBotocoreDoes) {
  IniFile file = parse_ok("[a]\nkey = abc#def ;x\n");
  EXPECT_EQ(file.sections[0].values.at("key"), "abc#def ;x");
}

TEST(Ini, EmptyValueIsAllowed) {
  IniFile file = parse_ok("[a]\nkey =\nother = 1\n");
  EXPECT_EQ(file.sections[0].values.at("key"), "");
  EXPECT_EQ(file.sections[0].values.at("other"), "1");
  EXPECT_TRUE(file.sections[0].subsections.empty());
}

TEST(Ini, IndentedSubSection) {
  IniFile file = parse_ok(
      "[services local]\n"
      "ec2 =\n"
      "  endpoint_url = http://127.0.0.1:5000\n"
      "  Max_Attempts = 3\n"
      "sns =\n"
      "\tendpoint_url = http://127.0.0.1:5001\n"
      "region = us-east-1\n");
  const IniSection& s = file.sections[0];
  ASSERT_EQ(s.subsections.size(), 2u);
  EXPECT_EQ(s.subsections.at("ec2").at("endpoint_url"), "http://127.0.0.1:5000");
  EXPECT_EQ(s.subsections.at("ec2").at("max_attempts"), "3");
  EXPECT_EQ(s.subsections.at("sns").at("endpoint_url"), "http://127.0.0.1:5001");
  EXPECT_EQ(s.values.count("ec2"), 0u);
  EXPECT_EQ(s.values.at("region"), "us-east-1");
}

TEST(Ini, IndentedLineContinuesAValue) {
  IniFile file = parse_ok("[a]\npolicy = line one\n   line two\nnext = x\n");
  EXPECT_EQ(file.sections[0].values.at("policy"), "line one\nline two");
  EXPECT_EQ(file.sections[0].values.at("next"), "x");
}

TEST(Ini, DuplicateKeysLastWins) {
  IniFile file = parse_ok("[a]\nk = 1\nk = 2\n");
  EXPECT_EQ(file.sections[0].values.at("k"), "2");
}

TEST(Ini, DuplicateSectionsMergeLastWins) {
  IniFile file = parse_ok("[a]\nk = 1\nj = x\n[b]\nk = 9\n[a]\nk = 2\n");
  ASSERT_EQ(file.sections.size(), 2u);
  EXPECT_EQ(file.find("a")->values.at("k"), "2");
  EXPECT_EQ(file.find("a")->values.at("j"), "x");
  EXPECT_EQ(file.find("b")->values.at("k"), "9");
}

TEST(Ini, CrLfLineEndings) {
  IniFile file = parse_ok("[default]\r\naws_access_key_id = AK\r\n\r\n");
  EXPECT_EQ(file.sections[0].values.at("aws_access_key_id"), "AK");
}

TEST(Ini, NoFinalNewlineAndEmptyText) {
  EXPECT_EQ(parse_ok("[a]\nk=v").sections[0].values.at("k"), "v");
  EXPECT_TRUE(parse_ok("").sections.empty());
}

TEST(Ini, MalformedLineReportsFileAndLineWithoutTheContent) {
  auto parsed = parse_ini("[default]\naws_access_key_id = AK\nwJalrXUtnFEMI/K7MDENG\n", "/x/creds");
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error(), "/x/creds:3: expected 'key = value' or '[section]'");
}

TEST(Ini, KeyBeforeAnySection) {
  auto parsed = parse_ini("\nregion = us-east-1\n", "c");
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error(), "c:2: 'key = value' line before any [section] header");
}

TEST(Ini, BadSectionHeaders) {
  auto unclosed = parse_ini("[default\n", "c");
  ASSERT_FALSE(unclosed);
  EXPECT_EQ(unclosed.error(), "c:1: section header without closing ']'");
  auto empty = parse_ini("[a]\n[  ]\n", "c");
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error(), "c:2: empty section name");
}

TEST(Ini, EmptyKeyIsMalformed) {
  auto parsed = parse_ini("[a]\n = value\n", "c");
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error(), "c:2: expected 'key = value' or '[section]'");
}

TEST(Ini, MalformedSubSectionLine) {
  auto parsed = parse_ini("[a]\ns3 =\n  not a pair\n", "c");
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error(), "c:3: expected 'key = value' in the indented sub-section");
}

TEST(Ini, LoadMissingFileIsNotFound) {
  testing::TempDir dir;
  auto loaded = load_ini(dir.path("nope"));
  ASSERT_TRUE(loaded);
  EXPECT_FALSE(loaded->found);
}

TEST(Ini, LoadDirectoryIsAnError) {
  testing::TempDir dir;
  auto loaded = load_ini(dir.path(""));
  ASSERT_FALSE(loaded);
  EXPECT_NE(loaded.error().find("cannot read"), std::string::npos) << loaded.error();
}

TEST(Ini, LoadReadsAndParses) {
  testing::TempDir dir;
  auto path = dir.write("config", "[x]\nk = v\n");
  auto loaded = load_ini(path);
  ASSERT_TRUE(loaded);
  EXPECT_TRUE(loaded->found);
  EXPECT_EQ(loaded->file.path, path);
  EXPECT_EQ(loaded->file.find("x")->values.at("k"), "v");
}

RC_GTEST_PROP(IniProperty, ArbitraryBytesNeverCrash, (const std::string& text)) {
  auto parsed = parse_ini(text, "f");
  if (!parsed) RC_ASSERT(parsed.error().rfind("f:", 0) == 0);
}

RC_GTEST_PROP(IniProperty, WrittenKeysReadBack, (const std::map<std::string, std::string>& raw)) {
  // Keys and values of letters and digits survive a write and a parse.
  std::string text = "[s]\n";
  std::map<std::string, std::string> expected;
  int i = 0;
  for (const auto& [k, v] : raw) {
    std::string key = "k" + std::to_string(i++);
    std::string value;
    for (char c : v) {
      if (std::isalnum(static_cast<unsigned char>(c))) value += c;
    }
    if (value.empty()) value = "x";
    text += key + " = " + value + "\n";
    expected[key] = value;
    (void)k;
  }
  auto parsed = parse_ini(text, "f");
  RC_ASSERT(parsed.has_value());
  for (const auto& [k, v] : expected) RC_ASSERT(parsed->sections[0].values.at(k) == v);
}

}  // namespace
}  // namespace snapkeep::aws
