// The Admin gRPC service: thin handlers that authorize the caller (Authorizer: the person and
// the role table), call Holdings, People or ScanIngest as that person, and translate statuses.
// Thread-safe: stateless beyond the objects it is given.
#pragma once

#include <atomic>
#include <functional>

#include "kuaguan/v1/admin.grpc.pb.h"
#include "base/worker_pool.h"
#include "node/authorizer.h"
#include "node/holdings.h"
#include "node/people.h"
#include "node/scan_ingest.h"
#include "node/scan_staging.h"

namespace kuaguan::node {

class Metrics;

class AdminService final : public kuaguan::v1::Admin::CallbackService {
 public:
  // `status` fills the node's identity and addresses. `auth`, `people`, `store`, `holdings`,
  // `ingest`, `calls` (where calls that may wait on locks or disks run) and `streams` (where
  // exports, reindexing and ingests run, for as long as they take) must outlive the service.
  AdminService(Authorizer* auth, People* people, Store* store, Holdings* holdings, ScanIngest* ingest,
               ScanStaging* staging, base::WorkerPool* calls, base::WorkerPool* streams,
               std::function<kuaguan::v1::NodeStatus()> status)
      : auth_(auth),
        people_(people),
        store_(store),
        holdings_(holdings),
        ingest_(ingest),
        staging_(staging),
        calls_(calls),
        streams_(streams),
        status_(std::move(status)) {}

  // Observes every search's duration into `metrics` (nullptr: none, the default). `metrics`
  // must outlive the service.
  void set_metrics(Metrics* metrics) { metrics_.store(metrics, std::memory_order_release); }

  grpc::ServerUnaryReactor* GetStatus(grpc::CallbackServerContext* ctx,
                                      const kuaguan::v1::GetStatusRequest* req,
                                      kuaguan::v1::NodeStatus* resp) override;
  grpc::ServerUnaryReactor* GetStats(grpc::CallbackServerContext* ctx,
                                     const kuaguan::v1::GetStatsRequest* req,
                                     kuaguan::v1::NodeStats* resp) override;
  grpc::ServerUnaryReactor* Import(grpc::CallbackServerContext* ctx,
                                   const kuaguan::v1::ImportRequest* req,
                                   kuaguan::v1::ImportResult* resp) override;
  grpc::ServerUnaryReactor* GetRecord(grpc::CallbackServerContext* ctx,
                                      const kuaguan::v1::GetRecordRequest* req,
                                      kuaguan::v1::GetRecordResponse* resp) override;
  grpc::ServerUnaryReactor* Search(grpc::CallbackServerContext* ctx,
                                   const kuaguan::v1::SearchRequest* req,
                                   kuaguan::v1::SearchResponse* resp) override;
  grpc::ServerUnaryReactor* Modify(grpc::CallbackServerContext* ctx,
                                   const kuaguan::v1::ModifyRequest* req,
                                   kuaguan::v1::ChangeResponse* resp) override;
  grpc::ServerUnaryReactor* Withdraw(grpc::CallbackServerContext* ctx,
                                     const kuaguan::v1::WithdrawRequest* req,
                                     kuaguan::v1::ChangeResponse* resp) override;
  grpc::ServerWriteReactor<kuaguan::v1::Record>* Export(
      grpc::CallbackServerContext* ctx, const kuaguan::v1::ExportRequest* req) override;
  grpc::ServerWriteReactor<kuaguan::v1::ReindexProgress>* Reindex(
      grpc::CallbackServerContext* ctx, const kuaguan::v1::ReindexRequest* req) override;
  grpc::ServerReadReactor<kuaguan::v1::ScanChunk>* UploadScans(grpc::CallbackServerContext* ctx,
                                                               kuaguan::v1::StagedScans* resp) override;
  grpc::ServerWriteReactor<kuaguan::v1::IngestEvent>* IngestScans(
      grpc::CallbackServerContext* ctx, const kuaguan::v1::IngestRequest* req) override;
  grpc::ServerUnaryReactor* ListHeld(grpc::CallbackServerContext* ctx,
                                     const kuaguan::v1::ListHeldRequest* req,
                                     kuaguan::v1::HeldList* resp) override;
  grpc::ServerUnaryReactor* ReleaseHeld(grpc::CallbackServerContext* ctx,
                                        const kuaguan::v1::ReleaseRequest* req,
                                        kuaguan::v1::ChangeResponse* resp) override;
  grpc::ServerUnaryReactor* GetPage(grpc::CallbackServerContext* ctx,
                                    const kuaguan::v1::PageRequest* req,
                                    kuaguan::v1::PageImage* resp) override;
  grpc::ServerUnaryReactor* GetBatch(grpc::CallbackServerContext* ctx,
                                     const kuaguan::v1::BatchRequest* req,
                                     kuaguan::v1::IngestBatch* resp) override;
  grpc::ServerUnaryReactor* AcceptBatch(grpc::CallbackServerContext* ctx,
                                        const kuaguan::v1::BatchRequest* req,
                                        kuaguan::v1::IngestBatch* resp) override;
  grpc::ServerUnaryReactor* VerifyAudit(grpc::CallbackServerContext* ctx,
                                        const kuaguan::v1::VerifyAuditRequest* req,
                                        kuaguan::v1::AuditVerifyResult* resp) override;
  grpc::ServerUnaryReactor* WhoAmI(grpc::CallbackServerContext* ctx, const kuaguan::v1::WhoAmIAdminRequest* req,
                                   kuaguan::v1::Identity* resp) override;
  grpc::ServerUnaryReactor* GrantStaff(grpc::CallbackServerContext* ctx, const kuaguan::v1::GrantRequest* req,
                                       kuaguan::v1::StaffMember* resp) override;
  grpc::ServerUnaryReactor* ListStaff(grpc::CallbackServerContext* ctx, const kuaguan::v1::ListStaffRequest* req,
                                      kuaguan::v1::StaffList* resp) override;
  grpc::ServerUnaryReactor* RevokeStaff(grpc::CallbackServerContext* ctx,
                                        const kuaguan::v1::RevokeStaffRequest* req,
                                        kuaguan::v1::StaffMember* resp) override;
  grpc::ServerUnaryReactor* ListAudit(grpc::CallbackServerContext* ctx, const kuaguan::v1::AuditListRequest* req,
                                      kuaguan::v1::AuditList* resp) override;

 private:
  Authorizer* const auth_;
  People* const people_;
  Store* const store_;
  Holdings* const holdings_;
  ScanIngest* const ingest_;
  ScanStaging* const staging_;
  base::WorkerPool* const calls_;
  base::WorkerPool* const streams_;
  const std::function<kuaguan::v1::NodeStatus()> status_;
  std::atomic<Metrics*> metrics_{nullptr};
};

}  // namespace kuaguan::node
