// util/url: the one URL splitter the signer, the transport, the endpoint
// resolver and the credential providers share.
#include "util/url.h"

#include <gtest/gtest.h>

namespace snapkeep::util {
namespace {

TEST(Url, SplitsEveryPart) {
  const UrlParts p = split_url("HTTPS://user:pw@Ec2.Example.com:8443/a/b?X=1&y#frag");
  EXPECT_EQ(p.scheme, "HTTPS");
  EXPECT_EQ(p.authority, "user:pw@Ec2.Example.com:8443");
  EXPECT_TRUE(p.has_userinfo);
  EXPECT_EQ(p.userinfo, "user:pw");
  EXPECT_EQ(p.host, "Ec2.Example.com");
  EXPECT_EQ(p.port, "8443");
  EXPECT_EQ(p.path, "/a/b");
  EXPECT_TRUE(p.has_query);
  EXPECT_EQ(p.query, "X=1&y");
  EXPECT_TRUE(p.has_fragment);
  EXPECT_EQ(p.fragment, "frag");
  EXPECT_FALSE(p.malformed_host);
}

TEST(Url, SchemeOnlyWhenSeparatorComesFirst) {
  // urlsplit's rule: "://" after a '/', '?' or '#' is part of the path.
  const UrlParts p = split_url("/path?next=http://x");
  EXPECT_EQ(p.scheme, "");
  EXPECT_EQ(p.authority, "");
  EXPECT_EQ(p.path, "/path");
  EXPECT_EQ(p.query, "next=http://x");
  EXPECT_EQ(split_url("garbage").path, "garbage");
  const UrlParts bare = split_url("https://sts.amazonaws.com?Action=x");
  EXPECT_EQ(bare.host, "sts.amazonaws.com");
  EXPECT_EQ(bare.path, "");
  EXPECT_EQ(bare.query, "Action=x");
}

TEST(Url, Ipv6HostsKeepTheirBrackets) {
  UrlParts p = split_url("http://[fd00:ec2::23]:80/latest");
  EXPECT_EQ(p.host, "[fd00:ec2::23]");
  EXPECT_EQ(p.port, "80");
  EXPECT_FALSE(p.malformed_host);
  p = split_url("http://[::1/x");
  EXPECT_TRUE(p.malformed_host);
  p = split_url("http://[::1]junk/x");
  EXPECT_TRUE(p.malformed_host);
  EXPECT_EQ(p.host, "[::1]");
}

TEST(Url, TheLastAtSignEndsTheUserinfo) {
  const UrlParts p = split_authority("a@b@host:1");
  EXPECT_EQ(p.userinfo, "a@b");
  EXPECT_EQ(p.host, "host");
  EXPECT_EQ(p.port, "1");
}

TEST(Url, PortNumbers) {
  EXPECT_EQ(port_number("443"), 443);
  EXPECT_EQ(port_number("0"), 0);
  EXPECT_EQ(port_number("65535"), 65535);
  EXPECT_FALSE(port_number("65536"));
  EXPECT_FALSE(port_number(""));
  EXPECT_FALSE(port_number("8a"));
  EXPECT_FALSE(port_number("-1"));
}

TEST(Url, SchemesAreCaseInsensitive) {
  EXPECT_TRUE(is_http_scheme("http"));
  EXPECT_TRUE(is_http_scheme("HTTPS"));
  EXPECT_TRUE(is_http_scheme("Http"));
  EXPECT_FALSE(is_http_scheme("ftp"));
  EXPECT_FALSE(is_http_scheme(""));
  EXPECT_EQ(ascii_lower("HtTp"), "http");
}

TEST(Url, LoopbackHosts) {
  for (auto host : {"localhost", "LocalHost", "[::1]", "127.0.0.1", "127.1.2.254"}) {
    EXPECT_TRUE(is_loopback_host(host)) << host;
  }
  for (auto host : {"127.0.0", "127.0.0.256", "127.999.0.1", "127.0.0.1.", "128.0.0.1",
                    "127.0.0.0001", "localhost.example.com", "[::2]", ""}) {
    EXPECT_FALSE(is_loopback_host(host)) << host;
  }
}

}  // namespace
}  // namespace snapkeep::util
