// How an owner reaches the archives holding its backup replicas (service Replicas). The gRPC
// implementation calls over the members' mutual TLS (federation/grpc_replica_client.h); tests may
// call a ReplicaHolder directly. Implementations are thread-safe.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "kuaguan/v1/replica.pb.h"

namespace kuaguan::federation {

class ReplicaClient {
 public:
  virtual ~ReplicaClient() = default;
  virtual absl::StatusOr<kuaguan::v1::ReplicaInventory> Push(const std::string& holder,
                                                             const kuaguan::v1::ReplicaPush& push) = 0;
  virtual absl::StatusOr<kuaguan::v1::ReplicaInventory> Inventory(const std::string& holder,
                                                                  const kuaguan::v1::ReplicaInventoryRequest& req) = 0;
  virtual absl::StatusOr<kuaguan::v1::ReplicaProof> Prove(const std::string& holder,
                                                          const kuaguan::v1::ReplicaChallenge& challenge) = 0;
  virtual absl::StatusOr<kuaguan::v1::ReplicaFetched> Fetch(const std::string& holder,
                                                            const kuaguan::v1::ReplicaFetch& fetch) = 0;
};

}  // namespace kuaguan::federation
