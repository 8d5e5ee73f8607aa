#include "node/lookup_services.h"

#include "base/grpc_status.h"

namespace kuaguan::node {
namespace v1 = kuaguan::v1;

grpc::Status DeskLookupService::Lookup(grpc::ServerContext* ctx, const v1::DeskLookupRequest* req,
                                       v1::DeskLookupResponse* resp) {
  auto caller = auth_->Authorize(*ctx, "desk lookup");
  if (!caller.ok()) return base::ToGrpcStatus(caller.status());
  if (!caller->certificate) {
    return base::ToGrpcStatus(absl::PermissionDeniedError("a lookup by identity needs the clerk's staff certificate"));
  }
  return base::Reply(lookup_->Lookup(*req, *caller->certificate), resp);
}

grpc::Status PersonLookupService::Lookup(grpc::ServerContext* ctx, const v1::PersonLookupRequest* req,
                                         v1::PersonLookupResponse* resp) {
  if (absl::Status st = link_->CheckInbound(*ctx, req->from(), "peer.lookup"); !st.ok()) return base::ToGrpcStatus(st);
  return base::Reply(responder_->Answer(*req), resp);
}

}  // namespace kuaguan::node
