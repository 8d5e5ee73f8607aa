// The provincial role: the certificate authority, the member registry, one-time enrollment
// tokens and the signed directory, republished one version up with every change (enrollment,
// revocation, a new address, a signer rollover) and whenever half its validity has passed;
// members are told of each new version so that they fetch it at once. Everything it decides is
// kept in the store's meta family with an audit entry in the same write. Enrollment, open to
// anyone on the network, is rate-limited per peer address before any other work. The provincial
// node holds no records: it is directory, CA and (later) audit hub only.
// Thread-safe: changes are serialized by a mutex; the rate limit has its own.
#pragma once

#include <memory>
#include <optional>
#include <thread>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "seal/ca.h"
#include "seal/tls.h"
#include "kuaguan/v1/admin.pb.h"
#include "kuaguan/v1/federation.pb.h"
#include "base/clock.h"
#include "base/node_config.h"
#include "base/rate_limit.h"
#include "federation/state_store.h"

namespace kuaguan::federation {

class Provincial {
 public:
  // Opens the CA in DATA_DIR/ca (making it on first start) and the provincial node's own TLS
  // identity. `store` and `clock` must outlive this object.
  static absl::StatusOr<std::unique_ptr<Provincial>> Open(const base::NodeConfig& config,
                                                          StateStore* store, const base::Clock* clock);
  ~Provincial();

  // The identity the provincial listeners present (chain includes the root, for enrollment).
  const seal::TlsIdentity& identity() const { return identity_; }
  const std::string& issuing_pem() const { return ca_->issuing_pem(); }

  // Records where the mutual-TLS listener is bound and publishes a directory naming it.
  absl::Status SetAddress(const std::string& peer_address);

  // A one-time token for `archive` (valid `hours`) that pins the root and this node's own TLS
  // certificate (seal/enrollment_token.h). INVALID_ARGUMENT for a bad archive id or level.
  absl::StatusOr<kuaguan::v1::TokenResponse> CreateToken(const kuaguan::v1::TokenRequest& request,
                                                         const std::string& actor);
  // Enrolls a node calling from `peer` (the gRPC peer, e.g. "ipv4:10.0.0.7:50514"): limits the
  // attempts per address (base::kEnrollmentRateLimit; RESOURCE_EXHAUSTED over it, the first
  // refusal audited at once and the rest as one count per address and minute), checks the token
  // (unused, unexpired, ours, pinning our root and our certificate), the CSR and the seal key's
  // proof of possession, issues both certificates, registers the member (a re-enrollment revokes
  // the old certificate) and publishes. Refusals are audited with their reason.
  absl::StatusOr<kuaguan::v1::EnrollResponse> Enroll(const kuaguan::v1::EnrollRequest& request,
                                                     const std::string& peer);
  // Issues a staff certificate for the calling member's own archive (`caller_pem` is the
  // caller's TLS certificate, checked against the directory). Audited.
  absl::StatusOr<kuaguan::v1::StaffCertResponse> IssueStaffCert(const kuaguan::v1::StaffCertRequest& request,
                                                               const std::string& caller_pem);
  // Revokes a member (all its certificates) or one certificate by serial, and publishes.
  absl::StatusOr<kuaguan::v1::DirectoryInfo> Revoke(const kuaguan::v1::RevokeRequest& request,
                                                    const std::string& actor);
  // Directory-signer rollover: the first call announces the next signer in a new version, the
  // second (after every node has refreshed) makes it sign.
  absl::StatusOr<kuaguan::v1::DirectoryInfo> RollSigner(const std::string& actor);
  // OK when `pem` is member `code`'s registered TLS certificate, valid and not revoked
  // (PERMISSION_DENIED saying why otherwise).
  absl::Status CheckMember(const std::string& code, const std::string& pem) ABSL_LOCKS_EXCLUDED(mu_);
  // Member `code`'s registered TLS certificate, or nullopt when it is not a member.
  std::optional<std::string> MemberCert(const std::string& code) ABSL_LOCKS_EXCLUDED(mu_);
  // The directory as last published.
  kuaguan::v1::Directory Directory() ABSL_LOCKS_EXCLUDED(mu_);
  // The current signed directory, republished first when half its validity has passed.
  absl::StatusOr<kuaguan::v1::SignedDirectory> Current();

 private:
  Provincial() = default;
  kuaguan::v1::DirectoryInfo Info() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The SHA-256 (hex) of the provincial node's own TLS certificate: what tokens pin.
  std::string OwnTlsSha256() const;
  // OK, or RESOURCE_EXHAUSTED when `address` has made too many enrollment attempts (audited
  // as `actor` when it is the first refusal of a window).
  absl::Status LimitEnrollment(const std::string& address, const std::string& actor);
  // Audits the refusals counted in windows that ended (all open ones when `all`).
  void AuditEnrollmentRefusals(bool all);
  // Tells every member that a new version is out (in the background, best effort).
  void Notify() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void NotifyLoop();
  // Builds, signs and stores the next version with `entries` written in the same batch.
  absl::StatusOr<kuaguan::v1::SignedDirectory> PublishLocked(
      std::vector<std::pair<std::string, std::string>> entries, const AuditNote& note)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  base::NodeConfig config_;
  StateStore* store_ = nullptr;
  const base::Clock* clock_ = nullptr;
  std::unique_ptr<seal::CertificateAuthority> ca_;
  seal::TlsIdentity identity_;
  base::AddressRateLimit enroll_limit_{base::kEnrollmentRateLimit};  // its own lock, taken alone

  absl::Mutex mu_;
  std::string address_ ABSL_GUARDED_BY(mu_);
  kuaguan::v1::Directory current_ ABSL_GUARDED_BY(mu_);
  kuaguan::v1::SignedDirectory signed_ ABSL_GUARDED_BY(mu_);

  absl::Mutex notify_mu_;  // taken after mu_, never before
  std::optional<kuaguan::v1::Directory> pending_ ABSL_GUARDED_BY(notify_mu_);
  bool stop_ ABSL_GUARDED_BY(notify_mu_) = false;
  std::thread notifier_;
};

}  // namespace kuaguan::federation
