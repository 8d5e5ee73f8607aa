#include "seal/audit_chain.h"

#include "absl/strings/str_cat.h"
#include "seal/digest.h"

namespace kuaguan::seal {

std::string AuditEntryHash(const kuaguan::v1::AuditEntry& entry) {
  kuaguan::v1::AuditEntry copy = entry;
  copy.clear_hash();
  return Sm3(SerializeDeterministic(copy));
}

void SealAuditEntry(uint64_t prev_seq, const std::string& prev_hash,
                    kuaguan::v1::AuditEntry* entry) {
  entry->set_seq(prev_seq + 1);
  entry->set_prev_hash(prev_hash);
  entry->set_hash(AuditEntryHash(*entry));
}

absl::Status AuditChainVerifier::Add(const kuaguan::v1::AuditEntry& entry) {
  if (entry.seq() != last_seq_ + 1) {
    return absl::DataLossError(absl::StrCat("audit entry ", entry.seq(), ": expected seq ",
                                            last_seq_ + 1, " (entries missing or repeated)"));
  }
  if (entry.prev_hash() != last_hash_) {
    return absl::DataLossError(absl::StrCat("audit entry ", entry.seq(),
                                            ": previous hash does not match entry ", last_seq_));
  }
  if (AuditEntryHash(entry) != entry.hash()) {
    return absl::DataLossError(
        absl::StrCat("audit entry ", entry.seq(), ": content does not match its hash"));
  }
  ++entries_;
  last_seq_ = entry.seq();
  last_hash_ = entry.hash();
  return absl::OkStatus();
}

}  // namespace kuaguan::seal
