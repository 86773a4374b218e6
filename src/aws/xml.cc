#include "aws/xml.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>

namespace snapkeep::aws {

namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// Length of the valid UTF-8 sequence starting at text[i] (RFC 3629: no
// overlongs, no surrogates, nothing above U+10FFFF), or 0 when invalid.
std::size_t utf8_sequence_length(std::string_view text, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<std::uint8_t>(text[k]); };
  const std::uint8_t b0 = byte(i);
  if (b0 < 0x80) return 1;
  std::size_t length = 0;
  std::uint8_t low = 0x80;
  std::uint8_t high = 0xBF;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    length = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    length = 3;
    if (b0 == 0xE0) low = 0xA0;
    if (b0 == 0xED) high = 0x9F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    length = 4;
    if (b0 == 0xF0) low = 0x90;
    if (b0 == 0xF4) high = 0x8F;
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  if (byte(i + 1) < low || byte(i + 1) > high) return 0;
  for (std::size_t k = 2; k < length; ++k) {
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  }
  return length;
}

std::string trimmed(std::string_view text) {
  const auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  return std::string(text);
}

// The <Error> element that carries a <Code>, wherever the shape puts it.
pugi::xml_node find_error_element(const pugi::xml_node& root) {
  return root.find_node([](const pugi::xml_node& node) {
    return node.type() == pugi::node_element && local_name(node) == "Error" &&
           child_element(node, "Code");
  });
}

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  });
  return out;
}

// A short description of a body that is not an AWS error document: an HTML
// page's <title>, else its first bytes.
std::string describe_foreign_body(std::string_view body) {
  if (body.empty()) return "empty body";
  // Only the head of a page is searched: a title sits near the top, and a
  // huge body must not cost a full lower-casing copy.
  const std::string head = lower(body.substr(0, 4096));
  const auto open = head.find("<title>");
  if (open != std::string::npos) {
    const auto close = head.find("</title>", open);
    if (close != std::string::npos) {
      const auto start = open + 7;
      return "HTML page: " + sanitize_text(trimmed(body.substr(start, close - start)), 200);
    }
  }
  if (head.find("<html") != std::string::npos || head.find("<!doctype") != std::string::npos) {
    return "HTML page";
  }
  return "unexpected body: " + sanitize_text(body.substr(0, 1024), 200);
}

std::string header_request_id(const Headers& headers) {
  for (std::string_view name : {"x-amzn-RequestId", "x-amz-request-id"}) {
    if (const auto* value = find_header(headers, name)) return sanitize_text(*value, 128);
  }
  return {};
}

}  // namespace

std::string sanitize_text(std::string_view text, std::size_t max_bytes) {
  constexpr std::string_view kEllipsis = "...";
  std::string out;
  out.reserve(std::min(text.size(), max_bytes));
  bool last_space = false;
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t length = utf8_sequence_length(text, i);
    std::string_view piece = length == 0 ? kReplacement : text.substr(i, length);
    const auto b0 = static_cast<std::uint8_t>(text[i]);
    if (length == 1 && (b0 < 0x20 || b0 == 0x7F)) piece = " ";
    const bool space = piece == " ";
    i += length == 0 ? 1 : length;
    if (space && (last_space || out.empty())) continue;
    if (out.size() + piece.size() > max_bytes) {
      while (out.size() + kEllipsis.size() > max_bytes && !out.empty()) {
        // Drop whole characters: continuation bytes first, then the lead.
        while (!out.empty() && (static_cast<std::uint8_t>(out.back()) & 0xC0) == 0x80) {
          out.pop_back();
        }
        if (!out.empty()) out.pop_back();
      }
      if (kEllipsis.size() <= max_bytes) out += kEllipsis;
      return out;
    }
    out += piece;
    last_space = space;
  }
  if (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::string_view local_name(const pugi::xml_node& node) {
  std::string_view name = node.name();
  const auto colon = name.find(':');
  return colon == std::string_view::npos ? name : name.substr(colon + 1);
}

pugi::xml_node child_element(const pugi::xml_node& node, std::string_view name) {
  for (auto child : node.children()) {
    if (child.type() == pugi::node_element && local_name(child) == name) return child;
  }
  return {};
}

std::string find_request_id(const pugi::xml_node& root) {
  for (std::string_view name : {"requestId", "RequestId", "RequestID"}) {
    if (auto node = child_element(root, name))
      return sanitize_text(trimmed(node.text().get()), 128);
  }
  if (auto metadata = child_element(root, "ResponseMetadata")) {
    if (auto node = child_element(metadata, "RequestId")) {
      return sanitize_text(trimmed(node.text().get()), 128);
    }
  }
  return {};
}

AwsError parse_error(const HttpResponse& response) {
  AwsError error;
  error.http_status = response.status;
  pugi::xml_document doc;
  const auto parsed = doc.load_buffer(response.body.data(), response.body.size(),
                                      pugi::parse_default, pugi::encoding_utf8);
  pugi::xml_node error_node;
  if (parsed) error_node = find_error_element(doc);
  if (error_node) {
    error.code = sanitize_text(trimmed(child_element(error_node, "Code").text().get()), 128);
    error.message = sanitize_text(child_element(error_node, "Message").text().get());
    error.request_id = find_request_id(doc.document_element());
  } else {
    error.message = fmt::format("HTTP {} answer without an AWS error document ({})",
                                response.status, describe_foreign_body(response.body));
  }
  if (error.request_id.empty()) error.request_id = header_request_id(response.headers);
  error.kind = classify(error.code, response.status);
  if (error.kind == ErrorKind::other && error.code.empty()) error.kind = ErrorKind::bad_response;
  return error;
}

Result<void> parse_success(const HttpResponse& response, std::string_view expected_root,
                           pugi::xml_document& doc) {
  const auto bad = [&](std::string message) {
    AwsError error;
    error.kind = ErrorKind::bad_response;
    error.http_status = response.status;
    error.message = std::move(message);
    error.request_id = header_request_id(response.headers);
    return unexpected(std::move(error));
  };
  const auto garbled = [&](std::string message) {
    auto error = bad(std::move(message));
    error.error().garbled = true;
    return error;
  };
  if (response.body.empty()) return garbled("empty body in a success answer");
  const auto parsed = doc.load_buffer(response.body.data(), response.body.size(),
                                      pugi::parse_default, pugi::encoding_utf8);
  if (!parsed) {
    return garbled(fmt::format("malformed XML in a success answer ({} at byte {} of {})",
                               parsed.description(), parsed.offset, response.body.size()));
  }
  const auto root = doc.document_element();
  if (!root) return bad("success answer has no root element");
  const auto name = local_name(root);
  if (name == expected_root) return {};
  if ((name == "Response" || name == "ErrorResponse") && find_error_element(root)) {
    return unexpected(parse_error(response));
  }
  return bad(fmt::format("unexpected root element <{}> in a success answer, expected <{}>",
                         sanitize_text(name, 128), expected_root));
}

}  // namespace snapkeep::aws
