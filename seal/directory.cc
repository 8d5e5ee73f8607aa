#include "seal/directory.h"

#include <botan/data_src.h>
#include <botan/pubkey.h>
#include <botan/x509cert.h>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "seal/ca.h"
#include "seal/certs.h"

namespace kuaguan::seal {
namespace v1 = kuaguan::v1;
using TimePoint = std::chrono::system_clock::time_point;

namespace {

int64_t Micros(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
}

std::string When(int64_t micros) {
  return absl::FormatTime("%Y-%m-%d %H:%M:%S UTC", absl::FromUnixMicros(micros), absl::UTCTimeZone());
}

}  // namespace

v1::SignedDirectory SignDirectory(const v1::Directory& directory, CertificateAuthority* ca) {
  v1::SignedDirectory out;
  out.set_directory(directory.SerializeAsString());
  const auto sig = ca->SignDirectory(out.directory());
  out.set_signature(std::string(sig.begin(), sig.end()));
  return out;
}

absl::StatusOr<v1::Directory> VerifyDirectory(const v1::SignedDirectory& signed_dir, absl::string_view root_pem,
                                              TimePoint now, const v1::Directory* cached) {
  v1::Directory d;
  if (!d.ParseFromString(signed_dir.directory())) {
    return absl::InvalidArgumentError("the directory document cannot be parsed");
  }
  auto root = ParseCert(root_pem);
  auto theirs = ParseCert(d.root_pem());
  if (!root.ok() || !theirs.ok() || root->sha256_hex != theirs->sha256_hex) {
    return absl::FailedPreconditionError("the directory belongs to another federation (its root is not ours)");
  }
  try {
    Botan::DataSource_Memory rsrc{std::string(root_pem)};
    const Botan::X509_Certificate root_cert(rsrc);
    Botan::DataSource_Memory ssrc(d.signer_pem());
    const Botan::X509_Certificate signer(ssrc);
    std::unique_ptr<Botan::Public_Key> root_key(root_cert.subject_public_key());
    if (!signer.check_signature(*root_key) || signer.is_CA_cert() ||
        !signer.allowed_usage(Botan::DIGITAL_SIGNATURE)) {
      return absl::UnauthenticatedError("the directory's signer is not certified by the root");
    }
    if (now < signer.not_before().to_std_timepoint() || now > signer.not_after().to_std_timepoint()) {
      return absl::UnauthenticatedError("the directory signer's certificate is not valid now");
    }
    std::unique_ptr<Botan::Public_Key> key(signer.subject_public_key());
    Botan::PK_Verifier verifier(*key, "EMSA1(SHA-256)", Botan::DER_SEQUENCE);
    const auto& data = signed_dir.directory();
    const auto& sig = signed_dir.signature();
    if (!verifier.verify_message(reinterpret_cast<const uint8_t*>(data.data()), data.size(),
                                 reinterpret_cast<const uint8_t*>(sig.data()), sig.size())) {
      return absl::UnauthenticatedError("the directory's signature does not verify");
    }
  } catch (const std::exception& e) {
    return absl::UnauthenticatedError(absl::StrCat("the directory's signature cannot be checked: ", e.what()));
  }
  if (cached != nullptr && cached->version() > 0 && d.signer_pem() != cached->signer_pem() &&
      d.signer_pem() != cached->next_signer_pem()) {
    return absl::UnauthenticatedError(absl::StrCat(
        "directory version ", d.version(), " is signed by a key that cached version ", cached->version(),
        " did not announce (a signer must be published as the next one before it signs)"));
  }
  if (cached != nullptr && d.version() < cached->version()) {
    return absl::FailedPreconditionError(absl::StrCat("directory version ", d.version(),
                                                      " is older than the cached version ", cached->version()));
  }
  if (Expired(d, now)) {
    return absl::FailedPreconditionError(absl::StrCat("directory version ", d.version(), " expired at ",
                                                      When(d.expires_micros())));
  }
  return d;
}

const v1::Member* FindMember(const v1::Directory& directory, absl::string_view code) {
  for (const auto& m : directory.members()) {
    if (m.code() == code) return &m;
  }
  return nullptr;
}

absl::Status CheckPeer(const v1::Directory& directory, absl::string_view code, absl::string_view cert_pem,
                       TimePoint now) {
  auto info = CheckTlsCert(cert_pem, directory.issuing_pem(), directory.root_pem(), now);
  if (!info.ok()) return info.status();
  if (info->subject_cn != code) {
    return absl::PermissionDeniedError(absl::StrCat("the request claims archive ", code,
                                                    " but the TLS certificate is archive ", info->subject_cn, "'s"));
  }
  for (const auto& serial : directory.revoked_serials()) {
    if (serial == info->serial_hex) {
      return absl::PermissionDeniedError(absl::StrCat("certificate ", serial, " is revoked"));
    }
  }
  const v1::Member* m = FindMember(directory, code);
  if (m == nullptr) {
    return absl::PermissionDeniedError(absl::StrCat("archive ", code, " is not a member of the directory"));
  }
  if (m->revoked()) {
    return absl::PermissionDeniedError(absl::StrCat("archive ", code, " is revoked: ", m->revoked_reason()));
  }
  if (m->tls_cert_sha256() != info->sha256_hex) {
    return absl::PermissionDeniedError(absl::StrCat(
        "the certificate is not the one the directory registers for archive ", code));
  }
  return absl::OkStatus();
}

v1::DirectoryInfo DirectoryInfoOf(const v1::Directory& d, TimePoint now) {
  v1::DirectoryInfo info;
  info.set_version(d.version());
  info.set_issued_micros(d.issued_micros());
  info.set_expires_micros(d.expires_micros());
  info.set_members(static_cast<uint32_t>(d.members_size()));
  info.set_revoked_serials(static_cast<uint32_t>(d.revoked_serials_size()));
  info.set_provincial_address(d.provincial_address());
  info.set_age_s(d.version() == 0 ? 0 : double(Micros(now) - d.issued_micros()) / 1e6);
  info.set_expired(d.version() != 0 && Expired(d, now));
  info.set_next_signer(!d.next_signer_pem().empty());
  return info;
}

bool Expired(const v1::Directory& directory, TimePoint now) { return Micros(now) > directory.expires_micros(); }

kuaguan::v1::TrustBundle TrustOf(const kuaguan::v1::Directory& directory) {
  kuaguan::v1::TrustBundle t;
  t.set_root_pem(directory.root_pem());
  t.set_seal_maker_pem(directory.seal_maker_pem());
  for (const auto& m : directory.members()) {
    auto* s = t.add_members();
    s->set_code(m.code());
    s->set_name(m.name());
    s->set_seal_cert_pem(m.seal_cert_pem());
    s->set_revoked(m.revoked());
    s->set_revoked_reason(m.revoked_reason());
  }
  for (const auto& serial : directory.revoked_serials()) t.add_revoked_serials(serial);
  t.set_directory_version(directory.version());
  t.set_directory_expires_micros(directory.expires_micros());
  return t;
}

}  // namespace kuaguan::seal
