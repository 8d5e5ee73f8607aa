#include "node/admin_service.h"

#include "base/grpc_status.h"
#include "node/write_reactor.h"

namespace kuaguan::node {
namespace v1 = kuaguan::v1;

namespace {

std::string Actor(const grpc::CallbackServerContext* ctx) { return ActorOf(*ctx); }

// Finishes `ctx`'s default reactor with the result of `fn`, which writes into `resp`.
template <typename Resp, typename Fn>
grpc::ServerUnaryReactor* Unary(grpc::CallbackServerContext* ctx, Resp* resp, Fn fn) {
  auto* reactor = ctx->DefaultReactor();
  absl::StatusOr<Resp> result = fn();
  if (result.ok()) *resp = *std::move(result);
  reactor->Finish(base::ToGrpcStatus(result.status()));
  return reactor;
}

// Like Unary, but runs `fn` on the bounded pool: for work that may take long (imports, audit
// verification) so that gRPC's callback threads stay free. RESOURCE_EXHAUSTED when it is full.
template <typename Resp, typename Fn>
grpc::ServerUnaryReactor* LongUnary(base::WorkerPool* pool, grpc::CallbackServerContext* ctx,
                                    Resp* resp, Fn fn) {
  auto* reactor = ctx->DefaultReactor();
  absl::Status queued = pool->Submit([reactor, resp, fn = std::move(fn)]() mutable {
    absl::StatusOr<Resp> result = fn();
    if (result.ok()) *resp = *std::move(result);
    reactor->Finish(base::ToGrpcStatus(result.status()));
  });
  if (!queued.ok()) reactor->Finish(base::ToGrpcStatus(queued));
  return reactor;
}

}  // namespace

std::string ActorOf(const grpc::ServerContextBase& ctx) {
  const auto& md = ctx.client_metadata();
  auto it = md.find(base::kActorMetadata);
  if (it == md.end() || it->second.empty()) return "unknown";
  return std::string(it->second.data(), it->second.size());
}

grpc::ServerUnaryReactor* AdminService::GetStatus(grpc::CallbackServerContext* ctx,
                                                  const v1::GetStatusRequest*,
                                                  v1::NodeStatus* resp) {
  return Unary(ctx, resp, [&]() -> absl::StatusOr<v1::NodeStatus> { return status_(); });
}

grpc::ServerUnaryReactor* AdminService::GetStats(grpc::CallbackServerContext* ctx,
                                                 const v1::GetStatsRequest*, v1::NodeStats* resp) {
  return Unary(ctx, resp, [&] { return holdings_->Stats(); });
}

grpc::ServerUnaryReactor* AdminService::Import(grpc::CallbackServerContext* ctx,
                                               const v1::ImportRequest* req,
                                               v1::ImportResult* resp) {
  return LongUnary(calls_, ctx, resp, [h = holdings_, req, actor = Actor(ctx)] {
    return h->Import(*req, actor);
  });
}

grpc::ServerUnaryReactor* AdminService::GetRecord(grpc::CallbackServerContext* ctx,
                                                  const v1::GetRecordRequest* req,
                                                  v1::GetRecordResponse* resp) {
  return Unary(ctx, resp, [&] {
    return holdings_->Get(req->code(), req->history(), Actor(ctx), req->shared());
  });
}

grpc::ServerUnaryReactor* AdminService::Search(grpc::CallbackServerContext* ctx,
                                               const v1::SearchRequest* req,
                                               v1::SearchResponse* resp) {
  return Unary(ctx, resp, [&] { return holdings_->Search(*req, Actor(ctx)); });
}

grpc::ServerUnaryReactor* AdminService::Modify(grpc::CallbackServerContext* ctx,
                                               const v1::ModifyRequest* req,
                                               v1::ChangeResponse* resp) {
  return LongUnary(calls_, ctx, resp, [h = holdings_, req, actor = Actor(ctx)] {
    return h->Modify(*req, actor);
  });
}

grpc::ServerUnaryReactor* AdminService::Withdraw(grpc::CallbackServerContext* ctx,
                                                 const v1::WithdrawRequest* req,
                                                 v1::ChangeResponse* resp) {
  return LongUnary(calls_, ctx, resp, [h = holdings_, req, actor = Actor(ctx)] {
    return h->Withdraw(*req, actor);
  });
}

grpc::ServerWriteReactor<v1::Record>* AdminService::Export(grpc::CallbackServerContext* ctx,
                                                           const v1::ExportRequest* req) {
  return new ThreadedWriteReactor<v1::Record>(streams_,
      [h = holdings_, all = req->include_withdrawn(), actor = Actor(ctx)](
          const auto& emit, const std::atomic<bool>&) { return h->Export(all, actor, emit); });
}

grpc::ServerWriteReactor<v1::ReindexProgress>* AdminService::Reindex(
    grpc::CallbackServerContext* ctx, const v1::ReindexRequest*) {
  return new ThreadedWriteReactor<v1::ReindexProgress>(streams_,
      [h = holdings_, actor = Actor(ctx)](const auto& emit, const std::atomic<bool>& cancelled) {
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
      });
}

grpc::ServerWriteReactor<v1::IngestEvent>* AdminService::IngestScans(
    grpc::CallbackServerContext* ctx, const v1::IngestRequest* req) {
  return new ThreadedWriteReactor<v1::IngestEvent>(streams_,
      [ingest = ingest_, req = *req, actor = Actor(ctx)](const auto& emit,
                                                          const std::atomic<bool>& cancelled) {
        return ingest->Run(req, actor, [&](const v1::IngestEvent& e) { emit(e); }, &cancelled);
      });
}

grpc::ServerUnaryReactor* AdminService::ListHeld(grpc::CallbackServerContext* ctx,
                                                 const v1::ListHeldRequest*, v1::HeldList* resp) {
  return LongUnary(calls_, ctx, resp, [h = holdings_, actor = Actor(ctx)] { return h->ListHeld(actor); });
}

grpc::ServerUnaryReactor* AdminService::ReleaseHeld(grpc::CallbackServerContext* ctx,
                                                    const v1::ReleaseRequest* req,
                                                    v1::ChangeResponse* resp) {
  return LongUnary(calls_, ctx, resp, [h = holdings_, req, actor = Actor(ctx)] {
    return h->ReleaseHeld(*req, actor);
  });
}

grpc::ServerUnaryReactor* AdminService::GetPage(grpc::CallbackServerContext* ctx,
                                                const v1::PageRequest* req, v1::PageImage* resp) {
  return LongUnary(calls_, ctx, resp, [h = holdings_, req, actor = Actor(ctx)] {
    return h->GetPage(*req, actor);
  });
}

grpc::ServerUnaryReactor* AdminService::GetBatch(grpc::CallbackServerContext* ctx,
                                                 const v1::BatchRequest* req,
                                                 v1::IngestBatch* resp) {
  return LongUnary(calls_, ctx, resp, [i = ingest_, req, actor = Actor(ctx)] {
    return i->Batch(req->batch(), actor);
  });
}

grpc::ServerUnaryReactor* AdminService::AcceptBatch(grpc::CallbackServerContext* ctx,
                                                    const v1::BatchRequest* req,
                                                    v1::IngestBatch* resp) {
  return LongUnary(calls_, ctx, resp, [i = ingest_, req, actor = Actor(ctx)] {
    return i->Accept(req->batch(), req->override_reason(), actor);
  });
}

grpc::ServerUnaryReactor* AdminService::VerifyAudit(grpc::CallbackServerContext* ctx,
                                                    const v1::VerifyAuditRequest*,
                                                    v1::AuditVerifyResult* resp) {
  return LongUnary(calls_, ctx, resp, [h = holdings_, actor = Actor(ctx)] { return h->VerifyAudit(actor); });
}

}  // namespace kuaguan::node
