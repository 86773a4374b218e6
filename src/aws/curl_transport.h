// CurlTransport: HttpTransport over libcurl, the production path to AWS.
//
// Connections are kept alive and reused: easy handles are pooled, and all of
// them share one connection cache, DNS cache and TLS session cache (a CURLSH
// guarded by a mutex per shared data kind), so consecutive calls to one
// endpoint from any thread reuse a connection. TLS peer and host verification
// is always on; proxies come from the usual environment variables (libcurl's
// defaults); redirects are not followed; no signals are used
// (CURLOPT_NOSIGNAL), so timeouts are safe in threads.
//
// Failures without an HTTP answer become AwsError kind timeout or network.
// Their messages name the method, scheme, host, port and path only: never the
// query string (a pre-signed URL carries a signature there) nor any header
// value.
//
// Thread safety: send() may be called from any number of threads at once.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "aws/http.h"

namespace snapkeep::aws {

struct CurlTransportOptions {
  // Largest response body accepted; a longer one fails the request (kind
  // network) instead of exhausting memory.
  std::size_t max_body_bytes = 64u << 20;
  // Easy handles kept for reuse when idle (one per concurrent sender is
  // enough; extras are freed).
  std::size_t max_idle_handles = 16;
  // CA certificates file for TLS peer verification; "" = libcurl's built-in
  // default (the build machine's path, which another distribution, such as
  // Lambda's Amazon Linux, may not have).
  std::string ca_file{};
};

class CurlTransport final : public HttpTransport {
 public:
  explicit CurlTransport(CurlTransportOptions options = {});
  ~CurlTransport() override;
  CurlTransport(const CurlTransport&) = delete;
  CurlTransport& operator=(const CurlTransport&) = delete;

  Result<HttpResponse> send(const HttpRequest& request) override;

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

// "METHOD scheme://host[:port]/path" with any userinfo, query and fragment
// removed: the form of a URL that may appear in messages.
std::string redacted_target(std::string_view method, std::string_view url);

}  // namespace snapkeep::aws
