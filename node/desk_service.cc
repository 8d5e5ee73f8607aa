#include "node/desk_service.h"

#include "absl/strings/str_cat.h"
#include "base/grpc_status.h"
#include "base/status_macros.h"

namespace kuaguan::node {
namespace v1 = kuaguan::v1;

absl::StatusOr<v1::StoredRequest> DeskService::FrontCopy(const std::string& request_id) {
  ASSIGN_OR_RETURN(v1::StoredRequest r, requests_->book()->Get(request_id));
  if (r.back_office()) {
    return absl::NotFoundError(absl::StrCat("request ", request_id, " is not one this front desk filed"));
  }
  return r;
}

grpc::Status DeskService::WhoAmI(grpc::ServerContext* ctx, const v1::WhoAmIRequest*, v1::WhoAmIResponse* resp) {
  auto caller = auth_->Authorize(*ctx, "desk whoami");
  if (!caller.ok()) return base::ToGrpcStatus(caller.status());
  (void)store_->Audit({caller->Audit(), "desk.whoami", "", "ok"});
  const seal::StaffInfo& staff = *caller->certificate;
  resp->set_archive(archive_);
  resp->set_archive_name(name_);
  resp->set_name(caller->actor.person);
  resp->set_role(caller->actor.role);
  resp->set_certificate_serial(staff.cert.serial_hex);
  resp->set_certificate_not_after_micros(
      std::chrono::duration_cast<std::chrono::microseconds>(staff.cert.not_after.time_since_epoch()).count());
  resp->set_node_time_micros(clock_->NowMicros());
  return grpc::Status::OK;
}

grpc::Status DeskService::FileRequest(grpc::ServerContext* ctx, const v1::FileRequestRequest* req,
                                      v1::StoredRequest* resp) {
  auto caller = auth_->Authorize(*ctx, "desk request");
  if (!caller.ok()) return base::ToGrpcStatus(caller.status());
  auto filed = requests_->front_desk()->File(*req, *caller->certificate);
  if (!filed.ok()) {
    (void)store_->Audit({caller->Audit(), "desk.request", req->target(),
                         absl::StrCat("refused: ", filed.status().message())});
  }
  return base::Reply(std::move(filed), resp);
}

grpc::Status DeskService::ListRequests(grpc::ServerContext* ctx, const v1::ListRequestsRequest* req,
                                       v1::RequestList* resp) {
  auto caller = auth_->Authorize(*ctx, "desk list");
  if (!caller.ok()) return base::ToGrpcStatus(caller.status());
  v1::ListRequestsRequest front = *req;
  front.set_side("front");
  auto list = requests_->book()->List(front);
  (void)store_->Audit({caller->Audit(), "desk.list", "front",
                       list.ok() ? absl::StrCat("ok: ", list->requests_size(), " requests")
                                 : std::string(list.status().message())});
  return base::Reply(std::move(list), resp);
}

grpc::Status DeskService::GetRequest(grpc::ServerContext* ctx, const v1::RequestRef* req, v1::StoredRequest* resp) {
  auto caller = auth_->Authorize(*ctx, "desk status");
  if (!caller.ok()) return base::ToGrpcStatus(caller.status());
  auto r = FrontCopy(req->request_id());
  (void)store_->Audit({caller->Audit(), "desk.status", req->request_id(),
                       r.ok() ? "ok" : absl::StrCat("refused: ", r.status().message())});
  return base::Reply(std::move(r), resp);
}

grpc::Status DeskService::FetchCertificate(grpc::ServerContext* ctx, const v1::RequestRef* req,
                                           v1::CertificateFile* resp) {
  auto caller = auth_->Authorize(*ctx, "desk fetch");
  if (!caller.ok()) return base::ToGrpcStatus(caller.status());
  if (auto r = FrontCopy(req->request_id()); !r.ok()) {
    (void)store_->Audit({caller->Audit(), "desk.fetch", req->request_id(), absl::StrCat("refused: ", r.status().message())});
    return base::ToGrpcStatus(r.status());
  }
  return base::Reply(requests_->front_desk()->Fetch(req->request_id(), caller->Audit()), resp);
}

grpc::Status DeskService::GetReceipt(grpc::ServerContext* ctx, const v1::RequestRef* req, v1::Receipt* resp) {
  auto caller = auth_->Authorize(*ctx, "desk receipt");
  if (!caller.ok()) return base::ToGrpcStatus(caller.status());
  auto front = FrontCopy(req->request_id());
  absl::StatusOr<std::string> text =
      front.ok() ? requests_->front_desk()->Receipt(req->request_id()) : absl::StatusOr<std::string>(front.status());
  (void)store_->Audit({caller->Audit(), "desk.receipt", req->request_id(),
                       text.ok() ? "ok" : absl::StrCat("refused: ", text.status().message())});
  if (!text.ok()) return base::ToGrpcStatus(text.status());
  resp->set_text(*text);
  return grpc::Status::OK;
}

}  // namespace kuaguan::node
