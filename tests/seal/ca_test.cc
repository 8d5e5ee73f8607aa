// The provincial CA on real Botan keys in a temporary folder: TLS identities and SM2 seal
// certificates that chain to the root, checked by our code and by the openssl command, and every
// kind of bad certificate refused with its reason; keys encrypted at rest with mode 0600.
#include <catch2/catch.hpp>

#include <botan/auto_rng.h>
#include <botan/pk_keys.h>
#include <botan/pkcs10.h>
#include <botan/x509self.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>

#include "seal/ca.h"
#include "seal/certs.h"
#include "seal/key_file.h"
#include "tests/testing/process.h"
#include "tests/testing/temp_dir.h"

using namespace kuaguan::seal;
namespace fs = std::filesystem;
using std::chrono::hours;

namespace {

std::vector<uint8_t> Csr(const Botan::Private_Key& key) {
  Botan::AutoSeeded_RNG rng;
  Botan::X509_Cert_Options opts("anything the requester likes/CN");
  return Botan::X509::create_cert_req(opts, key, "SHA-256", rng).BER_encode();
}

void Write(const fs::path& p, const std::string& s) { std::ofstream(p) << s; }

int Openssl(const std::string& args) {
  return std::system(("openssl " + args + " >/dev/null 2>&1").c_str());
}

}  // namespace

TEST_CASE("the CA issues TLS identities and SM2 seal certificates that openssl verifies") {
  kuaguan::testing::TempDir dir;
  auto ca = CertificateAuthority::Create(dir.path() / "ca", "口令-passphrase", "410000", "河南省档案馆");
  REQUIRE(ca.ok());
  CHECK(CertificateAuthority::Create(dir.path() / "ca", "x", "410000", "河南省档案馆").status().code() ==
        absl::StatusCode::kFailedPrecondition);
  struct stat st {};
  REQUIRE(::stat((dir.path() / "ca" / "root.key").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);

  Botan::AutoSeeded_RNG rng;
  auto node_key = NewKey(KeyKind::kEcdsaP256, rng);
  auto pem = (*ca)->IssueTlsCert(Csr(*node_key), "410100", "郑州市档案馆", hours(24 * 365));
  REQUIRE(pem.ok());
  const auto now = std::chrono::system_clock::now();
  auto info = CheckTlsCert(*pem, (*ca)->issuing_pem(), (*ca)->root_pem(), now);
  REQUIRE(info.ok());
  CHECK(info->subject_cn == "410100");  // the CA's name, not the request's
  CHECK(info->organization == "郑州市档案馆");
  CHECK(info->sha256_hex.size() == 64);

  auto seal_key = NewKey(KeyKind::kSm2, rng);
  const std::vector<uint8_t> seal_pub = seal_key->subject_public_key();
  auto seal = (*ca)->IssueSealCert(seal_pub, "410100", "郑州市档案馆", hours(24 * 365));
  REQUIRE(seal.ok());
  REQUIRE(CheckSealCert(*seal, (*ca)->seal_maker_pem(), (*ca)->root_pem(), now).ok());

  // The same certificates through OpenSSL 3.
  const fs::path d = dir.path();
  Write(d / "root.pem", (*ca)->root_pem());
  Write(d / "issuing.pem", (*ca)->issuing_pem());
  Write(d / "maker.pem", (*ca)->seal_maker_pem());
  Write(d / "node.pem", *pem);
  Write(d / "seal.pem", *seal);
  CHECK(Openssl("verify -CAfile " + (d / "root.pem").string() + " -untrusted " + (d / "issuing.pem").string() +
                " -purpose sslclient " + (d / "node.pem").string()) == 0);
  CHECK(Openssl("verify -CAfile " + (d / "root.pem").string() + " -untrusted " + (d / "issuing.pem").string() +
                " -purpose sslserver " + (d / "node.pem").string()) == 0);
  CHECK(Openssl("verify -vfyopt distid:1234567812345678 -CAfile " + (d / "root.pem").string() + " -untrusted " +
                (d / "maker.pem").string() + " " + (d / "seal.pem").string()) == 0);
  // ...and OpenSSL refuses a chain that does not reach the root.
  CHECK(Openssl("verify -CAfile " + (d / "issuing.pem").string() + " " + (d / "node.pem").string()) != 0);

  // Reopened with the passphrase, the CA keeps issuing; a wrong passphrase is refused.
  auto again = CertificateAuthority::Open(dir.path() / "ca", "口令-passphrase");
  REQUIRE(again.ok());
  CHECK((*again)->root_pem() == (*ca)->root_pem());
  CHECK(CertificateAuthority::Open(dir.path() / "ca", "wrong").status().code() ==
        absl::StatusCode::kUnauthenticated);
}

TEST_CASE("bad certificates are refused with their reason") {
  kuaguan::testing::TempDir dir;
  auto ca = *CertificateAuthority::Create(dir.path() / "ca", "p", "410000", "河南省档案馆");
  auto other = *CertificateAuthority::Create(dir.path() / "other", "p", "420000", "湖北省档案馆");
  Botan::AutoSeeded_RNG rng;
  auto key = NewKey(KeyKind::kEcdsaP256, rng);
  const auto pem = *ca->IssueTlsCert(Csr(*key), "410100", "郑州市档案馆", hours(24 * 30));
  const auto now = std::chrono::system_clock::now();
  auto check = [&](const std::string& leaf, std::chrono::system_clock::time_point when) {
    auto r = CheckTlsCert(leaf, ca->issuing_pem(), ca->root_pem(), when);
    REQUIRE_FALSE(r.ok());
    return std::string(r.status().message());
  };
  CHECK(check(pem, now + hours(24 * 31)).find("expired") != std::string::npos);
  CHECK(check(pem, now - hours(24)).find("not yet valid") != std::string::npos);
  const auto foreign = *other->IssueTlsCert(Csr(*key), "410100", "郑州市档案馆", hours(24 * 30));
  CHECK(check(foreign, now).find("root") != std::string::npos);
  Botan::X509_Cert_Options opts("410100/CN");
  const std::string self = Botan::X509::create_self_signed_cert(opts, *key, "SHA-256", rng).PEM_encode();
  CHECK(check(self, now).find("self-signed") != std::string::npos);
  // A seal certificate is not a TLS identity.
  auto sm2 = NewKey(KeyKind::kSm2, rng);
  const auto seal = *ca->IssueSealCert(sm2->subject_public_key(), "410100", "郑州市档案馆", hours(24 * 30));
  CHECK_FALSE(CheckTlsCert(seal, ca->issuing_pem(), ca->root_pem(), now).ok());
  // A seal certified by another federation's seal maker.
  const auto foreign_seal = *other->IssueSealCert(sm2->subject_public_key(), "410100", "郑州市档案馆", hours(24));
  CHECK_FALSE(CheckSealCert(foreign_seal, ca->seal_maker_pem(), ca->root_pem(), now).ok());
  CHECK_FALSE(CheckSealCert(pem, ca->seal_maker_pem(), ca->root_pem(), now).ok());
  // Requests: an SM2 key is no TLS identity; garbage is no request.
  CHECK(ca->IssueTlsCert({1, 2, 3}, "410100", "x", hours(1)).status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(ca->IssueSealCert(key->subject_public_key(), "410100", "x", hours(1)).status().message().find("SM2") !=
        absl::string_view::npos);
}

TEST_CASE("key files are encrypted and refuse loose permissions") {
  kuaguan::testing::TempDir dir;
  Botan::AutoSeeded_RNG rng;
  auto key = NewKey(KeyKind::kSm2, rng);
  const fs::path path = dir.path() / "keys" / "seal.key";
  REQUIRE(WriteKeyFile(path, *key, "秘密口令").ok());
  std::ifstream in(path);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(text.find("ENCRYPTED PRIVATE KEY") != std::string::npos);
  auto back = ReadKeyFile(path, "秘密口令");
  REQUIRE(back.ok());
  CHECK((*back)->public_key_bits() == key->public_key_bits());
  CHECK(ReadKeyFile(path, "wrong").status().code() == absl::StatusCode::kUnauthenticated);
  ::chmod(path.c_str(), 0644);
  CHECK(ReadKeyFile(path, "秘密口令").status().code() == absl::StatusCode::kPermissionDenied);
  CHECK(WriteKeyFile(path, *key, "").code() == absl::StatusCode::kInvalidArgument);
  auto pass = LoadPassphrase(dir.path() / "pass", true);
  REQUIRE(pass.ok());
  CHECK(pass->size() == 64);
  CHECK(*LoadPassphrase(dir.path() / "pass", false) == *pass);
}

TEST_CASE("staff certificates name the person and role and are for client use only") {
  kuaguan::testing::TempDir dir;
  auto ca = *CertificateAuthority::Create(dir.path() / "ca", "p", "410000", "河南省档案馆");
  Botan::AutoSeeded_RNG rng;
  auto key = NewKey(KeyKind::kEcdsaP256, rng);
  const auto now = std::chrono::system_clock::now();
  auto pem = ca->IssueStaffCert(Csr(*key), "410100", "张三", "back-office", hours(24));
  REQUIRE(pem.ok());
  auto staff = CheckStaffCert(*pem, ca->issuing_pem(), ca->root_pem(), now);
  REQUIRE(staff.ok());
  CHECK(staff->archive == "410100");
  CHECK(staff->role == "back-office");
  CHECK(staff->name == "张三");
  CHECK_FALSE(CheckTlsCert(*pem, ca->issuing_pem(), ca->root_pem(), now).ok());  // not a node
  const auto node = *ca->IssueTlsCert(Csr(*key), "410100", "郑州市档案馆", hours(24));
  CHECK_FALSE(CheckStaffCert(node, ca->issuing_pem(), ca->root_pem(), now).ok());  // not a person
  CHECK(ca->IssueStaffCert(Csr(*key), "410100", "张三", "janitor", hours(24)).status().code() ==
        absl::StatusCode::kInvalidArgument);
  CHECK_FALSE(CheckStaffCert(*pem, ca->issuing_pem(), ca->root_pem(), now + hours(25)).ok());
}
