// IniFile: the parsed form of the AWS shared configuration files
// (~/.aws/credentials and ~/.aws/config), read the way botocore's
// configparser-based reader does:
//
//   * `[name]` opens a section; the name is kept as written, trimmed
//     (`[profile dev]` stays "profile dev": which prefix means what is the
//     caller's business, see profile.h);
//   * `key = value` or `key: value` sets a key; keys are lower-cased, values
//     trimmed and kept verbatim otherwise (no inline comments: a `#` inside a
//     value is part of it, as in botocore);
//   * lines starting with `#` or `;` and blank lines are ignored;
//   * `key =` followed by indented `sub = value` lines is a sub-section (as in
//     `s3 =\n  max_concurrent_requests = 20`); an indented line after a key
//     with a value continues that value on a new line;
//   * a key set twice, or a section opened twice, merges: the last value wins.
//
// Anything else is a malformed line, reported as "file:line: why". Messages
// never quote the offending line, which could hold a secret key.
// parse_ini accepts arbitrary bytes (NUL, invalid UTF-8, CR) without crashing.
//
// Thread safety: values; parse_ini is a pure function.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/expected.h"

namespace snapkeep::aws {

using IniValues = std::map<std::string, std::string, std::less<>>;

struct IniSection {
  std::string name;
  IniValues values;
  std::map<std::string, IniValues, std::less<>> subsections;
  int line = 0;  // line of the first `[name]` header of this section
};

struct IniFile {
  std::string path;                  // for messages
  std::vector<IniSection> sections;  // in order of first appearance

  // The section called exactly `name`, or nullptr.
  const IniSection* find(std::string_view name) const;
};

// Parses `text`; `path` is only used in messages and stored in the result.
expected<IniFile, std::string> parse_ini(std::string_view text, std::string_view path);

// Outcome of reading a file that may legitimately be absent.
struct IniLoad {
  bool found = false;
  IniFile file;
};

// Reads a whole file. nullopt when it does not exist; an error when it
// exists but cannot be read (permissions, a directory).
expected<std::optional<std::string>, std::string> read_text_file(const std::string& path);

// Reads and parses `path`. A missing file is not an error (found = false);
// an unreadable or malformed one is.
expected<IniLoad, std::string> load_ini(const std::string& path);

}  // namespace snapkeep::aws
