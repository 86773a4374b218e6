#include "engine/notify.h"

#include <fmt/format.h>

#include "aws/retry.h"
#include "aws/sns.h"
#include "engine/notify_message.h"
#include "engine/run.h"
#include "util/url.h"

namespace snapkeep::engine {

namespace {

// arn:aws:sns:eu-west-1:123456789012:backup -> eu-west-1
std::string topic_region(const std::string& arn) {
  std::size_t start = 0;
  for (int field = 0; field < 3; ++field) {
    start = arn.find(':', start);
    if (start == std::string::npos) return {};
    ++start;
  }
  auto end = arn.find(':', start);
  return end == std::string::npos ? std::string() : arn.substr(start, end - start);
}

// Incoming-webhook URLs carry their secret in the path (Slack, Teams): only
// the scheme and host may appear in a message. Replaces every mention of the
// URL's path in `text` with "/...".
std::string redact_path(std::string text, const std::string& url) {
  const util::UrlParts parts = util::split_url(url);
  if (!parts.path.starts_with('/')) return text;
  // The path with its query and fragment, as written.
  const std::string path = url.substr(static_cast<std::size_t>(parts.path.data() - url.data()));
  if (path.size() <= 1) return text;
  for (auto pos = text.find(path); pos != std::string::npos; pos = text.find(path, pos + 4)) {
    text.replace(pos, path.size(), "/...");
  }
  return text;
}

}  // namespace

snapkeep::expected<void, std::string> post_webhook(const std::string& url, const std::string& body,
                                                   aws::HttpTransport& http, aws::Clock& clock,
                                                   int max_attempts) {
  aws::RetryOptions options;
  options.max_attempts = max_attempts;
  aws::RetryPolicy retry(options);
  aws::RetryState state;
  for (;;) {
    aws::HttpRequest request;
    request.method = "POST";
    request.url = url;
    request.body = body;
    request.headers.emplace_back("Content-Type", "application/json");
    request.total_timeout = std::chrono::seconds(15);
    auto sent = http.send(request);
    aws::AwsError error;
    const aws::Headers* headers = nullptr;
    if (sent && sent->status >= 200 && sent->status < 300) {
      retry.on_success(state);
      return {};
    }
    if (sent) {
      error.http_status = sent->status;
      error.kind = aws::classify("", sent->status);
      if (sent->status == 429) error.kind = aws::ErrorKind::throttled;
      error.message = fmt::format("HTTP {}", sent->status);
      headers = &sent->headers;
    } else {
      error = sent.error();
      error.message = redact_path(error.message, url);
    }
    auto decision = retry.on_failure(state, error, headers);
    if (!decision.retry) {
      return snapkeep::unexpected(
          fmt::format("webhook {}: {}", redact_path(url, url), error.message));
    }
    clock.sleep_for(decision.delay);
  }
}

std::vector<std::string> send_notifications(const core::Notify& notify, const RunSummary& summary,
                                            AwsAccess* access, aws::HttpTransport& http,
                                            aws::Clock& clock) {
  if (!should_notify(notify, summary)) return {};
  return send_notification(
      notify, Notification{sns_subject(summary), sns_message(summary), webhook_body(summary)},
      access, http, clock);
}

std::vector<std::string> send_notification(const core::Notify& notify,
                                           const Notification& notification, AwsAccess* access,
                                           aws::HttpTransport& http, aws::Clock& clock) {
  std::vector<std::string> errors;
  if (notify.sns_topic_arn) {
    const std::string& arn = *notify.sns_topic_arn;
    snapkeep::expected<std::unique_ptr<aws::QueryCaller>, std::string> caller =
        snapkeep::unexpected(std::string("no AWS session to send with"));
    if (access) caller = access->caller("sns", topic_region(arn), aws::Sns::api_version);
    if (!caller) {
      errors.push_back(fmt::format("SNS {}: {}", arn, caller.error()));
    } else {
      aws::Sns sns(**caller);
      auto published = sns.publish(arn, notification.subject, notification.message);
      if (!published)
        errors.push_back(fmt::format("SNS {}: {}", arn, published.error().describe()));
    }
  }
  if (notify.webhook_url) {
    auto posted = post_webhook(*notify.webhook_url, notification.webhook_body, http, clock);
    if (!posted) errors.push_back(posted.error());
  }
  return errors;
}

}  // namespace snapkeep::engine
