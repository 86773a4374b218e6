#include "cli/progress.h"

#include <fmt/format.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <vector>

namespace snapkeep::cli {

ProgressLine::ProgressLine(std::FILE* out, bool enabled, std::size_t width)
    : m_out(out), m_enabled(enabled), m_width(width) {}

bool ProgressLine::wanted(std::FILE* out, bool quiet, bool json) {
  return !quiet && !json && isatty(fileno(out)) != 0;
}

std::size_t ProgressLine::terminal_width(std::FILE* out) {
  winsize size{};
  if (ioctl(fileno(out), TIOCGWINSZ, &size) == 0 && size.ws_col > 0) return size.ws_col;
  return 80;
}

std::string ProgressLine::render(const std::map<std::string, engine::RegionProgress>& regions,
                                 std::size_t width) {
  std::vector<std::string> parts;
  for (const auto& [region, p] : regions) {
    parts.push_back(fmt::format("{}: {}/{} instances, {} failed", region, p.instances_done,
                                p.instances_total, p.failed));
  }
  std::string line = fmt::format("{}", fmt::join(parts, " | "));
  // One column is left free: writing the last one makes some terminals wrap.
  if (width > 0 && line.size() >= width) line.resize(width - 1);
  return line;
}

void ProgressLine::update(const engine::RegionProgress& progress) {
  if (!m_enabled) return;
  std::lock_guard lock(m_mutex);
  m_regions[progress.region] = progress;
  std::string line = render(m_regions, m_width);
  const std::size_t pad = m_last_length > line.size() ? m_last_length - line.size() : 0;
  fmt::print(m_out, "\r{}{:{}}", line, "", pad);
  std::fflush(m_out);
  m_last_length = line.size();
}

void ProgressLine::finish() {
  if (!m_enabled) return;
  std::lock_guard lock(m_mutex);
  if (m_last_length > 0) fmt::print(m_out, "\r{:{}}\r", "", m_last_length);
  std::fflush(m_out);
  m_last_length = 0;
}

}  // namespace snapkeep::cli
