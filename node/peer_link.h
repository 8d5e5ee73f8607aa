// An archive node's place in the federation: its keys (a TLS identity and an SM2 seal key,
// encrypted at rest), enrollment with the provincial node, the cached signed directory (kept in
// the store and used while the provincial node is away, until it expires), the check of every
// inbound peer call against that directory (refusals audited with their reason), pooled
// mutual-TLS channels to the other members, and what is asked of them: pings and federated
// search. Thread-safe.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "federation/certs.h"
#include "federation/tls.h"
#include "kuaguan/v1/admin.pb.h"
#include "kuaguan/v1/desk.pb.h"
#include "kuaguan/v1/federation.grpc.pb.h"
#include "node/config.h"
#include "node/holdings.h"
#include "node/store.h"

namespace Botan {
class Private_Key;
}

namespace kuaguan::node {

// What the back office stamps certificates with (the seal key signs nothing else).
struct SealKit {
  std::shared_ptr<const Botan::Private_Key> key;  // SM2
  std::string cert_pem;                           // its seal certificate
  std::string seal_der;                           // the archive's seal (SESeal), from the seal maker
};

class PeerLink {
 public:
  // Loads the identity and cached directory when the node has enrolled. `store` must outlive it.
  static absl::StatusOr<std::unique_ptr<PeerLink>> Open(const NodeConfig& config, Store* store);
  ~PeerLink();

  bool enrolled() const;
  // The identity peers see (only when enrolled).
  federation::TlsIdentity identity() const;

  // Enrolls with the provincial node at `command.provincial` using the one-time token; the node's
  // peer listener will be `peer_address`. FAILED_PRECONDITION when already enrolled.
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
  absl::StatusOr<federation::StaffInfo> CheckStaff(const grpc::ServerContext& ctx, const std::string& action);

  absl::StatusOr<kuaguan::v1::PeerList> Peers(const kuaguan::v1::PeersRequest& request);
  absl::StatusOr<kuaguan::v1::SearchResponse> FederatedSearch(const kuaguan::v1::SearchRequest& request,
                                                              const std::string& actor);
  absl::StatusOr<kuaguan::v1::CertBundle> ExportCerts();
  kuaguan::v1::DirectoryInfo Info();

  // A stub for member `code`'s peer service over the pooled channel. NOT_FOUND when it is not a
  // member, FAILED_PRECONDITION when it is revoked or this node is not enrolled.
  absl::StatusOr<std::unique_ptr<kuaguan::v1::Peer::Stub>> PeerStub(const std::string& code);
  // Member `code`'s name ("" when unknown).
  std::string MemberName(const std::string& code);
  // What certificates are verified against: the root, the seal maker and the members' seals.
  kuaguan::v1::TrustBundle Trust();
  // This archive's seal key, seal certificate and seal. FAILED_PRECONDITION before enrollment.
  absl::StatusOr<SealKit> Seal();

 private:
  PeerLink() = default;
  absl::Status AcceptDirectory(const kuaguan::v1::SignedDirectory& signed_dir, const std::string& actor);
  std::shared_ptr<grpc::Channel> ChannelTo(const std::string& code, const std::string& address);

  NodeConfig config_;
  Store* store_ = nullptr;
  std::string passphrase_;

  mutable absl::Mutex mu_;
  bool enrolled_ ABSL_GUARDED_BY(mu_) = false;
  federation::TlsIdentity identity_ ABSL_GUARDED_BY(mu_);
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

class RemoteRequests;

// Peer requests from other archives, served on the mutual-TLS listener.
class PeerService final : public kuaguan::v1::Peer::Service {
 public:
  PeerService(PeerLink* link, Holdings* holdings, RemoteRequests* requests, std::string code)
      : link_(link), holdings_(holdings), requests_(requests), code_(std::move(code)) {}
  grpc::Status Ping(grpc::ServerContext* ctx, const kuaguan::v1::PingRequest* req, kuaguan::v1::PingResponse* resp) override;
  grpc::Status DirectoryChanged(grpc::ServerContext* ctx, const kuaguan::v1::DirectoryChangedRequest* req,
                                kuaguan::v1::DirectoryChangedResponse* resp) override;
  grpc::Status Search(grpc::ServerContext* ctx, const kuaguan::v1::PeerSearchRequest* req,
                      kuaguan::v1::PeerSearchResponse* resp) override;
  grpc::Status SubmitRequest(grpc::ServerContext* ctx, const kuaguan::v1::RemoteRequest* req,
                             kuaguan::v1::SubmitResponse* resp) override;
  grpc::Status UpdateRequest(grpc::ServerContext* ctx, const kuaguan::v1::RequestUpdate* req,
                             kuaguan::v1::UpdateAck* resp) override;
  grpc::Status CheckCertificate(grpc::ServerContext* ctx, const kuaguan::v1::CertificateQuery* req,
                                kuaguan::v1::CertificateStatus* resp) override;

 private:
  PeerLink* const link_;
  Holdings* const holdings_;
  RemoteRequests* const requests_;
  const std::string code_;
};

}  // namespace kuaguan::node
