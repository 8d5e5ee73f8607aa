// The Peer gRPC service on an archive's mutual-TLS listener: other members ping, announce a new
// directory, search what is shared here, deliver requests and their updates, and ask about a
// certificate. Thin: each call is checked against the directory (PeerLink::CheckInbound, with
// the archive it claims to be), then passed to one plain class. Thread-safe.
#pragma once

#include <string>

#include "federation/holdings_view.h"
#include "federation/peer_link.h"
#include "federation/remote_requests.h"
#include "kuaguan/v1/federation.grpc.pb.h"

namespace kuaguan::node {

class PeerService final : public kuaguan::v1::Peer::Service {
 public:
  // All must outlive the service. `code` is this archive's code.
  PeerService(federation::PeerLink* link, federation::HoldingsView* holdings,
              federation::RemoteRequests* requests, const base::Clock* clock, std::string code)
      : link_(link), holdings_(holdings), requests_(requests), clock_(clock), code_(std::move(code)) {}
  grpc::Status Ping(grpc::ServerContext* ctx, const kuaguan::v1::PingRequest* req,
                    kuaguan::v1::PingResponse* resp) override;
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
  federation::PeerLink* const link_;
  federation::HoldingsView* const holdings_;
  federation::RemoteRequests* const requests_;
  const base::Clock* const clock_;
  const std::string code_;
};

}  // namespace kuaguan::node
