// Electronic seals and sealed certificate files on real Botan SM2 keys from a real CA: a seal made
// by the seal maker, a stamp over content and PDF, verification in the GB/T 38540 order, and every
// single changed byte of the file refused with a reason. qpdf checks the sealed file is a PDF.
#include <catch2/catch.hpp>

#include <botan/auto_rng.h>
#include <botan/pk_keys.h>

#include <fstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "seal/ca.h"
#include "seal/certs.h"
#include "seal/e_seal.h"
#include "seal/key_file.h"
#include "seal/sealed_certificate.h"
#include "seal/sm2.h"
#include "seal/certificate_serial.h"
#include "tests/testing/process.h"
#include "tests/testing/seal_fixture.h"
#include "tests/testing/temp_dir.h"

using namespace kuaguan::seal;
using std::chrono::hours;

using kuaguan::testing::GoodSerial;
using kuaguan::testing::TinyPdf;
using Fixture = kuaguan::testing::SealFixture;

TEST_CASE("a seal made by the seal maker verifies and refuses another maker or a changed byte") {
  Fixture f;
  auto maker_der = *PemToDer(f.ca->seal_maker_pem());
  auto parsed = VerifySeal(f.seal_der, maker_der);
  INFO(parsed.status().ToString());
  REQUIRE(parsed.ok());
  CHECK(parsed->info.name == "郑州市档案馆电子出证专用章");
  CHECK(parsed->info.seal_id == "410100-SEAL-1");
  CHECK(parsed->info.signer_cert_sm3.size() == 1);

  kuaguan::testing::TempDir other_dir;
  auto other = *CertificateAuthority::Create(other_dir.path() / "ca", "p", "420000", "湖北省档案馆");
  CHECK(VerifySeal(f.seal_der, *PemToDer(other->seal_maker_pem())).status().code() ==
        absl::StatusCode::kUnauthenticated);
  for (size_t i = 0; i < f.seal_der.size(); i += 7) {
    std::string bad = f.seal_der;
    bad[i] = static_cast<char>(bad[i] ^ 0x01);
    CHECK_FALSE(VerifySeal(bad, maker_der).ok());
  }
}

TEST_CASE("a sealed certificate verifies and any changed byte fails with a reason") {
  Fixture f;
  auto content = f.Content();
  const std::string pdf = TinyPdf();
  auto file = SealCertificate(pdf, content, f.seal_der, f.seal_cert_pem, *f.seal_key, std::chrono::system_clock::now());
  REQUIRE(file.ok());
  auto ok = VerifySealedCertificate(*file, f.trust);
  REQUIRE(ok.ok());
  CHECK(ok->content.person_name() == "张三");
  CHECK(ok->content.records(0).title() == "张三与李四结婚登记");
  CHECK(ok->pdf == pdf);
  CHECK(ok->seal_id == "410100-SEAL-1");

  // qpdf reads the sealed file as a PDF with an incremental update.
  const auto path = f.dir.path() / "c.pdf";
  std::ofstream(path, std::ios::binary) << *file;
  CHECK(kuaguan::testing::Run({"/usr/bin/qpdf", "--check", path.string()}).exit_code == 0);

  // Every single byte changed: refused (sampled densely over the whole file).
  size_t refused = 0, tried = 0;
  for (size_t i = 0; i < file->size(); i += (i < pdf.size() ? 3 : 1)) {
    std::string bad = *file;
    bad[i] = static_cast<char>(bad[i] ^ 0x20);
    ++tried;
    auto r = VerifySealedCertificate(bad, f.trust);
    if (!r.ok()) {
      ++refused;
      CHECK_FALSE(r.status().message().empty());
    }
  }
  CHECK(refused == tried);

  std::string bad = *file;
  bad[pdf.size() / 2] ^= 0x01;
  CHECK(VerifySealedCertificate(bad, f.trust).status().message().find("changed after sealing") != std::string::npos);
  CHECK(VerifySealedCertificate(pdf, f.trust).status().message().find("no Kuaguan seal") != std::string::npos);
  CHECK(VerifySealedCertificate(*file + "x", f.trust).status().message().find("changed after sealing") !=
        std::string::npos);
  CHECK_FALSE(VerifySealedCertificate(file->substr(0, file->size() - 10), f.trust).ok());

  // The issuing archive revoked; another federation's trust.
  auto revoked = f.trust;
  revoked.mutable_members(0)->set_revoked(true);
  revoked.mutable_members(0)->set_revoked_reason("key compromise");
  CHECK(VerifySealedCertificate(*file, revoked).status().message().find("key compromise") != std::string::npos);
  kuaguan::testing::TempDir other_dir;
  auto other = *CertificateAuthority::Create(other_dir.path() / "ca", "p", "420000", "湖北省档案馆");
  auto foreign = f.trust;
  foreign.set_seal_maker_pem(other->seal_maker_pem());
  foreign.set_root_pem(other->root_pem());
  CHECK(VerifySealedCertificate(*file, foreign).status().message().find("another seal maker") != std::string::npos);
}

TEST_CASE("a seal used by a key it does not list or a wrong serial is refused") {
  Fixture f;
  Botan::AutoSeeded_RNG rng;
  auto thief = NewKey(KeyKind::kSm2, rng);
  auto thief_cert = *f.ca->IssueSealCert(Sm2PublicKeyDer(*thief), "410100", "郑州市档案馆", hours(24));
  auto content = f.Content();
  auto stolen = SealCertificate(TinyPdf(), content, f.seal_der, thief_cert, *thief, std::chrono::system_clock::now());
  REQUIRE(stolen.ok());
  CHECK(VerifySealedCertificate(*stolen, f.trust).status().message().find("not one the seal lists") !=
        std::string::npos);

  content.set_serial("410100-2026-000002-" + GoodSerial().substr(GoodSerial().size() - 1));
  auto wrong = SealCertificate(TinyPdf(), content, f.seal_der, f.seal_cert_pem, *f.seal_key,
                               std::chrono::system_clock::now());
  REQUIRE(wrong.ok());
  CHECK(VerifySealedCertificate(*wrong, f.trust).status().message().find("serial") != std::string::npos);

  CHECK(SealCertificate("not a pdf", content, f.seal_der, f.seal_cert_pem, *f.seal_key,
                        std::chrono::system_clock::now()).status().code() == absl::StatusCode::kInvalidArgument);
}

TEST_CASE("crafted files of many shapes are refused with a reason and never crash the verifier") {
  Fixture f;
  auto file = SealCertificate(TinyPdf(), f.Content(), f.seal_der, f.seal_cert_pem, *f.seal_key,
                              std::chrono::system_clock::now());
  REQUIRE(file.ok());
  const std::string marker = "\n%KuaguanSeal-1\n";
  const std::string pdf = file->substr(0, file->rfind(marker) + 1);
  const std::string seal = file->substr(file->rfind(marker) + 1);
  const std::vector<std::string> crafted = {
      // 30 KB and 300 KB of digits after /Size (std::regex recursed per character and overflowed).
      "%PDF-1.7\ntrailer\n<< /Size " + std::string(30000, '7') + " /Root 1 0 R >>\nstartxref\n9\n%%EOF\n" + seal,
      "%PDF-1.7\ntrailer\n<< /Size 3 /Root 1 0 R " + std::string(300000, ' ') + ">>\nstartxref\n9\n%%EOF\n" + seal,
      "%PDF-1.7\ntrailer\n<< /Size 3 /Root " + std::string(40000, '1') + " 0 R >>\nstartxref\n9\n%%EOF\n" + seal,
      "%PDF-1.7\ntrailer" + std::string(50000, '/') + "\n" + seal,
      pdf + "\n%KuaguanSeal-1\n" + std::string(30000, '9') + " 0 obj\n",
      pdf + "\n%KuaguanSeal-1\n1 0 obj\n<< /Type /KuaguanSeal /Length 99999999999999999999 >>\nstream\n",
      pdf + "\n%KuaguanSeal-1\n1 0 obj\n<< /Type /KuaguanSeal /Length 18446744073709551615 >>\nstream\n",
      std::string(kMaxCertificateBytes + 1, '%'),
      std::string(1, '\0'),
      "",
  };
  for (const std::string& bytes : crafted) {
    INFO(bytes.substr(0, 60));
    auto r = VerifySealedCertificate(bytes, f.trust);
    CHECK_FALSE(r.ok());
    CHECK_FALSE(r.status().message().empty());
  }
}

TEST_CASE("offline verification refuses a revoked or superseded seal certificate and takes the registered one") {
  Fixture f;
  const auto now = std::chrono::system_clock::now();
  auto file = SealCertificate(TinyPdf(), f.Content(), f.seal_der, f.seal_cert_pem, *f.seal_key, now);
  REQUIRE(file.ok());
  // The registered seal certificate verifies.
  auto ok = VerifySealedCertificate(*file, f.trust);
  INFO(ok.status().ToString());
  REQUIRE(ok.ok());

  // Its serial revoked one by one (ca revoke --serial): refused, whatever the case of the hex.
  const std::string serial = ParseCert(f.seal_cert_pem)->serial_hex;
  auto revoked = f.trust;
  revoked.add_revoked_serials("00AA");
  revoked.add_revoked_serials(absl::AsciiStrToLower(serial));
  auto refused = VerifySealedCertificate(*file, revoked);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().code() == absl::StatusCode::kUnauthenticated);
  CHECK(refused.status().message().find("revoked") != std::string::npos);
  CHECK(refused.status().message().find(serial) != std::string::npos);
  // Other serials revoked: still valid.
  auto others = f.trust;
  others.add_revoked_serials("00AA");
  CHECK(VerifySealedCertificate(*file, others).ok());

  // A second seal certificate for the same archive, with a seal the seal maker made for it (as
  // re-enrollment does): while the directory registers the first, the second makes nothing valid.
  Botan::AutoSeeded_RNG rng;
  auto new_key = NewKey(KeyKind::kSm2, rng);
  const std::string new_cert =
      *f.ca->IssueSealCert(Sm2PublicKeyDer(*new_key), "410100", "郑州市档案馆", hours(24 * 365));
  const std::string new_seal = *f.ca->MakeArchiveSeal("410100-SEAL-2", "郑州市档案馆电子出证专用章", new_cert,
                                                      "\x89PNG picture");
  auto by_new = SealCertificate(TinyPdf(), f.Content(), new_seal, new_cert, *new_key, now);
  REQUIRE(by_new.ok());
  auto unregistered = VerifySealedCertificate(*by_new, f.trust);
  REQUIRE_FALSE(unregistered.ok());
  CHECK(unregistered.status().code() == absl::StatusCode::kUnauthenticated);
  CHECK(unregistered.status().message().find("not the one the directory registers") != std::string::npos);

  // Once the directory registers the new certificate, the superseded one is refused and the new
  // one verifies.
  auto rolled = f.trust;
  rolled.mutable_members(0)->set_seal_cert_pem(new_cert);
  CHECK(VerifySealedCertificate(*by_new, rolled).ok());
  auto superseded = VerifySealedCertificate(*file, rolled);
  REQUIRE_FALSE(superseded.ok());
  CHECK(superseded.status().message().find("superseded") != std::string::npos);
  CHECK(DescribeVerification(superseded, rolled).reason().find("registers") != std::string::npos);

  // A member with no registered seal certificate verifies nothing.
  auto none = f.trust;
  none.mutable_members(0)->clear_seal_cert_pem();
  CHECK(VerifySealedCertificate(*file, none).status().message().find("registers no seal certificate") !=
        std::string::npos);
}
