#include "aws/response_reader.h"

#include <fmt/format.h>

#include <charconv>

#include "aws/xml.h"
#include "util/utc_time.h"

namespace snapkeep::aws {

namespace {

// Names and values quoted in a message come from the answer: they may be
// invalid UTF-8, hold control characters or be megabytes long, and messages
// reach terminals, logs and JSON (which refuses invalid UTF-8). Found by
// fuzz/ec2_response.cc.
constexpr std::size_t kMaxQuoted = 64;

std::string quoted(std::string_view text) {
  return sanitize_text(text, kMaxQuoted);
}

}  // namespace

AwsError bad_response(std::string_view action, std::string message, std::string_view request_id) {
  AwsError error;
  error.kind = ErrorKind::bad_response;
  error.action = std::string(action);
  error.message = std::move(message);
  error.request_id = std::string(request_id);
  return error;
}

AwsError invalid_request(std::string_view action, std::string message) {
  AwsError error;
  error.kind = ErrorKind::invalid;
  error.action = std::string(action);
  error.message = std::move(message);
  return error;
}

ResponseReader::ResponseReader(std::string_view action, const QueryResponse& response)
    : m_action(action), m_response(response) {}

pugi::xml_node ResponseReader::root() {
  pugi::xml_node root = m_response.xml.document_element();
  std::string_view name = root.name();
  // Prefixed roots (<ns:XResponse>) are matched on the local name.
  if (auto colon = name.find(':'); colon != std::string_view::npos) name.remove_prefix(colon + 1);
  if (!root || !name.starts_with(m_action) || name.substr(m_action.size()) != "Response") {
    fail(fmt::format("expected a <{}Response> answer, got <{}>", m_action,
                     quoted(root ? root.name() : "")));
    return {};
  }
  return root;
}

void ResponseReader::read_int(pugi::xml_node node, int& out) {
  std::string_view text = node.child_value();
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) {
    fail(fmt::format("<{}> is not an integer: '{}'", quoted(node.name()), quoted(text)));
    return;
  }
  out = value;
}

void ResponseReader::read_bool(pugi::xml_node node, bool& out) {
  std::string_view text = node.child_value();
  if (text == "true") {
    out = true;
  } else if (text == "false") {
    out = false;
  } else {
    fail(fmt::format("<{}> is not a boolean: '{}'", quoted(node.name()), quoted(text)));
  }
}

void ResponseReader::read_time(pugi::xml_node node, SysTime& out) {
  std::string_view text = node.child_value();
  if (auto time = util::parse_iso8601(text)) {
    out = *time;
  } else {
    fail(fmt::format("<{}> is not an ISO 8601 timestamp: '{}'", quoted(node.name()), quoted(text)));
  }
}

void ResponseReader::require(const std::string& value, std::string_view name,
                             std::string_view parent) {
  if (value.empty()) fail(fmt::format("<{}> is missing from <{}>", name, parent));
}

void ResponseReader::fail(std::string message) {
  if (!m_problem) m_problem = std::move(message);
}

AwsError ResponseReader::error() const {
  return bad_response(m_action, m_problem.value_or("malformed answer"), m_response.request_id);
}

}  // namespace snapkeep::aws
