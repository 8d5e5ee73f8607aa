// The gRPC faces of off-site backup replicas. ReplicaService (mutual-TLS peer listener): what
// other archives push, ask and fetch of their own replicas held here — every call checked against
// the directory (the caller's certificate must be the one registered for the archive it names,
// and it reaches only that archive's replicas). ReplicaAdminService (local socket): the system
// administrator's `backup replicate`, `backup audit-replicas` and `restore --from-peers` (the
// fetch), each audited. Thin: they check who is calling and translate statuses. Thread-safe.
#pragma once

#include "base/worker_pool.h"
#include "federation/peer_link.h"
#include "federation/replica_holder.h"
#include "federation/replica_keeper.h"
#include "kuaguan/v1/replica.grpc.pb.h"
#include "node/authorizer.h"
#include "node/backups.h"
#include "node/store.h"

namespace kuaguan::node {

class ReplicaService final : public kuaguan::v1::Replicas::Service {
 public:
  // Both must outlive the service.
  ReplicaService(federation::PeerLink* link, federation::ReplicaHolder* holder) : link_(link), holder_(holder) {}
  grpc::Status Push(grpc::ServerContext* ctx, const kuaguan::v1::ReplicaPush* req, kuaguan::v1::ReplicaInventory* resp) override;
  grpc::Status Inventory(grpc::ServerContext* ctx, const kuaguan::v1::ReplicaInventoryRequest* req,
                         kuaguan::v1::ReplicaInventory* resp) override;
  grpc::Status Prove(grpc::ServerContext* ctx, const kuaguan::v1::ReplicaChallenge* req, kuaguan::v1::ReplicaProof* resp) override;
  grpc::Status Fetch(grpc::ServerContext* ctx, const kuaguan::v1::ReplicaFetch* req, kuaguan::v1::ReplicaFetched* resp) override;

 private:
  federation::PeerLink* const link_;
  federation::ReplicaHolder* const holder_;
};

class ReplicaAdminService final : public kuaguan::v1::ReplicaAdmin::CallbackService {
 public:
  // All must outlive the service; `keeper` may be null (a provincial node keeps no replicas).
  ReplicaAdminService(Authorizer* auth, Store* store, Backups* backups, federation::ReplicaKeeper* keeper,
                      base::WorkerPool* calls)
      : auth_(auth), store_(store), backups_(backups), keeper_(keeper), calls_(calls) {}
  grpc::ServerUnaryReactor* Replicate(grpc::CallbackServerContext* ctx, const kuaguan::v1::ReplicateRequest* req,
                                      kuaguan::v1::ReplicaReport* resp) override;
  grpc::ServerUnaryReactor* AuditReplicas(grpc::CallbackServerContext* ctx, const kuaguan::v1::ReplicaAuditRequest* req,
                                          kuaguan::v1::ReplicaReport* resp) override;
  grpc::ServerUnaryReactor* FetchReplicas(grpc::CallbackServerContext* ctx, const kuaguan::v1::FetchReplicasRequest* req,
                                          kuaguan::v1::ReplicaReport* resp) override;

 private:
  Authorizer* const auth_;
  Store* const store_;
  Backups* const backups_;
  federation::ReplicaKeeper* const keeper_;
  base::WorkerPool* const calls_;
};

}  // namespace kuaguan::node
