// The audit hub (provincial node): keeps a copy of every member's hash-chained audit log, as
// shipped with the member's signed checkpoints, and raises an alarm — naming the member, the
// first bad entry and what is wrong — when a member's log no longer agrees with the copy:
// an entry rewritten (even with the chain recomputed to the end), dropped, reordered, or the log
// truncated or forked. New entries are accepted only when they extend the copy: consecutive
// sequence numbers, each prev_hash the hash before it, each hash recomputed from the content,
// under a checkpoint signed by the member's TLS key that names the last of them. The member also
// sends, each sweep, the digests of its stored log in blocks of kAuditBlock entries; a block that
// differs from the copy is asked for again and compared entry by entry. After an alarm the
// member's shipments are refused (the copy stays as it was) until it is resolved by hand.
// Everything is kept in the store's meta family ("hub/...") in one write per shipment.
// Thread-safe: one mutex per hub (shipments are small and quick).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "base/clock.h"
#include "federation/state_store.h"
#include "kuaguan/v1/hub.pb.h"

namespace kuaguan::federation {

// Entries a block digest covers, and the most entries one shipment may carry.
inline constexpr uint64_t kAuditBlock = 1024;
inline constexpr int kMaxShipEntries = 2048;

// SM3 over (big-endian seq || hash) of each entry of `entries`, in order: one block's digest.
std::string AuditBlockDigest(const std::vector<std::pair<uint64_t, std::string>>& entries);

class AuditHub {
 public:
  // `cert_of(code)` gives member `code`'s registered TLS certificate (nullopt: not a member).
  using CertLookup = std::function<std::optional<std::string>(const std::string& code)>;
  // `store`, `clock` must outlive the hub. Loads every member's cursor and open alarms.
  static absl::StatusOr<std::unique_ptr<AuditHub>> Open(StateStore* store, const base::Clock* clock,
                                                        CertLookup cert_of);

  // A shipment from member `shipment.from()` (already authenticated by its TLS certificate).
  // Answers the cursor after it, blocks to resend, or the alarm raised. INVALID_ARGUMENT for a
  // malformed shipment (too many entries, a bad signature, a checkpoint of another archive).
  absl::StatusOr<kuaguan::v1::AuditShipAck> Ship(const kuaguan::v1::AuditShipment& shipment)
      ABSL_LOCKS_EXCLUDED(mu_);
  // Where member `code`'s copy ends.
  kuaguan::v1::AuditShipAck Cursor(const std::string& code) ABSL_LOCKS_EXCLUDED(mu_);

  // Entries across members matching `query` (oldest first within a member, members in code
  // order). INVALID_ARGUMENT for a bad date or a limit above 10000.
  absl::StatusOr<kuaguan::v1::HubAuditList> Query(const kuaguan::v1::HubAuditQuery& query);

  // Raises an alarm of `kind` on member `code` from elsewhere (a witness's log inconsistency):
  // kept and audited; the same open alarm is not raised twice.
  absl::Status RaiseAlarm(const std::string& code, const std::string& kind, const std::string& detail)
      ABSL_LOCKS_EXCLUDED(mu_);
  // Closes alarm `id` (audit-mismatch or log-inconsistency) as `actor` with `reason`: a state,
  // kept and audited. A member whose audit alarms are all closed ships again; the hub's copy is
  // unchanged, so a log still differing raises a new alarm at the next sweep (restore the log
  // first). NOT_FOUND for an unknown id, FAILED_PRECONDITION when it is closed already.
  absl::StatusOr<kuaguan::v1::Alarm> Resolve(const std::string& id, const std::string& reason,
                                             const std::string& actor) ABSL_LOCKS_EXCLUDED(mu_);
  // Every alarm raised (open ones first).
  std::vector<kuaguan::v1::Alarm> Alarms() ABSL_LOCKS_EXCLUDED(mu_);
  // Entries held for each member, and when the last arrived.
  struct Held {
    uint64_t entries = 0;
    int64_t last_micros = 0;
  };
  std::map<std::string, Held> Holdings() ABSL_LOCKS_EXCLUDED(mu_);

 private:
  struct Copy {
    uint64_t count = 0;
    std::string head;
    int64_t last_micros = 0;
    uint64_t checkpoint_count = 0;
    std::vector<std::string> blocks;  // digests of the complete blocks held
    bool alarmed = false;
  };
  AuditHub() = default;
  // The hub's entries of `code` at positions [from, to) (1-based sequence numbers).
  absl::StatusOr<std::vector<kuaguan::v1::AuditEntry>> Entries(const std::string& code, uint64_t from, uint64_t to);
  absl::StatusOr<std::string> BlockDigest(const std::string& code, const Copy& copy, uint64_t block)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Compares resent entries (positions from block * kAuditBlock + 1) with the copy: the alarm's
  // detail and first bad entry, or nullopt when they agree.
  absl::StatusOr<std::optional<std::pair<uint64_t, std::string>>> Compare(
      const std::string& code, const Copy& copy, const kuaguan::v1::AuditShipment& shipment)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status RaiseLocked(const std::string& code, Copy* copy, uint64_t entry, const std::string& detail)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status KeepAlarmLocked(kuaguan::v1::Alarm alarm) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  kuaguan::v1::AuditShipAck AckOf(const Copy& copy) const;

  StateStore* store_ = nullptr;
  const base::Clock* clock_ = nullptr;
  CertLookup cert_of_;

  absl::Mutex mu_;
  std::map<std::string, Copy> copies_ ABSL_GUARDED_BY(mu_);
  std::vector<kuaguan::v1::Alarm> alarms_ ABSL_GUARDED_BY(mu_);
};

}  // namespace kuaguan::federation
