#include "federation/grpc_lookup_client.h"

#include "base/grpc_status.h"
#include "base/status_macros.h"
#include "kuaguan/v1/lookup.grpc.pb.h"

namespace kuaguan::federation {
namespace v1 = kuaguan::v1;

absl::StatusOr<v1::PersonLookupResponse> GrpcLookupClient::Lookup(const std::string& archive,
                                                                  const v1::PersonLookupRequest& request,
                                                                  absl::Duration timeout) {
  ASSIGN_OR_RETURN(auto channel, link_->PeerChannel(archive));
  auto stub = v1::PersonLookup::NewStub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  v1::PersonLookupResponse response;
  RETURN_IF_ERROR(base::FromGrpcStatus(stub->Lookup(&ctx, request, &response)));
  return response;
}

}  // namespace kuaguan::federation
