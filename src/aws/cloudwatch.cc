#include "aws/cloudwatch.h"

#include <fmt/format.h>

#include "aws/response_reader.h"

namespace snapkeep::aws {

namespace {

// Rough encoded size of one datum's parameters, to keep requests under the
// byte limit (values are URL-encoded: at most 3 bytes per byte).
std::size_t datum_bytes(const MetricDatum& d) {
  std::size_t n = 120 + 3 * (d.name.size() + d.unit.size());
  for (const auto& [k, v] : d.dimensions) n += 80 + 3 * (k.size() + v.size());
  return n;
}

}  // namespace

QueryParams CloudWatch::params(std::string_view name_space, const std::vector<MetricDatum>& data,
                               std::size_t first, std::size_t last) {
  QueryParams p{{"Namespace", std::string(name_space)}};
  for (std::size_t i = first; i < last; ++i) {
    const auto& d = data[i];
    const std::string prefix = fmt::format("MetricData.member.{}.", i - first + 1);
    p.emplace_back(prefix + "MetricName", d.name);
    std::size_t k = 0;
    for (const auto& [name, value] : d.dimensions) {
      ++k;
      p.emplace_back(fmt::format("{}Dimensions.member.{}.Name", prefix, k), name);
      p.emplace_back(fmt::format("{}Dimensions.member.{}.Value", prefix, k), value);
    }
    p.emplace_back(prefix + "Value", fmt::format("{}", d.value));
    p.emplace_back(prefix + "Unit", d.unit);
  }
  return p;
}

Result<int> CloudWatch::put_metric_data(std::string_view name_space,
                                        const std::vector<MetricDatum>& data) const {
  constexpr std::string_view action = "PutMetricData";
  if (name_space.empty()) return unexpected(invalid_request(action, "no namespace"));
  int calls = 0;
  std::size_t first = 0;
  while (first < data.size()) {
    std::size_t last = first;
    std::size_t bytes = 200;
    while (last < data.size() && last - first < max_data_per_call) {
      if (data[last].dimensions.size() > 30) {
        return unexpected(invalid_request(
            action, fmt::format("metric {} has more than 30 dimensions", data[last].name)));
      }
      const std::size_t more = datum_bytes(data[last]);
      if (last > first && bytes + more > max_request_bytes) break;
      bytes += more;
      ++last;
    }
    QueryResponse response =
        SNAPKEEP_TRY(m_caller.call(action, params(name_space, data, first, last)));
    ++calls;
    ResponseReader reader(action, response);
    reader.root();
    if (!reader.ok()) return unexpected(reader.error());
    first = last;
  }
  return calls;
}

}  // namespace snapkeep::aws
