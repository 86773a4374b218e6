// xml_parse_bench: how fast one full DescribeSnapshots page (1,000 snapshots,
// 5 tags each, AWS's pretty-printed layout) is parsed with pugixml and read
// into Ec2Snapshot structs, the work an inventory of a large region repeats
// for every page. Prints microseconds per page, MB/s and peak RSS.
#include <fmt/format.h>
#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "aws/ec2.h"

namespace {

// CPU time of this thread: the machine is shared, and wall time would count
// the time other processes hold the cores.
double cpu_us() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
}

std::string build_page(int snapshots) {
  std::string xml =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<DescribeSnapshotsResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">\n"
      "    <requestId>59dbff89-35bd-4eac-99ed-be587EXAMPLE</requestId>\n"
      "    <snapshotSet>\n";
  for (int i = 0; i < snapshots; ++i) {
    xml += fmt::format(
        "        <item>\n"
        "            <snapshotId>snap-0{:016x}</snapshotId>\n"
        "            <volumeId>vol-0{:016x}</volumeId>\n"
        "            <status>completed</status>\n"
        "            <startTime>2026-11-{:02}T00:00:{:02}.{:03}Z</startTime>\n"
        "            <progress>100%</progress>\n"
        "            <ownerId>123456789012</ownerId>\n"
        "            <volumeSize>{}</volumeSize>\n"
        "            <description>snapkeep nightly i-0{:016x} /dev/xvd{}</description>\n"
        "            <encrypted>true</encrypted>\n"
        "            "
        "<kmsKeyId>arn:aws:kms:us-east-1:123456789012:key/1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d</"
        "kmsKeyId>\n"
        "            <storageTier>standard</storageTier>\n"
        "            <tagSet>\n"
        "                <item><key>snapkeep:policy</key><value>nightly</value></item>\n"
        "                "
        "<item><key>snapkeep:slot</key><value>2026-11-{:02}T00:00:00Z</value></item>\n"
        "                <item><key>snapkeep:instance</key><value>i-0{:016x}</value></item>\n"
        "                "
        "<item><key>snapkeep:set</key><value>nightly/i-0{:016x}/2026-11-{:02}</value></item>\n"
        "                <item><key>snapkeep:device</key><value>/dev/xvd{}</value></item>\n"
        "            </tagSet>\n"
        "        </item>\n",
        0x1000000 + i, 0x2000000 + i, 1 + i % 28, i % 60, i % 1000, 8 + i % 500, 0x3000000 + i / 4,
        static_cast<char>('a' + i % 4), 1 + i % 28, 0x3000000 + i / 4, 0x3000000 + i / 4,
        1 + i % 28, static_cast<char>('a' + i % 4));
  }
  xml +=
      "    </snapshotSet>\n    <nextToken>eyJ2IjoxLCJjIjoiQUFBQUFBIn0=</nextToken>\n"
      "</DescribeSnapshotsResponse>\n";
  return xml;
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

}  // namespace

int main() {
  constexpr int kSnapshots = 1000;
  const int kRuns = std::getenv("XML_BENCH_RUNS") ? std::atoi(std::getenv("XML_BENCH_RUNS")) : 200;
  const std::string page = build_page(kSnapshots);

  std::vector<double> total_us;
  std::vector<double> parse_us;
  std::size_t checksum = 0;
  for (int run = 0; run < kRuns; ++run) {
    double start = cpu_us();
    snapkeep::aws::QueryResponse response;
    pugi::xml_parse_result parsed = response.xml.load_buffer(page.data(), page.size());
    double parsed_at = cpu_us();
    std::string next_token;
    auto snapshots = snapkeep::aws::parse_describe_snapshots_page(response, &next_token);
    double end = cpu_us();
    if (!parsed || !snapshots || snapshots->size() != kSnapshots || next_token.empty() ||
        (*snapshots)[kSnapshots - 1].tags.size() != 5) {
      std::fprintf(stderr, "xml_parse_bench: the page did not parse as expected\n");
      return 1;
    }
    checksum +=
        snapshots->back().id.size() + static_cast<std::size_t>(snapshots->front().volume_size_gib);
    total_us.push_back(end - start);
    parse_us.push_back(parsed_at - start);
  }

  double megabytes = static_cast<double>(page.size()) / 1e6;
  double total = median(total_us);
  double dom = median(parse_us);
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  fmt::print(
      "DescribeSnapshots page: {} snapshots x 5 tags, {:.2f} MB of XML ({} runs, median thread CPU "
      "time)\n",
      kSnapshots, megabytes, kRuns);
  fmt::print("  parse + read into Ec2Snapshot: {:.0f} us  {:.0f} MB/s  ({:.2f} us per snapshot)\n",
             total, megabytes / (total / 1e6), total / kSnapshots);
  fmt::print("  of which pugixml DOM parse:    {:.0f} us  {:.0f} MB/s\n", dom,
             megabytes / (dom / 1e6));
  fmt::print("  peak RSS: {:.1f} MB\n", static_cast<double>(usage.ru_maxrss) / 1024.0);
  return checksum == 0 ? 1 : 0;
}
