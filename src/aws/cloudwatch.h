// CloudWatch: the one call snapkeep makes, PutMetricData (API version
// 2010-08-01, query protocol, signing name "monitoring"), batched within the
// API's limits: at most 1,000 metric data per request and 30 dimensions per
// datum, and requests kept under 1 MB.
//
// Thread safety: no mutable state; safe from several threads if the
// QueryCaller is.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "aws/query_client.h"

namespace snapkeep::aws {

struct MetricDatum {
  std::string name;
  std::vector<std::pair<std::string, std::string>> dimensions;  // (name, value)
  double value = 0;
  std::string unit = "Count";  // Count, Seconds, ...
};

class CloudWatch {
 public:
  static constexpr std::string_view api_version = "2010-08-01";
  static constexpr std::size_t max_data_per_call = 1000;
  static constexpr std::size_t max_request_bytes = 1000 * 1000;  // under the 1 MB limit

  explicit CloudWatch(QueryCaller& caller) : m_caller(caller) {}

  // Publishes `data` under `name_space` in as few calls as the limits allow;
  // stops at the first failure. Returns the number of calls made.
  Result<int> put_metric_data(std::string_view name_space,
                              const std::vector<MetricDatum>& data) const;

  // The query parameters of one PutMetricData carrying data[first, last).
  static QueryParams params(std::string_view name_space, const std::vector<MetricDatum>& data,
                            std::size_t first, std::size_t last);

 private:
  QueryCaller& m_caller;
};

}  // namespace snapkeep::aws
