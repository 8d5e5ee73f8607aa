#include "node/ops_service.h"

#include "node/call_reactors.h"

namespace kuaguan::node {
namespace v1 = kuaguan::v1;

grpc::ServerWriteReactor<v1::BackupProgress>* OpsService::CreateBackup(grpc::CallbackServerContext* ctx,
                                                                        const v1::BackupRequest* req) {
  return Stream<v1::BackupProgress>(auth_, "backup create", streams_, ctx, [b = backups_, to = req->to()](const Caller& c) {
    return [b, to, actor = c.Audit()](const auto& emit, const std::atomic<bool>& cancelled) -> absl::Status {
      auto made = b->Create(to, actor, [&](const v1::BackupProgress& p) { emit(p); }, &cancelled);
      if (!made.ok()) return made.status();
      v1::BackupProgress last;
      last.set_done(true);
      *last.mutable_summary() = *std::move(made);
      emit(last);
      return absl::OkStatus();
    };
  });
}

grpc::ServerUnaryReactor* OpsService::ListBackups(grpc::CallbackServerContext* ctx, const v1::BackupListRequest* req,
                                                  v1::BackupList* resp) {
  return LongUnary(auth_, "backup list", calls_, ctx, resp,
                   [b = backups_, in = req->in()](const Caller& c) { return b->List(in, c.Audit()); });
}

namespace {

// A verify or drill as a stream: progress, then the report.
template <typename Run>
grpc::ServerWriteReactor<v1::BackupProgress>* CheckStream(Authorizer* auth, absl::string_view command,
                                                          base::WorkerPool* pool, grpc::CallbackServerContext* ctx,
                                                          Run run) {
  return Stream<v1::BackupProgress>(auth, command, pool, ctx, [run](const Caller& c) {
    return [run, actor = c.Audit()](const auto& emit, const std::atomic<bool>& cancelled) -> absl::Status {
      auto report = run(actor, [&](const v1::BackupProgress& p) { emit(p); }, &cancelled);
      if (!report.ok()) return report.status();
      v1::BackupProgress last;
      last.set_done(true);
      *last.mutable_report() = *std::move(report);
      emit(last);
      return absl::OkStatus();
    };
  });
}

}  // namespace

grpc::ServerWriteReactor<v1::BackupProgress>* OpsService::VerifyBackup(grpc::CallbackServerContext* ctx,
                                                                        const v1::BackupCheckRequest* req) {
  return CheckStream(auth_, "backup verify", streams_, ctx,
                     [b = backups_, in = req->in(), id = req->backup_id()](const std::string& actor, const auto& progress,
                                                                           const std::atomic<bool>* cancelled) {
                       return b->Verify(in, id, actor, progress, cancelled);
                     });
}

grpc::ServerWriteReactor<v1::BackupProgress>* OpsService::DrillBackup(grpc::CallbackServerContext* ctx,
                                                                       const v1::BackupCheckRequest* req) {
  return CheckStream(auth_, "backup drill", streams_, ctx,
                     [b = backups_, in = req->in(), id = req->backup_id()](const std::string& actor, const auto& progress,
                                                                           const std::atomic<bool>* cancelled) {
                       return b->Drill(in, id, actor, progress, cancelled);
                     });
}

grpc::ServerUnaryReactor* OpsService::GetKeyShare(grpc::CallbackServerContext* ctx, const v1::KeyShareRequest*,
                                                  v1::KeyShare* resp) {
  return Unary(auth_, "backup key-share", ctx, resp, [b = backups_](const Caller& c) -> absl::StatusOr<v1::KeyShare> {
    if (c.actor.role == "system-admin") return b->Share(1, c.Audit());
    if (c.actor.role == "security-officer") return b->Share(2, c.Audit());
    return absl::PermissionDeniedError("the backup key's shares go to the system administrator and the security officer");
  });
}

grpc::ServerWriteReactor<v1::CheckProgress>* OpsService::CheckStore(grpc::CallbackServerContext* ctx,
                                                                   const v1::CheckRequest* req) {
  return Stream<v1::CheckProgress>(
      auth_, "check", streams_, ctx, [c = check_, repair = req->repair(), from = req->from()](const Caller& caller) {
        return [c, repair, from, actor = caller.Audit()](const auto& emit, const std::atomic<bool>& cancelled) -> absl::Status {
          auto report = c->Run(repair, from, actor, [&](const v1::CheckProgress& p) { emit(p); }, &cancelled);
          if (!report.ok()) return report.status();
          v1::CheckProgress last;
          last.set_finished(true);
          *last.mutable_report() = *std::move(report);
          emit(last);
          return absl::OkStatus();
        };
      });
}

}  // namespace kuaguan::node
