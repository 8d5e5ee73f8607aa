// Feeds: after a first byte picking the use, a PKCS#10 request to IssueTlsCert/IssueStaffCert, an
// SM2 key to IssueSealCert, a proof to Sm2Verify, or an EnrollRequest to a real Provincial node.
// Asserts: certificates name whom the CA chose; only tokens it made enroll, once; refusals say why.
#include <botan/auto_rng.h>
#include <botan/pk_keys.h>
#include <botan/x509self.h>
#include <fuzzer/FuzzedDataProvider.h>
#include <openssl/ssl.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/clock.h"
#include "base/node_config.h"
#include "federation/provincial.h"
#include "node/store.h"
#include "seal/ca.h"
#include "seal/certs.h"
#include "seal/directory.h"
#include "seal/key_file.h"
#include "seal/sm2.h"
#include "tests/fuzz/fuzz_util.h"

namespace {

namespace seal = kuaguan::seal;
namespace v1 = kuaguan::v1;
using std::chrono::hours;

constexpr char kMessage[] = "410100 enrollment proof";
const char* const kRoles[] = {"front-desk",       "back-office", "approver",     "cataloguer",
                              "security-officer", "auditor",     "system-admin", "",
                              "staff\n"};

struct Fixture {
  kuaguan::fuzz::ScratchDir dir{"enrollment"};
  std::unique_ptr<seal::CertificateAuthority> ca;
  std::unique_ptr<Botan::Private_Key> seal_key;
  std::string seal_pub, proof, csr;
  kuaguan::base::NodeConfig config;
  std::unique_ptr<kuaguan::node::Store> store;
  std::unique_ptr<kuaguan::federation::Provincial> provincial;
  uint32_t calls = 0;

  Fixture() {
    // The provincial node tells members of new versions over gRPC's TLS (OpenSSL) from a thread
    // of its own. OpenSSL started first cleans up last at exit, after this fixture's destructor
    // has stopped that thread (else the thread may use OpenSSL after its atexit clean-up).
    OPENSSL_init_ssl(0, nullptr);
    Botan::AutoSeeded_RNG rng;
    ca = std::move(
        *seal::CertificateAuthority::Create(dir.path() / "ca", "fuzz", "410000", "河南省档案馆"));
    seal_key = seal::NewKey(seal::KeyKind::kSm2, rng);
    const auto pub = seal::Sm2PublicKeyDer(*seal_key);
    seal_pub.assign(pub.begin(), pub.end());
    proof = seal::Sm2Sign(*seal_key, kMessage);
    std::unique_ptr<Botan::Private_Key> tls = seal::NewKey(seal::KeyKind::kEcdsaP256, rng);
    const auto req =
        Botan::X509::create_cert_req(Botan::X509_Cert_Options("410100"), *tls, "SHA-256", rng)
            .BER_encode();
    csr.assign(req.begin(), req.end());

    config.archive_id = "410000";
    config.name = "河南省档案馆";
    config.role = "provincial";
    config.data_dir = dir.path() / "provincial";
    std::filesystem::create_directories(config.data_dir);
    store = std::move(*kuaguan::node::Store::Open(config.data_dir / "store"));
    auto opened =
        kuaguan::federation::Provincial::Open(config, store.get(), kuaguan::base::RealClock());
    FUZZ_CHECK(opened.ok(), opened.status().ToString());
    provincial = *std::move(opened);
    FUZZ_CHECK(provincial->SetAddress("127.0.0.1:1").ok(), "the provincial node publishes");

    v1::EnrollRequest full;
    full.set_address("127.0.0.1:1");
    full.set_tls_csr(csr);
    std::vector<std::pair<std::string, std::string>> seeds = {
        {"csr-tls", std::string(1, '\0') + csr},
        {"csr-staff", std::string(1, '\1') + csr},
        {"seal-key", std::string(1, '\2') + seal_pub},
        {"enroll-as-sent", std::string(1, '\4') + full.SerializeAsString()},
        {"enroll-fresh", std::string(1, '\5') + full.SerializeAsString()},
    };
    // A proof: key length, key, signature length, signature, message (FuzzedDataProvider order).
    seeds.emplace_back("proof", std::string(1, '\3') + proof + kMessage);
    kuaguan::fuzz::WriteSeeds(seeds);
  }

  std::string NextPeer() {
    ++calls;
    return absl::StrCat("ipv4:10.", (calls >> 16) & 255, ".", (calls >> 8) & 255, ".", calls & 255,
                        ":40000");
  }
};

Fixture& Shared() {
  static Fixture fixture;
  return fixture;
}

void CheckIssued(const absl::StatusOr<std::string>& pem, const std::string& cn) {
  if (!pem.ok()) {
    FUZZ_CHECK(!pem.status().message().empty(), "a refusal says why");
    return;
  }
  auto info = seal::ParseCert(*pem);
  FUZZ_CHECK(info.ok(), info.status().ToString());
  FUZZ_CHECK(info->subject_cn == cn, info->subject_cn);
}

void Enroll(Fixture& f, const std::string& bytes, bool fresh) {
  v1::EnrollRequest req;
  if (!req.ParseFromString(bytes)) return;
  if (fresh) {
    v1::TokenRequest t;
    t.set_archive("410100");
    t.set_name("郑州市档案馆");
    auto token = f.provincial->CreateToken(t, "fuzz");
    FUZZ_CHECK(token.ok(), token.status().ToString());
    req.set_token(token->token());
    if (req.seal_public_key().empty()) req.set_seal_public_key(f.seal_pub);
    if (req.seal_public_key() == f.seal_pub)
      req.set_seal_proof(seal::Sm2Sign(*f.seal_key, req.token() + req.seal_public_key()));
    if (req.tls_csr().empty()) req.set_tls_csr(f.csr);
    req.set_address(
        "127.0.0.1:1");  // the provincial node tells members of new versions: no other host
  }
  auto enrolled = f.provincial->Enroll(req, f.NextPeer());
  if (!enrolled.ok()) {
    FUZZ_CHECK(!enrolled.status().message().empty(), "a refusal says why");
    FUZZ_CHECK(enrolled.status().message().find(req.token()) == std::string::npos ||
                   req.token().size() < 16,
               "a refusal repeats the token");
    return;
  }
  FUZZ_CHECK(fresh, "a token the provincial node never made enrolled");
  CheckIssued(enrolled->tls_cert_pem(), "410100");
  CheckIssued(enrolled->seal_cert_pem(), "410100");
  auto d = seal::VerifyDirectory(enrolled->directory(), f.ca->root_pem(),
                                 std::chrono::system_clock::now(), nullptr);
  (void)d;  // signed by the provincial node's own CA, not this one: only its shape matters here
  v1::Directory published;
  FUZZ_CHECK(published.ParseFromString(enrolled->directory().directory()),
             "the published directory parses");
  FUZZ_CHECK(seal::FindMember(published, "410100") != nullptr, "the enrolled archive is a member");
  // The token is spent: the same request again is refused.
  FUZZ_CHECK(!f.provincial->Enroll(req, f.NextPeer()).ok(), "a token enrolled twice");
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  Shared();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  Fixture& f = Shared();
  const uint8_t use = data[0];
  const std::string bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  const std::vector<uint8_t> raw(bytes.begin(), bytes.end());
  switch (use % 6) {
    case 0:
      CheckIssued(f.ca->IssueTlsCert(raw, "410100", "郑州市档案馆", hours(24)), "410100");
      break;
    case 1: {
      const char* role = kRoles[(use / 6) % (sizeof(kRoles) / sizeof(kRoles[0]))];
      auto pem = f.ca->IssueStaffCert(raw, "410100", "王芳", role, hours(24));
      CheckIssued(pem, "王芳");
      if (pem.ok()) FUZZ_CHECK(std::string(role) != "system-admin" && *role != '\0', role);
      break;
    }
    case 2:
      CheckIssued(f.ca->IssueSealCert(raw, "410100", "郑州市档案馆", hours(24)), "410100");
      break;
    case 3: {
      FuzzedDataProvider in(raw.data(), raw.size());
      const bool ours = in.ConsumeBool();
      const std::string key = ours ? f.seal_pub : in.ConsumeRandomLengthString(256);
      const std::string sig = in.ConsumeRandomLengthString(128);
      const std::string message = in.ConsumeRemainingBytesAsString();
      const absl::Status st = seal::Sm2Verify(key, message, sig);
      if (st.ok() && ours) {
        FUZZ_CHECK(message == kMessage && sig == f.proof,
                   "a proof of possession nobody made verifies");
      }
      break;
    }
    case 4:
      Enroll(f, bytes, false);
      break;
    case 5:
      Enroll(f, bytes, true);
      break;
  }
  return 0;
}
