// Prints the SigV4 signer's throughput on one core: typical EC2 Query POSTs
// signed per second, form-encoding throughput, presigned URLs per second, and
// the process's peak RSS.
#include <sys/resource.h>
#include <time.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "aws/sigv4.h"

namespace {

using snapkeep::aws::Credentials;
using snapkeep::aws::HttpRequest;
using snapkeep::aws::Signer;
using snapkeep::aws::SysTime;
using Params = std::vector<std::pair<std::string, std::string>>;

volatile std::size_t g_sink = 0;

// CPU time of this thread: the machine may be shared, and the figure wanted
// is what one core does, not what the scheduler happened to grant.
double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// Runs `body` in batches until about `seconds` of CPU time have passed;
// returns calls per CPU second.
template <class F>
double rate(F&& body, double seconds = 1.0) {
  std::size_t calls = 0;
  const double start = thread_cpu_seconds();
  double elapsed = 0;
  do {
    for (int i = 0; i < 1000; ++i) body();
    calls += 1000;
    elapsed = thread_cpu_seconds() - start;
  } while (elapsed < seconds);
  return static_cast<double>(calls) / elapsed;
}

HttpRequest query_post(std::string region, const Params& params) {
  HttpRequest request;
  request.url = "https://ec2." + region + ".amazonaws.com/";
  request.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"},
                     {"User-Agent", "snapkeep/0.1.0"}};
  request.body = snapkeep::aws::form_body(params);
  return request;
}

}  // namespace

int main(int argc, char** argv) {
  // An optional argument runs only the sections whose name contains it
  // (e.g. "sign"), for profiling.
  const std::string only = argc > 1 ? argv[1] : "";
  auto wanted = [&only](const char* name) {
    return std::string(name).find(only) != std::string::npos;
  };
  const Credentials credentials{"ASIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                                "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQD6example"
                                "sessiontokenFQoGZXIvYXdzEBQaDExampleTokenValueOfAboutThreeHundred"
                                "BytesIsTypicalForAssumedRoleCredentialsFromSTSOrTheInstanceRole==",
                                std::nullopt, "bench"};
  const SysTime now{std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::sys_days{std::chrono::year{2024} / 5 / 1}.time_since_epoch() +
      std::chrono::hours{10})};

  const Params describe = {
      {"Action", "DescribeSnapshots"},
      {"Version", "2016-11-15"},
      {"Owner.1", "self"},
      {"Filter.1.Name", "tag:snapkeep:managed"},
      {"Filter.1.Value.1", "true"},
      {"Filter.2.Name", "tag:snapkeep:policy"},
      {"Filter.2.Value.1", "daily-production"},
      {"Filter.3.Name", "status"},
      {"Filter.3.Value.1", "completed"},
      {"MaxResults", "1000"},
      {"NextToken", "eyJ2IjoiMiIsImMiOiJleGFtcGxlIG5leHQgdG9rZW4gdmFsdWUifQ=="}};
  const Params create = {{"Action", "CreateSnapshots"},
                         {"Version", "2016-11-15"},
                         {"InstanceSpecification.InstanceId", "i-0123456789abcdef0"},
                         {"InstanceSpecification.ExcludeBootVolume", "false"},
                         {"Description", "snapkeep daily-production 2024-05-01T10:00:00Z"},
                         {"CopyTagsFromSource", "volume"},
                         {"TagSpecification.1.ResourceType", "snapshot"},
                         {"TagSpecification.1.Tag.1.Key", "snapkeep:managed"},
                         {"TagSpecification.1.Tag.1.Value", "true"},
                         {"TagSpecification.1.Tag.2.Key", "snapkeep:policy"},
                         {"TagSpecification.1.Tag.2.Value", "daily-production"}};
  const HttpRequest describe_request = query_post("us-east-1", describe);
  const HttpRequest create_request = query_post("eu-west-1", create);

  Signer signer;
  std::printf("sigv4_bench (rates per second of CPU time on one core)\n");
  std::printf("  body sizes: DescribeSnapshots %zu bytes, CreateSnapshots %zu bytes\n",
              describe_request.body.size(), create_request.body.size());

  // A fresh copy of the request per call, as a client builds one per attempt.
  if (wanted("sign-describe")) {
    const double r = rate([&] {
      HttpRequest request = describe_request;
      signer.sign(request, credentials, {"us-east-1", "ec2"}, now);
      g_sink = g_sink + request.headers.back().second.size();
    });
    std::printf("  sign DescribeSnapshots POST:   %10.0f requests/s\n", r);
  }
  if (wanted("sign-create")) {
    const double r = rate([&] {
      HttpRequest request = create_request;
      signer.sign(request, credentials, {"eu-west-1", "ec2"}, now);
      g_sink = g_sink + request.headers.back().second.size();
    });
    std::printf("  sign CreateSnapshots POST:     %10.0f requests/s\n", r);
  }
  // Re-signing the same request (a retry) skips the copy.
  if (wanted("resign")) {
    HttpRequest retried = describe_request;
    const double r = rate([&] {
      signer.sign(retried, credentials, {"us-east-1", "ec2"}, now);
      g_sink = g_sink + retried.headers.back().second.size();
    });
    std::printf("  re-sign DescribeSnapshots:     %10.0f requests/s\n", r);
  }
  if (wanted("form")) {
    const double r = rate([&] { g_sink = g_sink + snapkeep::aws::form_body(describe).size(); });
    std::printf("  form_body DescribeSnapshots:   %10.0f bodies/s (%.0f MB/s of output)\n", r,
                r * static_cast<double>(describe_request.body.size()) / 1e6);
    const std::string text(64 * 1024, 'a');
    std::string mixed;
    while (mixed.size() < 64 * 1024)
      mixed += "Daily backup of /dev/xvda \xE2\x80\x94 caf\xC3\xA9 & more; ";
    const double plain =
        rate([&] { g_sink = g_sink + snapkeep::aws::form_encode(text).size(); }, 0.5);
    const double mixed_rate =
        rate([&] { g_sink = g_sink + snapkeep::aws::form_encode(mixed).size(); }, 0.5);
    std::printf("  form_encode unreserved text:   %10.0f MB/s of input\n",
                plain * static_cast<double>(text.size()) / 1e6);
    std::printf("  form_encode mixed text:        %10.0f MB/s of input\n",
                mixed_rate * static_cast<double>(mixed.size()) / 1e6);
  }
  if (wanted("presign")) {
    const std::string copy_url =
        "https://ec2.eu-west-1.amazonaws.com/?" +
        snapkeep::aws::form_body({{"Action", "CopySnapshot"},
                                  {"Version", "2016-11-15"},
                                  {"SourceRegion", "eu-west-1"},
                                  {"SourceSnapshotId", "snap-0123456789abcdef0"},
                                  {"Description", "snapkeep copy of snap-0123456789abcdef0"},
                                  {"Encrypted", "true"},
                                  {"KmsKeyId", "alias/snapkeep-dr"},
                                  {"DestinationRegion", "us-east-1"}});
    const double r = rate([&] {
      g_sink = g_sink + signer
                            .presign(copy_url, credentials, {"eu-west-1", "ec2"}, now,
                                     std::chrono::seconds{3600})
                            .size();
    });
    std::printf("  presign CopySnapshot URL:      %10.0f URLs/s\n", r);
  }

  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  std::printf("  peak RSS:                      %10ld KiB\n", usage.ru_maxrss);
  return 0;
}
