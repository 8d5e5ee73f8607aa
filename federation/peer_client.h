// How a node calls another member: one call per Peer RPC, addressed by archive code. The gRPC
// implementation (grpc_peer_client.h) goes over the pooled mutual-TLS channels; tests route the
// calls to another node's workflow in the same process. Errors: NOT_FOUND for an archive that is
// no member, FAILED_PRECONDITION for a revoked one or before enrollment, UNAVAILABLE or
// DEADLINE_EXCEEDED when it cannot be reached in time, or the status the other end answered.
// Implementations are thread-safe.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "kuaguan/v1/federation.pb.h"

namespace kuaguan::federation {

class PeerClient {
 public:
  virtual ~PeerClient() = default;

  virtual absl::StatusOr<kuaguan::v1::PingResponse> Ping(const std::string& archive,
                                                         const kuaguan::v1::PingRequest& request,
                                                         absl::Duration timeout) = 0;
  virtual absl::StatusOr<kuaguan::v1::PeerSearchResponse> Search(
      const std::string& archive, const kuaguan::v1::PeerSearchRequest& request,
      absl::Duration timeout) = 0;
  // Delivers a request filed here to the archive that holds the records.
  virtual absl::StatusOr<kuaguan::v1::SubmitResponse> Submit(
      const std::string& archive, const kuaguan::v1::RemoteRequest& request) = 0;
  // Delivers a state change of a request to the other end.
  virtual absl::StatusOr<kuaguan::v1::UpdateAck> Update(const std::string& archive,
                                                        const kuaguan::v1::RequestUpdate& update) = 0;
  // Asks the issuing archive about one of its certificates.
  virtual absl::StatusOr<kuaguan::v1::CertificateStatus> CheckCertificate(
      const std::string& archive, const kuaguan::v1::CertificateQuery& query) = 0;
};

}  // namespace kuaguan::federation
