#include "node/requests_service.h"

#include "node/admin_service.h"
#include "base/grpc_status.h"

namespace kuaguan::node {
namespace v1 = kuaguan::v1;

namespace {

const grpc::Status kNotArchive(grpc::StatusCode::FAILED_PRECONDITION,
                               "remote requests are served by archive nodes, not the provincial node");

}  // namespace

grpc::Status RequestsService::List(grpc::ServerContext*, const v1::ListRequestsRequest* req, v1::RequestList* resp) {
  if (requests_ == nullptr) return kNotArchive;
  return base::Reply(requests_->book()->List(*req), resp);
}

grpc::Status RequestsService::Show(grpc::ServerContext* ctx, const v1::RequestRef* req, v1::RequestDetail* resp) {
  if (requests_ == nullptr) return kNotArchive;
  return base::Reply(requests_->back_office()->Show(req->request_id(), ActorOf(*ctx)), resp);
}

grpc::Status RequestsService::Issue(grpc::ServerContext* ctx, const v1::IssueCommand* req, v1::StoredRequest* resp) {
  if (requests_ == nullptr) return kNotArchive;
  return base::Reply(requests_->back_office()->Issue(*req, ActorOf(*ctx)), resp);
}

grpc::Status RequestsService::Decide(grpc::ServerContext* ctx, const v1::DecisionCommand* req, v1::StoredRequest* resp) {
  if (requests_ == nullptr) return kNotArchive;
  return base::Reply(requests_->back_office()->Decide(*req, ActorOf(*ctx)), resp);
}

grpc::Status RequestsService::Overdue(grpc::ServerContext*, const v1::OverdueRequest* req, v1::RequestList* resp) {
  if (requests_ == nullptr) return kNotArchive;
  return base::Reply(requests_->book()->Overdue(req->as_of()), resp);
}

grpc::Status RequestsService::Stats(grpc::ServerContext*, const v1::RequestStatsRequest*, v1::RequestStats* resp) {
  if (requests_ == nullptr) return kNotArchive;
  return base::Reply(requests_->book()->Stats(), resp);
}

grpc::Status RequestsService::Verify(grpc::ServerContext* ctx, const v1::VerifyCommand* req, v1::VerifyResult* resp) {
  if (requests_ == nullptr) return kNotArchive;
  return base::Reply(requests_->verifier()->Verify(req->pdf(), req->online(), ActorOf(*ctx)), resp);
}

grpc::Status RequestsService::Trust(grpc::ServerContext*, const v1::RequestStatsRequest*, v1::TrustBundle* resp) {
  if (requests_ == nullptr) return kNotArchive;
  return base::Reply(requests_->verifier()->Trust(), resp);
}

grpc::Status RequestsService::RevokeCertificate(grpc::ServerContext* ctx, const v1::RevokeCertificateCommand* req,
                                                v1::IssuedCertificate* resp) {
  if (requests_ == nullptr) return kNotArchive;
  return base::Reply(requests_->back_office()->RevokeCertificate(req->serial(), req->reason(), ActorOf(*ctx)), resp);
}

}  // namespace kuaguan::node
