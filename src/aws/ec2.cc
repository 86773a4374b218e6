#include "aws/ec2.h"

#include <fmt/format.h>

#include "aws/response_reader.h"

namespace snapkeep::aws {

namespace {

// Page sizes: the largest each API accepts, so that a region needs as few
// calls as possible.
constexpr std::string_view kInstancesPage = "1000";
constexpr std::string_view kVolumesPage = "500";
constexpr std::string_view kSnapshotsPage = "1000";
constexpr std::string_view kImagesPage = "1000";

// --- request building (botocore's EC2 serializer: list members get .1, .2, ...)

void add_list(QueryParams& params, std::string_view prefix,
              const std::vector<std::string>& values) {
  for (std::size_t i = 0; i < values.size(); ++i) {
    params.emplace_back(fmt::format("{}.{}", prefix, i + 1), values[i]);
  }
}

void add_filters(QueryParams& params, const std::vector<Filter>& filters) {
  for (std::size_t i = 0; i < filters.size(); ++i) {
    params.emplace_back(fmt::format("Filter.{}.Name", i + 1), filters[i].name);
    add_list(params, fmt::format("Filter.{}.Value", i + 1), filters[i].values);
  }
}

void add_tags(QueryParams& params, std::string_view prefix, const TagList& tags) {
  for (std::size_t i = 0; i < tags.size(); ++i) {
    params.emplace_back(fmt::format("{}.{}.Key", prefix, i + 1), tags[i].key);
    params.emplace_back(fmt::format("{}.{}.Value", prefix, i + 1), tags[i].value);
  }
}

void add_tag_specification(QueryParams& params, std::string_view resource_type,
                           const TagList& tags) {
  if (tags.empty()) return;
  params.emplace_back("TagSpecification.1.ResourceType", std::string(resource_type));
  add_tags(params, "TagSpecification.1.Tag", tags);
}

void add_if(QueryParams& params, std::string_view name, const std::string& value) {
  if (!value.empty()) params.emplace_back(std::string(name), value);
}

// --- answer parsing: one pass over each item's children, matching names, so
// that element order does not matter and each item costs one walk.

void parse_tags(pugi::xml_node tag_set, TagList& tags) {
  for (pugi::xml_node item : tag_set.children("item")) {
    Tag tag;
    for (pugi::xml_node field : item.children()) {
      std::string_view name = field.name();
      if (name == "key") {
        tag.key = field.child_value();
      } else if (name == "value") {
        tag.value = field.child_value();
      }
    }
    tags.push_back(std::move(tag));
  }
}

Ec2Snapshot parse_snapshot(ResponseReader& reader, pugi::xml_node item) {
  Ec2Snapshot snapshot;
  for (pugi::xml_node field : item.children()) {
    std::string_view name = field.name();
    if (name == "snapshotId") {
      snapshot.id = field.child_value();
    } else if (name == "volumeId") {
      snapshot.volume_id = field.child_value();
    } else if (name == "status" || name == "state") {
      snapshot.state = field.child_value();
    } else if (name == "progress") {
      snapshot.progress = field.child_value();
    } else if (name == "statusMessage") {
      snapshot.state_message = field.child_value();
    } else if (name == "startTime") {
      reader.read_time(field, snapshot.start_time);
    } else if (name == "ownerId") {
      snapshot.owner_id = field.child_value();
    } else if (name == "volumeSize") {
      reader.read_int(field, snapshot.volume_size_gib);
    } else if (name == "description") {
      snapshot.description = field.child_value();
    } else if (name == "encrypted") {
      reader.read_bool(field, snapshot.encrypted);
    } else if (name == "kmsKeyId") {
      snapshot.kms_key_id = field.child_value();
    } else if (name == "tagSet") {
      parse_tags(field, snapshot.tags);
    }
  }
  reader.require(snapshot.id, "snapshotId", "snapshot");
  return snapshot;
}

Ec2VolumeAttachment parse_attachment(pugi::xml_node node) {
  Ec2VolumeAttachment attachment;
  for (pugi::xml_node field : node.children()) {
    std::string_view name = field.name();
    if (name == "volumeId") {
      attachment.volume_id = field.child_value();
    } else if (name == "instanceId") {
      attachment.instance_id = field.child_value();
    } else if (name == "device") {
      attachment.device = field.child_value();
    } else if (name == "status") {
      attachment.state = field.child_value();
    }
  }
  return attachment;
}

Ec2Volume parse_volume(ResponseReader& reader, pugi::xml_node item) {
  Ec2Volume volume;
  for (pugi::xml_node field : item.children()) {
    std::string_view name = field.name();
    if (name == "volumeId") {
      volume.id = field.child_value();
    } else if (name == "size") {
      reader.read_int(field, volume.size_gib);
    } else if (name == "volumeType") {
      volume.type = field.child_value();
    } else if (name == "availabilityZone") {
      volume.availability_zone = field.child_value();
    } else if (name == "status") {
      volume.state = field.child_value();
    } else if (name == "encrypted") {
      reader.read_bool(field, volume.encrypted);
    } else if (name == "kmsKeyId") {
      volume.kms_key_id = field.child_value();
    } else if (name == "snapshotId") {
      volume.snapshot_id = field.child_value();
    } else if (name == "iops") {
      reader.read_int(field, volume.iops);
    } else if (name == "throughput") {
      reader.read_int(field, volume.throughput);
    } else if (name == "tagSet") {
      parse_tags(field, volume.tags);
    } else if (name == "attachmentSet") {
      for (pugi::xml_node attachment : field.children("item")) {
        volume.attachments.push_back(parse_attachment(attachment));
      }
    }
  }
  reader.require(volume.id, "volumeId", "volume");
  return volume;
}

Ec2BlockDevice parse_block_device(ResponseReader& reader, pugi::xml_node item) {
  Ec2BlockDevice device;
  device.device_name = std::string(child_text(item, "deviceName"));
  pugi::xml_node ebs = item.child("ebs");
  device.volume_id = std::string(child_text(ebs, "volumeId"));
  if (pugi::xml_node flag = ebs.child("deleteOnTermination")) {
    reader.read_bool(flag, device.delete_on_termination);
  }
  return device;
}

Ec2Instance parse_instance(ResponseReader& reader, pugi::xml_node item) {
  Ec2Instance instance;
  for (pugi::xml_node field : item.children()) {
    std::string_view name = field.name();
    if (name == "instanceId") {
      instance.id = field.child_value();
    } else if (name == "instanceState") {
      instance.state = std::string(child_text(field, "name"));
    } else if (name == "rootDeviceName") {
      instance.root_device_name = field.child_value();
    } else if (name == "placement") {
      instance.availability_zone = std::string(child_text(field, "availabilityZone"));
    } else if (name == "tagSet") {
      parse_tags(field, instance.tags);
    } else if (name == "instanceType") {
      instance.instance_type = field.child_value();
    } else if (name == "imageId") {
      instance.image_id = field.child_value();
    } else if (name == "architecture") {
      instance.architecture = field.child_value();
    } else if (name == "virtualizationType") {
      instance.virtualization_type = field.child_value();
    } else if (name == "enaSupport") {
      instance.ena_support = field.child_value();
    } else if (name == "bootMode") {
      instance.boot_mode = field.child_value();
    } else if (name == "currentInstanceBootMode") {
      instance.current_boot_mode = field.child_value();
    } else if (name == "subnetId") {
      instance.subnet_id = field.child_value();
    } else if (name == "groupSet") {
      for (pugi::xml_node group : field.children("item")) {
        std::string_view group_id = child_text(group, "groupId");
        if (!group_id.empty()) instance.security_group_ids.emplace_back(group_id);
      }
    } else if (name == "blockDeviceMapping") {
      for (pugi::xml_node mapping : field.children("item")) {
        // Instance-store mappings have no <ebs>; snapkeep only snapshots EBS.
        if (!mapping.child("ebs")) continue;
        instance.block_devices.push_back(parse_block_device(reader, mapping));
      }
    }
  }
  reader.require(instance.id, "instanceId", "instance");
  return instance;
}

Ec2Image parse_image(ResponseReader& reader, pugi::xml_node item) {
  Ec2Image image;
  for (pugi::xml_node field : item.children()) {
    std::string_view name = field.name();
    if (name == "imageId") {
      image.id = field.child_value();
    } else if (name == "imageState") {
      image.state = field.child_value();
    } else if (name == "imageOwnerId") {
      image.owner_id = field.child_value();
    } else if (name == "name") {
      image.name = field.child_value();
    } else if (name == "blockDeviceMapping") {
      for (pugi::xml_node mapping : field.children("item")) {
        std::string_view snapshot_id = child_text(mapping.child("ebs"), "snapshotId");
        if (!snapshot_id.empty()) image.snapshot_ids.emplace_back(snapshot_id);
      }
    }
  }
  reader.require(image.id, "imageId", "image");
  return image;
}

// Reads <{set}><item>...</item></{set}> under the root of a Describe* answer
// and its <nextToken>. A missing set element is tolerated (an empty page may
// omit it), but the root must be the action's.
template <class T, class ParseItem>
Result<std::vector<T>> parse_page(std::string_view action, const QueryResponse& response,
                                  const char* set_name, ParseItem parse_item,
                                  std::string* next_token) {
  ResponseReader reader(action, response);
  pugi::xml_node root = reader.root();
  if (!reader.ok()) return unexpected(reader.error());
  std::vector<T> items;
  for (pugi::xml_node item : root.child(set_name).children("item")) {
    parse_item(reader, item, items);
    if (!reader.ok()) return unexpected(reader.error());
  }
  if (next_token != nullptr) *next_token = child_text(root, "nextToken");
  return items;
}

Result<std::vector<Ec2Instance>> parse_instances_page(const QueryResponse& response,
                                                      std::string* next_token) {
  return parse_page<Ec2Instance>(
      "DescribeInstances", response, "reservationSet",
      [](ResponseReader& reader, pugi::xml_node reservation, std::vector<Ec2Instance>& out) {
        for (pugi::xml_node item : reservation.child("instancesSet").children("item")) {
          out.push_back(parse_instance(reader, item));
        }
      },
      next_token);
}

Result<std::vector<Ec2Volume>> parse_volumes_page(const QueryResponse& response,
                                                  std::string* next_token) {
  return parse_page<Ec2Volume>(
      "DescribeVolumes", response, "volumeSet",
      [](ResponseReader& reader, pugi::xml_node item, std::vector<Ec2Volume>& out) {
        out.push_back(parse_volume(reader, item));
      },
      next_token);
}

Result<std::vector<Ec2Image>> parse_images_page(const QueryResponse& response,
                                                std::string* next_token) {
  return parse_page<Ec2Image>(
      "DescribeImages", response, "imagesSet",
      [](ResponseReader& reader, pugi::xml_node item, std::vector<Ec2Image>& out) {
        out.push_back(parse_image(reader, item));
      },
      next_token);
}

// Follows NextToken until a page comes without one. An empty page with a
// token is not the end (EC2 may return those while it scans); a token equal
// to the one just sent would loop forever, so it is a bad answer.
template <class T, class ParsePage>
Result<void> paginate(QueryCaller& caller, std::string_view action, const QueryParams& base,
                      ParsePage parse, const PageSink<T>& on_page) {
  std::string token;
  for (;;) {
    QueryParams params = base;
    if (!token.empty()) params.emplace_back("NextToken", token);
    QueryResponse response = SNAPKEEP_TRY(caller.call(action, params));
    std::string next;
    std::vector<T> items = SNAPKEEP_TRY(parse(response, &next));
    if (on_page) on_page(std::move(items));
    if (next.empty()) return {};
    if (next == token) {
      return unexpected(
          bad_response(action, "the answer repeated the NextToken just sent", response.request_id));
    }
    token = std::move(next);
  }
}

template <class T>
Result<std::vector<T>> collect(const std::function<Result<void>(const PageSink<T>&)>& list) {
  std::vector<T> all;
  SNAPKEEP_TRY(list([&all](std::vector<T>&& page) {
    all.insert(all.end(), std::make_move_iterator(page.begin()),
               std::make_move_iterator(page.end()));
  }));
  return all;
}

// Describe* parameters: ids, or MaxResults (the two cannot be combined).
QueryParams describe_params(const std::vector<std::string>& ids, std::string_view id_prefix,
                            const std::vector<Filter>& filters, std::string_view page_size) {
  QueryParams params;
  add_list(params, id_prefix, ids);
  add_filters(params, filters);
  if (ids.empty()) params.emplace_back("MaxResults", std::string(page_size));
  return params;
}

void add_owners(QueryParams& params, const std::vector<std::string>& owners) {
  if (owners.empty()) {
    params.emplace_back("Owner.1", "self");
  } else {
    add_list(params, "Owner", owners);
  }
}

// For calls whose answer carries nothing snapkeep needs: only the root is
// checked, so that an HTML page or another call's answer is not taken for
// success.
Result<void> expect_root(std::string_view action, const QueryResponse& response) {
  ResponseReader reader(action, response);
  reader.root();
  if (!reader.ok()) return unexpected(reader.error());
  // EC2 answers <return>true</return>; false means the call did nothing.
  if (child_text(response.xml.document_element(), "return") == std::string_view("false")) {
    return unexpected(
        bad_response(action, "the answer said <return>false</return>", response.request_id));
  }
  return {};
}

}  // namespace

Result<std::vector<Ec2Snapshot>> parse_describe_snapshots_page(const QueryResponse& response,
                                                               std::string* next_token) {
  return parse_page<Ec2Snapshot>(
      "DescribeSnapshots", response, "snapshotSet",
      [](ResponseReader& reader, pugi::xml_node item, std::vector<Ec2Snapshot>& out) {
        out.push_back(parse_snapshot(reader, item));
      },
      next_token);
}

Ec2::Ec2(QueryCaller& caller, std::string region, QueryPresigner presigner)
    : m_caller(caller), m_region(std::move(region)), m_presigner(std::move(presigner)) {}

Result<std::vector<Ec2Region>> Ec2::describe_regions(bool all_regions) const {
  constexpr std::string_view action = "DescribeRegions";
  QueryParams params;
  if (all_regions) params.emplace_back("AllRegions", "true");
  QueryResponse response = SNAPKEEP_TRY(m_caller.call(action, params));
  ResponseReader reader(action, response);
  pugi::xml_node root = reader.root();
  if (!reader.ok()) return unexpected(reader.error());
  std::vector<Ec2Region> regions;
  for (pugi::xml_node item : root.child("regionInfo").children("item")) {
    Ec2Region region;
    region.name = std::string(child_text(item, "regionName"));
    region.endpoint = std::string(child_text(item, "regionEndpoint"));
    region.opt_in_status = std::string(child_text(item, "optInStatus"));
    reader.require(region.name, "regionName", "region");
    if (!reader.ok()) return unexpected(reader.error());
    regions.push_back(std::move(region));
  }
  if (regions.empty()) {
    return unexpected(bad_response(action, "the answer lists no region", response.request_id));
  }
  return regions;
}

Result<void> Ec2::describe_instances(const DescribeInstancesRequest& request,
                                     const PageSink<Ec2Instance>& on_page) const {
  return paginate<Ec2Instance>(
      m_caller, "DescribeInstances",
      describe_params(request.instance_ids, "InstanceId", request.filters, kInstancesPage),
      parse_instances_page, on_page);
}

Result<std::vector<Ec2Instance>> Ec2::describe_instances(
    const DescribeInstancesRequest& request) const {
  return collect<Ec2Instance>(
      [&](const PageSink<Ec2Instance>& sink) { return describe_instances(request, sink); });
}

Result<void> Ec2::describe_volumes(const DescribeVolumesRequest& request,
                                   const PageSink<Ec2Volume>& on_page) const {
  return paginate<Ec2Volume>(
      m_caller, "DescribeVolumes",
      describe_params(request.volume_ids, "VolumeId", request.filters, kVolumesPage),
      parse_volumes_page, on_page);
}

Result<std::vector<Ec2Volume>> Ec2::describe_volumes(const DescribeVolumesRequest& request) const {
  return collect<Ec2Volume>(
      [&](const PageSink<Ec2Volume>& sink) { return describe_volumes(request, sink); });
}

Result<void> Ec2::describe_snapshots(const DescribeSnapshotsRequest& request,
                                     const PageSink<Ec2Snapshot>& on_page) const {
  QueryParams params;
  add_owners(params, request.owners);
  add_list(params, "RestorableBy", request.restorable_by);
  for (auto& param :
       describe_params(request.snapshot_ids, "SnapshotId", request.filters, kSnapshotsPage)) {
    params.push_back(std::move(param));
  }
  return paginate<Ec2Snapshot>(m_caller, "DescribeSnapshots", params, parse_describe_snapshots_page,
                               on_page);
}

Result<std::vector<Ec2Snapshot>> Ec2::describe_snapshots(
    const DescribeSnapshotsRequest& request) const {
  return collect<Ec2Snapshot>(
      [&](const PageSink<Ec2Snapshot>& sink) { return describe_snapshots(request, sink); });
}

Result<void> Ec2::describe_images(const DescribeImagesRequest& request,
                                  const PageSink<Ec2Image>& on_page) const {
  QueryParams params;
  add_owners(params, request.owners);
  for (auto& param : describe_params(request.image_ids, "ImageId", request.filters, kImagesPage)) {
    params.push_back(std::move(param));
  }
  return paginate<Ec2Image>(m_caller, "DescribeImages", params, parse_images_page, on_page);
}

Result<std::vector<Ec2Image>> Ec2::describe_images(const DescribeImagesRequest& request) const {
  return collect<Ec2Image>(
      [&](const PageSink<Ec2Image>& sink) { return describe_images(request, sink); });
}

Result<std::vector<Ec2Snapshot>> Ec2::create_snapshots(
    const CreateSnapshotsRequest& request) const {
  constexpr std::string_view action = "CreateSnapshots";
  if (request.instance_id.empty()) return unexpected(invalid_request(action, "no instance id"));
  QueryParams params;
  params.emplace_back("InstanceSpecification.InstanceId", request.instance_id);
  if (request.exclude_boot_volume) {
    params.emplace_back("InstanceSpecification.ExcludeBootVolume", "true");
  }
  add_list(params, "InstanceSpecification.ExcludeDataVolumeId", request.exclude_data_volume_ids);
  add_if(params, "Description", request.description);
  add_tag_specification(params, "snapshot", request.tags);
  if (request.copy_tags_from_volume) params.emplace_back("CopyTagsFromSource", "volume");

  QueryResponse response = SNAPKEEP_TRY(m_caller.call(action, params));
  auto snapshots = SNAPKEEP_TRY(parse_page<Ec2Snapshot>(
      action, response, "snapshotSet",
      [](ResponseReader& reader, pugi::xml_node item, std::vector<Ec2Snapshot>& out) {
        out.push_back(parse_snapshot(reader, item));
      },
      nullptr));
  return snapshots;
}

Result<Ec2Snapshot> Ec2::create_snapshot(const CreateSnapshotRequest& request) const {
  constexpr std::string_view action = "CreateSnapshot";
  if (request.volume_id.empty()) return unexpected(invalid_request(action, "no volume id"));
  QueryParams params;
  params.emplace_back("VolumeId", request.volume_id);
  add_if(params, "Description", request.description);
  add_tag_specification(params, "snapshot", request.tags);

  QueryResponse response = SNAPKEEP_TRY(m_caller.call(action, params));
  ResponseReader reader(action, response);
  pugi::xml_node root = reader.root();
  if (!reader.ok()) return unexpected(reader.error());
  Ec2Snapshot snapshot = parse_snapshot(reader, root);
  if (!reader.ok()) return unexpected(reader.error());
  return snapshot;
}

Result<void> Ec2::delete_snapshot(std::string_view snapshot_id) const {
  constexpr std::string_view action = "DeleteSnapshot";
  if (snapshot_id.empty()) return unexpected(invalid_request(action, "no snapshot id"));
  QueryParams params{{"SnapshotId", std::string(snapshot_id)}};
  QueryResponse response = SNAPKEEP_TRY(m_caller.call(action, params));
  return expect_root(action, response);
}

Result<CopySnapshotResult> Ec2::copy_snapshot(const CopySnapshotRequest& request) const {
  constexpr std::string_view action = "CopySnapshot";
  if (request.source_region.empty() || request.source_snapshot_id.empty()) {
    return unexpected(invalid_request(action, "source region and snapshot id are required"));
  }
  if (!request.kms_key_id.empty() && !request.encrypted) {
    return unexpected(invalid_request(action, "a KMS key id requires Encrypted=true"));
  }
  QueryParams params;
  params.emplace_back("SourceRegion", request.source_region);
  params.emplace_back("SourceSnapshotId", request.source_snapshot_id);
  add_if(params, "Description", request.description);
  if (request.encrypted) params.emplace_back("Encrypted", "true");
  add_if(params, "KmsKeyId", request.kms_key_id);
  add_tag_specification(params, "snapshot", request.tags);

  if (request.source_encrypted && !m_presigner) {
    return unexpected(invalid_request(
        action, "copying an encrypted snapshot needs a pre-signed URL, and no presigner is set"));
  }
  if (m_presigner) {
    // What botocore's inject_presigned_url_ec2 does: the same request plus
    // DestinationRegion, as a GET pre-signed for the source region's endpoint.
    QueryParams presigned{{"Action", std::string(action)}, {"Version", std::string(api_version)}};
    presigned.insert(presigned.end(), params.begin(), params.end());
    presigned.emplace_back("DestinationRegion", m_region);
    std::string url = SNAPKEEP_TRY(m_presigner(request.source_region, presigned));
    params.emplace_back("PresignedUrl", std::move(url));
    params.emplace_back("DestinationRegion", m_region);
  }

  QueryResponse response = SNAPKEEP_TRY(m_caller.call(action, params));
  ResponseReader reader(action, response);
  pugi::xml_node root = reader.root();
  if (!reader.ok()) return unexpected(reader.error());
  CopySnapshotResult result;
  result.snapshot_id = std::string(child_text(root, "snapshotId"));
  parse_tags(root.child("tagSet"), result.tags);
  reader.require(result.snapshot_id, "snapshotId", "CopySnapshotResponse");
  if (!reader.ok()) return unexpected(reader.error());
  return result;
}

Result<void> Ec2::create_tags(const std::vector<std::string>& resource_ids,
                              const TagList& tags) const {
  constexpr std::string_view action = "CreateTags";
  if (resource_ids.empty() || tags.empty()) {
    return unexpected(invalid_request(action, "resource ids and tags are required"));
  }
  QueryParams params;
  add_list(params, "ResourceId", resource_ids);
  add_tags(params, "Tag", tags);
  QueryResponse response = SNAPKEEP_TRY(m_caller.call(action, params));
  return expect_root(action, response);
}

Result<void> Ec2::modify_snapshot_permission(const SnapshotPermissionRequest& request) const {
  constexpr std::string_view action = "ModifySnapshotAttribute";
  if (request.snapshot_id.empty() || (request.user_ids.empty() && request.groups.empty())) {
    return unexpected(invalid_request(action, "a snapshot id and accounts or groups are required"));
  }
  QueryParams params;
  params.emplace_back("SnapshotId", request.snapshot_id);
  params.emplace_back("Attribute", "createVolumePermission");
  params.emplace_back("OperationType",
                      request.operation == PermissionOperation::add ? "add" : "remove");
  add_list(params, "UserId", request.user_ids);
  add_list(params, "UserGroup", request.groups);
  QueryResponse response = SNAPKEEP_TRY(m_caller.call(action, params));
  return expect_root(action, response);
}

Result<Ec2Volume> Ec2::create_volume(const CreateVolumeRequest& request) const {
  constexpr std::string_view action = "CreateVolume";
  if (request.availability_zone.empty() || (request.snapshot_id.empty() && request.size_gib <= 0)) {
    return unexpected(
        invalid_request(action, "an availability zone and a snapshot or size are required"));
  }
  QueryParams params;
  params.emplace_back("AvailabilityZone", request.availability_zone);
  add_if(params, "SnapshotId", request.snapshot_id);
  if (request.size_gib > 0) params.emplace_back("Size", std::to_string(request.size_gib));
  add_if(params, "VolumeType", request.volume_type);
  if (request.iops > 0) params.emplace_back("Iops", std::to_string(request.iops));
  if (request.throughput > 0) params.emplace_back("Throughput", std::to_string(request.throughput));
  if (request.encrypted) params.emplace_back("Encrypted", "true");
  add_if(params, "KmsKeyId", request.kms_key_id);
  add_tag_specification(params, "volume", request.tags);
  add_if(params, "ClientToken", request.client_token);

  QueryResponse response = SNAPKEEP_TRY(m_caller.call(action, params));
  ResponseReader reader(action, response);
  pugi::xml_node root = reader.root();
  if (!reader.ok()) return unexpected(reader.error());
  Ec2Volume volume = parse_volume(reader, root);
  if (!reader.ok()) return unexpected(reader.error());
  return volume;
}

Result<Ec2VolumeAttachment> Ec2::attach_volume(const AttachVolumeRequest& request) const {
  constexpr std::string_view action = "AttachVolume";
  if (request.volume_id.empty() || request.instance_id.empty() || request.device.empty()) {
    return unexpected(invalid_request(action, "volume id, instance id and device are required"));
  }
  QueryParams params{{"Device", request.device},
                     {"InstanceId", request.instance_id},
                     {"VolumeId", request.volume_id}};
  QueryResponse response = SNAPKEEP_TRY(m_caller.call(action, params));
  ResponseReader reader(action, response);
  pugi::xml_node root = reader.root();
  if (!reader.ok()) return unexpected(reader.error());
  Ec2VolumeAttachment attachment = parse_attachment(root);
  reader.require(attachment.volume_id, "volumeId", "AttachVolumeResponse");
  if (!reader.ok()) return unexpected(reader.error());
  return attachment;
}

// --- restore: volumes, images and instances from snapshots ------------------

namespace {

void add_ebs_mappings(QueryParams& params, const std::vector<EbsMapping>& mappings) {
  for (std::size_t i = 0; i < mappings.size(); ++i) {
    const EbsMapping& m = mappings[i];
    const std::string prefix = fmt::format("BlockDeviceMapping.{}", i + 1);
    params.emplace_back(prefix + ".DeviceName", m.device_name);
    add_if(params, prefix + ".Ebs.SnapshotId", m.snapshot_id);
    if (m.volume_size_gib > 0) {
      params.emplace_back(prefix + ".Ebs.VolumeSize", std::to_string(m.volume_size_gib));
    }
    add_if(params, prefix + ".Ebs.VolumeType", m.volume_type);
    if (m.iops > 0) params.emplace_back(prefix + ".Ebs.Iops", std::to_string(m.iops));
    if (m.throughput > 0) {
      params.emplace_back(prefix + ".Ebs.Throughput", std::to_string(m.throughput));
    }
    params.emplace_back(prefix + ".Ebs.DeleteOnTermination",
                        m.delete_on_termination ? "true" : "false");
  }
}

}  // namespace

Result<void> Ec2::delete_volume(std::string_view volume_id) const {
  constexpr std::string_view action = "DeleteVolume";
  if (volume_id.empty()) return unexpected(invalid_request(action, "no volume id"));
  QueryParams params{{"VolumeId", std::string(volume_id)}};
  QueryResponse response = SNAPKEEP_TRY(m_caller.call(action, params));
  return expect_root(action, response);
}

Result<std::string> Ec2::register_image(const RegisterImageRequest& request) const {
  constexpr std::string_view action = "RegisterImage";
  if (request.name.size() < 3 || request.name.size() > 128 || request.root_device_name.empty() ||
      request.mappings.empty()) {
    return unexpected(invalid_request(
        action, "a name of 3-128 characters, a root device name and mappings are required"));
  }
  QueryParams params;
  params.emplace_back("Name", request.name);
  add_if(params, "Description", request.description);
  params.emplace_back("RootDeviceName", request.root_device_name);
  add_if(params, "Architecture", request.architecture);
  add_if(params, "VirtualizationType", request.virtualization_type);
  add_if(params, "EnaSupport", request.ena_support);
  add_if(params, "BootMode", request.boot_mode);
  add_ebs_mappings(params, request.mappings);
  add_tag_specification(params, "image", request.tags);
  QueryResponse response = SNAPKEEP_TRY(m_caller.call(action, params));
  ResponseReader reader(action, response);
  pugi::xml_node root = reader.root();
  if (!reader.ok()) return unexpected(reader.error());
  std::string image_id(child_text(root, "imageId"));
  reader.require(image_id, "imageId", "RegisterImageResponse");
  if (!reader.ok()) return unexpected(reader.error());
  return image_id;
}

Result<void> Ec2::deregister_image(std::string_view image_id) const {
  constexpr std::string_view action = "DeregisterImage";
  if (image_id.empty()) return unexpected(invalid_request(action, "no image id"));
  QueryParams params{{"ImageId", std::string(image_id)}};
  QueryResponse response = SNAPKEEP_TRY(m_caller.call(action, params));
  return expect_root(action, response);
}

Result<Ec2Instance> Ec2::run_instances(const RunInstancesRequest& request) const {
  constexpr std::string_view action = "RunInstances";
  if (request.image_id.empty() || request.instance_type.empty()) {
    return unexpected(invalid_request(action, "an image id and an instance type are required"));
  }
  QueryParams params;
  params.emplace_back("ImageId", request.image_id);
  params.emplace_back("InstanceType", request.instance_type);
  params.emplace_back("MinCount", "1");
  params.emplace_back("MaxCount", "1");
  add_if(params, "SubnetId", request.subnet_id);
  add_list(params, "SecurityGroupId", request.security_group_ids);
  add_if(params, "KeyName", request.key_name);
  add_if(params, "Placement.AvailabilityZone", request.availability_zone);
  add_ebs_mappings(params, request.mappings);
  int spec = 0;
  for (const auto& [type, tags] :
       {std::pair{"instance", &request.tags}, std::pair{"volume", &request.volume_tags}}) {
    if (tags->empty()) continue;
    ++spec;
    params.emplace_back(fmt::format("TagSpecification.{}.ResourceType", spec), type);
    add_tags(params, fmt::format("TagSpecification.{}.Tag", spec), *tags);
  }
  add_if(params, "ClientToken", request.client_token);
  QueryResponse response = SNAPKEEP_TRY(m_caller.call(action, params));
  ResponseReader reader(action, response);
  pugi::xml_node root = reader.root();
  if (!reader.ok()) return unexpected(reader.error());
  pugi::xml_node item = root.child("instancesSet").child("item");
  if (!item) {
    return unexpected(bad_response(action, "the answer holds no instance", response.request_id));
  }
  Ec2Instance instance = parse_instance(reader, item);
  if (!reader.ok()) return unexpected(reader.error());
  return instance;
}

}  // namespace snapkeep::aws
