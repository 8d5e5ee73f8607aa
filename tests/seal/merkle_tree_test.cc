// The Merkle tree against the RFC 6962 test vectors and an independent Python implementation
// (merkle_reference.py), then 1,000 entries: every inclusion proof, 200 consistency proofs, and
// tampered proofs and impossible sizes refused with what does not match.
#include "seal/merkle_tree.h"

#include <catch2/catch.hpp>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "seal/digest.h"
#include "tests/testing/process.h"

using namespace kuaguan::seal;

namespace {

std::vector<std::string> Hex(const std::vector<std::string>& hashes) {
  std::vector<std::string> out;
  for (const auto& h : hashes) out.push_back(ToHex(h));
  return out;
}

std::vector<std::string> HexList(const google::protobuf::Value& list) {
  std::vector<std::string> out;
  for (const auto& v : list.list_value().values()) out.push_back(v.string_value());
  return out;
}

uint64_t Number(const google::protobuf::Struct& s, const char* field) {
  return static_cast<uint64_t>(s.fields().at(field).number_value());
}

// A tree of the leaves "leaf-0" .. "leaf-(n-1)", as merkle_reference.py builds.
MerkleTree TreeOf(uint64_t n) {
  MerkleTree tree;
  for (uint64_t i = 0; i < n; ++i) REQUIRE(*tree.Append(LeafHash(absl::StrCat("leaf-", i))) == i);
  return tree;
}

std::string Root(const MerkleTree& tree, uint64_t size) {
  auto root = tree.Root(size);
  REQUIRE(root.ok());
  return *root;
}

}  // namespace

TEST_CASE("Leaf and node hashes and roots match the RFC 6962 test vectors") {
  // SHA-256 of nothing, and of the single byte 0x00 (the empty leaf).
  CHECK(ToHex(*MerkleTree().Root(0)) ==
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(ToHex(LeafHash("")) == "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
  CHECK(NodeHash(LeafHash("a"), LeafHash("b")) ==
        Sha256(absl::StrCat(std::string(1, '\x01'), LeafHash("a"), LeafHash("b"))));
  // The eight leaves of the Certificate Transparency tests and the roots of their prefixes.
  const std::vector<std::string> leaves = {
      "",
      std::string(1, '\0'),
      "\x10",
      "\x20\x21",
      "\x30\x31",
      "\x40\x41\x42\x43",
      "\x50\x51\x52\x53\x54\x55\x56\x57",
      "\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f"};
  const std::vector<std::string> roots = {
      "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
      "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
      "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
      "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
      "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
      "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
      "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"};
  MerkleTree tree;
  for (const auto& leaf : leaves) REQUIRE(tree.Append(LeafHash(leaf)).ok());
  for (uint64_t n = 1; n <= 8; ++n) CHECK(ToHex(Root(tree, n)) == roots[n - 1]);
}

TEST_CASE("Roots and proofs match an independent Python implementation byte for byte") {
  const auto run = kuaguan::testing::Run(
      {"/usr/bin/python3", KUAGUAN_SOURCE_DIR "/tests/seal/merkle_reference.py"});
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  google::protobuf::Struct ref;
  REQUIRE(google::protobuf::util::JsonStringToMessage(run.out, &ref).ok());
  const MerkleTree tree = TreeOf(1000);

  const auto& roots = ref.fields().at("roots").struct_value().fields();
  REQUIRE(roots.size() == 27);
  for (const auto& [size, root] : roots) {
    INFO("size " << size);
    CHECK(ToHex(Root(tree, std::stoull(size))) == root.string_value());
  }
  const auto& inclusion = ref.fields().at("inclusion").list_value().values();
  REQUIRE(inclusion.size() > 200);
  for (const auto& v : inclusion) {
    const auto& c = v.struct_value();
    const uint64_t index = Number(c, "index"), size = Number(c, "size");
    INFO("leaf " << index << " of " << size);
    auto proof = tree.InclusionProof(index, size);
    REQUIRE(proof.ok());
    CHECK(Hex(*proof) == HexList(c.fields().at("path")));
    CHECK(VerifyInclusion(LeafHash(absl::StrCat("leaf-", index)), index, size, *proof,
                          Root(tree, size))
              .ok());
  }
  const auto& consistency = ref.fields().at("consistency").list_value().values();
  REQUIRE(consistency.size() > 200);
  for (const auto& v : consistency) {
    const auto& c = v.struct_value();
    const uint64_t old_size = Number(c, "old"), new_size = Number(c, "new");
    INFO("from " << old_size << " to " << new_size);
    auto proof = tree.ConsistencyProof(old_size, new_size);
    REQUIRE(proof.ok());
    CHECK(Hex(*proof) == HexList(c.fields().at("proof")));
    CHECK(VerifyConsistency(old_size, new_size, Root(tree, old_size), Root(tree, new_size), *proof)
              .ok());
  }
}

TEST_CASE("Every inclusion proof of 1,000 entries verifies at the final and earlier sizes") {
  const MerkleTree tree = TreeOf(1000);
  for (uint64_t size : {1, 2, 3, 7, 64, 65, 500, 999, 1000}) {
    const std::string root = Root(tree, size);
    for (uint64_t i = 0; i < size; ++i) {
      auto proof = tree.InclusionProof(i, size);
      REQUIRE(proof.ok());
      const absl::Status s =
          VerifyInclusion(LeafHash(absl::StrCat("leaf-", i)), i, size, *proof, root);
      if (!s.ok()) FAIL("leaf " << i << " of " << size << ": " << s);
    }
  }
}

TEST_CASE("Consistency is proved between 200 random pairs of sizes up to 1,000") {
  const MerkleTree tree = TreeOf(1000);
  std::mt19937_64 random(6962);
  std::uniform_int_distribution<uint64_t> pick(0, 1000);
  for (int n = 0; n < 200; ++n) {
    uint64_t a = pick(random), b = pick(random);
    if (a > b) std::swap(a, b);
    auto proof = tree.ConsistencyProof(a, b);
    REQUIRE(proof.ok());
    const absl::Status s = VerifyConsistency(a, b, Root(tree, a), Root(tree, b), *proof);
    if (!s.ok()) FAIL("from " << a << " to " << b << ": " << s);
    if (a > 0 && a < b) {
      // The proof does not serve a neighbouring old tree.
      const absl::Status other = VerifyConsistency(a, b, Root(tree, a - 1), Root(tree, b), *proof);
      CHECK(other.code() == absl::StatusCode::kUnauthenticated);
    }
  }
}

TEST_CASE("Tampered inclusion proofs are refused, saying what does not match") {
  const MerkleTree tree = TreeOf(1000);
  const uint64_t index = 613, size = 1000;
  const std::string leaf = LeafHash("leaf-613");
  const std::string root = Root(tree, size);
  const std::vector<std::string> proof = *tree.InclusionProof(index, size);
  REQUIRE(VerifyInclusion(leaf, index, size, proof, root).ok());

  for (size_t i = 0; i < proof.size(); ++i) {
    for (size_t byte : {size_t{0}, size_t{17}, size_t{31}}) {
      std::vector<std::string> bad = proof;
      bad[i][byte] = static_cast<char>(bad[i][byte] ^ 0x01);
      const absl::Status s = VerifyInclusion(leaf, index, size, bad, root);
      CHECK(s.code() == absl::StatusCode::kUnauthenticated);
      CHECK(absl::StrContains(s.message(), "leads to root"));
    }
  }
  for (uint64_t other : {uint64_t{612}, uint64_t{614}, uint64_t{0}, uint64_t{999}}) {
    CHECK(!VerifyInclusion(leaf, other, size, proof, root).ok());
  }
  // Sizes whose paths for leaf 613 have another shape (fewer or more hashes, other sides). A
  // size whose path has the same shape (999, 1001 or 1024 here) computes the same root: the size
  // is bound to its root by the signed checkpoint, not by the proof.
  for (uint64_t other : {uint64_t{640}, uint64_t{614}, uint64_t{700}, uint64_t{1} << 20}) {
    const absl::Status s = VerifyInclusion(leaf, index, other, proof, root);
    CHECK(s.code() == absl::StatusCode::kUnauthenticated);
  }
  std::vector<std::string> shorter(proof.begin(), proof.end() - 1);
  absl::Status s = VerifyInclusion(leaf, index, size, shorter, root);
  CHECK(s.code() == absl::StatusCode::kUnauthenticated);
  CHECK(absl::StrContains(s.message(), absl::StrCat("has ", proof.size() - 1, " hashes")));
  std::vector<std::string> longer = proof;
  longer.push_back(root);
  s = VerifyInclusion(leaf, index, size, longer, root);
  CHECK(s.code() == absl::StatusCode::kUnauthenticated);
  CHECK(absl::StrContains(s.message(), absl::StrCat("needs ", proof.size())));
  // Another leaf, another root.
  CHECK(VerifyInclusion(LeafHash("leaf-614"), index, size, proof, root).code() ==
        absl::StatusCode::kUnauthenticated);
  CHECK(VerifyInclusion(leaf, index, size, proof, Root(tree, 999)).code() ==
        absl::StatusCode::kUnauthenticated);
  // Inputs that cannot be a proof.
  s = VerifyInclusion(leaf, size, size, proof, root);
  CHECK(s.code() == absl::StatusCode::kInvalidArgument);
  CHECK(absl::StrContains(s.message(), "index >= size"));
  std::vector<std::string> short_hash = proof;
  short_hash[2].pop_back();
  s = VerifyInclusion(leaf, index, size, short_hash, root);
  CHECK(s.code() == absl::StatusCode::kInvalidArgument);
  CHECK(s.message() == "proof hash 2 is 31 bytes; a SHA-256 hash is 32");
  CHECK(VerifyInclusion(leaf.substr(1), index, size, proof, root).code() ==
        absl::StatusCode::kInvalidArgument);
  CHECK(VerifyInclusion(leaf, index, size, proof, root + "x").code() ==
        absl::StatusCode::kInvalidArgument);
  s = VerifyInclusion(leaf, index, size, std::vector<std::string>(65, root), root);
  CHECK(s.code() == absl::StatusCode::kInvalidArgument);
  CHECK(s.message() == "the proof has 65 hashes; at most 64");
  CHECK(VerifyInclusion(leaf, 0, 0, {}, root).code() == absl::StatusCode::kInvalidArgument);
}

TEST_CASE("Tampered consistency proofs are refused, saying what does not match") {
  const MerkleTree tree = TreeOf(1000);
  const uint64_t a = 300, b = 1000;
  const std::string ra = Root(tree, a), rb = Root(tree, b);
  const std::vector<std::string> proof = *tree.ConsistencyProof(a, b);
  REQUIRE(VerifyConsistency(a, b, ra, rb, proof).ok());
  for (size_t i = 0; i < proof.size(); ++i) {
    std::vector<std::string> bad = proof;
    bad[i][5] = static_cast<char>(bad[i][5] ^ 0x80);
    const absl::Status s = VerifyConsistency(a, b, ra, rb, bad);
    CHECK(s.code() == absl::StatusCode::kUnauthenticated);
    CHECK(absl::StrContains(s.message(), "leads to"));
  }
  std::vector<std::string> shorter(proof.begin(), proof.end() - 1);
  CHECK(VerifyConsistency(a, b, ra, rb, shorter).code() == absl::StatusCode::kUnauthenticated);
  std::vector<std::string> longer = proof;
  longer.push_back(rb);
  CHECK(VerifyConsistency(a, b, ra, rb, longer).code() == absl::StatusCode::kUnauthenticated);
  absl::Status s = VerifyConsistency(a, b, ra, Root(tree, 999), proof);
  CHECK(s.code() == absl::StatusCode::kUnauthenticated);
  CHECK(absl::StrContains(s.message(), "new tree head's root"));
  s = VerifyConsistency(a, b, Root(tree, 301), rb, proof);
  CHECK(absl::StrContains(s.message(), "old tree head's root"));
  CHECK(!VerifyConsistency(a + 1, b, ra, rb, proof).ok());
  // New sizes whose path from old size 300 has another shape (see the inclusion case above).
  for (uint64_t other : {uint64_t{400}, uint64_t{512}, uint64_t{2000}}) {
    CHECK(VerifyConsistency(a, other, ra, rb, proof).code() == absl::StatusCode::kUnauthenticated);
  }
  // A power-of-two old size: the old root is the path's seed, not part of the proof.
  const std::vector<std::string> from256 = *tree.ConsistencyProof(256, b);
  CHECK(VerifyConsistency(256, b, Root(tree, 256), rb, from256).ok());
  CHECK(!VerifyConsistency(256, b, ra, rb, from256).ok());
  // Equal sizes and the empty tree: empty proofs only; equal sizes need equal roots.
  CHECK(tree.ConsistencyProof(b, b)->empty());
  CHECK(tree.ConsistencyProof(0, b)->empty());
  CHECK(VerifyConsistency(b, b, rb, rb, {}).ok());
  CHECK(VerifyConsistency(0, b, Root(tree, 0), rb, {}).ok());
  s = VerifyConsistency(b, b, ra, rb, {});
  CHECK(s.code() == absl::StatusCode::kUnauthenticated);
  CHECK(absl::StrContains(s.message(), "same size 1000 have different roots"));
  CHECK(VerifyConsistency(b, b, rb, rb, {rb}).code() == absl::StatusCode::kUnauthenticated);
  CHECK(VerifyConsistency(0, b, Root(tree, 0), rb, {rb}).code() ==
        absl::StatusCode::kUnauthenticated);
  CHECK(VerifyConsistency(a, b, ra, rb, {}).code() == absl::StatusCode::kUnauthenticated);
  // Inputs that cannot be a proof.
  s = VerifyConsistency(b, a, rb, ra, proof);
  CHECK(s.code() == absl::StatusCode::kInvalidArgument);
  CHECK(s.message() == "the old size 1000 is larger than the new size 300");
  CHECK(VerifyConsistency(a, b, ra.substr(0, 31), rb, proof).code() ==
        absl::StatusCode::kInvalidArgument);
  CHECK(VerifyConsistency(a, b, ra, rb, std::vector<std::string>(65, rb)).code() ==
        absl::StatusCode::kInvalidArgument);
}

TEST_CASE("Proofs of trees of up to 2^64 - 1 leaves are checked without overflow") {
  const std::string h = LeafHash("x");
  const uint64_t top = ~uint64_t{0};
  // Shapes of 64 hashes (the most there are), refused for leading elsewhere, not for their size.
  for (uint64_t index : {uint64_t{0}, uint64_t{1} << 63, top - 1}) {
    const absl::Status s = VerifyInclusion(h, index, top, std::vector<std::string>(64, h), h);
    CHECK(s.code() == absl::StatusCode::kUnauthenticated);
  }
  CHECK(VerifyInclusion(h, top - 1, top, {}, h).code() == absl::StatusCode::kUnauthenticated);
  CHECK(VerifyConsistency(uint64_t{1} << 63, top, h, h, std::vector<std::string>(64, h)).code() ==
        absl::StatusCode::kUnauthenticated);
  CHECK(VerifyConsistency(top - 1, top, h, h, {h}).code() == absl::StatusCode::kUnauthenticated);
  CHECK(VerifyConsistency(1, top, h, h, {}).code() == absl::StatusCode::kUnauthenticated);
}

TEST_CASE("Sizes the tree does not have are refused with clear messages") {
  MerkleTree tree = TreeOf(5);
  auto root = tree.Root(6);
  CHECK(root.status().code() == absl::StatusCode::kOutOfRange);
  CHECK(root.status().message() == "no root of size 6: the tree has 5 leaves");
  auto incl = tree.InclusionProof(5, 5);
  CHECK(incl.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(incl.status().message() ==
        "no inclusion proof of leaf 5 in a tree of 5 leaves (index >= size)");
  CHECK(tree.InclusionProof(0, 0).status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(tree.InclusionProof(1, 6).status().code() == absl::StatusCode::kOutOfRange);
  auto cons = tree.ConsistencyProof(4, 3);
  CHECK(cons.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(cons.status().message() == "no consistency proof from size 4 to the smaller size 3");
  CHECK(tree.ConsistencyProof(2, 6).status().code() == absl::StatusCode::kOutOfRange);
  auto appended = tree.Append("too short");
  CHECK(appended.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(appended.status().message() == "the leaf hash is 9 bytes; a SHA-256 hash is 32");
  CHECK(tree.size() == 5);
  CHECK(*tree.InclusionProof(0, 1) == std::vector<std::string>{});
  CHECK(*tree.Append(LeafHash("leaf-5")) == 5);
  CHECK(Root(tree, 6) == Root(TreeOf(6), 6));
}
