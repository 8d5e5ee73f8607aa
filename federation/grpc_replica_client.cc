#include "federation/grpc_replica_client.h"

#include "absl/time/clock.h"
#include "base/grpc_status.h"
#include "base/status_macros.h"
#include "kuaguan/v1/replica.grpc.pb.h"

namespace kuaguan::federation {
namespace v1 = kuaguan::v1;
namespace {

template <typename Req, typename Resp, typename Method>
absl::StatusOr<Resp> Call(PeerLink* link, const std::string& holder, const Req& request, Method method) {
  ASSIGN_OR_RETURN(auto channel, link->PeerChannel(holder));
  auto stub = v1::Replicas::NewStub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Minutes(10)));
  Resp response;
  RETURN_IF_ERROR(base::FromGrpcStatus(((*stub).*method)(&ctx, request, &response)));
  return response;
}

}  // namespace

absl::StatusOr<v1::ReplicaInventory> GrpcReplicaClient::Push(const std::string& holder, const v1::ReplicaPush& push) {
  return Call<v1::ReplicaPush, v1::ReplicaInventory>(link_, holder, push, &v1::Replicas::Stub::Push);
}
absl::StatusOr<v1::ReplicaInventory> GrpcReplicaClient::Inventory(const std::string& holder,
                                                                  const v1::ReplicaInventoryRequest& req) {
  return Call<v1::ReplicaInventoryRequest, v1::ReplicaInventory>(link_, holder, req, &v1::Replicas::Stub::Inventory);
}
absl::StatusOr<v1::ReplicaProof> GrpcReplicaClient::Prove(const std::string& holder, const v1::ReplicaChallenge& challenge) {
  return Call<v1::ReplicaChallenge, v1::ReplicaProof>(link_, holder, challenge, &v1::Replicas::Stub::Prove);
}
absl::StatusOr<v1::ReplicaFetched> GrpcReplicaClient::Fetch(const std::string& holder, const v1::ReplicaFetch& fetch) {
  return Call<v1::ReplicaFetch, v1::ReplicaFetched>(link_, holder, fetch, &v1::Replicas::Stub::Fetch);
}

}  // namespace kuaguan::federation
