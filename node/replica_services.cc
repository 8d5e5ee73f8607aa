#include "node/replica_services.h"

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "base/grpc_status.h"
#include "node/call_reactors.h"

namespace kuaguan::node {
namespace v1 = kuaguan::v1;

grpc::Status ReplicaService::Push(grpc::ServerContext* ctx, const v1::ReplicaPush* req, v1::ReplicaInventory* resp) {
  if (absl::Status st = link_->CheckInbound(*ctx, req->from(), "replica.push"); !st.ok()) return base::ToGrpcStatus(st);
  return base::Reply(holder_->Push(req->from(), *req), resp);
}

grpc::Status ReplicaService::Inventory(grpc::ServerContext* ctx, const v1::ReplicaInventoryRequest* req,
                                       v1::ReplicaInventory* resp) {
  if (absl::Status st = link_->CheckInbound(*ctx, req->from(), "replica.inventory"); !st.ok()) return base::ToGrpcStatus(st);
  return base::Reply(holder_->Inventory(req->from()), resp);
}

grpc::Status ReplicaService::Prove(grpc::ServerContext* ctx, const v1::ReplicaChallenge* req, v1::ReplicaProof* resp) {
  if (absl::Status st = link_->CheckInbound(*ctx, req->from(), "replica.prove"); !st.ok()) return base::ToGrpcStatus(st);
  return base::Reply(holder_->Prove(req->from(), *req), resp);
}

grpc::Status ReplicaService::Fetch(grpc::ServerContext* ctx, const v1::ReplicaFetch* req, v1::ReplicaFetched* resp) {
  if (absl::Status st = link_->CheckInbound(*ctx, req->from(), "replica.fetch"); !st.ok()) return base::ToGrpcStatus(st);
  return base::Reply(holder_->Fetch(req->from(), *req), resp);
}

namespace {

absl::Status NoKeeper() {
  return absl::FailedPreconditionError("this node keeps no backup replicas at peers (an archive that has enrolled does)");
}

}  // namespace

grpc::ServerUnaryReactor* ReplicaAdminService::Replicate(grpc::CallbackServerContext* ctx, const v1::ReplicateRequest*,
                                                         v1::ReplicaReport* resp) {
  return LongUnary(auth_, "backup replicate", calls_, ctx, resp,
                   [b = backups_, k = keeper_](const Caller& c) -> absl::StatusOr<v1::ReplicaReport> {
                     if (k == nullptr) return NoKeeper();
                     return b->OnRepository("backup.replicate", c.Audit(),
                                            [k](const seal::BackupRepo& repo) { return k->Replicate(repo); });
                   });
}

grpc::ServerUnaryReactor* ReplicaAdminService::AuditReplicas(grpc::CallbackServerContext* ctx,
                                                             const v1::ReplicaAuditRequest* req, v1::ReplicaReport* resp) {
  return LongUnary(auth_, "backup audit-replicas", calls_, ctx, resp,
                   [b = backups_, k = keeper_, sample = req->sample(),
                    no_repair = req->no_repair()](const Caller& c) -> absl::StatusOr<v1::ReplicaReport> {
                     if (k == nullptr) return NoKeeper();
                     return b->OnRepository("backup.audit-replicas", c.Audit(), [=](const seal::BackupRepo& repo) {
                       return k->Audit(repo, sample, no_repair);
                     });
                   });
}

grpc::ServerUnaryReactor* ReplicaAdminService::FetchReplicas(grpc::CallbackServerContext* ctx,
                                                             const v1::FetchReplicasRequest* req, v1::ReplicaReport* resp) {
  return LongUnary(auth_, "restore --from-peers", calls_, ctx, resp,
                   [s = store_, k = keeper_, to = req->to()](const Caller& c) -> absl::StatusOr<v1::ReplicaReport> {
                     if (k == nullptr) return NoKeeper();
                     const std::filesystem::path dir(to);
                     if (!dir.is_absolute()) return absl::InvalidArgumentError("the folder to fetch into must be an absolute path");
                     absl::StatusOr<v1::ReplicaReport> report = k->FetchAll(dir);
                     std::string outcome = report.ok() ? "ok" : std::string(report.status().message());
                     if (report.ok()) {
                       for (const auto& p : report->peers()) absl::StrAppend(&outcome, "; ", p.archive(), ": ", p.fetched(), " fetched");
                     }
                     if (absl::Status st = s->Audit({c.Audit(), "backup.fetch-replicas", to, outcome}); !st.ok()) return st;
                     return report;
                   });
}

}  // namespace kuaguan::node
