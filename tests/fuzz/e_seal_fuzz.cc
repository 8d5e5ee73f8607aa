// Feeds: arbitrary bytes as a seal (SESeal DER) to VerifySeal with a real CA's seal maker, as a
// stamp (SES_Signature) to VerifyStamp and as PEM to PemToDer. Asserts: only the seals and stamps
// of ours made here verify, and say what was made (no byte changes unnoticed); refusals say why.
#include <botan/auto_rng.h>
#include <botan/pk_keys.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "seal/ca.h"
#include "seal/digest.h"
#include "seal/e_seal.h"
#include "seal/key_file.h"
#include "seal/sealed_certificate.h"
#include "seal/sm2.h"
#include "tests/fuzz/fuzz_util.h"

namespace {

namespace seal = kuaguan::seal;
using std::chrono::hours;

struct Fixture {
  kuaguan::fuzz::ScratchDir dir{"e-seal"};
  std::unique_ptr<seal::CertificateAuthority> ca;
  std::string maker_der;
  std::map<std::string, std::string> seals;   // DER -> seal id
  std::map<std::string, std::string> stamps;  // DER -> data SM3

  Fixture() {
    Botan::AutoSeeded_RNG rng;
    ca = std::move(
        *seal::CertificateAuthority::Create(dir.path() / "ca", "fuzz", "410000", "河南省档案馆"));
    maker_der = *seal::PemToDer(ca->seal_maker_pem());
    std::vector<std::pair<std::string, std::string>> seeds;
    std::unique_ptr<Botan::Private_Key> key = seal::NewKey(seal::KeyKind::kSm2, rng);
    const std::string cert =
        *ca->IssueSealCert(seal::Sm2PublicKeyDer(*key), "410100", "郑州市档案馆", hours(24 * 365));
    const std::string seal_der = *ca->MakeArchiveSeal("410100-1", "郑州市档案馆电子出证专用章",
                                                      cert, "\x89PNG\r\n\x1a\nseal picture");
    seals[seal_der] = "410100-1";
    seeds.emplace_back("seal", seal_der);
    const std::string other = *ca->MakeArchiveSeal("410100-2", "郑州市档案馆电子出证专用章（二）",
                                                   cert, std::string(300, '\x7f'));
    seals[other] = "410100-2";
    seeds.emplace_back("seal-2", other);
    for (int i = 0; i < 2; ++i) {
      seal::Stamp s;
      s.seal_der = i == 0 ? seal_der : other;
      s.time = std::chrono::system_clock::now();
      s.data_sm3 = seal::Sm3(absl::StrCat("document ", i));
      s.property = seal::kCertificateProperty;
      s.signer_cert_der = *seal::PemToDer(cert);
      const std::string stamp = seal::MakeStamp(s, *key);
      stamps[stamp] = s.data_sm3;
      seeds.emplace_back(absl::StrCat("stamp-", i), stamp);
    }
    seeds.emplace_back("maker-pem", ca->seal_maker_pem());
    kuaguan::fuzz::WriteSeeds(seeds);
  }
};

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
  const Fixture& f = Shared();
  const std::string bytes(reinterpret_cast<const char*>(data), size);

  auto parsed = seal::VerifySeal(bytes, f.maker_der);
  if (parsed.ok()) {
    auto it = f.seals.find(bytes);
    FUZZ_CHECK(it != f.seals.end(), "a seal that was never made verifies");
    FUZZ_CHECK(parsed->info.seal_id == it->second, parsed->info.seal_id);
    FUZZ_CHECK(parsed->maker_cert_der == f.maker_der, "maker");
  } else {
    FUZZ_CHECK(!parsed.status().message().empty(), "a refusal says why");
  }

  // VerifyStamp checks a stamp's signature with the certificate inside it, so anyone's stamp
  // verifies (the committed seeds hold one); but one that carries our seal, signed by a
  // certificate the seal lists, can only be one made here.
  auto stamp = seal::VerifyStamp(bytes);
  if (stamp.ok()) {
    auto ours = seal::VerifySeal(stamp->seal_der, f.maker_der);
    const std::string signer = seal::CertSm3(stamp->signer_cert_der);
    if (ours.ok() && std::find(ours->info.signer_cert_sm3.begin(), ours->info.signer_cert_sm3.end(),
                               signer) != ours->info.signer_cert_sm3.end()) {
      auto it = f.stamps.find(bytes);
      FUZZ_CHECK(it != f.stamps.end(), "a stamp with our seal that was never made verifies");
      FUZZ_CHECK(stamp->data_sm3 == it->second, "the stamp's digest");
      FUZZ_CHECK(f.seals.count(stamp->seal_der) == 1, "the stamp's seal");
    }
  } else {
    FUZZ_CHECK(!stamp.status().message().empty(), "a refusal says why");
  }

  auto der = seal::PemToDer(bytes);
  if (der.ok()) FUZZ_CHECK(der->size() <= bytes.size(), "PEM decodes to fewer bytes");
  (void)seal::CertSm3(bytes);
  return 0;
}
