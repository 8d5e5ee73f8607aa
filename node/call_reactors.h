// How the local-socket services answer: authorize the command, then run the work on this
// thread (Unary), on a bounded worker pool (LongUnary, for work that may take long), or as a
// server stream fed from the pool (Stream, node/write_reactor.h). Header-only templates.
#pragma once

#include <grpcpp/grpcpp.h>

#include <atomic>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "base/grpc_status.h"
#include "base/worker_pool.h"
#include "node/authorizer.h"
#include "node/write_reactor.h"

namespace kuaguan::node {

// Finishes `ctx`'s default reactor with `result`.
template <typename Resp>
grpc::ServerUnaryReactor* Finish(grpc::CallbackServerContext* ctx, Resp* resp, absl::StatusOr<Resp> result) {
  auto* reactor = ctx->DefaultReactor();
  if (result.ok()) *resp = *std::move(result);
  reactor->Finish(base::ToGrpcStatus(result.status()));
  return reactor;
}

// Authorizes `command`, then finishes with fn(caller), which runs on this thread.
template <typename Resp, typename Fn>
grpc::ServerUnaryReactor* Unary(Authorizer* auth, absl::string_view command, grpc::CallbackServerContext* ctx,
                                Resp* resp, Fn fn) {
  absl::StatusOr<Caller> caller = auth->Authorize(*ctx, command);
  if (!caller.ok()) return Finish<Resp>(ctx, resp, caller.status());
  return Finish<Resp>(ctx, resp, fn(*caller));
}

// Like Unary, but runs `fn` on the bounded pool: for work that may take long (imports, audit
// verification) so that gRPC's callback threads stay free. RESOURCE_EXHAUSTED when it is full.
template <typename Resp, typename Fn>
grpc::ServerUnaryReactor* LongUnary(Authorizer* auth, absl::string_view command, base::WorkerPool* pool,
                                    grpc::CallbackServerContext* ctx, Resp* resp, Fn fn) {
  absl::StatusOr<Caller> caller = auth->Authorize(*ctx, command);
  if (!caller.ok()) return Finish<Resp>(ctx, resp, caller.status());
  auto* reactor = ctx->DefaultReactor();
  absl::Status queued = pool->Submit([reactor, resp, fn = std::move(fn), who = *std::move(caller)]() mutable {
    absl::StatusOr<Resp> result = fn(who);
    if (result.ok()) *resp = *std::move(result);
    reactor->Finish(base::ToGrpcStatus(result.status()));
  });
  if (!queued.ok()) reactor->Finish(base::ToGrpcStatus(queued));
  return reactor;
}

// A server stream on `pool` once `command` is authorized; `make` turns the caller into the
// stream's producer.
template <typename Msg, typename Make>
grpc::ServerWriteReactor<Msg>* Stream(Authorizer* auth, absl::string_view command, base::WorkerPool* pool,
                                      grpc::CallbackServerContext* ctx, Make make) {
  absl::StatusOr<Caller> caller = auth->Authorize(*ctx, command);
  if (!caller.ok()) {
    return new ThreadedWriteReactor<Msg>(
        pool, [st = caller.status()](const auto&, const std::atomic<bool>&) { return st; });
  }
  return new ThreadedWriteReactor<Msg>(pool, make(*caller));
}

}  // namespace kuaguan::node
