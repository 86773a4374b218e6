#include "core/config.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <exception>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace snapkeep::core {

std::string ConfigError::to_string() const {
  if (line <= 0) return fmt::format("{}: {}", file, message);
  if (column <= 0) return fmt::format("{}:{}: {}", file, line, message);
  return fmt::format("{}:{}:{}: {}", file, line, column, message);
}

namespace {

// Largest value any retention rule or orphan_keep_days accepts: 100 years of
// days, the same ceiling AWS puts on DLM and Backup retention.
constexpr int kMaxRetention = 36500;
constexpr std::size_t kMaxTagKey = 128;
constexpr std::size_t kMaxTagValue = 256;
constexpr std::size_t kMaxPolicyName = 64;

struct Pos {
  int line = 0;    // 1-based; 0 unknown
  int column = 0;  // 1-based; 0 unknown
};

Pos pos_of(const YAML::Mark& mark) {
  if (mark.is_null() || mark.line < 0 || mark.column < 0) return {};
  return {mark.line + 1, mark.column + 1};
}

// "line 3, column 7", for messages that point at a second place.
std::string where(Pos p) {
  return fmt::format("line {}, column {}", p.line, p.column);
}

Pos pos_of(const YAML::Node& node) {
  if (!node.IsDefined()) return {};
  return pos_of(node.Mark());
}

// ---------------------------------------------------------------------------
// Character and format checks. Hand-written rather than std::regex: the input
// is untrusted (a fuzz target drives it) and libstdc++'s regex recurses per
// character, so a long value could overflow the stack.

bool is_lower(char c) {
  return c >= 'a' && c <= 'z';
}
bool is_upper(char c) {
  return c >= 'A' && c <= 'Z';
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_alnum(char c) {
  return is_lower(c) || is_upper(c) || is_digit(c);
}
bool is_hex_lower(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f');
}

bool all_of(std::string_view s, bool (*pred)(char)) {
  return std::all_of(s.begin(), s.end(), pred);
}

bool is_iam_name_char(char c) {
  return is_alnum(c) || std::string_view("+=,.@_-").find(c) != std::string_view::npos;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    std::size_t end = s.find(sep, start);
    if (end == std::string_view::npos) {
      parts.push_back(s.substr(start));
      return parts;
    }
    parts.push_back(s.substr(start, end - start));
    start = end + 1;
  }
}

// Unicode characters in UTF-8 text: AWS counts tag lengths in characters.
std::size_t utf8_length(std::string_view s) {
  return static_cast<std::size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0U) != 0x80U; }));
}

bool starts_with_ci(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    char a = s[i];
    if (is_upper(a)) a = static_cast<char>(a - 'A' + 'a');
    if (a != prefix[i]) return false;
  }
  return true;
}

// us-east-1, eu-central-2, us-gov-west-1, cn-north-1, ap-southeast-4.
bool is_region(std::string_view s) {
  if (s.size() > 32) return false;
  auto parts = split(s, '-');
  if (parts.size() < 3) return false;
  if (parts.front().size() != 2 || !all_of(parts.front(), is_lower)) return false;
  const auto last = parts.back();
  if (last.empty() || last.size() > 2 || !all_of(last, is_digit)) return false;
  for (std::size_t i = 1; i + 1 < parts.size(); ++i) {
    if (parts[i].empty() || !all_of(parts[i], is_lower)) return false;
  }
  return true;
}

bool is_partition(std::string_view s) {
  return s == "aws" || s == "aws-cn" || s == "aws-us-gov";
}

// The partition a region belongs to; ARNs must name it.
std::string_view partition_of(std::string_view region) {
  if (region.starts_with("cn-")) return "aws-cn";
  if (region.starts_with("us-gov-")) return "aws-us-gov";
  return "aws";
}

bool is_account_id(std::string_view s) {
  return s.size() == 12 && all_of(s, is_digit);
}

// Returns an empty string when `arn` is a valid SNS topic ARN, else what is wrong.
std::string check_sns_topic_arn(std::string_view arn) {
  auto parts = split(arn, ':');
  if (parts.size() != 6 || parts[0] != "arn" || parts[2] != "sns") return "is not an SNS topic ARN";
  if (!is_partition(parts[1])) return "has an unknown partition (allowed: aws, aws-cn, aws-us-gov)";
  if (!is_region(parts[3])) return "has a malformed region";
  if (partition_of(parts[3]) != parts[1]) {
    return fmt::format("names region {} outside partition {}", parts[3], parts[1]);
  }
  if (!is_account_id(parts[4])) return "needs a 12-digit account id";
  std::string_view name = parts[5];
  if (name.ends_with(".fifo")) name.remove_suffix(5);
  if (name.empty() || parts[5].size() > 256 ||
      !all_of(name, [](char c) { return is_alnum(c) || c == '_' || c == '-'; })) {
    return "has a malformed topic name (1-256 letters, digits, _ or -, optionally ending .fifo)";
  }
  return {};
}

// Returns an empty string when `arn` is a valid IAM role ARN, else what is wrong.
std::string check_role_arn(std::string_view arn) {
  auto parts = split(arn, ':');
  if (parts.size() != 6 || parts[0] != "arn" || parts[2] != "iam" || !parts[3].empty() ||
      !parts[5].starts_with("role/")) {
    return "is not an IAM role ARN";
  }
  if (!is_partition(parts[1])) return "has an unknown partition (allowed: aws, aws-cn, aws-us-gov)";
  if (!is_account_id(parts[4])) return "needs a 12-digit account id";
  auto path = split(parts[5].substr(5), '/');
  if (parts[5].size() > 512 + 64 || path.back().size() > 64) return "is too long";
  for (auto segment : path) {
    if (segment.empty() || !all_of(segment, is_iam_name_char)) {
      return "has a malformed role path or name (letters, digits and +=,.@_- separated by /)";
    }
  }
  return {};
}

// Returns an empty string when `url` is an acceptable webhook URL, else what is wrong.
std::string check_webhook_url(std::string_view url) {
  for (char c : url) {
    if (static_cast<unsigned char>(c) <= 0x20U || c == 0x7F)
      return "contains a space or control character";
  }
  bool https = url.starts_with("https://");
  bool http = url.starts_with("http://");
  if (!https && !http) return "must start with https://";
  std::string_view rest = url.substr(https ? 8 : 7);
  std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  if (authority.find('@') != std::string_view::npos) {
    return "must not carry a user name or password (put secrets in the path or query)";
  }
  std::string_view host = authority;
  std::string_view port;
  if (host.starts_with('[')) {
    auto close = host.find(']');
    if (close == std::string_view::npos) return "has a malformed IPv6 host";
    port = host.substr(close + 1);
    host = host.substr(0, close + 1);
    if (!port.empty() && !port.starts_with(':')) return "has a malformed port";
    if (!port.empty()) port.remove_prefix(1);
  } else if (auto colon = host.find(':'); colon != std::string_view::npos) {
    port = host.substr(colon + 1);
    host = host.substr(0, colon);
    if (port.empty()) return "has a malformed port";
  }
  if (host.empty()) return "has no host";
  if (!host.starts_with('[') &&
      !all_of(host, [](char c) { return is_alnum(c) || c == '.' || c == '-'; })) {
    return "has a malformed host";
  }
  if (!port.empty()) {
    if (port.size() > 5 || !all_of(port, is_digit)) return "has a malformed port";
    int value = 0;
    for (char c : port) value = value * 10 + (c - '0');
    if (value < 1 || value > 65535) return "has a port outside 1-65535";
  }
  if (http) {
    auto octets = split(host, '.');
    bool loopback = host == "localhost" || host == "[::1]" ||
                    (octets.size() == 4 && octets[0] == "127" &&
                     std::all_of(octets.begin(), octets.end(), [](std::string_view o) {
                       return !o.empty() && o.size() <= 3 && all_of(o, is_digit);
                     }));
    if (!loopback)
      return "must use https:// (http:// is allowed only for localhost, 127.x.x.x and [::1])";
  }
  return {};
}

bool is_instance_id(std::string_view s) {
  if (!s.starts_with("i-")) return false;
  auto hex = s.substr(2);
  return (hex.size() == 8 || hex.size() == 17) && all_of(hex, is_hex_lower);
}

bool is_policy_name(std::string_view s) {
  return !s.empty() && s.size() <= kMaxPolicyName && is_alnum(s.front()) &&
         all_of(s, [](char c) { return is_alnum(c) || c == '.' || c == '_' || c == '-'; });
}

bool is_device_name(std::string_view s) {
  std::string_view name = s.starts_with("/dev/") ? s.substr(5) : s;
  return !name.empty() && s.size() <= 32 && is_lower(name.front()) &&
         all_of(name, [](char c) { return is_lower(c) || is_digit(c); });
}

bool is_uuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !is_hex_lower(s[i])) return false;
  }
  return true;
}

bool is_kms_key_ref(std::string_view s) {
  auto key_or_alias = [](std::string_view r) {
    if (r.starts_with("alias/")) {
      auto name = r.substr(6);
      return !name.empty() && name.size() <= 250 && !name.starts_with("aws/") &&
             all_of(name, [](char c) { return is_alnum(c) || c == '/' || c == '_' || c == '-'; });
    }
    return is_uuid(r) ||
           (r.size() == 36 && r.starts_with("mrk-") && all_of(r.substr(4), is_hex_lower));
  };
  if (!s.starts_with("arn:")) return key_or_alias(s);
  auto parts = split(s, ':');
  if (parts.size() != 6 || !is_partition(parts[1]) || parts[2] != "kms" || !is_region(parts[3]) ||
      !is_account_id(parts[4])) {
    return false;
  }
  if (parts[5].starts_with("key/")) return key_or_alias(parts[5].substr(4));
  return key_or_alias(parts[5]);
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0U : 1U)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// The allowed word nearest to `word`, when it is near enough to be a typo.
std::optional<std::string_view> closest(std::string_view word,
                                        std::span<const std::string_view> allowed) {
  if (word.size() > 64) return std::nullopt;
  std::optional<std::string_view> best;
  std::size_t best_distance = std::max<std::size_t>(2, word.size() / 3) + 1;
  for (auto candidate : allowed) {
    std::size_t d = edit_distance(word, candidate);
    if (d < best_distance) {
      best = candidate;
      best_distance = d;
    }
  }
  return best;
}

std::string join(std::span<const std::string_view> words) {
  std::string out;
  for (auto w : words) {
    if (!out.empty()) out += ", ";
    out += w;
  }
  return out;
}

// A value from the file, quoted for a message: printable and short.
std::string quoted(std::string_view s) {
  std::string out = "\"";
  std::size_t shown = 0;
  for (char c : s) {
    if (++shown > 60) {
      out += "...";
      break;
    }
    auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20U || u == 0x7FU) {
      out += fmt::format("\\x{:02x}", u);
    } else {
      out += c;
    }
  }
  return out + "\"";
}

// ---------------------------------------------------------------------------
// What a YAML scalar means. yaml-cpp hands every scalar over as text; the
// resolution below follows YAML 1.1 as well as 1.2 (PyYAML and therefore the
// JSON Schema check read 1.1), so that `name: 2024` or `Backup: yes` is
// reported as a non-string everywhere instead of meaning different things to
// different tools.

enum class ScalarKind { string, null, boolean, integer, decimal_integer, floating };

bool is_null_word(std::string_view s) {
  return s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL";
}

bool is_bool_word(std::string_view s) {
  static constexpr std::array<std::string_view, 18> words = {
      "true", "True", "TRUE", "false", "False", "FALSE", "yes", "Yes", "YES",
      "no",   "No",   "NO",   "on",    "On",    "ON",    "off", "Off", "OFF"};
  return std::find(words.begin(), words.end(), s) != words.end();
}

ScalarKind classify_plain(std::string_view s) {
  if (is_null_word(s)) return ScalarKind::null;
  if (is_bool_word(s)) return ScalarKind::boolean;
  std::string_view body = s;
  if (body.starts_with('+') || body.starts_with('-')) body.remove_prefix(1);
  if (body.empty()) return ScalarKind::string;
  if (all_of(body, is_digit)) return ScalarKind::decimal_integer;
  if (all_of(body, [](char c) { return is_digit(c) || c == '_'; }) && is_digit(body.front())) {
    return ScalarKind::integer;
  }
  if (body.size() > 2 && body[0] == '0' && (body[1] == 'x' || body[1] == 'o' || body[1] == 'b') &&
      all_of(body.substr(2), [](char c) { return is_alnum(c) || c == '_'; })) {
    return ScalarKind::integer;
  }
  if (body == ".inf" || body == ".Inf" || body == ".INF" || s == ".nan" || s == ".NaN" ||
      s == ".NAN") {
    return ScalarKind::floating;
  }
  // [digits][.digits][e[+-]digits] with at least one digit and a dot or exponent.
  std::size_t i = 0;
  std::size_t digits = 0;
  while (i < body.size() && (is_digit(body[i]) || body[i] == '_'))
    digits += is_digit(body[i++]) ? 1U : 0U;
  bool dot = i < body.size() && body[i] == '.';
  if (dot) {
    ++i;
    while (i < body.size() && (is_digit(body[i]) || body[i] == '_'))
      digits += is_digit(body[i++]) ? 1U : 0U;
  }
  bool exponent = false;
  if (digits > 0 && i < body.size() && (body[i] == 'e' || body[i] == 'E')) {
    std::size_t j = i + 1;
    if (j < body.size() && (body[j] == '+' || body[j] == '-')) ++j;
    if (j < body.size() && all_of(body.substr(j), is_digit)) {
      exponent = true;
      i = body.size();
    }
  }
  if (digits > 0 && i == body.size() && (dot || exponent)) return ScalarKind::floating;
  return ScalarKind::string;
}

ScalarKind classify(const YAML::Node& node) {
  if (node.IsNull()) return ScalarKind::null;
  const std::string& tag = node.Tag();
  // "!" marks a quoted or block scalar: always a string.
  if (tag == "!" || tag == "tag:yaml.org,2002:str") return ScalarKind::string;
  return classify_plain(node.Scalar());
}

// "a list", "integer 7", "string \"x\"": what a node is, for "got ..." messages.
std::string describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null:
      return "nothing";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a mapping";
    case YAML::NodeType::Scalar:
      break;
  }
  const std::string& text = node.Scalar();
  switch (classify(node)) {
    case ScalarKind::null:
      return "nothing";
    case ScalarKind::boolean:
      return "boolean " + text;
    case ScalarKind::integer:
    case ScalarKind::decimal_integer:
      return "integer " + text;
    case ScalarKind::floating:
      return "number " + text;
    case ScalarKind::string:
      break;
  }
  return "string " + quoted(text);
}

// ---------------------------------------------------------------------------

using KeyList = std::span<const std::string_view>;

constexpr std::array<std::string_view, 4> kTopKeys = {"regions", "notify", "policies", "accounts"};
constexpr std::array<std::string_view, 3> kNotifyKeys = {"sns_topic_arn", "webhook_url", "on"};
constexpr std::array<std::string_view, 8> kPolicyKeys = {
    "name", "select", "schedule", "timezone", "snapshot", "retain", "copies", "orphan_keep_days"};
constexpr std::array<std::string_view, 5> kSelectKeys = {"tags", "exclude_tags", "instance_ids",
                                                         "exclude_volume_tags", "all"};
constexpr std::array<std::string_view, 4> kSnapshotKeys = {"exclude_boot_volume", "exclude_devices",
                                                           "copy_tags", "tags"};
constexpr std::array<std::string_view, 7> kRetainKeys = {"count",  "days",    "hourly", "daily",
                                                         "weekly", "monthly", "yearly"};
constexpr std::array<std::string_view, 3> kCopyKeys = {"region", "kms_key_id", "retain"};
constexpr std::array<std::string_view, 3> kAccountKeys = {"role_arn", "external_id",
                                                          "session_name"};

// Where the keys of features that are parsed but not built yet sit, so that
// reject_unbuilt_features() can point at them.
struct UnbuiltUses {
  std::vector<Pos> copies;  // one per policy with a non-empty copies list
  std::optional<Pos> accounts;
};

// A mapping's entries by key, after unknown and duplicate keys were reported.
struct Entry {
  YAML::Node key;
  YAML::Node value;
};
using Entries = std::map<std::string, Entry, std::less<>>;

class Parser {
 public:
  explicit Parser(std::string_view file) : m_file(file) {}

  Config parse_document(const YAML::Node& root);
  std::vector<ConfigError>& errors() { return m_errors; }
  void error(Pos at, std::string message) {
    m_errors.push_back(ConfigError{m_file, at.line, at.column, std::move(message)});
  }

 private:
  void error(const YAML::Node& at, std::string message) { error(pos_of(at), std::move(message)); }

  // Reports what is wrong with a mapping's keys and returns its known entries;
  // nullopt (after one error) when `node` is not a mapping.
  std::optional<Entries> mapping(const YAML::Node& node, Pos fallback, const std::string& path,
                                 KeyList allowed);
  // Position of a value for messages: null values carry no useful mark, so
  // they are reported at their key.
  static Pos at(const Entry& e) {
    Pos p = pos_of(e.value);
    return (e.value.IsNull() || p.line == 0) ? pos_of(e.key) : p;
  }

  std::optional<std::string> string_value(const Entry& e, const std::string& path);
  std::optional<int> int_value(const Entry& e, const std::string& path, int min, int max);
  std::optional<bool> bool_value(const Entry& e, const std::string& path);
  // A list of strings; items that are not strings are reported and skipped.
  std::optional<std::vector<std::pair<std::string, Pos>>> string_list(const Entry& e,
                                                                      const std::string& path);
  std::optional<Tags> tag_map(const Entry& e, const std::string& path, bool user_tags);
  // The strings of a list that are well-formed and not repeated; reports the
  // others. `problem` says what is wrong with an item, or nothing.
  std::vector<std::string> unique_items(
      const std::vector<std::pair<std::string, Pos>>& items, const std::string& path,
      std::optional<std::string_view> (*problem)(std::string_view));

  void parse_regions(const Entry& e, Config& config);
  void parse_notify(const Entry& e, Notify& notify);
  void parse_policy(const YAML::Node& node, const std::string& path, Policy& policy,
                    const Config& config, Pos& name_pos);
  void parse_select(const Entry& e, const std::string& path, Selection& select);
  void parse_snapshot(const Entry& e, const std::string& path, SnapshotOptions& snapshot);
  void parse_retain(const Entry& e, const std::string& path, Retention& retain);
  void parse_copies(const Entry& e, const std::string& path, Policy& policy, const Config& config);
  void parse_accounts(const Entry& e, Config& config);

  std::string m_file;
  std::vector<ConfigError> m_errors;

 public:
  UnbuiltUses unbuilt;
};

std::optional<Entries> Parser::mapping(const YAML::Node& node, Pos fallback,
                                       const std::string& path, KeyList allowed) {
  if (!node.IsMap()) {
    Pos p = pos_of(node);
    error(node.IsNull() || p.line == 0 ? fallback : p,
          fmt::format("{} must be a mapping with keys {}, got {}", path, join(allowed),
                      describe(node)));
    return std::nullopt;
  }
  Entries entries;
  for (auto it = node.begin(); it != node.end(); ++it) {
    // A copy, not a reference: yaml-cpp's operator-> returns a temporary
    // proxy, so a reference to it->first dangles (found by fuzz/config.cc).
    const YAML::Node key = it->first;
    if (!key.IsScalar()) {
      error(key, fmt::format("a key in {} is {}; keys are plain names: {}", path, describe(key),
                             join(allowed)));
      continue;
    }
    const std::string& name = key.Scalar();
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
      std::string hint;
      if (auto near = closest(name, allowed)) hint = fmt::format("did you mean \"{}\"? ", *near);
      error(key, fmt::format("unknown key {} in {}; {}allowed: {}", quoted(name), path, hint,
                             join(allowed)));
      continue;
    }
    if (auto found = entries.find(name); found != entries.end()) {
      error(key, fmt::format("duplicate key \"{}\" in {} (first at {}); give each key once", name,
                             path, where(pos_of(found->second.key))));
      continue;
    }
    entries.emplace(name, Entry{key, it->second});
  }
  return entries;
}

std::optional<std::string> Parser::string_value(const Entry& e, const std::string& path) {
  if (e.value.IsScalar() && classify(e.value) == ScalarKind::string) return e.value.Scalar();
  std::string hint;
  if (e.value.IsScalar() && !e.value.IsNull())
    hint = fmt::format(" (put it in quotes: \"{}\")", e.value.Scalar());
  error(at(e), fmt::format("{} must be a string, got {}{}", path, describe(e.value), hint));
  return std::nullopt;
}

std::optional<int> Parser::int_value(const Entry& e, const std::string& path, int min, int max) {
  auto range = [&] { return fmt::format("a whole number from {} to {}", min, max); };
  if (!e.value.IsScalar() || classify(e.value) != ScalarKind::decimal_integer) {
    error(at(e), fmt::format("{} must be {}, got {}", path, range(), describe(e.value)));
    return std::nullopt;
  }
  std::string_view text = e.value.Scalar();
  bool negative = text.starts_with('-');
  if (negative || text.starts_with('+')) text.remove_prefix(1);
  long long value = 0;
  for (char c : text) {
    value = value * 10 + (c - '0');
    if (value > std::numeric_limits<int>::max()) break;
  }
  if (negative) value = -value;
  if (value < min || value > max) {
    error(at(e), fmt::format("{} must be {}, got {}", path, range(), e.value.Scalar()));
    return std::nullopt;
  }
  return static_cast<int>(value);
}

std::optional<bool> Parser::bool_value(const Entry& e, const std::string& path) {
  if (e.value.IsScalar() && classify(e.value) == ScalarKind::boolean) {
    const std::string& s = e.value.Scalar();
    if (s == "true" || s == "True" || s == "TRUE") return true;
    if (s == "false" || s == "False" || s == "FALSE") return false;
  }
  // yes/no/on/off mean booleans to some YAML readers and strings to others.
  error(at(e), fmt::format("{} must be true or false, got {}", path,
                           e.value.IsScalar() && classify(e.value) == ScalarKind::boolean
                               ? quoted(e.value.Scalar())
                               : describe(e.value)));
  return std::nullopt;
}

std::optional<std::vector<std::pair<std::string, Pos>>> Parser::string_list(
    const Entry& e, const std::string& path) {
  if (!e.value.IsSequence()) {
    error(at(e), fmt::format("{} must be a list of strings, got {}", path, describe(e.value)));
    return std::nullopt;
  }
  std::vector<std::pair<std::string, Pos>> items;
  std::size_t index = 0;
  for (const auto& item : e.value) {
    std::string item_path = fmt::format("{}[{}]", path, index++);
    if (auto s = string_value(Entry{e.key, item}, item_path)) items.emplace_back(*s, pos_of(item));
  }
  return items;
}

std::optional<Tags> Parser::tag_map(const Entry& e, const std::string& path, bool user_tags) {
  if (!e.value.IsMap()) {
    error(at(e), fmt::format("{} must be a mapping of tag keys to values, got {}", path,
                             describe(e.value)));
    return std::nullopt;
  }
  Tags tags;
  std::map<std::string, Pos, std::less<>> first_at;
  for (auto it = e.value.begin(); it != e.value.end(); ++it) {
    const YAML::Node key = it->first;  // a copy: see Parser::mapping
    if (!key.IsScalar() || key.IsNull()) {
      error(key, fmt::format("a tag key in {} is {}; tag keys are strings", path, describe(key)));
      continue;
    }
    const std::string& name = key.Scalar();
    std::string tag_path = fmt::format("{}.{}", path, name.size() > 40 ? "<key>" : name);
    bool ok = true;
    if (name.empty() || utf8_length(name) > kMaxTagKey) {
      error(key, fmt::format("tag key {} in {} must be 1 to {} characters long", quoted(name), path,
                             kMaxTagKey));
      ok = false;
    } else if (user_tags && starts_with_ci(name, "aws:")) {
      error(key,
            fmt::format(
                "tag key {} in {} starts with \"aws:\", which AWS reserves; choose another key",
                quoted(name), path));
      ok = false;
    } else if (user_tags && starts_with_ci(name, "snapkeep:")) {
      error(key, fmt::format(
                     "tag key {} in {} starts with \"snapkeep:\", which snapkeep reserves for its "
                     "own tags; choose another key",
                     quoted(name), path));
      ok = false;
    }
    if (auto found = first_at.find(name); found != first_at.end()) {
      error(key, fmt::format("duplicate tag key {} in {} (first at {}); give each key once",
                             quoted(name), path, where(found->second)));
      continue;
    }
    first_at.emplace(name, pos_of(key));
    auto value = string_value(Entry{key, it->second}, tag_path);
    if (!value) continue;
    if (utf8_length(*value) > kMaxTagValue) {
      error(it->second, fmt::format("{} is {} characters long; a tag value holds at most {}",
                                    tag_path, utf8_length(*value), kMaxTagValue));
      continue;
    }
    if (ok) tags.emplace(name, *value);
  }
  return tags;
}

std::vector<std::string> Parser::unique_items(
    const std::vector<std::pair<std::string, Pos>>& items, const std::string& path,
    std::optional<std::string_view> (*problem)(std::string_view)) {
  std::vector<std::string> kept;
  std::set<std::string, std::less<>> seen;
  for (std::size_t i = 0; i < items.size(); ++i) {
    const auto& [item, pos] = items[i];
    if (auto wrong = problem(item)) {
      error(pos, fmt::format("{}[{}] {} {}", path, i, quoted(item), *wrong));
    } else if (!seen.insert(item).second) {
      error(pos, fmt::format("{}[{}] {} is listed twice", path, i, quoted(item)));
    } else {
      kept.push_back(item);
    }
  }
  return kept;
}

void Parser::parse_regions(const Entry& e, Config& config) {
  constexpr std::string_view allowed =
      "a list of region names such as [us-east-1, eu-west-1], or \"*\" for every enabled region";
  if (e.value.IsScalar() && classify(e.value) == ScalarKind::string && e.value.Scalar() == "*") {
    config.all_regions = true;
    return;
  }
  if (!e.value.IsSequence()) {
    error(at(e), fmt::format("regions must be {}, got {}", allowed, describe(e.value)));
    return;
  }
  if (e.value.size() == 0) {
    error(at(e),
          fmt::format("regions is empty; list at least one region, write \"*\" for every enabled "
                      "region, or leave the key out for the default region"));
    return;
  }
  auto items = string_list(e, "regions");
  if (!items) return;
  config.regions =
      unique_items(*items, "regions", [](std::string_view name) -> std::optional<std::string_view> {
        if (name == "*") return "stands alone; write regions: \"*\" instead of a list";
        if (!is_region(name))
          return "is not a region name; regions look like us-east-1 or eu-west-1";
        return std::nullopt;
      });
}

void Parser::parse_notify(const Entry& e, Notify& notify) {
  auto entries = mapping(e.value, at(e), "notify", kNotifyKeys);
  if (!entries) return;
  if (auto it = entries->find("sns_topic_arn"); it != entries->end()) {
    if (auto arn = string_value(it->second, "notify.sns_topic_arn")) {
      if (auto problem = check_sns_topic_arn(*arn); !problem.empty()) {
        error(at(it->second), fmt::format("notify.sns_topic_arn {} {}; expected "
                                          "arn:aws:sns:<region>:<12-digit account>:<topic name>",
                                          quoted(*arn), problem));
      } else {
        notify.sns_topic_arn = *arn;
      }
    }
  }
  if (auto it = entries->find("webhook_url"); it != entries->end()) {
    if (auto url = string_value(it->second, "notify.webhook_url")) {
      if (auto problem = check_webhook_url(*url); !problem.empty()) {
        error(at(it->second), fmt::format("notify.webhook_url {} {}", quoted(*url), problem));
      } else {
        notify.webhook_url = *url;
      }
    }
  }
  if (auto it = entries->find("on"); it != entries->end()) {
    if (auto events = string_list(it->second, "notify.on")) {
      if (it->second.value.size() == 0) {
        error(at(it->second),
              "notify.on is empty; list failure, summary or both (remove notify to send nothing)");
      }
      notify.on_failure = false;
      notify.on_summary = false;
      for (const auto& [event, pos] : *events) {
        bool& flag = event == "failure" ? notify.on_failure : notify.on_summary;
        if (event != "failure" && event != "summary") {
          error(pos, fmt::format("notify.on: {} is not an event; allowed: failure, summary",
                                 quoted(event)));
        } else if (flag) {
          error(pos, fmt::format("notify.on lists {} twice", event));
        } else {
          flag = true;
        }
      }
    }
  }
  if (!entries->contains("sns_topic_arn") && !entries->contains("webhook_url")) {
    error(at(e), "notify has nowhere to send: give sns_topic_arn, webhook_url or both");
  }
}

void Parser::parse_select(const Entry& e, const std::string& path, Selection& select) {
  auto entries = mapping(e.value, at(e), path, kSelectKeys);
  if (!entries) return;
  if (auto it = entries->find("tags"); it != entries->end()) {
    if (auto tags = tag_map(it->second, path + ".tags", false)) select.tags = std::move(*tags);
  }
  if (auto it = entries->find("exclude_tags"); it != entries->end()) {
    if (auto tags = tag_map(it->second, path + ".exclude_tags", false))
      select.exclude_tags = std::move(*tags);
  }
  if (auto it = entries->find("exclude_volume_tags"); it != entries->end()) {
    if (auto tags = tag_map(it->second, path + ".exclude_volume_tags", false)) {
      select.exclude_volume_tags = std::move(*tags);
    }
  }
  bool has_ids = false;
  if (auto it = entries->find("instance_ids"); it != entries->end()) {
    if (auto ids = string_list(it->second, path + ".instance_ids")) {
      has_ids = !ids->empty();
      select.instance_ids = unique_items(
          *ids, path + ".instance_ids", [](std::string_view id) -> std::optional<std::string_view> {
            if (!is_instance_id(id))
              return "is not an instance id; ids look like i-0123456789abcdef0";
            return std::nullopt;
          });
    }
  }
  auto tags_entry = entries->find("tags");
  bool has_tags = tags_entry != entries->end() && tags_entry->second.value.IsMap() &&
                  tags_entry->second.value.size() > 0;
  // Selecting every instance must be said, never the result of a forgotten
  // key: a Selection with no tags and no ids matches every instance.
  std::optional<bool> all;
  if (auto it = entries->find("all"); it != entries->end()) {
    all = bool_value(it->second, path + ".all");
    if (all == true && (has_tags || has_ids)) {
      error(at(it->second),
            fmt::format("{}.all: true selects every instance; remove it, or remove tags and "
                        "instance_ids",
                        path));
    }
  }
  if (has_tags || has_ids) return;
  if (!entries->contains("all")) {
    error(at(e),
          fmt::format(
              "{} selects no instance: give tags or instance_ids, or all: true to protect every "
              "instance",
              path));
  } else if (all == false) {
    error(at(entries->at("all")),
          fmt::format("{}.all is false and nothing else is selected: give tags or "
                      "instance_ids, or all: true to protect every instance",
                      path));
  }
}

void Parser::parse_snapshot(const Entry& e, const std::string& path, SnapshotOptions& snapshot) {
  auto entries = mapping(e.value, at(e), path, kSnapshotKeys);
  if (!entries) return;
  if (auto it = entries->find("exclude_boot_volume"); it != entries->end()) {
    if (auto b = bool_value(it->second, path + ".exclude_boot_volume"))
      snapshot.exclude_boot_volume = *b;
  }
  if (auto it = entries->find("exclude_devices"); it != entries->end()) {
    if (auto devices = string_list(it->second, path + ".exclude_devices")) {
      snapshot.exclude_devices =
          unique_items(*devices, path + ".exclude_devices",
                       [](std::string_view device) -> std::optional<std::string_view> {
                         if (!is_device_name(device))
                           return "is not a device name; names look like /dev/sdf or xvdf";
                         return std::nullopt;
                       });
    }
  }
  if (auto it = entries->find("copy_tags"); it != entries->end()) {
    if (auto sources = string_list(it->second, path + ".copy_tags")) {
      for (std::size_t i = 0; i < sources->size(); ++i) {
        const auto& [source, pos] = (*sources)[i];
        bool& flag = source == "instance" ? snapshot.copy_instance_tags : snapshot.copy_volume_tags;
        if (source != "instance" && source != "volume") {
          error(pos,
                fmt::format("{}.copy_tags[{}] {} is not a tag source; allowed: instance, volume",
                            path, i, quoted(source)));
        } else if (flag) {
          error(pos, fmt::format("{}.copy_tags lists {} twice", path, source));
        } else {
          flag = true;
        }
      }
    }
  }
  if (auto it = entries->find("tags"); it != entries->end()) {
    if (auto tags = tag_map(it->second, path + ".tags", true)) snapshot.tags = std::move(*tags);
  }
}

void Parser::parse_retain(const Entry& e, const std::string& path, Retention& retain) {
  auto entries = mapping(e.value, at(e), path, kRetainKeys);
  if (!entries) return;
  std::array<std::optional<int>*, kRetainKeys.size()> fields = {
      &retain.count,  &retain.days,    &retain.hourly, &retain.daily,
      &retain.weekly, &retain.monthly, &retain.yearly};
  bool any = false;
  for (std::size_t i = 0; i < kRetainKeys.size(); ++i) {
    auto it = entries->find(kRetainKeys[i]);
    if (it == entries->end()) continue;
    any = true;
    *fields[i] =
        int_value(it->second, fmt::format("{}.{}", path, kRetainKeys[i]), 1, kMaxRetention);
  }
  if (!any) {
    error(at(e),
          fmt::format(
              "{} has no rule; give at least one of {} (a restore point kept by any rule stays)",
              path, join(kRetainKeys)));
  }
}

void Parser::parse_copies(const Entry& e, const std::string& path, Policy& policy,
                          const Config& config) {
  if (!e.value.IsSequence()) {
    error(at(e),
          fmt::format("{} must be a list of copy targets ({{region, kms_key_id, retain}}), got {}",
                      path, describe(e.value)));
    return;
  }
  if (e.value.size() > 0) unbuilt.copies.push_back(pos_of(e.key));
  std::set<std::string, std::less<>> seen;
  std::size_t index = 0;
  for (const auto& item : e.value) {
    std::string item_path = fmt::format("{}[{}]", path, index++);
    auto entries = mapping(item, pos_of(e.key), item_path, kCopyKeys);
    if (!entries) continue;
    CopyTarget copy;
    copy.retain = policy.retain;  // a copy without its own retain keeps what the source keeps
    if (auto it = entries->find("region"); it != entries->end()) {
      if (auto region = string_value(it->second, item_path + ".region")) {
        if (!is_region(*region)) {
          error(at(it->second),
                fmt::format("{}.region {} is not a region name; regions look like us-west-2",
                            item_path, quoted(*region)));
        } else if (config.all_regions) {
          error(at(it->second),
                fmt::format("{}.region {}: with regions \"*\" every region is a source, so a copy "
                            "would land in "
                            "its own source region; list the source regions explicitly",
                            item_path, *region));
        } else if (std::find(config.regions.begin(), config.regions.end(), *region) !=
                   config.regions.end()) {
          error(at(it->second),
                fmt::format("{}.region {} is one of the source regions; copies go to other "
                            "regions (sources: {})",
                            item_path, *region, fmt::join(config.regions, ", ")));
        } else if (!seen.insert(*region).second) {
          error(at(it->second),
                fmt::format("{}.region {} has two copies in one policy; give each region once",
                            item_path, *region));
        }
        copy.region = *region;
      }
    } else {
      error(pos_of(item), fmt::format("{} has no region; give the region to copy to", item_path));
    }
    if (auto it = entries->find("kms_key_id"); it != entries->end()) {
      if (auto key = string_value(it->second, item_path + ".kms_key_id")) {
        if (!is_kms_key_ref(*key)) {
          error(at(it->second),
                fmt::format("{}.kms_key_id {} is not a KMS key reference; allowed: a key id, "
                            "alias/<name>, or a key or alias ARN",
                            item_path, quoted(*key)));
        }
        copy.kms_key_id = *key;
      }
    }
    if (auto it = entries->find("retain"); it != entries->end()) {
      copy.retain = Retention{};
      parse_retain(it->second, item_path + ".retain", copy.retain);
    }
    policy.copies.push_back(std::move(copy));
  }
}

void Parser::parse_policy(const YAML::Node& node, const std::string& path, Policy& policy,
                          const Config& config, Pos& name_pos) {
  auto entries = mapping(node, pos_of(node), path, kPolicyKeys);
  if (!entries) return;
  Pos where = pos_of(node);
  auto missing = [&](std::string_view key, std::string_view what) {
    if (!entries->contains(key)) error(where, fmt::format("{} has no {}; {}", path, key, what));
  };
  missing("name", "give it a name (letters, digits, '.', '_', '-'; up to 64 characters)");
  missing("select",
          "say which instances it protects with select: {tags: {...}}, {instance_ids: [...]} or "
          "{all: true}");
  missing("schedule", "give one, e.g. \"cron(0 0 * * ? *)\" or \"rate(12 hours)\"");
  missing("retain", fmt::format("give at least one of {}", join(kRetainKeys)));

  if (auto it = entries->find("name"); it != entries->end()) {
    if (auto name = string_value(it->second, path + ".name")) {
      if (!is_policy_name(*name)) {
        error(at(it->second),
              fmt::format("{}.name {} is not allowed; a policy name is 1 to {} letters, digits, "
                          "'.', '_' or '-', starting with a letter or digit",
                          path, quoted(*name), kMaxPolicyName));
      } else {
        policy.name = *name;
        name_pos = at(it->second);
      }
    }
  }
  if (auto it = entries->find("select"); it != entries->end())
    parse_select(it->second, path + ".select", policy.select);

  bool timezone_ok = true;
  if (auto it = entries->find("timezone"); it != entries->end()) {
    if (auto tz = string_value(it->second, path + ".timezone")) {
      if (!is_valid_timezone(*tz)) {
        error(at(it->second),
              fmt::format("{}.timezone {} is not an IANA time zone; use a name such as UTC, "
                          "Europe/Berlin or America/New_York",
                          path, quoted(*tz)));
        timezone_ok = false;
      } else {
        policy.timezone = *tz;
      }
    } else {
      timezone_ok = false;
    }
  }
  if (auto it = entries->find("schedule"); it != entries->end()) {
    if (auto expression = string_value(it->second, path + ".schedule")) {
      // With a bad time zone, still check the expression itself (in UTC) so
      // both mistakes are reported in one pass.
      auto schedule = Schedule::parse(*expression, timezone_ok ? policy.timezone : "UTC");
      if (!schedule) {
        error(at(it->second),
              fmt::format("{}.schedule {}: {}", path, quoted(*expression), schedule.error()));
      } else {
        policy.schedule = std::move(*schedule);
      }
    }
  }
  if (auto it = entries->find("snapshot"); it != entries->end()) {
    parse_snapshot(it->second, path + ".snapshot", policy.snapshot);
  }
  if (auto it = entries->find("retain"); it != entries->end())
    parse_retain(it->second, path + ".retain", policy.retain);
  if (auto it = entries->find("copies"); it != entries->end())
    parse_copies(it->second, path + ".copies", policy, config);
  if (auto it = entries->find("orphan_keep_days"); it != entries->end()) {
    if (auto days = int_value(it->second, path + ".orphan_keep_days", 1, kMaxRetention))
      policy.orphan_keep_days = *days;
  }
}

void Parser::parse_accounts(const Entry& e, Config& config) {
  if (!e.value.IsSequence()) {
    error(at(e),
          fmt::format("accounts must be a list of {{role_arn, external_id, session_name}}, got {}",
                      describe(e.value)));
    return;
  }
  if (e.value.size() > 0) unbuilt.accounts = pos_of(e.key);
  std::set<std::string, std::less<>> seen;
  std::size_t index = 0;
  for (const auto& item : e.value) {
    std::string path = fmt::format("accounts[{}]", index++);
    auto entries = mapping(item, pos_of(e.key), path, kAccountKeys);
    if (!entries) continue;
    Account account;
    if (auto it = entries->find("role_arn"); it != entries->end()) {
      if (auto arn = string_value(it->second, path + ".role_arn")) {
        if (auto problem = check_role_arn(*arn); !problem.empty()) {
          error(
              at(it->second),
              fmt::format("{}.role_arn {} {}; expected arn:aws:iam::<12-digit account>:role/<name>",
                          path, quoted(*arn), problem));
        } else if (!seen.insert(*arn).second) {
          error(at(it->second), fmt::format("{}.role_arn {} is listed twice", path, quoted(*arn)));
        }
        account.role_arn = *arn;
      }
    } else {
      error(
          pos_of(item),
          fmt::format("{} has no role_arn; give the role snapkeep assumes in that account", path));
    }
    if (auto it = entries->find("external_id"); it != entries->end()) {
      if (auto id = string_value(it->second, path + ".external_id")) {
        if (id->size() < 2 || id->size() > 1224 ||
            !all_of(*id, [](char c) { return is_iam_name_char(c) || c == ':' || c == '/'; })) {
          error(at(it->second),
                fmt::format("{}.external_id must be 2 to 1224 letters, digits or +=,.@:/_-", path));
        }
        account.external_id = *id;
      }
    }
    if (auto it = entries->find("session_name"); it != entries->end()) {
      if (auto name = string_value(it->second, path + ".session_name")) {
        if (name->size() < 2 || name->size() > 64 || !all_of(*name, is_iam_name_char)) {
          error(at(it->second),
                fmt::format("{}.session_name must be 2 to 64 letters, digits or +=,.@_-", path));
        }
        account.session_name = *name;
      }
    }
    config.accounts.push_back(std::move(account));
  }
}

Config Parser::parse_document(const YAML::Node& root) {
  Config config;
  auto entries = mapping(root, Pos{1, 1}, "the top level", kTopKeys);
  if (!entries) return config;
  // Regions first: copies are checked against them, wherever they appear.
  if (auto it = entries->find("regions"); it != entries->end()) parse_regions(it->second, config);
  if (auto it = entries->find("notify"); it != entries->end())
    parse_notify(it->second, config.notify);

  if (auto it = entries->find("policies"); it == entries->end()) {
    error(Pos{1, 1}, "the file has no policies; add policies: with at least one policy");
  } else if (const Entry& e = it->second; !e.value.IsSequence()) {
    error(at(e), fmt::format("policies must be a list of policies, got {}", describe(e.value)));
  } else if (e.value.size() == 0) {
    error(at(e), "policies is empty; give at least one policy");
  } else {
    std::map<std::string, Pos, std::less<>> first_at;
    std::size_t index = 0;
    for (const auto& node : e.value) {
      Policy policy;
      Pos name_pos;
      parse_policy(node, fmt::format("policies[{}]", index++), policy, config, name_pos);
      if (!policy.name.empty()) {
        if (auto found = first_at.find(policy.name); found != first_at.end()) {
          error(name_pos,
                fmt::format("policy name \"{}\" is used twice (first at {}); names must be unique "
                            "because they tag the snapshots",
                            policy.name, where(found->second)));
        } else {
          first_at.emplace(policy.name, name_pos);
        }
      }
      config.policies.push_back(std::move(policy));
    }
  }
  if (auto it = entries->find("accounts"); it != entries->end()) parse_accounts(it->second, config);
  return config;
}

// Counts the documents of a YAML stream, at most kMaxProbe of them, without
// building nodes. yaml-cpp 0.7's LoadAll never returns on a stray ',' at block
// level: it yields an empty document for the same token again and again,
// allocating each time, until memory runs out (jbeder/yaml-cpp#1040, fixed
// upstream by #1319). Counting with a cap, and spotting an empty document
// that repeats at the same place, keeps parse_config safe on any input.
class DocumentProbe : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark& mark) override {
    m_start = mark;
    m_events = 0;
    m_only_null = true;
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t) override {
    if (m_events++ == 0) m_first = mark;
  }
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override { content(); }
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {
    content();
  }
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    content();
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {
    content();
  }
  void OnMapEnd() override {}

  const YAML::Mark& start() const { return m_start; }
  const YAML::Mark& first() const { return m_first; }
  bool empty() const { return m_only_null; }

 private:
  void content() {
    ++m_events;
    m_only_null = false;
  }
  YAML::Mark m_start = YAML::Mark::null_mark();
  YAML::Mark m_first = YAML::Mark::null_mark();
  int m_events = 0;
  bool m_only_null = true;
};

struct StreamShape {
  int documents = 0;         // capped at kMaxProbe
  bool first_empty = true;   // the first document holds nothing
  Pos second_start;          // where the second document starts
  std::optional<Pos> stuck;  // a token yaml-cpp cannot get past
};

StreamShape probe_stream(const std::string& text) {
  constexpr int kMaxProbe = 4;
  std::istringstream in(text);
  YAML::Parser parser(in);
  DocumentProbe probe;
  StreamShape shape;
  std::optional<YAML::Mark> previous_empty;
  while (shape.documents < kMaxProbe && parser.HandleNextDocument(probe)) {
    ++shape.documents;
    if (shape.documents == 1) shape.first_empty = probe.empty();
    if (shape.documents == 2) shape.second_start = pos_of(probe.start());
    if (!probe.empty()) {
      previous_empty.reset();
      continue;
    }
    if (previous_empty && previous_empty->pos == probe.first().pos) {
      shape.stuck = pos_of(probe.first());
      break;
    }
    previous_empty = probe.first();
  }
  return shape;
}

// Features that are parsed and validated but not built yet: configuring one is
// an error, because no key may be accepted and then ignored by `run`
// (DESIGN.md section 3). When the engine builds a feature, delete its lines here.
void reject_unbuilt_features(const UnbuiltUses& uses, Parser& parser) {
  for (Pos at : uses.copies) {
    parser.error(
        at,
        "copies is not supported yet: snapkeep does not copy snapshots to other regions in this "
        "version; remove copies");
  }
  if (uses.accounts) {
    parser.error(*uses.accounts,
                 "accounts is not supported yet: snapkeep works in the credentials' own account "
                 "in this version; remove accounts");
  }
}

}  // namespace

snapkeep::expected<Config, std::vector<ConfigError>> parse_config(std::string_view yaml_text,
                                                                  std::string_view file_name) {
  Parser parser(file_name);
  Config config;
  try {
    const std::string text(yaml_text);
    StreamShape shape = probe_stream(text);
    if (shape.stuck) {
      parser.error(
          *shape.stuck,
          "invalid YAML: unexpected ','; a comma separates items only inside [...] or {...}");
    } else if (shape.documents == 0 || (shape.documents == 1 && shape.first_empty)) {
      parser.error(Pos{}, "the file is empty; a configuration needs at least a policies list");
    } else if (shape.documents > 1) {
      parser.error(shape.second_start,
                   "the file holds more than one YAML document; snapkeep reads exactly one "
                   "(remove the --- separators)");
    } else {
      // One document: Load reads only the first, so it cannot loop.
      config = parser.parse_document(YAML::Load(text));
      reject_unbuilt_features(parser.unbuilt, parser);
    }
  } catch (const YAML::DeepRecursion& e) {
    parser.error(pos_of(e.mark), "invalid YAML: nesting is too deep");
  } catch (const YAML::Exception& e) {
    parser.error(pos_of(e.mark), fmt::format("invalid YAML: {}", e.msg));
  } catch (const std::exception& e) {
    parser.error(Pos{}, fmt::format("could not read the configuration: {}", e.what()));
  }
  auto& errors = parser.errors();
  if (errors.empty()) return config;
  // File order; an alias repeats a node, so the same error may come twice.
  std::stable_sort(errors.begin(), errors.end(), [](const ConfigError& a, const ConfigError& b) {
    return std::pair(a.line, a.column) < std::pair(b.line, b.column);
  });
  errors.erase(std::unique(errors.begin(), errors.end(),
                           [](const ConfigError& a, const ConfigError& b) {
                             return a.line == b.line && a.column == b.column &&
                                    a.message == b.message;
                           }),
               errors.end());
  return snapkeep::unexpected(std::move(errors));
}

}  // namespace snapkeep::core
