#include "support/fake_ec2.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <set>

namespace snapkeep::testing {

namespace {

std::string url_decode(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '+') {
      out += ' ';
    } else if (c == '%' && i + 2 < in.size()) {
      auto hex = [](char h) -> int {
        if (h >= '0' && h <= '9') return h - '0';
        if (h >= 'A' && h <= 'F') return h - 'A' + 10;
        if (h >= 'a' && h <= 'f') return h - 'a' + 10;
        return -1;
      };
      int hi = hex(in[i + 1]);
      int lo = hex(in[i + 2]);
      if (hi < 0 || lo < 0) {
        out += c;
        continue;
      }
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

std::map<std::string, std::string> parse_form(std::string_view body) {
  std::map<std::string, std::string> params;
  while (!body.empty()) {
    auto amp = body.find('&');
    auto pair = body.substr(0, amp);
    auto eq = pair.find('=');
    if (eq != std::string_view::npos) {
      params[url_decode(pair.substr(0, eq))] = url_decode(pair.substr(eq + 1));
    } else if (!pair.empty()) {
      params[url_decode(pair)] = "";
    }
    if (amp == std::string_view::npos) break;
    body.remove_prefix(amp + 1);
  }
  return params;
}

std::string xml_escape(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (char c : in) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string tag_set(const std::map<std::string, std::string>& tags) {
  if (tags.empty()) return "<tagSet/>";
  std::string out = "<tagSet>";
  for (const auto& [k, v] : tags) {
    out += fmt::format("<item><key>{}</key><value>{}</value></item>", xml_escape(k), xml_escape(v));
  }
  return out + "</tagSet>";
}

std::string error_xml(std::string_view code, std::string_view message) {
  return fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>{}</Code>"
      "<Message>{}</Message></Error></Errors><RequestID>fake-request</RequestID></Response>",
      code, xml_escape(message));
}

std::string wrap(std::string_view action, std::string_view inner) {
  return fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<{0}Response "
      "xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><requestId>fake-request</requestId>{1}"
      "</{0}Response>",
      action, inner);
}

// EC2 filter wildcards: '*' matches any run of characters, '?' any one,
// and a backslash makes the next character literal (\* \? \\), as core
// escapes tag values in DescribeInstances filters (core/selection.cc). A
// trailing lone backslash is itself literal.
bool wildcard_match(std::string_view pattern, std::string_view text) {
  constexpr std::size_t npos = std::string_view::npos;
  std::size_t p = 0, t = 0, star = npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size()) {
      const bool escaped = pattern[p] == '\\' && p + 1 < pattern.size();
      const char c = escaped ? pattern[p + 1] : pattern[p];
      if (!escaped && c == '*') {
        star = p++;
        mark = t;
        continue;
      }
      if ((!escaped && c == '?') || c == text[t]) {
        p += escaped ? 2 : 1;
        ++t;
        continue;
      }
    }
    if (star == npos) return false;
    p = star + 1;
    t = ++mark;
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

struct Filter {
  std::string name;
  std::vector<std::string> values;
};

std::vector<Filter> filters_of(const std::map<std::string, std::string>& params) {
  std::vector<Filter> filters;
  for (int n = 1;; ++n) {
    auto name = params.find(fmt::format("Filter.{}.Name", n));
    if (name == params.end()) break;
    Filter f{name->second, {}};
    for (int m = 1;; ++m) {
      auto value = params.find(fmt::format("Filter.{}.Value.{}", n, m));
      if (value == params.end()) break;
      f.values.push_back(value->second);
    }
    filters.push_back(std::move(f));
  }
  return filters;
}

std::vector<std::string> list_of(const std::map<std::string, std::string>& params,
                                 const std::string& prefix) {
  std::vector<std::string> out;
  for (int n = 1;; ++n) {
    auto it = params.find(fmt::format("{}.{}", prefix, n));
    if (it == params.end()) break;
    out.push_back(it->second);
  }
  return out;
}

bool any_match(const std::vector<std::string>& patterns, std::string_view value) {
  return std::any_of(patterns.begin(), patterns.end(),
                     [&](const std::string& p) { return wildcard_match(p, value); });
}

// Common tag filters: tag:KEY, tag-key. Returns nullopt for names it does not know.
std::optional<bool> tag_filter(const Filter& f, const std::map<std::string, std::string>& tags) {
  if (f.name.starts_with("tag:")) {
    auto it = tags.find(f.name.substr(4));
    return it != tags.end() && any_match(f.values, it->second);
  }
  if (f.name == "tag-key") {
    return std::any_of(tags.begin(), tags.end(),
                       [&](const auto& kv) { return any_match(f.values, kv.first); });
  }
  return std::nullopt;
}

std::string region_of(const aws::HttpRequest& request) {
  if (const auto* auth = aws::find_header(request.headers, "Authorization")) {
    auto pos = auth->find("Credential=");
    if (pos != std::string::npos) {
      // Credential=AKID/20261126/us-east-1/ec2/aws4_request
      std::string_view scope(*auth);
      scope.remove_prefix(pos + 11);
      auto first = scope.find('/');
      auto second = scope.find('/', first + 1);
      auto third = scope.find('/', second + 1);
      if (third != std::string_view::npos)
        return std::string(scope.substr(second + 1, third - second - 1));
    }
  }
  return "us-east-1";
}

// (burst, refill per second) from the EC2 throttling documentation.
std::pair<double, double> bucket_rates(const std::string& action) {
  if (action == "CreateSnapshot" || action == "CreateSnapshots" || action == "DeleteSnapshot" ||
      action == "ModifySnapshotAttribute" || action == "CreateVolume") {
    return {100, 5};
  }
  if (action == "CreateTags" || action == "DeleteTags") return {100, 10};
  if (action.starts_with("Describe")) return {100, 20};
  return {50, 5};
}

template <class T>
std::pair<std::size_t, std::size_t> page_window(const std::vector<T>& items,
                                                const std::map<std::string, std::string>& p,
                                                int default_page_size, int& status,
                                                std::string& error) {
  std::size_t start = 0;
  if (auto token = p.find("NextToken"); token != p.end()) {
    try {
      start = std::stoul(token->second);
    } catch (...) {
      status = 400;
      error = error_xml("InvalidParameterValue", "bad NextToken");
      return {0, 0};
    }
  }
  std::size_t size = static_cast<std::size_t>(default_page_size);
  if (auto max = p.find("MaxResults"); max != p.end()) {
    try {
      size = std::stoul(max->second);
    } catch (...) {
      status = 400;
      error = error_xml("InvalidParameterValue", "bad MaxResults");
      return {0, 0};
    }
  }
  start = std::min(start, items.size());
  return {start, std::min(items.size(), start + size)};
}

std::string next_token_xml(std::size_t end, std::size_t total) {
  return end < total ? fmt::format("<nextToken>{}</nextToken>", end) : "";
}

}  // namespace

aws::HttpResponse fake_error_answer(int status, std::string_view code, std::string_view message) {
  aws::HttpResponse response;
  response.status = status;
  response.headers.emplace_back("Content-Type", "text/xml;charset=UTF-8");
  response.body = error_xml(code, message);
  return response;
}

FakeEc2::FakeEc2(aws::Clock& clock, std::string account_id)
    : m_clock(clock), m_account_id(std::move(account_id)) {}

FakeRegion& FakeEc2::region(const std::string& name) {
  return m_regions[name];
}

std::string FakeEc2::next_id(const std::string& prefix) {
  std::lock_guard lock(m_mutex);
  return fmt::format("{}-{:017x}", prefix, m_next_id++);
}

std::map<std::string, std::int64_t> FakeEc2::calls() const {
  std::lock_guard lock(m_mutex);
  return m_calls;
}

std::map<std::string, std::int64_t> FakeEc2::throttled() const {
  std::lock_guard lock(m_mutex);
  return m_throttled;
}

void FakeEc2::reset_counters() {
  std::lock_guard lock(m_mutex);
  m_calls.clear();
  m_throttled.clear();
}

bool FakeEc2::take_token(const std::string& region, const std::string& action) {
  auto now = m_clock.monotonic();
  auto& bucket = m_buckets[region + "/" + action];
  if (bucket.burst == 0) {
    auto [burst, refill] = bucket_rates(action);
    bucket = Bucket{burst, burst, refill, now};
  }
  double elapsed = std::chrono::duration<double>(now - bucket.last).count();
  bucket.tokens = std::min(bucket.burst, bucket.tokens + elapsed * bucket.refill);
  bucket.last = now;
  if (bucket.tokens < 1.0) return false;
  bucket.tokens -= 1.0;
  return true;
}

aws::Result<aws::HttpResponse> FakeEc2::send(const aws::HttpRequest& request) {
  auto params = parse_form(request.body);
  std::string action = params["Action"];
  std::string region_name = region_of(request);
  std::lock_guard lock(m_mutex);
  std::int64_t number = ++m_calls[action];
  aws::HttpResponse response;
  response.headers.emplace_back("Content-Type", "text/xml;charset=UTF-8");
  if (m_throttling && !take_token(region_name, action)) {
    ++m_throttled[action];
    response.status = 503;
    response.body = error_xml("RequestLimitExceeded", "Request limit exceeded.");
    return response;
  }
  std::optional<FakeCall> call;
  if (m_fault_hook) {
    call = FakeCall{region_name, action, params, number};
    if (auto fault = m_fault_hook(FaultStage::before, *call)) return std::move(*fault);
  }
  int status = 200;
  settle_copies();
  response.body = dispatch(region_name, action, params, status);
  response.status = status;
  if (call) {
    if (auto fault = m_fault_hook(FaultStage::after, *call)) return std::move(*fault);
  }
  return response;
}

std::string FakeEc2::dispatch(const std::string& region_name, const std::string& action,
                              const Params& params, int& status) {
  FakeRegion& r = m_regions[region_name];
  advance_volumes(r);
  if (action == "DescribeInstances") return describe_instances(r, params, status);
  if (action == "DescribeVolumes") return describe_volumes(r, params, status);
  if (action == "DescribeSnapshots") return describe_snapshots(r, params, status);
  if (action == "DescribeImages") return describe_images(r, params, status);
  if (action == "DescribeRegions") return describe_regions();
  if (action == "CreateSnapshots") return create_snapshots(r, params, status);
  if (action == "CreateTags") return create_tags(r, params, status);
  if (action == "DeleteSnapshot") return delete_snapshot(r, params, status);
  if (action == "CopySnapshot") return copy_snapshot(region_name, params, status);
  if (action == "ModifySnapshotAttribute") return modify_snapshot_attribute(r, params, status);
  if (action == "CreateVolume") return create_volume(region_name, r, params, status);
  if (action == "AttachVolume") return attach_volume(r, params, status);
  if (action == "DeleteVolume") return delete_volume(r, params, status);
  if (action == "RegisterImage") return register_image(r, params, status);
  if (action == "DeregisterImage") return deregister_image(r, params, status);
  if (action == "RunInstances") return run_instances(region_name, r, params, status);
  status = 400;
  return error_xml("InvalidAction",
                   fmt::format("The action {} is not valid for this web service.", action));
}

std::string FakeEc2::describe_instances(FakeRegion& r, const Params& p, int& status) {
  auto filters = filters_of(p);
  auto ids = list_of(p, "InstanceId");
  std::vector<const FakeInstance*> matched;
  for (const auto& inst : r.instances) {
    if (!ids.empty() && std::find(ids.begin(), ids.end(), inst.id) == ids.end()) continue;
    bool ok = true;
    for (const auto& f : filters) {
      if (auto t = tag_filter(f, inst.tags)) {
        ok = *t;
      } else if (f.name == "instance-state-name") {
        ok = any_match(f.values, inst.state);
      } else if (f.name == "instance-id") {
        ok = any_match(f.values, inst.id);
      } else {
        status = 400;
        return error_xml("InvalidParameterValue",
                         fmt::format("The filter '{}' is invalid", f.name));
      }
      if (!ok) break;
    }
    if (ok) matched.push_back(&inst);
  }
  std::string error;
  auto [begin, end] = page_window(matched, p, m_default_page_size, status, error);
  if (!error.empty()) return error;
  std::string out = "<reservationSet>";
  for (std::size_t i = begin; i < end; ++i) {
    const auto& inst = *matched[i];
    std::string mappings;
    auto mapping = [&](const FakeVolume& v) {
      mappings += fmt::format(
          "<item><deviceName>{}</deviceName><ebs><volumeId>{}</volumeId><status>attached</status>"
          "<attachTime>2026-01-01T00:00:00.000Z</attachTime><deleteOnTermination>true"
          "</deleteOnTermination></ebs></item>",
          v.device, v.id);
    };
    for (const auto& v : inst.volumes) mapping(v);
    for (const auto& [id, v] : r.volumes) {
      if (v.attached_to == inst.id) mapping(v);
    }
    std::string groups;
    for (const auto& g : inst.security_group_ids) {
      groups += fmt::format("<item><groupId>{}</groupId><groupName>{}</groupName></item>", g, g);
    }
    int code = inst.state == "running" ? 16 : inst.state == "stopped" ? 80 : 0;
    out += fmt::format(
        "<item><reservationId>r-{}</reservationId><ownerId>{}</ownerId><groupSet/><instancesSet>"
        "<item><instanceId>{}</instanceId><imageId>{}</imageId><instanceState><code>{}"
        "</code><name>{}</name></instanceState><instanceType>{}</instanceType><placement>"
        "<availabilityZone>{}</availabilityZone></placement>{}<groupSet>{}</groupSet>"
        "<architecture>{}</architecture><virtualizationType>{}</virtualizationType>"
        "<enaSupport>{}</enaSupport><bootMode>{}</bootMode><rootDeviceType>ebs</rootDeviceType>"
        "<rootDeviceName>{}</rootDeviceName><blockDeviceMapping>{}</blockDeviceMapping>{}</item>"
        "</instancesSet></item>",
        inst.id.substr(2), m_account_id, inst.id, inst.image_id, code, inst.state,
        inst.instance_type, inst.availability_zone,
        inst.subnet_id.empty() ? "" : fmt::format("<subnetId>{}</subnetId>", inst.subnet_id),
        groups, inst.architecture, inst.virtualization_type, inst.ena_support, inst.boot_mode,
        inst.root_device, mappings, tag_set(inst.tags));
  }
  out += "</reservationSet>" + next_token_xml(end, matched.size());
  return wrap("DescribeInstances", out);
}

std::string FakeEc2::describe_volumes(FakeRegion& r, const Params& p, int& status) {
  auto filters = filters_of(p);
  auto ids = list_of(p, "VolumeId");
  struct Row {
    const FakeVolume* volume;
    std::string instance;  // attached to; "" when not
    std::string az;
    std::string state;
  };
  std::vector<Row> rows;
  for (const auto& inst : r.instances) {
    for (const auto& v : inst.volumes)
      rows.push_back({&v, inst.id, inst.availability_zone, "in-use"});
  }
  for (const auto& [id, v] : r.volumes)
    rows.push_back({&v, v.attached_to, v.availability_zone, v.state});
  for (const auto& id : ids) {
    if (std::none_of(rows.begin(), rows.end(),
                     [&](const Row& row) { return row.volume->id == id; })) {
      status = 400;
      return error_xml("InvalidVolume.NotFound",
                       fmt::format("The volume '{}' does not exist.", id));
    }
  }
  std::vector<Row> matched;
  for (const auto& row : rows) {
    const FakeVolume& v = *row.volume;
    if (!ids.empty() && std::find(ids.begin(), ids.end(), v.id) == ids.end()) continue;
    bool ok = true;
    for (const auto& f : filters) {
      if (auto t = tag_filter(f, v.tags)) {
        ok = *t;
      } else if (f.name == "attachment.instance-id") {
        ok = !row.instance.empty() && any_match(f.values, row.instance);
      } else if (f.name == "attachment.status") {
        ok = !row.instance.empty() && any_match(f.values, "attached");
      } else if (f.name == "volume-id") {
        ok = any_match(f.values, v.id);
      } else if (f.name == "status") {
        ok = any_match(f.values, row.state);
      } else if (f.name == "snapshot-id") {
        ok = any_match(f.values, v.snapshot_id);
      } else if (f.name == "availability-zone") {
        ok = any_match(f.values, row.az);
      } else {
        status = 400;
        return error_xml("InvalidParameterValue",
                         fmt::format("The filter '{}' is invalid", f.name));
      }
      if (!ok) break;
    }
    if (ok) matched.push_back(row);
  }
  std::string error;
  auto [begin, end] = page_window(matched, p, m_default_page_size, status, error);
  if (!error.empty()) return error;
  std::string out = "<volumeSet>";
  for (std::size_t i = begin; i < end; ++i) {
    const auto& row = matched[i];
    const FakeVolume& v = *row.volume;
    std::string attachments =
        row.instance.empty()
            ? "<attachmentSet/>"
            : fmt::format(
                  "<attachmentSet><item><volumeId>{}</volumeId><instanceId>{}</instanceId>"
                  "<device>{}</device><status>attached</status></item></attachmentSet>",
                  v.id, row.instance, v.device);
    std::string performance;
    if (v.iops > 0) performance += fmt::format("<iops>{}</iops>", v.iops);
    if (v.throughput > 0) performance += fmt::format("<throughput>{}</throughput>", v.throughput);
    out += fmt::format(
        "<item><volumeId>{}</volumeId><size>{}</size>{}<availabilityZone>{}"
        "</availabilityZone><status>{}</status><createTime>2026-01-01T00:00:00.000Z"
        "</createTime>{}<volumeType>{}</volumeType>{}<encrypted>{}</encrypted>{}</item>",
        v.id, v.size_gib,
        v.snapshot_id.empty() ? "<snapshotId/>"
                              : fmt::format("<snapshotId>{}</snapshotId>", v.snapshot_id),
        row.az, row.state, attachments, v.type, performance, v.encrypted ? "true" : "false",
        tag_set(v.tags));
  }
  out += "</volumeSet>" + next_token_xml(end, matched.size());
  return wrap("DescribeVolumes", out);
}

std::string FakeEc2::describe_snapshots(FakeRegion& r, const Params& p, int& status) {
  auto filters = filters_of(p);
  auto owners = list_of(p, "Owner");
  auto ids = list_of(p, "SnapshotId");
  auto restorable_by = list_of(p, "RestorableBy");
  std::vector<const FakeSnapshot*> matched;
  for (const auto& [id, s] : r.snapshots) {
    if (!ids.empty() && std::find(ids.begin(), ids.end(), id) == ids.end()) continue;
    if (!restorable_by.empty() &&
        !std::any_of(restorable_by.begin(), restorable_by.end(), [&](const std::string& a) {
          return std::find(s.shared_with.begin(), s.shared_with.end(), a) != s.shared_with.end();
        })) {
      continue;
    }
    if (!owners.empty()) {
      bool owner_ok = std::any_of(owners.begin(), owners.end(), [&](const std::string& o) {
        return (o == "self" && s.owner_id == m_account_id) || o == s.owner_id;
      });
      if (!owner_ok) continue;
    }
    bool ok = true;
    for (const auto& f : filters) {
      if (auto t = tag_filter(f, s.tags)) {
        ok = *t;
      } else if (f.name == "status") {
        ok = any_match(f.values, s.state);
      } else if (f.name == "volume-id") {
        ok = any_match(f.values, s.volume_id);
      } else if (f.name == "owner-id") {
        ok = any_match(f.values, s.owner_id);
      } else {
        status = 400;
        return error_xml("InvalidParameterValue",
                         fmt::format("The filter '{}' is invalid", f.name));
      }
      if (!ok) break;
    }
    if (ok) matched.push_back(&s);
  }
  std::string error;
  auto [begin, end] = page_window(matched, p, m_default_page_size, status, error);
  if (!error.empty()) return error;
  std::string out = "<snapshotSet>";
  for (std::size_t i = begin; i < end; ++i) {
    const auto& s = *matched[i];
    out += fmt::format(
        "<item><snapshotId>{}</snapshotId><volumeId>{}</volumeId><status>{}</status><startTime>{}"
        "</startTime><progress>{}</progress><ownerId>{}</ownerId><volumeSize>{}</volumeSize>"
        "<description>{}</description><encrypted>{}</encrypted>{}{}<storageTier>standard"
        "</storageTier>{}</item>",
        s.id, s.volume_id, s.state, s.start_time, s.state == "completed" ? "100%" : "0%",
        s.owner_id, s.size_gib, xml_escape(s.description), s.encrypted ? "true" : "false",
        s.kms_key_id.empty() ? "" : fmt::format("<kmsKeyId>{}</kmsKeyId>", s.kms_key_id),
        s.state_message.empty()
            ? ""
            : fmt::format("<statusMessage>{}</statusMessage>", xml_escape(s.state_message)),
        tag_set(s.tags));
  }
  out += "</snapshotSet>" + next_token_xml(end, matched.size());
  return wrap("DescribeSnapshots", out);
}

std::string FakeEc2::describe_images(FakeRegion& r, const Params& p, int& status) {
  std::string error;
  auto [begin, end] = page_window(r.images, p, m_default_page_size, status, error);
  if (!error.empty()) return error;
  std::string out = "<imagesSet>";
  for (std::size_t i = begin; i < end; ++i) {
    const auto& image = r.images[i];
    std::string mappings;
    int n = 0;
    for (const auto& snap : image.snapshot_ids) {
      mappings += fmt::format(
          "<item><deviceName>/dev/sd{}</deviceName><ebs><snapshotId>{}</snapshotId><volumeSize>8"
          "</volumeSize></ebs></item>",
          static_cast<char>('a' + n++), snap);
    }
    out += fmt::format(
        "<item><imageId>{}</imageId><imageState>available</imageState><imageOwnerId>{}"
        "</imageOwnerId><name>{}</name><blockDeviceMapping>{}</blockDeviceMapping></item>",
        image.id, m_account_id, image.id, mappings);
  }
  out += "</imagesSet>" + next_token_xml(end, r.images.size());
  return wrap("DescribeImages", out);
}

std::string FakeEc2::describe_regions() {
  std::string out = "<regionInfo>";
  for (const char* name : {"us-east-1", "us-west-2", "eu-west-1"}) {
    out += fmt::format(
        "<item><regionName>{0}</regionName><regionEndpoint>ec2.{0}.amazonaws.com</regionEndpoint>"
        "<optInStatus>opt-in-not-required</optInStatus></item>",
        name);
  }
  return wrap("DescribeRegions", out + "</regionInfo>");
}

std::string FakeEc2::create_snapshots(FakeRegion& r, const Params& p, int& status) {
  auto id_it = p.find("InstanceSpecification.InstanceId");
  const FakeInstance* inst = nullptr;
  for (const auto& candidate : r.instances) {
    if (id_it != p.end() && candidate.id == id_it->second) inst = &candidate;
  }
  if (inst == nullptr) {
    status = 400;
    return error_xml(
        "InvalidInstanceID.NotFound",
        fmt::format("The instance ID '{}' does not exist", id_it == p.end() ? "" : id_it->second));
  }
  bool exclude_boot = p.contains("InstanceSpecification.ExcludeBootVolume") &&
                      p.at("InstanceSpecification.ExcludeBootVolume") == "true";
  auto excluded = list_of(p, "InstanceSpecification.ExcludeDataVolumeId");
  std::map<std::string, std::string> tags;
  for (int n = 1;; ++n) {
    auto key = p.find(fmt::format("TagSpecification.1.Tag.{}.Key", n));
    if (key == p.end()) break;
    auto value = p.find(fmt::format("TagSpecification.1.Tag.{}.Value", n));
    tags[key->second] = value == p.end() ? "" : value->second;
  }
  bool copy_volume_tags =
      p.contains("CopyTagsFromSource") && p.at("CopyTagsFromSource") == "volume";
  auto description = p.contains("Description") ? p.at("Description") : std::string();

  auto now = std::chrono::system_clock::to_time_t(m_clock.now());
  std::tm tm{};
  gmtime_r(&now, &tm);
  auto stamp = fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.000Z", tm.tm_year + 1900,
                           tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  std::string out = "<snapshotSet>";
  for (const auto& v : inst->volumes) {
    if (exclude_boot && v.device == inst->root_device) continue;
    if (std::find(excluded.begin(), excluded.end(), v.id) != excluded.end()) continue;
    FakeSnapshot s;
    s.id = fmt::format("snap-{:017x}", m_next_id++);
    s.volume_id = v.id;
    s.state = "pending";
    s.start_time = stamp;
    s.owner_id = m_account_id;
    s.size_gib = v.size_gib;
    s.description = description;
    if (copy_volume_tags) s.tags = v.tags;
    for (const auto& [k, val] : tags) s.tags[k] = val;
    out += fmt::format(
        "<item><snapshotId>{}</snapshotId><volumeId>{}</volumeId><state>pending</state>"
        "<startTime>{}</startTime><progress></progress><ownerId>{}</ownerId><volumeSize>{}"
        "</volumeSize><description>{}</description>{}</item>",
        s.id, s.volume_id, s.start_time, s.owner_id, s.size_gib, xml_escape(s.description),
        tag_set(s.tags));
    // Snapshots complete at once here, as in moto; tests that need pending
    // ones set the state directly.
    s.state = "completed";
    r.snapshots[s.id] = std::move(s);
  }
  return wrap("CreateSnapshots", out + "</snapshotSet>");
}

std::string FakeEc2::create_tags(FakeRegion& r, const Params& p, int& status) {
  auto ids = list_of(p, "ResourceId");
  for (const auto& id : ids) {
    if (id.starts_with("snap-") && !r.snapshots.contains(id)) {
      status = 400;
      return error_xml("InvalidSnapshot.NotFound",
                       fmt::format("The snapshot '{}' does not exist.", id));
    }
  }
  for (int n = 1;; ++n) {
    auto key = p.find(fmt::format("Tag.{}.Key", n));
    if (key == p.end()) break;
    auto value = p.find(fmt::format("Tag.{}.Value", n));
    const std::string v = value == p.end() ? "" : value->second;
    for (const auto& id : ids) {
      if (auto s = r.snapshots.find(id); s != r.snapshots.end()) s->second.tags[key->second] = v;
      if (auto vol = r.volumes.find(id); vol != r.volumes.end()) vol->second.tags[key->second] = v;
      for (auto& inst : r.instances) {
        if (inst.id == id) inst.tags[key->second] = v;
      }
      for (auto& image : r.images) {
        if (image.id == id) image.tags[key->second] = v;
      }
    }
  }
  return wrap("CreateTags", "<return>true</return>");
}

std::string FakeEc2::delete_snapshot(FakeRegion& r, const Params& p, int& status) {
  auto id = p.contains("SnapshotId") ? p.at("SnapshotId") : std::string();
  if (!r.snapshots.contains(id)) {
    status = 400;
    return error_xml("InvalidSnapshot.NotFound", "");
  }
  for (const auto& image : r.images) {
    if (std::find(image.snapshot_ids.begin(), image.snapshot_ids.end(), id) !=
        image.snapshot_ids.end()) {
      status = 400;
      return error_xml("InvalidSnapshot.InUse",
                       fmt::format("The snapshot {} is currently in use by {}", id, image.id));
    }
  }
  r.snapshots.erase(id);
  return wrap("DeleteSnapshot", "<return>true</return>");
}

// --- copies and sharing ---------------------------------------------------

// Copies whose simulated duration is over take their final state.
void FakeEc2::settle_copies() {
  if (m_copies_in_flight.empty()) return;
  const auto now = m_clock.now();
  std::erase_if(m_copies_in_flight, [&](const std::pair<std::string, std::string>& entry) {
    auto& snapshots = m_regions[entry.first].snapshots;
    auto it = snapshots.find(entry.second);
    if (it == snapshots.end()) return true;
    FakeSnapshot& s = it->second;
    if (!s.completes_at || *s.completes_at > now) return false;
    s.state = s.completes_as;
    s.completes_at.reset();
    return true;
  });
}

std::string FakeEc2::copy_snapshot(const std::string& region, const Params& p, int& status) {
  const std::string source_region = p.contains("SourceRegion") ? p.at("SourceRegion") : "";
  const std::string source_id = p.contains("SourceSnapshotId") ? p.at("SourceSnapshotId") : "";
  auto& sources = m_regions[source_region].snapshots;
  auto source = sources.find(source_id);
  std::optional<FakeSnapshot> shared;  // another account's, shared with this one
  if (source == sources.end()) {
    for (const FakeEc2* peer : m_peers) {
      if ((shared = peer->shared_snapshot(source_region, source_id, m_account_id))) break;
    }
  }
  if (source_region.empty() || (source == sources.end() && !shared)) {
    status = 400;
    return error_xml("InvalidSnapshot.NotFound",
                     fmt::format("The snapshot '{}' does not exist.", source_id));
  }
  const FakeSnapshot& src = shared ? *shared : source->second;
  if (src.state != "completed") {
    status = 400;
    return error_xml("IncorrectState",
                     fmt::format("Snapshot '{}' is not in a completed state.", source_id));
  }
  int pending = 0;
  for (const auto& [dest_region, id] : m_copies_in_flight) {
    if (dest_region == region) ++pending;
  }
  if (pending >= m_copy_model.max_pending_per_region) {
    ++m_copy_refusals;
    status = 400;
    return error_xml("ResourceLimitExceeded",
                     fmt::format("Too many snapshot copies in progress. The limit is {} for this "
                                 "destination region.",
                                 m_copy_model.max_pending_per_region));
  }
  FakeSnapshot copy;
  copy.id = fmt::format("snap-{:017x}", m_next_id++);
  copy.volume_id = "vol-ffffffff";  // AWS: "an arbitrary source volume ID"
  copy.owner_id = m_account_id;
  copy.size_gib = src.size_gib;
  copy.description = p.contains("Description") ? p.at("Description") : "";
  copy.encrypted = src.encrypted || (p.contains("Encrypted") && p.at("Encrypted") == "true");
  copy.kms_key_id = p.contains("KmsKeyId") ? p.at("KmsKeyId") : src.kms_key_id;
  for (int n = 1;; ++n) {
    auto key = p.find(fmt::format("TagSpecification.1.Tag.{}.Key", n));
    if (key == p.end()) break;
    auto value = p.find(fmt::format("TagSpecification.1.Tag.{}.Value", n));
    copy.tags[key->second] = value == p.end() ? "" : value->second;
  }
  auto now = std::chrono::system_clock::to_time_t(m_clock.now());
  std::tm tm{};
  gmtime_r(&now, &tm);
  copy.start_time = fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.000Z", tm.tm_year + 1900,
                                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  const auto& keys = m_copy_model.inaccessible_keys;
  if (!copy.kms_key_id.empty() &&
      std::find(keys.begin(), keys.end(), copy.kms_key_id) != keys.end()) {
    copy.completes_as = "error";
    copy.state_message = "Given key ID is not accessible";
  } else if (src.encrypted && !p.contains("PresignedUrl")) {
    copy.completes_as = "error";
    copy.state_message = "The presigned URL is missing or invalid";
  } else if (m_copy_model.fails && m_copy_model.fails(src)) {
    copy.completes_as = "error";
    copy.state_message = "Internal error while copying the snapshot";
  }
  copy.state = "pending";
  copy.completes_at = m_clock.now() + m_copy_model.duration;
  m_copies_in_flight.emplace_back(region, copy.id);
  std::string out = fmt::format("<snapshotId>{}</snapshotId>{}", copy.id, tag_set(copy.tags));
  m_regions[region].snapshots.emplace(copy.id, std::move(copy));
  settle_copies();  // a zero duration completes at once, as moto does
  return wrap("CopySnapshot", out);
}

std::optional<FakeSnapshot> FakeEc2::shared_snapshot(const std::string& region,
                                                     const std::string& id,
                                                     const std::string& account) const {
  std::lock_guard lock(m_mutex);
  const auto r = m_regions.find(region);
  if (r == m_regions.end()) return std::nullopt;
  const auto s = r->second.snapshots.find(id);
  if (s == r->second.snapshots.end()) return std::nullopt;
  const auto& with = s->second.shared_with;
  if (std::find(with.begin(), with.end(), account) == with.end()) return std::nullopt;
  return s->second;
}

std::string FakeEc2::modify_snapshot_attribute(FakeRegion& r, const Params& p, int& status) {
  const std::string id = p.contains("SnapshotId") ? p.at("SnapshotId") : "";
  auto it = r.snapshots.find(id);
  if (it == r.snapshots.end()) {
    status = 400;
    return error_xml("InvalidSnapshot.NotFound",
                     fmt::format("The snapshot '{}' does not exist.", id));
  }
  FakeSnapshot& s = it->second;
  const bool add = p.contains("OperationType") && p.at("OperationType") == "add";
  for (const auto& user : list_of(p, "UserId")) {
    auto found = std::find(s.shared_with.begin(), s.shared_with.end(), user);
    if (add && found == s.shared_with.end()) {
      if (s.encrypted && s.kms_key_id.find("alias/aws/ebs") != std::string::npos) {
        status = 400;
        return error_xml("OperationNotPermitted",
                         "Snapshots encrypted with the AWS Managed CMK can't be shared.");
      }
      s.shared_with.push_back(user);
    } else if (!add && found != s.shared_with.end()) {
      s.shared_with.erase(found);
    }
  }
  return wrap("ModifySnapshotAttribute", "<return>true</return>");
}

// --- restore ------------------------------------------------------------------

namespace {

std::string param(const std::map<std::string, std::string>& p, const std::string& name) {
  auto it = p.find(name);
  return it == p.end() ? std::string() : it->second;
}

// -1 when absent, -2 when not a number.
int int_param(const std::map<std::string, std::string>& p, const std::string& name) {
  auto it = p.find(name);
  if (it == p.end()) return -1;
  try {
    return std::stoi(it->second);
  } catch (...) {
    return -2;
  }
}

// The tags of the TagSpecification.N whose ResourceType is `type`.
std::map<std::string, std::string> spec_tags(const std::map<std::string, std::string>& p,
                                             std::string_view type) {
  std::map<std::string, std::string> tags;
  for (int n = 1;; ++n) {
    auto rt = p.find(fmt::format("TagSpecification.{}.ResourceType", n));
    if (rt == p.end()) break;
    if (rt->second != type) continue;
    for (int m = 1;; ++m) {
      auto key = p.find(fmt::format("TagSpecification.{}.Tag.{}.Key", n, m));
      if (key == p.end()) break;
      tags[key->second] = param(p, fmt::format("TagSpecification.{}.Tag.{}.Value", n, m));
    }
  }
  return tags;
}

std::vector<FakeMapping> mappings_of(const std::map<std::string, std::string>& p) {
  std::vector<FakeMapping> out;
  for (int n = 1;; ++n) {
    const std::string prefix = fmt::format("BlockDeviceMapping.{}", n);
    if (!p.contains(prefix + ".DeviceName")) break;
    FakeMapping m;
    m.device = param(p, prefix + ".DeviceName");
    m.snapshot_id = param(p, prefix + ".Ebs.SnapshotId");
    m.size_gib = std::max(0, int_param(p, prefix + ".Ebs.VolumeSize"));
    m.type = param(p, prefix + ".Ebs.VolumeType");
    m.iops = std::max(0, int_param(p, prefix + ".Ebs.Iops"));
    m.throughput = std::max(0, int_param(p, prefix + ".Ebs.Throughput"));
    m.delete_on_termination = param(p, prefix + ".Ebs.DeleteOnTermination") != "false";
    out.push_back(std::move(m));
  }
  return out;
}

// EC2's rules on a volume's type, iops and throughput (CreateVolume and
// block device mappings alike); "" when they hold.
std::string check_performance(const std::string& type, int iops, int throughput) {
  static const std::set<std::string> types = {"gp2", "gp3", "io1", "io2", "st1", "sc1", "standard"};
  if (!types.contains(type)) return fmt::format("Invalid value '{}' for volumeType", type);
  if ((type == "io1" || type == "io2") && iops <= 0) {
    return "The parameter iops must be specified for io1 and io2 volumes.";
  }
  if (iops > 0 && type != "io1" && type != "io2" && type != "gp3") {
    return fmt::format("The parameter iops is not supported for {} volumes.", type);
  }
  if (type == "gp3" && iops > 0 && (iops < 3000 || iops > 80000)) {
    return fmt::format("Invalid iops {} for gp3 (3000-80000)", iops);
  }
  if (throughput > 0 && type != "gp3") {
    return fmt::format("The parameter throughput is not supported for {} volumes.", type);
  }
  if (throughput > 0 && (throughput < 125 || throughput > 2000)) {
    return fmt::format("Invalid throughput {} (125-2000)", throughput);
  }
  return "";
}

bool valid_az(const FakeRegion& r, const std::string& region, const std::string& az) {
  if (!r.availability_zones.empty()) {
    return std::find(r.availability_zones.begin(), r.availability_zones.end(), az) !=
           r.availability_zones.end();
  }
  return az.size() == region.size() + 1 && az.starts_with(region) && az.back() >= 'a' &&
         az.back() <= 'c';
}

// Graviton families (m6g, t4g, c7gn, ...) run arm64; the rest here x86_64.
std::string architecture_of(const std::string& instance_type) {
  auto dot = instance_type.find('.');
  std::string family = instance_type.substr(0, dot);
  for (std::size_t i = 1; i < family.size(); ++i) {
    if (std::isdigit(static_cast<unsigned char>(family[i - 1])) && family[i] == 'g') {
      return "arm64";
    }
  }
  return "x86_64";
}

// Only the oldest families run paravirtual images.
bool runs_paravirtual(const std::string& instance_type) {
  static const std::set<std::string> families = {"t1", "m1", "m2", "m3", "c1", "c3", "hi1", "hs1"};
  return families.contains(instance_type.substr(0, instance_type.find('.')));
}

std::string volume_xml(const FakeVolume& v) {
  std::string performance;
  if (v.iops > 0) performance += fmt::format("<iops>{}</iops>", v.iops);
  if (v.throughput > 0) performance += fmt::format("<throughput>{}</throughput>", v.throughput);
  return fmt::format(
      "<volumeId>{}</volumeId><size>{}</size><snapshotId>{}</snapshotId><availabilityZone>{}"
      "</availabilityZone><status>{}</status><createTime>2026-01-01T00:00:00.000Z</createTime>"
      "<volumeType>{}</volumeType>{}<encrypted>{}</encrypted>{}",
      v.id, v.size_gib, v.snapshot_id, v.availability_zone, v.state, v.type, performance,
      v.encrypted ? "true" : "false", tag_set(v.tags));
}

}  // namespace

void FakeEc2::advance_volumes(FakeRegion& r) {
  const auto now = m_clock.monotonic();
  for (auto& [id, v] : r.volumes) {
    if (v.state == "creating" && now >= v.ready_at) v.state = v.fails ? "error" : "available";
  }
}

std::string FakeEc2::create_volume(const std::string& region, FakeRegion& r, const Params& p,
                                   int& status) {
  auto fail = [&](std::string_view code, const std::string& message) {
    status = 400;
    return error_xml(code, message);
  };
  const std::string token = param(p, "ClientToken");
  if (!token.empty()) {
    for (const auto& [id, v] : r.volumes) {
      if (v.client_token != token) continue;
      if (v.snapshot_id != param(p, "SnapshotId") ||
          v.availability_zone != param(p, "AvailabilityZone")) {
        return fail("IdempotentParameterMismatch",
                    "The client token was already used with different parameters.");
      }
      return wrap("CreateVolume", volume_xml(v));
    }
  }
  const std::string az = param(p, "AvailabilityZone");
  if (az.empty())
    return fail("MissingParameter", "The request must contain the parameter AvailabilityZone");
  if (!valid_az(r, region, az)) {
    return fail("InvalidParameterValue", fmt::format("Invalid availability zone: [{}]", az));
  }
  FakeVolume v;
  v.snapshot_id = param(p, "SnapshotId");
  int size = int_param(p, "Size");
  if (size == -2) return fail("InvalidParameterValue", "Size is not a number");
  if (!v.snapshot_id.empty()) {
    auto snap = r.snapshots.find(v.snapshot_id);
    if (snap == r.snapshots.end()) {
      return fail("InvalidSnapshot.NotFound",
                  fmt::format("The snapshot '{}' does not exist.", v.snapshot_id));
    }
    if (snap->second.state != "completed") {
      return fail("IncorrectState",
                  fmt::format("Snapshot is in invalid state - {}", snap->second.state));
    }
    if (size >= 0 && size < snap->second.size_gib) {
      return fail("InvalidParameterValue",
                  fmt::format("Volume of {}GiB is too small; minimum is {}GiB.", size,
                              snap->second.size_gib));
    }
    v.size_gib = size >= 0 ? size : snap->second.size_gib;
  } else if (size <= 0) {
    return fail("MissingParameter", "The request must contain the parameter size/snapshot");
  } else {
    v.size_gib = size;
  }
  v.type = p.contains("VolumeType") ? param(p, "VolumeType") : "gp2";
  v.iops = std::max(0, int_param(p, "Iops"));
  v.throughput = std::max(0, int_param(p, "Throughput"));
  if (auto problem = check_performance(v.type, v.iops, v.throughput); !problem.empty()) {
    return fail("InvalidParameterValue", problem);
  }
  if (v.type == "gp3") {
    if (v.iops == 0) v.iops = 3000;
    if (v.throughput == 0) v.throughput = 125;
  }
  if (p.contains("KmsKeyId") && param(p, "Encrypted") != "true") {
    return fail("InvalidParameterDependency", "KmsKeyId requires Encrypted");
  }
  v.encrypted = param(p, "Encrypted") == "true";
  v.id = fmt::format("vol-{:017x}", m_next_id++);
  v.availability_zone = az;
  v.tags = spec_tags(p, "volume");
  v.client_token = token;
  v.state = "creating";
  v.ready_at = m_clock.monotonic() + m_volume_base + m_volume_per_gib * v.size_gib;
  v.fails = std::find(m_failing_snapshots.begin(), m_failing_snapshots.end(), v.snapshot_id) !=
            m_failing_snapshots.end();
  std::string out = volume_xml(v);
  r.volumes[v.id] = std::move(v);
  advance_volumes(r);
  return wrap("CreateVolume", out);
}

std::string FakeEc2::attach_volume(FakeRegion& r, const Params& p, int& status) {
  auto fail = [&](std::string_view code, const std::string& message) {
    status = 400;
    return error_xml(code, message);
  };
  const std::string volume_id = param(p, "VolumeId");
  const std::string instance_id = param(p, "InstanceId");
  const std::string device = param(p, "Device");
  auto v = r.volumes.find(volume_id);
  if (v == r.volumes.end()) {
    return fail("InvalidVolume.NotFound",
                fmt::format("The volume '{}' does not exist.", volume_id));
  }
  auto inst = std::find_if(r.instances.begin(), r.instances.end(),
                           [&](const FakeInstance& i) { return i.id == instance_id; });
  if (inst == r.instances.end()) {
    return fail("InvalidInstanceID.NotFound",
                fmt::format("The instance ID '{}' does not exist", instance_id));
  }
  if (v->second.state != "available") {
    return fail(v->second.state == "in-use" ? "VolumeInUse" : "IncorrectState",
                fmt::format("vol '{}' is not 'available'.", volume_id));
  }
  if (v->second.availability_zone != inst->availability_zone) {
    return fail("InvalidVolume.ZoneMismatch",
                fmt::format("The volume '{}' is not in the same availability zone as instance '{}'",
                            volume_id, instance_id));
  }
  if (inst->state != "running" && inst->state != "stopped") {
    return fail("IncorrectState",
                fmt::format("The instance '{}' is not 'running' or 'stopped'.", instance_id));
  }
  bool taken = std::any_of(inst->volumes.begin(), inst->volumes.end(),
                           [&](const FakeVolume& x) { return x.device == device; });
  for (const auto& [id, other] : r.volumes) {
    taken = taken || (other.attached_to == instance_id && other.device == device);
  }
  if (taken) {
    return fail(
        "InvalidParameterValue",
        fmt::format("Invalid value '{}' for unixDevice. Attachment point {} is already in use",
                    device, device));
  }
  v->second.state = "in-use";
  v->second.attached_to = instance_id;
  v->second.device = device;
  return wrap("AttachVolume",
              fmt::format("<volumeId>{}</volumeId><instanceId>{}</instanceId><device>{}</device>"
                          "<status>attaching</status><attachTime>2026-01-01T00:00:00.000Z"
                          "</attachTime>",
                          volume_id, instance_id, device));
}

std::string FakeEc2::delete_volume(FakeRegion& r, const Params& p, int& status) {
  const std::string id = param(p, "VolumeId");
  auto v = r.volumes.find(id);
  if (v == r.volumes.end()) {
    status = 400;
    return error_xml("InvalidVolume.NotFound", fmt::format("The volume '{}' does not exist.", id));
  }
  if (v->second.state == "in-use" || v->second.state == "creating") {
    status = 400;
    return error_xml("VolumeInUse", fmt::format("Volume {} is currently attached or busy", id));
  }
  r.volumes.erase(v);
  return wrap("DeleteVolume", "<return>true</return>");
}

std::string FakeEc2::register_image(FakeRegion& r, const Params& p, int& status) {
  auto fail = [&](std::string_view code, const std::string& message) {
    status = 400;
    return error_xml(code, message);
  };
  FakeImage image;
  image.name = param(p, "Name");
  if (image.name.size() < 3 || image.name.size() > 128) {
    return fail("InvalidAMIName.Malformed", "AMI names must be between 3 and 128 characters long");
  }
  for (const auto& other : r.images) {
    if (other.name == image.name) {
      return fail("InvalidAMIName.Duplicate",
                  fmt::format("AMI name {} is already in use by AMI {}", image.name, other.id));
    }
  }
  image.root_device = param(p, "RootDeviceName");
  // AWS's defaults for an EBS-backed image, which snapkeep must override.
  image.architecture = p.contains("Architecture") ? param(p, "Architecture") : "i386";
  image.virtualization_type =
      p.contains("VirtualizationType") ? param(p, "VirtualizationType") : "paravirtual";
  image.ena_support = param(p, "EnaSupport");
  image.boot_mode = param(p, "BootMode");
  image.mappings = mappings_of(p);
  if (image.mappings.empty() || image.root_device.empty()) {
    return fail("InvalidParameterValue",
                "a root device name and block device mappings are required");
  }
  bool root_mapped = false;
  for (std::size_t n = 0; n < image.mappings.size(); ++n) {
    const FakeMapping& m = image.mappings[n];
    if (p.contains(fmt::format("BlockDeviceMapping.{}.Ebs.Encrypted", n + 1))) {
      return fail(
          "InvalidParameterCombination",
          "You can't set the encryption state of the volume using the block device mapping");
    }
    auto snap = r.snapshots.find(m.snapshot_id);
    if (snap == r.snapshots.end()) {
      return fail("InvalidSnapshot.NotFound",
                  fmt::format("The snapshot '{}' does not exist.", m.snapshot_id));
    }
    if (snap->second.state != "completed") {
      return fail("IncorrectState", fmt::format("Snapshot {} is not completed", m.snapshot_id));
    }
    if (!m.type.empty()) {
      if (auto problem = check_performance(m.type, m.iops, m.throughput); !problem.empty()) {
        return fail("InvalidParameterValue", problem);
      }
    }
    root_mapped = root_mapped || m.device == image.root_device;
    image.snapshot_ids.push_back(m.snapshot_id);
  }
  if (!root_mapped) {
    return fail("InvalidBlockDeviceMapping",
                fmt::format("The root device {} has no block device mapping", image.root_device));
  }
  image.tags = spec_tags(p, "image");
  image.id = fmt::format("ami-{:017x}", m_next_id++);
  std::string id = image.id;
  r.images.push_back(std::move(image));
  return wrap("RegisterImage", fmt::format("<imageId>{}</imageId>", id));
}

std::string FakeEc2::deregister_image(FakeRegion& r, const Params& p, int& status) {
  const std::string id = param(p, "ImageId");
  auto it = std::find_if(r.images.begin(), r.images.end(),
                         [&](const FakeImage& i) { return i.id == id; });
  if (it == r.images.end()) {
    status = 400;
    return error_xml("InvalidAMIID.NotFound",
                     fmt::format("The image id '[{}]' does not exist", id));
  }
  r.images.erase(it);
  return wrap("DeregisterImage", "<return>true</return>");
}

std::string FakeEc2::run_instances(const std::string& region, FakeRegion& r, const Params& p,
                                   int& status) {
  auto fail = [&](std::string_view code, const std::string& message) {
    status = 400;
    return error_xml(code, message);
  };
  auto reply = [&](const FakeInstance& inst) {
    return wrap("RunInstances",
                fmt::format("<reservationId>r-{}</reservationId><ownerId>{}</ownerId><groupSet/>"
                            "<instancesSet><item><instanceId>{}</instanceId><imageId>{}</imageId>"
                            "<instanceState><code>0</code><name>pending</name></instanceState>"
                            "<instanceType>{}</instanceType><placement><availabilityZone>{}"
                            "</availabilityZone></placement><architecture>{}</architecture>"
                            "<rootDeviceName>{}</rootDeviceName>{}</item></instancesSet>",
                            inst.id.substr(2), m_account_id, inst.id, inst.image_id,
                            inst.instance_type, inst.availability_zone, inst.architecture,
                            inst.root_device, tag_set(inst.tags)));
  };
  const std::string token = param(p, "ClientToken");
  if (!token.empty()) {
    for (const auto& inst : r.instances) {
      if (inst.client_token == token) return reply(inst);
    }
  }
  const std::string image_id = param(p, "ImageId");
  auto image = std::find_if(r.images.begin(), r.images.end(),
                            [&](const FakeImage& i) { return i.id == image_id; });
  if (image == r.images.end()) {
    return fail("InvalidAMIID.NotFound",
                fmt::format("The image id '[{}]' does not exist", image_id));
  }
  FakeInstance inst;
  inst.instance_type = param(p, "InstanceType");
  if (inst.instance_type.empty()) inst.instance_type = "m1.small";
  if (architecture_of(inst.instance_type) != image->architecture) {
    return fail("InvalidParameterValue",
                fmt::format("The architecture '{}' of the specified instance type does not match "
                            "the architecture '{}' of the specified AMI.",
                            architecture_of(inst.instance_type), image->architecture));
  }
  if (image->virtualization_type == "paravirtual" && !runs_paravirtual(inst.instance_type)) {
    return fail("InvalidParameterCombination",
                fmt::format("Virtualization type 'paravirtual' is not supported for instance type "
                            "'{}'",
                            inst.instance_type));
  }
  inst.subnet_id = param(p, "SubnetId");
  std::string az = param(p, "Placement.AvailabilityZone");
  if (!inst.subnet_id.empty()) {
    auto subnet = r.subnets.find(inst.subnet_id);
    if (subnet == r.subnets.end()) {
      return fail("InvalidSubnetID.NotFound",
                  fmt::format("The subnet ID '{}' does not exist", inst.subnet_id));
    }
    if (!az.empty() && az != subnet->second) {
      return fail("InvalidParameterValue", "The subnet is not in the requested availability zone");
    }
    az = subnet->second;
  }
  if (az.empty()) az = region + "a";
  inst.id = fmt::format("i-{:017x}", m_next_id++);
  inst.state = "pending";
  inst.availability_zone = az;
  inst.image_id = image->id;
  inst.architecture = image->architecture;
  inst.virtualization_type = image->virtualization_type;
  inst.ena_support = image->ena_support;
  inst.boot_mode = image->boot_mode;
  inst.root_device = image->root_device;
  inst.security_group_ids = list_of(p, "SecurityGroupId");
  inst.key_name = param(p, "KeyName");
  inst.client_token = token;
  inst.tags = spec_tags(p, "instance");
  // The image's mappings, each overridden by the request's for its device.
  std::vector<FakeMapping> mappings = image->mappings;
  for (const auto& m : mappings_of(p)) {
    auto same = std::find_if(mappings.begin(), mappings.end(),
                             [&](const FakeMapping& x) { return x.device == m.device; });
    if (same == mappings.end()) {
      mappings.push_back(m);
    } else {
      if (m.device == image->root_device && !m.snapshot_id.empty() &&
          m.snapshot_id != same->snapshot_id) {
        return fail("InvalidBlockDeviceMapping", "snapshotId cannot be modified on root device");
      }
      if (!m.snapshot_id.empty()) same->snapshot_id = m.snapshot_id;
      if (m.size_gib > 0) same->size_gib = m.size_gib;
      if (!m.type.empty()) same->type = m.type;
      if (m.iops > 0) same->iops = m.iops;
      if (m.throughput > 0) same->throughput = m.throughput;
    }
  }
  auto volume_tags = spec_tags(p, "volume");
  for (const auto& m : mappings) {
    FakeVolume v;
    v.id = fmt::format("vol-{:017x}", m_next_id++);
    v.device = m.device;
    v.snapshot_id = m.snapshot_id;
    auto snap = r.snapshots.find(m.snapshot_id);
    const int snap_size = snap == r.snapshots.end() ? 8 : snap->second.size_gib;
    if (m.size_gib > 0 && m.size_gib < snap_size) {
      return fail("InvalidBlockDeviceMapping",
                  fmt::format("Volume of size {}GiB is smaller than snapshot '{}', expect size >= "
                              "{}GiB",
                              m.size_gib, m.snapshot_id, snap_size));
    }
    v.size_gib = m.size_gib > 0 ? m.size_gib : snap_size;
    v.type = m.type.empty() ? "gp2" : m.type;
    v.iops = m.iops;
    v.throughput = m.throughput;
    if (auto problem = check_performance(v.type, v.iops, v.throughput); !problem.empty()) {
      return fail("InvalidParameterValue", problem);
    }
    v.tags = volume_tags;
    inst.volumes.push_back(std::move(v));
  }
  // The root volume first, as the fleet builders have it.
  std::stable_partition(inst.volumes.begin(), inst.volumes.end(),
                        [&](const FakeVolume& v) { return v.device == inst.root_device; });
  std::string out = reply(inst);
  inst.state = "running";
  r.instances.push_back(std::move(inst));
  return out;
}

}  // namespace snapkeep::testing
