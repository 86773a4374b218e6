// ProgressLine: the per-region progress of a run on a terminal, one line
// rewritten in place with \r on stderr, e.g.
//   eu-west-1: 120/400 instances, 3 failed | us-east-1: 7/9 instances, 0 failed
// Only on a TTY and not with --quiet or --output json (enabled() says);
// otherwise nothing is written. finish() clears the line before the summary.
//
// Thread safety: update() may be called from several threads at once.
#pragma once

#include <cstdio>
#include <map>
#include <mutex>
#include <string>

#include "engine/executor.h"

namespace snapkeep::cli {

class ProgressLine {
 public:
  // `out` is written to only when `enabled`; `width` bounds the line so
  // that it never wraps (a wrapped line cannot be rewritten with \r).
  ProgressLine(std::FILE* out, bool enabled, std::size_t width);

  // Whether progress belongs on `out`: a TTY, and neither quiet nor JSON.
  static bool wanted(std::FILE* out, bool quiet, bool json);
  static std::size_t terminal_width(std::FILE* out);

  void update(const engine::RegionProgress& progress);
  void finish();

  // The text of the line for these regions, cut to `width`.
  static std::string render(const std::map<std::string, engine::RegionProgress>& regions,
                            std::size_t width);

 private:
  std::FILE* m_out;
  bool m_enabled;
  std::size_t m_width;
  std::mutex m_mutex;
  std::map<std::string, engine::RegionProgress> m_regions;
  std::size_t m_last_length = 0;
};

}  // namespace snapkeep::cli
