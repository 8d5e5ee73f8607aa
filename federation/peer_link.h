// An archive node's place in the federation: its keys (a TLS identity and an SM2 seal key,
// encrypted at rest), enrollment with the provincial node, the cached signed directory (kept in
// the store and used while the provincial node is away, until it expires, refreshed in the
// background), the check of every inbound peer call and staff member against that directory
// (refusals audited with their reason), and the pool of mutual-TLS channels to the other members
// (which GrpcPeerClient calls through). It is the node's Membership.
// Thread-safe: state is guarded by mu_; the refresher thread is joined by the destructor.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "seal/certs.h"
#include "seal/tls.h"
#include "kuaguan/v1/admin.pb.h"
#include "kuaguan/v1/desk.pb.h"
#include "kuaguan/v1/federation.grpc.pb.h"
#include "kuaguan/v1/hub.grpc.pb.h"
#include "base/clock.h"
#include "base/node_config.h"
#include "federation/membership.h"
#include "federation/state_store.h"

namespace kuaguan::federation {

class PeerLink final : public Membership {
 public:
  // Loads the identity and cached directory when the node has enrolled. `store` and `clock` must
  // outlive it.
  static absl::StatusOr<std::unique_ptr<PeerLink>> Open(const base::NodeConfig& config,
                                                        StateStore* store, const base::Clock* clock);
  ~PeerLink() override;

  bool enrolled() const override;
  // The identity peers see (only when enrolled).
  seal::TlsIdentity identity() const;

  // Enrolls with the provincial node at `command.provincial` using the one-time token; the node's
  // peer listener will be `peer_address`. The token is sent only to the server whose certificate
  // it pins (seal/enrollment_token.h). FAILED_PRECONDITION when already enrolled; INVALID_ARGUMENT
  // for a malformed or old-form token or one for another archive.
  absl::StatusOr<kuaguan::v1::EnrollResult> Enroll(const kuaguan::v1::EnrollCommand& command,
                                                   const std::string& peer_address, const std::string& actor);
  // Obtains a staff certificate from the provincial CA for this archive (the CSR is made by the
  // caller); `node_address` is where the staff member's desk client will connect.
  absl::StatusOr<kuaguan::v1::StaffAddResult> AddStaff(const kuaguan::v1::StaffAddRequest& request,
                                                       const std::string& node_address, const std::string& actor);
  // Fetches the directory from the provincial node now; the cache is kept when that fails.
  absl::StatusOr<kuaguan::v1::DirectoryInfo> Refresh(const std::string& actor);
  // Fetches the directory every refresh_seconds (from the directory) until destroyed, and at once
  // after Wake.
  void StartRefresher();
  // Asks the refresher to fetch now (the provincial node announced version `version`).
  void Wake(uint64_t version);

  // OK when the caller of `ctx`, claiming to be archive `claimed`, may be served now.
  // FAILED_PRECONDITION when our directory has expired, PERMISSION_DENIED otherwise; audited.
  absl::Status CheckInbound(const grpc::ServerContext& ctx, const std::string& claimed, const std::string& action);

  // The staff member calling with `ctx`: a staff certificate of this federation, valid, not
  // revoked, of this archive, while the directory is current. Refusals audited.
  absl::StatusOr<seal::StaffInfo> CheckStaff(const grpc::ServerContextBase& ctx, const std::string& action);

  // The node's certificates and the cached signed directory (kuaguan cert export).
  // FAILED_PRECONDITION before enrollment.
  absl::StatusOr<kuaguan::v1::CertBundle> ExportCerts();
  // Version, validity and signer of the cached directory.
  kuaguan::v1::DirectoryInfo Info();

  // A stub for member `code`'s peer service over the pooled channel. NOT_FOUND when it is not a
  // member, FAILED_PRECONDITION when it is revoked or this node is not enrolled.
  absl::StatusOr<std::unique_ptr<kuaguan::v1::Peer::Stub>> PeerStub(const std::string& code);
  // The pooled mutual-TLS channel to member `code` (for services beside Peer: Replicas).
  absl::StatusOr<std::shared_ptr<grpc::Channel>> PeerChannel(const std::string& code);
  // A stub for the provincial node's audit hub over the pooled channel. FAILED_PRECONDITION
  // before enrollment.
  absl::StatusOr<std::unique_ptr<kuaguan::v1::Hub::Stub>> HubStub();
  // Membership.
  kuaguan::v1::Directory Directory() const override;
  std::string MemberName(const std::string& code) const override;
  kuaguan::v1::TrustBundle Trust() const override;
  absl::StatusOr<SealKit> Seal() const override;

 private:
  PeerLink() = default;
  absl::Status AcceptDirectory(const kuaguan::v1::SignedDirectory& signed_dir, const std::string& actor);
  std::shared_ptr<grpc::Channel> ChannelTo(const std::string& code, const std::string& address);

  base::NodeConfig config_;
  StateStore* store_ = nullptr;
  const base::Clock* clock_ = nullptr;
  std::string passphrase_;

  mutable absl::Mutex mu_;
  bool enrolled_ ABSL_GUARDED_BY(mu_) = false;
  seal::TlsIdentity identity_ ABSL_GUARDED_BY(mu_);
  std::string tls_pem_ ABSL_GUARDED_BY(mu_), seal_pem_ ABSL_GUARDED_BY(mu_);
  SealKit seal_ ABSL_GUARDED_BY(mu_);
  kuaguan::v1::Directory directory_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::pair<std::string, std::shared_ptr<grpc::Channel>>> channels_ ABSL_GUARDED_BY(mu_);
  // Peers already checked against this directory version: "claimed|certificate" -> its expiry.
  std::map<std::string, std::chrono::system_clock::time_point> accepted_ ABSL_GUARDED_BY(mu_);

  absl::Mutex wake_mu_;
  bool wake_ ABSL_GUARDED_BY(wake_mu_) = false;
  bool stop_ ABSL_GUARDED_BY(wake_mu_) = false;
  std::thread refresher_;
};

}  // namespace kuaguan::federation
