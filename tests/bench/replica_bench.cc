// replica_bench: what off-site backup replicas cost. A backup repository of N sealed objects
// (64 KiB chunks of random bytes, under a real backup key) is pushed to two holders
// (federation::ReplicaHolder, each in a folder of its own; the keeper calls them in process, so
// these are the holders' and the owner's costs without the network), then audited LOCKSS-style:
// every object challenged with a fresh nonce (SM3(nonce || object) at the holder, recomputed by
// the owner), then a 64-object sample; one replica damaged and one deleted, found and sent again.
// Beside it, in the same run, the obvious peer: the holder hashing every file it holds (SHA-256,
// as `sha256sum` of the folder would) for a fixed list the owner compares — which proves nothing
// to a fresh nonce, since a holder may keep the list and drop the data. Prints figures.
#include <botan/auto_rng.h>
#include <botan/hash.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "federation/membership.h"
#include "federation/replica_holder.h"
#include "federation/replica_keeper.h"
#include "seal/backup_key.h"
#include "seal/backup_repo.h"
#include "tests/bench/bench_flags.h"
#include "tests/testing/temp_dir.h"

namespace {

namespace fs = std::filesystem;
namespace v1 = kuaguan::v1;
using Clock = std::chrono::steady_clock;
using kuaguan::federation::ReplicaHolder;

double Seconds(Clock::time_point a) { return std::chrono::duration<double>(Clock::now() - a).count(); }

// The directory: this archive (郑州), two holders of other cities and one of its own city.
class Members final : public kuaguan::federation::Membership {
 public:
  bool enrolled() const override { return true; }
  v1::Directory Directory() const override {
    v1::Directory d;
    d.set_provincial_code("410000");
    for (auto [code, name] : {std::pair{"410100", "郑州市档案馆"}, std::pair{"410200", "开封市档案馆"},
                              std::pair{"410300", "洛阳市档案馆"}, std::pair{"410181", "巩义市档案馆"}}) {
      auto* m = d.add_members();
      m->set_code(code);
      m->set_name(name);
    }
    return d;
  }
  std::string MemberName(const std::string&) const override { return ""; }
  v1::TrustBundle Trust() const override { return {}; }
  absl::StatusOr<kuaguan::federation::SealKit> Seal() const override {
    return absl::UnimplementedError("no seal in this bench");
  }
};

// The holders, called in process as the owner 410100.
class Direct final : public kuaguan::federation::ReplicaClient {
 public:
  explicit Direct(const fs::path& root)
      : kaifeng_(root / "410200", [] { return uint64_t{64} << 30; }),
        luoyang_(root / "410300", [] { return uint64_t{64} << 30; }) {}
  ReplicaHolder& At(const std::string& holder) { return holder == "410200" ? kaifeng_ : luoyang_; }
  absl::StatusOr<v1::ReplicaInventory> Push(const std::string& h, const v1::ReplicaPush& p) override {
    return At(h).Push("410100", p);
  }
  absl::StatusOr<v1::ReplicaInventory> Inventory(const std::string& h, const v1::ReplicaInventoryRequest&) override {
    return At(h).Inventory("410100");
  }
  absl::StatusOr<v1::ReplicaProof> Prove(const std::string& h, const v1::ReplicaChallenge& c) override {
    return At(h).Prove("410100", c);
  }
  absl::StatusOr<v1::ReplicaFetched> Fetch(const std::string& h, const v1::ReplicaFetch& f) override {
    return At(h).Fetch("410100", f);
  }

 private:
  ReplicaHolder kaifeng_, luoyang_;
};

void PrintReport(const char* what, const v1::ReplicaReport& r, double seconds) {
  std::printf("%-36s %8.2f s  ok=%s\n", what, seconds, r.ok() ? "yes" : "no");
  for (const auto& p : r.peers()) {
    std::printf("    %s %s: sent %llu (%.1f MiB), challenged %llu, missing %d, damaged %d, fetched %llu%s%s\n",
                p.archive().c_str(), p.name().c_str(), static_cast<unsigned long long>(p.sent()),
                static_cast<double>(p.sent_bytes()) / (1 << 20), static_cast<unsigned long long>(p.challenged()),
                p.missing_size(), p.damaged_size(), static_cast<unsigned long long>(p.fetched()),
                p.error().empty() ? "" : " error: ", p.error().c_str());
  }
}

}  // namespace

int main(int argc, char** argv) {
  int objects = 10000, chunk_kib = 64;
  const kuaguan::bench::BenchUsage usage{
      "replica_bench",
      "what off-site backup replicas cost: pushing N sealed objects to two holders, auditing all\n"
      "of them and a sample to fresh nonces, finding and repairing damage, fetching them back;\n"
      "beside a holder hashing every file it holds (sha256sum). Prints figures.",
      "replica_bench --objects 10000"};
  if (auto exit_code = kuaguan::bench::ParseBenchFlags(
          argc, argv, usage,
          {kuaguan::bench::NumberFlag("--objects", "N", "sealed objects in the repository", &objects),
           kuaguan::bench::NumberFlag("--chunk-kib", "N", "plaintext KiB per object", &chunk_kib)})) {
    return *exit_code;
  }
  if (objects < 1 || chunk_kib < 1 || chunk_kib > 4096) {
    std::fprintf(stderr, "replica_bench: --objects takes 1 or more, --chunk-kib 1 to 4096\n");
    return 2;
  }
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  kuaguan::testing::TempDir dir;
  auto key = kuaguan::seal::BackupKey::Load(dir.path() / "backup.key", true);
  auto repo = kuaguan::seal::BackupRepo::Open(dir.path() / "repo", *key, "410100", true);
  if (!key.ok() || !repo.ok()) {
    std::fprintf(stderr, "replica_bench: cannot make the repository\n");
    return 1;
  }
  Botan::AutoSeeded_RNG rng;
  auto t = Clock::now();
  for (int i = 0; i < objects; ++i) {
    const auto bytes = rng.random_vec(static_cast<size_t>(chunk_kib) * 1024);
    std::string id;
    if (!repo->Put(std::string(bytes.begin(), bytes.end()), &id).ok()) return 1;
  }
  std::printf("replica_bench: %d objects of %d KiB sealed into a repository in %.2f s\n", objects, chunk_kib, Seconds(t));
  Members members;
  Direct holders(dir.path() / "holders");
  kuaguan::federation::ReplicaKeeper keeper("410100", 2, &members, &holders);
  std::string note;
  keeper.Holders(&note);
  std::printf("placement: %s\n", note.c_str());

  t = Clock::now();
  auto pushed = keeper.Replicate(*repo);
  if (!pushed.ok()) return 1;
  PrintReport("replicate (first, everything)", *pushed, Seconds(t));
  t = Clock::now();
  pushed = keeper.Replicate(*repo);
  PrintReport("replicate (again, nothing new)", *pushed, Seconds(t));
  t = Clock::now();
  auto all = keeper.Audit(*repo, static_cast<uint32_t>(objects), true);
  PrintReport("audit every object, both holders", *all, Seconds(t));
  t = Clock::now();
  auto sample = keeper.Audit(*repo, 64, true);
  PrintReport("audit a 64-object sample", *sample, Seconds(t));

  // Damage one replica at 开封, delete one at 洛阳; audit everything with repair.
  auto ids = repo->ObjectIds();
  const fs::path damaged = dir.path() / "holders" / "410200" / "410100" / "objects" / (*ids)[0].substr(0, 2) / (*ids)[0];
  const fs::path deleted = dir.path() / "holders" / "410300" / "410100" / "objects" / ids->back().substr(0, 2) / ids->back();
  {
    std::fstream f(damaged, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(100);
    f.put('\x42');
  }
  fs::remove(deleted);
  t = Clock::now();
  auto repaired = keeper.Audit(*repo, static_cast<uint32_t>(objects), false);
  PrintReport("audit all + repair (1 damaged, 1 gone)", *repaired, Seconds(t));
  t = Clock::now();
  auto fetched = keeper.FetchAll(dir.path() / "fetched");
  if (fetched.ok()) PrintReport("fetch everything back (restore --from-peers)", *fetched, Seconds(t));

  // The peer: the holder hashes every file it holds (sha256sum of the folder).
  t = Clock::now();
  uint64_t bytes = 0;
  int files = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir.path() / "holders" / "410200" / "410100" / "objects")) {
    if (!e.is_regular_file()) continue;
    std::ifstream in(e.path(), std::ios::binary);
    const std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto h = Botan::HashFunction::create_or_throw("SHA-256");
    h->update(reinterpret_cast<const uint8_t*>(data.data()), data.size());
    (void)h->final();
    bytes += data.size();
    ++files;
  }
  std::printf("%-36s %8.2f s  (%d files, %.1f MiB, one holder; no nonce)\n", "peer: sha256sum of a holder's folder",
              Seconds(t), files, static_cast<double>(bytes) / (1 << 20));
  return 0;
}
