// PeerClient over gRPC: each call goes to the member's address from the cached directory, over
// PeerLink's pooled mutual-TLS channel, with a deadline (20 s for request delivery, 5 s for
// certificate checks, the caller's for pings and searches). A gRPC status comes back as the
// absl::Status of the same code and message.
// Thread-safe.
#pragma once

#include <string>

#include "federation/peer_client.h"
#include "federation/peer_link.h"

namespace kuaguan::federation {

class GrpcPeerClient final : public PeerClient {
 public:
  // `link` must outlive this object.
  explicit GrpcPeerClient(PeerLink* link) : link_(link) {}

  absl::StatusOr<kuaguan::v1::PingResponse> Ping(const std::string& archive,
                                                 const kuaguan::v1::PingRequest& request,
                                                 absl::Duration timeout) override;
  absl::StatusOr<kuaguan::v1::PeerSearchResponse> Search(
      const std::string& archive, const kuaguan::v1::PeerSearchRequest& request,
      absl::Duration timeout) override;
  absl::StatusOr<kuaguan::v1::SubmitResponse> Submit(
      const std::string& archive, const kuaguan::v1::RemoteRequest& request) override;
  absl::StatusOr<kuaguan::v1::UpdateAck> Update(const std::string& archive,
                                                const kuaguan::v1::RequestUpdate& update) override;
  absl::StatusOr<kuaguan::v1::CertificateStatus> CheckCertificate(
      const std::string& archive, const kuaguan::v1::CertificateQuery& query) override;

 private:
  // Calls `method` on member `archive`'s Peer stub with `timeout`.
  template <typename Req, typename Resp, typename Method>
  absl::StatusOr<Resp> Call(const std::string& archive, const Req& request, absl::Duration timeout,
                            Method method);

  PeerLink* const link_;
};

}  // namespace kuaguan::federation
