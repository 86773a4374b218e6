#include "aws/sns.h"

#include <fmt/format.h>

#include "aws/response_reader.h"

namespace snapkeep::aws {

namespace {

AwsError invalid(std::string message) {
  return invalid_request("Publish", std::move(message));
}

// Subjects must be ASCII text without line breaks or control characters,
// shorter than 100 characters (SNS API reference).
bool valid_subject(std::string_view subject) {
  for (char c : subject) {
    auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte >= 0x7f) return false;
  }
  return subject.size() <= Sns::max_subject_chars;
}

}  // namespace

Result<std::string> Sns::publish(std::string_view topic_arn, std::string_view subject,
                                 std::string_view message) const {
  constexpr std::string_view action = "Publish";
  if (topic_arn.empty()) return unexpected(invalid("no topic ARN"));
  if (message.empty()) return unexpected(invalid("the message is empty"));
  if (message.size() > max_message_bytes) {
    return unexpected(invalid(fmt::format("the message is {} bytes; SNS accepts at most {}",
                                          message.size(), max_message_bytes)));
  }
  if (!valid_subject(subject)) {
    return unexpected(
        invalid("the subject must be under 100 printable ASCII characters, without line breaks"));
  }
  QueryParams params{{"TopicArn", std::string(topic_arn)}};
  if (!subject.empty()) params.emplace_back("Subject", std::string(subject));
  params.emplace_back("Message", std::string(message));

  QueryResponse response = SNAPKEEP_TRY(m_caller.call(action, params));
  ResponseReader reader(action, response);
  pugi::xml_node root = reader.root();
  if (!reader.ok()) return unexpected(reader.error());
  std::string message_id(child_text(root.child("PublishResult"), "MessageId"));
  reader.require(message_id, "MessageId", "PublishResult");
  if (!reader.ok()) return unexpected(reader.error());
  return message_id;
}

}  // namespace snapkeep::aws
