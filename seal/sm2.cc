#include "seal/sm2.h"

#include <botan/auto_rng.h>
#include <botan/data_src.h>
#include <botan/ecdsa.h>
#include <botan/pubkey.h>
#include <botan/sm2.h>
#include <botan/x509_key.h>

#include "absl/strings/str_cat.h"
#include "seal/certs.h"

namespace kuaguan::seal {
namespace {

const std::string& Params() {
  static const std::string p = absl::StrCat(kSm2UserId, ",SM3");
  return p;
}

}  // namespace

std::vector<uint8_t> Sm2PublicKeyDer(const Botan::Private_Key& key) {
  const auto& sm2 = dynamic_cast<const Botan::SM2_PrivateKey&>(key);
  return Botan::ECDSA_PublicKey(sm2.domain(), sm2.public_point()).subject_public_key();
}

std::string Sm2Sign(const Botan::Private_Key& key, const std::string& data) {
  Botan::AutoSeeded_RNG rng;
  Botan::PK_Signer signer(key, rng, Params(), Botan::DER_SEQUENCE);
  const auto sig = signer.sign_message(reinterpret_cast<const uint8_t*>(data.data()), data.size(), rng);
  return std::string(sig.begin(), sig.end());
}

absl::Status Sm2Verify(const std::string& public_key_der, const std::string& data, const std::string& signature) {
  try {
    Botan::DataSource_Memory src(public_key_der);
    std::unique_ptr<Botan::Public_Key> pub(Botan::X509::load_key(src));
    const auto* ec = dynamic_cast<const Botan::EC_PublicKey*>(pub.get());
    if (ec == nullptr || ec->domain().get_curve_oid() != Botan::OID::from_string("sm2p256v1")) {
      return absl::InvalidArgumentError("not an SM2 public key (curve sm2p256v1)");
    }
    const Botan::SM2_PublicKey sm2(ec->domain(), ec->public_point());
    Botan::PK_Verifier verifier(sm2, Params(), Botan::DER_SEQUENCE);
    if (!verifier.verify_message(reinterpret_cast<const uint8_t*>(data.data()), data.size(),
                                 reinterpret_cast<const uint8_t*>(signature.data()), signature.size())) {
      return absl::UnauthenticatedError("the SM2 signature does not verify");
    }
    return absl::OkStatus();
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("not an SM2 public key: ", e.what()));
  }
}

}  // namespace kuaguan::seal
