// Ec2: the typed EC2 calls snapkeep makes (API version 2016-11-15), over a
// QueryCaller that signs, paces, retries and parses errors.
//
// Each call builds the exact Query parameters botocore's EC2 serializer would
// send and reads the answer into the aws-layer structs below (the engine maps
// them to core's types; core never sees these). Describe* calls page through
// NextToken until the service stops returning one — an empty page that still
// carries a token is followed too — and always send MaxResults unless ids are
// given (AWS forbids combining the two), so they never fall into EC2's small
// "unfiltered and unpaginated" throttling bucket. A failure on any page
// returns that error and no partial list: the engine then marks the listing
// incomplete and deletes nothing (DESIGN.md section 4 rule 4).
//
// Thread safety: an Ec2 holds no mutable state; its calls may run from
// several threads at once if its QueryCaller allows it (QueryClient does).
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "aws/clock.h"
#include "aws/query_client.h"

namespace snapkeep::aws {

struct Tag {
  std::string key;
  std::string value;
  bool operator==(const Tag&) const = default;
};
using TagList = std::vector<Tag>;  // in the order AWS answered or the caller gave

// One Filter.N: its values are ORed; separate filters are ANDed.
struct Filter {
  std::string name;  // e.g. "tag:Backup", "status", "volume-id"
  std::vector<std::string> values;
};

struct Ec2Region {
  std::string name;           // us-east-1
  std::string endpoint;       // ec2.us-east-1.amazonaws.com
  std::string opt_in_status;  // opt-in-not-required | opted-in | not-opted-in
};

struct Ec2BlockDevice {
  std::string device_name;  // /dev/xvda
  std::string volume_id;
  bool delete_on_termination = false;
};

struct Ec2Instance {
  std::string id;
  std::string state;  // pending|running|shutting-down|terminated|stopping|stopped
  std::string root_device_name;
  std::string availability_zone;
  TagList tags;
  std::vector<Ec2BlockDevice> block_devices;  // EBS mappings only, in answer order
  // What rebuilding the instance needs (restore, docs/restore.md); empty
  // when the answer did not say.
  std::string instance_type;
  std::string image_id;
  std::string architecture;         // i386|x86_64|arm64|x86_64_mac|arm64_mac
  std::string virtualization_type;  // hvm|paravirtual
  std::string ena_support;          // "true"|"false"|"" (not said)
  std::string boot_mode;            // the AMI's: legacy-bios|uefi|uefi-preferred
  std::string current_boot_mode;    // the instance's: legacy-bios|uefi
  std::string subnet_id;
  std::vector<std::string> security_group_ids;
};

struct Ec2VolumeAttachment {
  std::string volume_id;
  std::string instance_id;
  std::string device;
  std::string state;  // attaching|attached|detaching|detached|busy
};

struct Ec2Volume {
  std::string id;
  int size_gib = 0;
  std::string type;  // gp2, gp3, io1, ...
  std::string availability_zone;
  std::string state;  // creating|available|in-use|deleting|deleted|error
  bool encrypted = false;
  std::string kms_key_id;
  std::string snapshot_id;  // the snapshot it was created from, if any
  TagList tags;
  std::vector<Ec2VolumeAttachment> attachments;
  int iops = 0;        // 0: not said (gp2, standard, st1, sc1)
  int throughput = 0;  // MiB/s, gp3 only; 0: not said
};

struct Ec2Snapshot {
  std::string id;
  std::string volume_id;
  // DescribeSnapshots' <status> or CreateSnapshots' <state>:
  // pending|completed|error|recoverable|recovering; empty when the answer
  // had neither (moto's CreateSnapshots).
  std::string state;
  std::string progress;  // "100%"
  // Why a snapshot (a copy whose KMS key or pre-signed URL was refused) is in
  // `error`; empty otherwise.
  std::string state_message;
  SysTime start_time{};  // the epoch when absent
  std::string owner_id;
  int volume_size_gib = 0;
  std::string description;
  bool encrypted = false;
  std::string kms_key_id;
  TagList tags;
};

struct Ec2Image {
  std::string id;
  std::string state;  // pending|available|invalid|deregistered|transient|failed|error
  std::string owner_id;
  std::string name;
  std::vector<std::string> snapshot_ids;  // of its EBS block device mappings
};

struct DescribeInstancesRequest {
  std::vector<std::string> instance_ids;  // when given, no MaxResults is sent
  std::vector<Filter> filters;
};

struct DescribeVolumesRequest {
  std::vector<std::string> volume_ids;  // when given, no MaxResults is sent
  std::vector<Filter> filters;
};

struct DescribeSnapshotsRequest {
  // Owner.N; empty means {"self"}: without an owner AWS also lists every
  // public snapshot the account could restore.
  std::vector<std::string> owners;
  std::vector<std::string> snapshot_ids;  // when given, no MaxResults is sent
  std::vector<Filter> filters;
  // RestorableBy.N: account ids (or "self") that may create volumes from the
  // snapshots. With owners {"self"} and another account here, it lists what
  // this account shares with that one; from the other account, owners {A}
  // and {"self"} here list what A shares with it.
  std::vector<std::string> restorable_by{};
};

struct DescribeImagesRequest {
  std::vector<std::string> owners;     // Owner.N; empty means {"self"}
  std::vector<std::string> image_ids;  // when given, no MaxResults is sent
  std::vector<Filter> filters;
};

struct CreateSnapshotsRequest {
  std::string instance_id;
  bool exclude_boot_volume = false;
  std::vector<std::string> exclude_data_volume_ids;  // at most 40 (AWS)
  std::string description;
  TagList tags;                        // applied to every snapshot of the set
  bool copy_tags_from_volume = false;  // CopyTagsFromSource=volume
};

struct CreateSnapshotRequest {
  std::string volume_id;
  std::string description;
  TagList tags;
};

struct CopySnapshotRequest {
  std::string source_region;
  std::string source_snapshot_id;
  std::string description;
  bool encrypted = false;  // Encrypted=true; AWS refuses false, so false sends nothing
  std::string kms_key_id;  // requires encrypted
  TagList tags;
  // AWS requires a pre-signed URL when the source snapshot is encrypted; the
  // Ec2 must then have a presigner. With a presigner the URL is sent for
  // every copy, as botocore does.
  bool source_encrypted = false;
};

struct CopySnapshotResult {
  std::string snapshot_id;
  TagList tags;
};

enum class PermissionOperation { add, remove };

// ModifySnapshotAttribute Attribute=createVolumePermission with
// OperationType + UserId.N / UserGroup.N (the form both AWS and moto honour).
struct SnapshotPermissionRequest {
  std::string snapshot_id;
  PermissionOperation operation = PermissionOperation::add;
  std::vector<std::string> user_ids;  // account ids
  std::vector<std::string> groups;    // only "all" (public) exists
};

struct CreateVolumeRequest {
  std::string availability_zone;
  std::string snapshot_id;  // optional
  int size_gib = 0;         // 0: not sent (the snapshot's size)
  std::string volume_type;  // optional, e.g. gp3
  bool encrypted = false;
  std::string kms_key_id;
  TagList tags;
  int iops = 0;        // 0: not sent
  int throughput = 0;  // 0: not sent
  // Makes the request idempotent: a retry with the same token returns the
  // volume the first request made instead of a second one.
  std::string client_token;
};

struct AttachVolumeRequest {
  std::string volume_id;
  std::string instance_id;
  std::string device;
};

// --- restore: images and instances from snapshots (docs/restore.md) ---------

// One BlockDeviceMapping.N of RegisterImage or RunInstances with an EBS
// volume from a snapshot. The encryption state cannot be set here (AWS): a
// volume from an encrypted snapshot is encrypted.
struct EbsMapping {
  std::string device_name;
  std::string snapshot_id;
  int volume_size_gib = 0;  // 0: not sent (the snapshot's size)
  std::string volume_type;  // "": not sent
  int iops = 0;
  int throughput = 0;
  bool delete_on_termination = true;
};

struct RegisterImageRequest {
  std::string name;  // 3-128 characters, unique in the region
  std::string description;
  std::string root_device_name;
  std::string architecture;         // AWS defaults to i386: always send it
  std::string virtualization_type;  // AWS defaults to paravirtual: always send it
  std::string ena_support;          // "true"|"false"|"": not sent
  std::string boot_mode;            // "": not sent
  std::vector<EbsMapping> mappings;
  TagList tags;  // TagSpecification ResourceType=image
};

struct RunInstancesRequest {
  std::string image_id;
  std::string instance_type;
  std::string subnet_id;                        // "": the default VPC's default subnet
  std::vector<std::string> security_group_ids;  // SecurityGroupId.N
  std::string key_name;
  std::string availability_zone;  // Placement.AvailabilityZone; "": not sent
  std::vector<EbsMapping> mappings;
  TagList tags;         // on the instance
  TagList volume_tags;  // on its volumes
  std::string client_token;
};

template <class T>
using PageSink = std::function<void(std::vector<T>&& page)>;

// Presigns a GET of the Query request `params` (Action and Version included)
// against `region`'s endpoint and returns the whole URL. make_query_presigner
// in presign.h builds the production one from a Signer and credentials.
using QueryPresigner =
    std::function<Result<std::string>(std::string_view region, const QueryParams& params)>;

class Ec2 {
 public:
  static constexpr std::string_view api_version = "2016-11-15";

  // `region` is the region `caller` sends to (CopySnapshot's destination);
  // `presigner` is required to copy encrypted snapshots, and used for every
  // copy when given (botocore always sends PresignedUrl).
  Ec2(QueryCaller& caller, std::string region, QueryPresigner presigner = {});

  const std::string& region() const { return m_region; }

  // The regions enabled for the account (all of them with `all_regions`).
  Result<std::vector<Ec2Region>> describe_regions(bool all_regions = false) const;

  // Paginated listings: `on_page` sees each page as it arrives, possibly an
  // empty one; the list overloads collect every page.
  Result<void> describe_instances(const DescribeInstancesRequest& request,
                                  const PageSink<Ec2Instance>& on_page) const;
  Result<std::vector<Ec2Instance>> describe_instances(
      const DescribeInstancesRequest& request) const;
  Result<void> describe_volumes(const DescribeVolumesRequest& request,
                                const PageSink<Ec2Volume>& on_page) const;
  Result<std::vector<Ec2Volume>> describe_volumes(const DescribeVolumesRequest& request) const;
  Result<void> describe_snapshots(const DescribeSnapshotsRequest& request,
                                  const PageSink<Ec2Snapshot>& on_page) const;
  Result<std::vector<Ec2Snapshot>> describe_snapshots(
      const DescribeSnapshotsRequest& request) const;
  Result<void> describe_images(const DescribeImagesRequest& request,
                               const PageSink<Ec2Image>& on_page) const;
  Result<std::vector<Ec2Image>> describe_images(const DescribeImagesRequest& request) const;

  // One snapshot per attached EBS volume, taken together.
  Result<std::vector<Ec2Snapshot>> create_snapshots(const CreateSnapshotsRequest& request) const;
  Result<Ec2Snapshot> create_snapshot(const CreateSnapshotRequest& request) const;
  Result<void> delete_snapshot(std::string_view snapshot_id) const;
  // Sent to this Ec2's region, the destination.
  Result<CopySnapshotResult> copy_snapshot(const CopySnapshotRequest& request) const;
  Result<void> create_tags(const std::vector<std::string>& resource_ids, const TagList& tags) const;
  Result<void> modify_snapshot_permission(const SnapshotPermissionRequest& request) const;
  Result<Ec2Volume> create_volume(const CreateVolumeRequest& request) const;
  Result<Ec2VolumeAttachment> attach_volume(const AttachVolumeRequest& request) const;

  // --- restore (docs/restore.md) ---
  Result<void> delete_volume(std::string_view volume_id) const;
  // The new image's id.
  Result<std::string> register_image(const RegisterImageRequest& request) const;
  Result<void> deregister_image(std::string_view image_id) const;
  // One instance (MinCount=MaxCount=1).
  Result<Ec2Instance> run_instances(const RunInstancesRequest& request) const;

 private:
  QueryCaller& m_caller;
  std::string m_region;
  QueryPresigner m_presigner;
};

// Reads one DescribeSnapshots page into structs and its NextToken (empty on
// the last page). Exposed for the parsing benchmark.
Result<std::vector<Ec2Snapshot>> parse_describe_snapshots_page(const QueryResponse& response,
                                                               std::string* next_token);

}  // namespace snapkeep::aws
