// People and roles (三员分离) against a real node and real Unix accounts: every role of the role
// table tries every command over raw gRPC (with a forged actor name) and through the CLI, and is
// allowed or refused exactly as the table says; an account outside the socket's group cannot
// connect; an unregistered one is unauthenticated; nobody holds two 三员 roles; a revoked person
// is refused at the next call; the audit trail names people.
#include <catch2/catch.hpp>

#include <map>
#include <set>
#include <sstream>

#include "base/roles.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "tests/integration/node_fixture.h"

using namespace kuaguan::testing;
namespace base = kuaguan::base;

namespace {

constexpr char kTester[] = "kgtest-cat";  // granted one role at a time

// "Service/Method[:variant]" -> CODE, from role_probe.py run as `user` (empty: this process).
std::map<std::string, std::string> Probe(const RunningNode& node, const std::string& user) {
  const std::string gen = (node.dir() / "py").string();
  const RunResult r = RunAs(user, {"/usr/bin/python3", (node.dir() / "role_probe.py").string(), gen,
                                   (node.dir() / "run" / "kuaguand.sock").string()});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  std::map<std::string, std::string> codes;
  std::istringstream in(r.out);
  std::string label, code;
  while (in >> label >> code) codes[label] = code;
  return codes;
}

// The label role_probe.py prints for `method` serving `command`.
std::string Label(const base::CommandRule& rule, absl::string_view method) {
  std::string label(method);
  if (label == "Requests/Decide") label += ":" + std::string(rule.command.substr(rule.command.find(' ') + 1));
  return label;
}

// Every command's CLI words, with arguments that reach the node.
std::map<std::string, std::vector<std::string>> CliCalls(const RunningNode& node) {
  const std::string d = node.dir().string();
  WriteFile(node.dir() / "one.csv", "档号,题名,年度\nA101-WS·2020-Y-0001,退休审批表,2020\n");
  WriteFile(node.dir() / "junk.pdf", "%PDF-1.7 not a certificate");
  WriteFile(node.dir() / "junk.kgx", "KGXP1\nnot a package");
  WriteFile(node.dir() / "empty-manifest.csv", "档号,题名,年度,pages\n");
  return {
      {"status", {"status"}},
      {"whoami", {"whoami"}},
      {"stats", {"stats"}},
      {"import", {"import", d + "/one.csv"}},
      {"get", {"get", "A101-WS·2020-Y-0001"}},
      {"page", {"page", "A101-WS·2020-Y-0001", "1", "--out", d + "/p.png"}},
      {"search", {"search", "退休"}},
      {"search --federated", {"search", "退休", "--federated"}},
      {"modify", {"modify", "A101-WS·2020-Y-0009", "--set", "题名=改"}},
      {"withdraw", {"withdraw", "A101-WS·2020-Y-0009", "--reason", "测试"}},
      {"export", {"export", d + "/export-probe.csv"}},
      {"reindex", {"reindex"}},
      {"backup create", {"backup", "create"}},
      {"backup list", {"backup", "list"}},
      {"backup verify", {"backup", "verify"}},
      {"backup drill", {"backup", "drill"}},
      {"backup key-share", {"backup", "key-share"}},
      {"check", {"check"}},
      {"backup replicate", {"backup", "replicate"}},
      {"backup audit-replicas", {"backup", "audit-replicas"}},
      {"exchange request", {"exchange", "request", "--from", "410200", "--query", "婚姻", "--out", d + "/probe.kgx"}},
      {"exchange import", {"exchange", "import", d + "/junk.kgx"}},
      {"exchange list", {"exchange", "list"}},
      {"restore --from-peers", {"restore", "--from-peers", "--archive", "410100", "--to", d + "/restore-probe"}},
      {"audit verify", {"audit", "verify"}},
      {"audit list", {"audit", "list", "--limit", "5"}},
      {"ingest scans", {"ingest", "scans", d + "/empty-manifest.csv"}},
      {"ingest held", {"ingest", "held"}},
      {"ingest release", {"ingest", "release", "A101-WS·2020-Y-0009", "--reason", "测试"}},
      {"ingest report", {"ingest", "report", "no-batch"}},
      {"ingest sheet", {"ingest", "sheet", "no-batch", "--out", d + "/sheet.csv"}},
      {"ingest accept", {"ingest", "accept", "no-batch"}},
      {"enroll", {"enroll", "--provincial", "127.0.0.1:1", "--token", "x"}},
      {"directory refresh", {"directory", "refresh"}},
      {"peers", {"peers"}},
      {"cert export", {"cert", "export", d + "/certs-probe"}},
      {"ca token", {"ca", "token", "--archive", "410300", "--name", "洛阳市档案馆"}},
      {"ca revoke", {"ca", "revoke", "410300", "--reason", "测试"}},
      {"ca roll-signer", {"ca", "roll-signer"}},
      {"staff grant", {"staff", "grant", "kgtest-so2", "--name", "孙测试", "--role", "cataloguer"}},
      {"staff add", {"staff", "add", "周测试", "--role", "front-desk", "--out", d + "/staff-probe"}},
      {"staff list", {"staff", "list"}},
      {"staff revoke", {"staff", "revoke", "kgtest-nobody", "--reason", "测试"}},
      {"requests list", {"requests", "list"}},
      {"requests show", {"requests", "show", "no-request"}},
      {"requests issue", {"requests", "issue", "no-request", "--record", "A101-WS·2020-Y-0001"}},
      {"requests not-found", {"requests", "not-found", "no-request"}},
      {"requests refuse", {"requests", "refuse", "no-request", "--reason", "测试"}},
      {"requests extend", {"requests", "extend", "no-request", "--reason", "测试"}},
      {"requests approve", {"requests", "approve", "no-request"}},
      {"requests authorize", {"requests", "authorize", "no-request", "--accept"}},
      {"policy explain", {"policy", "explain", "A101-WS·2020-Y-0001"}},
      {"digitize queue", {"digitize", "queue"}},
      {"requests overdue", {"requests", "overdue"}},
      {"requests dead-letter", {"requests", "dead-letter"}},
      {"requests retry", {"requests", "retry", "999"}},
      {"requests revoke-certificate", {"requests", "revoke-certificate", "00", "--reason", "测试"}},
      {"stats requests", {"stats", "requests"}},
      {"verify", {"verify", d + "/junk.pdf"}},
      {"hub audit", {"hub", "audit", "--archive", "410100"}},
      {"hub login", {"hub", "login"}},
      {"hub resolve", {"hub", "resolve", "A1", "--reason", "测试"}},
      {"federation status", {"federation", "status"}},
      {"log checkpoint", {"log", "checkpoint"}},
      {"log proof", {"log", "proof", "410100-2026-000001-5"}},
      {"log consistency", {"log", "consistency", "1", "2"}},
      {"appraisal plan create", {"appraisal", "plan", "create", "--scope", "fonds=Z109", "--appraiser", "钱测试"}},
      {"appraisal plan list", {"appraisal", "plan", "list"}},
      {"appraisal plan show", {"appraisal", "plan", "show", "JD-0000-000"}},
      {"appraisal queue", {"appraisal", "queue"}},
      {"appraisal decide", {"appraisal", "decide", "JD-0000-000", "A101-WS·2020-Y-0001", "--open"}},
      {"appraisal review --step second", {"appraisal", "review", "JD-0000-000", "--step", "second", "--all"}},
      {"appraisal review --step final", {"appraisal", "review", "JD-0000-000", "--step", "final", "--all"}},
      {"appraisal report", {"appraisal", "report", "JD-0000-000", "--out", d + "/appraisal-probe.pdf"}},
      {"appraisal approve-report", {"appraisal", "approve-report", "JD-0000-000"}},
      {"appraisal announce", {"appraisal", "announce", "JD-0000-000", "--out", d + "/announce-probe.pdf"}},
  };
}

// Makes `user` hold exactly `role` (the security officer revokes what it had and grants anew).
void GrantOnly(const RunningNode& node, const std::string& user, const std::string& role) {
  (void)node.CliAs("kgtest-so", {"staff", "revoke", user, "--reason", "角色轮换"});
  const RunResult g = node.CliAs("kgtest-so", {"staff", "grant", user, "--name", "钱测试", "--role", role});
  INFO(g.err);
  REQUIRE(g.exit_code == 0);
}

}  // namespace

TEST_CASE("every role tries every command - raw gRPC and CLI - and the role table decides") {
  RunningNode node;
  node.Start();
  const std::string src = KUAGUAN_SOURCE_DIR;
  const std::string gen = (node.dir() / "py").string();
  REQUIRE(std::system(("mkdir -p " + gen + " && protoc -I " + src + "/proto --python_out=" + gen +
                       " --grpc_python_out=" + gen +
                       " --plugin=protoc-gen-grpc_python=$(command -v grpc_python_plugin) " + src +
                       "/proto/kuaguan/v1/*.proto && chmod -R a+rX " + gen + " && cp " + src +
                       "/tests/integration/role_probe.py " + node.dir().string() + "/ && chmod a+r " +
                       node.dir().string() + "/role_probe.py")
                          .c_str()) == 0);

  // Who plays each role: the service account, the two 三员 accounts, and one account re-granted.
  std::vector<std::pair<std::string, std::string>> players;  // role, account
  for (const base::RoleSpec& r : base::Roles()) {
    if (r.node == "provincial") continue;
    const std::string role(r.id);
    players.emplace_back(role, role == "system-admin"       ? ""
                               : role == "security-officer" ? "kgtest-so"
                               : role == "auditor"          ? "kgtest-aud"
                                                            : kTester);
  }
  const auto calls = CliCalls(node);
  int grpc_pairs = 0, cli_pairs = 0;
  for (const auto& [role, user] : players) {
    if (user == kTester) GrantOnly(node, user, role);
    INFO("role " << role << " as " << (user.empty() ? "the service account" : user));
    const auto codes = Probe(node, user);
    for (const base::CommandRule& rule : base::Commands()) {
      if (rule.command.substr(0, 5) == "desk ") continue;  // the Desk service is mutual TLS only
      const bool allowed = base::RoleMay(role, rule.command);
      for (absl::string_view method : rule.methods) {
        const std::string label = Label(rule, method);
        INFO("gRPC " << label << " for '" << std::string(rule.command) << "'");
        REQUIRE(codes.count(label) == 1);
        if (allowed) {
          CHECK(codes.at(label) != "PERMISSION_DENIED");
          CHECK(codes.at(label) != "UNAUTHENTICATED");
        } else {
          CHECK(codes.at(label) == "PERMISSION_DENIED");
        }
        ++grpc_pairs;
      }
      auto words = calls.find(std::string(rule.command));
      REQUIRE(words != calls.end());
      const RunResult r = user.empty() ? node.CliAs("root", words->second) : node.CliAs(user, words->second);
      INFO("CLI '" << std::string(rule.command) << "': exit " << r.exit_code << ": " << r.err);
      CHECK((r.err.find("may not run") != std::string::npos) == !allowed);
      CHECK(r.err.find("not registered") == std::string::npos);
      ++cli_pairs;
    }
  }
  // Every method the local socket serves is in the table.
  std::set<std::string> labelled;
  for (const base::CommandRule& rule : base::Commands()) {
    for (absl::string_view m : rule.methods) labelled.insert(Label(rule, m));
  }
  for (const auto& [label, code] : Probe(node, "")) {
    INFO(label);
    CHECK(labelled.count(label) == 1);
  }
  std::printf("role table: %zu roles x commands = %d gRPC pairs and %d CLI pairs checked\n", players.size(),
              grpc_pairs, cli_pairs);
  CHECK(grpc_pairs > 200);

  // An account outside the socket's group cannot connect; one inside but unregistered is nobody.
  for (const auto& [label, code] : Probe(node, "kgtest-out")) {
    INFO(label);
    CHECK(code == "UNAVAILABLE");
  }
  const RunResult outsider = node.CliAs("kgtest-out", {"status"});
  CHECK(outsider.exit_code != 0);
  CHECK(outsider.err.find("not in the node's socket group") != std::string::npos);
  (void)node.CliAs("kgtest-so", {"staff", "revoke", "kgtest-so2", "--reason", "测试结束"});
  GrantOnly(node, kTester, "cataloguer");
  (void)node.CliAs("kgtest-so", {"staff", "revoke", kTester, "--reason", "测试结束"});
  for (const auto& [label, code] : Probe(node, kTester)) {
    INFO(label);
    CHECK(code == "UNAUTHENTICATED");
  }
}

TEST_CASE("three-role separation, revocation at once, and an audit trail that names people") {
  RunningNode node;
  node.Start();
  // The system administrator registered the first security officer and can register no other.
  const RunResult second = node.CliAs("root", {"staff", "grant", "kgtest-so2", "--name", "孙保密", "--role",
                                               "security-officer"});
  CHECK(second.exit_code != 0);
  CHECK(second.err.find("first security officer") != std::string::npos);
  // Nobody holds two of the three roles: not the same account, not the same person elsewhere.
  const RunResult both = node.CliAs("kgtest-so", {"staff", "grant", "kgtest-aud", "--name", "赵审计", "--role",
                                                  "security-officer"});
  CHECK(both.exit_code != 0);
  CHECK(both.err.find("三员分离") != std::string::npos);
  const RunResult alias = node.CliAs("kgtest-so", {"staff", "grant", "kgtest-so2", "--name", "赵审计", "--role",
                                                   "system-admin"});
  CHECK(alias.exit_code != 0);
  CHECK(alias.err.find("三员分离") != std::string::npos);
  CHECK(node.CliAs("kgtest-so", {"staff", "grant", "kgtest-so", "--name", "王保密", "--role", "cataloguer"})
            .err.find("themselves") != std::string::npos);

  // A cataloguer imports but does not release a held item; the auditor verifies and lists the
  // audit but reads no record; the system administrator reads no record either.
  REQUIRE(node.CliAs("kgtest-so", {"staff", "grant", "kgtest-cat", "--name", "钱编目", "--role", "cataloguer"})
              .exit_code == 0);
  WriteFile(node.dir() / "one.csv", "档号,题名,年度\nA101-WS·2020-Y-0001,退休审批表,2020\n");
  CHECK(node.CliAs("kgtest-cat", {"import", (node.dir() / "one.csv").string()}).exit_code == 0);
  CHECK(node.CliAs("kgtest-cat", {"ingest", "release", "A101-WS·2020-Y-0001", "--reason", "x"})
            .err.find("may not run") != std::string::npos);
  CHECK(node.CliAs("kgtest-aud", {"audit", "verify"}).exit_code == 0);
  CHECK(node.CliAs("kgtest-aud", {"get", "A101-WS·2020-Y-0001"}).err.find("may not run") != std::string::npos);
  CHECK(node.CliAs("root", {"get", "A101-WS·2020-Y-0001"}).err.find("may not run") != std::string::npos);

  // Files are read with the caller's rights: a manifest only root may read is not ingested for
  // the digitizer (the CLI sends the bytes; the daemon opens no path a client names).
  std::filesystem::create_directories(node.dir() / "secret");
  WriteFile(node.dir() / "secret" / "manifest.csv", "档号,题名,年度,pages\n");
  std::filesystem::permissions(node.dir() / "secret" / "manifest.csv", std::filesystem::perms::owner_read);
  const RunResult secret = node.CliAs("kgtest-op", {"ingest", "scans", (node.dir() / "secret" / "manifest.csv").string()});
  CHECK(secret.exit_code != 0);
  CHECK(secret.err.find("cannot read it (with your rights)") != std::string::npos);

  // whoami is the kernel's word, whatever the client claims.
  auto me = node.CliJson({"whoami"});
  CHECK(Str(me, "person") == "李操作");
  CHECK(Str(me, "via") == "unix:kgtest-op");

  // Revoked: refused at the very next call, with the reason.
  REQUIRE(node.CliAs("kgtest-so", {"staff", "revoke", "kgtest-cat", "--reason", "调离岗位"}).exit_code == 0);
  const RunResult gone = node.CliAs("kgtest-cat", {"get", "A101-WS·2020-Y-0001"});
  CHECK(gone.exit_code != 0);
  CHECK(gone.err.find("调离岗位") != std::string::npos);

  // The audit trail names people: person, role and the Unix account, for the import, the
  // refusals and the revocation.
  const auto audit = [&](std::vector<std::string> args) {
    args.push_back("--json");
    const RunResult r = node.CliAs("kgtest-aud", args);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    google::protobuf::Struct s;
    REQUIRE(google::protobuf::util::JsonStringToMessage(r.out, &s).ok());
    std::set<std::string> seen;  // "person|role|via|action"
    for (const auto& e : s.fields().at("entries").list_value().values()) {
      seen.insert(Str(e.struct_value(), "person") + "|" + Str(e.struct_value(), "role") + "|" +
                  Str(e.struct_value(), "via") + "|" + Str(e.struct_value(), "action"));
    }
    return seen;
  };
  const auto all = audit({"audit", "list"});
  CHECK(all.count("钱编目|cataloguer|unix:kgtest-cat|record.import") == 1);
  CHECK(all.count("王保密|security-officer|unix:kgtest-so|staff.revoke") == 1);
  CHECK(all.count("钱编目|cataloguer|unix:kgtest-cat|access.denied") == 1);
  CHECK(all.count("service account root|system-admin|unix:root|access.denied") == 1);
  for (const std::string& e : audit({"audit", "list", "--actor", "钱编目"})) CHECK(e.rfind("钱编目|", 0) == 0);
}
