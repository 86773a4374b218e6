// ResponseReader: reads typed fields out of the XML of a successful Query
// answer (EC2, SNS, STS) for the typed clients in ec2.h, sns.h and sts.h.
//
// Answers are matched by element name only: the namespace (with or without
// the trailing slash moto omits) and the order of elements are irrelevant.
// A success body that cannot be understood (wrong root element, a required
// element missing, a number or boolean or timestamp that does not parse) is
// an AwsError of kind bad_response, never a crash and never a silently
// empty result. The reader keeps the first such problem and reports it once.
//
// Thread safety: a ResponseReader belongs to one call on one thread.
#pragma once

#include <optional>
#include <pugixml.hpp>
#include <string>
#include <string_view>

#include "aws/clock.h"
#include "aws/error.h"
#include "aws/query_client.h"

namespace snapkeep::aws {

// An error of kind bad_response for `action`, carrying the request id.
AwsError bad_response(std::string_view action, std::string message,
                      std::string_view request_id = {});

class ResponseReader {
 public:
  ResponseReader(std::string_view action, const QueryResponse& response);

  // The root element <{action}Response>, or an empty node (and a recorded
  // problem) when the document has another root.
  pugi::xml_node root();

  // Each reader stores the parsed text of `node` into `out`, or records a
  // problem naming the element and leaves `out` unchanged.
  void read_int(pugi::xml_node node, int& out);
  void read_bool(pugi::xml_node node, bool& out);
  void read_time(pugi::xml_node node, SysTime& out);

  // Records that the required element `name` was missing or empty under
  // `parent` when `value` is empty.
  void require(const std::string& value, std::string_view name, std::string_view parent);

  void fail(std::string message);
  bool ok() const { return !m_problem.has_value(); }
  // The first problem as an AwsError (call only when !ok()).
  AwsError error() const;

 private:
  std::string_view m_action;
  const QueryResponse& m_response;
  std::optional<std::string> m_problem;
};

// An error of kind invalid for a request refused before sending it.
AwsError invalid_request(std::string_view action, std::string message);

// The text of the first child element named `name`, or "" when absent.
inline std::string_view child_text(pugi::xml_node node, const char* name) {
  return node.child(name).child_value();
}

}  // namespace snapkeep::aws
