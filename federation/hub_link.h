// A member's link to the provincial audit hub, on one background thread:
// - audit shipping: every second, the audit entries after the hub's cursor (the member's own log
//   is the spool, so nothing is lost while the hub is down), with a checkpoint (count, head,
//   time) signed by the node's TLS key; every sweep interval, the digests of the whole stored log
//   in blocks, and the blocks the hub asks for again;
// - the transparency log: certificates issued here wait in the meta family ("ct/spool/SERIAL",
//   written in the issue's own batch) until the hub has appended them; then, for those and for
//   certificates received at the front desk ("ct/want/SERIAL"), the inclusion proof is fetched,
//   checked against the signed checkpoint, and kept ("ct/proof/SERIAL");
// - witnessing: each new checkpoint is checked against the last one seen (the log key pinned at
//   first sight, a consistency proof between them) and cosigned; two checkpoints that cannot both
//   be true raise an alarm here (audited) and at the hub;
// - health: a report every report interval.
// Thread-safe. Start() runs the thread, Stop() (or the destructor) joins it; the *Once methods run
// one pass on the caller's thread (tests).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "base/clock.h"
#include "federation/peer_link.h"
#include "federation/state_store.h"
#include "kuaguan/v1/audit.pb.h"
#include "kuaguan/v1/hub.grpc.pb.h"

namespace kuaguan::federation {

struct HubLinkOptions {
  int64_t sweep_seconds = 60;   // the whole stored log compared with the hub's copy
  int64_t report_seconds = 60;  // health reports
  int64_t witness_seconds = 10; // checkpoints witnessed
};

class HubLink {
 public:
  // Calls `fn` for each stored audit entry with seq > `after`, in order, until it returns false.
  using AuditReader = std::function<absl::Status(const std::function<bool(const kuaguan::v1::AuditEntry&)>& fn,
                                                 uint64_t after)>;
  // The last audit entry's seq and hash as the store holds them.
  using AuditHead = std::function<std::pair<uint64_t, std::string>()>;
  // The node's facts for a health report (HubLink adds its own: checkpoint, alarms, last error).
  using HealthCollector = std::function<kuaguan::v1::HealthReport()>;

  // Everything given must outlive the link.
  HubLink(std::string archive, PeerLink* link, StateStore* store, AuditReader reader, AuditHead head,
          HealthCollector health, const base::Clock* clock, HubLinkOptions options);
  ~HubLink();

  void Start();
  void Stop() ABSL_LOCKS_EXCLUDED(wake_mu_);

  // One shipment (with the sweep when `sweep`), and the resends the hub asks for.
  absl::Status ShipOnce(bool sweep) ABSL_LOCKS_EXCLUDED(mu_);
  // Submits what waits in the spool, then fetches the proofs that are due.
  absl::Status LogOnce() ABSL_LOCKS_EXCLUDED(mu_);
  // Checks and cosigns the hub's latest checkpoint.
  absl::Status WitnessOnce() ABSL_LOCKS_EXCLUDED(mu_);
  absl::Status ReportOnce() ABSL_LOCKS_EXCLUDED(mu_);

  // kuaguan log ...: asked of the hub; a proof held here answers when the hub cannot.
  absl::StatusOr<kuaguan::v1::LogCheckpoint> Checkpoint();
  absl::StatusOr<kuaguan::v1::InclusionProof> Proof(const std::string& serial);
  absl::StatusOr<kuaguan::v1::ConsistencyProof> Consistency(uint64_t old_size, uint64_t new_size);

  // What the health report and metrics show.
  uint64_t audit_checkpoint() ABSL_LOCKS_EXCLUDED(mu_);
  std::string last_error() ABSL_LOCKS_EXCLUDED(mu_);
  std::vector<std::string> alarms() ABSL_LOCKS_EXCLUDED(mu_);

 private:
  void Run();
  // Signs (count, head) of the log as stored.
  absl::StatusOr<kuaguan::v1::SignedAuditCheckpoint> SignCheckpoint(uint64_t count, const std::string& head);
  // Records an alarm (once per text): kept, audited, reported to the hub with the next report.
  void Alarm(const std::string& text) ABSL_LOCKS_EXCLUDED(mu_);
  void Failed(const absl::Status& st) ABSL_LOCKS_EXCLUDED(mu_);
  // The log key pinned at first sight; UNAUTHENTICATED when `pem` is another.
  absl::Status PinLogKey(const std::string& pem);

  // Constant after construction.
  const std::string archive_;
  PeerLink* const link_;
  StateStore* const store_;
  const AuditReader reader_;
  const AuditHead head_;
  const HealthCollector health_;
  const base::Clock* const clock_;
  const HubLinkOptions options_;

  absl::Mutex mu_;
  bool cursor_known_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t cursor_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t accepted_ ABSL_GUARDED_BY(mu_) = 0;
  std::string last_error_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> alarms_ ABSL_GUARDED_BY(mu_);

  absl::Mutex wake_mu_;
  bool stop_ ABSL_GUARDED_BY(wake_mu_) = false;
  std::thread thread_;
};

}  // namespace kuaguan::federation
