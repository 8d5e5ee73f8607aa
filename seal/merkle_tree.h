// The transparency log's Merkle tree (RFC 6962, RFC 9162 §2.1) with SHA-256: leaf and node
// hashes, an append-only tree that answers roots and proofs for any of its past sizes, and the
// verifiers of inclusion and consistency proofs (RFC 9162 §2.1.3.2, §2.1.4.2). Hashes are raw
// 32-byte strings. Pure: no store, no network. The free functions are thread-safe; MerkleTree is
// thread-compatible (const methods may run concurrently; Append needs the caller's lock).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace kuaguan::seal {

// Bytes in a hash (SHA-256).
inline constexpr size_t kMerkleHashBytes = 32;
// Hashes a proof may hold: a tree of 2^64 leaves needs at most 64 (consistency: 64 with the seed).
inline constexpr size_t kMaxProofHashes = 64;

// SHA-256(0x00 || leaf): the hash of one log entry.
std::string LeafHash(absl::string_view leaf);

// SHA-256(0x01 || left || right): the hash of an interior node.
std::string NodeHash(absl::string_view left, absl::string_view right);

// An append-only Merkle tree over leaf hashes. It keeps every leaf hash and the hash of every
// complete subtree (about 64 bytes a leaf), so Append costs amortized O(1) node hashes and Root,
// InclusionProof and ConsistencyProof cost O(log n) lookups and hashes for any size up to size().
class MerkleTree {
 public:
  MerkleTree() = default;

  // Appends `leaf_hash` (exactly 32 bytes, as LeafHash returns) and returns its index, the
  // tree's size before the call. INVALID_ARGUMENT, and nothing appended, for another length.
  absl::StatusOr<uint64_t> Append(absl::string_view leaf_hash);

  // The number of leaves.
  uint64_t size() const { return size_; }

  // The root hash MTH of the first `size` leaves; SHA-256("") for size 0. OUT_OF_RANGE when the
  // tree has fewer than `size` leaves.
  absl::StatusOr<std::string> Root(uint64_t size) const;

  // The audit path PATH(index, D[0:size]) of leaf `index` in the tree of the first `size`
  // leaves, from the leaf's sibling up (what VerifyInclusion takes). INVALID_ARGUMENT when
  // index >= size; OUT_OF_RANGE when the tree has fewer than `size` leaves.
  absl::StatusOr<std::vector<std::string>> InclusionProof(uint64_t index, uint64_t size) const;

  // The consistency proof PROOF(old_size, D[0:new_size]) (what VerifyConsistency takes); empty
  // when old_size is 0 or equals new_size. INVALID_ARGUMENT when old_size > new_size;
  // OUT_OF_RANGE when the tree has fewer than `new_size` leaves.
  absl::StatusOr<std::vector<std::string>> ConsistencyProof(uint64_t old_size,
                                                            uint64_t new_size) const;

 private:
  // The hash of the complete subtree of 2^level leaves starting at leaf `index << level`.
  absl::string_view Subtree(int level, uint64_t index) const;
  // MTH(D[begin:end]), end > begin, for a range the RFC's recursion from D[0:n] reaches: its
  // complete subtrees then start at multiples of their widths and are all in levels_.
  std::string RangeHash(uint64_t begin, uint64_t end) const;

  uint64_t size_ = 0;
  // levels_[k] holds, 32 bytes each in order, the hashes of the complete subtrees of 2^k leaves:
  // levels_[0] the leaf hashes, levels_[k][i] = NodeHash(levels_[k-1][2i], levels_[k-1][2i+1]).
  std::vector<std::string> levels_;
};

// Checks that `proof` shows the leaf hash `leaf_hash` at `index` in the tree of `size` leaves
// whose root is `root` (RFC 9162 §2.1.3.2). INVALID_ARGUMENT when the inputs cannot describe a
// proof (index >= size, a hash not of 32 bytes, more than 64 proof hashes); UNAUTHENTICATED when
// the proof has the wrong number of hashes for (index, size) or leads to another root. Each
// error says what does not match.
absl::Status VerifyInclusion(absl::string_view leaf_hash, uint64_t index, uint64_t size,
                             const std::vector<std::string>& proof, absl::string_view root);

// Checks that `proof` shows the tree of `old_size` leaves with root `old_root` to be a prefix of
// the tree of `new_size` leaves with root `new_root` (RFC 9162 §2.1.4.2). When old_size is 0 the
// proof must be empty (every tree extends the empty tree); when the sizes are equal the proof
// must be empty and the roots equal. INVALID_ARGUMENT when the inputs cannot describe a proof
// (old_size > new_size, a hash not of 32 bytes, more than 64 proof hashes); UNAUTHENTICATED when
// the proof has the wrong number of hashes or does not lead to both roots. Each error says what
// does not match.
absl::Status VerifyConsistency(uint64_t old_size, uint64_t new_size, absl::string_view old_root,
                               absl::string_view new_root, const std::vector<std::string>& proof);

}  // namespace kuaguan::seal
