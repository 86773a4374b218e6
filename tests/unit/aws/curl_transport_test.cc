#include "aws/curl_transport.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace snapkeep::aws {
namespace {

// A tiny HTTP/1.1 server on a loopback port, run by the test itself: it
// counts accepted connections and keeps them alive, so connection reuse is
// observable. Every wait is bounded by poll timeouts and the stop flag.
class LoopbackServer {
 public:
  // answer: echo every request; silent: never answer; drop_marked: close the
  // connection, unanswered, on a request whose body contains "drop" (a
  // server or middlebox that dies after the request arrived).
  enum class Mode { answer, silent, drop_marked };

  explicit LoopbackServer(Mode mode = Mode::answer, std::size_t body_size = 0)
      : m_mode(mode), m_body_size(body_size) {
    m_listen = ::socket(AF_INET, SOCK_STREAM, 0);
    const int one = 1;
    ::setsockopt(m_listen, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    ::bind(m_listen, reinterpret_cast<sockaddr*>(&address), sizeof address);
    ::listen(m_listen, 16);
    socklen_t length = sizeof address;
    ::getsockname(m_listen, reinterpret_cast<sockaddr*>(&address), &length);
    m_port = ntohs(address.sin_port);
    m_acceptor = std::thread([this] { accept_loop(); });
  }

  ~LoopbackServer() {
    m_stop = true;
    m_acceptor.join();
    for (auto& thread : m_handlers) thread.join();
    ::close(m_listen);
  }

  std::string url(std::string_view path = "/") const {
    return "http://127.0.0.1:" + std::to_string(m_port) + std::string(path);
  }
  int connections() const { return m_connections.load(); }
  std::vector<std::string> requests() {
    std::lock_guard lock(m_mutex);
    return m_requests;
  }

 private:
  void accept_loop() {
    while (!m_stop) {
      pollfd fd{m_listen, POLLIN, 0};
      if (::poll(&fd, 1, 20) <= 0) continue;
      const int client = ::accept(m_listen, nullptr, nullptr);
      if (client < 0) continue;
      ++m_connections;
      m_handlers.emplace_back([this, client] { serve(client); });
    }
  }

  // Reads into `buffer` until it holds `wanted` bytes; false on close/stop.
  bool read_until(int client, std::string& buffer, const std::function<bool()>& done) {
    char chunk[4096];
    while (!done()) {
      if (m_stop) return false;
      pollfd fd{client, POLLIN, 0};
      if (::poll(&fd, 1, 20) <= 0) continue;
      const auto got = ::recv(client, chunk, sizeof chunk, 0);
      if (got <= 0) return false;
      buffer.append(chunk, static_cast<std::size_t>(got));
    }
    return true;
  }

  void serve(int client) {
    std::string buffer;
    for (;;) {
      if (!read_until(client, buffer,
                      [&] { return buffer.find("\r\n\r\n") != std::string::npos; })) {
        break;
      }
      const auto head_end = buffer.find("\r\n\r\n") + 4;
      std::size_t content_length = 0;
      const auto lowered = [&] {
        std::string out = buffer.substr(0, head_end);
        for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        return out;
      }();
      if (const auto at = lowered.find("content-length:"); at != std::string::npos) {
        content_length = std::stoul(lowered.substr(at + 15));
      }
      if (!read_until(client, buffer, [&] { return buffer.size() >= head_end + content_length; })) {
        break;
      }
      const std::string request = buffer.substr(0, head_end + content_length);
      buffer.erase(0, head_end + content_length);
      {
        std::lock_guard lock(m_mutex);
        m_requests.push_back(request);
      }
      if (m_mode == Mode::drop_marked && request.find("drop", head_end) != std::string::npos) {
        break;
      }
      if (m_mode == Mode::silent) {
        while (!m_stop) std::this_thread::sleep_for(std::chrono::milliseconds(5));
        break;
      }
      const std::string body =
          m_body_size > 0 ? std::string(m_body_size, 'b') : "echo:" + request.substr(head_end);
      const std::string answer =
          "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) +
          "\r\nX-Amzn-RequestId: rid-1\r\nX-Folded: a\r\n  b\r\n\r\n" + body;
      if (::send(client, answer.data(), answer.size(), MSG_NOSIGNAL) < 0) break;
    }
    ::close(client);
  }

  Mode m_mode;
  std::size_t m_body_size;
  int m_listen = -1;
  int m_port = 0;
  std::atomic<bool> m_stop{false};
  std::atomic<int> m_connections{0};
  std::thread m_acceptor;
  std::vector<std::thread> m_handlers;
  std::mutex m_mutex;
  std::vector<std::string> m_requests;
};

// A loopback port with nothing listening.
int closed_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  socklen_t length = sizeof address;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  return ntohs(address.sin_port);
}

HttpRequest post(std::string url, std::string body) {
  HttpRequest request;
  request.url = std::move(url);
  request.body = std::move(body);
  request.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
  request.connect_timeout = std::chrono::milliseconds(2000);
  request.total_timeout = std::chrono::milliseconds(5000);
  return request;
}

TEST(CurlTransport, PostsBodyAndCollectsHeaders) {
  LoopbackServer server;
  CurlTransport transport;
  const auto result = transport.send(post(server.url("/"), "Action=DescribeSnapshots&Version=1"));
  ASSERT_TRUE(result) << result.error().describe();
  EXPECT_EQ(result->status, 200);
  EXPECT_EQ(result->body, "echo:Action=DescribeSnapshots&Version=1");
  ASSERT_NE(find_header(result->headers, "x-amzn-requestid"), nullptr);
  EXPECT_EQ(*find_header(result->headers, "x-amzn-requestid"), "rid-1");
  ASSERT_NE(find_header(result->headers, "X-Folded"), nullptr);
  EXPECT_EQ(*find_header(result->headers, "X-Folded"), "a b");
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_TRUE(requests[0].starts_with("POST / HTTP/1.1\r\n")) << requests[0];
  EXPECT_NE(requests[0].find("Content-Type: application/x-www-form-urlencoded; charset=utf-8\r\n"),
            std::string::npos);
  EXPECT_NE(requests[0].find("Host: 127.0.0.1:"), std::string::npos);
  EXPECT_EQ(requests[0].find("Expect:"), std::string::npos);
}

TEST(CurlTransport, SequentialRequestsReuseOneConnection) {
  LoopbackServer server;
  CurlTransport transport;
  for (int i = 0; i < 5; ++i) {
    const auto result = transport.send(post(server.url("/"), "n=" + std::to_string(i)));
    ASSERT_TRUE(result) << result.error().describe();
    EXPECT_EQ(result->body, "echo:n=" + std::to_string(i));
  }
  EXPECT_EQ(server.requests().size(), 5u);
  EXPECT_EQ(server.connections(), 1);
}

// Regression: libcurl silently re-sends a request whose reused keep-alive
// connection died before an answer. For CreateSnapshots that re-send made
// a second (and third) copy of the restore point under the same set id.
TEST(CurlTransport, NonIdempotentRequestIsSentOnceWhenTheConnectionDies) {
  LoopbackServer server(LoopbackServer::Mode::drop_marked);
  CurlTransport transport;
  ASSERT_TRUE(transport.send(post(server.url("/"), "warm")).has_value());
  auto request = post(server.url("/"), "Action=CreateSnapshots&drop");
  request.idempotent = false;
  const auto result = transport.send(request);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, ErrorKind::network) << result.error().describe();
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_NE(requests[1].find("Action=CreateSnapshots&drop"), std::string::npos);
}

TEST(CurlTransport, ThreadsShareTheConnectionCache) {
  LoopbackServer server;
  CurlTransport transport;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10; ++i) {
        if (transport.send(post(server.url("/"), "x")).has_value()) ++ok;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(ok.load(), 20);
  EXPECT_LE(server.connections(), 2);
  EXPECT_GE(server.connections(), 1);
}

TEST(CurlTransport, PutSendsContentLengthZeroAndGetSendsNoBody) {
  LoopbackServer server;
  CurlTransport transport;
  HttpRequest put;
  put.method = "PUT";
  put.url = server.url("/latest/api/token");
  put.headers = {{"X-aws-ec2-metadata-token-ttl-seconds", "21600"}};
  ASSERT_TRUE(transport.send(put));
  HttpRequest get;
  get.method = "GET";
  get.url = server.url("/latest/meta-data/");
  ASSERT_TRUE(transport.send(get));
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_TRUE(requests[0].starts_with("PUT /latest/api/token HTTP/1.1\r\n"));
  EXPECT_NE(requests[0].find("Content-Length: 0\r\n"), std::string::npos);
  EXPECT_TRUE(requests[1].starts_with("GET /latest/meta-data/ HTTP/1.1\r\n"));
  EXPECT_EQ(requests[1].find("Content-Length"), std::string::npos);
  EXPECT_EQ(server.connections(), 1);
}

TEST(CurlTransport, TotalTimeoutIsKindTimeout) {
  LoopbackServer server(LoopbackServer::Mode::silent);
  CurlTransport transport;
  auto request = post(server.url("/slow?X-Amz-Signature=0123456789abcdef"), "a=b");
  request.total_timeout = std::chrono::milliseconds(150);
  const auto result = transport.send(request);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, ErrorKind::timeout);
  EXPECT_EQ(result.error().message,
            "POST " + server.url("/slow") + ": no complete answer within 150 ms");
  EXPECT_TRUE(result.error().retryable());
}

TEST(CurlTransport, ConnectionRefusedIsNetworkWithoutSecrets) {
  const int port = closed_port();
  CurlTransport transport;
  auto request = post("http://user:pw@127.0.0.1:" + std::to_string(port) +
                          "/path?X-Amz-Credential=AKIDSECRETKEY&X-Amz-Signature=feedfacecafe",
                      "a=b");
  request.headers.emplace_back("Authorization",
                               "AWS4-HMAC-SHA256 Credential=AKIDSECRETKEY, Signature=feedfacecafe");
  const auto result = transport.send(request);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, ErrorKind::network);
  const auto& message = result.error().message;
  EXPECT_TRUE(message.starts_with("POST http://127.0.0.1:" + std::to_string(port) +
                                  "/path: Couldn't connect to server"))
      << message;
  EXPECT_EQ(message.find("AKIDSECRETKEY"), std::string::npos) << message;
  EXPECT_EQ(message.find("feedfacecafe"), std::string::npos) << message;
  EXPECT_EQ(message.find("pw"), std::string::npos) << message;
  EXPECT_EQ(result.error().http_status, 0);
}

TEST(CurlTransport, OversizedBodyIsRefused) {
  LoopbackServer server(LoopbackServer::Mode::answer, 5000);
  CurlTransport transport({.max_body_bytes = 1000});
  const auto result = transport.send(post(server.url("/"), "x"));
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, ErrorKind::network);
  EXPECT_EQ(result.error().message,
            "POST " + server.url("/") + ": response body larger than 1000 bytes");
}

TEST(CurlTransport, UnsupportedSchemeIsNetworkError) {
  CurlTransport transport;
  HttpRequest request;
  request.url = "file:///etc/passwd";
  const auto result = transport.send(request);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, ErrorKind::network);
}

TEST(RedactedTarget, DropsUserinfoQueryAndFragment) {
  EXPECT_EQ(redacted_target("GET", "https://u:p@ec2.us-east-1.amazonaws.com:443/a/b?X=1#f"),
            "GET https://ec2.us-east-1.amazonaws.com:443/a/b");
  EXPECT_EQ(redacted_target("POST", "https://sts.amazonaws.com"),
            "POST https://sts.amazonaws.com/");
  EXPECT_EQ(redacted_target("POST", "https://sts.amazonaws.com?Action=x"),
            "POST https://sts.amazonaws.com/");
  EXPECT_EQ(redacted_target("GET", "garbage"), "GET garbage/");
}

}  // namespace
}  // namespace snapkeep::aws
