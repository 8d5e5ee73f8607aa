// Feeds: after a first byte picking the use, (0) a signed checkpoint note to seal::ParseNote and
// VerifyNoteSignature; (1) VerifyInclusion and (2) VerifyConsistency with sizes, hashes and a
// proof split from the input (32-byte pieces, the last one short); (3) an inclusion and (4) a
// consistency proof of a real 300-leaf tree, the rest of the input XORed into the proof.
// Asserts: a parsed note prints back to exactly its input, and its checkpoint to its body; only
// bodies the harness signed verify; refusals are INVALID_ARGUMENT (or NOT_FOUND, UNAUTHENTICATED
// for signatures and proofs); a real proof verifies exactly when nothing was XORed into it.
#include <botan/auto_rng.h>
#include <botan/base64.h>
#include <botan/pk_keys.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "seal/key_file.h"
#include "seal/merkle_tree.h"
#include "seal/signed_note.h"
#include "tests/fuzz/fuzz_util.h"

namespace {

namespace seal = kuaguan::seal;
using absl::StatusCode;

constexpr char kOrigin[] = "kuaguan.example/log/410000";
constexpr uint64_t kLeaves = 300;

struct Fixture {
  Botan::AutoSeeded_RNG rng;
  std::unique_ptr<Botan::Private_Key> key = seal::NewKey(seal::KeyKind::kEcdsaP256, rng);
  seal::MerkleTree tree;
  std::set<std::string> signed_bodies;

  Fixture() {
    for (uint64_t i = 0; i < kLeaves; ++i)
      (void)tree.Append(seal::LeafHash(absl::StrCat("leaf-", i)));
    std::vector<std::pair<std::string, std::string>> seeds;
    for (uint64_t size : {uint64_t{0}, uint64_t{1}, uint64_t{7}, kLeaves}) {
      const std::string body = seal::CheckpointBody({kOrigin, size, *tree.Root(size)});
      signed_bodies.insert(body);
      std::string note = body + "\n" + *seal::SignNote(body, kOrigin, *key, rng);
      if (size == kLeaves) note += *seal::SignNote(body, "witness", *key, rng);
      seeds.emplace_back(absl::StrCat("note-", size), std::string(1, '\0') + note);
    }
    // Tree-backed proofs, nothing XORed: leaf 5 at size 300; from size 100 to 300.
    seeds.emplace_back("inclusion", std::string("\x03\x00\x05\x01\x26", 5));
    seeds.emplace_back("consistency", std::string("\x04\x00\x64\x00\xc8", 5));
    kuaguan::fuzz::WriteSeeds(seeds);
  }
};

Fixture& F() {
  static Fixture* f = new Fixture();
  return *f;
}

// Takes the next `n` bytes of `in` (fewer at its end).
absl::string_view Take(absl::string_view* in, size_t n) {
  const absl::string_view out = in->substr(0, n);
  in->remove_prefix(out.size());
  return out;
}

uint64_t TakeU64(absl::string_view* in, size_t bytes) {
  uint64_t v = 0;
  for (char c : Take(in, bytes)) v = (v << 8) | static_cast<uint8_t>(c);
  return v;
}

// The rest of the input as proof hashes of 32 bytes, the last one shorter (at most 80).
std::vector<std::string> TakeProof(absl::string_view* in) {
  std::vector<std::string> proof;
  while (!in->empty() && proof.size() < 80) proof.emplace_back(Take(in, seal::kMerkleHashBytes));
  return proof;
}

void CheckRefusal(const absl::Status& s, bool signatures) {
  FUZZ_CHECK(!s.message().empty(), s.ToString());
  FUZZ_CHECK(s.code() == StatusCode::kInvalidArgument || s.code() == StatusCode::kUnauthenticated ||
                 (signatures && s.code() == StatusCode::kNotFound),
             s.ToString());
}

void Note(absl::string_view text) {
  auto parsed = seal::ParseNote(text);
  if (!parsed.ok()) {
    FUZZ_CHECK(parsed.status().code() == StatusCode::kInvalidArgument, parsed.status().ToString());
    return;
  }
  FUZZ_CHECK(text.size() <= seal::kMaxNoteBytes, "size");
  FUZZ_CHECK(!parsed->signatures.empty() && parsed->signatures.size() <= seal::kMaxNoteSignatures,
             "signature count");
  FUZZ_CHECK(parsed->checkpoint.root.size() == seal::kMerkleHashBytes, "root");
  FUZZ_CHECK(seal::CheckpointBody(parsed->checkpoint) == parsed->body, parsed->body);
  std::string printed = parsed->body + "\n";
  for (const auto& sig : parsed->signatures) {
    std::string bytes;
    for (int shift = 24; shift >= 0; shift -= 8)
      bytes.push_back(static_cast<char>(sig.key_id >> shift));
    bytes += sig.signature;
    absl::StrAppend(
        &printed, "\xE2\x80\x94 ", sig.name, " ",
        Botan::base64_encode(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()), "\n");
  }
  FUZZ_CHECK(printed == text, "the parsed note does not print back to its input");
  for (const char* name : {kOrigin, "witness"}) {
    const absl::Status s = seal::VerifyNoteSignature(*parsed, name, *F().key);
    if (s.ok()) {
      FUZZ_CHECK(F().signed_bodies.count(parsed->body) == 1,
                 "a body the harness never signed verifies");
    } else {
      CheckRefusal(s, /*signatures=*/true);
    }
  }
}

void RawInclusion(absl::string_view in) {
  const uint64_t index = TakeU64(&in, 8), size = TakeU64(&in, 8);
  const std::string leaf(Take(&in, 32)), root(Take(&in, 32));
  const absl::Status s = seal::VerifyInclusion(leaf, index, size, TakeProof(&in), root);
  if (!s.ok()) CheckRefusal(s, false);
}

void RawConsistency(absl::string_view in) {
  const uint64_t old_size = TakeU64(&in, 8), new_size = TakeU64(&in, 8);
  const std::string old_root(Take(&in, 32)), new_root(Take(&in, 32));
  const absl::Status s =
      seal::VerifyConsistency(old_size, new_size, old_root, new_root, TakeProof(&in));
  if (!s.ok()) CheckRefusal(s, false);
}

// XORs `mask` into the proof's bytes, one after the other; true when it changed any.
bool Xor(absl::string_view mask, std::vector<std::string>* proof) {
  bool changed = false;
  size_t at = 0;
  for (std::string& h : *proof) {
    for (char& c : h) {
      if (at == mask.size()) return changed;
      changed = changed || mask[at] != 0;
      c = static_cast<char>(c ^ mask[at++]);
    }
  }
  return changed;
}

void TreeInclusion(absl::string_view in) {
  const uint64_t index = TakeU64(&in, 2) % kLeaves;
  const uint64_t size = index + 1 + TakeU64(&in, 2) % (kLeaves - index);
  auto proof = F().tree.InclusionProof(index, size);
  FUZZ_CHECK(proof.ok(), proof.status().ToString());
  const bool changed = Xor(in, &*proof);
  const absl::Status s = seal::VerifyInclusion(seal::LeafHash(absl::StrCat("leaf-", index)), index,
                                               size, *proof, *F().tree.Root(size));
  FUZZ_CHECK(s.ok() == !changed, absl::StrCat("leaf ", index, " of ", size, ": ", s.ToString()));
}

void TreeConsistency(absl::string_view in) {
  const uint64_t old_size = TakeU64(&in, 2) % (kLeaves + 1);
  const uint64_t new_size = old_size + TakeU64(&in, 2) % (kLeaves + 1 - old_size);
  auto proof = F().tree.ConsistencyProof(old_size, new_size);
  FUZZ_CHECK(proof.ok(), proof.status().ToString());
  const bool changed = Xor(in, &*proof);
  const absl::Status s = seal::VerifyConsistency(old_size, new_size, *F().tree.Root(old_size),
                                                 *F().tree.Root(new_size), *proof);
  FUZZ_CHECK(s.ok() == !changed, absl::StrCat(old_size, " to ", new_size, ": ", s.ToString()));
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  F();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const absl::string_view in = kuaguan::fuzz::AsView(data + 1, size - 1);
  switch (data[0] % 5) {
    case 0:
      Note(in);
      break;
    case 1:
      RawInclusion(in);
      break;
    case 2:
      RawConsistency(in);
      break;
    case 3:
      TreeInclusion(in);
      break;
    default:
      TreeConsistency(in);
      break;
  }
  return 0;
}
