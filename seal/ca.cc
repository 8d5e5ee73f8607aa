#include "seal/ca.h"

#include <botan/auto_rng.h>
#include <botan/data_src.h>
#include <botan/ber_dec.h>
#include <botan/ecdsa.h>
#include <botan/pkcs10.h>
#include <botan/pubkey.h>
#include <botan/sm2.h>
#include <botan/x509_ca.h>
#include <botan/x509_ext.h>
#include <botan/x509_key.h>
#include <botan/x509cert.h>

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "seal/certs.h"
#include "seal/e_seal.h"
#include "seal/key_file.h"

namespace kuaguan::seal {
namespace fs = std::filesystem;
using Botan::Cert_Extension::Authority_Key_ID;
using Botan::Cert_Extension::Basic_Constraints;
using Botan::Cert_Extension::Extended_Key_Usage;
using Botan::Cert_Extension::Key_Usage;
using Botan::Cert_Extension::Subject_Alternative_Name;
using Botan::Cert_Extension::Subject_Key_ID;

namespace {

constexpr std::chrono::hours kYear(24 * 365);

Botan::X509_DN Dn(const std::string& cn, const std::string& org) {
  Botan::X509_DN dn;
  dn.add_attribute("X520.Country", "CN");
  if (!org.empty()) dn.add_attribute("X520.Organization", org);
  dn.add_attribute("X520.CommonName", cn);
  return dn;
}

struct Issuer {
  const Botan::Private_Key* key;
  Botan::X509_DN dn;
  std::vector<uint8_t> key_id;  // subject key id of the issuer's certificate
};

// Builds and signs a certificate. An SM2 issuer signs with SM2/SM3 and the default user id;
// every other issuer with its own algorithm over SHA-256.
std::string Make(const Issuer& issuer, const std::vector<uint8_t>& subject_key, const Botan::X509_DN& subject,
                 Botan::Extensions extensions, std::chrono::hours validity) {
  Botan::AutoSeeded_RNG rng;
  const auto now = std::chrono::system_clock::now();
  extensions.add(new Subject_Key_ID(subject_key, "SHA-256"));
  if (!issuer.key_id.empty()) extensions.add(new Authority_Key_ID(issuer.key_id));
  std::unique_ptr<Botan::PK_Signer> signer;
  Botan::AlgorithmIdentifier algo;
  if (issuer.key->algo_name() == "SM2") {
    signer = std::make_unique<Botan::PK_Signer>(*issuer.key, rng, absl::StrCat(kSm2UserId, ",SM3"),
                                                Botan::DER_SEQUENCE);
    algo = Botan::AlgorithmIdentifier(Botan::OID(kSm2SignatureOid), Botan::AlgorithmIdentifier::USE_EMPTY_PARAM);
  } else {
    signer.reset(Botan::choose_sig_format(*issuer.key, rng, "SHA-256", algo));
  }
  const Botan::X509_Certificate cert = Botan::X509_CA::make_cert(
      signer.get(), rng, algo, subject_key, Botan::X509_Time(now - std::chrono::minutes(5)),
      Botan::X509_Time(now + validity), issuer.dn, subject, extensions);
  return cert.PEM_encode();
}

Botan::Extensions CaExtensions(size_t path_limit) {
  Botan::Extensions e;
  e.add(new Basic_Constraints(true, path_limit), true);
  e.add(new Key_Usage(Botan::Key_Constraints(Botan::KEY_CERT_SIGN | Botan::CRL_SIGN)), true);
  return e;
}

Botan::Extensions LeafExtensions(Botan::Key_Constraints usage) {
  Botan::Extensions e;
  e.add(new Basic_Constraints(false), true);
  e.add(new Key_Usage(usage), true);
  return e;
}

// An SM2 public key as id-ecPublicKey on sm2p256v1 (what OpenSSL decodes).
std::vector<uint8_t> Sm2SubjectKey(const Botan::Private_Key& key) {
  const auto& sm2 = dynamic_cast<const Botan::SM2_PrivateKey&>(key);
  return Botan::ECDSA_PublicKey(Botan::EC_Group("sm2p256v1"), sm2.public_point()).subject_public_key();
}

std::vector<uint8_t> KeyId(const std::string& pem) {
  Botan::DataSource_Memory src(pem);
  return Botan::X509_Certificate(src).subject_key_id();
}

Botan::X509_DN SubjectDn(const std::string& pem) {
  Botan::DataSource_Memory src(pem);
  return Botan::X509_Certificate(src).subject_dn();
}

Botan::Extensions TlsExtensions(const std::string& code) {
  Botan::Extensions ext = LeafExtensions(Botan::Key_Constraints(Botan::DIGITAL_SIGNATURE));
  ext.add(new Extended_Key_Usage(std::vector<Botan::OID>{
      Botan::OID::from_string("PKIX.ServerAuth"), Botan::OID::from_string("PKIX.ClientAuth")}));
  ext.add(new Subject_Alternative_Name(Botan::AlternativeName("", "", PeerHostName(code))));
  return ext;
}

constexpr const char* kParts[] = {"root", "issuing", "seal-maker", "directory-signer"};

}  // namespace

CertificateAuthority::~CertificateAuthority() = default;

absl::StatusOr<std::unique_ptr<CertificateAuthority>> CertificateAuthority::Create(
    const fs::path& dir, const std::string& passphrase, const std::string& code, const std::string& name) {
  std::error_code ec;
  if (fs::exists(dir / "root.pem", ec)) {
    return absl::FailedPreconditionError(absl::StrCat(dir.string(), " already holds a CA"));
  }
  fs::create_directories(dir, ec);
  if (ec) return absl::InternalError(absl::StrCat(dir.string(), ": ", ec.message()));
  Botan::AutoSeeded_RNG rng;
  auto ca = std::unique_ptr<CertificateAuthority>(new CertificateAuthority());
  ca->dir_ = dir;
  ca->passphrase_ = passphrase;
  ca->root_key_ = NewKey(KeyKind::kEcdsaP256, rng);
  ca->issuing_key_ = NewKey(KeyKind::kEcdsaP256, rng);
  ca->seal_maker_key_ = NewKey(KeyKind::kSm2, rng);
  ca->signer_key_ = NewKey(KeyKind::kEcdsaP256, rng);
  try {
    const Botan::X509_DN root_dn = Dn(absl::StrCat("Kuaguan Root CA ", code), name);
    const Issuer self{ca->root_key_.get(), root_dn, {}};
    ca->root_pem_ = Make(self, ca->root_key_->subject_public_key(), root_dn, CaExtensions(1), 20 * kYear);
    const Issuer root{ca->root_key_.get(), root_dn, KeyId(ca->root_pem_)};
    ca->issuing_pem_ = Make(root, ca->issuing_key_->subject_public_key(),
                            Dn(absl::StrCat("Kuaguan Issuing CA ", code), name), CaExtensions(0), 10 * kYear);
    ca->seal_maker_pem_ = Make(root, Sm2SubjectKey(*ca->seal_maker_key_),
                               Dn(absl::StrCat("Kuaguan Seal Maker ", code), name), CaExtensions(0), 10 * kYear);
    ca->signer_pem_ = Make(root, ca->signer_key_->subject_public_key(),
                           Dn(absl::StrCat("Kuaguan Directory Signer ", code), name),
                           LeafExtensions(Botan::Key_Constraints(Botan::DIGITAL_SIGNATURE)), 5 * kYear);
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("cannot make the CA certificates: ", e.what()));
  }
  const Botan::Private_Key* keys[] = {ca->root_key_.get(), ca->issuing_key_.get(), ca->seal_maker_key_.get(),
                                      ca->signer_key_.get()};
  const std::string* pems[] = {&ca->root_pem_, &ca->issuing_pem_, &ca->seal_maker_pem_, &ca->signer_pem_};
  for (size_t i = 0; i < 4; ++i) {
    if (absl::Status st = WriteKeyFile(dir / absl::StrCat(kParts[i], ".key"), *keys[i], passphrase); !st.ok()) return st;
    if (absl::Status st = WriteTextFile(dir / absl::StrCat(kParts[i], ".pem"), *pems[i]); !st.ok()) return st;
  }
  return ca;
}

absl::StatusOr<std::unique_ptr<CertificateAuthority>> CertificateAuthority::Open(const fs::path& dir,
                                                                                 const std::string& passphrase) {
  auto ca = std::unique_ptr<CertificateAuthority>(new CertificateAuthority());
  ca->dir_ = dir;
  ca->passphrase_ = passphrase;
  std::unique_ptr<Botan::Private_Key>* keys[] = {&ca->root_key_, &ca->issuing_key_, &ca->seal_maker_key_,
                                                 &ca->signer_key_};
  std::string* pems[] = {&ca->root_pem_, &ca->issuing_pem_, &ca->seal_maker_pem_, &ca->signer_pem_};
  for (size_t i = 0; i < 4; ++i) {
    auto pem = ReadTextFile(dir / absl::StrCat(kParts[i], ".pem"));
    if (!pem.ok()) return pem.status();
    *pems[i] = *std::move(pem);
    auto key = ReadKeyFile(dir / absl::StrCat(kParts[i], ".key"), passphrase);
    if (!key.ok()) return key.status();
    *keys[i] = *std::move(key);
  }
  std::error_code ec;
  if (fs::exists(dir / "directory-signer-next.pem", ec)) {
    auto pem = ReadTextFile(dir / "directory-signer-next.pem");
    if (!pem.ok()) return pem.status();
    auto key = ReadKeyFile(dir / "directory-signer-next.key", passphrase);
    if (!key.ok()) return key.status();
    ca->next_signer_pem_ = *std::move(pem);
    ca->next_signer_key_ = *std::move(key);
  }
  return ca;
}

absl::StatusOr<std::string> CertificateAuthority::PrepareNextSigner() {
  if (!next_signer_pem_.empty()) return absl::FailedPreconditionError("a next directory signer is already announced");
  Botan::AutoSeeded_RNG rng;
  auto key = NewKey(KeyKind::kEcdsaP256, rng);
  std::string pem;
  try {
    const Botan::X509_DN root_dn = SubjectDn(root_pem_);
    Botan::DataSource_Memory src(signer_pem_);
    const std::string cn = Botan::X509_Certificate(src).subject_dn().get_first_attribute("X520.CommonName");
    pem = Make({root_key_.get(), root_dn, KeyId(root_pem_)}, key->subject_public_key(),
               Dn(cn, root_dn.get_first_attribute("X520.Organization")),
               LeafExtensions(Botan::Key_Constraints(Botan::DIGITAL_SIGNATURE)), 5 * kYear);
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("cannot make the next directory signer: ", e.what()));
  }
  if (absl::Status st = WriteKeyFile(dir_ / "directory-signer-next.key", *key, passphrase_); !st.ok()) return st;
  if (absl::Status st = WriteTextFile(dir_ / "directory-signer-next.pem", pem); !st.ok()) return st;
  next_signer_key_ = std::move(key);
  next_signer_pem_ = pem;
  return pem;
}

absl::Status CertificateAuthority::PromoteNextSigner() {
  if (next_signer_pem_.empty()) return absl::FailedPreconditionError("no next directory signer has been announced");
  std::error_code ec;
  const auto retired = ParseCert(signer_pem_);
  const std::string tag = retired.ok() ? retired->serial_hex : "old";
  for (const char* ext : {".pem", ".key"}) {
    fs::rename(dir_ / absl::StrCat("directory-signer", ext), dir_ / absl::StrCat("directory-signer-retired-", tag, ext), ec);
    if (ec) return absl::InternalError(absl::StrCat("cannot retire the directory signer: ", ec.message()));
    fs::rename(dir_ / absl::StrCat("directory-signer-next", ext), dir_ / absl::StrCat("directory-signer", ext), ec);
    if (ec) return absl::InternalError(absl::StrCat("cannot promote the next directory signer: ", ec.message()));
  }
  signer_key_ = std::move(next_signer_key_);
  signer_pem_ = std::move(next_signer_pem_);
  next_signer_pem_.clear();
  return absl::OkStatus();
}

namespace {

// The ECDSA P-256 public key of a PKCS#10 request whose self-signature verifies.
absl::StatusOr<std::vector<uint8_t>> RequestKey(const std::vector<uint8_t>& csr_der) {
  try {
    Botan::DataSource_Memory src(csr_der);
    Botan::PKCS10_Request req(src);
    std::unique_ptr<Botan::Public_Key> pub(req.subject_public_key());
    if (!req.check_signature(*pub)) {
      return absl::InvalidArgumentError("the certificate request's signature does not verify");
    }
    if (pub->algo_name() != "ECDSA" || pub->key_length() != 256) {
      return absl::InvalidArgumentError(absl::StrCat("a TLS identity must be an ECDSA P-256 key, not ",
                                                     pub->algo_name(), " ", pub->key_length()));
    }
    return pub->subject_public_key();
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("not a PKCS#10 certificate request: ", e.what()));
  }
}

}  // namespace

absl::StatusOr<std::string> CertificateAuthority::IssueStaffCert(const std::vector<uint8_t>& csr_der,
                                                                 const std::string& archive, const std::string& name,
                                                                 const std::string& role, std::chrono::hours validity) {
  if (!IsStaffRole(role)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "role '", role, "' is not a staff role (kuaguan roles lists them; system-admin is the node's service account)"));
  }
  if (name.empty()) return absl::InvalidArgumentError("a staff certificate needs the person's name");
  auto key = RequestKey(csr_der);
  if (!key.ok()) return key.status();
  Botan::X509_DN dn;
  dn.add_attribute("X520.Country", "CN");
  dn.add_attribute("X520.Organization", archive);
  dn.add_attribute("X520.OrganizationalUnit", role);
  dn.add_attribute("X520.CommonName", name);
  Botan::Extensions ext = LeafExtensions(Botan::Key_Constraints(Botan::DIGITAL_SIGNATURE));
  ext.add(new Extended_Key_Usage(std::vector<Botan::OID>{Botan::OID::from_string("PKIX.ClientAuth")}));
  try {
    return Make({issuing_key_.get(), SubjectDn(issuing_pem_), KeyId(issuing_pem_)}, *key, dn, std::move(ext), validity);
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("cannot issue the staff certificate: ", e.what()));
  }
}

absl::StatusOr<std::string> CertificateAuthority::IssueTlsCert(const std::vector<uint8_t>& csr_der,
                                                               const std::string& code, const std::string& name,
                                                               std::chrono::hours validity) {
  auto key = RequestKey(csr_der);
  if (!key.ok()) return key.status();
  try {
    return Make({issuing_key_.get(), SubjectDn(issuing_pem_), KeyId(issuing_pem_)}, *key, Dn(code, name),
                TlsExtensions(code), validity);
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("cannot issue the certificate: ", e.what()));
  }
}

absl::StatusOr<std::string> CertificateAuthority::IssueTlsCertForKey(const Botan::Private_Key& key,
                                                                     const std::string& code,
                                                                     const std::string& name,
                                                                     std::chrono::hours validity) {
  try {
    return Make({issuing_key_.get(), SubjectDn(issuing_pem_), KeyId(issuing_pem_)}, key.subject_public_key(),
                Dn(code, name), TlsExtensions(code), validity);
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("cannot issue the certificate: ", e.what()));
  }
}

absl::StatusOr<std::string> CertificateAuthority::IssueSealCert(const std::vector<uint8_t>& sm2_public_key,
                                                                const std::string& code, const std::string& name,
                                                                std::chrono::hours validity) {
  try {
    Botan::DataSource_Memory src(sm2_public_key);
    std::unique_ptr<Botan::Public_Key> pub(Botan::X509::load_key(src));
    const auto* ec = dynamic_cast<const Botan::EC_PublicKey*>(pub.get());
    if (ec == nullptr || ec->domain().get_curve_oid() != Botan::OID::from_string("sm2p256v1")) {
      return absl::InvalidArgumentError("a seal key must be an SM2 key (curve sm2p256v1)");
    }
    return Make({seal_maker_key_.get(), SubjectDn(seal_maker_pem_), KeyId(seal_maker_pem_)},
                Botan::ECDSA_PublicKey(ec->domain(), ec->public_point()).subject_public_key(),
                Dn(code, name),
                LeafExtensions(Botan::Key_Constraints(Botan::DIGITAL_SIGNATURE | Botan::NON_REPUDIATION)),
                validity);
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("not a usable SM2 public key: ", e.what()));
  }
}

absl::StatusOr<std::string> CertificateAuthority::MakeArchiveSeal(const std::string& seal_id,
                                                                  const std::string& seal_name,
                                                                  const std::string& seal_cert_pem,
                                                                  const std::string& picture_png) {
  auto cert = ParseCert(seal_cert_pem);
  if (!cert.ok()) return cert.status();
  auto cert_der = PemToDer(seal_cert_pem);
  if (!cert_der.ok()) return cert_der.status();
  auto maker_der = PemToDer(seal_maker_pem_);
  if (!maker_der.ok()) return maker_der.status();
  SealInfo info;
  info.seal_id = seal_id;
  info.name = seal_name;
  info.signer_cert_sm3 = {CertSm3(*cert_der)};
  info.created = std::chrono::system_clock::now();
  info.valid_from = cert->not_before;
  info.valid_to = cert->not_after;
  info.picture_png = picture_png;
  return MakeSeal(info, *seal_maker_key_, *maker_der);
}

std::vector<uint8_t> CertificateAuthority::SignDirectory(const std::string& data) {
  Botan::AutoSeeded_RNG rng;
  Botan::PK_Signer signer(*signer_key_, rng, "EMSA1(SHA-256)", Botan::DER_SEQUENCE);
  return signer.sign_message(reinterpret_cast<const uint8_t*>(data.data()), data.size(), rng);
}

}  // namespace kuaguan::seal
