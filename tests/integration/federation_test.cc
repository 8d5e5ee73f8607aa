// A provincial node and two archives on loopback, as processes: enrollment with one-time tokens,
// mutual TLS between archives, federated search over unconditionally shared catalog records,
// revocation reaching a peer within one refresh, work from the cached directory while the
// provincial node is down, and OpenSSL against the nodes and their certificates.
#include <catch2/catch.hpp>
#include <signal.h>

#include <cstdlib>
#include <fstream>
#include <thread>

#include "tests/integration/node_fixture.h"

using namespace kuaguan::testing;

namespace {

size_t Hits(const google::protobuf::Struct& s) { return s.fields().at("hits").list_value().values_size(); }

std::string Token(RunningNode& provincial, const std::string& archive, const std::string& name) {
  return Str(provincial.CliJson({"ca", "token", "--archive", archive, "--name", name}), "token");
}

// Runs a shell command; its exit status.
int Sh(const std::string& cmd) { return std::system(cmd.c_str()); }

// The provincial node's audit entries of enrollment (federation.enroll), as its auditor lists them.
std::vector<std::string> EnrollOutcomes(RunningNode& provincial) {
  std::vector<std::string> out;
  auto list = provincial.CliJson({"audit", "list", "--action", "federation.enroll"});
  if (list.fields().count("entries") == 0) return out;
  for (const auto& e : list.fields().at("entries").list_value().values()) out.push_back(Str(e.struct_value(), "outcome"));
  return out;
}
size_t EnrollAudits(RunningNode& provincial) { return EnrollOutcomes(provincial).size(); }

}  // namespace

TEST_CASE("a federation on loopback: enrollment - mutual TLS - federated search - revocation - outage") {
  RunningNode prov("410000", "河南省档案馆", "provincial");
  RunningNode zz("410100", "郑州市档案馆");
  RunningNode kf("410200", "开封市档案馆");
  prov.Start();
  zz.Start();
  kf.Start();
  const std::string enroll = Str(prov.CliJson({"status"}), "enroll_listen");
  REQUIRE_FALSE(enroll.empty());

  // An identity number imported before enrollment is hashed with the node's own key.
  const std::string person = "11010519491231002X";
  auto import_person = [&](RunningNode& n, const std::string& code) {
    WriteFile(n.dir() / "p.csv", "档号,题名,年度,身份证号\n" + code + ",退休审批表,2001," + person + "\n");
    REQUIRE(n.Cli({"import", (n.dir() / "p.csv").string()}).exit_code == 0);
    const auto got = n.CliJson({"get", code});
    const auto& hashes = got.fields().at("record").struct_value().fields().at("person_hashes").list_value();
    REQUIRE(hashes.values_size() == 1);
    return hashes.values(0).string_value();
  };
  const std::string before = import_person(zz, "Z9-WS·2001-Y-0001");

  // Enrollment: one use per token; a token for another archive, or of another federation, is refused.
  const std::string t1 = Token(prov, "410100", "郑州市档案馆");
  auto enrolled = zz.CliJson({"enroll", "--provincial", enroll, "--token", t1});
  CHECK(Str(enrolled, "archive") == "410100");
  CHECK(kf.Cli({"enroll", "--provincial", enroll, "--token", t1}).err.find("not for archive 410200") != std::string::npos);
  const std::string t2 = Token(prov, "410200", "开封市档案馆");
  // ARCHIVE.SECRET.ROOT-SHA256.PROVINCIAL-SHA256: a token pinning another root or another leaf
  // than the provincial node's is refused by the newcomer in the handshake, before the token
  // leaves it (the provincial node audits nothing); the old three-part form is refused.
  REQUIRE(t2.size() == 201);
  const size_t pin_at = t2.rfind('.') + 1;
  const std::string foreign_root = t2.substr(0, 72) + std::string(64, 'a') + t2.substr(pin_at - 1);
  const std::string other_leaf = t2.substr(0, pin_at) + std::string(64, 'a');
  const size_t audited = EnrollAudits(prov);
  CHECK(kf.Cli({"enroll", "--provincial", enroll, "--token", foreign_root}).err.find("pinned") != std::string::npos);
  const RunResult impostor = kf.Cli({"enroll", "--provincial", enroll, "--token", other_leaf});
  CHECK(impostor.exit_code != 0);
  CHECK(impostor.err.find("not the provincial node's pinned in the token") != std::string::npos);
  CHECK(EnrollAudits(prov) == audited);
  CHECK(kf.Cli({"enroll", "--provincial", enroll, "--token", t2.substr(0, pin_at - 1)}).err.find("old form") !=
        std::string::npos);
  REQUIRE(kf.Cli({"enroll", "--provincial", enroll, "--token", t2}).exit_code == 0);
  CHECK(kf.Cli({"enroll", "--provincial", enroll, "--token", t2}).err.find("already enrolled") != std::string::npos);
  // A used token stays used, even for a fresh node of the same archive.
  {
    RunningNode kf2("410200", "开封市档案馆");
    kf2.Start();
    CHECK(kf2.Cli({"enroll", "--provincial", enroll, "--token", t2}).err.find("already used") != std::string::npos);
  }
  // After enrollment both archives hash with the federation's key: the same person, the same hash.
  const std::string zz_after = import_person(zz, "Z9-WS·2001-Y-0002");
  CHECK(zz_after == import_person(kf, "K9-WS·2001-Y-0001"));
  CHECK(zz_after != before);
  auto by_person = zz.CliJson({"search", "--person", person});
  CHECK(Hits(by_person) == 2);  // the older hash is still searched with the node's own key
  REQUIRE(zz.Cli({"directory", "refresh"}).exit_code == 0);
  auto peers = zz.CliJson({"peers"});
  const auto& list = peers.fields().at("peers").list_value();
  REQUIRE(list.values_size() == 2);
  for (const auto& p : list.values()) CHECK(p.struct_value().fields().at("reachable").bool_value());

  // Federated search: only unconditionally shared records, catalog fields only, each hit names its archive.
  WriteFile(kf.dir() / "kf.csv",
            "档号,题名,年度,责任者,共享类别,密级\n"
            "K1-WS·1990-Y-0001,关于开封市婚姻登记工作的通知,1990,开封市民政局,无条件共享,公开\n"
            "K1-WS·1990-Y-0002,开封市婚姻登记档案移交清单,1990,开封市民政局,暂不共享,公开\n"
            "K1-WS·1990-Y-0003,婚姻登记有条件查阅,1990,开封市民政局,有条件共享,公开\n"
            "K1-WS·1990-Y-0004,婚姻登记内部通报,1990,开封市民政局,无条件共享,内部\n");
  REQUIRE(kf.Cli({"import", (kf.dir() / "kf.csv").string()}).exit_code == 0);
  auto found = zz.CliJson({"search", "婚姻登记", "--federated"});
  REQUIRE(Hits(found) == 1);
  const auto& hit = found.fields().at("hits").list_value().values(0).struct_value();
  CHECK(Str(hit, "code") == "K1-WS·1990-Y-0001");
  CHECK(Str(hit, "archive") == "410200");
  CHECK(Str(found.fields().at("archives").list_value().values(0).struct_value(), "state") == "ok");

  // Staff certificates: issued by the provincial CA through the member node, client use only.
  const auto desk = zz.dir() / "desk-zhang";
  auto staff = zz.CliJson({"staff", "add", "张三", "--role", "front-desk", "--out", desk.string()});
  CHECK(Str(staff, "archive") == "410100");
  CHECK(Str(staff, "role") == "front-desk");
  CHECK(std::filesystem::exists(desk / "desk.toml"));
  CHECK((std::filesystem::status(desk / "desk.key").permissions() & std::filesystem::perms::group_read) ==
        std::filesystem::perms::none);
  const std::string dk = desk.string();
  CHECK(Sh("openssl verify -CAfile " + dk + "/root.pem -untrusted " + dk + "/desk.pem -purpose sslclient " + dk +
           "/desk.pem >/dev/null") == 0);
  CHECK(Sh("openssl verify -CAfile " + dk + "/root.pem -untrusted " + dk + "/desk.pem -purpose sslserver " + dk +
           "/desk.pem >/dev/null 2>&1") != 0);
  // kuaguan-desk reaches its own node with the staff certificate; another archive's node refuses it.
  auto who = Run({BinDir() + "/kuaguan-desk", "--profile", (desk / "desk.toml").string(), "whoami", "--json"});
  INFO(who.err);
  CHECK(who.exit_code == 0);
  CHECK(who.out.find("\"name\":\"张三\"") != std::string::npos);
  CHECK(who.out.find("\"role\":\"front-desk\"") != std::string::npos);
  {
    std::ifstream in(desk / "desk.toml");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    text.replace(text.find(Str(zz.CliJson({"status"}), "peer_listen")), Str(zz.CliJson({"status"}), "peer_listen").size(),
                 Str(kf.CliJson({"status"}), "peer_listen"));
    text.replace(text.find("archive = \"410100\""), 18, "archive = \"410200\"");
    std::ofstream(desk / "elsewhere.toml") << text;
  }
  auto elsewhere = Run({BinDir() + "/kuaguan-desk", "--profile", (desk / "elsewhere.toml").string(), "whoami"});
  CHECK(elsewhere.exit_code != 0);
  CHECK(elsewhere.err.find("archive 410100's") != std::string::npos);
  // The key is stored encrypted; the operator CLI works over mutual TLS with a profile too, as the
  // person the certificate names (from any account: the certificate is the identity).
  std::ifstream key_in(desk / "desk.key");
  const std::string key_text((std::istreambuf_iterator<char>(key_in)), std::istreambuf_iterator<char>());
  CHECK(key_text.find("ENCRYPTED PRIVATE KEY") != std::string::npos);
  const RunResult via_cert = Run({BinDir() + "/kuaguan", "whoami", "--json", "--profile", (desk / "desk.toml").string()});
  INFO(via_cert.err);
  CHECK(via_cert.out.find("\"person\":\"张三\"") != std::string::npos);
  CHECK(via_cert.out.find("\"via\":\"certificate:" + Str(staff, "serial") + "\"") != std::string::npos);
  const RunResult cert_get =
      Run({BinDir() + "/kuaguan", "get", "Z109-WS·2020-Y-0001", "--profile", (desk / "desk.toml").string()});
  CHECK(cert_get.err.find("may not run 'get'") != std::string::npos);
  const RunResult no_pass = Run({BinDir() + "/kuaguan", "whoami", "--profile", (desk / "desk.toml").string(),
                                 "--passphrase-file", (zz.dir() / "kuaguan.toml").string()});
  CHECK(no_pass.exit_code != 0);
  CHECK(zz.Cli({"staff", "add", "李四", "--role", "janitor", "--out", (zz.dir() / "x").string()}).exit_code != 0);
  CHECK(prov.Cli({"staff", "add", "王五", "--role", "front-desk", "--out", (zz.dir() / "y").string()}).err.find("archive") !=
        std::string::npos);

  // An archive that is down is listed as such, not waited for.
  {
    RunningNode ly("410300", "洛阳市档案馆");
    ly.Start();
    REQUIRE(ly.Cli({"enroll", "--provincial", enroll, "--token", Token(prov, "410300", "洛阳市档案馆")}).exit_code == 0);
    REQUIRE(zz.Cli({"directory", "refresh"}).exit_code == 0);
    ly.Stop(SIGKILL);
    auto partial = zz.CliJson({"search", "婚姻登记", "--federated", "--timeout-ms", "1500"});
    CHECK(Hits(partial) == 1);
    bool down = false;
    for (const auto& a : partial.fields().at("archives").list_value().values()) {
      down |= Str(a.struct_value(), "code") == "410300" && Str(a.struct_value(), "state") != "ok";
    }
    CHECK(down);
  }

  // Certificates work with standard tools; the peer listener requires a client certificate.
  const auto certs = zz.dir() / "certs";
  REQUIRE(zz.Cli({"cert", "export", certs.string()}).exit_code == 0);
  const std::string c = certs.string();
  CHECK(Sh("openssl verify -CAfile " + c + "/root.pem -untrusted " + c + "/chain.pem " + c + "/node.pem >/dev/null") == 0);
  CHECK(Sh("openssl verify -vfyopt distid:1234567812345678 -CAfile " + c + "/root.pem -untrusted " + c +
           "/seal-maker.pem " + c + "/seal.pem >/dev/null") == 0);
  const std::string kf_peer = Str(kf.CliJson({"status"}), "peer_listen");
  const std::string key = (zz.dir() / "client.key").string(), chain = (zz.dir() / "client.pem").string();
  REQUIRE(Sh("openssl pkey -in " + (zz.dir() / "data/keys/tls.key").string() + " -passin file:" +
             (zz.dir() / "data/secrets/key-passphrase").string() + " -out " + key + " && cat " + c + "/node.pem " + c +
             "/chain.pem > " + chain) == 0);
  // Without a client certificate the server ends the connection in the handshake; with ours
  // the handshake completes (TLS 1.3) and the server speaks HTTP/2.
  const std::string probe = "/usr/bin/python3 " + std::string(KUAGUAN_SOURCE_DIR) +
                            "/tests/integration/tls_probe.py " + kf_peer + " " + c + "/root.pem 410200.archive.kuaguan ";
  CHECK(Sh(probe + " | grep -qE '^(received 0|refused)'") == 0);
  CHECK(Sh(probe + chain + " " + key + " | grep -q 'received [1-9][0-9]* TLSv1.3'") == 0);
  // A certificate made outside the federation (self-signed, claiming 郑州) is refused in the handshake.
  const std::string outsider = (zz.dir() / "outsider").string();
  REQUIRE(Sh("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout " + outsider +
             ".key -out " + outsider + ".pem -subj /CN=410100 -days 1 2>/dev/null") == 0);
  CHECK(Sh(probe + outsider + ".pem " + outsider + ".key | grep -qE '^(received 0|refused)'") == 0);
  CHECK(Sh("echo | timeout 10 openssl s_client -connect " + kf_peer + " -CAfile " + c + "/root.pem -cert " + chain +
           " -key " + key + " -servername 410200.archive.kuaguan 2>&1 | grep -q 'Verify return code: 0'") == 0);

  // An independent client (Python grpcio, stubs generated from our protos) calls a peer with
  // 郑州's certificate; claiming to be another archive is refused.
  const std::string gen = (zz.dir() / "py").string();
  const std::string src = KUAGUAN_SOURCE_DIR;
  REQUIRE(Sh("mkdir -p " + gen + " && protoc -I " + src + "/proto --python_out=" + gen + " --grpc_python_out=" + gen +
             " --plugin=protoc-gen-grpc_python=$(command -v grpc_python_plugin) " + src + "/proto/kuaguan/v1/*.proto") == 0);
  const std::string py = "/usr/bin/python3 " + src + "/tests/integration/peer_client.py " + gen + " " + kf_peer + " " +
                         c + "/root.pem " + chain + " " + key + " 410200 ";
  CHECK(Sh(py + "410100 | grep -q '^ok 410200'") == 0);
  CHECK(Sh(py + "410300 | grep -q '^error PERMISSION_DENIED'") == 0);

  // Revocation: after one refresh 郑州 no longer asks 开封, and 开封's requests are refused
  // (and audited) with the reason.
  auto revoked = prov.CliJson({"ca", "revoke", "410200", "--reason", "证书私钥泄露"});
  // The provincial node tells its members: 郑州 fetches the new version without being asked.
  bool told = false;
  for (int i = 0; i < 100 && !told; ++i) {
    auto seen = zz.CliJson({"peers", "--timeout-ms", "500"});
    told = Num(seen.fields().at("directory").struct_value(), "version") == Num(revoked, "version");
    if (!told) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  CHECK(told);
  auto after = zz.CliJson({"search", "婚姻登记", "--federated"});
  CHECK(Hits(after) == 0);
  for (const auto& a : after.fields().at("archives").list_value().values()) {
    CHECK(Str(a.struct_value(), "code") != "410200");  // no longer asked
  }
  REQUIRE(kf.Cli({"directory", "refresh"}).exit_code == 0);
  auto refused = kf.CliJson({"search", "婚姻登记", "--federated"});
  bool refused_by_zz = false;
  for (const auto& a : refused.fields().at("archives").list_value().values()) {
    const auto& answer = a.struct_value();
    if (Str(answer, "code") != "410100") continue;
    refused_by_zz = Str(answer, "state") == "refused" && Str(answer, "error").find("revoked") != std::string::npos;
  }
  CHECK(refused_by_zz);
  CHECK(zz.daemon_log().find("refused peer.search from 410200") != std::string::npos);

  // The directory signer rolls over in two stages; a node that refreshed in between follows.
  REQUIRE(prov.Cli({"ca", "roll-signer"}).exit_code == 0);
  REQUIRE(zz.Cli({"directory", "refresh"}).exit_code == 0);
  REQUIRE(prov.Cli({"ca", "roll-signer"}).exit_code == 0);
  auto rolled = zz.CliJson({"directory", "refresh"});
  CHECK_FALSE(rolled.fields().at("next_signer").bool_value());

  // The provincial node goes away: members keep working from the cached directory.
  prov.Stop(SIGKILL);
  CHECK(zz.Cli({"directory", "refresh"}).exit_code != 0);
  CHECK(Str(zz.CliJson({"status"}), "peer_listen") != "");
  auto still = zz.CliJson({"peers"});
  CHECK(still.fields().at("directory").struct_value().fields().at("expired").bool_value() == false);
  CHECK(zz.CliJson({"audit", "verify"}).fields().at("ok").bool_value());
}

TEST_CASE("past its directory's expiry an archive refuses peers and says why") {
  RunningNode prov("410000", "河南省档案馆", "provincial");
  {
    std::ofstream cfg(prov.config(), std::ios::app);
    cfg << "directory_validity_hours = 0.002\n";  // 7.2 seconds
  }
  RunningNode zz("410100", "郑州市档案馆");
  RunningNode kf("410200", "开封市档案馆");
  prov.Start();
  zz.Start();
  kf.Start();
  const std::string enroll = Str(prov.CliJson({"status"}), "enroll_listen");
  REQUIRE(zz.Cli({"enroll", "--provincial", enroll, "--token", Token(prov, "410100", "郑州市档案馆")}).exit_code == 0);
  REQUIRE(kf.Cli({"enroll", "--provincial", enroll, "--token", Token(prov, "410200", "开封市档案馆")}).exit_code == 0);
  REQUIRE(zz.Cli({"directory", "refresh"}).exit_code == 0);
  REQUIRE(kf.Cli({"directory", "refresh"}).exit_code == 0);
  auto fresh = zz.CliJson({"search", "婚姻登记", "--federated"});
  CHECK(Str(fresh.fields().at("archives").list_value().values(0).struct_value(), "state") == "ok");
  prov.Stop(SIGKILL);  // no one can fetch a new version now
  REQUIRE(WaitUntil(
      [&] { return zz.CliJson({"peers"}).fields().at("directory").struct_value().fields().at("expired").bool_value(); },
      std::chrono::seconds(30)));
  auto stale = zz.CliJson({"search", "婚姻登记", "--federated"});
  const auto& answer = stale.fields().at("archives").list_value().values(0).struct_value();
  CHECK(Str(answer, "state") == "refused");
  INFO(Str(answer, "error"));
  CHECK(Str(answer, "error").find("directory expired") != std::string::npos);
  CHECK(zz.CliJson({"peers"}).fields().at("directory").struct_value().fields().at("expired").bool_value());
}

TEST_CASE("a flood at the enrollment port is limited per address and audited together - no reflection there") {
  RunningNode prov("410000", "河南省档案馆", "provincial");
  RunningNode zz("410100", "郑州市档案馆");
  prov.Start();
  zz.Start();
  const std::string enroll = Str(prov.CliJson({"status"}), "enroll_listen");
  const std::string token = Token(prov, "410100", "郑州市档案馆");
  REQUIRE(token.size() == 201);
  // Well formed, pinning the right root and node, with a secret nobody issued.
  const std::string bogus = token.substr(0, 7) + std::string(64, '0') + token.substr(71);
  const std::string out = (prov.dir() / "probe.out").string();
  REQUIRE(Sh("/usr/bin/python3 " + std::string(KUAGUAN_SOURCE_DIR) + "/tests/integration/enroll_probe.py " + enroll +
             " " + (prov.dir() / "data/ca/root.pem").string() + " 410000.archive.kuaguan " + bogus + " 60 > " + out) ==
          0);
  std::ifstream in(out);
  const std::string probe((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  INFO(probe);
  // Server reflection is served nowhere on the enrollment port.
  CHECK(probe.find("reflection grpc.reflection.v1alpha.ServerReflection UNIMPLEMENTED") != std::string::npos);
  CHECK(probe.find("reflection grpc.reflection.v1.ServerReflection UNIMPLEMENTED") != std::string::npos);
  // A burst of 10 is answered (and refused for the unknown token); the other 50 are refused for
  // the rate with RESOURCE_EXHAUSTED, saying why.
  CHECK(probe.find("enroll PERMISSION_DENIED 10\n") != std::string::npos);
  CHECK(probe.find("enroll RESOURCE_EXHAUSTED 50\n") != std::string::npos);
  CHECK(probe.find("first RESOURCE_EXHAUSTED too many enrollment attempts from ipv4:127.0.0.1") != std::string::npos);
  // The audit log holds one entry per answered attempt and one for the first refusal over the
  // rate, not one for each of the 60 (the rest are counted and audited once a minute).
  const std::vector<std::string> outcomes = EnrollOutcomes(prov);
  CHECK(outcomes.size() == 11);
  size_t over = 0;
  for (const auto& o : outcomes) over += o.find("too many enrollment attempts") != std::string::npos;
  CHECK(over == 1);
  // A real newcomer from the same address meanwhile is told to wait, in words.
  const RunResult wait = zz.Cli({"enroll", "--provincial", enroll, "--token", token});
  CHECK(wait.exit_code != 0);
  CHECK(wait.err.find("too many enrollment attempts") != std::string::npos);
  CHECK(prov.CliJson({"audit", "verify"}).fields().at("ok").bool_value());
}
