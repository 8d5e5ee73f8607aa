// The gRPC faces of the federation: FederationService (the provincial node's enrollment and
// directory, for other nodes) and FederationAdminService (the operator's federation commands on
// the node's own admin socket). Thin: they check who is calling and translate statuses.
// Thread-safe: stateless beyond the objects they are given.
#pragma once

#include <atomic>
#include <functional>
#include <string>

#include "kuaguan/v1/admin.grpc.pb.h"
#include "kuaguan/v1/federation.grpc.pb.h"
#include "federation/peer_link.h"
#include "federation/federated_search.h"
#include "federation/provincial.h"

#include "node/authorizer.h"
#include "node/people.h"

namespace kuaguan::node {

class Metrics;

class FederationService final : public kuaguan::v1::Federation::Service {
 public:
  // `provincial` and `clock` must outlive the service.
  FederationService(federation::Provincial* provincial, const base::Clock* clock)
      : provincial_(provincial), clock_(clock) {}
  grpc::Status Enroll(grpc::ServerContext* ctx, const kuaguan::v1::EnrollRequest* req,
                      kuaguan::v1::EnrollResponse* resp) override;
  // Only for callers with a certificate of this federation.
  grpc::Status GetDirectory(grpc::ServerContext* ctx, const kuaguan::v1::DirectoryRequest* req,
                            kuaguan::v1::SignedDirectory* resp) override;
  // Only for member nodes, for their own archive's staff.
  grpc::Status IssueStaffCert(grpc::ServerContext* ctx, const kuaguan::v1::StaffCertRequest* req,
                              kuaguan::v1::StaffCertResponse* resp) override;

 private:
  federation::Provincial* const provincial_;
  const base::Clock* const clock_;
};

class FederationAdminService final : public kuaguan::v1::FederationAdmin::Service {
 public:
  // Either `provincial` or `link` is set, by the node's role. `enroll_address` gives the peer
  // address to enroll with, and `enrolled` starts the peer listener once enrollment succeeded.
  // Staff certificates made by AddStaff are registered in `people` (with `auth`, both must
  // outlive the service).
  FederationAdminService(Authorizer* auth, People* people, federation::Provincial* provincial,
                         federation::PeerLink* link, federation::FederatedSearch* search,
                         std::function<absl::StatusOr<std::string>()> enroll_address,
                         std::function<absl::Status()> enrolled)
      : auth_(auth), people_(people), provincial_(provincial), link_(link), search_(search),
        enroll_address_(std::move(enroll_address)), enrolled_(std::move(enrolled)) {}

  grpc::Status CreateToken(grpc::ServerContext* ctx, const kuaguan::v1::TokenRequest* req,
                           kuaguan::v1::TokenResponse* resp) override;
  grpc::Status Revoke(grpc::ServerContext* ctx, const kuaguan::v1::RevokeRequest* req,
                      kuaguan::v1::DirectoryInfo* resp) override;
  grpc::Status RollSigner(grpc::ServerContext* ctx, const kuaguan::v1::RollSignerRequest* req,
                          kuaguan::v1::DirectoryInfo* resp) override;
  grpc::Status AddStaff(grpc::ServerContext* ctx, const kuaguan::v1::StaffAddRequest* req,
                        kuaguan::v1::StaffAddResult* resp) override;
  grpc::Status Enroll(grpc::ServerContext* ctx, const kuaguan::v1::EnrollCommand* req,
                      kuaguan::v1::EnrollResult* resp) override;
  grpc::Status RefreshDirectory(grpc::ServerContext* ctx, const kuaguan::v1::RefreshRequest* req,
                                kuaguan::v1::DirectoryInfo* resp) override;
  grpc::Status ListPeers(grpc::ServerContext* ctx, const kuaguan::v1::PeersRequest* req,
                         kuaguan::v1::PeerList* resp) override;
  grpc::Status ExportCerts(grpc::ServerContext* ctx, const kuaguan::v1::CertExportRequest* req,
                           kuaguan::v1::CertBundle* resp) override;
  grpc::Status FederatedSearch(grpc::ServerContext* ctx, const kuaguan::v1::SearchRequest* req,
                               kuaguan::v1::SearchResponse* resp) override;

  // Observes every federated search's duration into `metrics` (nullptr: none, the default).
  // `metrics` must outlive the service.
  void set_metrics(Metrics* metrics) { metrics_.store(metrics, std::memory_order_release); }

 private:
  Authorizer* const auth_;
  People* const people_;
  federation::Provincial* const provincial_;
  federation::PeerLink* const link_;
  federation::FederatedSearch* const search_;
  const std::function<absl::StatusOr<std::string>()> enroll_address_;
  const std::function<absl::Status()> enrolled_;
  std::atomic<Metrics*> metrics_{nullptr};
};

}  // namespace kuaguan::node
