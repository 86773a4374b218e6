#include "core/config_yaml.h"

#include <fmt/format.h>
#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <exception>
#include <functional>
#include <limits>
#include <optional>
#include <set>
#include <span>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/config_checks.h"

namespace snapkeep::core {

std::string ConfigError::to_string() const {
  if (line <= 0) return fmt::format("{}: {}", file, message);
  if (column <= 0) return fmt::format("{}:{}: {}", file, line, message);
  return fmt::format("{}:{}:{}: {}", file, line, column, message);
}

namespace config_yaml {

using config_checks::all_of;
using config_checks::is_alnum;
using config_checks::is_digit;

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

std::optional<Entries> Reader::mapping(const YAML::Node& node, Pos fallback,
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

std::optional<std::string> Reader::string_value(const Entry& e, const std::string& path) {
  if (e.value.IsScalar() && classify(e.value) == ScalarKind::string) return e.value.Scalar();
  std::string hint;
  if (e.value.IsScalar() && !e.value.IsNull())
    hint = fmt::format(" (put it in quotes: \"{}\")", e.value.Scalar());
  error(at(e), fmt::format("{} must be a string, got {}{}", path, describe(e.value), hint));
  return std::nullopt;
}

std::optional<int> Reader::int_value(const Entry& e, const std::string& path, int min, int max) {
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

std::optional<bool> Reader::bool_value(const Entry& e, const std::string& path) {
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

std::optional<std::vector<PlacedString>> Reader::string_list(const Entry& e,
                                                             const std::string& path) {
  if (!e.value.IsSequence()) {
    error(at(e), fmt::format("{} must be a list of strings, got {}", path, describe(e.value)));
    return std::nullopt;
  }
  std::vector<PlacedString> items;
  std::size_t index = 0;
  for (const auto& item : e.value) {
    std::string item_path = fmt::format("{}[{}]", path, index++);
    if (auto s = string_value(Entry{e.key, item}, item_path)) items.emplace_back(*s, pos_of(item));
  }
  return items;
}

std::vector<std::string> Reader::unique_items(
    const std::vector<PlacedString>& items, const std::string& path,
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

std::vector<ConfigError> Reader::take_errors() {
  std::vector<ConfigError> errors = std::move(m_errors);
  m_errors.clear();
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
  return errors;
}

namespace {

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

}  // namespace

void read_one_document(std::string_view text_view, Reader& reader,
                       const std::function<void(const YAML::Node&)>& read) {
  try {
    const std::string text(text_view);
    StreamShape shape = probe_stream(text);
    if (shape.stuck) {
      reader.error(
          *shape.stuck,
          "invalid YAML: unexpected ','; a comma separates items only inside [...] or {...}");
    } else if (shape.documents == 0 || (shape.documents == 1 && shape.first_empty)) {
      reader.error(Pos{}, "the file is empty; a configuration needs at least a policies list");
    } else if (shape.documents > 1) {
      reader.error(shape.second_start,
                   "the file holds more than one YAML document; snapkeep reads exactly one "
                   "(remove the --- separators)");
    } else {
      // One document: Load reads only the first, so it cannot loop.
      read(YAML::Load(text));
    }
  } catch (const YAML::DeepRecursion& e) {
    reader.error(pos_of(e.mark), "invalid YAML: nesting is too deep");
  } catch (const YAML::Exception& e) {
    reader.error(pos_of(e.mark), fmt::format("invalid YAML: {}", e.msg));
  } catch (const std::exception& e) {
    reader.error(Pos{}, fmt::format("could not read the configuration: {}", e.what()));
  }
}

}  // namespace config_yaml
}  // namespace snapkeep::core
