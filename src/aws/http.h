// HttpTransport: the seam between snapkeep's AWS client and the network.
// Production uses CurlTransport (curl_transport.h); tests substitute a fake
// that answers from a script, or a fault-injecting wrapper.
//
// Thread safety: an implementation must allow send() from several threads at
// once (the engine works on regions in parallel).
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "aws/error.h"

namespace snapkeep::aws {

using Headers = std::vector<std::pair<std::string, std::string>>;

// Returns the value of the first header named `name` (case-insensitive), or
// nullptr.
const std::string* find_header(const Headers& headers, std::string_view name);

struct HttpRequest {
  std::string method = "POST";
  std::string url;  // absolute: scheme://host[:port]/path[?query]
  Headers headers;  // sent as given; Host is derived from the URL by the transport
  std::string body;
  std::chrono::milliseconds connect_timeout{3100};
  std::chrono::milliseconds total_timeout{60000};
  // false: send at most once. libcurl re-sends a request transparently when
  // a reused connection dies before the answer; for a call that is not
  // idempotent (CreateSnapshots) the first send may have been carried out,
  // so such a request goes on a fresh connection, which libcurl never
  // re-sends on.
  bool idempotent = true;
};

struct HttpResponse {
  int status = 0;
  Headers headers;  // names as received
  std::string body;
};

class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  // On success: the HTTP answer, whatever its status. On failure (no HTTP
  // answer): an AwsError of kind timeout or network, never a secret in it.
  virtual Result<HttpResponse> send(const HttpRequest& request) = 0;
};

}  // namespace snapkeep::aws
