#include "aws/ini.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <system_error>

namespace snapkeep::aws {
namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  return text;
}

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

struct KeyValue {
  std::string key;
  std::string value;
};

// Splits "key = value" / "key: value" at the first delimiter. False when there
// is no delimiter or the key is empty.
bool split_key_value(std::string_view line, KeyValue& out) {
  std::size_t pos = line.find_first_of("=:");
  if (pos == std::string_view::npos) return false;
  std::string_view key = trim(line.substr(0, pos));
  if (key.empty()) return false;
  out.key = lower(key);
  out.value = std::string(trim(line.substr(pos + 1)));
  return true;
}

class Parser {
 public:
  explicit Parser(std::string_view path) { m_file.path = std::string(path); }

  expected<IniFile, std::string> parse(std::string_view text) {
    int line_no = 0;
    std::size_t start = 0;
    while (start <= text.size()) {
      ++line_no;
      std::size_t end = text.find('\n', start);
      std::string_view line = text.substr(start, end == std::string_view::npos ? end : end - start);
      if (auto error = handle_line(line, line_no); !error.empty()) {
        return unexpected(m_file.path + ":" + std::to_string(line_no) + ": " + error);
      }
      if (end == std::string_view::npos) break;
      start = end + 1;
    }
    return std::move(m_file);
  }

 private:
  // Handles one line; returns why it is malformed, or "".
  std::string handle_line(std::string_view raw, int line_no) {
    std::string_view line = trim(raw);
    if (line.empty() || line.front() == '#' || line.front() == ';') return {};
    bool indented = is_space(raw.front());
    if (indented && m_section != nullptr && !m_key.empty()) return handle_continuation(line);
    if (line.front() == '[') {
      if (line.back() != ']') return "section header without closing ']'";
      std::string_view name = trim(line.substr(1, line.size() - 2));
      if (name.empty()) return "empty section name";
      open_section(name, line_no);
      return {};
    }
    if (m_section == nullptr) return "'key = value' line before any [section] header";
    KeyValue kv;
    if (!split_key_value(line, kv)) return "expected 'key = value' or '[section]'";
    m_key = kv.key;
    m_key_is_subsection = kv.value.empty();
    if (m_key_is_subsection) {
      // Botocore keeps whichever of the two forms came last.
      m_section->subsections.erase(m_key);
    }
    m_section->values[m_key] = std::move(kv.value);
    return {};
  }

  std::string handle_continuation(std::string_view line) {
    if (m_key_is_subsection) {
      KeyValue kv;
      if (!split_key_value(line, kv)) return "expected 'key = value' in the indented sub-section";
      m_section->values.erase(m_key);
      m_section->subsections[m_key][kv.key] = std::move(kv.value);
      return {};
    }
    std::string& value = m_section->values[m_key];
    value += '\n';
    value += line;
    return {};
  }

  void open_section(std::string_view name, int line_no) {
    m_key.clear();
    for (auto& section : m_file.sections) {
      if (section.name == name) {
        m_section = &section;
        return;
      }
    }
    m_file.sections.push_back(IniSection{std::string(name), {}, {}, line_no});
    m_section = &m_file.sections.back();
  }

  IniFile m_file;
  IniSection* m_section = nullptr;  // points into m_file.sections (only appended to)
  std::string m_key;                // the last key of the current section
  bool m_key_is_subsection = false;
};

}  // namespace

const IniSection* IniFile::find(std::string_view name) const {
  for (const auto& section : sections) {
    if (section.name == name) return &section;
  }
  return nullptr;
}

expected<IniFile, std::string> parse_ini(std::string_view text, std::string_view path) {
  return Parser(path).parse(text);
}

expected<IniLoad, std::string> load_ini(const std::string& path) {
  auto text = read_text_file(path);
  if (!text) return unexpected(std::move(text).error());
  if (!text->has_value()) return IniLoad{};
  auto parsed = parse_ini(**text, path);
  if (!parsed) return unexpected(std::move(parsed).error());
  return IniLoad{true, std::move(parsed).value()};
}

expected<std::optional<std::string>, std::string> read_text_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    if (err == ENOENT || err == ENOTDIR) return std::optional<std::string>();
    return unexpected(path + ": cannot read: " + std::generic_category().message(err));
  }
  std::string out;
  char buffer[65536];
  for (;;) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      return unexpected(path + ": cannot read: " + std::generic_category().message(err));
    }
    if (n == 0) break;
    out.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return std::optional<std::string>(std::move(out));
}

}  // namespace snapkeep::aws
