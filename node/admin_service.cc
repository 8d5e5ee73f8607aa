#include "node/admin_service.h"

#include <chrono>

#include "base/grpc_status.h"
#include "node/audit_list.h"
#include "node/metrics.h"
#include "node/call_reactors.h"

namespace kuaguan::node {
namespace v1 = kuaguan::v1;

namespace {

// Receives an upload into the staging area, chunk by chunk, for an authorized caller.
class UploadReactor final : public grpc::ServerReadReactor<v1::ScanChunk> {
 public:
  UploadReactor(absl::StatusOr<std::unique_ptr<ScanStaging::Upload>> upload, v1::StagedScans* resp, Store* store,
                std::string actor)
      : upload_(std::move(upload)), resp_(resp), store_(store), actor_(std::move(actor)) {
    if (!upload_.ok()) {
      Finish(base::ToGrpcStatus(upload_.status()));
      return;
    }
    StartRead(&chunk_);
  }
  void OnReadDone(bool ok) override {
    if (!ok) {  // the client finished sending
      absl::StatusOr<v1::StagedScans> done = (*upload_)->Done();
      if (done.ok()) *resp_ = *done;
      (void)store_->Audit({actor_, "ingest.upload", done.ok() ? done->staging() : "",
                           done.ok() ? absl::StrCat("ok: ", done->files(), " files, ", done->bytes(), " bytes")
                                     : std::string(done.status().message())});
      Finish(base::ToGrpcStatus(done.status()));
      return;
    }
    if (absl::Status st = (*upload_)->Add(chunk_); !st.ok()) {
      (void)store_->Audit({actor_, "ingest.upload", chunk_.path(), absl::StrCat("refused: ", st.message())});
      Finish(base::ToGrpcStatus(st));
      return;
    }
    StartRead(&chunk_);
  }
  void OnDone() override { delete this; }

 private:
  absl::StatusOr<std::unique_ptr<ScanStaging::Upload>> upload_;
  v1::StagedScans* const resp_;
  Store* const store_;
  const std::string actor_;
  v1::ScanChunk chunk_;
};

// A reactor that finishes at once with `status`.
class RefusedRead final : public grpc::ServerReadReactor<v1::ScanChunk> {
 public:
  explicit RefusedRead(const absl::Status& status) { Finish(base::ToGrpcStatus(status)); }
  void OnDone() override { delete this; }
};

}  // namespace

grpc::ServerReadReactor<v1::ScanChunk>* AdminService::UploadScans(grpc::CallbackServerContext* ctx,
                                                                  v1::StagedScans* resp) {
  absl::StatusOr<Caller> caller = auth_->Authorize(*ctx, "ingest scans");
  if (!caller.ok()) return new RefusedRead(caller.status());
  return new UploadReactor(staging_->Begin(), resp, store_, caller->Audit());
}

grpc::ServerUnaryReactor* AdminService::GetStatus(grpc::CallbackServerContext* ctx,
                                                  const v1::GetStatusRequest*,
                                                  v1::NodeStatus* resp) {
  return Unary(auth_, "status", ctx, resp, [&](const Caller&) -> absl::StatusOr<v1::NodeStatus> { return status_(); });
}

grpc::ServerUnaryReactor* AdminService::GetStats(grpc::CallbackServerContext* ctx,
                                                 const v1::GetStatsRequest*, v1::NodeStats* resp) {
  return Unary(auth_, "stats", ctx, resp, [&](const Caller&) { return holdings_->Stats(); });
}

grpc::ServerUnaryReactor* AdminService::Import(grpc::CallbackServerContext* ctx,
                                               const v1::ImportRequest* req,
                                               v1::ImportResult* resp) {
  return LongUnary(auth_, "import", calls_, ctx, resp,
                   [h = holdings_, req, ctx](const Caller& c) {
                     return h->Import(*req, c.Audit(), [ctx] { return ctx->IsCancelled(); });
                   });
}

grpc::ServerUnaryReactor* AdminService::GetRecord(grpc::CallbackServerContext* ctx,
                                                  const v1::GetRecordRequest* req,
                                                  v1::GetRecordResponse* resp) {
  return Unary(auth_, "get", ctx, resp, [&](const Caller& c) {
    return holdings_->Get(req->code(), req->history(), c.Audit(), req->shared());
  });
}

grpc::ServerUnaryReactor* AdminService::Search(grpc::CallbackServerContext* ctx,
                                               const v1::SearchRequest* req,
                                               v1::SearchResponse* resp) {
  return Unary(auth_, "search", ctx, resp, [&](const Caller& c) {
    const auto start = std::chrono::steady_clock::now();
    absl::StatusOr<v1::SearchResponse> result = holdings_->Search(*req, c.Audit());
    if (Metrics* m = metrics_.load(std::memory_order_acquire); m != nullptr) {
      m->ObserveSearch(false, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
    return result;
  });
}

grpc::ServerUnaryReactor* AdminService::Modify(grpc::CallbackServerContext* ctx,
                                               const v1::ModifyRequest* req,
                                               v1::ChangeResponse* resp) {
  return LongUnary(auth_, "modify", calls_, ctx, resp,
                   [h = holdings_, req](const Caller& c) { return h->Modify(*req, c.Audit()); });
}

grpc::ServerUnaryReactor* AdminService::Withdraw(grpc::CallbackServerContext* ctx,
                                                 const v1::WithdrawRequest* req,
                                                 v1::ChangeResponse* resp) {
  return LongUnary(auth_, "withdraw", calls_, ctx, resp,
                   [h = holdings_, req](const Caller& c) { return h->Withdraw(*req, c.Audit()); });
}

grpc::ServerWriteReactor<v1::Record>* AdminService::Export(grpc::CallbackServerContext* ctx,
                                                           const v1::ExportRequest* req) {
  return Stream<v1::Record>(auth_, "export", streams_, ctx,
                            [h = holdings_, all = req->include_withdrawn()](const Caller& c) {
                              return [h, all, actor = c.Audit()](const auto& emit, const std::atomic<bool>&) {
                                return h->Export(all, actor, emit);
                              };
                            });
}

grpc::ServerWriteReactor<v1::ReindexProgress>* AdminService::Reindex(
    grpc::CallbackServerContext* ctx, const v1::ReindexRequest*) {
  return Stream<v1::ReindexProgress>(auth_, "reindex", streams_, ctx, [h = holdings_](const Caller& c) {
    return [h, actor = c.Audit()](const auto& emit, const std::atomic<bool>& cancelled) {
      v1::ReindexProgress last;
      absl::Status st = h->Reindex(
          actor,
          [&](const v1::ReindexProgress& p) {
            last = p;
            emit(p);
          },
          &cancelled);
      if (st.ok()) {
        last.set_finished(true);
        emit(last);
      }
      return st;
    };
  });
}

grpc::ServerWriteReactor<v1::IngestEvent>* AdminService::IngestScans(
    grpc::CallbackServerContext* ctx, const v1::IngestRequest* req) {
  return Stream<v1::IngestEvent>(
      auth_, "ingest scans", streams_, ctx, [i = ingest_, s = staging_, req = *req](const Caller& c) {
        return [i, s, req, actor = c.Audit()](const auto& emit, const std::atomic<bool>& cancelled) -> absl::Status {
          // Only files of an upload: the daemon opens no path a client names.
          absl::StatusOr<std::filesystem::path> manifest = s->Resolve(req.staging(), req.manifest());
          absl::StatusOr<std::filesystem::path> base =
              req.base().empty() ? absl::StatusOr<std::filesystem::path>(std::filesystem::path())
                                 : s->Resolve(req.staging(), req.base());
          if (!manifest.ok()) return manifest.status();
          if (!base.ok()) return base.status();
          IngestJob job{*manifest, *base, req.workers(), req.display_name()};
          absl::Status st = i->Run(job, actor, [&](const v1::IngestEvent& e) { emit(e); }, &cancelled);
          s->Remove(req.staging());
          return st;
        };
      });
}

grpc::ServerUnaryReactor* AdminService::ListHeld(grpc::CallbackServerContext* ctx,
                                                 const v1::ListHeldRequest*, v1::HeldList* resp) {
  return LongUnary(auth_, "ingest held", calls_, ctx, resp,
                   [h = holdings_](const Caller& c) { return h->ListHeld(c.Audit()); });
}

grpc::ServerUnaryReactor* AdminService::ReleaseHeld(grpc::CallbackServerContext* ctx,
                                                    const v1::ReleaseRequest* req,
                                                    v1::ChangeResponse* resp) {
  return LongUnary(auth_, "ingest release", calls_, ctx, resp,
                   [h = holdings_, req](const Caller& c) { return h->ReleaseHeld(*req, c.Audit()); });
}

grpc::ServerUnaryReactor* AdminService::GetPage(grpc::CallbackServerContext* ctx,
                                                const v1::PageRequest* req, v1::PageImage* resp) {
  return LongUnary(auth_, "page", calls_, ctx, resp,
                   [h = holdings_, req](const Caller& c) { return h->GetPage(*req, c.Audit()); });
}

grpc::ServerUnaryReactor* AdminService::GetBatch(grpc::CallbackServerContext* ctx,
                                                 const v1::BatchRequest* req,
                                                 v1::IngestBatch* resp) {
  return LongUnary(auth_, "ingest report", calls_, ctx, resp,
                   [i = ingest_, req](const Caller& c) { return i->Batch(req->batch(), c.Audit()); });
}

grpc::ServerUnaryReactor* AdminService::AcceptBatch(grpc::CallbackServerContext* ctx,
                                                    const v1::BatchRequest* req,
                                                    v1::IngestBatch* resp) {
  return LongUnary(auth_, "ingest accept", calls_, ctx, resp, [i = ingest_, req](const Caller& c) {
    return i->Accept(req->batch(), req->override_reason(), c.Audit());
  });
}

grpc::ServerUnaryReactor* AdminService::VerifyAudit(grpc::CallbackServerContext* ctx,
                                                    const v1::VerifyAuditRequest*,
                                                    v1::AuditVerifyResult* resp) {
  return LongUnary(auth_, "audit verify", calls_, ctx, resp,
                   [h = holdings_](const Caller& c) { return h->VerifyAudit(c.Audit()); });
}

grpc::ServerUnaryReactor* AdminService::WhoAmI(grpc::CallbackServerContext* ctx, const v1::WhoAmIAdminRequest*,
                                               v1::Identity* resp) {
  return Unary(auth_, "whoami", ctx, resp, [](const Caller& c) -> absl::StatusOr<v1::Identity> {
    v1::Identity id;
    id.set_person(c.actor.person);
    for (const std::string& r : c.roles) id.add_roles(r);
    id.set_via(c.actor.via);
    return id;
  });
}

grpc::ServerUnaryReactor* AdminService::GrantStaff(grpc::CallbackServerContext* ctx, const v1::GrantRequest* req,
                                                   v1::StaffMember* resp) {
  return Unary(auth_, "staff grant", ctx, resp, [&](const Caller& c) { return people_->Grant(*req, c); });
}

grpc::ServerUnaryReactor* AdminService::ListStaff(grpc::CallbackServerContext* ctx, const v1::ListStaffRequest*,
                                                  v1::StaffList* resp) {
  return Unary(auth_, "staff list", ctx, resp, [&](const Caller& c) -> absl::StatusOr<v1::StaffList> {
    (void)store_->Audit({c.Audit(), "staff.list", "", "ok"});
    return people_->List();
  });
}

grpc::ServerUnaryReactor* AdminService::RevokeStaff(grpc::CallbackServerContext* ctx,
                                                    const v1::RevokeStaffRequest* req, v1::StaffMember* resp) {
  return Unary(auth_, "staff revoke", ctx, resp,
               [&](const Caller& c) { return people_->Revoke(req->who(), req->reason(), c); });
}

grpc::ServerUnaryReactor* AdminService::ListAudit(grpc::CallbackServerContext* ctx, const v1::AuditListRequest* req,
                                                  v1::AuditList* resp) {
  return LongUnary(auth_, "audit list", calls_, ctx, resp, [s = store_, req](const Caller& c) {
    auto list = node::ListAudit(s, *req);
    (void)s->Audit({c.Audit(), "audit.list", "", list.ok() ? "ok" : std::string(list.status().message())});
    return list;
  });
}

}  // namespace kuaguan::node
