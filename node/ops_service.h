// The Operations gRPC service (local socket): backups, their verification and drills and the
// store check (and its repair) for the system administrator, and the backup key's shares (share 1
// to the system administrator, share 2 to the security officer: the role the caller acts in
// decides which). Thin: authorizes, runs the work on the stream pool, translates statuses. Thread-safe: stateless beyond what it is given.
#pragma once

#include "base/worker_pool.h"
#include "kuaguan/v1/ops.grpc.pb.h"
#include "node/authorizer.h"
#include "node/backups.h"
#include "node/store_check.h"

namespace kuaguan::node {

class OpsService final : public kuaguan::v1::Operations::CallbackService {
 public:
  // All must outlive the service; `streams` runs backups for as long as they take.
  OpsService(Authorizer* auth, Backups* backups, StoreCheck* check, base::WorkerPool* calls, base::WorkerPool* streams)
      : auth_(auth), backups_(backups), check_(check), calls_(calls), streams_(streams) {}

  grpc::ServerWriteReactor<kuaguan::v1::BackupProgress>* CreateBackup(grpc::CallbackServerContext* ctx,
                                                                      const kuaguan::v1::BackupRequest* req) override;
  grpc::ServerUnaryReactor* ListBackups(grpc::CallbackServerContext* ctx, const kuaguan::v1::BackupListRequest* req,
                                        kuaguan::v1::BackupList* resp) override;
  grpc::ServerWriteReactor<kuaguan::v1::BackupProgress>* VerifyBackup(grpc::CallbackServerContext* ctx,
                                                                      const kuaguan::v1::BackupCheckRequest* req) override;
  grpc::ServerWriteReactor<kuaguan::v1::BackupProgress>* DrillBackup(grpc::CallbackServerContext* ctx,
                                                                     const kuaguan::v1::BackupCheckRequest* req) override;
  grpc::ServerUnaryReactor* GetKeyShare(grpc::CallbackServerContext* ctx, const kuaguan::v1::KeyShareRequest* req,
                                        kuaguan::v1::KeyShare* resp) override;
  grpc::ServerWriteReactor<kuaguan::v1::CheckProgress>* CheckStore(grpc::CallbackServerContext* ctx,
                                                                   const kuaguan::v1::CheckRequest* req) override;

 private:
  Authorizer* const auth_;
  Backups* const backups_;
  StoreCheck* const check_;
  base::WorkerPool* const calls_;
  base::WorkerPool* const streams_;
};

}  // namespace kuaguan::node
