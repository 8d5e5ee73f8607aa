#include "seal/merkle_tree.h"

#include <botan/hash.h>

#include <algorithm>
#include <bit>
#include <memory>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "seal/digest.h"

namespace kuaguan::seal {
namespace {

// One SHA-256 object a thread, so that a proof's dozens of node hashes do not each look up and
// allocate a hash function.
Botan::HashFunction& Sha256Function() {
  thread_local const std::unique_ptr<Botan::HashFunction> hash =
      Botan::HashFunction::create_or_throw("SHA-256");
  return *hash;
}

std::string HashWithPrefix(uint8_t prefix, absl::string_view a, absl::string_view b) {
  Botan::HashFunction& hash = Sha256Function();
  hash.update(prefix);
  hash.update(reinterpret_cast<const uint8_t*>(a.data()), a.size());
  hash.update(reinterpret_cast<const uint8_t*>(b.data()), b.size());
  std::string out(kMerkleHashBytes, '\0');
  hash.final(reinterpret_cast<uint8_t*>(out.data()));
  return out;
}

// The largest power of two below n, for n >= 2 (the RFC's k).
uint64_t SplitPoint(uint64_t n) { return uint64_t{1} << (std::bit_width(n - 1) - 1); }

// The 1-bits of `v` above its lowest `skip` bits (skip may be 64).
int OnesAbove(uint64_t v, int skip) { return skip >= 64 ? 0 : std::popcount(v >> skip); }

// The hashes an inclusion proof of leaf `index` in a tree of `size` leaves holds (index < size):
// the levels below where the leaf's path and the last leaf's part, plus the right border above.
size_t InclusionProofLength(uint64_t index, uint64_t size) {
  const int inner = std::bit_width(index ^ (size - 1));
  return static_cast<size_t>(inner + OnesAbove(index, inner));
}

// The hashes a consistency proof from `old_size` to `new_size` holds (0 < old_size < new_size).
size_t ConsistencyProofLength(uint64_t old_size, uint64_t new_size) {
  const int inner = std::bit_width((old_size - 1) ^ (new_size - 1));
  const int border = OnesAbove(old_size - 1, inner);
  const int seed = std::has_single_bit(old_size) ? 0 : 1;  // the old root is itself a node
  return static_cast<size_t>(seed + inner - std::countr_zero(old_size) + border);
}

// RFC 9162's "if LSB(fn) is not set, right-shift both fn and sn equally until either LSB(fn)
// is set or fn is 0": up past the levels where the node is the last of its level, with no right
// sibling, and is carried up unchanged.
void SkipLeftBorder(uint64_t* fn, uint64_t* sn) {
  while ((*fn & 1) == 0 && *fn != 0) {
    *fn >>= 1;
    *sn >>= 1;
  }
}

absl::Status CheckHash(absl::string_view what, absl::string_view hash) {
  if (hash.size() != kMerkleHashBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " is ", hash.size(), " bytes; a SHA-256 hash is ", kMerkleHashBytes));
  }
  return absl::OkStatus();
}

absl::Status CheckProof(const std::vector<std::string>& proof) {
  if (proof.size() > kMaxProofHashes) {
    return absl::InvalidArgumentError(
        absl::StrCat("the proof has ", proof.size(), " hashes; at most ", kMaxProofHashes));
  }
  for (size_t i = 0; i < proof.size(); ++i) {
    RETURN_IF_ERROR(CheckHash(absl::StrCat("proof hash ", i), proof[i]));
  }
  return absl::OkStatus();
}

}  // namespace

std::string LeafHash(absl::string_view leaf) { return HashWithPrefix(0x00, leaf, {}); }

std::string NodeHash(absl::string_view left, absl::string_view right) {
  return HashWithPrefix(0x01, left, right);
}

absl::StatusOr<uint64_t> MerkleTree::Append(absl::string_view leaf_hash) {
  RETURN_IF_ERROR(CheckHash("the leaf hash", leaf_hash));
  if (levels_.empty()) levels_.emplace_back();
  levels_[0].append(leaf_hash.data(), leaf_hash.size());
  const uint64_t index = size_++;
  // Each time the new node is a right child, its parent's subtree is complete: hash it.
  uint64_t i = index;
  for (size_t level = 0; (i & 1) == 1; ++level, i >>= 1) {
    std::string parent =
        NodeHash(Subtree(static_cast<int>(level), i - 1), Subtree(static_cast<int>(level), i));
    if (levels_.size() == level + 1) levels_.emplace_back();
    levels_[level + 1] += parent;
  }
  return index;
}

absl::string_view MerkleTree::Subtree(int level, uint64_t index) const {
  return absl::string_view(levels_[static_cast<size_t>(level)])
      .substr(index * kMerkleHashBytes, kMerkleHashBytes);
}

std::string MerkleTree::RangeHash(uint64_t begin, uint64_t end) const {
  const uint64_t width = end - begin;
  if (std::has_single_bit(width)) {
    const int level = std::countr_zero(width);
    return std::string(Subtree(level, begin >> level));
  }
  const uint64_t k = SplitPoint(width);
  return NodeHash(RangeHash(begin, begin + k), RangeHash(begin + k, end));
}

absl::StatusOr<std::string> MerkleTree::Root(uint64_t size) const {
  if (size > size_) {
    return absl::OutOfRangeError(
        absl::StrCat("no root of size ", size, ": the tree has ", size_, " leaves"));
  }
  if (size == 0) return Sha256("");
  return RangeHash(0, size);
}

absl::StatusOr<std::vector<std::string>> MerkleTree::InclusionProof(uint64_t index,
                                                                    uint64_t size) const {
  if (index >= size) {
    return absl::InvalidArgumentError(absl::StrCat(
        "no inclusion proof of leaf ", index, " in a tree of ", size, " leaves (index >= size)"));
  }
  if (size > size_) {
    return absl::OutOfRangeError(absl::StrCat("no inclusion proof in a tree of size ", size,
                                              ": the tree has ", size_, " leaves"));
  }
  // PATH(m, D[begin:end]) from the root down; the RFC lists the siblings from the leaf up.
  std::vector<std::string> proof;
  uint64_t begin = 0, end = size;
  while (end - begin > 1) {
    const uint64_t k = SplitPoint(end - begin);
    if (index < begin + k) {
      proof.push_back(RangeHash(begin + k, end));
      end = begin + k;
    } else {
      proof.push_back(RangeHash(begin, begin + k));
      begin += k;
    }
  }
  std::reverse(proof.begin(), proof.end());
  return proof;
}

absl::StatusOr<std::vector<std::string>> MerkleTree::ConsistencyProof(uint64_t old_size,
                                                                      uint64_t new_size) const {
  if (old_size > new_size) {
    return absl::InvalidArgumentError(absl::StrCat("no consistency proof from size ", old_size,
                                                   " to the smaller size ", new_size));
  }
  if (new_size > size_) {
    return absl::OutOfRangeError(absl::StrCat("no consistency proof to size ", new_size,
                                              ": the tree has ", size_, " leaves"));
  }
  std::vector<std::string> proof;
  if (old_size == 0 || old_size == new_size) return proof;
  // SUBPROOF(m, D[begin:end], b) from the root down, m counted from `begin`.
  uint64_t m = old_size, begin = 0, end = new_size;
  bool whole_old_tree = true;  // the RFC's b: D[begin:begin+m] is the old tree itself
  while (true) {
    const uint64_t width = end - begin;
    if (m == width) {
      if (!whole_old_tree) proof.push_back(RangeHash(begin, end));
      break;
    }
    const uint64_t k = SplitPoint(width);
    if (m <= k) {
      proof.push_back(RangeHash(begin + k, end));
      end = begin + k;
    } else {
      proof.push_back(RangeHash(begin, begin + k));
      m -= k;
      begin += k;
      whole_old_tree = false;
    }
  }
  std::reverse(proof.begin(), proof.end());
  return proof;
}

absl::Status VerifyInclusion(absl::string_view leaf_hash, uint64_t index, uint64_t size,
                             const std::vector<std::string>& proof, absl::string_view root) {
  RETURN_IF_ERROR(CheckHash("the leaf hash", leaf_hash));
  RETURN_IF_ERROR(CheckHash("the root", root));
  RETURN_IF_ERROR(CheckProof(proof));
  if (index >= size) {
    return absl::InvalidArgumentError(
        absl::StrCat("leaf ", index, " is not in a tree of ", size, " leaves (index >= size)"));
  }
  const size_t want = InclusionProofLength(index, size);
  if (proof.size() != want) {
    return absl::UnauthenticatedError(absl::StrCat("the inclusion proof has ", proof.size(),
                                                   " hashes; leaf ", index, " in a tree of ", size,
                                                   " leaves needs ", want));
  }
  // RFC 9162 §2.1.3.2.
  uint64_t fn = index, sn = size - 1;
  std::string r(leaf_hash);
  for (const std::string& p : proof) {
    if (sn == 0) {
      return absl::UnauthenticatedError("the inclusion proof is longer than the leaf's path");
    }
    if ((fn & 1) == 1 || fn == sn) {
      r = NodeHash(p, r);
      SkipLeftBorder(&fn, &sn);
    } else {
      r = NodeHash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) {
    return absl::UnauthenticatedError("the inclusion proof is shorter than the leaf's path");
  }
  if (r != root) {
    return absl::UnauthenticatedError(
        absl::StrCat("the inclusion proof of leaf ", index, " leads to root ", ToHex(r),
                     ", not to the tree head's root ", ToHex(root), " of size ", size));
  }
  return absl::OkStatus();
}

absl::Status VerifyConsistency(uint64_t old_size, uint64_t new_size, absl::string_view old_root,
                               absl::string_view new_root, const std::vector<std::string>& proof) {
  RETURN_IF_ERROR(CheckHash("the old root", old_root));
  RETURN_IF_ERROR(CheckHash("the new root", new_root));
  RETURN_IF_ERROR(CheckProof(proof));
  if (old_size > new_size) {
    return absl::InvalidArgumentError(
        absl::StrCat("the old size ", old_size, " is larger than the new size ", new_size));
  }
  if (old_size == new_size || old_size == 0) {
    if (!proof.empty()) {
      return absl::UnauthenticatedError(
          absl::StrCat("a consistency proof from size ", old_size, " to size ", new_size,
                       " is empty; this one has ", proof.size(), " hashes"));
    }
    if (old_size == new_size && old_root != new_root) {
      return absl::UnauthenticatedError(absl::StrCat("two trees of the same size ", old_size,
                                                     " have different roots ", ToHex(old_root),
                                                     " and ", ToHex(new_root)));
    }
    return absl::OkStatus();
  }
  const size_t want = ConsistencyProofLength(old_size, new_size);
  if (proof.size() != want) {
    return absl::UnauthenticatedError(absl::StrCat("the consistency proof has ", proof.size(),
                                                   " hashes; from size ", old_size, " to size ",
                                                   new_size, " it needs ", want));
  }
  // RFC 9162 §2.1.4.2; when old_size is a power of two the old root is the path's first node.
  size_t next = 0;
  std::string fr, sr;
  if (std::has_single_bit(old_size)) {
    fr = std::string(old_root);
  } else {
    fr = proof[next++];
  }
  sr = fr;
  uint64_t fn = old_size - 1, sn = new_size - 1;
  while ((fn & 1) == 1) {
    fn >>= 1;
    sn >>= 1;
  }
  for (; next < proof.size(); ++next) {
    const std::string& c = proof[next];
    if (sn == 0) {
      return absl::UnauthenticatedError("the consistency proof is longer than its path");
    }
    if ((fn & 1) == 1 || fn == sn) {
      fr = NodeHash(c, fr);
      sr = NodeHash(c, sr);
      SkipLeftBorder(&fn, &sn);
    } else {
      sr = NodeHash(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) {
    return absl::UnauthenticatedError("the consistency proof is shorter than its path");
  }
  if (fr != old_root) {
    return absl::UnauthenticatedError(absl::StrCat("the consistency proof leads to old root ",
                                                   ToHex(fr), ", not to the old tree head's root ",
                                                   ToHex(old_root), " of size ", old_size));
  }
  if (sr != new_root) {
    return absl::UnauthenticatedError(absl::StrCat("the consistency proof leads to new root ",
                                                   ToHex(sr), ", not to the new tree head's root ",
                                                   ToHex(new_root), " of size ", new_size));
  }
  return absl::OkStatus();
}

}  // namespace kuaguan::seal
