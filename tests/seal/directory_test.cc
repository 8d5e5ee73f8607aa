// Signed directories on a real CA: accepted when signed by a root-certified signer, refused with
// the reason when tampered with, older than the cache, expired or from another federation; peers
// checked against the registered certificate, revocations and the claimed archive.
#include <catch2/catch.hpp>

#include <botan/auto_rng.h>
#include <botan/pk_keys.h>
#include <botan/pkcs10.h>
#include <botan/x509self.h>

#include "seal/ca.h"
#include "seal/certs.h"
#include "seal/directory.h"
#include "seal/key_file.h"
#include "tests/testing/temp_dir.h"

using namespace kuaguan::seal;
namespace v1 = kuaguan::v1;
using std::chrono::hours;

namespace {

int64_t Micros(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
}

std::string Issue(CertificateAuthority* ca, const std::string& code) {
  Botan::AutoSeeded_RNG rng;
  auto key = NewKey(KeyKind::kEcdsaP256, rng);
  Botan::X509_Cert_Options opts("x/CN");
  return *ca->IssueTlsCert(Botan::X509::create_cert_req(opts, *key, "SHA-256", rng).BER_encode(), code, "馆",
                           hours(24 * 365));
}

v1::Directory Base(CertificateAuthority* ca, uint64_t version) {
  const auto now = std::chrono::system_clock::now();
  v1::Directory d;
  d.set_version(version);
  d.set_provincial_code("410000");
  d.set_issued_micros(Micros(now));
  d.set_expires_micros(Micros(now + hours(72)));
  d.set_root_pem(ca->root_pem());
  d.set_issuing_pem(ca->issuing_pem());
  d.set_seal_maker_pem(ca->seal_maker_pem());
  d.set_signer_pem(ca->signer_pem());
  return d;
}

}  // namespace

TEST_CASE("a signed directory verifies and every bad one is refused with its reason") {
  kuaguan::testing::TempDir dir;
  auto ca = *CertificateAuthority::Create(dir.path() / "ca", "p", "410000", "河南省档案馆");
  auto other = *CertificateAuthority::Create(dir.path() / "other", "p", "420000", "湖北省档案馆");
  const auto now = std::chrono::system_clock::now();
  v1::Directory d = Base(ca.get(), 5);
  auto* m = d.add_members();
  m->set_code("410100");
  m->set_name("郑州市档案馆");
  const auto signed_dir = SignDirectory(d, ca.get());
  auto ok = VerifyDirectory(signed_dir, ca->root_pem(), now, nullptr);
  REQUIRE(ok.ok());
  CHECK(ok->members(0).name() == "郑州市档案馆");
  CHECK(FindMember(*ok, "410100") != nullptr);
  CHECK(FindMember(*ok, "410200") == nullptr);

  auto tampered = signed_dir;
  tampered.mutable_directory()->back() ^= 1;
  CHECK_FALSE(VerifyDirectory(tampered, ca->root_pem(), now, nullptr).ok());
  auto bad_sig = signed_dir;
  bad_sig.mutable_signature()->at(10) ^= 1;
  CHECK(VerifyDirectory(bad_sig, ca->root_pem(), now, nullptr).status().code() ==
        absl::StatusCode::kUnauthenticated);
  const v1::Directory newer = Base(ca.get(), 6);
  auto older = VerifyDirectory(signed_dir, ca->root_pem(), now, &newer);
  CHECK(older.status().message().find("older than the cached version 6") != absl::string_view::npos);
  auto expired = VerifyDirectory(signed_dir, ca->root_pem(), now + hours(73), nullptr);
  CHECK(expired.status().message().find("expired") != absl::string_view::npos);
  // Another federation's directory, or one signed by a key the root never certified.
  CHECK(VerifyDirectory(SignDirectory(Base(other.get(), 9), other.get()), ca->root_pem(), now, nullptr)
            .status().message().find("another federation") != absl::string_view::npos);
  v1::Directory forged = Base(ca.get(), 9);
  forged.set_signer_pem(other->signer_pem());
  CHECK(VerifyDirectory(SignDirectory(forged, other.get()), ca->root_pem(), now, nullptr).status().code() ==
        absl::StatusCode::kUnauthenticated);
}

TEST_CASE("a peer is accepted only with the certificate registered for the archive it claims") {
  kuaguan::testing::TempDir dir;
  auto ca = *CertificateAuthority::Create(dir.path() / "ca", "p", "410000", "河南省档案馆");
  const auto now = std::chrono::system_clock::now();
  const std::string zz = Issue(ca.get(), "410100"), kf = Issue(ca.get(), "410200");
  const std::string zz_again = Issue(ca.get(), "410100");  // a second certificate, never registered
  v1::Directory d = Base(ca.get(), 1);
  for (const auto& [code, pem] : {std::pair{"410100", zz}, std::pair{"410200", kf}}) {
    auto* m = d.add_members();
    m->set_code(code);
    m->set_tls_cert_pem(pem);
    m->set_tls_cert_sha256(ParseCert(pem)->sha256_hex);
  }
  CHECK(CheckPeer(d, "410100", zz, now).ok());
  CHECK(CheckPeer(d, "410200", zz, now).message().find("archive 410100's") != absl::string_view::npos);
  CHECK(CheckPeer(d, "410100", zz_again, now).message().find("not the one the directory registers") !=
        absl::string_view::npos);
  CHECK(CheckPeer(d, "410300", Issue(ca.get(), "410300"), now).message().find("not a member") !=
        absl::string_view::npos);
  d.add_revoked_serials(ParseCert(kf)->serial_hex);
  CHECK(CheckPeer(d, "410200", kf, now).message().find("revoked") != absl::string_view::npos);
  d.mutable_members(0)->set_revoked(true);
  d.mutable_members(0)->set_revoked_reason("撤销测试");
  CHECK(CheckPeer(d, "410100", zz, now).message().find("撤销测试") != absl::string_view::npos);
  CHECK(CheckPeer(d, "410100", zz, now + hours(24 * 400)).message().find("expired") != absl::string_view::npos);
}

TEST_CASE("a new directory signer is accepted only after a version announced it") {
  kuaguan::testing::TempDir dir;
  auto ca = *CertificateAuthority::Create(dir.path() / "ca", "p", "410000", "河南省档案馆");
  const auto now = std::chrono::system_clock::now();
  const v1::Directory v1_dir = Base(ca.get(), 1);
  const std::string first = ca->signer_pem();
  REQUIRE(ca->PrepareNextSigner().ok());
  CHECK(ca->PrepareNextSigner().status().code() == absl::StatusCode::kFailedPrecondition);
  v1::Directory v2_dir = Base(ca.get(), 2);
  v2_dir.set_next_signer_pem(ca->next_signer_pem());
  REQUIRE(VerifyDirectory(SignDirectory(v2_dir, ca.get()), ca->root_pem(), now, &v1_dir).ok());
  REQUIRE(ca->PromoteNextSigner().ok());
  CHECK(ca->signer_pem() != first);
  const auto v3 = SignDirectory(Base(ca.get(), 3), ca.get());
  auto unannounced = VerifyDirectory(v3, ca->root_pem(), now, &v1_dir);
  CHECK(unannounced.status().message().find("did not announce") != absl::string_view::npos);
  CHECK(VerifyDirectory(v3, ca->root_pem(), now, &v2_dir).ok());
  auto reopened = CertificateAuthority::Open(dir.path() / "ca", "p");
  REQUIRE(reopened.ok());
  CHECK((*reopened)->signer_pem() == ca->signer_pem());
  CHECK((*reopened)->next_signer_pem().empty());
}

TEST_CASE("the trust bundle from a directory carries each member's seal certificate and the revoked serials") {
  v1::Directory d;
  d.set_version(7);
  d.set_root_pem("root");
  d.set_seal_maker_pem("maker");
  auto* m = d.add_members();
  m->set_code("410100");
  m->set_name("郑州市档案馆");
  m->set_seal_cert_pem("seal");
  m->set_revoked(true);
  m->set_revoked_reason("撤销测试");
  d.add_revoked_serials("0A1B");
  d.add_revoked_serials("FF00");
  const v1::TrustBundle t = TrustOf(d);
  CHECK(t.directory_version() == 7);
  CHECK(t.seal_maker_pem() == "maker");
  REQUIRE(t.members_size() == 1);
  CHECK(t.members(0).seal_cert_pem() == "seal");
  CHECK(t.members(0).revoked_reason() == "撤销测试");
  REQUIRE(t.revoked_serials_size() == 2);
  CHECK(t.revoked_serials(1) == "FF00");
}
