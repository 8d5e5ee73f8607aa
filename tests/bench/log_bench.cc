// log_bench: what the transparency log's pure part costs. Appends to a MerkleTree of a million
// leaves; inclusion proofs made and checked at that size; consistency proofs between random past
// sizes, made and checked; checkpoints signed and verified (ECDSA P-256 signed notes). Beside it,
// in the same run, the obvious peer: the root and an inclusion proof recomputed from all the leaf
// hashes by the RFC's recursive MTH (O(n) each), at 100,000 leaves. Prints figures; asserts
// nothing, except that both answer the same.
#include <botan/auto_rng.h>
#include <botan/pk_keys.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <memory>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "seal/key_file.h"
#include "seal/merkle_tree.h"
#include "seal/signed_note.h"
#include "tests/bench/bench_flags.h"

namespace {

using Clock = std::chrono::steady_clock;
namespace seal = kuaguan::seal;

double Us(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::micro>(b - a).count();
}

struct Stats {
  double mean = 0, p99 = 0;
};

Stats Summarize(std::vector<double> us) {
  Stats s;
  if (us.empty()) return s;
  std::sort(us.begin(), us.end());
  s.mean = std::accumulate(us.begin(), us.end(), 0.0) / static_cast<double>(us.size());
  s.p99 = us[std::min(us.size() - 1, us.size() * 99 / 100)];
  return s;
}

void PrintStats(const char* what, const std::vector<double>& us) {
  const Stats s = Summarize(us);
  std::printf("  %-44s mean %9.2f us   p99 %9.2f us   (%zu runs)\n", what, s.mean, s.p99,
              us.size());
}

// The resident memory of this process in MiB (Linux /proc).
double RssMiB() {
  std::ifstream status("/proc/self/status");
  std::string word;
  while (status >> word) {
    if (word == "VmRSS:") {
      double kb = 0;
      status >> kb;
      return kb / 1024;
    }
  }
  return 0;
}

// The naive peer: MTH(D[begin:end]) by the RFC's recursion over all the leaf hashes.
std::string NaiveMth(const std::vector<std::string>& leaves, uint64_t begin, uint64_t end) {
  if (end - begin == 1) return leaves[begin];
  uint64_t k = 1;
  while (k * 2 < end - begin) k *= 2;
  return seal::NodeHash(NaiveMth(leaves, begin, begin + k), NaiveMth(leaves, begin + k, end));
}

// The naive peer's PATH(m, D[begin:end]), each sibling recomputed by NaiveMth.
void NaivePath(const std::vector<std::string>& leaves, uint64_t m, uint64_t begin, uint64_t end,
               std::vector<std::string>* out) {
  if (end - begin == 1) return;
  uint64_t k = 1;
  while (k * 2 < end - begin) k *= 2;
  if (m < begin + k) {
    NaivePath(leaves, m, begin, begin + k, out);
    out->push_back(NaiveMth(leaves, begin + k, end));
  } else {
    NaivePath(leaves, m, begin + k, end, out);
    out->push_back(NaiveMth(leaves, begin, begin + k));
  }
}

std::vector<std::string> LeafHashes(uint64_t n) {
  std::vector<std::string> out;
  out.reserve(n);
  for (uint64_t i = 0; i < n; ++i) out.push_back(seal::LeafHash(absl::StrCat("entry-", i)));
  return out;
}

void Appends(const std::vector<std::string>& leaves, seal::MerkleTree* tree) {
  const double rss0 = RssMiB();
  const auto a = Clock::now();
  for (const auto& h : leaves) (void)tree->Append(h);
  const double secs = Us(a, Clock::now()) / 1e6;
  std::printf(
      "append: %zu leaves in %.3f s: %.0f appends/s (leaf hashes made beforehand); "
      "tree memory about %.0f MiB\n",
      leaves.size(), secs, static_cast<double>(leaves.size()) / secs, RssMiB() - rss0);
}

void Proofs(const seal::MerkleTree& tree, const std::vector<std::string>& leaves, int samples) {
  const uint64_t n = tree.size();
  const std::string root = *tree.Root(n);
  std::mt19937_64 random(9162);
  std::uniform_int_distribution<uint64_t> leaf(0, n - 1);
  std::vector<double> root_us, make_us, check_us;
  int failures = 0;
  for (int i = 0; i < samples; ++i) {
    const uint64_t size = n - leaf(random) / 2;  // sizes in the newer half of the log
    auto a = Clock::now();
    const auto r = tree.Root(size);
    root_us.push_back(Us(a, Clock::now()));
    const uint64_t index = leaf(random);
    a = Clock::now();
    const auto proof = tree.InclusionProof(index, n);
    auto b = Clock::now();
    make_us.push_back(Us(a, b));
    const absl::Status s = seal::VerifyInclusion(leaves[index], index, n, *proof, root);
    check_us.push_back(Us(b, Clock::now()));
    failures += s.ok() && r.ok() ? 0 : 1;
  }
  std::printf("inclusion proofs at %llu leaves (%d random leaves; %d failed):\n",
              static_cast<unsigned long long>(n), samples, failures);
  PrintStats("Root(size) for a random past size", root_us);
  PrintStats("InclusionProof (made)", make_us);
  PrintStats("VerifyInclusion (checked)", check_us);

  std::vector<double> cmake_us, ccheck_us;
  failures = 0;
  for (int i = 0; i < samples; ++i) {
    uint64_t a_size = leaf(random) + 1, b_size = leaf(random) + 1;
    if (a_size > b_size) std::swap(a_size, b_size);
    const std::string old_root = *tree.Root(a_size), new_root = *tree.Root(b_size);
    auto a = Clock::now();
    const auto proof = tree.ConsistencyProof(a_size, b_size);
    auto b = Clock::now();
    cmake_us.push_back(Us(a, b));
    const absl::Status s = seal::VerifyConsistency(a_size, b_size, old_root, new_root, *proof);
    ccheck_us.push_back(Us(b, Clock::now()));
    failures += s.ok() ? 0 : 1;
  }
  std::printf("consistency proofs between random sizes up to %llu (%d pairs; %d failed):\n",
              static_cast<unsigned long long>(n), samples, failures);
  PrintStats("ConsistencyProof (made)", cmake_us);
  PrintStats("VerifyConsistency (checked)", ccheck_us);
}

void Checkpoints(const seal::MerkleTree& tree, int runs) {
  Botan::AutoSeeded_RNG rng;
  const auto key = seal::NewKey(seal::KeyKind::kEcdsaP256, rng);
  const auto witness = seal::NewKey(seal::KeyKind::kEcdsaP256, rng);
  const std::string origin = "kuaguan.example/log/410000";
  const std::string body = seal::CheckpointBody({origin, tree.size(), *tree.Root(tree.size())});
  std::vector<double> sign_us, parse_us, verify_us;
  std::string note;
  int failures = 0;
  for (int i = 0; i < runs; ++i) {
    auto a = Clock::now();
    const auto line = seal::SignNote(body, origin, *key, rng);
    auto b = Clock::now();
    sign_us.push_back(Us(a, b));
    note = body + "\n" + *line;
    if (i == 0) note = seal::AddSignature(note, *seal::SignNote(body, "witness", *witness, rng));
    a = Clock::now();
    const auto parsed = seal::ParseNote(note);
    b = Clock::now();
    parse_us.push_back(Us(a, b));
    const absl::Status s = seal::VerifyNoteSignature(*parsed, origin, *key);
    verify_us.push_back(Us(b, Clock::now()));
    failures += s.ok() ? 0 : 1;
  }
  std::printf("checkpoints (ECDSA P-256 signed notes, %d runs; %d failed):\n", runs, failures);
  PrintStats("SignNote", sign_us);
  PrintStats("ParseNote", parse_us);
  PrintStats("VerifyNoteSignature", verify_us);
}

// The naive peer at `n` leaves: its root and an inclusion proof, against the tree's.
void Naive(uint64_t n, int runs) {
  const std::vector<std::string> leaves = LeafHashes(n);
  seal::MerkleTree tree;
  for (const auto& h : leaves) (void)tree.Append(h);
  std::mt19937_64 random(6962);
  std::vector<double> naive_root, tree_root, naive_path, tree_path;
  bool same = true;
  for (int i = 0; i < runs; ++i) {
    const uint64_t index = random() % n;
    auto a = Clock::now();
    const std::string naive = NaiveMth(leaves, 0, n);
    auto b = Clock::now();
    const std::string ours = *tree.Root(n);
    auto c = Clock::now();
    naive_root.push_back(Us(a, b));
    tree_root.push_back(Us(b, c));
    std::vector<std::string> naive_proof;
    a = Clock::now();
    NaivePath(leaves, index, 0, n, &naive_proof);
    b = Clock::now();
    const auto our_proof = tree.InclusionProof(index, n);
    c = Clock::now();
    naive_path.push_back(Us(a, b));
    tree_path.push_back(Us(b, c));
    same = same && naive == ours && our_proof.ok() && naive_proof == *our_proof;
  }
  std::printf(
      "naive peer at %llu leaves (recursive MTH over every leaf hash; %d runs; answers %s):\n",
      static_cast<unsigned long long>(n), runs, same ? "identical" : "DIFFER");
  PrintStats("naive root (MTH)", naive_root);
  PrintStats("MerkleTree::Root", tree_root);
  PrintStats("naive inclusion proof (PATH)", naive_path);
  PrintStats("MerkleTree::InclusionProof", tree_path);
  const double root_ratio = Summarize(naive_root).mean / Summarize(tree_root).mean;
  const double path_ratio = Summarize(naive_path).mean / Summarize(tree_path).mean;
  std::printf(
      "faster: MerkleTree, %.0fx for the root and %.0fx for an inclusion proof at %llu "
      "leaves (the naive peer is O(n) per answer, the tree O(log n))\n",
      root_ratio, path_ratio, static_cast<unsigned long long>(n));
}

}  // namespace

int main(int argc, char** argv) {
  uint64_t leaves = 1000000, naive_leaves = 100000;
  int samples = 10000, signatures = 200, naive_runs = 20;
  const kuaguan::bench::BenchUsage usage = {
      "log_bench",
      "what the transparency log's Merkle tree and checkpoints cost: appends per second, "
      "inclusion\n"
      "and consistency proofs made and checked (mean and p99), checkpoints signed and verified;\n"
      "beside the naive peer that recomputes roots and proofs from every leaf hash. Prints "
      "figures.",
      "log_bench --leaves 1000000 --naive-leaves 100000"};
  if (auto exit_code = kuaguan::bench::ParseBenchFlags(
          argc, argv, usage,
          {kuaguan::bench::NumberFlag("--leaves", "N", "leaves appended to the tree", &leaves),
           kuaguan::bench::NumberFlag("--samples", "N", "proofs made and checked, of each kind",
                                      &samples),
           kuaguan::bench::NumberFlag("--signatures", "N", "checkpoints signed and verified",
                                      &signatures),
           kuaguan::bench::NumberFlag("--naive-leaves", "N", "leaves of the naive comparison",
                                      &naive_leaves),
           kuaguan::bench::NumberFlag("--naive-runs", "N", "answers timed in the naive comparison",
                                      &naive_runs)})) {
    return *exit_code;
  }
  if (leaves < 2 || naive_leaves < 2 || samples < 1 || signatures < 1 || naive_runs < 1) {
    std::fprintf(stderr,
                 "log_bench: --leaves and --naive-leaves take 2 or more, the rest 1 or more\n");
    return 2;
  }
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  const std::vector<std::string> hashes = LeafHashes(leaves);
  seal::MerkleTree tree;
  Appends(hashes, &tree);
  Proofs(tree, hashes, samples);
  Checkpoints(tree, signatures);
  Naive(naive_leaves, naive_runs);
  return 0;
}
