// What the federation runtime keeps in the node's store, reached through this interface so that
// federation/ never includes node/ (node::Store implements it over RocksDB). Keys live in a few
// families; every change is one atomic, fsync'd write together with the audit entry that records
// it, so a crash leaves all or nothing. Nothing is removed but acknowledged outbox messages.
// Implementations are thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace kuaguan::federation {

// What an audit entry says; the store adds time, sequence and chain hashes.
struct AuditNote {
  std::string actor;
  std::string action;
  std::string object;
  std::string outcome = "ok";
};

// Column families written by key. kPages: derived page images made on first use.
enum class Family { kMeta, kRequests, kCertificates, kOutbox, kPages };

// One key written (value set) or removed (value empty: only outbox messages once acknowledged).
struct KeyWrite {
  Family family;
  std::string key;
  std::optional<std::string> value;
};

class StateStore {
 public:
  virtual ~StateStore() = default;

  // Applies `writes` together with one audit entry, atomically and fsync'd. An error leaves the
  // store as it was.
  virtual absl::Status Write(const std::vector<KeyWrite>& writes, const AuditNote& note) = 0;
  // Appends one audit entry alone (reads, refusals).
  virtual absl::Status Audit(const AuditNote& note) = 0;
  // The value under `key` in `family`, or nullopt.
  virtual absl::StatusOr<std::optional<std::string>> Get(Family family, const std::string& key) = 0;
  // Every (key, value) of `family` whose key starts with `prefix`, in key order.
  virtual absl::StatusOr<std::vector<std::pair<std::string, std::string>>> Scan(
      Family family, const std::string& prefix) = 0;
  // The key (32 bytes) for keyed hashes of identity numbers (the federation's once enrolled).
  virtual absl::StatusOr<std::string> PersonKey() = 0;
  // Installs the federation's person key (at enrollment), with an audit entry.
  virtual absl::Status SetFederationPersonKey(const std::string& key, const AuditNote& note) = 0;

  // The meta family (federation state: members, tokens, the directory, counters).
  absl::Status PutMeta(const std::vector<std::pair<std::string, std::string>>& entries,
                       const AuditNote& note);
  absl::StatusOr<std::optional<std::string>> GetMeta(const std::string& key) {
    return Get(Family::kMeta, key);
  }
  absl::StatusOr<std::vector<std::pair<std::string, std::string>>> ScanMeta(
      const std::string& prefix) {
    return Scan(Family::kMeta, prefix);
  }
};

// Big-endian encoding of a sequence number: keys that sort in numeric order.
std::string SeqKey(uint64_t seq);

}  // namespace kuaguan::federation
