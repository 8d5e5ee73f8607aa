// The enrollment channel on real certificates from a real CA and a real gRPC server on
// loopback: it accepts only the server certificate pinned in the token, chained to the pinned
// root. A member's valid federation certificate at the provincial node's address fails the
// handshake, so the token never reaches it.
#include <catch2/catch.hpp>

#include <botan/auto_rng.h>
#include <botan/pk_keys.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "kuaguan/v1/federation.grpc.pb.h"
#include "seal/ca.h"
#include "seal/certs.h"
#include "seal/key_file.h"
#include "seal/tls.h"
#include "tests/testing/temp_dir.h"

using namespace kuaguan::seal;
namespace v1 = kuaguan::v1;
using std::chrono::hours;

namespace {

// A TLS identity (key, leaf + issuing + root) for archive `code`, as the provincial node holds its own.
TlsIdentity Identity(CertificateAuthority* ca, const std::string& code) {
  Botan::AutoSeeded_RNG rng;
  auto key = NewKey(KeyKind::kEcdsaP256, rng);
  TlsIdentity id;
  id.key_pem = PlainKeyPem(*key);
  id.chain_pem = *ca->IssueTlsCertForKey(*key, code, "馆", hours(24)) + ca->issuing_pem() + ca->root_pem();
  id.root_pem = ca->root_pem();
  return id;
}

std::string LeafSha(const TlsIdentity& id) { return ParseCert(id.chain_pem)->sha256_hex; }

// Records every enrollment that reaches it.
class RecordingFederation final : public v1::Federation::Service {
 public:
  grpc::Status Enroll(grpc::ServerContext*, const v1::EnrollRequest* req, v1::EnrollResponse*) override {
    absl::MutexLock lock(&mu);
    ++calls;
    last_token = req->token();
    return grpc::Status(grpc::StatusCode::PERMISSION_DENIED, "recorded");
  }
  int Calls() {
    absl::MutexLock lock(&mu);
    return calls;
  }
  std::string LastToken() {
    absl::MutexLock lock(&mu);
    return last_token;
  }

 private:
  absl::Mutex mu;
  int calls ABSL_GUARDED_BY(mu) = 0;
  std::string last_token ABSL_GUARDED_BY(mu);
};

// An enrollment server presenting `id` on a loopback port.
struct Server {
  explicit Server(const TlsIdentity& id) {
    grpc::ServerBuilder b;
    b.AddListeningPort("127.0.0.1:0", ServerTlsCredentials(id), &port);
    b.RegisterService(&service);
    server = b.BuildAndStart();
    address = absl::StrCat("127.0.0.1:", port);
  }
  ~Server() { server->Shutdown(std::chrono::system_clock::now()); }
  RecordingFederation service;
  std::unique_ptr<grpc::Server> server;
  int port = 0;
  std::string address;
};

grpc::Status Enroll(const std::string& address, const std::string& root_sha, const std::string& server_sha) {
  auto stub = v1::Federation::NewStub(PinnedEnrollmentChannel(address, root_sha, server_sha));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  v1::EnrollRequest req;
  req.set_token("410200.secret");
  v1::EnrollResponse resp;
  return stub->Enroll(&ctx, req, &resp);
}

}  // namespace

TEST_CASE("the pinned-server check takes the pinned leaf on the pinned root and nothing else") {
  kuaguan::testing::TempDir dir;
  auto ca = *CertificateAuthority::Create(dir.path() / "ca", "p", "410000", "河南省档案馆");
  const TlsIdentity provincial = Identity(ca.get(), "410000"), member = Identity(ca.get(), "410100");
  const std::string root_sha = ParseCert(ca->root_pem())->sha256_hex;
  const auto now = std::chrono::system_clock::now();
  CHECK(CheckPinnedServer(provincial.chain_pem, root_sha, LeafSha(provincial), now).ok());
  CHECK(CheckPinnedServer(provincial.chain_pem, absl::AsciiStrToUpper(root_sha), absl::AsciiStrToUpper(LeafSha(provincial)),
                          now)
            .ok());
  // A member's certificate is valid in the federation, but it is not the pinned one.
  const absl::Status member_answers = CheckPinnedServer(member.chain_pem, root_sha, LeafSha(provincial), now);
  CHECK(member_answers.code() == absl::StatusCode::kUnauthenticated);
  CHECK(member_answers.message().find("not the provincial node's pinned in the token") != absl::string_view::npos);
  CHECK(member_answers.message().find("410100") != absl::string_view::npos);
  // Another federation's root, a chain without its root, nothing at all, an expired leaf.
  kuaguan::testing::TempDir other_dir;
  auto other = *CertificateAuthority::Create(other_dir.path() / "ca", "p", "420000", "湖北省档案馆");
  const TlsIdentity foreign = Identity(other.get(), "410000");
  CHECK(CheckPinnedServer(foreign.chain_pem, root_sha, LeafSha(foreign), now).message().find("root pinned") !=
        absl::string_view::npos);
  const std::string no_root = provincial.chain_pem.substr(0, provincial.chain_pem.find(ca->root_pem()));
  CHECK_FALSE(CheckPinnedServer(no_root, root_sha, LeafSha(provincial), now).ok());
  CHECK_FALSE(CheckPinnedServer("", root_sha, LeafSha(provincial), now).ok());
  CHECK_FALSE(CheckPinnedServer(provincial.chain_pem, root_sha, LeafSha(provincial), now + hours(48)).ok());
}

TEST_CASE("the enrollment channel sends the token only to the server whose certificate the token pins") {
  kuaguan::testing::TempDir dir;
  auto ca = *CertificateAuthority::Create(dir.path() / "ca", "p", "410000", "河南省档案馆");
  const TlsIdentity provincial = Identity(ca.get(), "410000"), member = Identity(ca.get(), "410100");
  const std::string root_sha = ParseCert(ca->root_pem())->sha256_hex;

  // A member intercepts the newcomer's traffic and answers with its own valid certificate: the
  // handshake fails on the client side and no call reaches the member's server.
  Server impostor(member);
  REQUIRE(impostor.port != 0);
  const grpc::Status refused = Enroll(impostor.address, root_sha, LeafSha(provincial));
  CHECK(refused.error_code() == grpc::StatusCode::UNAVAILABLE);
  CHECK(impostor.service.Calls() == 0);
  CHECK(impostor.service.LastToken().empty());

  // The provincial node itself, pinned: the call arrives.
  Server real(provincial);
  REQUIRE(real.port != 0);
  const grpc::Status reached = Enroll(real.address, root_sha, LeafSha(provincial));
  CHECK(reached.error_message() == "recorded");
  CHECK(real.service.Calls() == 1);
  CHECK(real.service.LastToken() == "410200.secret");
}
