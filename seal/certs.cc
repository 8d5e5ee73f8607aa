#include "seal/certs.h"

#include <botan/data_src.h>
#include <botan/ecdsa.h>
#include <botan/hash.h>
#include <botan/hex.h>
#include <botan/pubkey.h>
#include <botan/sm2.h>
#include <botan/x509path.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "base/roles.h"

namespace kuaguan::seal {
namespace {

using TimePoint = std::chrono::system_clock::time_point;

Botan::X509_Certificate Load(absl::string_view pem) {
  Botan::DataSource_Memory src(reinterpret_cast<const uint8_t*>(pem.data()), pem.size());
  return Botan::X509_Certificate(src);
}

CertInfo Info(const Botan::X509_Certificate& cert) {
  CertInfo info;
  const auto& dn = cert.subject_dn();
  info.subject_cn = dn.get_first_attribute("X520.CommonName");
  info.organization = dn.get_first_attribute("X520.Organization");
  info.serial_hex = Botan::hex_encode(cert.serial_number());
  const auto der = cert.BER_encode();
  info.sha256_hex = Botan::hex_encode(Botan::HashFunction::create_or_throw("SHA-256")->process(der), false);
  info.not_before = cert.not_before().to_std_timepoint();
  info.not_after = cert.not_after().to_std_timepoint();
  info.pem = cert.PEM_encode();
  return info;
}

absl::Status CheckTimes(const Botan::X509_Certificate& cert, TimePoint when, absl::string_view what) {
  if (when < cert.not_before().to_std_timepoint()) {
    return absl::UnauthenticatedError(absl::StrCat(what, " is not yet valid (from ", cert.not_before().readable_string(), ")"));
  }
  if (when > cert.not_after().to_std_timepoint()) {
    return absl::UnauthenticatedError(absl::StrCat(what, " expired on ", cert.not_after().readable_string()));
  }
  return absl::OkStatus();
}

// OK when `leaf` is no self-signed certificate, is valid at `when` and chains through `issuing`
// to `root`; UNAUTHENTICATED saying which not.
absl::Status CheckChain(const Botan::X509_Certificate& leaf, absl::string_view issuing_pem, absl::string_view root_pem,
                        TimePoint when, absl::string_view what) {
  if (leaf.is_self_signed()) return absl::UnauthenticatedError("the certificate is self-signed");
  if (absl::Status st = CheckTimes(leaf, when, what); !st.ok()) return st;
  Botan::Certificate_Store_In_Memory trusted;
  trusted.add_certificate(Load(root_pem));
  const Botan::Path_Validation_Result result = Botan::x509_path_validate(
      std::vector<Botan::X509_Certificate>{leaf, Load(issuing_pem)}, Botan::Path_Validation_Restrictions(false, 110),
      trusted, "", Botan::Usage_Type::UNSPECIFIED, when);
  if (!result.successful_validation()) {
    return absl::UnauthenticatedError(
        absl::StrCat("the certificate does not chain to this federation's root: ", result.result_string()));
  }
  return absl::OkStatus();
}

}  // namespace

std::string PeerHostName(absl::string_view code) { return absl::StrCat(code, ".archive.kuaguan"); }

absl::StatusOr<CertInfo> ParseCert(absl::string_view pem) {
  try {
    return Info(Load(pem));
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("not a certificate: ", e.what()));
  }
}

absl::StatusOr<CertInfo> CheckTlsCert(absl::string_view leaf_pem, absl::string_view issuing_pem,
                                      absl::string_view root_pem, TimePoint when) {
  try {
    const Botan::X509_Certificate leaf = Load(leaf_pem);
    if (absl::Status st = CheckChain(leaf, issuing_pem, root_pem, when, "the certificate"); !st.ok()) return st;
    if (leaf.is_CA_cert()) return absl::UnauthenticatedError("a CA certificate is not a TLS identity");
    if (!leaf.allowed_usage(Botan::DIGITAL_SIGNATURE) || !leaf.allowed_extended_usage("PKIX.ClientAuth") ||
        !leaf.allowed_extended_usage("PKIX.ServerAuth")) {
      return absl::UnauthenticatedError("the certificate's key usage does not allow TLS client and server use");
    }
    return Info(leaf);
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("not a certificate: ", e.what()));
  }
}

bool IsStaffRole(absl::string_view role) {
  const base::RoleSpec* spec = base::FindRole(role);
  return spec != nullptr && spec->node != "provincial" && spec->id != "system-admin";
}

absl::StatusOr<StaffInfo> CheckStaffCert(absl::string_view pem, absl::string_view issuing_pem,
                                         absl::string_view root_pem, TimePoint when) {
  try {
    const Botan::X509_Certificate leaf = Load(pem);
    if (absl::Status st = CheckChain(leaf, issuing_pem, root_pem, when, "the staff certificate"); !st.ok()) return st;
    StaffInfo s;
    s.cert = Info(leaf);
    s.archive = leaf.subject_dn().get_first_attribute("X520.Organization");
    s.role = leaf.subject_dn().get_first_attribute("X520.OrganizationalUnit");
    s.name = s.cert.subject_cn;
    if (!IsStaffRole(s.role) || leaf.allowed_extended_usage("PKIX.ServerAuth") ||
        !leaf.allowed_extended_usage("PKIX.ClientAuth")) {
      return absl::UnauthenticatedError("not a staff certificate (role and client-only usage)");
    }
    return s;
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("not a certificate: ", e.what()));
  }
}

absl::StatusOr<CertInfo> CheckSealCert(absl::string_view seal_pem, absl::string_view seal_maker_pem,
                                       absl::string_view root_pem, TimePoint when) {
  try {
    const Botan::X509_Certificate seal = Load(seal_pem);
    const Botan::X509_Certificate maker = Load(seal_maker_pem);
    const Botan::X509_Certificate root = Load(root_pem);
    std::unique_ptr<Botan::Public_Key> root_key(root.subject_public_key());
    if (!maker.check_signature(*root_key)) {
      return absl::UnauthenticatedError("the seal maker's certificate is not signed by this federation's root");
    }
    if (absl::Status st = CheckTimes(maker, when, "the seal maker's certificate"); !st.ok()) return st;
    if (seal.signature_algorithm().get_oid() != Botan::OID(kSm2SignatureOid)) {
      return absl::UnauthenticatedError("the seal certificate is not signed with SM2/SM3");
    }
    std::unique_ptr<Botan::Public_Key> maker_key(maker.subject_public_key());
    const auto* ec = dynamic_cast<const Botan::EC_PublicKey*>(maker_key.get());
    if (ec == nullptr) return absl::UnauthenticatedError("the seal maker's key is not an elliptic-curve key");
    const Botan::SM2_PublicKey sm2(ec->domain(), ec->public_point());
    Botan::PK_Verifier verifier(sm2, absl::StrCat(kSm2UserId, ",SM3"), Botan::DER_SEQUENCE);
    if (!verifier.verify_message(seal.tbs_data(), seal.signature())) {
      return absl::UnauthenticatedError("the seal certificate's signature does not verify against the seal maker");
    }
    if (absl::Status st = CheckTimes(seal, when, "the seal certificate"); !st.ok()) return st;
    if (seal.is_CA_cert() || !seal.allowed_usage(Botan::NON_REPUDIATION)) {
      return absl::UnauthenticatedError("the certificate's key usage is not that of a seal");
    }
    return Info(seal);
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("not a certificate: ", e.what()));
  }
}

}  // namespace kuaguan::seal
