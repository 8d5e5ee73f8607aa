// Benchmark: federated search across archives on loopback, and what mutual TLS costs.
//  1. A provincial node and up to 8 archive nodes (kuaguand processes), each holding generated
//     catalog records; from one more archive, federated searches fanned out to 1, 4 and 8 members
//     (p50 / p99 over the queries, through the node's own admin socket as the CLI does). Every
//     call is a registered person's (三员分离): the searches and imports are made by the test
//     account kgtest-op as cataloguer, the tokens by it as the province's CA operator; this part
//     needs root and the test accounts (tests/testing/test_accounts.sh create BIN_DIR).
//  2. In-process, the same tiny RPC (a Ping that does no work) over plaintext and over mutual TLS with
//     our certificates: per call on a kept channel, and per call with a new connection each time;
//     plus the cost of our per-call peer check against the directory.
//   federation_bench [--records N] [--queries Q]
#include <chrono>
#include <cstdio>
#include <fstream>
#include <thread>

#include <botan/auto_rng.h>
#include <botan/pk_keys.h>
#include <botan/pkcs10.h>
#include <botan/x509self.h>
#include <grpcpp/grpcpp.h>

#include "absl/strings/str_cat.h"
#include "seal/ca.h"
#include "seal/certs.h"
#include "seal/directory.h"
#include "seal/key_file.h"
#include "seal/tls.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "kuaguan/v1/federation.grpc.pb.h"
#include "kuaguan/v1/admin.grpc.pb.h"
#include "tests/bench/bench_flags.h"
#include "tests/bench/bench_people.h"
#include "tests/testing/process.h"
#include "tests/testing/temp_dir.h"

namespace {

using Clock = std::chrono::steady_clock;
namespace kt = kuaguan::testing;
namespace v1 = kuaguan::v1;
namespace kb = kuaguan::bench;

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

struct Pct {
  double p50, p99;
};
Pct Percentiles(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return {v[v.size() / 2], v[std::min(v.size() - 1, v.size() * 99 / 100)]};
}

std::string Json(const kt::RunResult& r, const std::string& key) {
  google::protobuf::Struct s;
  if (!google::protobuf::util::JsonStringToMessage(r.out, &s).ok() || !s.fields().contains(key)) return "";
  return s.fields().at(key).string_value();
}

using Node = kb::BenchNode;

// A node whose people are registered: kgtest-op is the provincial node's CA operator and an
// archive's cataloguer.
bool StartNode(Node* n, const std::filesystem::path& dir, const std::string& code, const std::string& role) {
  return kb::StartBenchNode(n, dir, code, absl::StrCat("档案馆", code), role,
                            {role == "provincial" ? "ca-operator" : "cataloguer"});
}

// Federated search latency from `asker` over `queries`, through its admin socket.
// The cataloguer kgtest-op makes them.
Pct SearchLatency(const Node& asker, const std::vector<std::string>& queries, int expect_archives) {
  auto channel = kb::ChannelAs(kb::kOperator, asker.socket());
  if (!channel) {
    std::printf("    (cannot reach %s as %s)\n", asker.socket().c_str(), kb::kOperator);
    return {-1, -1};
  }
  auto stub = v1::FederationAdmin::NewStub(channel);
  std::vector<double> ms;
  int incomplete = 0;
  for (const auto& q : queries) {
    grpc::ClientContext ctx;
    v1::SearchRequest req;
    req.set_query(q);
    req.set_limit(10);
    v1::SearchResponse resp;
    const auto t0 = Clock::now();
    grpc::Status st = stub->FederatedSearch(&ctx, req, &resp);
    ms.push_back(Ms(Clock::now() - t0));
    int ok = 0;
    for (const auto& a : resp.archives()) ok += a.state() == "ok";
    if (!st.ok() || ok != expect_archives) ++incomplete;
  }
  if (incomplete > 0) std::printf("    (%d searches did not hear from every archive)\n", incomplete);
  return Percentiles(ms);
}

void TlsCost(const std::filesystem::path& dir, int calls) {
  auto ca = *kuaguan::seal::CertificateAuthority::Create(dir / "ca", "bench", "410000", "河南省档案馆");
  Botan::AutoSeeded_RNG rng;
  auto issue = [&](const std::string& code, std::unique_ptr<Botan::Private_Key>* key) {
    *key = kuaguan::seal::NewKey(kuaguan::seal::KeyKind::kEcdsaP256, rng);
    Botan::X509_Cert_Options opts(code);
    return *ca->IssueTlsCert(Botan::X509::create_cert_req(opts, **key, "SHA-256", rng).BER_encode(), code, "馆",
                             std::chrono::hours(24));
  };
  std::unique_ptr<Botan::Private_Key> skey, ckey;
  const std::string scert = issue("410200", &skey), ccert = issue("410100", &ckey);
  const kuaguan::seal::TlsIdentity server{kuaguan::seal::PlainKeyPem(*skey), scert + ca->issuing_pem(),
                                                ca->root_pem()};
  const kuaguan::seal::TlsIdentity client{kuaguan::seal::PlainKeyPem(*ckey), ccert + ca->issuing_pem(),
                                                ca->root_pem()};
  // The smallest real RPC: a Ping answered without any work.
  class Echo final : public v1::Peer::Service {
    grpc::Status Ping(grpc::ServerContext*, const v1::PingRequest*, v1::PingResponse* r) override {
      r->set_code("410200");
      return grpc::Status::OK;
    }
  } echo;
  grpc::ServerBuilder b;
  b.RegisterService(&echo);
  int plain = 0, tls = 0;
  b.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &plain);
  b.AddListeningPort("127.0.0.1:0", kuaguan::seal::MutualTlsServerCredentials(server), &tls);
  auto srv = b.BuildAndStart();
  if (!srv) {
    std::printf("  (cannot start the in-process TLS server: ports %d / %d)\n", plain, tls);
    return;
  }
  auto timed = [&](auto make_channel, bool fresh) {
    std::vector<double> ms;
    std::shared_ptr<grpc::Channel> kept = make_channel();
    for (int i = 0; i < calls; ++i) {
      auto ch = fresh ? make_channel() : kept;
      auto stub = v1::Peer::NewStub(ch);
      grpc::ClientContext ctx;
      v1::PingRequest req;
      v1::PingResponse resp;
      const auto t0 = Clock::now();
      if (!stub->Ping(&ctx, req, &resp).ok()) return Pct{-1, -1};
      ms.push_back(Ms(Clock::now() - t0));
    }
    return Percentiles(ms);
  };
  auto plain_channel = [&] {
    grpc::ChannelArguments a;
    a.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);  // a new connection, not a shared one
    return grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", plain), grpc::InsecureChannelCredentials(), a);
  };
  auto tls_channel = [&] {
    grpc::SslCredentialsOptions o{client.root_pem, client.key_pem, client.chain_pem};
    grpc::ChannelArguments a;
    a.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    a.SetSslTargetNameOverride(kuaguan::seal::PeerHostName("410200"));
    return grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", tls), grpc::SslCredentials(o), a);
  };
  const Pct p_kept = timed(plain_channel, false), t_kept = timed(tls_channel, false);
  const Pct p_new = timed(plain_channel, true), t_new = timed(tls_channel, true);
  std::printf("  per call, kept channel      plaintext p50 %.3f ms p99 %.3f | mutual TLS p50 %.3f ms p99 %.3f\n",
              p_kept.p50, p_kept.p99, t_kept.p50, t_kept.p99);
  std::printf("  per call, new connection    plaintext p50 %.3f ms p99 %.3f | mutual TLS p50 %.3f ms p99 %.3f\n",
              p_new.p50, p_new.p99, t_new.p50, t_new.p99);
  // Our per-call authorization: chain, validity, revocation and registration against the directory.
  kuaguan::v1::Directory d;
  d.set_root_pem(ca->root_pem());
  d.set_issuing_pem(ca->issuing_pem());
  auto* m = d.add_members();
  m->set_code("410100");
  m->set_tls_cert_sha256(kuaguan::seal::ParseCert(ccert)->sha256_hex);
  const auto t0 = Clock::now();
  for (int i = 0; i < calls; ++i) {
    if (!kuaguan::seal::CheckPeer(d, "410100", ccert, std::chrono::system_clock::now()).ok()) return;
  }
  std::printf("  per-call peer check against the directory: %.3f ms\n", Ms(Clock::now() - t0) / calls);
  srv->Shutdown();
}

}  // namespace

int main(int argc, char** argv) {
  int records = 5000, queries = 200;
  const kuaguan::bench::BenchUsage usage = {
      "federation_bench",
      "federated search across archives on loopback: a provincial node and up to 8 archive\n"
      "nodes (kuaguand processes) holding generated records, searches fanned out to 1, 4 and 8\n"
      "members (p50/p99); then one tiny RPC over plaintext and over mutual TLS, on a kept\n"
      "channel and on a new connection per call, and the per-call peer check. Prints figures.",
      "federation_bench --records 20000 --queries 500"};
  if (auto exit_code = kuaguan::bench::ParseBenchFlags(
          argc, argv, usage,
          {kuaguan::bench::NumberFlag("--records", "N", "catalog records per archive", &records),
           kuaguan::bench::NumberFlag("--queries", "Q", "federated searches per size",
                                      &queries)})) {
    return *exit_code;
  }
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  kt::TempDir dir;
  kb::OpenToAccounts(dir.path());
  std::printf("federation_bench: %d records per archive, %d federated searches per size\n", records, queries);
  if (const std::string why = kb::PeopleUnavailable(); !why.empty()) {
    std::printf("  federated search: not run: %s\n", why.c_str());
    TlsCost(dir.path() / "tls", 500);
    return 0;
  }
  Node prov;
  if (!StartNode(&prov, dir.path() / "prov", "410000", "provincial")) return 1;
  const std::string enroll = Json(prov.Cli({"status", "--json"}), "enroll_listen");
  std::vector<std::unique_ptr<Node>> nodes;  // nodes[0] asks; the others answer
  auto add = [&](int k) {
    auto n = std::make_unique<Node>();
    const std::string code = absl::StrCat(4101 + k, "00");
    if (!StartNode(n.get(), dir.path() / code, code, "archive")) return false;
    const std::string name = absl::StrCat("档案馆", code);  // as StartNode's init gave it
    const kt::RunResult token =
        prov.CliAs(kb::kOperator, {"ca", "token", "--archive", code, "--name", name, "--json"});
    if (token.exit_code != 0) {
      std::fprintf(stderr, "ca token %s: %s", code.c_str(), token.err.c_str());
      return false;
    }
    const kt::RunResult enrolled = n->Cli({"enroll", "--provincial", enroll, "--token", Json(token, "token")});
    if (enrolled.exit_code != 0) {
      std::fprintf(stderr, "enroll %s: %s", code.c_str(), enrolled.err.c_str());
      return false;
    }
    if (k > 0) {
      const auto csv = dir.path() / absl::StrCat(code, ".csv");
      kt::Run({kt::BinDir() + "/kuaguan-gen-catalog", csv.string(), "--count", std::to_string(records), "--seed",
               std::to_string(k)});
      kb::OpenToAccounts(csv);
      const kt::RunResult imported = n->CliAs(kb::kOperator, {"import", csv.string()});
      if (imported.exit_code != 0) {
        std::fprintf(stderr, "import at %s: %s", code.c_str(), imported.err.c_str());
        return false;
      }
    }
    nodes.push_back(std::move(n));
    return true;
  };
  const std::vector<std::string> words = {"婚姻登记", "退休审批", "档案", "关于加强", "通知", "土地承包",
                                          "工作总结", "职称评审", "防汛抗旱", "库房建设"};
  std::vector<std::string> qs;
  for (int i = 0; i < queries; ++i) qs.push_back(words[i % words.size()]);
  if (!add(0)) {
    std::fprintf(stderr, "could not start and enroll the asking archive\n");
    return 1;
  }
  for (int size : {1, 4, 8}) {
    while (static_cast<int>(nodes.size()) < size + 1) {
      if (!add(static_cast<int>(nodes.size()))) {
        std::fprintf(stderr, "could not start and enroll archive %zu\n", nodes.size());
        return 1;
      }
    }
    if (const kt::RunResult r = nodes[0]->Cli({"directory", "refresh"}); r.exit_code != 0) {
      std::fprintf(stderr, "directory refresh: %s", r.err.c_str());
      return 1;
    }
    SearchLatency(*nodes[0], {qs.begin(), qs.begin() + std::min<size_t>(10, qs.size())}, size);  // warm the channels
    const Pct p = SearchLatency(*nodes[0], qs, size);
    std::printf("  federated search, %d archive%s  p50 %6.2f ms  p99 %6.2f ms%s\n", size, size == 1 ? " " : "s",
                p.p50, p.p99, size == 8 ? (p.p99 <= 100 ? "  (goal p99 <= 100 ms: met)" : "  (goal p99 <= 100 ms: NOT met)") : "");
  }
  TlsCost(dir.path() / "tls", 500);
  return 0;
}
