// Off-site backup replicas between real archives over mutual TLS: the owner's encrypted backup
// objects go to two archives of other cities (never to one of its own city), the holders prove
// possession to fresh nonces, a damaged and a deleted replica are found and sent again, and the
// owner, destroyed, is rebuilt on a new node from its peers' replicas with its two key shares.
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

std::string ShareText(const RunResult& r) {
  const size_t at = r.out.find("KGBK1-");
  return r.out.substr(at, r.out.find('"', at) - at);
}

void WritePrivate(const fs::path& path, const std::string& text) {
  WriteFile(path, text + "\n");
  fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write);
}

// Every file under `dir` holding a replica (objects only), sorted.
std::vector<fs::path> ReplicaObjects(const fs::path& dir) {
  std::vector<fs::path> out;
  for (const auto& e : fs::recursive_directory_iterator(dir / "objects")) {
    if (e.is_regular_file()) out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST_CASE("replicas at two archives of other cities: audited, repaired, and a lost node rebuilt from them") {
  RunningNode provincial("410000", "河南省档案馆", "provincial");
  RunningNode owner("410100", "郑州市档案馆");
  RunningNode kaifeng("410200", "开封市档案馆");
  RunningNode luoyang("410300", "洛阳市档案馆");
  RunningNode gongyi("410181", "巩义市档案馆");  // in Zhengzhou's city: never a holder of its replicas
  for (RunningNode* n : {&provincial, &owner, &kaifeng, &luoyang, &gongyi}) n->Start();
  Enroll(provincial, owner, "410100", "郑州市档案馆");
  Enroll(provincial, kaifeng, "410200", "开封市档案馆");
  Enroll(provincial, luoyang, "410300", "洛阳市档案馆");
  Enroll(provincial, gongyi, "410181", "巩义市档案馆");
  for (RunningNode* n : {&owner, &kaifeng, &luoyang, &gongyi}) REQUIRE(n->Cli({"directory", "refresh"}).exit_code == 0);

  std::string csv = "档号,题名,年度\n";
  for (int i = 1; i <= 200; ++i) absl::StrAppend(&csv, "A101-WS·2020-Y-", 1000 + i, ",招工登记表", i, ",2020\n");
  WriteFile(owner.dir() / "a.csv", csv);
  REQUIRE(owner.Cli({"import", (owner.dir() / "a.csv").string()}).exit_code == 0);
  const auto backup = owner.CliJson({"backup", "create"});
  CHECK(backup.fields().at("signed").bool_value());

  const auto pushed = owner.CliJson({"backup", "replicate"});
  CHECK(pushed.fields().at("ok").bool_value());
  const auto& peers = pushed.fields().at("peers").list_value();
  REQUIRE(peers.values_size() == 2);
  std::set<std::string> holders;
  for (const auto& p : peers.values()) {
    holders.insert(Str(p.struct_value(), "archive"));
    CHECK(Num(p.struct_value(), "sent") > 0);
    CHECK(Str(p.struct_value(), "error").empty());
  }
  CHECK(holders == std::set<std::string>{"410200", "410300"});
  CHECK(!fs::exists(gongyi.dir() / "replicas" / "410100"));
  // The holders keep ciphertext: no record title appears in what they hold.
  const auto held = ReplicaObjects(kaifeng.dir() / "replicas" / "410100");
  REQUIRE(!held.empty());
  for (const auto& f : held) {
    std::ifstream in(f, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    CHECK(bytes.find("招工登记表") == std::string::npos);
  }
  // A second replicate sends nothing new.
  const auto again = owner.CliJson({"backup", "replicate"});
  for (const auto& p : again.fields().at("peers").list_value().values()) CHECK(Num(p.struct_value(), "sent") == 0);

  // Every replica challenged: all present and whole.
  const auto clean = owner.CliJson({"backup", "audit-replicas", "--sample", "100000"});
  CHECK(clean.fields().at("ok").bool_value());
  // Damage one replica at 开封 and delete one at 洛阳.
  const fs::path damaged = held.front();
  {
    std::fstream f(damaged, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(40);
    f.put('\x5a');
  }
  const auto luoyang_held = ReplicaObjects(luoyang.dir() / "replicas" / "410100");
  const fs::path deleted = luoyang_held.back();
  fs::remove(deleted);
  const auto found = owner.Cli({"backup", "audit-replicas", "--sample", "100000", "--no-repair", "--json"});
  CHECK(found.exit_code != 0);
  CHECK(found.out.find(damaged.filename().string()) != std::string::npos);
  CHECK(found.out.find(deleted.filename().string()) != std::string::npos);
  const auto repaired = owner.CliJson({"backup", "audit-replicas", "--sample", "100000"});
  for (const auto& p : repaired.fields().at("peers").list_value().values()) CHECK(Num(p.struct_value(), "sent") == 1);
  CHECK(fs::exists(deleted));
  CHECK(owner.CliJson({"backup", "audit-replicas", "--sample", "100000"}).fields().at("ok").bool_value());
  CHECK(owner.Cli({"audit", "list", "--action", "backup.audit-replicas"}).out.find("damaged") != std::string::npos);

  // The shares, kept offline by two people; then the owner's machine is lost.
  WritePrivate(owner.dir() / "s1", ShareText(owner.CliAs("root", {"backup", "key-share", "--json"})));
  WritePrivate(owner.dir() / "s2", ShareText(owner.CliAs("kgtest-so", {"backup", "key-share", "--json"})));
  const std::string record = owner.Cli({"get", "A101-WS·2020-Y-1007"}).out;
  REQUIRE(owner.Stop(SIGKILL) != 0);

  // A new machine for 郑州: a fresh node, enrolled again, fetches its replicas and restores.
  RunningNode fresh("410100", "郑州市档案馆");
  fresh.Start();
  Enroll(provincial, fresh, "410100", "郑州市档案馆");
  REQUIRE(fresh.Cli({"directory", "refresh"}).exit_code == 0);
  const fs::path dest = fresh.dir() / "rebuilt";
  const auto wrong = fresh.CliAs("root", {"restore", "--from-peers", "--archive", "410200", "--to", dest.string()});
  CHECK(wrong.exit_code != 0);
  CHECK(wrong.err.find("only its own replicas") != std::string::npos);
  const auto rebuilt = fresh.CliAs("root", {"restore", "--from-peers", "--archive", "410100", "--to", dest.string(),
                                            "--share", (owner.dir() / "s1").string(), "--share", (owner.dir() / "s2").string()});
  INFO(rebuilt.err);
  REQUIRE(rebuilt.exit_code == 0);
  CHECK(rebuilt.out.find("Restored backup") != std::string::npos);
  REQUIRE(fresh.Stop(SIGTERM) == 0);
  fs::remove_all(fresh.dir() / "data");
  fs::remove(fresh.dir() / "kuaguan.toml");
  for (const char* name : {"kuaguan.toml", "data", "backup.key", "backups"}) fs::rename(dest / name, fresh.dir() / name);
  fresh.Start();
  CHECK(fresh.Cli({"get", "A101-WS·2020-Y-1007"}).out == record);
  CHECK(fresh.CliJson({"audit", "verify"}).fields().at("ok").bool_value());
  CHECK(fresh.Cli({"audit", "list", "--action", "backup.restored"}).out.find(Str(backup, "backup_id")) != std::string::npos);
  // It serves the federation under its new certificate: its peers answer it.
  CHECK(WaitUntil([&] { return fresh.Cli({"peers"}).out.find("开封市档案馆") != std::string::npos; }, std::chrono::seconds(30)));
  CHECK(fresh.CliJson({"backup", "replicate"}).fields().at("ok").bool_value());
}

}  // namespace
}  // namespace kuaguan::testing
