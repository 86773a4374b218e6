// Sns: the one SNS call snapkeep makes, Publish (API version 2010-03-31),
// over a QueryCaller for the topic's region.
//
// Thread safety: no mutable state; safe from several threads if the
// QueryCaller is.
#pragma once

#include <string>
#include <string_view>

#include "aws/query_client.h"

namespace snapkeep::aws {

class Sns {
 public:
  static constexpr std::string_view api_version = "2010-03-31";
  // SNS's limits: checked before sending so a bad notification fails with a
  // clear message rather than an opaque InvalidParameter.
  static constexpr std::size_t max_message_bytes = 262144;
  static constexpr std::size_t max_subject_chars = 99;

  explicit Sns(QueryCaller& caller) : m_caller(caller) {}

  // Publishes `message` to `topic_arn`; `subject` (for e-mail endpoints) is
  // omitted when empty. Returns SNS's message id.
  Result<std::string> publish(std::string_view topic_arn, std::string_view subject,
                              std::string_view message) const;

 private:
  QueryCaller& m_caller;
};

}  // namespace snapkeep::aws
