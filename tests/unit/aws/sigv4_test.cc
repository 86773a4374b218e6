#include "aws/sigv4.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace snapkeep::aws {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

SysTime utc(int year, unsigned month, unsigned day, int hour, int minute, int second) {
  const std::chrono::sys_days days{std::chrono::year{year} / std::chrono::month{month} /
                                   std::chrono::day{day}};
  return std::chrono::time_point_cast<std::chrono::milliseconds>(days + std::chrono::hours{hour} +
                                                                 std::chrono::minutes{minute} +
                                                                 std::chrono::seconds{second});
}

// ---------------------------------------------------------------------------
// AWS SigV4 test suite (aws-c-auth's v4 folder): every case, header and query.

const fs::path kSuite = fs::path(SNAPKEEP_SIGNING_SUITE) / "v4";

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Expected-value files carry no meaningful trailing newline.
std::string read_expected(const fs::path& path) {
  std::string text = read_text(path);
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

struct SuiteCase {
  HttpRequest request;
  Credentials credentials;
  SigningScope scope;
  SysTime now;
  SigningOptions options;
  std::chrono::seconds expires{0};
};

// request.txt: "METHOD PATH HTTP/1.1", "Name:value" lines (indented lines
// continue the previous value), a blank line, then the body.
HttpRequest parse_request(const std::string& text) {
  HttpRequest request;
  std::size_t pos = text.find('\n');
  const std::string first = text.substr(0, pos);
  const auto method_end = first.find(' ');
  const auto version = first.rfind(" HTTP/");
  request.method = first.substr(0, method_end);
  const std::string target = first.substr(method_end + 1, version - method_end - 1);
  pos = pos == std::string::npos ? text.size() : pos + 1;
  while (pos < text.size()) {
    auto end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    const std::string line = text.substr(pos, end - pos);
    pos = std::min(text.size(), end + 1);
    if (line.empty()) {
      request.body = text.substr(pos);
      break;
    }
    if ((line.front() == ' ' || line.front() == '\t') && !request.headers.empty()) {
      request.headers.back().second += "\n" + line;
      continue;
    }
    const auto colon = line.find(':');
    request.headers.emplace_back(line.substr(0, colon), line.substr(colon + 1));
  }
  const std::string* host = find_header(request.headers, "host");
  request.url = "https://" + (host ? *host : std::string("example.amazonaws.com")) + target;
  return request;
}

SuiteCase load_case(const fs::path& dir) {
  SuiteCase c;
  c.request = parse_request(read_text(dir / "request.txt"));
  const auto context = nlohmann::json::parse(read_text(dir / "context.json"));
  c.credentials.access_key_id = context["credentials"]["access_key_id"];
  c.credentials.secret_access_key = context["credentials"]["secret_access_key"];
  c.credentials.session_token = context["credentials"].value("token", "");
  c.scope = {context["region"], context["service"]};
  int year = 0;
  unsigned month = 0;
  unsigned day = 0;
  int hour = 0;
  int minute = 0;
  int second = 0;
  const std::string timestamp = context["timestamp"];
  EXPECT_EQ(std::sscanf(timestamp.c_str(), "%d-%u-%uT%d:%d:%dZ", &year, &month, &day, &hour,
                        &minute, &second),
            6);
  c.now = utc(year, month, day, hour, minute, second);
  c.options.normalize_path = context.value("normalize", true);
  c.options.sign_body = context.value("sign_body", false);
  c.options.omit_session_token = context.value("omit_session_token", false);
  c.expires = std::chrono::seconds{context.value("expiration_in_seconds", 3600)};
  return c;
}

constexpr const char* kSuiteAbsent = "suite-absent";

std::vector<std::string> suite_case_names() {
  std::vector<std::string> names;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(kSuite, error)) {
    if (entry.is_directory() && fs::exists(entry.path() / "request.txt")) {
      names.push_back(entry.path().filename().string());
    }
  }
  std::sort(names.begin(), names.end());
  if (names.empty()) names.emplace_back(kSuiteAbsent);
  return names;
}

class SigningSuite : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == kSuiteAbsent) {
      GTEST_SKIP() << "AWS signing test suite not found at " << kSuite
                   << " (set SNAPKEEP_SIGNING_SUITE)";
    }
    m_dir = kSuite / GetParam();
    m_case = load_case(m_dir);
  }
  fs::path m_dir;
  SuiteCase m_case;
};

TEST_P(SigningSuite, HeaderSigning) {
  Signer signer;
  SigningTrace trace;
  HttpRequest request = m_case.request;
  signer.sign(request, m_case.credentials, m_case.scope, m_case.now, m_case.options, &trace);
  EXPECT_EQ(trace.canonical_request, read_expected(m_dir / "header-canonical-request.txt"));
  EXPECT_EQ(trace.string_to_sign, read_expected(m_dir / "header-string-to-sign.txt"));
  EXPECT_EQ(trace.signature, read_expected(m_dir / "header-signature.txt"));

  // The Authorization line of the expected signed request, exactly.
  const std::string signed_request = read_expected(m_dir / "header-signed-request.txt");
  const auto start = signed_request.find("\nAuthorization:");
  ASSERT_NE(start, std::string::npos);
  const auto end = signed_request.find('\n', start + 1);
  const std::string expected_authorization = signed_request.substr(start + 15, end - start - 15);
  const std::string* authorization = find_header(request.headers, "Authorization");
  ASSERT_NE(authorization, nullptr);
  EXPECT_EQ(*authorization, expected_authorization);
  const std::string* date = find_header(request.headers, "X-Amz-Date");
  ASSERT_NE(date, nullptr);
  EXPECT_EQ(*date, "20150830T123600Z");
  const std::string* token = find_header(request.headers, "X-Amz-Security-Token");
  if (m_case.credentials.session_token.empty()) {
    EXPECT_EQ(token, nullptr);
  } else {
    ASSERT_NE(token, nullptr);
    EXPECT_EQ(*token, m_case.credentials.session_token);
  }
}

TEST_P(SigningSuite, QuerySigning) {
  Signer signer;
  SigningTrace trace;
  const std::string url = signer.presign(m_case.request, m_case.credentials, m_case.scope,
                                         m_case.now, m_case.expires, m_case.options, &trace);
  EXPECT_EQ(trace.canonical_request, read_expected(m_dir / "query-canonical-request.txt"));
  EXPECT_EQ(trace.string_to_sign, read_expected(m_dir / "query-string-to-sign.txt"));
  const std::string signature = read_expected(m_dir / "query-signature.txt");
  EXPECT_EQ(trace.signature, signature);
  EXPECT_TRUE(url.ends_with("&X-Amz-Signature=" + signature)) << url;
  if (!m_case.credentials.session_token.empty()) {
    EXPECT_NE(url.find("&X-Amz-Security-Token=" +
                       uri_encode(m_case.credentials.session_token, false) + "&"),
              std::string::npos)
        << url;
  }
}

TEST_P(SigningSuite, ResigningGivesTheSameHeaders) {
  // A retry re-signs the request it already signed: no header may pile up.
  Signer signer;
  HttpRequest once = m_case.request;
  signer.sign(once, m_case.credentials, m_case.scope, m_case.now, m_case.options);
  HttpRequest twice = once;
  signer.sign(twice, m_case.credentials, m_case.scope, m_case.now, m_case.options);
  EXPECT_EQ(twice.headers, once.headers);
}

std::string case_test_name(const ::testing::TestParamInfo<std::string>& info) {
  std::string name = info.param;
  for (char& ch : name) {
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(AwsV4, SigningSuite, ::testing::ValuesIn(suite_case_names()),
                         case_test_name);

// ---------------------------------------------------------------------------
// Encoding.

TEST(FormEncode, EveryByte) {
  for (int byte = 0; byte < 256; ++byte) {
    const char ch = static_cast<char>(byte);
    const std::string encoded = form_encode(std::string(1, ch));
    if (std::isalnum(byte) || ch == '-' || ch == '_' || ch == '.' || ch == '~') {
      EXPECT_EQ(encoded, std::string(1, ch)) << byte;
    } else if (ch == ' ') {
      EXPECT_EQ(encoded, "+");
    } else {
      char expected[4];
      std::snprintf(expected, sizeof expected, "%%%02X", byte);
      EXPECT_EQ(encoded, expected) << byte;
    }
    // uri_encode differs only for the space and, with keep_slash, '/'.
    const std::string uri = uri_encode(std::string(1, ch), false);
    EXPECT_EQ(uri, ch == ' ' ? std::string("%20") : encoded) << byte;
    EXPECT_EQ(uri_encode(std::string(1, ch), true), ch == '/' ? std::string("/") : uri) << byte;
  }
}

TEST(FormEncode, Utf8AndReservedCharacters) {
  EXPECT_EQ(form_encode("caf\xC3\xA9 \xE2\x82\xAC\xF0\x9F\x98\x80"),
            "caf%C3%A9+%E2%82%AC%F0%9F%98%80");
  EXPECT_EQ(form_encode("a+b=c&d/e?f#g%h*i'j"), "a%2Bb%3Dc%26d%2Fe%3Ff%23g%25h%2Ai%27j");
  EXPECT_EQ(form_encode(""), "");
  EXPECT_EQ(form_encode(std::string("\0x", 2)), "%00x");
  EXPECT_EQ(uri_encode("/a b/c~d", true), "/a%20b/c~d");
}

TEST(FormEncode, FormBodyKeepsOrder) {
  EXPECT_EQ(form_body({{"Action", "DescribeSnapshots"},
                       {"Version", "2016-11-15"},
                       {"Filter.1.Name", "tag:snapkeep:policy"},
                       {"Filter.1.Value.1", "daily backups"},
                       {"Empty", ""}}),
            "Action=DescribeSnapshots&Version=2016-11-15&Filter.1.Name=tag%3Asnapkeep%3Apolicy&"
            "Filter.1.Value.1=daily+backups&Empty=");
  EXPECT_EQ(form_body({}), "");
}

// ---------------------------------------------------------------------------
// Stages.

TEST(SigningStages, HostFromUrl) {
  using sigv4_detail::host_from_url;
  EXPECT_EQ(host_from_url("https://EC2.us-east-1.AmazonAWS.com/"), "ec2.us-east-1.amazonaws.com");
  EXPECT_EQ(host_from_url("https://ec2.us-east-1.amazonaws.com:443/"),
            "ec2.us-east-1.amazonaws.com");
  EXPECT_EQ(host_from_url("http://127.0.0.1:5000/"), "127.0.0.1:5000");
  EXPECT_EQ(host_from_url("http://127.0.0.1:80"), "127.0.0.1");
  EXPECT_EQ(host_from_url("https://127.0.0.1:80/"), "127.0.0.1:80");
  EXPECT_EQ(host_from_url("https://user:pw@host.example:8443?x=1"), "host.example:8443");
  EXPECT_EQ(host_from_url("http://[::1]:5000/"), "[::1]:5000");
}

TEST(SigningStages, CanonicalUri) {
  using sigv4_detail::canonical_uri;
  EXPECT_EQ(canonical_uri("https://h", true), "/");
  EXPECT_EQ(canonical_uri("https://h", false), "/");
  EXPECT_EQ(canonical_uri("https://h/a/./b/../c//d/", true), "/a/c/d/");
  EXPECT_EQ(canonical_uri("https://h/a/./b/../c//d/", false), "/a/./b/../c//d/");
  EXPECT_EQ(canonical_uri("https://h/../..", true), "/");
  EXPECT_EQ(canonical_uri("https://h/a b?x=1", true), "/a%20b");
}

TEST(SigningStages, CanonicalQuery) {
  using sigv4_detail::canonical_query;
  EXPECT_EQ(canonical_query("https://h/?b=2&a=3&a=1&c"), "a=1&a=3&b=2&c=");
  EXPECT_EQ(canonical_query("https://h/?k=a%20b&k2=a+b&%7e=x"), "k=a%20b&k2=a%2Bb&~=x");
  EXPECT_EQ(canonical_query("https://h/"), "");
}

TEST(SigningStages, TrimAll) {
  using sigv4_detail::trim_all;
  EXPECT_EQ(trim_all("  a   b \t\n c  "), "a b c");
  EXPECT_EQ(trim_all(""), "");
  EXPECT_EQ(trim_all(" \t "), "");
  EXPECT_EQ(trim_all("\"a   b   c\""), "\"a b c\"");
}

TEST(SigningStages, DerivedKeyMatchesAwsExample) {
  // The worked example of AWS's documentation (secret, 20120215, us-east-1, iam).
  const std::string key = sigv4_detail::derive_signing_key(
      "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20120215", "us-east-1", "iam");
  std::string hex;
  for (char byte : key) {
    char digits[3];
    std::snprintf(digits, sizeof digits, "%02x", static_cast<unsigned char>(byte));
    hex += digits;
  }
  EXPECT_EQ(hex, "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d");
  EXPECT_EQ(sigv4_detail::sha256_hex(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  // RFC 4231 test case 2.
  EXPECT_EQ(sigv4_detail::hmac_sha256_hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(SigningStages, AmzDate) {
  EXPECT_EQ(sigv4_detail::amz_date(utc(2015, 8, 30, 12, 36, 0) + 999ms), "20150830T123600Z");
  EXPECT_EQ(sigv4_detail::amz_date(utc(2024, 2, 29, 23, 59, 59)), "20240229T235959Z");
}

// ---------------------------------------------------------------------------
// Signer behaviour.

Credentials session_credentials() {
  return {"ASIAEXAMPLEKEY", "s3cr3t/SECRET+key/abcdefghijklmnopqrstuv",
          "FQoGZXIvYXdzE//token=", std::nullopt, "test"};
}

HttpRequest describe_snapshots() {
  HttpRequest request;
  request.url = "https://ec2.us-west-2.amazonaws.com/";
  request.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"},
                     {"User-Agent", "snapkeep/0.1"},
                     {"Expect", ""},
                     {"Transfer-Encoding", "chunked"},
                     {"X-Amzn-Trace-Id", "Root=1-abc"}};
  request.body = form_body({{"Action", "DescribeSnapshots"},
                            {"Version", "2016-11-15"},
                            {"Owner.1", "self"},
                            {"Filter.1.Name", "tag:snapkeep:policy"},
                            {"Filter.1.Value.1", "daily"}});
  return request;
}

TEST(Signer, QueryPostSignsOnlyWhatBotocoreSigns) {
  Signer signer;
  HttpRequest request = describe_snapshots();
  SigningTrace trace;
  signer.sign(request, session_credentials(), {"us-west-2", "ec2"}, utc(2024, 5, 1, 10, 0, 0), {},
              &trace);
  const std::string* authorization = find_header(request.headers, "Authorization");
  ASSERT_NE(authorization, nullptr);
  EXPECT_TRUE(authorization->starts_with(
      "AWS4-HMAC-SHA256 Credential=ASIAEXAMPLEKEY/20240501/us-west-2/ec2/aws4_request, "
      "SignedHeaders=content-type;host;x-amz-date;x-amz-security-token, Signature="))
      << *authorization;
  EXPECT_EQ(trace.canonical_request,
            "POST\n/\n\n"
            "content-type:application/x-www-form-urlencoded; charset=utf-8\n"
            "host:ec2.us-west-2.amazonaws.com\n"
            "x-amz-date:20240501T100000Z\n"
            "x-amz-security-token:FQoGZXIvYXdzE//token=\n\n"
            "content-type;host;x-amz-date;x-amz-security-token\n" +
                sigv4_detail::sha256_hex(request.body));
}

TEST(Signer, NoSecretInAnyHeader) {
  Signer signer;
  const Credentials credentials = session_credentials();
  HttpRequest request = describe_snapshots();
  signer.sign(request, credentials, {"us-west-2", "ec2"}, utc(2024, 5, 1, 10, 0, 0));
  for (const auto& [name, value] : request.headers) {
    EXPECT_EQ(value.find(credentials.secret_access_key), std::string::npos) << name;
    EXPECT_EQ(value.find("SECRET"), std::string::npos) << name;
  }
  const std::string url =
      signer.presign("https://ec2.us-east-1.amazonaws.com/?Action=CopySnapshot", credentials,
                     {"us-east-1", "ec2"}, utc(2024, 5, 1, 10, 0, 0), 3600s);
  EXPECT_EQ(url.find("SECRET"), std::string::npos);
  EXPECT_EQ(url.find(form_encode(credentials.secret_access_key)), std::string::npos);
}

TEST(Signer, PortIsPartOfHost) {
  Signer signer;
  HttpRequest request = describe_snapshots();
  request.url = "http://127.0.0.1:45123/";
  SigningTrace trace;
  signer.sign(request, session_credentials(), {"us-west-2", "ec2"}, utc(2024, 5, 1, 10, 0, 0), {},
              &trace);
  EXPECT_NE(trace.canonical_request.find("\nhost:127.0.0.1:45123\n"), std::string::npos);
}

TEST(Signer, KeyCacheIsPerSecretDateRegionAndService) {
  Signer signer;
  Credentials credentials = session_credentials();
  const SysTime day1 = utc(2024, 5, 1, 10, 0, 0);
  auto sign_once = [&](const Credentials& c, const SigningScope& scope, SysTime now) {
    HttpRequest request = describe_snapshots();
    SigningTrace trace;
    signer.sign(request, c, scope, now, {}, &trace);
    return trace.signature;
  };
  // The expected signatures are botocore's for the same requests
  // (tests/support/botocore_sign.py, SigV4Auth.add_auth), so a key served
  // from the cache is checked against an independent signer, not against
  // itself.
  const std::string first = sign_once(credentials, {"us-west-2", "ec2"}, day1);
  EXPECT_EQ(first, "1af1130e8fa3fb3fb895c912347f887c822966b14e71af39bf93b78fc371cf8a");
  EXPECT_EQ(signer.cached_key_count(), 1u);
  // Same key again, and later the same day (another X-Amz-Date, the same
  // derived key): served from the cache.
  EXPECT_EQ(sign_once(credentials, {"us-west-2", "ec2"}, day1), first);
  EXPECT_EQ(sign_once(credentials, {"us-west-2", "ec2"}, day1 + 3h),
            "bea945808b59d3ec44daedaf57237d15c6490f5463371bf1fcca7d897e313e39");
  EXPECT_EQ(signer.cached_key_count(), 1u);
  Signer fresh;
  {
    HttpRequest request = describe_snapshots();
    SigningTrace trace;
    fresh.sign(request, credentials, {"us-west-2", "ec2"}, day1, {}, &trace);
    EXPECT_EQ(trace.signature, first);
  }
  sign_once(credentials, {"us-west-2", "ec2"}, day1 + 24h);
  EXPECT_EQ(signer.cached_key_count(), 2u);
  sign_once(credentials, {"eu-west-1", "ec2"}, day1);
  EXPECT_EQ(signer.cached_key_count(), 3u);
  sign_once(credentials, {"us-west-2", "sns"}, day1);
  EXPECT_EQ(signer.cached_key_count(), 4u);
  // A rotated secret never reuses the old key.
  Credentials rotated = credentials;
  rotated.secret_access_key += "x";
  const std::string after_rotation = sign_once(rotated, {"us-west-2", "ec2"}, day1);
  EXPECT_NE(after_rotation, first);
  EXPECT_EQ(signer.cached_key_count(), 5u);
  // The cache stays bounded.
  for (int i = 0; i < 200; ++i) {
    sign_once(credentials, {"region-" + std::to_string(i), "ec2"}, day1);
  }
  EXPECT_LE(signer.cached_key_count(), Signer::kMaxCachedKeys);
  EXPECT_EQ(sign_once(credentials, {"us-west-2", "ec2"}, day1), first);
}

TEST(Signer, ConcurrentSigningAgreesWithSerialSigning) {
  // Several threads share one Signer (one per process in production): the
  // key cache and the per-thread OpenSSL contexts must not mix results.
  std::vector<SigningScope> scopes;
  for (const char* region : {"us-east-1", "us-west-2", "eu-west-1", "ap-south-1"}) {
    scopes.push_back({region, "ec2"});
  }
  const Credentials credentials = session_credentials();
  auto signature = [&](Signer& signer, std::size_t i) {
    HttpRequest request = describe_snapshots();
    request.body += "&Marker=" + std::to_string(i);
    SigningTrace trace;
    signer.sign(request, credentials, scopes[i % scopes.size()],
                utc(2024, 5, 1, 10, 0, 0) + std::chrono::hours{24 * (i % 3)}, {}, &trace);
    return trace.signature;
  };
  constexpr std::size_t kPerThread = 400;
  constexpr std::size_t kThreads = 4;
  Signer serial;
  std::vector<std::string> expected;
  for (std::size_t i = 0; i < kPerThread * kThreads; ++i) expected.push_back(signature(serial, i));
  Signer shared;
  std::vector<std::string> got(expected.size());
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (std::size_t i = t; i < got.size(); i += kThreads) got[i] = signature(shared, i);
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(got, expected);
  EXPECT_EQ(shared.cached_key_count(), 12u);
}

TEST(Signer, CacheIdHoldsNoSecret) {
  const std::string secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
  const std::string id = sigv4_detail::key_cache_id(secret, "20150830", "us-east-1", "ec2");
  EXPECT_EQ(id.find(secret), std::string::npos);
  EXPECT_EQ(id.find("EXAMPLEKEY"), std::string::npos);
  EXPECT_EQ(id.substr(32), "20150830\nus-east-1\nec2");
  EXPECT_NE(id, sigv4_detail::key_cache_id(secret + "1", "20150830", "us-east-1", "ec2"));
}

TEST(Signer, PresignCopySnapshotUrlLayout) {
  Signer signer;
  Credentials credentials{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "",
                          std::nullopt, "test"};
  SigningTrace trace;
  HttpRequest request;
  request.method = "GET";
  request.url =
      "https://ec2.eu-west-1.amazonaws.com/?Action=CopySnapshot&Version=2016-11-15&"
      "SourceRegion=eu-west-1&SourceSnapshotId=snap-0123&Description=nightly+copy&"
      "DestinationRegion=us-east-1";
  const std::string url = signer.presign(request, credentials, {"eu-west-1", "ec2"},
                                         utc(2024, 5, 1, 10, 0, 0), 3600s, {}, &trace);
  EXPECT_EQ(url.substr(0, url.size() - 64),
            "https://ec2.eu-west-1.amazonaws.com/?Action=CopySnapshot&Version=2016-11-15&"
            "SourceRegion=eu-west-1&SourceSnapshotId=snap-0123&Description=nightly%20copy&"
            "DestinationRegion=us-east-1&X-Amz-Algorithm=AWS4-HMAC-SHA256&"
            "X-Amz-Credential=AKIDEXAMPLE%2F20240501%2Feu-west-1%2Fec2%2Faws4_request&"
            "X-Amz-Date=20240501T100000Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host&"
            "X-Amz-Signature=");
  EXPECT_EQ(url.substr(url.size() - 64), trace.signature);
  EXPECT_TRUE(trace.canonical_request.ends_with(
      "\nhost:ec2.eu-west-1.amazonaws.com\n\nhost\n"
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
  // The url-only overload is the same GET.
  EXPECT_EQ(signer.presign(request.url, credentials, {"eu-west-1", "ec2"},
                           utc(2024, 5, 1, 10, 0, 0), 3600s),
            url);
}

// ---------------------------------------------------------------------------
// Differential test against botocore: random requests signed by both.

// One helper process for all the requests of a test: requests are written to
// its stdin, and its answers (one JSON line each, in order) read back from a
// temporary file once it has exited.
class Botocore {
 public:
  static bool available() {
    return std::system("python3 -c 'import botocore' >/dev/null 2>&1") == 0;
  }

  std::vector<nlohmann::json> run(const std::vector<nlohmann::json>& requests) {
    char path[] = "/tmp/snapkeep-botocore-XXXXXX";
    const int fd = mkstemp(path);
    EXPECT_GE(fd, 0);
    close(fd);
    const std::string command =
        std::string("python3 ") + SNAPKEEP_SOURCE_DIR + "/tests/support/botocore_sign.py > " + path;
    FILE* pipe = popen(command.c_str(), "w");
    EXPECT_NE(pipe, nullptr);
    std::vector<nlohmann::json> answers;
    if (pipe == nullptr) return answers;
    for (const auto& request : requests) {
      const std::string line = request.dump() + "\n";
      std::fwrite(line.data(), 1, line.size(), pipe);
    }
    EXPECT_EQ(pclose(pipe), 0) << command;
    std::ifstream in(path);
    for (std::string line; std::getline(in, line);) answers.push_back(nlohmann::json::parse(line));
    std::remove(path);
    EXPECT_EQ(answers.size(), requests.size());
    // botocore failing on a request would make the comparison meaningless.
    for (std::size_t i = 0; i < answers.size(); ++i) {
      if (answers[i].contains("error")) {
        ADD_FAILURE() << "botocore failed on request " << i << ": " << answers[i]["error"];
        answers.clear();
      }
    }
    return answers;
  }
};

// Seeded, so that a failure is reproducible: the seed is printed with every
// failure (override with SNAPKEEP_SIGV4_SEED).
class RandomRequests {
 public:
  RandomRequests() : m_seed(seed()), m_rng(m_seed) {}
  std::uint64_t seed_value() const { return m_seed; }

  std::size_t below(std::size_t n) {
    return std::uniform_int_distribution<std::size_t>(0, n - 1)(m_rng);
  }
  bool chance(double p) { return std::bernoulli_distribution(p)(m_rng); }
  template <class T>
  const T& pick(const std::vector<T>& items) {
    return items[below(items.size())];
  }

  // Valid UTF-8 built from pieces that stress encoding: unreserved and
  // reserved ASCII, spaces and tabs, multi-byte characters.
  std::string text(std::size_t max_length) {
    static const std::vector<std::string> pieces = {"a",
                                                    "Z",
                                                    "q",
                                                    "0",
                                                    "9",
                                                    "-",
                                                    "_",
                                                    ".",
                                                    "~",
                                                    " ",
                                                    "  ",
                                                    "+",
                                                    "=",
                                                    "&",
                                                    "%",
                                                    "%20",
                                                    "/",
                                                    "?",
                                                    "#",
                                                    ":",
                                                    "@",
                                                    "!",
                                                    "*",
                                                    "'",
                                                    "(",
                                                    ")",
                                                    ";",
                                                    ",",
                                                    "$",
                                                    "[",
                                                    "]",
                                                    "\"",
                                                    "<",
                                                    ">",
                                                    "\\",
                                                    "^",
                                                    "`",
                                                    "{",
                                                    "|",
                                                    "}",
                                                    "\t",
                                                    "\n",
                                                    "\xC3\xA9",
                                                    "\xE2\x82\xAC",
                                                    "\xF0\x9F\x98\x80",
                                                    "\xE6\x97\xA5\xE6\x9C\xAC",
                                                    "\xC2\xA0",
                                                    "snap-0a1b2c3d",
                                                    "vol-",
                                                    "tag:",
                                                    "daily"};
    std::string out;
    const std::size_t length = below(max_length + 1);
    while (out.size() < length) out += pick(pieces);
    return out;
  }

  std::string value() {
    const std::size_t kind = below(20);
    if (kind == 0) return "";
    if (kind == 1) return text(3000);
    if (kind < 5) return text(200);
    return text(24);
  }

  std::string token_chars(std::size_t length) {
    static const std::string alphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=";
    std::string out;
    for (std::size_t i = 0; i < length; ++i) out.push_back(alphabet[below(alphabet.size())]);
    return out;
  }

  Credentials credentials() {
    Credentials c;
    const bool session = chance(0.5);
    c.access_key_id = std::string(session ? "ASIA" : "AKIA") + token_chars(16);
    std::transform(c.access_key_id.begin(), c.access_key_id.end(), c.access_key_id.begin(),
                   [](char ch) {
                     return std::isalnum(static_cast<unsigned char>(ch))
                                ? static_cast<char>(std::toupper(static_cast<unsigned char>(ch)))
                                : 'X';
                   });
    c.secret_access_key = token_chars(40);
    if (session) c.session_token = token_chars(50 + below(850));
    return c;
  }

  SysTime time() {
    const auto start = utc(2000, 1, 1, 0, 0, 0);
    return start + std::chrono::seconds{below(37ull * 365 * 24 * 3600)};
  }

  std::vector<std::pair<std::string, std::string>> params(std::string action) {
    std::vector<std::pair<std::string, std::string>> out = {{"Action", std::move(action)},
                                                            {"Version", "2016-11-15"}};
    std::set<std::string> keys = {"Action", "Version"};
    const std::size_t count = below(14);
    for (std::size_t i = 0; i < count; ++i) {
      std::string key;
      switch (below(5)) {
        case 0:
          key = "Filter." + std::to_string(1 + below(5)) + ".Name";
          break;
        case 1:
          key = "Filter." + std::to_string(1 + below(5)) + ".Value." + std::to_string(1 + below(9));
          break;
        case 2:
          key = "TagSpecification.1.Tag." + std::to_string(1 + below(50)) + ".Key";
          break;
        case 3:
          key = "SnapshotId." + std::to_string(1 + below(200));
          break;
        default:
          key = text(30);
          break;
      }
      if (key.empty() || !keys.insert(key).second) continue;
      out.emplace_back(key, value());
    }
    return out;
  }

 private:
  static std::uint64_t seed() {
    if (const char* given = std::getenv("SNAPKEEP_SIGV4_SEED"))
      return std::strtoull(given, nullptr, 10);
    return 20240501;
  }
  std::uint64_t m_seed;
  std::mt19937_64 m_rng;
};

const std::vector<std::string> kRegions = {"us-east-1",      "us-west-2", "eu-west-1",
                                           "ap-southeast-2", "sa-east-1", "eu-central-2"};

nlohmann::json common_fields(const Credentials& c, const SigningScope& scope, SysTime now) {
  return {{"access_key", c.access_key_id}, {"secret_key", c.secret_access_key},
          {"token", c.session_token},      {"region", scope.region},
          {"service", scope.service},      {"timestamp", sigv4_detail::amz_date(now)}};
}

struct HeaderCase {
  HttpRequest request;
  Credentials credentials;
  SigningScope scope;
  SysTime now;
};

HeaderCase random_header_case(RandomRequests& random) {
  static const std::vector<std::string> actions = {
      "DescribeSnapshots", "CreateSnapshots",  "CreateSnapshot",    "CreateTags",
      "DeleteSnapshot",    "CopySnapshot",     "DescribeInstances", "DescribeVolumes",
      "Publish",           "GetCallerIdentity"};
  HeaderCase c;
  c.credentials = random.credentials();
  const std::string action = random.pick(actions);
  c.scope = {random.pick(kRegions), action == "Publish"             ? "sns"
                                    : action == "GetCallerIdentity" ? "sts"
                                                                    : "ec2"};
  c.now = random.time();
  switch (random.below(5)) {
    case 0:
      c.request.url = "http://127.0.0.1:" + std::to_string(1024 + random.below(60000)) + "/";
      break;
    case 1:
      c.request.url = "https://" + c.scope.service + "." + c.scope.region + ".amazonaws.com:443/";
      break;
    case 2:
      c.request.url = "https://" + c.scope.service + "." + c.scope.region + ".amazonaws.com:8443";
      break;
    default:
      c.request.url = "https://" + c.scope.service + "." + c.scope.region + ".amazonaws.com/";
      break;
  }
  if (random.chance(0.15)) {
    // A query string in canonical form (botocore signs it as written).
    std::string query;
    const std::size_t count = 1 + random.below(4);
    for (std::size_t i = 0; i < count; ++i) {
      query += (i ? "&" : "") + uri_encode(random.text(10), false) + "=" +
               uri_encode(random.value(), false);
    }
    if (c.request.url.back() != '/') c.request.url += "/";
    c.request.url += "?" + query;
  }
  c.request.method = random.chance(0.9) ? "POST" : "GET";
  if (c.request.method == "POST") {
    c.request.body = form_body(random.params(action));
    c.request.headers.emplace_back(random.chance(0.5) ? "Content-Type" : "content-TYPE",
                                   random.chance(0.8)
                                       ? "application/x-www-form-urlencoded; charset=utf-8"
                                       : "  application/x-www-form-urlencoded;   charset=utf-8 ");
  }
  static const std::vector<std::string> unsigned_names = {
      "User-Agent", "user-agent", "Expect", "Transfer-Encoding", "X-Amzn-Trace-Id", "Connection"};
  static const std::vector<std::string> whitespace = {" ", "  ", "\t", " \t ", "", "\x1f"};
  const std::size_t extra = random.below(5);
  for (std::size_t i = 0; i < extra; ++i) {
    if (random.chance(0.5)) {
      c.request.headers.emplace_back(random.pick(unsigned_names),
                                     "snapkeep/0.1 " + random.text(20));
    } else {
      // Custom headers: mixed case, repeated names, whitespace runs to fold.
      std::string value = random.pick(whitespace);
      const std::size_t words = random.below(4);
      for (std::size_t w = 0; w < words; ++w) {
        value += random.token_chars(1 + random.below(8)) + random.pick(whitespace);
      }
      c.request.headers.emplace_back(random.chance(0.5)
                                         ? "X-Custom-" + std::to_string(random.below(3))
                                         : "x-CUSTOM-" + std::to_string(random.below(3)),
                                     value);
    }
  }
  return c;
}

TEST(SignerDifferential, HeaderSigningMatchesBotocore) {
  if (!Botocore::available()) GTEST_SKIP() << "python3 with botocore is not installed";
  RandomRequests random;
  SCOPED_TRACE("seed " + std::to_string(random.seed_value()) + " (SNAPKEEP_SIGV4_SEED)");
  constexpr std::size_t kCases = 1500;
  std::vector<HeaderCase> cases;
  std::vector<nlohmann::json> requests;
  for (std::size_t i = 0; i < kCases; ++i) {
    cases.push_back(random_header_case(random));
    const HeaderCase& c = cases.back();
    nlohmann::json request = common_fields(c.credentials, c.scope, c.now);
    request["kind"] = "header";
    request["method"] = c.request.method;
    request["url"] = c.request.url;
    request["headers"] = c.request.headers;
    request["body"] = c.request.body;
    requests.push_back(std::move(request));
  }
  const auto answers = Botocore().run(requests);
  ASSERT_EQ(answers.size(), kCases);
  Signer signer;
  std::size_t failures = 0;
  for (std::size_t i = 0; i < kCases && failures < 5; ++i) {
    HeaderCase& c = cases[i];
    SigningTrace trace;
    signer.sign(c.request, c.credentials, c.scope, c.now, {}, &trace);
    const std::string* authorization = find_header(c.request.headers, "Authorization");
    ASSERT_NE(authorization, nullptr);
    const std::string* token = find_header(c.request.headers, "X-Amz-Security-Token");
    const bool same = *authorization == answers[i]["authorization"] &&
                      *find_header(c.request.headers, "X-Amz-Date") == answers[i]["x_amz_date"] &&
                      (token ? *token : std::string()) == answers[i]["security_token"];
    EXPECT_TRUE(same) << "case " << i << "\nours:     " << *authorization
                      << "\nbotocore: " << answers[i]["authorization"].get<std::string>()
                      << "\nour canonical request:\n"
                      << trace.canonical_request << "\nbotocore's:\n"
                      << answers[i]["canonical_request"].get<std::string>();
    failures += same ? 0 : 1;
  }
}

TEST(SignerDifferential, PresignMatchesBotocoreQueryAuth) {
  if (!Botocore::available()) GTEST_SKIP() << "python3 with botocore is not installed";
  RandomRequests random;
  SCOPED_TRACE("seed " + std::to_string(random.seed_value()) + " (SNAPKEEP_SIGV4_SEED)");
  constexpr std::size_t kCases = 1000;
  struct Case {
    std::string url;
    Credentials credentials;
    SigningScope scope;
    SysTime now;
    std::chrono::seconds expires;
  };
  std::vector<Case> cases;
  std::vector<nlohmann::json> requests;
  for (std::size_t i = 0; i < kCases; ++i) {
    Case c;
    c.credentials = random.credentials();
    c.scope = {random.pick(kRegions), "ec2"};
    c.now = random.time();
    c.expires = std::chrono::seconds{1 + random.below(7 * 24 * 3600)};
    const auto params = random.params("CopySnapshot");
    const std::string base = "https://ec2." + c.scope.region + ".amazonaws.com/";
    c.url = base + "?" + form_body(params);
    nlohmann::json request = common_fields(c.credentials, c.scope, c.now);
    request["kind"] = "presign";
    request["url"] = base;
    request["params"] = params;
    request["expires"] = c.expires.count();
    requests.push_back(std::move(request));
    cases.push_back(std::move(c));
  }
  const auto answers = Botocore().run(requests);
  ASSERT_EQ(answers.size(), kCases);
  Signer signer;
  std::size_t failures = 0;
  for (std::size_t i = 0; i < kCases && failures < 5; ++i) {
    const Case& c = cases[i];
    const std::string url = signer.presign(c.url, c.credentials, c.scope, c.now, c.expires);
    const bool same = url == answers[i]["url"];
    EXPECT_TRUE(same) << "case " << i << "\nours:     " << url
                      << "\nbotocore: " << answers[i]["url"].get<std::string>()
                      << "\nbotocore's canonical request:\n"
                      << answers[i]["canonical_request"].get<std::string>();
    failures += same ? 0 : 1;
  }
}

// The whole CopySnapshot of an encrypted snapshot as a real botocore client
// sends it: the PresignedUrl that inject_presigned_url_ec2 adds, the body and
// the Authorization of the request itself.
TEST(SignerDifferential, CopySnapshotMatchesBotocoreClient) {
  if (!Botocore::available()) GTEST_SKIP() << "python3 with botocore is not installed";
  RandomRequests random;
  SCOPED_TRACE("seed " + std::to_string(random.seed_value()) + " (SNAPKEEP_SIGV4_SEED)");
  const std::vector<Credentials> identities = {random.credentials(), random.credentials()};
  const std::vector<std::string> destinations = {"us-east-1", "eu-west-1", "ap-southeast-2"};
  struct Case {
    std::vector<std::pair<std::string, std::string>> params;  // without DestinationRegion
    Credentials credentials;
    std::string source;
    std::string destination;
    SysTime now;
  };
  constexpr std::size_t kCases = 30;
  std::vector<Case> cases;
  std::vector<nlohmann::json> requests;
  for (std::size_t i = 0; i < kCases; ++i) {
    Case c;
    c.credentials = identities[i % 2];
    c.credentials.session_token = i % 4 < 2 ? "" : random.token_chars(300);
    c.destination = destinations[i % 3];
    c.source = random.pick(kRegions);
    c.now = random.time();
    const std::string snapshot = "snap-" + random.token_chars(17);
    const std::string description = random.value();
    std::vector<std::pair<std::string, std::string>> tags;
    const std::size_t tag_count = 1 + random.below(4);
    for (std::size_t t = 0; t < tag_count; ++t)
      tags.emplace_back("k" + std::to_string(t) + random.text(10), random.value());
    const std::string kms = random.chance(0.5) ? "alias/" + random.token_chars(8) : "";
    // Parameter order: as botocore serializes the call below.
    c.params = {{"Action", "CopySnapshot"},
                {"Version", "2016-11-15"},
                {"SourceRegion", c.source},
                {"SourceSnapshotId", snapshot},
                {"Description", description},
                {"Encrypted", "true"},
                {"TagSpecification.1.ResourceType", "snapshot"}};
    for (std::size_t t = 0; t < tags.size(); ++t) {
      const std::string prefix = "TagSpecification.1.Tag." + std::to_string(t + 1);
      c.params.emplace_back(prefix + ".Key", tags[t].first);
      c.params.emplace_back(prefix + ".Value", tags[t].second);
    }
    if (!kms.empty()) c.params.emplace_back("KmsKeyId", kms);
    nlohmann::json request = common_fields(c.credentials, {c.destination, "ec2"}, c.now);
    request["kind"] = "copy_snapshot";
    request["source_region"] = c.source;
    request["source_snapshot_id"] = snapshot;
    request["description"] = description;
    request["tags"] = tags;
    request["kms_key_id"] = kms;
    requests.push_back(std::move(request));
    cases.push_back(std::move(c));
  }
  const auto answers = Botocore().run(requests);
  ASSERT_EQ(answers.size(), kCases);
  Signer signer;
  for (std::size_t i = 0; i < kCases; ++i) {
    const Case& c = cases[i];
    const auto& answer = answers[i];
    auto presign_params = c.params;
    presign_params.emplace_back("DestinationRegion", c.destination);
    const std::string presigned =
        signer.presign("https://ec2." + c.source + ".amazonaws.com/?" + form_body(presign_params),
                       c.credentials, {c.source, "ec2"}, c.now, std::chrono::seconds{3600});
    EXPECT_EQ(presigned, answer["presigned_url"]) << "case " << i;

    auto body_params = c.params;
    body_params.emplace_back("PresignedUrl", presigned);
    body_params.emplace_back("DestinationRegion", c.destination);
    HttpRequest request;
    request.url = "https://ec2." + c.destination + ".amazonaws.com/";
    request.body = form_body(body_params);
    EXPECT_EQ(request.body, answer["body"]) << "case " << i;
    EXPECT_EQ(request.url, answer["url"]) << "case " << i;
    std::string expected_authorization;
    for (const auto& header : answer["headers"]) {
      const std::string name = header[0];
      if (name == "Content-Type" || name == "User-Agent")
        request.headers.emplace_back(name, header[1]);
      if (name == "Authorization") expected_authorization = header[1];
    }
    signer.sign(request, c.credentials, {c.destination, "ec2"}, c.now);
    EXPECT_EQ(*find_header(request.headers, "Authorization"), expected_authorization)
        << "case " << i;
  }
}

}  // namespace
}  // namespace snapkeep::aws
