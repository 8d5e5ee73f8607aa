// Backups at rest (seal/backup_*): Padmé sizes; objects that open only under their key and label
// and are refused, never crash, once changed; keyed ids; the key's two shares and its file; a
// repository that dedups, tells a swapped object, another archive's or key's repository and a
// foreign folder, and drops unreferenced objects; restores that write nothing outside their folder
// and name what is missing.
#include <catch2/catch.hpp>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "seal/backup_key.h"
#include "seal/backup_object.h"
#include "seal/backup_repo.h"
#include "seal/backup_restore.h"
#include "seal/digest.h"
#include "tests/testing/temp_dir.h"

namespace kuaguan::seal {
namespace {

namespace fs = std::filesystem;
using kuaguan::testing::TempDir;

BackupKey NewKey(const TempDir& dir, const std::string& name = "backup.key") {
  auto key = BackupKey::Load(dir.path() / name, /*create=*/true);
  REQUIRE(key.ok());
  return *std::move(key);
}

std::string Bytes(size_t n, uint32_t seed) {
  std::string out(n, '\0');
  for (size_t i = 0; i < n; ++i) {
    seed = seed * 1103515245u + 12345u;
    out[i] = static_cast<char>(seed >> 24);
  }
  return out;
}

std::string ReadAll(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteAll(const fs::path& p, const std::string& data) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << data;
}

// Every regular file under `dir`, relative.
std::vector<std::string> FilesUnder(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (!e.is_directory()) out.push_back(e.path().lexically_relative(dir).generic_string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// A manifest file entry for `content` stored in `repo`.
kuaguan::v1::BackupFile StoredFile(BackupRepo& repo, const std::string& path, const std::string& content) {
  kuaguan::v1::BackupFile f;
  f.set_path(path);
  f.set_size(content.size());
  f.set_sm3(Sm3(content));
  f.set_mode(0600);
  std::string id;
  REQUIRE(repo.Put(content, &id).ok());
  f.add_objects(id);
  return f;
}

TEST_CASE("Padmé lengths: exact for small values, monotonic, at most 12% over from 1 MiB") {
  for (uint64_t n = 0; n <= 8; ++n) CHECK(PadmeLength(n) == n);
  CHECK(PadmeLength(9) == 10);
  CHECK(PadmeLength(100) == 104);
  CHECK(PadmeLength(1000) == 1024);
  uint64_t last = 0;
  for (uint64_t n = 0; n < 70000; ++n) {
    const uint64_t p = PadmeLength(n);
    REQUIRE(p >= n);
    REQUIRE(p >= last);
    last = p;
  }
  for (uint64_t n = uint64_t{1} << 20; n < (uint64_t{1} << 40); n = n * 3 / 2 + 7) {
    const uint64_t p = PadmeLength(n);
    INFO(n);
    CHECK(p >= n);
    CHECK(static_cast<double>(p) <= static_cast<double>(n) * 1.12);
    CHECK(PadmeLength(p) == p);  // a padded length is its own padding
  }
}

TEST_CASE("a backup object opens under its key and label, whatever its size") {
  TempDir dir;
  const BackupKey key = NewKey(dir);
  for (const std::string& plain : {std::string(), std::string("档案"), Bytes(1000, 1), Bytes(4 << 20, 2)}) {
    auto sealed = SealBackupObject(key, "label", plain);
    REQUIRE(sealed.ok());
    CHECK(sealed->size() >= plain.size() + 5 + 12 + 16 + 8);
    CHECK(sealed->size() <= 5 + 12 + 16 + PadmeLength(plain.size() + 8));
    if (plain.size() > 64) CHECK(sealed->find(plain.substr(0, 64)) == std::string::npos);
    auto opened = OpenBackupObject(key, "label", *sealed);
    REQUIRE(opened.ok());
    CHECK(*opened == plain);
    auto again = SealBackupObject(key, "label", plain);
    REQUIRE(again.ok());
    CHECK(*again != *sealed);  // a fresh nonce each time
  }
}

TEST_CASE("a changed bit, another label or another key: DATA_LOSS") {
  TempDir dir;
  const BackupKey key = NewKey(dir), other = NewKey(dir, "other.key");
  const std::string plain = Bytes(3000, 3);
  auto sealed = SealBackupObject(key, "abc", plain);
  REQUIRE(sealed.ok());
  // Every byte after the magic, one bit each (the magic itself makes INVALID_ARGUMENT).
  for (size_t i = 5; i < sealed->size(); ++i) {
    std::string changed = *sealed;
    changed[i] = static_cast<char>(changed[i] ^ (1 << (i % 8)));
    auto opened = OpenBackupObject(key, "abc", changed);
    INFO(i);
    REQUIRE(opened.status().code() == absl::StatusCode::kDataLoss);
  }
  std::string magic = *sealed;
  magic[0] = 'X';
  CHECK(OpenBackupObject(key, "abc", magic).status().code() == absl::StatusCode::kInvalidArgument);
  auto wrong_label = OpenBackupObject(key, "abd", *sealed);
  CHECK(wrong_label.status().code() == absl::StatusCode::kDataLoss);
  CHECK(wrong_label.status().message().find("abd") != absl::string_view::npos);
  CHECK(OpenBackupObject(other, "abc", *sealed).status().code() == absl::StatusCode::kDataLoss);
}

TEST_CASE("truncated or garbage objects are refused with a message, never a crash") {
  TempDir dir;
  const BackupKey key = NewKey(dir);
  auto sealed = SealBackupObject(key, "x", "some chunk");
  REQUIRE(sealed.ok());
  for (size_t n = 0; n < sealed->size(); ++n) {
    auto opened = OpenBackupObject(key, "x", sealed->substr(0, n));
    INFO(n);
    REQUIRE(!opened.ok());
    CHECK((opened.status().code() == absl::StatusCode::kInvalidArgument ||
           opened.status().code() == absl::StatusCode::kDataLoss));
    CHECK(!opened.status().message().empty());
  }
  for (uint32_t seed = 0; seed < 200; ++seed) {
    std::string garbage = Bytes(seed * 7, seed);
    if (seed % 2 == 0) garbage = "KGBO1" + garbage;
    auto opened = OpenBackupObject(key, "x", garbage);
    REQUIRE(!opened.ok());
    CHECK(!opened.status().message().empty());
  }
}

TEST_CASE("object ids are deterministic, keyed and well-formed") {
  TempDir dir;
  const BackupKey key = NewKey(dir), other = NewKey(dir, "other.key");
  const std::string id = BackupObjectId(key, "chunk");
  CHECK(IsBackupObjectId(id));
  CHECK(BackupObjectId(key, "chunk") == id);
  CHECK(BackupObjectId(key, "chunk.") != id);
  CHECK(BackupObjectId(other, "chunk") != id);
  CHECK(IsBackupObjectId(BackupObjectId(key, "")));
  CHECK(id != ToHex(Sm3("chunk")));  // not a plain hash: a guess cannot be tested without the key
  CHECK_FALSE(IsBackupObjectId(absl::AsciiStrToUpper(id)));
  CHECK_FALSE(IsBackupObjectId(id.substr(1)));
  CHECK_FALSE(IsBackupObjectId(""));
  CHECK_FALSE(IsBackupObjectId(std::string(62, 'a') + "/."));
}

TEST_CASE("the key's two shares make it again, in either order") {
  TempDir dir;
  const BackupKey key = NewKey(dir);
  const std::string s1 = key.ShareText(1), s2 = key.ShareText(2);
  CHECK(s1.rfind(absl::StrCat("KGBK1-1-", key.id(), "-"), 0) == 0);
  CHECK(s2.rfind(absl::StrCat("KGBK1-2-", key.id(), "-"), 0) == 0);
  CHECK(s1 != s2);
  for (const auto& [a, b] : {std::pair{s1, s2}, std::pair{s2, s1}}) {
    auto made = BackupKey::FromShares(a, b);
    REQUIRE(made.ok());
    CHECK(made->id() == key.id());
    CHECK(made->cipher_key() == key.cipher_key());
    CHECK(made->id_key() == key.id_key());
    CHECK(made->ShareText(1) == s1);
    CHECK(made->ShareText(2) == s2);
  }
  // As typed from paper: surrounding whitespace and upper case.
  auto typed = BackupKey::FromShares(absl::StrCat("  ", absl::AsciiStrToUpper(s1), "\r\n"), absl::StrCat("\t", s2, "\n"));
  REQUIRE(typed.ok());
  CHECK(typed->id() == key.id());
}

TEST_CASE("shares refused: the same one twice, a mistyped digit, two keys, not a share") {
  TempDir dir;
  const BackupKey key = NewKey(dir), other = NewKey(dir, "other.key");
  const std::string s1 = key.ShareText(1), s2 = key.ShareText(2);

  auto twice = BackupKey::FromShares(s2, s2);
  CHECK(twice.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(twice.status().message().find("both shares are share 2") != absl::string_view::npos);

  // One digit changed anywhere in the key id, the share's bytes or its check.
  for (size_t at = 8; at < s2.size(); ++at) {
    if (s2[at] == '-') continue;
    std::string typo = s2;
    typo[at] = typo[at] == '0' ? '1' : '0';
    INFO(at);
    auto second = BackupKey::FromShares(s1, typo);
    REQUIRE(second.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(second.status().message().find("the second share is mistyped") != absl::string_view::npos);
    auto first = BackupKey::FromShares(typo, s1);
    REQUIRE(!first.ok());
    CHECK(first.status().message().find("the first share is mistyped") != absl::string_view::npos);
  }

  auto mixed = BackupKey::FromShares(s1, other.ShareText(2));
  CHECK(mixed.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(mixed.status().message().find("different backup keys") != absl::string_view::npos);
  CHECK(mixed.status().message().find(other.id()) != absl::string_view::npos);

  for (const std::string& bad : {std::string(), std::string("KGBK1"), std::string("KGBK1-3-x-y-z"), s1 + "-00",
                                 std::string("hello world")}) {
    auto r = BackupKey::FromShares(bad, s2);
    INFO(bad);
    CHECK(r.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(r.status().message().find("the first share") != absl::string_view::npos);
  }
}

TEST_CASE("the key file: saved and loaded back, refused when others can read it") {
  TempDir dir;
  CHECK(BackupKey::Load(dir.path() / "none.key", /*create=*/false).status().code() == absl::StatusCode::kNotFound);
  const BackupKey key = NewKey(dir);
  CHECK((fs::status(dir.path() / "backup.key").permissions() & fs::perms::all) ==
        (fs::perms::owner_read | fs::perms::owner_write));
  auto again = BackupKey::Load(dir.path() / "backup.key", /*create=*/true);  // present: not replaced
  REQUIRE(again.ok());
  CHECK(again->id() == key.id());

  auto from_shares = BackupKey::FromShares(key.ShareText(2), key.ShareText(1));
  REQUIRE(from_shares.ok());
  REQUIRE(from_shares->Save(dir.path() / "restored" / "backup.key").ok());
  auto loaded = BackupKey::Load(dir.path() / "restored" / "backup.key", /*create=*/false);
  REQUIRE(loaded.ok());
  CHECK(loaded->id() == key.id());
  CHECK(loaded->cipher_key() == key.cipher_key());
  CHECK(loaded->ShareText(1) == key.ShareText(1));

  fs::permissions(dir.path() / "backup.key", fs::perms::group_read, fs::perm_options::add);
  auto open = BackupKey::Load(dir.path() / "backup.key", /*create=*/false);
  CHECK(open.status().code() == absl::StatusCode::kPermissionDenied);
  CHECK(open.status().message().find("backup.key") != absl::string_view::npos);

  WriteAll(dir.path() / "bad.key", "KGBK1 00 11\n");
  fs::permissions(dir.path() / "bad.key", fs::perms::owner_read | fs::perms::owner_write);
  CHECK(BackupKey::Load(dir.path() / "bad.key", false).status().code() == absl::StatusCode::kInvalidArgument);
}

TEST_CASE("a repository: made, dedups, tells a swapped object, removes what is not referenced") {
  TempDir dir;
  const BackupKey key = NewKey(dir);
  const fs::path root = dir.path() / "repo";
  CHECK(BackupRepo::Open(root, key, "410100", /*create=*/false).status().code() == absl::StatusCode::kNotFound);
  CHECK(BackupRepo::Open("relative/repo", key, "410100", true).status().code() == absl::StatusCode::kInvalidArgument);
  auto repo = BackupRepo::Open(root, key, "410100", /*create=*/true);
  REQUIRE(repo.ok());
  CHECK(repo->archive() == "410100");
  CHECK(fs::exists(root / "KUAGUAN-BACKUP"));

  const std::string a = Bytes(10000, 4), b = Bytes(20000, 5);
  std::string id_a, id_b, id_again;
  auto wrote = repo->Put(a, &id_a);
  REQUIRE(wrote.ok());
  CHECK(*wrote > a.size());
  CHECK(id_a == BackupObjectId(key, a));
  CHECK(repo->Has(id_a));
  auto second = repo->Put(a, &id_again);
  REQUIRE(second.ok());
  CHECK(*second == 0);
  CHECK(id_again == id_a);
  REQUIRE(repo->Put(b, &id_b).ok());
  auto got = repo->Get(id_a);
  REQUIRE(got.ok());
  CHECK(*got == a);
  auto ids = repo->ObjectIds();
  REQUIRE(ids.ok());
  CHECK(ids->size() == 2);

  // Opened again (empty archive: whichever it holds) it sees the same objects.
  auto reopened = BackupRepo::Open(root, key, "", false);
  REQUIRE(reopened.ok());
  CHECK(reopened->archive() == "410100");
  CHECK(reopened->Has(id_b));

  const std::string missing = BackupObjectId(key, "never stored");
  CHECK(repo->Get(missing).status().code() == absl::StatusCode::kNotFound);
  CHECK(repo->Get("../../KUAGUAN-BACKUP").status().code() == absl::StatusCode::kInvalidArgument);
  CHECK_FALSE(repo->Has("../../KUAGUAN-BACKUP"));

  // Object a's file holds object b's sealed bytes: found, and named.
  const fs::path file_a = root / "objects" / id_a.substr(0, 2) / id_a;
  const fs::path file_b = root / "objects" / id_b.substr(0, 2) / id_b;
  const std::string kept = ReadAll(file_a);
  WriteAll(file_a, ReadAll(file_b));
  auto swapped = repo->Get(id_a);
  CHECK(swapped.status().code() == absl::StatusCode::kDataLoss);
  CHECK(swapped.status().message().find(id_a) != absl::string_view::npos);
  WriteAll(file_a, kept);
  CHECK(repo->Get(id_a).ok());

  kuaguan::v1::SignedBackupManifest sm;
  sm.set_manifest("manifest bytes");
  REQUIRE(repo->PutManifest(sm, "20261206T041500Z").ok());
  CHECK(!repo->PutManifest(sm, "../escape").ok());
  auto backups = repo->BackupIds();
  REQUIRE(backups.ok());
  CHECK(*backups == std::vector<std::string>{"20261206T041500Z"});
  auto back = repo->GetManifest("20261206T041500Z");
  REQUIRE(back.ok());
  CHECK(back->manifest() == "manifest bytes");
  CHECK(repo->GetManifest("20991231T000000Z").status().code() == absl::StatusCode::kNotFound);

  auto removed = repo->RemoveUnreferenced({id_b});
  REQUIRE(removed.ok());
  CHECK(*removed == 1);
  CHECK_FALSE(repo->Has(id_a));
  CHECK(repo->Has(id_b));
  REQUIRE(repo->RemoveManifest("20261206T041500Z").ok());
  CHECK(repo->BackupIds()->empty());
}

TEST_CASE("a repository of another archive or key, or a foreign folder, is refused and named") {
  TempDir dir;
  const BackupKey key = NewKey(dir), other = NewKey(dir, "other.key");
  const fs::path root = dir.path() / "repo";
  REQUIRE(BackupRepo::Open(root, key, "410100", true).ok());

  auto archive = BackupRepo::Open(root, key, "410200", true);
  CHECK(archive.status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK(archive.status().message().find("archive 410100, not of 410200") != absl::string_view::npos);
  auto wrong_key = BackupRepo::Open(root, other, "410100", true);
  CHECK(wrong_key.status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK(wrong_key.status().message().find(key.id()) != absl::string_view::npos);
  CHECK(wrong_key.status().message().find(other.id()) != absl::string_view::npos);

  const fs::path foreign = dir.path() / "photos";
  fs::create_directories(foreign);
  WriteAll(foreign / "holiday.jpg", "jpeg");
  auto refused = BackupRepo::Open(foreign, key, "410100", true);
  CHECK(refused.status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK(refused.status().message().find("not empty and not a backup repository") != absl::string_view::npos);
  CHECK(FilesUnder(foreign) == std::vector<std::string>{"holiday.jpg"});

  // An empty existing folder is fine.
  fs::create_directories(dir.path() / "empty");
  CHECK(BackupRepo::Open(dir.path() / "empty", key, "410100", true).ok());
  WriteAll(dir.path() / "empty" / "KUAGUAN-BACKUP", "something else\n");
  CHECK(BackupRepo::Open(dir.path() / "empty", key, "410100", true).status().code() == absl::StatusCode::kDataLoss);
  // One line is one field: "archive key ID" names an archive "key ID" and no key (found by backup_fuzz).
  WriteAll(dir.path() / "empty" / "KUAGUAN-BACKUP", absl::StrCat("kuaguan backup repository 1\narchive key ", key.id(), "\n"));
  CHECK(BackupRepo::Open(dir.path() / "empty", key, "", false).status().code() == absl::StatusCode::kFailedPrecondition);
}

TEST_CASE("IsSafeBackupPath") {
  for (const char* ok : {"kuaguan.toml", "data/store/000123.sst", "data/secrets/key-passphrase", "a/.b", "..a", "a.."}) {
    INFO(ok);
    CHECK(IsSafeBackupPath(ok));
  }
  for (const std::string& bad : {std::string(), std::string("/etc/passwd"), std::string("../x"), std::string("a/../../x"),
                                 std::string("a//b"), std::string("a/"), std::string("./a"), std::string("a/./b"),
                                 std::string(".."), std::string("."), std::string("a\0b", 3), std::string(2000, 'a')}) {
    INFO(bad);
    CHECK_FALSE(IsSafeBackupPath(bad));
  }
}

TEST_CASE("a restore writes the manifest's files, and nothing for an unsafe path or a missing object") {
  TempDir dir;
  const BackupKey key = NewKey(dir);
  auto repo = BackupRepo::Open(dir.path() / "repo", key, "410100", true);
  REQUIRE(repo.ok());
  const fs::path dest = dir.path() / "out" / "node";
  fs::create_directories(dest);

  kuaguan::v1::BackupManifest m;
  m.set_backup_id("20261206T041500Z");
  *m.add_files() = StoredFile(*repo, "kuaguan.toml", "[node]\n");
  *m.add_files() = StoredFile(*repo, "data/store/CURRENT", "MANIFEST-000005\n");
  for (const char* unsafe : {"../x", "/etc/passwd", "a//b", "../out/escaped"}) *m.add_files() = StoredFile(*repo, unsafe, "evil");
  kuaguan::v1::BackupFile gone = StoredFile(*repo, "data/gone", "");
  gone.set_size(5);
  gone.clear_objects();
  gone.add_objects(BackupObjectId(key, "never stored"));
  *m.add_files() = gone;
  kuaguan::v1::BackupFile wrong_sum = StoredFile(*repo, "data/wrong", "right");
  wrong_sum.set_sm3(Sm3("wrong"));
  *m.add_files() = wrong_sum;

  uint64_t last = 0;
  auto report = RestoreFiles(*repo, m, dest, [&](uint64_t done, uint64_t) { last = done; }, nullptr);
  REQUIRE(report.ok());
  CHECK_FALSE(report->ok());
  CHECK(report->backup_id() == "20261206T041500Z");
  std::vector<std::string> findings;
  for (const auto& f : report->findings()) findings.push_back(absl::StrCat(f.what(), ": ", f.problem()));
  CAPTURE(findings);
  REQUIRE(report->findings_size() == 6);
  CHECK(report->findings(0).what() == "file ../x");
  CHECK(report->findings(1).what() == "file /etc/passwd");
  CHECK(report->findings(2).what() == "file a//b");
  CHECK(report->findings(3).what() == "file ../out/escaped");
  CHECK(report->findings(4).what() == "file data/gone");
  CHECK(report->findings(4).problem().find("missing") != std::string::npos);
  CHECK(report->findings(5).what() == "file data/wrong");
  CHECK(last > 0);
  // Only the two sound files, nothing beside dest.
  CHECK(FilesUnder(dest) == std::vector<std::string>{"data/store/CURRENT", "kuaguan.toml"});
  CHECK(FilesUnder(dir.path() / "out") == std::vector<std::string>{"node/data/store/CURRENT", "node/kuaguan.toml"});
  CHECK(!fs::exists(dir.path() / "x"));
  CHECK(ReadAll(dest / "kuaguan.toml") == "[node]\n");
  CHECK((fs::status(dest / "kuaguan.toml").permissions() & fs::perms::all) ==
        (fs::perms::owner_read | fs::perms::owner_write));

  // Check only: the same findings, nothing written.
  const fs::path none = dir.path() / "none";
  auto checked = RestoreFiles(*repo, m, fs::path(), nullptr, nullptr);
  REQUIRE(checked.ok());
  CHECK(checked->findings_size() == 6);
  CHECK(!fs::exists(none));

  std::atomic<bool> cancelled{true};
  CHECK(RestoreFiles(*repo, m, fs::path(), nullptr, &cancelled).status().code() == absl::StatusCode::kCancelled);
}

TEST_CASE("a manifest's signature state: unsigned and garbage are not ok, and do not crash") {
  kuaguan::v1::BackupManifest m;
  m.set_backup_id("20261206T041500Z");
  kuaguan::v1::SignedBackupManifest sm;
  sm.set_manifest(m.SerializeAsString());
  bool ok = true;
  auto opened = OpenManifest(sm, &ok);
  REQUIRE(opened.ok());
  CHECK(opened->backup_id() == "20261206T041500Z");
  CHECK_FALSE(ok);
  sm.set_signature("not a signature");
  sm.set_cert_pem("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
  ok = true;
  REQUIRE(OpenManifest(sm, &ok).ok());
  CHECK_FALSE(ok);
  sm.set_manifest("\xff\xff\xff");
  CHECK(OpenManifest(sm, &ok).status().code() == absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace kuaguan::seal
