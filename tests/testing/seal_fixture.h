// A sealed-certificate world for tests, benchmarks and fuzz harnesses: a real CA in a temporary
// folder, one archive's SM2 seal key, seal certificate and electronic seal (410100 郑州市档案馆),
// the trust bundle that registers it, a one-page PDF and a certificate content to seal. Making
// one takes a fraction of a second (key generation). Not thread-safe.
#pragma once

#include <botan/pk_keys.h>

#include <memory>
#include <string>

#include "kuaguan/v1/desk.pb.h"
#include "kuaguan/v1/request.pb.h"
#include "seal/ca.h"
#include "tests/testing/temp_dir.h"

namespace kuaguan::testing {

// A one-page PDF with a classic cross-reference table, as cairo writes them.
std::string TinyPdf();
// A serial with the right check character for 410100-2026-000001.
std::string GoodSerial();

struct SealFixture {
  TempDir dir;
  std::unique_ptr<seal::CertificateAuthority> ca;
  std::unique_ptr<Botan::Private_Key> seal_key;
  std::string seal_cert_pem, seal_der;
  kuaguan::v1::TrustBundle trust;

  SealFixture();
  // A content naming GoodSerial(), 410100, 张三 and one record.
  kuaguan::v1::CertificateContent Content() const;
  // TinyPdf() sealed with Content() now.
  std::string SealedFile() const;
};

}  // namespace kuaguan::testing
