// Backups on a real node: made while it serves, incremental, verified, drilled; the node's data
// deleted and rebuilt from the backup with the two people's key shares, then started, its store
// compared with the backup's digests and its audit chain verified; damage and wrong shares told.
#include <catch2/catch.hpp>
#include <signal.h>

#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "tests/integration/node_fixture.h"
#include "tests/testing/process.h"

namespace kuaguan::testing {
namespace {

namespace fs = std::filesystem;

std::string Catalog(int from, int n, const std::string& title) {
  std::string csv = "档号,题名,年度\n";
  for (int i = from; i < from + n; ++i) {
    absl::StrAppend(&csv, "A101-WS·2020-Y-", std::string(4 - std::to_string(i).size(), '0'), i, ",", title, i, ",2020\n");
  }
  return csv;
}

// The two shares, from the system administrator (the service account) and the security officer.
void WriteShares(const RunningNode& node, const fs::path& one, const fs::path& two) {
  const auto a = node.CliAs("root", {"backup", "key-share", "--json"});
  const auto b = node.CliAs("kgtest-so", {"backup", "key-share", "--json"});
  REQUIRE(a.exit_code == 0);
  REQUIRE(b.exit_code == 0);
  const auto text = [](const std::string& json) {
    const size_t at = json.find("KGBK1-");
    return json.substr(at, json.find('"', at) - at);
  };
  CHECK(text(a.out).rfind("KGBK1-1-", 0) == 0);
  CHECK(text(b.out).rfind("KGBK1-2-", 0) == 0);
  WriteFile(one, text(a.out) + "\n");
  WriteFile(two, text(b.out) + "\n");
  fs::permissions(one, fs::perms::owner_read | fs::perms::owner_write);
  fs::permissions(two, fs::perms::owner_read | fs::perms::owner_write);
}

TEST_CASE("backup while serving, delete the data, restore with both shares, start and compare") {
  RunningNode node;
  node.Start();
  WriteFile(node.dir() / "a.csv", Catalog(1, 300, "婚姻登记档案"));
  REQUIRE(node.Cli({"import", (node.dir() / "a.csv").string()}).exit_code == 0);

  const auto first = node.CliJson({"backup", "create"});
  CHECK(Num(first, "records") == 300);
  CHECK(Num(first, "new_bytes") > 0);
  // 1% of the records change: the next backup stores only what changed.
  WriteFile(node.dir() / "b.csv", Catalog(1, 3, "婚姻登记档案（更正）"));
  REQUIRE(node.Cli({"import", (node.dir() / "b.csv").string(), "--update"}).exit_code == 0);
  const auto second = node.CliJson({"backup", "create"});
  CHECK(Num(second, "new_bytes") < Num(first, "new_bytes"));
  CHECK(Num(second, "new_objects") < Num(second, "objects"));
  const std::string id = Str(second, "backup_id");

  const auto list = node.CliJson({"backup", "list"});
  REQUIRE(list.fields().at("backups").list_value().values_size() == 2);
  CHECK(node.CliJson({"backup", "verify"}).fields().at("ok").bool_value());
  const auto drill = node.CliJson({"backup", "drill"});
  CHECK(drill.fields().at("ok").bool_value());
  CHECK(Num(drill, "audit_entries") > 0);
  // Only the system administrator backs up.
  const auto refused = node.CliAs("kgtest-op", {"backup", "create"});
  CHECK(refused.exit_code != 0);
  CHECK(refused.err.find("may not run") != std::string::npos);

  const fs::path s1 = node.dir() / "share-1", s2 = node.dir() / "share-2";
  WriteShares(node, s1, s2);
  const std::string before = node.Cli({"get", "A101-WS·2020-Y-0002"}).out;
  REQUIRE(before.find("更正") != std::string::npos);
  REQUIRE(node.Stop(SIGTERM) == 0);

  // The machine is lost: the data directory, the config and the backup key are gone.
  const fs::path repo = node.dir() / "backups";
  fs::remove_all(node.dir() / "data");
  fs::remove(node.dir() / "kuaguan.toml");
  fs::remove(node.dir() / "backup.key");

  // One person cannot restore: the same share twice, or a mistyped one, is refused.
  const fs::path dest = node.dir() / "restored";
  auto twice = Run({BinDir() + "/kuaguan", "restore", repo.string(), "--to", dest.string(), "--share", s1.string(),
                    "--share", s1.string()});
  CHECK(twice.exit_code != 0);
  CHECK(twice.err.find("both shares are share 1") != std::string::npos);
  std::string typo;
  {
    std::ifstream in(s2);
    std::getline(in, typo);
  }
  typo[20] = typo[20] == 'a' ? 'b' : 'a';
  WriteFile(node.dir() / "share-typo", typo + "\n");
  fs::permissions(node.dir() / "share-typo", fs::perms::owner_read | fs::perms::owner_write);
  auto mistyped = Run({BinDir() + "/kuaguan", "restore", repo.string(), "--to", dest.string(), "--share", s1.string(),
                       "--share", (node.dir() / "share-typo").string()});
  CHECK(mistyped.exit_code != 0);
  CHECK(mistyped.err.find("mistyped") != std::string::npos);
  CHECK(!fs::exists(dest / "kuaguan.toml"));

  auto restored = Run({BinDir() + "/kuaguan", "restore", repo.string(), "--to", dest.string(), "--share", s1.string(),
                       "--share", s2.string(), "--json"});
  INFO(restored.err);
  REQUIRE(restored.exit_code == 0);
  CHECK(restored.out.find(id) != std::string::npos);
  for (const char* name : {"kuaguan.toml", "data", "backup.key"}) fs::rename(dest / name, node.dir() / name);

  node.Start();
  CHECK(node.Cli({"get", "A101-WS·2020-Y-0002"}).out == before);
  const auto stats = node.CliJson({"stats"});
  CHECK(Num(stats, "records") == 300);
  CHECK(WaitUntil([&] { return Num(node.CliJson({"stats"}), "indexed_documents") == 300; }, std::chrono::seconds(30)));
  CHECK(node.Cli({"search", "婚姻登记档案（更正）"}).out.find("A101-WS·2020-Y-0003") != std::string::npos);
  const auto verified = node.CliJson({"audit", "verify"});
  CHECK(verified.fields().at("ok").bool_value());
  const auto audit = node.Cli({"audit", "list", "--action", "backup.restored"});
  CHECK(audit.out.find(id) != std::string::npos);
  // The restored node backs up into the same repository under the same key.
  CHECK(node.CliJson({"backup", "create", "--to", repo.string()}).fields().at("new_objects").number_value() >= 0);
}

TEST_CASE("a damaged backup object is found by verify and drill, and named") {
  RunningNode node;
  node.Start();
  WriteFile(node.dir() / "a.csv", Catalog(1, 50, "招工登记表"));
  REQUIRE(node.Cli({"import", (node.dir() / "a.csv").string()}).exit_code == 0);
  REQUIRE(node.CliJson({"backup", "create"}).fields().count("backup_id") == 1);
  // Flip one byte in the largest object.
  fs::path largest;
  uintmax_t size = 0;
  for (const auto& e : fs::recursive_directory_iterator(node.dir() / "backups" / "objects")) {
    if (e.is_regular_file() && e.file_size() > size) {
      size = e.file_size();
      largest = e.path();
    }
  }
  REQUIRE(!largest.empty());
  {
    std::fstream f(largest, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(static_cast<std::streamoff>(size / 2));
    char c = 0;
    f.get(c);
    f.seekp(static_cast<std::streamoff>(size / 2));
    f.put(static_cast<char>(c ^ 0x01));
  }
  const auto verify = node.Cli({"backup", "verify"});
  CHECK(verify.exit_code != 0);
  CHECK(verify.out.find("DAMAGED") != std::string::npos);
  CHECK(verify.out.find(largest.filename().string()) != std::string::npos);
  const auto drill = node.Cli({"backup", "drill"});
  CHECK(drill.exit_code != 0);
  CHECK(drill.out.find("FAILED") != std::string::npos);
  const auto audit = node.Cli({"audit", "list", "--action", "backup.drill"});
  CHECK(audit.out.find("failed") != std::string::npos);
  // Verify set the damaged object aside: the next backup writes it again from the store.
  CHECK(fs::exists(largest.string() + ".damaged"));
  CHECK(node.CliJson({"backup", "create"}).fields().at("new_objects").number_value() >= 1);
  CHECK(node.CliJson({"backup", "verify"}).fields().at("ok").bool_value());
  // A repository inside the data directory is refused.
  const auto inside = node.Cli({"backup", "create", "--to", (node.dir() / "data" / "bk").string()});
  CHECK(inside.exit_code != 0);
  CHECK(inside.err.find("inside the data directory") != std::string::npos);
}

}  // namespace
}  // namespace kuaguan::testing
