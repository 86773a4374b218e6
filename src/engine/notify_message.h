// What snapkeep tells people after a run: the SNS subject and message and the
// webhook payload, built from the RunSummary within the services' limits.
//
// SNS: the subject is under 100 characters with no line breaks or control
// characters; the message is at most 256 KB (262,144 bytes) of UTF-8, cut at
// a line boundary with a note saying how much was left out. The webhook body
// is JSON with a `text` field (Slack-style incoming webhooks show it) and the
// whole summary under `summary`.
//
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <string>

#include "core/config.h"
#include "engine/summary.h"

namespace snapkeep::engine {

inline constexpr std::size_t kSnsMaxMessageBytes = 262144;
inline constexpr std::size_t kSnsMaxSubjectChars = 99;

// Whether notify.on asks for a notification of this run: `summary` always,
// `failure` when something failed, the run could not start, a region was
// incomplete, something was skipped for an AWS limit, or a failure-level
// warning says backups silently do not happen (a policy selecting nothing).
bool should_notify(const core::Notify& notify, const RunSummary& summary);

std::string sns_subject(const RunSummary& summary);
std::string sns_message(const RunSummary& summary, std::size_t max_bytes = kSnsMaxMessageBytes);
std::string webhook_body(const RunSummary& summary);

// The same limits for any message (a drill's, engine/drill.h): `line` made a
// valid SNS subject (control characters blanked, cut at a character
// boundary with "..."), and `text` cut at a line boundary to `max_bytes`
// with `head` (the one-line result) first and a note of what was left out.
std::string sns_subject_of(std::string line);
std::string fit_sns_message(const std::string& text, const std::string& head,
                            std::size_t max_bytes = kSnsMaxMessageBytes);

}  // namespace snapkeep::engine
