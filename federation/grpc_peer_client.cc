#include "federation/grpc_peer_client.h"

#include "absl/strings/str_cat.h"
#include "base/grpc_status.h"
#include "base/status_macros.h"

namespace kuaguan::federation {
namespace v1 = kuaguan::v1;

template <typename Req, typename Resp, typename Method>
absl::StatusOr<Resp> GrpcPeerClient::Call(const std::string& archive, const Req& request,
                                          absl::Duration timeout, Method method) {
  ASSIGN_OR_RETURN(auto stub, link_->PeerStub(archive));
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  Resp response;
  RETURN_IF_ERROR(base::FromGrpcStatus(((*stub).*method)(&ctx, request, &response)));
  return response;
}

absl::StatusOr<v1::PingResponse> GrpcPeerClient::Ping(const std::string& archive,
                                                      const v1::PingRequest& request,
                                                      absl::Duration timeout) {
  return Call<v1::PingRequest, v1::PingResponse>(archive, request, timeout, &v1::Peer::Stub::Ping);
}

absl::StatusOr<v1::PeerSearchResponse> GrpcPeerClient::Search(const std::string& archive,
                                                              const v1::PeerSearchRequest& request,
                                                              absl::Duration timeout) {
  return Call<v1::PeerSearchRequest, v1::PeerSearchResponse>(archive, request, timeout,
                                                             &v1::Peer::Stub::Search);
}

absl::StatusOr<v1::SubmitResponse> GrpcPeerClient::Submit(const std::string& archive,
                                                          const v1::RemoteRequest& request) {
  return Call<v1::RemoteRequest, v1::SubmitResponse>(archive, request, absl::Seconds(20),
                                                     &v1::Peer::Stub::SubmitRequest);
}

absl::StatusOr<v1::UpdateAck> GrpcPeerClient::Update(const std::string& archive,
                                                     const v1::RequestUpdate& update) {
  return Call<v1::RequestUpdate, v1::UpdateAck>(archive, update, absl::Seconds(20),
                                                &v1::Peer::Stub::UpdateRequest);
}

absl::StatusOr<v1::CertificateStatus> GrpcPeerClient::CheckCertificate(
    const std::string& archive, const v1::CertificateQuery& query) {
  return Call<v1::CertificateQuery, v1::CertificateStatus>(archive, query, absl::Seconds(5),
                                                           &v1::Peer::Stub::CheckCertificate);
}

}  // namespace kuaguan::federation
