#include "node/desk_service.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "base/grpc_status.h"

namespace kuaguan::node {

grpc::Status DeskService::WhoAmI(grpc::ServerContext* ctx, const kuaguan::v1::WhoAmIRequest*,
                                 kuaguan::v1::WhoAmIResponse* resp) {
  auto staff = link_->CheckStaff(*ctx, "desk.whoami");
  if (!staff.ok()) return base::ToGrpcStatus(staff.status());
  (void)store_->Audit({absl::StrCat("staff:", staff->role, ":", staff->name), "desk.whoami", "", "ok"});
  resp->set_archive(archive_);
  resp->set_archive_name(name_);
  resp->set_name(staff->name);
  resp->set_role(staff->role);
  resp->set_certificate_serial(staff->cert.serial_hex);
  resp->set_certificate_not_after_micros(
      std::chrono::duration_cast<std::chrono::microseconds>(staff->cert.not_after.time_since_epoch()).count());
  resp->set_node_time_micros(clock_->NowMicros());
  return grpc::Status::OK;
}

grpc::Status DeskService::FileRequest(grpc::ServerContext* ctx, const kuaguan::v1::FileRequestRequest* req,
                                      kuaguan::v1::StoredRequest* resp) {
  auto staff = link_->CheckStaff(*ctx, "desk.request");
  if (!staff.ok()) return base::ToGrpcStatus(staff.status());
  auto filed = requests_->front_desk()->File(*req, *staff);
  if (!filed.ok()) {
    (void)store_->Audit({absl::StrCat("staff:", staff->role, ":", staff->name), "desk.request", req->target(),
                         absl::StrCat("refused: ", filed.status().message())});
  }
  return base::Reply(std::move(filed), resp);
}

grpc::Status DeskService::ListRequests(grpc::ServerContext* ctx, const kuaguan::v1::ListRequestsRequest* req,
                                       kuaguan::v1::RequestList* resp) {
  auto staff = link_->CheckStaff(*ctx, "desk.list");
  if (!staff.ok()) return base::ToGrpcStatus(staff.status());
  return base::Reply(requests_->book()->List(*req), resp);
}

grpc::Status DeskService::GetRequest(grpc::ServerContext* ctx, const kuaguan::v1::RequestRef* req,
                                     kuaguan::v1::StoredRequest* resp) {
  auto staff = link_->CheckStaff(*ctx, "desk.status");
  if (!staff.ok()) return base::ToGrpcStatus(staff.status());
  return base::Reply(requests_->book()->Get(req->request_id()), resp);
}

grpc::Status DeskService::FetchCertificate(grpc::ServerContext* ctx, const kuaguan::v1::RequestRef* req,
                                           kuaguan::v1::CertificateFile* resp) {
  auto staff = link_->CheckStaff(*ctx, "desk.fetch");
  if (!staff.ok()) return base::ToGrpcStatus(staff.status());
  return base::Reply(requests_->front_desk()->Fetch(req->request_id(), absl::StrCat("staff:", staff->role, ":", staff->name)), resp);
}

grpc::Status DeskService::GetReceipt(grpc::ServerContext* ctx, const kuaguan::v1::RequestRef* req,
                                     kuaguan::v1::Receipt* resp) {
  auto staff = link_->CheckStaff(*ctx, "desk.receipt");
  if (!staff.ok()) return base::ToGrpcStatus(staff.status());
  auto text = requests_->front_desk()->Receipt(req->request_id());
  if (!text.ok()) return base::ToGrpcStatus(text.status());
  resp->set_text(*text);
  return grpc::Status::OK;
}

}  // namespace kuaguan::node
