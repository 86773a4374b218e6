#include "core/restore_tags.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

namespace snapkeep::core {

namespace {

// A value written into a space-separated list must not break it.
bool plain(std::string_view value) {
  return value.find_first_of(" =:") == std::string_view::npos;
}

std::optional<int> parse_int(std::string_view text) {
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < 0) return std::nullopt;
  return value;
}

// Every part, empty ones included ("a::b" gives 3).
std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> out;
  for (;;) {
    auto at = text.find(separator);
    out.push_back(text.substr(0, at));
    if (at == std::string_view::npos) return out;
    text.remove_prefix(at + 1);
  }
}

std::string volume_tag_key(std::size_t index) {
  return index == 0 ? std::string(tag::volumes) : fmt::format("{}:{}", tag::volumes, index + 1);
}

}  // namespace

InstanceMeta instance_meta_of(const Instance& instance) {
  return {instance.availability_zone,   instance.instance_type, instance.architecture,
          instance.virtualization_type, instance.ena_support,   instance.boot_mode,
          instance.root_device,         instance.image_id};
}

std::string format_instance_meta(const InstanceMeta& meta) {
  const std::pair<std::string_view, const std::string*> fields[] = {
      {"az", &meta.availability_zone}, {"type", &meta.instance_type},
      {"arch", &meta.architecture},    {"virt", &meta.virtualization_type},
      {"ena", &meta.ena_support},      {"boot", &meta.boot_mode},
      {"root", &meta.root_device},     {"ami", &meta.image_id}};
  std::string out;
  for (const auto& [key, value] : fields) {
    if (value->empty() || value->find(' ') != std::string::npos) continue;
    std::string entry = fmt::format("{}{}={}", out.empty() ? "" : " ", key, *value);
    if (utf8_length(out) + utf8_length(entry) > max_tag_value_chars) continue;
    out += entry;
  }
  return out;
}

std::optional<InstanceMeta> parse_instance_meta(std::string_view text) {
  InstanceMeta meta;
  bool any = false;
  for (std::string_view entry : split(text, ' ')) {
    auto eq = entry.find('=');
    if (eq == std::string_view::npos) continue;
    std::string_view key = entry.substr(0, eq);
    std::string value(entry.substr(eq + 1));
    std::string* field = nullptr;
    if (key == "az") field = &meta.availability_zone;
    if (key == "type") field = &meta.instance_type;
    if (key == "arch") field = &meta.architecture;
    if (key == "virt") field = &meta.virtualization_type;
    if (key == "ena") field = &meta.ena_support;
    if (key == "boot") field = &meta.boot_mode;
    if (key == "root") field = &meta.root_device;
    if (key == "ami") field = &meta.image_id;
    if (field == nullptr) continue;  // a newer snapkeep's field
    *field = std::move(value);
    any = true;
  }
  if (!any) return std::nullopt;
  return meta;
}

std::vector<std::pair<std::string, std::string>> format_volume_tags(
    std::span<const VolumeMeta> volumes, std::size_t max_tags, std::size_t* dropped) {
  std::vector<std::pair<std::string, std::string>> out;
  std::size_t left_out = 0;
  std::string value;
  for (const auto& v : volumes) {
    if (v.device.empty() || v.type.empty() || !plain(v.device) || !plain(v.type)) {
      ++left_out;
      continue;
    }
    std::string entry =
        fmt::format("{}={}:{}:{}:{}", v.device, v.type, v.iops, v.throughput, v.size_gib);
    if (utf8_length(entry) > max_tag_value_chars) {
      ++left_out;
      continue;
    }
    if (!value.empty() && utf8_length(value) + 1 + utf8_length(entry) > max_tag_value_chars) {
      if (out.size() == max_tags) {
        ++left_out;
        continue;
      }
      out.emplace_back(volume_tag_key(out.size()), std::move(value));
      value.clear();
    }
    value += (value.empty() ? "" : " ") + entry;
  }
  if (!value.empty()) {
    if (out.size() < max_tags) {
      out.emplace_back(volume_tag_key(out.size()), std::move(value));
    } else {
      left_out += static_cast<std::size_t>(std::count(value.begin(), value.end(), ' ')) + 1;
    }
  }
  if (dropped != nullptr) *dropped = left_out;
  return out;
}

bool is_restore_tag(std::string_view key) {
  if (key == tag::instance_meta) return true;
  if (!key.starts_with(tag::volumes)) return false;
  const std::string_view suffix = key.substr(tag::volumes.size());
  return suffix.empty() || suffix.starts_with(':');
}

namespace {

// One "device=type:iops:throughput:size" entry; nullopt when malformed.
std::optional<VolumeMeta> parse_volume_entry(std::string_view entry) {
  auto eq = entry.find('=');
  if (eq == std::string_view::npos || eq == 0) return std::nullopt;
  auto fields = split(entry.substr(eq + 1), ':');
  if (fields.size() != 4 || fields[0].empty()) return std::nullopt;
  auto iops = parse_int(fields[1]);
  auto throughput = parse_int(fields[2]);
  auto size = parse_int(fields[3]);
  if (!iops || !throughput || !size) return std::nullopt;
  return VolumeMeta{std::string(entry.substr(0, eq)), std::string(fields[0]), *iops, *throughput,
                    *size};
}

}  // namespace

std::map<std::string, VolumeMeta> parse_volume_tags(const Tags& tags) {
  std::map<std::string, VolumeMeta> out;
  for (auto it = tags.lower_bound(std::string(tag::volumes));
       it != tags.end() && it->first.starts_with(tag::volumes); ++it) {
    if (!is_restore_tag(it->first)) continue;
    for (std::string_view entry : split(it->second, ' ')) {
      if (auto v = parse_volume_entry(entry)) out[v->device] = std::move(*v);
    }
  }
  return out;
}

std::size_t count_volume_entries(std::string_view value) {
  const auto entries = split(value, ' ');
  return static_cast<std::size_t>(
      std::count_if(entries.begin(), entries.end(),
                    [](std::string_view entry) { return parse_volume_entry(entry).has_value(); }));
}

Tags restore_tags(const Instance& instance, std::span<const Volume> volumes, std::size_t room,
                  std::vector<std::string>& warnings) {
  Tags out;
  if (room == 0) {
    warnings.push_back(fmt::format(
        "no room under EC2's {} tags for the restore metadata ({}): restorable as volumes only",
        max_tags_per_snapshot, tag::instance_meta));
    return out;
  }
  std::string meta = format_instance_meta(instance_meta_of(instance));
  if (!meta.empty()) {
    out.emplace(std::string(tag::instance_meta), std::move(meta));
    --room;
  }
  std::vector<VolumeMeta> described;
  for (const auto& v : volumes) {
    if (!v.tags_known || v.type.empty()) continue;
    described.push_back({v.device, v.type, v.iops, v.throughput, v.size_gib});
  }
  std::size_t dropped = 0;
  for (auto& [key, value] : format_volume_tags(described, room, &dropped)) {
    out.emplace(std::move(key), std::move(value));
  }
  if (dropped > 0) {
    warnings.push_back(fmt::format(
        "{} volumes' type/iops/throughput not recorded ({} tags would pass EC2's limits): a "
        "restore gives them the default type unless told otherwise",
        dropped, tag::volumes));
  }
  return out;
}

}  // namespace snapkeep::core
