// Reading snapkeep.yaml as YAML: one document (the multi-document and
// yaml-cpp LoadAll guards), yaml-cpp nodes turned into typed values, and every
// problem reported as a ConfigError with file:line:column. Knows nothing of
// what the keys mean: the configuration's rules (keys, defaults, validation)
// live in src/core/config.cc.
//
// Thread safety: a Reader is used by one thread; the functions are pure.
#pragma once

#include <yaml-cpp/yaml.h>

#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/config.h"

namespace snapkeep::core::config_yaml {

struct Pos {
  int line = 0;    // 1-based; 0 unknown
  int column = 0;  // 1-based; 0 unknown
};

Pos pos_of(const YAML::Mark& mark);
Pos pos_of(const YAML::Node& node);
// "line 3, column 7", for messages that point at a second place.
std::string where(Pos p);

// A value from the file, quoted for a message: printable and short.
std::string quoted(std::string_view s);
std::string join(std::span<const std::string_view> words);
// The allowed word nearest to `word`, when it is near enough to be a typo.
std::optional<std::string_view> closest(std::string_view word,
                                        std::span<const std::string_view> allowed);

// What a YAML scalar means. yaml-cpp hands every scalar over as text; the
// resolution follows YAML 1.1 as well as 1.2 (PyYAML and therefore the JSON
// Schema check read 1.1), so that `name: 2024` or `Backup: yes` is reported as
// a non-string everywhere instead of meaning different things to different
// tools.
enum class ScalarKind { string, null, boolean, integer, decimal_integer, floating };
ScalarKind classify(const YAML::Node& node);
// "a list", "integer 7", "string \"x\"": what a node is, for "got ..." messages.
std::string describe(const YAML::Node& node);

// The keys a mapping may hold.
using KeyList = std::span<const std::string_view>;

// A mapping's entry: its key node (for positions) and its value.
struct Entry {
  YAML::Node key;
  YAML::Node value;
};
// A mapping's entries by key, after unknown and duplicate keys were reported.
using Entries = std::map<std::string, Entry, std::less<>>;
// A string from a list, with where it was.
using PlacedString = std::pair<std::string, Pos>;

// Reads values out of nodes, collecting every problem instead of stopping at
// the first. Each reader returns nullopt after reporting what is wrong; `path`
// names the value in messages ("policies[0].retain.daily").
class Reader {
 public:
  explicit Reader(std::string_view file) : m_file(file) {}

  void error(Pos at, std::string message) {
    m_errors.push_back(ConfigError{m_file, at.line, at.column, std::move(message)});
  }
  void error(const YAML::Node& at, std::string message) { error(pos_of(at), std::move(message)); }
  bool has_errors() const { return !m_errors.empty(); }
  // Every error in file order, each once (an alias repeats a node, so the same
  // error may have been reported twice).
  std::vector<ConfigError> take_errors();

  // Position of a value for messages: null values carry no useful mark, so
  // they are reported at their key.
  static Pos at(const Entry& e) {
    Pos p = pos_of(e.value);
    return (e.value.IsNull() || p.line == 0) ? pos_of(e.key) : p;
  }

  // Reports what is wrong with a mapping's keys (unknown, with a "did you
  // mean" hint, or duplicate) and returns its known entries; nullopt (after
  // one error) when `node` is not a mapping.
  std::optional<Entries> mapping(const YAML::Node& node, Pos fallback, const std::string& path,
                                 KeyList allowed);
  std::optional<std::string> string_value(const Entry& e, const std::string& path);
  std::optional<int> int_value(const Entry& e, const std::string& path, int min, int max);
  std::optional<bool> bool_value(const Entry& e, const std::string& path);
  // A list of strings; items that are not strings are reported and skipped.
  std::optional<std::vector<PlacedString>> string_list(const Entry& e, const std::string& path);
  // The strings of a list that are well-formed and not repeated; reports the
  // others. `problem` says what is wrong with an item, or nothing.
  std::vector<std::string> unique_items(
      const std::vector<PlacedString>& items, const std::string& path,
      std::optional<std::string_view> (*problem)(std::string_view));

 private:
  std::string m_file;
  std::vector<ConfigError> m_errors;
};

// Parses `text` as exactly one YAML document and hands its root to `read`.
// Refuses (as errors on `reader`) an empty stream, more than one document,
// and input yaml-cpp cannot parse or would loop on; YAML exceptions thrown
// while `read` walks the nodes are reported too.
void read_one_document(std::string_view text, Reader& reader,
                       const std::function<void(const YAML::Node&)>& read);

}  // namespace snapkeep::core::config_yaml
