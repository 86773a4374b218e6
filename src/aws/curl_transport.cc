#include "aws/curl_transport.h"

#include <curl/curl.h>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <mutex>
#include <string>
#include <vector>

#include "util/url.h"

namespace snapkeep::aws {

namespace {

void global_init() {
  static std::once_flag once;
  // Never paired with curl_global_cleanup: other threads may still be using
  // libcurl while static destructors run.
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct CurlSlist {
  curl_slist* list = nullptr;
  ~CurlSlist() { curl_slist_free_all(list); }
  void append(const std::string& line) {
    if (auto* extended = curl_slist_append(list, line.c_str())) list = extended;
  }
};

struct Transfer {
  HttpResponse response;
  std::size_t max_body = 0;
  bool body_too_large = false;
};

std::size_t write_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  const std::size_t bytes = size * count;
  if (transfer->response.body.size() + bytes > transfer->max_body) {
    transfer->body_too_large = true;
    return 0;  // makes libcurl abort with CURLE_WRITE_ERROR
  }
  transfer->response.body.append(data, bytes);
  return bytes;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r' ||
                           text.back() == '\n')) {
    text.remove_suffix(1);
  }
  return text;
}

std::size_t collect_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto& headers = static_cast<Transfer*>(user)->response.headers;
  const std::size_t bytes = size * count;
  const std::string_view line(data, bytes);
  if (line.starts_with("HTTP/")) {
    // A new response starts (after a 100 Continue or a proxy's CONNECT
    // answer): only the final response's headers count.
    headers.clear();
  } else if (!headers.empty() && (line.starts_with(" ") || line.starts_with("\t"))) {
    headers.back().second += " ";
    headers.back().second += trim(line);
  } else if (const auto colon = line.find(':'); colon != std::string_view::npos) {
    headers.emplace_back(std::string(trim(line.substr(0, colon))),
                         std::string(trim(line.substr(colon + 1))));
  }
  return bytes;
}

// libcurl's detail text is used only when it repeats nothing secret: not the
// query string and not a header value.
bool detail_is_safe(std::string_view detail, const HttpRequest& request) {
  const auto query = request.url.find('?');
  if (query != std::string::npos && query + 1 < request.url.size() &&
      detail.find(std::string_view(request.url).substr(query + 1)) != std::string_view::npos) {
    return false;
  }
  if (query != std::string::npos && detail.find('?') != std::string_view::npos) return false;
  for (const auto& [name, value] : request.headers) {
    if (value.size() >= 4 && detail.find(value) != std::string_view::npos) return false;
  }
  return true;
}

}  // namespace

std::string redacted_target(std::string_view method, std::string_view url) {
  util::UrlParts parts = util::split_url(url);
  if (parts.scheme.empty()) {
    // libcurl reads a URL without a scheme as host/path: never print its userinfo either.
    const auto path_start = url.find_first_of("/?#");
    const util::UrlParts rest =
        util::split_url(url.substr(path_start == url.npos ? url.size() : path_start));
    parts = util::split_authority(url.substr(0, path_start));
    parts.path = rest.path;
  }
  std::string out(method);
  out += ' ';
  if (!parts.scheme.empty()) out.append(parts.scheme).append("://");
  if (parts.has_userinfo) {
    out.append(parts.authority.substr(parts.userinfo.size() + 1));
  } else {
    out.append(parts.authority);
  }
  out.append(parts.path.empty() ? std::string_view("/") : parts.path);
  return out;
}

struct CurlTransport::Impl {
  CurlTransportOptions options;
  CURLSH* share = nullptr;
  std::array<std::mutex, CURL_LOCK_DATA_LAST> locks;
  std::mutex pool_mutex;
  std::vector<CURL*> idle;

  static void lock(CURL*, curl_lock_data data, curl_lock_access, void* user) {
    static_cast<Impl*>(user)->locks[static_cast<std::size_t>(data)].lock();
  }
  static void unlock(CURL*, curl_lock_data data, void* user) {
    static_cast<Impl*>(user)->locks[static_cast<std::size_t>(data)].unlock();
  }

  CURL* take() {
    {
      std::lock_guard guard(pool_mutex);
      if (!idle.empty()) {
        CURL* handle = idle.back();
        idle.pop_back();
        return handle;
      }
    }
    CURL* handle = curl_easy_init();
    if (handle != nullptr && share != nullptr) curl_easy_setopt(handle, CURLOPT_SHARE, share);
    return handle;
  }

  void give(CURL* handle) {
    {
      std::lock_guard guard(pool_mutex);
      if (idle.size() < options.max_idle_handles) {
        idle.push_back(handle);
        return;
      }
    }
    curl_easy_cleanup(handle);
  }
};

CurlTransport::CurlTransport(CurlTransportOptions options) : m_impl(std::make_unique<Impl>()) {
  global_init();
  m_impl->options = options;
  m_impl->share = curl_share_init();
  if (m_impl->share != nullptr) {
    curl_share_setopt(m_impl->share, CURLSHOPT_LOCKFUNC, &Impl::lock);
    curl_share_setopt(m_impl->share, CURLSHOPT_UNLOCKFUNC, &Impl::unlock);
    curl_share_setopt(m_impl->share, CURLSHOPT_USERDATA, m_impl.get());
    curl_share_setopt(m_impl->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    curl_share_setopt(m_impl->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
    curl_share_setopt(m_impl->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
  }
}

CurlTransport::~CurlTransport() {
  // Easy handles first: a share cannot be freed while handles use it.
  for (CURL* handle : m_impl->idle) curl_easy_cleanup(handle);
  m_impl->idle.clear();
  if (m_impl->share != nullptr) curl_share_cleanup(m_impl->share);
}

Result<HttpResponse> CurlTransport::send(const HttpRequest& request) {
  const auto fail = [&](ErrorKind kind, std::string message) {
    AwsError error;
    error.kind = kind;
    error.message = fmt::format("{}: {}", redacted_target(request.method, request.url), message);
    return unexpected(std::move(error));
  };

  CURL* handle = m_impl->take();
  if (handle == nullptr) return fail(ErrorKind::network, "could not create a libcurl handle");
  curl_easy_reset(handle);

  Transfer transfer;
  transfer.max_body = m_impl->options.max_body_bytes;
  std::array<char, CURL_ERROR_SIZE> detail{};
  CurlSlist headers;
  for (const auto& [name, value] : request.headers) {
    // "Name;" is libcurl's spelling of a header sent with an empty value.
    std::string line = name;
    line += value.empty() ? ";" : ": ";
    line += value;
    headers.append(line);
  }
  // AWS never needs 100-continue; it only costs a round trip.
  headers.append("Expect:");

  curl_easy_setopt(handle, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(handle, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(handle, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(handle, CURLOPT_SSL_VERIFYHOST, 2L);
  curl_easy_setopt(handle, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(handle, CURLOPT_FRESH_CONNECT, request.idempotent ? 0L : 1L);
  curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(request.connect_timeout.count()));
  curl_easy_setopt(handle, CURLOPT_TIMEOUT_MS, static_cast<long>(request.total_timeout.count()));
  curl_easy_setopt(handle, CURLOPT_HTTPHEADER, headers.list);
  curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, detail.data());
  curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, &write_body);
  curl_easy_setopt(handle, CURLOPT_WRITEDATA, &transfer);
  curl_easy_setopt(handle, CURLOPT_HEADERFUNCTION, &collect_header);
  curl_easy_setopt(handle, CURLOPT_HEADERDATA, &transfer);
  if (request.method == "GET") {
    curl_easy_setopt(handle, CURLOPT_HTTPGET, 1L);
  } else if (request.method == "HEAD") {
    curl_easy_setopt(handle, CURLOPT_NOBODY, 1L);
  } else {
    // POSTFIELDS even for an empty body, so that Content-Length: 0 is sent
    // (IMDSv2's PUT needs it).
    curl_easy_setopt(handle, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(request.body.size()));
    curl_easy_setopt(handle, CURLOPT_POSTFIELDS, request.body.data());
    if (request.method != "POST") {
      curl_easy_setopt(handle, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    }
  }

  const CURLcode code = curl_easy_perform(handle);
  long status = 0;
  curl_off_t connect_time = 0;
  curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_getinfo(handle, CURLINFO_CONNECT_TIME_T, &connect_time);
  // The slist and error buffer die with this call: the pooled handle must not
  // keep pointers to them.
  curl_easy_setopt(handle, CURLOPT_HTTPHEADER, nullptr);
  curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, nullptr);
  m_impl->give(handle);

  if (code == CURLE_OK) {
    transfer.response.status = static_cast<int>(status);
    return std::move(transfer.response);
  }
  if (transfer.body_too_large) {
    return fail(ErrorKind::network,
                fmt::format("response body larger than {} bytes", m_impl->options.max_body_bytes));
  }
  if (code == CURLE_OPERATION_TIMEDOUT) {
    if (connect_time == 0 && status == 0) {
      return fail(ErrorKind::timeout,
                  fmt::format("could not connect within {} ms",
                              std::min(request.connect_timeout, request.total_timeout).count()));
    }
    return fail(ErrorKind::timeout,
                fmt::format("no complete answer within {} ms", request.total_timeout.count()));
  }
  std::string message = curl_easy_strerror(code);
  const std::string_view detail_text(detail.data());
  if (!detail_text.empty() && detail_is_safe(detail_text, request)) {
    message = fmt::format("{} ({})", message, detail_text);
  }
  return fail(ErrorKind::network, std::move(message));
}

}  // namespace snapkeep::aws
