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
  if (action == "DescribeInstances") return describe_instances(r, params, status);
  if (action == "DescribeVolumes") return describe_volumes(r, params, status);
  if (action == "DescribeSnapshots") return describe_snapshots(r, params, status);
  if (action == "DescribeImages") return describe_images(r, params, status);
  if (action == "DescribeRegions") return describe_regions();
  if (action == "CreateSnapshots") return create_snapshots(r, params, status);
  if (action == "CreateTags") return create_tags(r, params, status);
  if (action == "DeleteSnapshot") return delete_snapshot(r, params, status);
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
    for (const auto& v : inst.volumes) {
      mappings += fmt::format(
          "<item><deviceName>{}</deviceName><ebs><volumeId>{}</volumeId><status>attached</status>"
          "<attachTime>2026-01-01T00:00:00.000Z</attachTime><deleteOnTermination>true"
          "</deleteOnTermination></ebs></item>",
          v.device, v.id);
    }
    int code = inst.state == "running" ? 16 : inst.state == "stopped" ? 80 : 0;
    out += fmt::format(
        "<item><reservationId>r-{}</reservationId><ownerId>{}</ownerId><groupSet/><instancesSet>"
        "<item><instanceId>{}</instanceId><imageId>ami-12345678</imageId><instanceState><code>{}"
        "</code><name>{}</name></instanceState><instanceType>t3.micro</instanceType><placement>"
        "<availabilityZone>{}</availabilityZone></placement><rootDeviceType>ebs</rootDeviceType>"
        "<rootDeviceName>{}</rootDeviceName><blockDeviceMapping>{}</blockDeviceMapping>{}</item>"
        "</instancesSet></item>",
        inst.id.substr(2), m_account_id, inst.id, code, inst.state, inst.availability_zone,
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
    const FakeInstance* instance;
  };
  std::vector<Row> matched;
  for (const auto& inst : r.instances) {
    for (const auto& v : inst.volumes) {
      if (!ids.empty() && std::find(ids.begin(), ids.end(), v.id) == ids.end()) continue;
      bool ok = true;
      for (const auto& f : filters) {
        if (auto t = tag_filter(f, v.tags)) {
          ok = *t;
        } else if (f.name == "attachment.instance-id") {
          ok = any_match(f.values, inst.id);
        } else if (f.name == "volume-id") {
          ok = any_match(f.values, v.id);
        } else {
          status = 400;
          return error_xml("InvalidParameterValue",
                           fmt::format("The filter '{}' is invalid", f.name));
        }
        if (!ok) break;
      }
      if (ok) matched.push_back({&v, &inst});
    }
  }
  std::string error;
  auto [begin, end] = page_window(matched, p, m_default_page_size, status, error);
  if (!error.empty()) return error;
  std::string out = "<volumeSet>";
  for (std::size_t i = begin; i < end; ++i) {
    const auto& [v, inst] = matched[i];
    out += fmt::format(
        "<item><volumeId>{}</volumeId><size>{}</size><snapshotId/><availabilityZone>{}"
        "</availabilityZone><status>in-use</status><createTime>2026-01-01T00:00:00.000Z"
        "</createTime><attachmentSet><item><volumeId>{}</volumeId><instanceId>{}</instanceId>"
        "<device>{}</device><status>attached</status></item></attachmentSet><volumeType>gp3"
        "</volumeType><encrypted>false</encrypted>{}</item>",
        v->id, v->size_gib, inst->availability_zone, v->id, inst->id, v->device, tag_set(v->tags));
  }
  out += "</volumeSet>" + next_token_xml(end, matched.size());
  return wrap("DescribeVolumes", out);
}

std::string FakeEc2::describe_snapshots(FakeRegion& r, const Params& p, int& status) {
  auto filters = filters_of(p);
  auto owners = list_of(p, "Owner");
  auto ids = list_of(p, "SnapshotId");
  std::vector<const FakeSnapshot*> matched;
  for (const auto& [id, s] : r.snapshots) {
    if (!ids.empty() && std::find(ids.begin(), ids.end(), id) == ids.end()) continue;
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
        "<description>{}</description><encrypted>false</encrypted><storageTier>standard"
        "</storageTier>{}</item>",
        s.id, s.volume_id, s.state, s.start_time, s.state == "completed" ? "100%" : "0%",
        s.owner_id, s.size_gib, xml_escape(s.description), tag_set(s.tags));
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
    for (const auto& id : ids) {
      if (auto s = r.snapshots.find(id); s != r.snapshots.end()) {
        s->second.tags[key->second] = value == p.end() ? "" : value->second;
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

}  // namespace snapkeep::testing
