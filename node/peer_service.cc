#include "node/peer_service.h"

#include "base/grpc_status.h"

namespace kuaguan::node {
namespace v1 = kuaguan::v1;

grpc::Status PeerService::Ping(grpc::ServerContext* ctx, const v1::PingRequest* req, v1::PingResponse* resp) {
  if (absl::Status st = link_->CheckInbound(*ctx, req->from(), "peer.ping"); !st.ok()) return base::ToGrpcStatus(st);
  resp->set_code(code_);
  resp->set_time_micros(clock_->NowMicros());
  resp->set_directory_version(link_->Info().version());
  return grpc::Status::OK;
}

grpc::Status PeerService::DirectoryChanged(grpc::ServerContext* ctx, const v1::DirectoryChangedRequest* req,
                                           v1::DirectoryChangedResponse* resp) {
  if (absl::Status st = link_->CheckInbound(*ctx, req->from(), "peer.directory-changed"); !st.ok()) {
    return base::ToGrpcStatus(st);
  }
  link_->Wake(req->version());
  resp->set_have_version(link_->Info().version());
  return grpc::Status::OK;
}

grpc::Status PeerService::Search(grpc::ServerContext* ctx, const v1::PeerSearchRequest* req,
                                 v1::PeerSearchResponse* resp) {
  if (absl::Status st = link_->CheckInbound(*ctx, req->from(), "peer.search"); !st.ok()) return base::ToGrpcStatus(st);
  auto found = holdings_->PeerSearch(req->query(), req->limit(), req->from());
  if (!found.ok()) return base::ToGrpcStatus(found.status());
  resp->set_code(code_);
  resp->set_total(found->total());
  resp->set_elapsed_ms(found->elapsed_ms());
  *resp->mutable_hits() = std::move(*found->mutable_hits());
  return grpc::Status::OK;
}

grpc::Status PeerService::SubmitRequest(grpc::ServerContext* ctx, const v1::RemoteRequest* req,
                                        v1::SubmitResponse* resp) {
  if (absl::Status st = link_->CheckInbound(*ctx, req->from_archive(), "peer.submit"); !st.ok()) return base::ToGrpcStatus(st);
  return base::Reply(requests_->back_office()->Receive(*req, req->from_archive()), resp);
}

grpc::Status PeerService::UpdateRequest(grpc::ServerContext* ctx, const v1::RequestUpdate* req, v1::UpdateAck* resp) {
  if (absl::Status st = link_->CheckInbound(*ctx, req->from(), "peer.update"); !st.ok()) return base::ToGrpcStatus(st);
  return base::Reply(requests_->ApplyUpdate(*req, req->from()), resp);
}

grpc::Status PeerService::CheckCertificate(grpc::ServerContext* ctx, const v1::CertificateQuery* req,
                                           v1::CertificateStatus* resp) {
  if (absl::Status st = link_->CheckInbound(*ctx, req->from(), "peer.certificate"); !st.ok()) return base::ToGrpcStatus(st);
  return base::Reply(requests_->back_office()->CertificateState(*req), resp);
}

}  // namespace kuaguan::node
