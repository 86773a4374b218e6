// QueryCaller: one AWS Query-protocol API call (EC2, SNS, STS), with signing,
// client-side pacing, retries and error parsing done inside, so that callers
// (ec2.h, sns.h, sts.h) only build parameters and read XML.
//
// QueryClient is the production implementation (libcurl transport, SigV4,
// the standard retry policy, a token bucket per API bucket); tests of the
// typed service clients substitute a fake QueryCaller with canned answers.
//
// Thread safety: call() may be used from several threads at once.
#pragma once

#include <pugixml.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "aws/error.h"

namespace snapkeep::aws {

// Request parameters in the order they are sent (Action and Version are
// added by the caller implementation).
using QueryParams = std::vector<std::pair<std::string, std::string>>;

struct QueryResponse {
  pugi::xml_document xml;  // the parsed body of a 2xx answer
  std::string request_id;
  int http_status = 0;
};

class QueryCaller {
 public:
  virtual ~QueryCaller() = default;
  // On success, the parsed 2xx answer. On failure (after retries), the error,
  // with `action` set.
  virtual Result<QueryResponse> call(std::string_view action, const QueryParams& params) = 0;
};

}  // namespace snapkeep::aws
