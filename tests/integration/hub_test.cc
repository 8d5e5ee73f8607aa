// The provincial node's third job on loopback, as processes: one hub and four members ship their
// audit logs while 10,000 audited operations run, the hub stopped midway and restarted, and the
// hub's copies end equal to every member's log; a member's audit store tampered with directly in
// RocksDB (an entry rewritten with the chain recomputed to the end, an entry dropped, the log
// truncated) is named by the hub within one sweep interval; certificates issued across archives
// reach the transparency log, both ends keep a verified inclusion proof, members cosign the
// checkpoints, and a hub that rewrites its log is caught by its witnesses.
#include <catch2/catch.hpp>
#include <signal.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "federation/state_store.h"
#include "google/protobuf/util/json_util.h"
#include "kuaguan/v1/hub.pb.h"
#include "node/store.h"
#include "seal/audit_chain.h"
#include "tests/integration/node_fixture.h"

using namespace kuaguan::testing;
namespace fs = std::filesystem;
namespace v1 = kuaguan::v1;

namespace {

// Short intervals for tests: the sweep and the health report every 2 s.
void FastHub(RunningNode& n, const std::string& extra = "") {
  std::ofstream(n.dir() / "kuaguan.toml", std::ios::app)
      << "audit_sweep_seconds = 2\nhealth_report_seconds = 2\n" << extra;
}

uint64_t MemberEntries(const RunningNode& member) { return static_cast<uint64_t>(Num(member.CliJson({"stats"}), "audit_entries")); }

// The hub's view of one member: entries held, state; and every alarm.
google::protobuf::Struct Federation(const RunningNode& prov) { return prov.CliJson({"federation", "status"}); }

google::protobuf::Struct MemberOf(const google::protobuf::Struct& view, const std::string& code) {
  for (const auto& m : view.fields().at("members").list_value().values()) {
    if (Str(m.struct_value(), "code") == code) return m.struct_value();
  }
  return {};
}

std::vector<google::protobuf::Struct> AlarmsOf(const google::protobuf::Struct& view, const std::string& code,
                                               const std::string& kind) {
  std::vector<google::protobuf::Struct> out;
  for (const auto& a : view.fields().at("alarms").list_value().values()) {
    if (Str(a.struct_value(), "archive") == code && Str(a.struct_value(), "kind") == kind) out.push_back(a.struct_value());
  }
  return out;
}

// Opens a stopped member's store (its daemon holds the lock while it runs).
std::unique_ptr<kuaguan::node::Store> OpenStore(const RunningNode& member) {
  auto store = kuaguan::node::Store::Open(member.dir() / "data" / "store");
  REQUIRE(store.ok());
  return *std::move(store);
}

std::vector<v1::AuditEntry> AllEntries(kuaguan::node::Store* store) {
  std::vector<v1::AuditEntry> out;
  REQUIRE(store->ForEachAudit([&](const v1::AuditEntry& e) {
    out.push_back(e);
    return true;
  }).ok());
  return out;
}

void Put(kuaguan::node::Store* store, const v1::AuditEntry& e) {
  rocksdb::WriteOptions wo;
  wo.sync = true;
  REQUIRE(store->raw_db()->Put(wo, store->audit_family(), kuaguan::federation::SeqKey(e.seq()), e.SerializeAsString()).ok());
}

void Delete(kuaguan::node::Store* store, uint64_t seq) {
  rocksdb::WriteOptions wo;
  wo.sync = true;
  REQUIRE(store->raw_db()->Delete(wo, store->audit_family(), kuaguan::federation::SeqKey(seq)).ok());
}

}  // namespace

const int kSearches = std::getenv("HUB_TEST_SEARCHES") ? std::atoi(std::getenv("HUB_TEST_SEARCHES")) : 1250;

TEST_CASE("the audit hub: four members ship 10,000 audited operations through a hub restart, nothing lost") {
  RunningNode prov("410000", "河南省档案馆", "provincial");
  FastHub(prov);
  std::vector<std::unique_ptr<RunningNode>> members;
  const std::vector<std::pair<std::string, std::string>> codes = {
      {"410100", "郑州市档案馆"}, {"410200", "开封市档案馆"}, {"410300", "洛阳市档案馆"}, {"410500", "安阳市档案馆"}};
  prov.Start();
  for (const auto& [code, name] : codes) {
    members.push_back(std::make_unique<RunningNode>(code, name));
    FastHub(*members.back());
    members.back()->Start();
    Enroll(prov, *members.back(), code, name);
  }
  auto busy = [&] {  // the four archives at once
    std::vector<std::thread> threads;
    for (auto& m : members) threads.emplace_back([&m] { AuditedSearches(*m, kSearches); });
    for (auto& t : threads) t.join();
  };
  busy();
  // The hub goes down for a while; members keep working, their logs are the spool.
  REQUIRE(prov.Stop(SIGKILL) != 0);
  busy();
  prov.Start();
  for (size_t i = 0; i < members.size(); ++i) {
    const uint64_t written = MemberEntries(*members[i]);
    CHECK(written >= 2u * kSearches);
    uint64_t held = 0;
    const bool caught_up = WaitUntil(
        [&] {
          held = static_cast<uint64_t>(Num(MemberOf(Federation(prov), codes[i].first), "audit_entries"));
          return held >= written;
        },
        std::chrono::seconds(60));
    INFO(codes[i].first << ": the member wrote " << written << ", the hub holds " << held);
    INFO("member's log:\n" << members[i]->daemon_log() << "\nhub's log:\n" << prov.daemon_log());
    CHECK(caught_up);
  }
  // The hub's copy is the member's log: the auditor queries across members.
  auto searches = prov.CliJson({"hub", "audit", "--archive", "410200", "--action", "record.search", "--limit", "1"});
  CHECK(Num(searches, "matched") >= 2 * kSearches);
  auto by_person = prov.CliJson({"hub", "audit", "--person", "李操作", "--limit", "10"});
  CHECK(Num(by_person, "matched") >= 8 * kSearches);
  const auto view = Federation(prov);
  for (const auto& [code, name] : codes) {
    INFO(code);
    CHECK(AlarmsOf(view, code, "audit-mismatch").empty());
  }
  CHECK(prov.Cli({"hub", "audit", "--from", "2026-13-01"}).err.find("YYYY-MM-DD") != std::string::npos);
}

TEST_CASE("the audit hub names the entry when a member's audit store is rewritten, dropped or truncated") {
  RunningNode prov("410000", "河南省档案馆", "provincial");
  FastHub(prov);
  RunningNode zz("410100", "郑州市档案馆"), kf("410200", "开封市档案馆"), ly("410300", "洛阳市档案馆");
  prov.Start();
  for (auto* m : {&zz, &kf, &ly}) {
    FastHub(*m);
    m->Start();
  }
  Enroll(prov, zz, "410100", "郑州市档案馆");
  Enroll(prov, kf, "410200", "开封市档案馆");
  Enroll(prov, ly, "410300", "洛阳市档案馆");
  for (auto* m : {&zz, &kf, &ly}) AuditedSearches(*m, 40);
  for (auto* m : {&zz, &kf, &ly}) {
    const uint64_t written = MemberEntries(*m);
    REQUIRE(WaitUntil([&] { return Num(MemberOf(Federation(prov), m == &zz ? "410100" : m == &kf ? "410200" : "410300"),
                                       "audit_entries") >= written; },
                      std::chrono::seconds(30)));
  }
  uint64_t rewritten = 0, dropped = 0, truncated_at = 0;
  // 郑州: one entry's object rewritten and the chain recomputed to the end, as a careful forger would.
  REQUIRE(zz.Stop(SIGTERM) == 0);
  {
    auto store = OpenStore(zz);
    auto entries = AllEntries(store.get());
    REQUIRE(entries.size() > 30);
    rewritten = entries[20].seq();
    entries[20].set_object("伪造的对象");
    std::string prev = entries[19].hash();
    for (size_t i = 20; i < entries.size(); ++i) {
      kuaguan::seal::SealAuditEntry(entries[i].seq() - 1, prev, &entries[i]);
      prev = entries[i].hash();
      Put(store.get(), entries[i]);
    }
  }
  // 开封: one entry dropped.
  REQUIRE(kf.Stop(SIGTERM) == 0);
  {
    auto store = OpenStore(kf);
    auto entries = AllEntries(store.get());
    dropped = entries[25].seq();
    Delete(store.get(), dropped);
  }
  // 洛阳: the log truncated.
  REQUIRE(ly.Stop(SIGTERM) == 0);
  {
    auto store = OpenStore(ly);
    auto entries = AllEntries(store.get());
    truncated_at = entries[30].seq();
    for (size_t i = 30; i < entries.size(); ++i) Delete(store.get(), entries[i].seq());
  }
  const auto restarted = std::chrono::steady_clock::now();
  for (auto* m : {&zz, &kf, &ly}) m->Start();
  auto alarm_for = [&](const std::string& code) {
    google::protobuf::Struct found;
    const bool raised = WaitUntil(
        [&] {
          auto alarms = AlarmsOf(Federation(prov), code, "audit-mismatch");
          if (alarms.empty()) return false;
          found = alarms[0];
          return true;
        },
        std::chrono::seconds(20));
    INFO(code);
    REQUIRE(raised);
    return found;
  };
  const auto a1 = alarm_for("410100");
  INFO(Str(a1, "detail"));
  CHECK(Num(a1, "first_bad_entry") == rewritten);
  CHECK(Str(a1, "detail").find("rewritten") != std::string::npos);
  CHECK(Str(a1, "detail").find("伪造的对象") != std::string::npos);
  const auto a2 = alarm_for("410200");
  INFO(Str(a2, "detail"));
  CHECK(Num(a2, "first_bad_entry") == dropped);
  CHECK(Str(a2, "detail").find("dropped") != std::string::npos);
  const auto a3 = alarm_for("410300");
  INFO(Str(a3, "detail"));
  CHECK(Num(a3, "first_bad_entry") == truncated_at);
  CHECK(Str(a3, "detail").find("truncated") != std::string::npos);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - restarted).count();
  std::printf("three tampered logs named by the hub %.1f s after the members restarted (sweep interval 2 s)\n", seconds);
  // The members are in alarm; the hub's copies were not overwritten.
  const auto view = Federation(prov);
  CHECK(Str(MemberOf(view, "410100"), "state") == "alarm");
  auto kept = prov.CliJson({"hub", "audit", "--archive", "410100", "--object", "伪造的对象"});
  CHECK(Num(kept, "matched") == 0);
  // The auditor closes the alarm (a state, audited); the log still differs, so the next sweep
  // raises a new one.
  const std::string first_id = Str(a1, "id");
  const auto closed = prov.CliJson({"hub", "resolve", first_id, "--reason", "已核查：郑州馆正在恢复审计日志"});
  CHECK_FALSE(closed.fields().at("open").bool_value());
  CHECK(prov.Cli({"hub", "resolve", first_id, "--reason", "again"}).err.find("closed already") != std::string::npos);
  CHECK(prov.Cli({"hub", "resolve", "A999", "--reason", "x"}).exit_code != 0);
  REQUIRE(WaitUntil(
      [&] {
        for (const auto& a : AlarmsOf(Federation(prov), "410100", "audit-mismatch")) {
          if (a.fields().at("open").bool_value() && Str(a, "id") != first_id) return true;
        }
        return false;
      },
      std::chrono::seconds(20)));
}

namespace {

const std::string kPerson = "11010519491231002X";  // 王建国

// The front-desk client with a staff profile; the identity number through a file, never argv.
RunResult Desk(const std::string& profile, std::vector<std::string> args) {
  static int counter = 0;
  for (size_t i = 0; i + 1 < args.size(); ++i) {
    if (args[i] != "--id-number") continue;
    const std::string file = profile + ".id-" + std::to_string(counter++);
    std::ofstream(file) << args[i + 1] << "\n";
    args[i] = "--id-number-file";
    args[i + 1] = file;
  }
  args.insert(args.begin(), {BinDir() + "/kuaguan-desk", "--profile", profile});
  return Run(args);
}

google::protobuf::Struct Parse(const RunResult& r) {
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  google::protobuf::Struct s;
  REQUIRE(google::protobuf::util::JsonStringToMessage(r.out, &s).ok());
  return s;
}

// Files a request at the front desk for 王建国's marriage record at 开封 (auto-issued there) and
// waits until the certificate is delivered; its serial.
std::string Certify(const std::string& profile, const fs::path& pdf) {
  const auto filed = Parse(Desk(profile, {"request", "--name", "王建国", "--id-number", kPerson, "--target", "410200",
                                          "--category", "婚姻登记", "--purpose", "办理养老保险待遇", "--json"}));
  const std::string id = Str(filed, "request_id");
  REQUIRE(WaitUntil([&] { return Str(Parse(Desk(profile, {"status", id, "--json"})), "state") == "REQUEST_STATE_DELIVERED"; },
                    std::chrono::seconds(60)));
  REQUIRE(Desk(profile, {"fetch", id, "--out", pdf.string()}).exit_code == 0);
  return id;
}

}  // namespace

TEST_CASE("the transparency log: certificates logged at issue, proofs at both ends, witnesses, a rewritten log caught") {
  RunningNode prov("410000", "河南省档案馆", "provincial");
  RunningNode zz("410100", "郑州市档案馆"), kf("410200", "开封市档案馆");
  FastHub(prov);
  FastHub(zz);
  FastHub(kf, "auto_issue = true\n");
  prov.Start();
  zz.Start();
  kf.Start();
  Enroll(prov, zz, "410100", "郑州市档案馆");
  Enroll(prov, kf, "410200", "开封市档案馆");
  REQUIRE(zz.Cli({"directory", "refresh"}).exit_code == 0);
  WriteFile(kf.dir() / "hy.csv",
            "档号,题名,年度,日期,责任者,共享类别,密级,民生类别,身份证号\n"
            "K2-HY·1985-Y-0001,王建国与李秀英结婚登记,1985,19850312,开封市民政局,无条件共享,公开,婚姻登记," +
                kPerson + "\n");
  REQUIRE(kf.Cli({"import", (kf.dir() / "hy.csv").string()}).exit_code == 0);
  const auto desk_dir = zz.dir() / "desk";
  REQUIRE(zz.Cli({"staff", "add", "赵敏", "--role", "front-desk", "--out", desk_dir.string()}).exit_code == 0);
  const std::string profile = (desk_dir / "desk.toml").string();

  const fs::path pdf = zz.dir() / "cert.pdf";
  Certify(profile, pdf);
  const std::string serial = Str(zz.CliJson({"verify", pdf.string()}), "serial");
  REQUIRE_FALSE(serial.empty());

  // The issuing archive logged it through its spool; both ends hold a verified proof.
  for (RunningNode* n : {&kf, &zz}) {
    google::protobuf::Struct proof;
    REQUIRE(WaitUntil(
        [&] {
          const RunResult r = n->Cli({"log", "proof", serial, "--json"});
          if (r.exit_code != 0) return false;
          proof = Parse(r);
          return true;
        },
        std::chrono::seconds(30)));
    CHECK(proof.fields().at("verified").bool_value());
    CHECK(Str(proof, "archive") == "410200");
    CHECK(Num(proof, "index") == 0);
  }
  // What each end keeps: the proof in its own store, audited (log.proof).
  for (RunningNode* n : {&kf, &zz}) {
    REQUIRE(WaitUntil([&] { return n->Cli({"audit", "list", "--action", "log.proof"}).out.find(serial) != std::string::npos; },
                      std::chrono::seconds(30)));
  }
  // verify --online reports the log index; offline with the exported key, checkpoint and proof.
  const auto online = zz.CliJson({"verify", pdf.string(), "--online"});
  INFO(zz.Cli({"verify", pdf.string(), "--online"}).out);
  REQUIRE(online.fields().count("transparency_log") == 1);
  const auto& log = online.fields().at("transparency_log").struct_value();
  CHECK(log.fields().at("included").bool_value());
  CHECK(Num(log, "index") == 0);
  const fs::path trust = zz.dir() / "trust";
  REQUIRE(zz.CliAs("root", {"cert", "export", trust.string()}).exit_code == 0);
  CHECK(fs::exists(trust / "log-key.pem"));
  REQUIRE(zz.Cli({"log", "proof", serial, "--out", pdf.string() + ".logproof"}).exit_code == 0);
  const auto offline = Parse(Run({BinDir() + "/kuaguan", "verify", pdf.string(), "--trust", trust.string(), "--json"}));
  CHECK(offline.fields().at("transparency_log").struct_value().fields().at("included").bool_value());
  // A third party with Python's hashlib and the openssl command checks the same proof.
  const RunResult json_proof = zz.Cli({"log", "proof", serial, "--json"});
  REQUIRE(json_proof.exit_code == 0);
  WriteFile(zz.dir() / "proof.json", json_proof.out);
  const std::string checker = std::string(KUAGUAN_SOURCE_DIR) + "/deploy/verify-log-proof.py";
  const RunResult third = Run({"/usr/bin/python3", checker, pdf.string(), (zz.dir() / "proof.json").string(),
                               (trust / "log-key.pem").string()});
  INFO(third.out << third.err);
  CHECK(third.exit_code == 0);
  CHECK(third.out.find("proof verified, checkpoint signed") != std::string::npos);
  const RunResult wrong_key = Run({"/usr/bin/python3", checker, pdf.string(), (zz.dir() / "proof.json").string(),
                                   (trust / "node.pem").string()});
  CHECK(wrong_key.exit_code != 0);
  // A proof for another file is refused.
  WriteFile(zz.dir() / "other.logproof", "junk");
  const auto junk = Parse(Run({BinDir() + "/kuaguan", "verify", pdf.string(), "--trust", trust.string(), "--log-proof",
                               (zz.dir() / "other.logproof").string(), "--json"}));
  CHECK_FALSE(junk.fields().at("transparency_log").struct_value().fields().at("included").bool_value());

  // A second certificate; the members witness and cosign; the log proves it only grew.
  Certify(profile, zz.dir() / "cert2.pdf");
  google::protobuf::Struct cp;
  REQUIRE(WaitUntil(
      [&] {
        cp = prov.CliJson({"log", "checkpoint"});
        return Num(cp, "size") == 2 && cp.fields().at("witnesses").list_value().values_size() == 2;
      },
      std::chrono::seconds(30)));
  CHECK(Str(cp, "note").find("kuaguan/410000/certificates\n2\n") == 0);
  const auto consistent = zz.CliJson({"log", "consistency", "1", "2"});
  CHECK(consistent.fields().at("verified").bool_value());
  CHECK(prov.Cli({"log", "consistency", "3", "2"}).exit_code != 0);

  // The hub rewrites its history (the first leaf changed in its store): the next checkpoint does
  // not extend the one the witnesses hold, and they raise the alarm everywhere.
  REQUIRE(prov.Stop(SIGTERM) == 0);
  {
    auto store = kuaguan::node::Store::Open(prov.dir() / "data" / "store");
    REQUIRE(store.ok());
    const std::string key = std::string("ct/leaf/") + kuaguan::federation::SeqKey(0);
    auto raw = (*store)->GetMeta(key);
    REQUIRE(raw.ok());
    REQUIRE(raw->has_value());
    v1::LogEntry e;
    REQUIRE(e.ParseFromString(**raw));
    e.set_serial(e.serial() + "X");
    REQUIRE((*store)->PutMeta({{key, e.SerializeAsString()}}, {"forger", "log.rewrite", "leaf 0", "ok"}).ok());
  }
  prov.Start();
  Certify(profile, zz.dir() / "cert3.pdf");
  REQUIRE(WaitUntil([&] { return !AlarmsOf(Federation(prov), "410100", "log-inconsistency").empty(); },
                    std::chrono::seconds(30)));
  const auto alarm = AlarmsOf(Federation(prov), "410100", "log-inconsistency")[0];
  INFO(Str(alarm, "detail"));
  CHECK(Str(alarm, "detail").find("does not extend") != std::string::npos);
  CHECK(zz.Cli({"audit", "list", "--action", "hub.alarm"}).out.find("inconsistency") != std::string::npos);
}
