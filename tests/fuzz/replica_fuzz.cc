// Feeds: after a first byte picking the message, a peer's ReplicaPush (0), ReplicaChallenge (1)
// or ReplicaFetch (2) to a federation::ReplicaHolder in the scratch dir, as archive 410200 (the
// authenticated caller; 410300's replicas are held beside its own), under a 2 MiB quota.
// Asserts: nothing is ever written outside the holder's folder for the caller (410300's folder
// and everything beside the holder stay as they were); the caller's folder never holds more than
// the quota; a challenge answers exactly one proof per id; a fetch never exceeds its byte limit
// and gives back only ids that were asked; refusals say why.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <set>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "federation/replica_holder.h"
#include "seal/backup_key.h"
#include "seal/backup_repo.h"
#include "tests/fuzz/fuzz_util.h"

namespace {

namespace fs = std::filesystem;
namespace v1 = kuaguan::v1;
using kuaguan::federation::ReplicaHolder;

constexpr uint64_t kQuota = 2 << 20;
constexpr char kCaller[] = "410200";

uint64_t FolderBytes(const fs::path& dir) {
  uint64_t n = 0;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->is_regular_file()) n += it->file_size();
  }
  return n;
}

// Every path under `dir` with its size, as a string to compare.
std::string Listing(const fs::path& dir) {
  std::string out;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    absl::StrAppend(&out, it->path().string(), it->is_regular_file() ? absl::StrCat(" ", it->file_size()) : "", "\n");
  }
  return out;
}

struct World {
  kuaguan::fuzz::ScratchDir scratch{"replica"};
  fs::path root = scratch.path() / "replicas";
  ReplicaHolder holder{root, [] { return kQuota; }};
  std::string other_before;  // 410300's folder, which 410200 must never touch
  std::string beside_before;  // the scratch dir around the holder's folder
  std::string object_id;

  World() {
    // A real sealed object of 410300, and one of the caller's, held from the start.
    auto key = kuaguan::seal::BackupKey::Load(scratch.path() / "backup.key", true);
    for (const char* owner : {"410300", kCaller}) {
      auto repo = kuaguan::seal::BackupRepo::Open(root / owner, *key, owner, true);
      std::string id;
      (void)repo->Put(absl::StrCat("chunk of ", owner), &id);
      object_id = id;
    }
    std::ofstream(scratch.path() / "beside.txt") << "not the holder's";
    other_before = Listing(root / "410300");
    beside_before = Listing(scratch.path() / "beside.txt");
    std::vector<std::pair<std::string, std::string>> seeds;
    v1::ReplicaPush push;
    push.set_from(kCaller);
    auto header = kuaguan::seal::BackupRepo::Open(root / kCaller, *key, kCaller, false)->HeaderText();
    push.set_header(*header);
    auto* o = push.add_objects();
    o->set_id(std::string(64, 'a'));
    o->set_sealed(std::string("KGBO1") + std::string(100, 'x'));
    push.add_drop(object_id);
    seeds.emplace_back("push", std::string(1, '\0') + push.SerializeAsString());
    v1::ReplicaChallenge c;
    c.set_from(kCaller);
    c.set_nonce(std::string(32, 'n'));
    c.add_ids(object_id);
    c.add_ids("manifest:20261206T000000Z");
    seeds.emplace_back("challenge", std::string(1, '\1') + c.SerializeAsString());
    v1::ReplicaFetch f;
    f.set_from(kCaller);
    f.add_ids(object_id);
    f.add_ids("../410300/KUAGUAN-BACKUP");
    seeds.emplace_back("fetch", std::string(1, '\2') + f.SerializeAsString());
    kuaguan::fuzz::WriteSeeds(seeds);
  }
};

World& W() {
  static World* w = new World();
  return *w;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  W();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  World& w = W();
  const std::string bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 3) {
    case 0: {
      v1::ReplicaPush push;
      if (!push.ParseFromString(bytes)) return 0;
      auto r = w.holder.Push(kCaller, push);
      if (!r.ok()) FUZZ_CHECK(!r.status().message().empty(), "a refused push says why");
      FUZZ_CHECK(FolderBytes(w.root / kCaller) <= kQuota + 4096, "the caller's replicas passed the quota");
      break;
    }
    case 1: {
      v1::ReplicaChallenge c;
      if (!c.ParseFromString(bytes)) return 0;
      auto r = w.holder.Prove(kCaller, c);
      if (r.ok()) {
        FUZZ_CHECK(r->answers_size() == c.ids_size(), "one answer per challenged id");
      } else {
        FUZZ_CHECK(!r.status().message().empty(), "a refused challenge says why");
      }
      break;
    }
    default: {
      v1::ReplicaFetch f;
      if (!f.ParseFromString(bytes)) return 0;
      auto r = w.holder.Fetch(kCaller, f);
      if (r.ok()) {
        uint64_t total = 0;
        std::set<std::string> asked(f.ids().begin(), f.ids().end());
        for (const auto& o : r->objects()) {
          total += o.sealed().size();
          FUZZ_CHECK(asked.count(o.id()) == 1, "a fetch gave back an id that was not asked");
        }
        FUZZ_CHECK(total <= ReplicaHolder::kMaxFetchBytes + ReplicaHolder::kMaxObjectBytes, "a fetch passed its limit");
      } else {
        FUZZ_CHECK(!r.status().message().empty(), "a refused fetch says why");
      }
    }
  }
  FUZZ_CHECK(Listing(w.root / "410300") == w.other_before, "another archive's replicas were touched");
  FUZZ_CHECK(Listing(w.scratch.path() / "beside.txt") == w.beside_before, "a file beside the holder was touched");
  return 0;
}
