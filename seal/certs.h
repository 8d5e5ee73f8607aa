// Certificates of the federation, checked: TLS identities (ECDSA P-256) chain root -> issuing CA
// -> node or staff certificate; seal certificates (SM2 with SM3) are signed by the seal maker,
// whose own certificate the root signs. Botan cannot path-validate SM2, so seal certificates are
// checked here by hand (signature over the TBS bytes with the default user id, validity, usage).
// Names: a node's certificate has CN = its archive code and the DNS name PeerHostName(code), which
// callers use as the TLS target name so that the handshake proves which archive answered.
// Pure functions; thread-safe.
#pragma once

#include <chrono>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace kuaguan::seal {

inline constexpr char kSm2UserId[] = "1234567812345678";  // GB/T 32918 default distinguishing id
inline constexpr char kSm2SignatureOid[] = "1.2.156.10197.1.501";  // SM2 with SM3

struct CertInfo {
  std::string subject_cn;   // an archive code for nodes
  std::string organization; // the archive's name
  std::string serial_hex;   // upper-case hex
  std::string sha256_hex;   // of the DER, lower-case hex: the registration fingerprint
  std::chrono::system_clock::time_point not_before, not_after;
  std::string pem;
};

// The TLS target name that a node certificate for `code` carries, e.g. 410100.archive.kuaguan.
std::string PeerHostName(absl::string_view code);

// The roles a staff certificate may carry: those of base/roles.h that exist at archives, except
// system-admin (the node's service account).
bool IsStaffRole(absl::string_view role);

struct StaffInfo {
  std::string archive;  // O
  std::string role;     // OU
  std::string name;     // CN
  CertInfo cert;
};

// Checks a staff certificate like CheckTlsCert (chain, validity) but for client use only, and
// reads who it names. UNAUTHENTICATED with the reason; a node certificate is not a staff one.
absl::StatusOr<StaffInfo> CheckStaffCert(absl::string_view pem, absl::string_view issuing_pem,
                                         absl::string_view root_pem, std::chrono::system_clock::time_point when);

// Parses one PEM certificate. INVALID_ARGUMENT when it is not one.
absl::StatusOr<CertInfo> ParseCert(absl::string_view pem);

// Checks that `leaf_pem` chains through `issuing_pem` to `root_pem` at `when`, is valid then, is
// not a CA and may be used for TLS (client and server). UNAUTHENTICATED with the reason
// (expired, not yet valid, another CA, self-signed, wrong key usage).
absl::StatusOr<CertInfo> CheckTlsCert(absl::string_view leaf_pem, absl::string_view issuing_pem,
                                      absl::string_view root_pem,
                                      std::chrono::system_clock::time_point when);

// Checks an SM2 seal certificate against the seal maker's certificate (which must itself be
// signed by `root_pem`) at `when`. UNAUTHENTICATED with the reason.
absl::StatusOr<CertInfo> CheckSealCert(absl::string_view seal_pem, absl::string_view seal_maker_pem,
                                       absl::string_view root_pem,
                                       std::chrono::system_clock::time_point when);

}  // namespace kuaguan::seal
