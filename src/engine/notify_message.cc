#include "engine/notify_message.h"

#include <fmt/format.h>

#include "engine/render.h"

namespace snapkeep::engine {

bool should_notify(const core::Notify& notify, const RunSummary& summary) {
  if (!notify.sns_topic_arn && !notify.webhook_url) return false;
  if (notify.on_summary) return true;
  return notify.on_failure &&
         (summary.has_failures() || summary.has_limit_skips() || summary.has_failure_warnings());
}

std::string sns_subject(const RunSummary& summary) {
  return sns_subject_of("snapkeep " + one_line(summary));
}

std::string sns_subject_of(std::string subject) {
  for (char& c : subject) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  }
  if (subject.size() > kSnsMaxSubjectChars) {
    subject.resize(kSnsMaxSubjectChars - 3);
    // Never leave half of a UTF-8 sequence at the end.
    while (!subject.empty() && (static_cast<unsigned char>(subject.back()) & 0xC0) == 0x80) {
      subject.pop_back();
    }
    if (!subject.empty() && static_cast<unsigned char>(subject.back()) >= 0xC0) subject.pop_back();
    subject += "...";
  }
  return subject;
}

std::string sns_message(const RunSummary& summary, std::size_t max_bytes) {
  // The totals line (last) is repeated first so the essential result is never cut.
  return fit_sns_message(render_text(summary, false), one_line(summary), max_bytes);
}

std::string fit_sns_message(const std::string& text, const std::string& head_line,
                            std::size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  // Keep whole lines, leaving room for the note.
  std::string head = head_line + "\n";
  std::string note_template =
      "\n... {} more lines ({} bytes) left out; run with --output json for all\n";
  std::size_t budget = max_bytes - head.size() - note_template.size() - 40;
  std::size_t cut = text.rfind('\n', budget);
  if (cut == std::string::npos) cut = 0;
  std::size_t left_lines = 0;
  for (std::size_t i = cut + 1; i < text.size(); ++i) {
    if (text[i] == '\n') ++left_lines;
  }
  std::size_t left_bytes = text.size() - cut;
  return head + text.substr(0, cut) +
         fmt::format(fmt::runtime(note_template), left_lines, left_bytes);
}

std::string webhook_body(const RunSummary& summary) {
  nlohmann::json body;
  body["text"] = "snapkeep " + one_line(summary);
  body["summary"] = to_json(summary);
  return body.dump();
}

}  // namespace snapkeep::engine
