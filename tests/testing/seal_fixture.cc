#include "tests/testing/seal_fixture.h"

#include <botan/auto_rng.h>

#include <chrono>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "seal/certificate_serial.h"
#include "seal/key_file.h"
#include "seal/sealed_certificate.h"
#include "seal/sm2.h"

namespace kuaguan::testing {

std::string TinyPdf() {
  std::vector<std::string> objects = {
      "<< /Type /Catalog /Pages 2 0 R >>",
      "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
      "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
      "<< /Producer (test) >>",
  };
  std::string pdf = "%PDF-1.5\n";
  std::vector<size_t> offsets;
  for (size_t i = 0; i < objects.size(); ++i) {
    offsets.push_back(pdf.size());
    absl::StrAppend(&pdf, i + 1, " 0 obj\n", objects[i], "\nendobj\n");
  }
  const size_t xref = pdf.size();
  absl::StrAppend(&pdf, "xref\n0 ", objects.size() + 1, "\n0000000000 65535 f \n");
  for (size_t off : offsets) absl::StrAppend(&pdf, absl::StrFormat("%010u 00000 n \n", off));
  absl::StrAppend(&pdf, "trailer\n<< /Size ", objects.size() + 1, " /Root 1 0 R /Info 4 0 R >>\nstartxref\n", xref,
                  "\n%%EOF\n");
  return pdf;
}

std::string GoodSerial() {
  for (char c : std::string("0123456789X")) {
    const std::string s = absl::StrCat("410100-2026-000001-", std::string(1, c));
    if (seal::ParseSerial(s).ok()) return s;
  }
  return "";
}

SealFixture::SealFixture() {
  using std::chrono::hours;
  Botan::AutoSeeded_RNG rng;
  ca = *seal::CertificateAuthority::Create(dir.path() / "ca", "p", "410000", "河南省档案馆");
  seal_key = seal::NewKey(seal::KeyKind::kSm2, rng);
  seal_cert_pem = *ca->IssueSealCert(seal::Sm2PublicKeyDer(*seal_key), "410100", "郑州市档案馆", hours(24 * 365));
  seal_der = *ca->MakeArchiveSeal("410100-SEAL-1", "郑州市档案馆电子出证专用章", seal_cert_pem, "\x89PNG picture");
  trust.set_root_pem(ca->root_pem());
  trust.set_seal_maker_pem(ca->seal_maker_pem());
  auto* m = trust.add_members();
  m->set_code("410100");
  m->set_name("郑州市档案馆");
  m->set_seal_cert_pem(seal_cert_pem);
}

kuaguan::v1::CertificateContent SealFixture::Content() const {
  kuaguan::v1::CertificateContent c;
  c.set_serial(GoodSerial());
  c.set_issuing_archive("410100");
  c.set_person_name("张三");
  c.set_purpose("办理退休");
  auto* r = c.add_records();
  r->set_code("0001-WS-2005-Y-0042");
  r->set_title("张三与李四结婚登记");
  return c;
}

std::string SealFixture::SealedFile() const {
  return *seal::SealCertificate(TinyPdf(), Content(), seal_der, seal_cert_pem, *seal_key,
                                std::chrono::system_clock::now());
}

}  // namespace kuaguan::testing
