// The certificate transparency log (provincial node): every certificate a member issues
// (serial, SM3 of the file, issuing archive, time) is a leaf of an append-only Merkle tree with
// RFC 6962 hashing (seal/merkle_tree.h). Each accepted submission is merged at once and a new
// checkpoint signed by the hub's log key (ECDSA P-256) in the C2SP signed-note form
// (seal/signed_note.h); members witness checkpoints and their cosignatures are served with the
// note. Leaves, the serial index, notes and cosignatures are kept in the store's meta family
// ("ct/..."), one write per submission; the tree is rebuilt in memory at start.
// Thread-safe: one mutex.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "base/clock.h"
#include "federation/state_store.h"
#include "kuaguan/v1/hub.pb.h"
#include "kuaguan/v1/request.pb.h"
#include "seal/merkle_tree.h"

namespace Botan {
class Private_Key;
}

namespace kuaguan::federation {

// What the log holds of `certificate`, issued by `archive`.
kuaguan::v1::LogEntry LogEntryOf(const kuaguan::v1::IssuedCertificate& certificate, const std::string& archive);

class TransparencyLog {
 public:
  static constexpr int kMaxSubmission = 1000;

  // Opens the log named `origin` (the checkpoint's first line), its key at `key_path` (made
  // encrypted under `passphrase` on first start). `store` and `clock` must outlive it.
  static absl::StatusOr<std::unique_ptr<TransparencyLog>> Open(StateStore* store, const base::Clock* clock,
                                                               const std::string& origin,
                                                               const std::filesystem::path& key_path,
                                                               const std::string& passphrase);
  ~TransparencyLog();

  // Appends the certificates member `submission.from()` issued (each of its own archive; a
  // serial already logged with the same digest keeps its index; with another digest:
  // ALREADY_EXISTS) and signs a new checkpoint. INVALID_ARGUMENT naming a malformed entry.
  absl::StatusOr<kuaguan::v1::LogSubmitted> Submit(const kuaguan::v1::LogSubmission& submission)
      ABSL_LOCKS_EXCLUDED(mu_);
  // The latest checkpoint with the cosignatures it has gathered.
  absl::StatusOr<kuaguan::v1::LogCheckpoint> Checkpoint() ABSL_LOCKS_EXCLUDED(mu_);
  // The inclusion proof of certificate `serial` in the tree of `tree_size` (0: the latest);
  // NOT_FOUND when it was never logged, OUT_OF_RANGE when no checkpoint of that size was signed.
  absl::StatusOr<kuaguan::v1::InclusionProof> Inclusion(const std::string& serial, uint64_t tree_size)
      ABSL_LOCKS_EXCLUDED(mu_);
  // The consistency proof between two signed checkpoints (new_size 0: the latest).
  absl::StatusOr<kuaguan::v1::ConsistencyProof> Consistency(uint64_t old_size, uint64_t new_size)
      ABSL_LOCKS_EXCLUDED(mu_);
  // Keeps member `from`'s cosignature of the checkpoint of `size`, after checking it with the
  // member's certificate `cert_pem`. UNAUTHENTICATED for a bad signature.
  absl::Status Cosign(const kuaguan::v1::Cosignature& cosignature, const std::string& cert_pem)
      ABSL_LOCKS_EXCLUDED(mu_);

  uint64_t size() ABSL_LOCKS_EXCLUDED(mu_);
  const std::string& log_key_pem() const { return public_pem_; }
  const std::string& origin() const { return origin_; }

 private:
  TransparencyLog() = default;
  // The note signed for `size` with the cosignatures gathered for it; OUT_OF_RANGE when none.
  absl::StatusOr<std::string> NoteLocked(uint64_t size, std::vector<std::string>* witnesses)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  StateStore* store_ = nullptr;
  const base::Clock* clock_ = nullptr;
  std::string origin_;
  std::unique_ptr<Botan::Private_Key> key_;
  std::string public_pem_;

  absl::Mutex mu_;
  seal::MerkleTree tree_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::pair<uint64_t, std::string>> serials_ ABSL_GUARDED_BY(mu_);  // serial -> index, sm3
  std::string note_ ABSL_GUARDED_BY(mu_);  // the latest signed note (older ones in the store)
};

}  // namespace kuaguan::federation
