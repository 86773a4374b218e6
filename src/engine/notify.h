// Sending the run's notifications: SNS Publish to notify.sns_topic_arn and an
// HTTP POST of the summary to notify.webhook_url, when notify.on asks for it.
// A notification that cannot be sent is returned as a message for the
// summary (and so makes the exit status 1); it never hides the backup result.
//
// Thread safety: call from one thread.
#pragma once

#include <string>
#include <vector>

#include "aws/clock.h"
#include "aws/http.h"
#include "core/config.h"
#include "engine/summary.h"

namespace snapkeep::engine {

class AwsAccess;

// One message for notify's channels: the SNS subject (one line) and message
// and the webhook's JSON body, already within the services' limits
// (notify_message.h).
struct Notification {
  std::string subject;
  std::string message;
  std::string webhook_body;
};

// Sends `notification` to every channel `notify` names, whatever notify.on
// says (the caller decides whether to send). Returns one line per channel
// that could not be sent; `access` as below.
std::vector<std::string> send_notification(const core::Notify& notify,
                                           const Notification& notification, AwsAccess* access,
                                           aws::HttpTransport& http, aws::Clock& clock);

// The run's notification, when notify.on asks for it (should_notify).
// Returns one line per notification that could not be sent. `aws` gives the
// SNS client; `access` is null when no AWS session could be made (SNS is then reported
// as not sent, and the webhook, which needs no AWS, still is).
std::vector<std::string> send_notifications(const core::Notify& notify, const RunSummary& summary,
                                            AwsAccess* access, aws::HttpTransport& http,
                                            aws::Clock& clock);

// POSTs `body` (JSON) to `url`, retrying server errors and network failures
// with the standard backoff. On failure, why.
snapkeep::expected<void, std::string> post_webhook(const std::string& url, const std::string& body,
                                                   aws::HttpTransport& http, aws::Clock& clock,
                                                   int max_attempts = 3);

}  // namespace snapkeep::engine
