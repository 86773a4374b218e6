// FakeEc2: an in-process EC2 behind the HttpTransport seam, for engine tests
// and scale benchmarks. It speaks the real Query wire format (form-encoded
// POST in, EC2 XML out), so everything above the transport runs unchanged:
// signing, retries, pacing, XML parsing, the typed client and the engine.
//
// Unlike moto it paginates every Describe* call (MaxResults/NextToken),
// honours Owner.1=self, can hold snapshots in pending or error state, can
// enforce EC2's token buckets on a fake clock (RequestLimitExceeded, HTTP
// 503), and counts every call per action.
//
// Restore calls model what moto does not (docs/restore.md, wave-2 facts
// B.2): CreateVolume goes creating -> available (or error) after a delay on
// the fake clock, checks the AZ, the snapshot's state, Size >= the snapshot
// and type/iops/throughput rules, and honours ClientToken; AttachVolume
// refuses another AZ (InvalidVolume.ZoneMismatch), a taken device, a volume
// not available and an instance neither running nor stopped; RegisterImage
// records its mappings, architecture (default i386), virtualization
// (default paravirtual), ENA and boot mode, and refuses a duplicate name or
// a root device without a mapping; RunInstances builds the instance from the
// image's mappings and refuses an architecture or virtualization the
// instance type cannot run; a registered image's snapshots are in use.
//
// Regions come from the SigV4 credential scope of the request, so one fake
// serves every region behind one endpoint URL, as moto does.
//
// Thread safety: send() may be called from several threads; state is guarded
// by one mutex. Fleet-building methods must not race with send().
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "aws/clock.h"
#include "aws/http.h"

namespace snapkeep::testing {

struct FakeVolume {
  std::string id{};
  std::string device{};
  int size_gib = 8;
  std::map<std::string, std::string> tags{};
  std::string type = "gp3";
  int iops = 3000;
  int throughput = 125;
  // For volumes made by CreateVolume (FakeRegion::volumes):
  std::string availability_zone{};
  std::string snapshot_id{};
  std::string state = "available";  // creating | available | in-use | error
  bool encrypted = false;
  std::string attached_to{};  // instance id; device is then the attachment's
  std::string client_token{};
  std::chrono::steady_clock::time_point ready_at{};  // creating until then
  bool fails = false;                                // error instead of available
};

struct FakeInstance {
  std::string id;
  std::string state = "running";
  std::string root_device = "/dev/xvda";
  std::string availability_zone;
  std::map<std::string, std::string> tags;
  std::vector<FakeVolume> volumes;  // volumes[0] is the root volume
  std::string instance_type = "t3.micro";
  std::string image_id = "ami-12345678";
  std::string architecture = "x86_64";
  std::string virtualization_type = "hvm";
  std::string ena_support = "true";
  std::string boot_mode = "uefi";
  std::string subnet_id;
  std::vector<std::string> security_group_ids;
  std::string key_name;
  std::string client_token;
};

struct FakeSnapshot {
  std::string id;
  std::string volume_id;
  std::string state = "completed";  // pending | completed | error
  std::string start_time = "2026-01-01T00:00:00.000Z";
  std::string owner_id;
  int size_gib = 8;
  std::string description;
  std::map<std::string, std::string> tags;
  // --- copies and sharing (CopySnapshot, ModifySnapshotAttribute)
  bool encrypted = false;
  std::string kms_key_id;
  std::string state_message;                 // why a copy ended in error
  std::optional<aws::SysTime> completes_at;  // a copy in flight: its state then
  std::string completes_as = "completed";
  std::vector<std::string> shared_with;  // createVolumePermission user ids
};

// How CopySnapshot behaves (what moto does not model, reference A.6): a copy
// stays pending for `duration` of the fake clock; at most
// `max_pending_per_region` copies may be pending in a destination region
// (AWS: 20, not adjustable), past which CopySnapshot answers
// ResourceLimitExceeded; a copy with a KMS key in `inaccessible_keys`, or of
// an encrypted source without a PresignedUrl, or one that `fails` picks, is
// accepted and ends in `error`, as AWS checks these asynchronously.
struct FakeCopyModel {
  std::chrono::seconds duration{0};
  int max_pending_per_region = 20;
  std::vector<std::string> inaccessible_keys;
  std::function<bool(const FakeSnapshot& source)> fails;
};

struct FakeMapping {
  std::string device;
  std::string snapshot_id;
  int size_gib = 0;
  std::string type;
  int iops = 0;
  int throughput = 0;
  bool delete_on_termination = true;
};

struct FakeImage {
  std::string id;
  std::vector<std::string> snapshot_ids;
  // Set by RegisterImage:
  std::string name;
  std::string root_device;
  std::string architecture;
  std::string virtualization_type;
  std::string ena_support;
  std::string boot_mode;
  std::vector<FakeMapping> mappings;
  std::map<std::string, std::string> tags;
};

struct FakeRegion {
  std::vector<FakeInstance> instances;
  std::map<std::string, FakeSnapshot> snapshots;  // by id
  std::vector<FakeImage> images;
  std::map<std::string, FakeVolume> volumes;    // made by CreateVolume, by id
  std::map<std::string, std::string> subnets;   // subnet id -> AZ
  std::vector<std::string> availability_zones;  // empty: <region>a, b, c
};

// One request as the fault hook sees it.
struct FakeCall {
  std::string region;
  std::string action;
  std::map<std::string, std::string> params;  // the decoded form body
  std::int64_t number = 0;                    // 1-based count of this action's requests
};

// When the fault hook is asked: before the request is carried out (an answer
// returned then replaces it, and the state is unchanged), or after (an answer
// returned then replaces the real one, and the state has changed: the
// ambiguous failure a retry must not duplicate).
enum class FaultStage { before, after };

// Returns nullopt to leave the request alone. It runs under the fake's lock,
// so it must not call back into the FakeEc2.
using FaultHook = std::function<std::optional<aws::Result<aws::HttpResponse>>(
    FaultStage stage, const FakeCall& call)>;

// An EC2 error answer as AWS sends it, for fault hooks.
aws::HttpResponse fake_error_answer(int status, std::string_view code, std::string_view message);

class FakeEc2 final : public aws::HttpTransport {
 public:
  // `clock` stamps new snapshots and, when token buckets are on, paces them.
  explicit FakeEc2(aws::Clock& clock, std::string account_id = "123456789012");

  aws::Result<aws::HttpResponse> send(const aws::HttpRequest& request) override;

  // Direct access to a region's state, for building fleets and checking results.
  FakeRegion& region(const std::string& name);
  std::string next_id(const std::string& prefix);
  const std::string& account_id() const { return m_account_id; }

  // EC2's documented token buckets per action (burst, refill per second),
  // measured on the fake clock's monotonic time. Off by default.
  void enable_throttling(bool on) { m_throttling = on; }
  // Page size used when a Describe* request sends no MaxResults.
  void set_default_page_size(int size) { m_default_page_size = size; }
  // Faults to inject (see FaultHook); an empty function removes the hook.
  void set_fault_hook(FaultHook hook) {
    std::lock_guard lock(m_mutex);
    m_fault_hook = std::move(hook);
  }

  void set_copy_model(FakeCopyModel model) {
    std::lock_guard lock(m_mutex);
    m_copy_model = std::move(model);
  }
  // CopySnapshot requests refused with ResourceLimitExceeded.
  std::int64_t copy_limit_refusals() const {
    std::lock_guard lock(m_mutex);
    return m_copy_refusals;
  }
  // How long CreateVolume's volumes stay `creating` (fake clock): `base` plus
  // `per_gib` per GiB of size. Zero (the default) makes them available at once.
  void set_volume_creation_time(std::chrono::milliseconds base,
                                std::chrono::milliseconds per_gib = {}) {
    std::lock_guard lock(m_mutex);
    m_volume_base = base;
    m_volume_per_gib = per_gib;
  }
  // Volumes created from this snapshot end in `error` instead of `available`.
  void fail_volumes_from(const std::string& snapshot_id) {
    std::lock_guard lock(m_mutex);
    m_failing_snapshots.push_back(snapshot_id);
  }

  // Another account's EC2, whose snapshots shared with this account
  // (createVolumePermission) CopySnapshot may read, as EC2 lets it. Only
  // this fake reads the peer, never the other way round.
  void add_peer(const FakeEc2& other) {
    std::lock_guard lock(m_mutex);
    m_peers.push_back(&other);
  }
  // The snapshot `id` of `region` when it is shared with `account`.
  std::optional<FakeSnapshot> shared_snapshot(const std::string& region, const std::string& id,
                                              const std::string& account) const;

  // Calls per action (every request, throttled or not) and throttled calls.
  std::map<std::string, std::int64_t> calls() const;
  std::map<std::string, std::int64_t> throttled() const;
  void reset_counters();

 private:
  struct Bucket {
    double tokens = 0;
    double burst = 0;
    double refill = 0;
    std::chrono::steady_clock::time_point last{};
  };
  using Params = std::map<std::string, std::string>;

  bool take_token(const std::string& region, const std::string& action);
  std::string dispatch(const std::string& region, const std::string& action, const Params& params,
                       int& status);
  std::string describe_instances(FakeRegion& r, const Params& p, int& status);
  std::string describe_volumes(FakeRegion& r, const Params& p, int& status);
  std::string describe_snapshots(FakeRegion& r, const Params& p, int& status);
  std::string describe_images(FakeRegion& r, const Params& p, int& status);
  std::string describe_regions();
  std::string create_snapshots(FakeRegion& r, const Params& p, int& status);
  std::string create_tags(FakeRegion& r, const Params& p, int& status);
  std::string delete_snapshot(FakeRegion& r, const Params& p, int& status);
  // --- copies and sharing
  void settle_copies();
  std::string copy_snapshot(const std::string& region, const Params& p, int& status);
  std::string modify_snapshot_attribute(FakeRegion& r, const Params& p, int& status);
  // Restore (see the header comment).
  void advance_volumes(FakeRegion& r);
  std::string create_volume(const std::string& region, FakeRegion& r, const Params& p, int& status);
  std::string attach_volume(FakeRegion& r, const Params& p, int& status);
  std::string delete_volume(FakeRegion& r, const Params& p, int& status);
  std::string register_image(FakeRegion& r, const Params& p, int& status);
  std::string deregister_image(FakeRegion& r, const Params& p, int& status);
  std::string run_instances(const std::string& region, FakeRegion& r, const Params& p, int& status);

  aws::Clock& m_clock;
  std::string m_account_id;
  std::vector<const FakeEc2*> m_peers;
  mutable std::mutex m_mutex;
  std::map<std::string, FakeRegion> m_regions;
  std::map<std::string, Bucket> m_buckets;  // region + '/' + action
  std::map<std::string, std::int64_t> m_calls;
  std::map<std::string, std::int64_t> m_throttled;
  std::uint64_t m_next_id = 1;
  FaultHook m_fault_hook;
  FakeCopyModel m_copy_model;
  std::vector<std::pair<std::string, std::string>> m_copies_in_flight;  // (region, id)
  std::int64_t m_copy_refusals = 0;
  bool m_throttling = false;
  int m_default_page_size = 1000;
  std::chrono::milliseconds m_volume_base{0};
  std::chrono::milliseconds m_volume_per_gib{0};
  std::vector<std::string> m_failing_snapshots;
};

}  // namespace snapkeep::testing
