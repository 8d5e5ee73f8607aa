// The provincial certificate authority, in a folder of its own: a root (ECDSA P-256, self-signed),
// an issuing CA for the TLS identities of nodes and staff (ECDSA P-256: the only kind gRPC's TLS
// stack loads), a seal maker (SM2 with SM3, certified by the root) that certifies each archive's
// SM2 seal key, and a directory signer (ECDSA P-256, certified by the root). Private keys are
// encrypted at rest (seal/key_file.h). Certificates are built field by field by the CA:
// a request contributes only its public key, never its own name or extensions.
// Thread-compatible: the provincial node serializes its calls.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace Botan {
class Private_Key;
}

namespace kuaguan::seal {

class CertificateAuthority {
 public:
  // Makes a new CA in `dir` for the province `code` / `name`. FAILED_PRECONDITION when `dir`
  // already holds one.
  static absl::StatusOr<std::unique_ptr<CertificateAuthority>> Create(const std::filesystem::path& dir,
                                                                      const std::string& passphrase,
                                                                      const std::string& code,
                                                                      const std::string& name);
  // Opens the CA in `dir`. NOT_FOUND when there is none; UNAUTHENTICATED for a wrong passphrase.
  static absl::StatusOr<std::unique_ptr<CertificateAuthority>> Open(const std::filesystem::path& dir,
                                                                    const std::string& passphrase);
  ~CertificateAuthority();

  // A TLS certificate (PEM) for `code` / `name` over the public key of a PKCS#10 request (DER),
  // whose self-signature must verify. Only ECDSA P-256 keys are accepted.
  absl::StatusOr<std::string> IssueTlsCert(const std::vector<uint8_t>& csr_der, const std::string& code,
                                           const std::string& name, std::chrono::hours validity);
  // A TLS certificate for a key the caller holds (the provincial node's own identity).
  absl::StatusOr<std::string> IssueTlsCertForKey(const Botan::Private_Key& key, const std::string& code,
                                                 const std::string& name, std::chrono::hours validity);
  // A staff member's TLS certificate (client use only) over the key of a PKCS#10 request: CN the
  // person's name, OU the role, O the archive code. INVALID_ARGUMENT for an unknown role.
  absl::StatusOr<std::string> IssueStaffCert(const std::vector<uint8_t>& csr_der, const std::string& archive,
                                             const std::string& name, const std::string& role,
                                             std::chrono::hours validity);
  // An SM2 seal certificate (PEM) for `code` / `name` over an SM2 public key
  // (SubjectPublicKeyInfo DER, as id-ecPublicKey on sm2p256v1).
  absl::StatusOr<std::string> IssueSealCert(const std::vector<uint8_t>& sm2_public_key,
                                            const std::string& code, const std::string& name,
                                            std::chrono::hours validity);
  // The archive's electronic seal (SESeal DER, e_seal.h) made and signed by the seal maker: it
  // lists the seal certificate `seal_cert_pem` as its one signer and is valid as long as it.
  // INVALID_ARGUMENT when the certificate does not parse.
  absl::StatusOr<std::string> MakeArchiveSeal(const std::string& seal_id, const std::string& seal_name,
                                              const std::string& seal_cert_pem, const std::string& picture_png);
  // ECDSA/SHA-256 signature (DER) of `data` by the directory signer.
  std::vector<uint8_t> SignDirectory(const std::string& data);

  // Directory-signer rollover, in two stages. Prepare makes the next signer (certified by the
  // root) and keeps it beside the current one: publish it in the directory first. Promote then
  // makes it the signer (the old key is kept, renamed, never deleted). FAILED_PRECONDITION when
  // a next signer already exists / does not exist.
  absl::StatusOr<std::string> PrepareNextSigner();
  absl::Status PromoteNextSigner();

  const std::string& root_pem() const { return root_pem_; }
  const std::string& issuing_pem() const { return issuing_pem_; }
  const std::string& seal_maker_pem() const { return seal_maker_pem_; }
  const std::string& signer_pem() const { return signer_pem_; }
  const std::string& next_signer_pem() const { return next_signer_pem_; }  // empty when none

 private:
  CertificateAuthority() = default;

  std::filesystem::path dir_;
  std::string passphrase_;
  std::unique_ptr<Botan::Private_Key> root_key_, issuing_key_, seal_maker_key_, signer_key_, next_signer_key_;
  std::string root_pem_, issuing_pem_, seal_maker_pem_, signer_pem_, next_signer_pem_;
};

}  // namespace kuaguan::seal
