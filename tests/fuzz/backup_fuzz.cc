// Feeds what a backup repository on removable media or at a peer archive can hold, after a first
// byte picking the use: (0) a sealed object to OpenBackupObject under a label the next byte picks;
// (1) a SignedBackupManifest to OpenManifest, then its files restored; (2) a BackupManifest whose
// files RestoreFiles rebuilds from a small real repository made at start into a scratch folder;
// (3) two key share texts (split at the first newline) to BackupKey::FromShares; (4) a
// KUAGUAN-BACKUP header to BackupRepo::Open. Seeds are real sealed objects, a signed manifest,
// manifests of the repository and real shares, so mutations start from what opens.
// Asserts: an object opens only when it is exactly one the harness sealed, under its label, with
// its plaintext (and never under another key); a signature verifies only over a manifest the
// harness signed; a safe path stays under its folder; a restore writes nothing outside its
// folder and changes nothing in the repository, gives every unsafe path a finding, is ok only
// when every file came back at its size; shares make a key only consistently; every refusal has
// a message and the documented code.
#include <botan/auto_rng.h>
#include <botan/pk_keys.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "seal/backup_key.h"
#include "seal/backup_object.h"
#include "seal/backup_repo.h"
#include "seal/backup_restore.h"
#include "seal/ca.h"
#include "seal/digest.h"
#include "seal/key_file.h"
#include "seal/node_signature.h"
#include "tests/fuzz/fuzz_util.h"

namespace {

namespace fs = std::filesystem;
namespace seal = kuaguan::seal;
namespace v1 = kuaguan::v1;
using absl::StatusCode;

constexpr char kArchive[] = "410100";
constexpr char kBackupId[] = "20261206T041500Z";

struct Sealed {
  std::string label, plain;
};

struct Fixture {
  kuaguan::fuzz::ScratchDir scratch{"backup"};
  seal::BackupKey key = *seal::BackupKey::Load(scratch.path() / "backup.key", /*create=*/true);
  seal::BackupKey other = *seal::BackupKey::Load(scratch.path() / "other.key", /*create=*/true);
  seal::BackupRepo repo = *seal::BackupRepo::Open(scratch.path() / "repo", key, kArchive, /*create=*/true);
  fs::path box = scratch.path() / "box";  // holds only the restore folder
  fs::path dest = box / "dest";
  std::vector<std::string> labels;          // the object ids, then the manifest's label
  std::map<std::string, Sealed> sealed;     // every sealed object the harness made
  std::set<std::string> signed_manifests;   // every manifest the harness signed
  size_t objects = 0;                       // in the repository
  std::vector<std::string> top;             // the scratch folder's entries

  Fixture() {
    std::vector<std::pair<std::string, std::string>> seeds;
    const std::vector<std::pair<std::string, std::string>> files = {
        {"kuaguan.toml", "[node]\narchive_id = \"410100\"\n"},
        {"data/store/000005.sst", std::string(5000, 'r') + "档案"},
        {"data/store/LOCK", ""}};
    v1::BackupManifest m;
    m.set_format(1);
    m.set_backup_id(kBackupId);
    m.set_archive(kArchive);
    for (const auto& [path, content] : files) {
      std::string id;
      FUZZ_CHECK(repo.Put(content, &id).ok(), path);
      auto* f = m.add_files();
      f->set_path(path);
      f->set_size(content.size());
      f->set_sm3(seal::Sm3(content));
      f->set_mode(0600);
      f->add_objects(id);
      labels.push_back(id);
      const std::string bytes = *repo.GetSealed(id);
      sealed[bytes] = {id, content};
      seeds.emplace_back(absl::StrCat("object-", labels.size()),
                         absl::StrCat(std::string(1, '\0'), std::string(1, static_cast<char>(labels.size() - 1)), bytes));
    }
    const std::string manifest_label = absl::StrCat("manifest:", kBackupId);
    labels.push_back(manifest_label);
    const std::string manifest_bytes = m.SerializeAsString();
    const std::string sealed_manifest = *seal::SealBackupObject(key, manifest_label, manifest_bytes);
    sealed[sealed_manifest] = {manifest_label, manifest_bytes};
    seeds.emplace_back("object-manifest", absl::StrCat(std::string(1, '\0'), std::string(1, static_cast<char>(labels.size() - 1)),
                                                       sealed_manifest));
    seeds.emplace_back("manifest", absl::StrCat("\x02", manifest_bytes));

    v1::BackupManifest unsafe = m;
    for (const char* path : {"../x", "/etc/passwd", "a//b", "data/../../x"}) {
      auto* u = unsafe.add_files();
      *u = m.files(0);
      u->set_path(path);
    }
    unsafe.mutable_files(1)->set_sm3(seal::Sm3("other"));
    unsafe.mutable_files(2)->set_objects(0, seal::BackupObjectId(key, "never stored"));
    seeds.emplace_back("manifest-unsafe", absl::StrCat("\x02", unsafe.SerializeAsString()));

    // A manifest signed by a node's TLS key under a CA, as a node signs its backups.
    Botan::AutoSeeded_RNG rng;
    auto ca = *seal::CertificateAuthority::Create(scratch.path() / "ca", "fuzz", "410000", "河南省档案馆");
    std::unique_ptr<Botan::Private_Key> tls = seal::NewKey(seal::KeyKind::kEcdsaP256, rng);
    v1::SignedBackupManifest sm;
    sm.set_manifest(manifest_bytes);
    sm.set_signature(*seal::SignWithNodeKey(seal::PlainKeyPem(*tls), manifest_bytes));
    sm.set_cert_pem(*ca->IssueTlsCertForKey(*tls, kArchive, "郑州市档案馆", std::chrono::hours(24 * 365)));
    signed_manifests.insert(manifest_bytes);
    seeds.emplace_back("signed-manifest", absl::StrCat("\x01", sm.SerializeAsString()));

    seeds.emplace_back("shares", absl::StrCat("\x03", key.ShareText(1), "\n", key.ShareText(2)));
    seeds.emplace_back("header", absl::StrCat("\x04", *seal::ReadTextFile(repo.dir() / "KUAGUAN-BACKUP")));
    kuaguan::fuzz::WriteSeeds(seeds);

    objects = repo.ObjectIds()->size();
    std::error_code ec;
    fs::create_directories(dest, ec);
    fs::create_directories(scratch.path() / "header", ec);
    top = Entries(scratch.path());
  }

  static std::vector<std::string> Entries(const fs::path& dir) {
    std::vector<std::string> out;
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      out.push_back(it->path().filename().string());
    }
    std::sort(out.begin(), out.end());
    return out;
  }
};

Fixture& F() {
  static Fixture* f = new Fixture();
  return *f;
}

void CheckRefusal(const absl::Status& s, std::initializer_list<StatusCode> codes) {
  FUZZ_CHECK(!s.ok() && !s.message().empty(), s.ToString());
  bool known = false;
  for (StatusCode c : codes) known = known || s.code() == c;
  FUZZ_CHECK(known, s.ToString());
}

void Object(absl::string_view in) {
  if (in.empty()) return;
  const std::string& label = F().labels[static_cast<uint8_t>(in[0]) % F().labels.size()];
  const std::string bytes(in.substr(1));
  auto opened = seal::OpenBackupObject(F().key, label, bytes);
  if (opened.ok()) {
    const auto known = F().sealed.find(bytes);
    FUZZ_CHECK(known != F().sealed.end(), "an object the harness never sealed opens");
    FUZZ_CHECK(known->second.label == label, "an object opens under another label");
    FUZZ_CHECK(known->second.plain == *opened, "an object opens to other plaintext");
    if (seal::IsBackupObjectId(label)) FUZZ_CHECK(seal::BackupObjectId(F().key, *opened) == label, label);
  } else {
    CheckRefusal(opened.status(), {StatusCode::kInvalidArgument, StatusCode::kDataLoss});
  }
  auto foreign = seal::OpenBackupObject(F().other, label, bytes);
  FUZZ_CHECK(!foreign.ok(), "an object opens under another backup key");
  CheckRefusal(foreign.status(), {StatusCode::kInvalidArgument, StatusCode::kDataLoss});
}

void Restore(const v1::BackupManifest& m) {
  Fixture& f = F();
  std::error_code ec;
  fs::remove_all(f.box, ec);
  fs::create_directories(f.dest, ec);
  std::set<std::string> unsafe;
  std::map<std::string, uint64_t> sizes;  // the last size of each path (a later file overwrites)
  for (const auto& file : m.files()) {
    if (!seal::IsSafeBackupPath(file.path())) {
      unsafe.insert(file.path());
      continue;
    }
    const fs::path rel = fs::path(file.path()).lexically_normal();
    FUZZ_CHECK(!rel.empty() && rel.is_relative() && *rel.begin() != "..", file.path());
    FUZZ_CHECK(file.path().find('\0') == std::string::npos, "a NUL in a safe path");
    sizes[file.path()] = file.size();
  }
  auto report = seal::RestoreFiles(f.repo, m, f.dest, nullptr, nullptr);
  FUZZ_CHECK(Fixture::Entries(f.box) == std::vector<std::string>{"dest"}, "a restore wrote beside its folder");
  FUZZ_CHECK(Fixture::Entries(f.scratch.path()) == f.top, "a restore wrote outside its folder");
  FUZZ_CHECK(f.repo.ObjectIds()->size() == f.objects, "a restore changed the repository");
  if (!report.ok()) {
    CheckRefusal(report.status(), {StatusCode::kInternal});
    return;
  }
  FUZZ_CHECK(report->ok() == (report->findings_size() == 0), "ok disagrees with the findings");
  std::set<std::string> found;
  for (const auto& finding : report->findings()) {
    FUZZ_CHECK(!finding.what().empty() && !finding.problem().empty(), finding.what());
    found.insert(finding.what());
  }
  for (const auto& path : unsafe) FUZZ_CHECK(found.count(absl::StrCat("file ", path)) == 1, path);
  if (report->ok()) {
    for (const auto& [path, size] : sizes) {
      FUZZ_CHECK(fs::file_size(f.dest / path, ec) == size && !ec, path);
    }
  }
}

void SignedManifest(absl::string_view in) {
  v1::SignedBackupManifest sm;
  if (!sm.ParseFromArray(in.data(), static_cast<int>(in.size()))) return;
  bool signature_ok = false;
  auto m = seal::OpenManifest(sm, &signature_ok);
  if (!m.ok()) {
    CheckRefusal(m.status(), {StatusCode::kDataLoss});
    return;
  }
  if (signature_ok) FUZZ_CHECK(F().signed_manifests.count(sm.manifest()) == 1, "a manifest the harness never signed verifies");
  Restore(*m);
}

void Manifest(absl::string_view in) {
  v1::BackupManifest m;
  if (m.ParseFromArray(in.data(), static_cast<int>(in.size()))) Restore(m);
}

void Shares(absl::string_view in) {
  const size_t cut = in.find('\n');
  const absl::string_view a = cut == absl::string_view::npos ? in.substr(0, in.size() / 2) : in.substr(0, cut);
  const absl::string_view b = cut == absl::string_view::npos ? in.substr(in.size() / 2) : in.substr(cut + 1);
  auto key = seal::BackupKey::FromShares(a, b);
  if (!key.ok()) {
    CheckRefusal(key.status(), {StatusCode::kInvalidArgument});
    return;
  }
  FUZZ_CHECK(absl::StrContains(absl::AsciiStrToLower(a), key->id()) && absl::StrContains(absl::AsciiStrToLower(b), key->id()),
             "a key of another id");
  auto again = seal::BackupKey::FromShares(key->ShareText(2), key->ShareText(1));
  FUZZ_CHECK(again.ok() && again->id() == key->id() && again->cipher_key() == key->cipher_key(), key->id());
}

void Header(absl::string_view in) {
  const fs::path dir = F().scratch.path() / "header";
  FUZZ_CHECK(seal::WritePrivateFile(dir / "KUAGUAN-BACKUP", std::string(in)).ok(), "cannot write the header");
  for (const std::string& archive : {std::string(kArchive), std::string()}) {
    auto repo = seal::BackupRepo::Open(dir, F().key, archive, /*create=*/false);
    if (repo.ok()) {
      FUZZ_CHECK(absl::StartsWith(in, "kuaguan backup repository 1"), "a header of another kind opens");
      FUZZ_CHECK(absl::StrContains(in, absl::StrCat("\nkey ", F().key.id())), "a repository of another key opens");
      FUZZ_CHECK(archive.empty() || repo->archive() == archive, repo->archive());
      FUZZ_CHECK(!repo->archive().empty(), "no archive");
    } else {
      CheckRefusal(repo.status(), {StatusCode::kDataLoss, StatusCode::kFailedPrecondition});
    }
  }
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
      Object(in);
      break;
    case 1:
      SignedManifest(in);
      break;
    case 2:
      Manifest(in);
      break;
    case 3:
      Shares(in);
      break;
    default:
      Header(in);
      break;
  }
  return 0;
}
