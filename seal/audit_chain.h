// The audit hash chain: how an entry's hash is computed and how a run of entries is checked.
// Storage of the entries is the node's business; this is the pure rule. Thread-compatible.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "kuaguan/v1/audit.pb.h"

namespace kuaguan::seal {

// SM3 over the deterministic encoding of `entry` with its `hash` field cleared.
std::string AuditEntryHash(const kuaguan::v1::AuditEntry& entry);

// Fills entry->seq, prev_hash and hash so that it follows an entry whose seq and hash are given
// (prev_seq 0 and empty prev_hash for the first entry).
void SealAuditEntry(uint64_t prev_seq, const std::string& prev_hash,
                    kuaguan::v1::AuditEntry* entry);

// Checks entries one by one in order. Add() returns an error naming the first entry that breaks
// the chain: a gap or repeat in seq, a prev_hash that is not the previous hash, or a stored hash
// that does not match the entry's content.
class AuditChainVerifier {
 public:
  absl::Status Add(const kuaguan::v1::AuditEntry& entry);
  uint64_t entries() const { return entries_; }
  uint64_t last_seq() const { return last_seq_; }

 private:
  uint64_t entries_ = 0;
  uint64_t last_seq_ = 0;
  std::string last_hash_;
};

}  // namespace kuaguan::seal
