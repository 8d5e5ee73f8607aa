// ReplicaClient over gRPC: each call goes to the holder's address from the cached directory over
// PeerLink's pooled mutual-TLS channel, with a deadline of 10 minutes (a push or fetch carries up
// to 48 MiB). A gRPC status comes back as the absl::Status of the same code and message.
// Thread-safe.
#pragma once

#include "federation/peer_link.h"
#include "federation/replica_client.h"

namespace kuaguan::federation {

class GrpcReplicaClient final : public ReplicaClient {
 public:
  // `link` must outlive this object.
  explicit GrpcReplicaClient(PeerLink* link) : link_(link) {}
  absl::StatusOr<kuaguan::v1::ReplicaInventory> Push(const std::string& holder, const kuaguan::v1::ReplicaPush& push) override;
  absl::StatusOr<kuaguan::v1::ReplicaInventory> Inventory(const std::string& holder,
                                                          const kuaguan::v1::ReplicaInventoryRequest& req) override;
  absl::StatusOr<kuaguan::v1::ReplicaProof> Prove(const std::string& holder,
                                                  const kuaguan::v1::ReplicaChallenge& challenge) override;
  absl::StatusOr<kuaguan::v1::ReplicaFetched> Fetch(const std::string& holder, const kuaguan::v1::ReplicaFetch& fetch) override;

 private:
  PeerLink* const link_;
};

}  // namespace kuaguan::federation
