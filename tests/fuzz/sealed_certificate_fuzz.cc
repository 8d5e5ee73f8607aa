// Feeds: arbitrary bytes as a sealed certificate file to VerifySealedCertificate, against a real
// TrustBundle from a CA made once per process. Asserts: only the files sealed here verify, never
// for a revoked archive; DescribeVerification agrees with the verdict; a refusal always says why.
#include <botan/auto_rng.h>
#include <botan/pk_keys.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "seal/ca.h"
#include "seal/certificate_serial.h"
#include "seal/key_file.h"
#include "seal/sealed_certificate.h"
#include "seal/sm2.h"
#include "tests/fuzz/fuzz_util.h"

namespace {

namespace seal = kuaguan::seal;
namespace v1 = kuaguan::v1;
using std::chrono::hours;

// A PDF with a classic cross-reference table, as cairo writes them; `info` adds an /Info entry.
std::string TinyPdf(bool info, int pages) {
  std::vector<std::string> objects = {"<< /Type /Catalog /Pages 2 0 R >>"};
  std::string kids;
  for (int p = 0; p < pages; ++p) absl::StrAppend(&kids, p == 0 ? "" : " ", 3 + p, " 0 R");
  objects.push_back(absl::StrCat("<< /Type /Pages /Kids [", kids, "] /Count ", pages, " >>"));
  for (int p = 0; p < pages; ++p)
    objects.push_back("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>");
  if (info) objects.push_back("<< /Producer (cairo 1.16.0 (https://cairographics.org)) >>");
  std::string pdf = "%PDF-1.5\n%\xB5\xED\xAE\xFB\n";
  std::vector<size_t> offsets;
  for (size_t i = 0; i < objects.size(); ++i) {
    offsets.push_back(pdf.size());
    absl::StrAppend(&pdf, i + 1, " 0 obj\n", objects[i], "\nendobj\n");
  }
  const size_t xref = pdf.size();
  absl::StrAppend(&pdf, "xref\n0 ", objects.size() + 1, "\n0000000000 65535 f \n");
  for (size_t off : offsets) absl::StrAppend(&pdf, absl::StrFormat("%010u 00000 n \n", off));
  absl::StrAppend(&pdf, "trailer\n<< /Size ", objects.size() + 1, " /Root 1 0 R");
  if (info) absl::StrAppend(&pdf, " /Info ", objects.size(), " 0 R");
  absl::StrAppend(&pdf, " >>\nstartxref\n", xref, "\n%%EOF\n");
  return pdf;
}

std::string Serial(const std::string& archive, int n) {
  for (char c : std::string("0123456789X")) {
    const std::string s = absl::StrFormat("%s-2026-%06d-%c", archive, n, c);
    if (seal::ParseSerial(s).ok()) return s;
  }
  return "";
}

v1::CertificateContent Content(int n, int records) {
  v1::CertificateContent c;
  c.set_serial(Serial("410100", n));
  c.set_request_id("410200-20260914-0a1b2c3d");
  c.set_issuing_archive("410100");
  c.set_issuing_name("郑州市档案馆");
  c.set_requesting_archive("410200");
  c.set_requesting_name("开封市档案馆");
  c.set_person_name("张三");
  c.set_person_id_masked("410102********1234");
  c.set_category(v1::LIVELIHOOD_MARRIAGE);
  c.set_purpose("办理退休");
  for (int i = 0; i < records; ++i) {
    auto* r = c.add_records();
    r->set_code(absl::StrCat("Z109-HY·1985-Y-000", i + 1));
    r->set_title("张三与李四结婚登记");
    r->set_date("19850506");
    r->set_pages(2);
  }
  c.set_issued_micros(1789000000000000);
  c.set_clerk("李明");
  return c;
}

struct Fixture {
  kuaguan::fuzz::ScratchDir dir{"sealed-certificate"};
  std::unique_ptr<seal::CertificateAuthority> ca;
  v1::TrustBundle trust, revoked;
  std::set<std::string> valid;  // the files sealed here: the only ones that may verify

  Fixture() {
    Botan::AutoSeeded_RNG rng;
    ca = std::move(
        *seal::CertificateAuthority::Create(dir.path() / "ca", "fuzz", "410000", "河南省档案馆"));
    std::unique_ptr<Botan::Private_Key> key = seal::NewKey(seal::KeyKind::kSm2, rng);
    const std::string cert =
        *ca->IssueSealCert(seal::Sm2PublicKeyDer(*key), "410100", "郑州市档案馆", hours(24 * 365));
    const std::string seal_der = *ca->MakeArchiveSeal("410100-1", "郑州市档案馆电子出证专用章",
                                                      cert, "\x89PNG\r\n\x1a\nseal picture");
    trust.set_root_pem(ca->root_pem());
    trust.set_seal_maker_pem(ca->seal_maker_pem());
    trust.set_directory_version(7);
    auto* m = trust.add_members();
    m->set_code("410100");
    m->set_name("郑州市档案馆");
    m->set_seal_cert_pem(cert);
    revoked = trust;
    revoked.mutable_members(0)->set_revoked(true);
    revoked.mutable_members(0)->set_revoked_reason("key compromise");

    const auto now = std::chrono::system_clock::now();
    std::vector<std::pair<std::string, std::string>> seeds;
    int n = 0;
    for (const auto& [info, pages, records] : {std::tuple{true, 1, 1}, std::tuple{false, 2, 3}}) {
      auto file = seal::SealCertificate(TinyPdf(info, pages), Content(++n, records), seal_der, cert,
                                        *key, now);
      FUZZ_CHECK(file.ok(), file.status().ToString());
      FUZZ_CHECK(seal::VerifySealedCertificate(*file, trust).ok(),
                 "the fixture's own certificate verifies");
      valid.insert(*file);
      seeds.emplace_back(absl::StrCat("sealed-", n), *file);
    }
    // Near misses: a key the seal does not list, a serial of another archive.
    std::unique_ptr<Botan::Private_Key> thief = seal::NewKey(seal::KeyKind::kSm2, rng);
    const std::string thief_cert =
        *ca->IssueSealCert(seal::Sm2PublicKeyDer(*thief), "410100", "郑州市档案馆", hours(24));
    seeds.emplace_back("stolen-key", *seal::SealCertificate(TinyPdf(true, 1), Content(9, 1),
                                                            seal_der, thief_cert, *thief, now));
    v1::CertificateContent other = Content(10, 1);
    other.set_serial(Serial("410200", 10));
    seeds.emplace_back("foreign-serial",
                       *seal::SealCertificate(TinyPdf(true, 1), other, seal_der, cert, *key, now));
    seeds.emplace_back("unsealed", TinyPdf(true, 1));
    kuaguan::fuzz::WriteSeeds(seeds);
  }
};

// Made once per process (a CA and seals take a while), before the first input.
const Fixture& Shared() {
  static const Fixture fixture;
  return fixture;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  Shared();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const Fixture* fixture = &Shared();
  const std::string file(reinterpret_cast<const char*>(data), size);
  auto verified = seal::VerifySealedCertificate(file, fixture->trust);
  const v1::VerifyResult described = seal::DescribeVerification(verified, fixture->trust);
  FUZZ_CHECK(described.valid() == verified.ok(), described.reason());
  if (!verified.ok()) {
    FUZZ_CHECK(!verified.status().message().empty(), "a refusal says why");
    FUZZ_CHECK(!described.reason().empty(), "a refusal says why");
    return 0;
  }
  FUZZ_CHECK(fixture->valid.count(file) == 1, "a byte string that was never sealed verifies");
  FUZZ_CHECK(verified->content.issuing_archive() == "410100", verified->content.issuing_archive());
  FUZZ_CHECK(file.rfind(verified->pdf, 0) == 0, "the PDF is the file's beginning");
  FUZZ_CHECK(!seal::VerifySealedCertificate(file, fixture->revoked).ok(),
             "a revoked archive's certificate verifies");
  return 0;
}
