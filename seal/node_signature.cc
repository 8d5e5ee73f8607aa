#include "seal/node_signature.h"

#include <botan/auto_rng.h>
#include <botan/data_src.h>
#include <botan/ecdsa.h>
#include <botan/pk_keys.h>
#include <botan/pkcs8.h>
#include <botan/pubkey.h>
#include <botan/x509cert.h>

#include <memory>

#include "absl/strings/str_cat.h"

namespace kuaguan::seal {

absl::StatusOr<std::string> SignWithNodeKey(absl::string_view key_pem, absl::string_view data) {
  try {
    Botan::DataSource_Memory src{std::string(key_pem)};
    std::unique_ptr<Botan::Private_Key> key = Botan::PKCS8::load_key(src);
    if (!key || key->algo_name() != "ECDSA") return absl::InvalidArgumentError("the node key is not ECDSA");
    Botan::AutoSeeded_RNG rng;
    Botan::PK_Signer signer(*key, rng, "EMSA1(SHA-256)", Botan::DER_SEQUENCE);
    const auto sig = signer.sign_message(reinterpret_cast<const uint8_t*>(data.data()), data.size(), rng);
    return std::string(sig.begin(), sig.end());
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("cannot sign with the node key: ", e.what()));
  }
}

absl::Status VerifyNodeSignature(absl::string_view cert_pem, absl::string_view data, absl::string_view signature) {
  std::unique_ptr<Botan::Public_Key> key;
  try {
    Botan::DataSource_Memory src{std::string(cert_pem)};
    const Botan::X509_Certificate cert(src);
    key = cert.load_subject_public_key();
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("unreadable certificate: ", e.what()));
  }
  try {
    Botan::PK_Verifier verifier(*key, "EMSA1(SHA-256)", Botan::DER_SEQUENCE);
    if (verifier.verify_message(reinterpret_cast<const uint8_t*>(data.data()), data.size(),
                                reinterpret_cast<const uint8_t*>(signature.data()), signature.size())) {
      return absl::OkStatus();
    }
  } catch (const std::exception&) {
  }
  return absl::UnauthenticatedError("the signature does not verify with the member's registered certificate");
}

}  // namespace kuaguan::seal
