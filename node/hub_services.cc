#include "node/hub_services.h"

#include "absl/strings/str_cat.h"
#include "base/archive_id.h"
#include "base/grpc_status.h"
#include "base/printable.h"
#include "seal/tls.h"

namespace kuaguan::node {
namespace v1 = kuaguan::v1;

namespace {

grpc::Status NotHere(const char* what) {
  return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                      absl::StrCat(what, " is the provincial node's (the audit hub): run it there"));
}

}  // namespace

v1::FederationView FederationViewOf(const HubParts& hub, const std::string& archive) {
  return hub.board->View(hub.provincial->Directory(), hub.audit->Holdings(), hub.audit->Alarms(), hub.log->size(),
                         archive);
}

absl::Status HubService::Member(grpc::ServerContext* ctx, const std::string& from) {
  return hub_.provincial->CheckMember(from, seal::PeerCertPem(*ctx));
}

grpc::Status HubService::ShipAudit(grpc::ServerContext* ctx, const v1::AuditShipment* req, v1::AuditShipAck* resp) {
  if (absl::Status st = Member(ctx, req->from()); !st.ok()) return base::ToGrpcStatus(st);
  return base::Reply(hub_.audit->Ship(*req), resp);
}

grpc::Status HubService::AuditCursor(grpc::ServerContext* ctx, const v1::AuditCursorRequest* req, v1::AuditShipAck* resp) {
  if (absl::Status st = Member(ctx, req->from()); !st.ok()) return base::ToGrpcStatus(st);
  *resp = hub_.audit->Cursor(req->from());
  return grpc::Status::OK;
}

grpc::Status HubService::SubmitLog(grpc::ServerContext* ctx, const v1::LogSubmission* req, v1::LogSubmitted* resp) {
  if (absl::Status st = Member(ctx, req->from()); !st.ok()) return base::ToGrpcStatus(st);
  return base::Reply(hub_.log->Submit(*req), resp);
}

grpc::Status HubService::GetCheckpoint(grpc::ServerContext* ctx, const v1::CheckpointRequest* req, v1::LogCheckpoint* resp) {
  if (absl::Status st = Member(ctx, req->from()); !st.ok()) return base::ToGrpcStatus(st);
  return base::Reply(hub_.log->Checkpoint(), resp);
}

grpc::Status HubService::GetInclusion(grpc::ServerContext* ctx, const v1::InclusionRequest* req, v1::InclusionProof* resp) {
  if (absl::Status st = Member(ctx, req->from()); !st.ok()) return base::ToGrpcStatus(st);
  return base::Reply(hub_.log->Inclusion(req->serial(), req->tree_size()), resp);
}

grpc::Status HubService::GetConsistency(grpc::ServerContext* ctx, const v1::ConsistencyRequest* req,
                                        v1::ConsistencyProof* resp) {
  if (absl::Status st = Member(ctx, req->from()); !st.ok()) return base::ToGrpcStatus(st);
  return base::Reply(hub_.log->Consistency(req->old_size(), req->new_size()), resp);
}

grpc::Status HubService::Cosign(grpc::ServerContext* ctx, const v1::Cosignature* req, v1::HubAck*) {
  if (absl::Status st = Member(ctx, req->from()); !st.ok()) return base::ToGrpcStatus(st);
  return base::ToGrpcStatus(hub_.log->Cosign(*req, seal::PeerCertPem(*ctx)));
}

grpc::Status HubService::RaiseLogAlarm(grpc::ServerContext* ctx, const v1::LogAlarm* req, v1::HubAck*) {
  if (absl::Status st = Member(ctx, req->from()); !st.ok()) return base::ToGrpcStatus(st);
  return base::ToGrpcStatus(hub_.audit->RaiseAlarm(
      req->from(), "log-inconsistency",
      absl::StrCat("witness ", req->from(), ": ", base::Printable(req->reason(), 500))));
}

grpc::Status HubService::ReportHealth(grpc::ServerContext* ctx, const v1::HealthReport* req, v1::HubAck*) {
  if (absl::Status st = Member(ctx, req->from()); !st.ok()) return base::ToGrpcStatus(st);
  return base::ToGrpcStatus(hub_.board->Report(*req));
}

grpc::Status HubAdminService::QueryAudit(grpc::ServerContext* ctx, const v1::HubAuditQuery* req, v1::HubAuditList* resp) {
  auto caller = auth_->Authorize(*ctx, "hub audit");
  if (!caller.ok()) return base::ToGrpcStatus(caller.status());
  if (hub_.audit == nullptr) return NotHere("hub audit");
  auto found = hub_.audit->Query(*req);
  const std::string what = absl::StrCat("archive=", base::Printable(req->archive(), 20), " person=",
                                        base::Printable(req->person(), 64), " action=", base::Printable(req->action(), 64),
                                        " object=", base::Printable(req->object(), 120), " from=",
                                        base::Printable(req->from_date(), 12), " to=", base::Printable(req->to_date(), 12));
  (void)store_->Audit({caller->Audit(), "hub.audit.query", what,
                       found.ok() ? absl::StrCat("ok: ", found->matched(), " matched") : std::string(found.status().message())});
  return base::Reply(std::move(found), resp);
}

grpc::Status HubAdminService::FederationStatus(grpc::ServerContext* ctx, const v1::FederationStatusRequest* req,
                                               v1::FederationView* resp) {
  auto caller = auth_->Authorize(*ctx, "federation status");
  if (!caller.ok()) return base::ToGrpcStatus(caller.status());
  if (hub_.board == nullptr) return NotHere("federation status");
  if (!req->archive().empty() && !base::ParseArchiveId(req->archive()).ok()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "--archive takes a six-digit archive code");
  }
  *resp = FederationViewOf(hub_, req->archive());
  return grpc::Status::OK;
}

grpc::Status HubAdminService::GetLogCheckpoint(grpc::ServerContext* ctx, const v1::LogQuery*, v1::LogCheckpoint* resp) {
  auto caller = auth_->Authorize(*ctx, "log checkpoint");
  if (!caller.ok()) return base::ToGrpcStatus(caller.status());
  if (hub_.log != nullptr) return base::Reply(hub_.log->Checkpoint(), resp);
  if (link_ == nullptr) return NotHere("log checkpoint");
  return base::Reply(link_->Checkpoint(), resp);
}

grpc::Status HubAdminService::GetLogProof(grpc::ServerContext* ctx, const v1::LogQuery* req, v1::InclusionProof* resp) {
  auto caller = auth_->Authorize(*ctx, "log proof");
  if (!caller.ok()) return base::ToGrpcStatus(caller.status());
  if (req->serial().empty()) return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "name the certificate's serial");
  if (hub_.log != nullptr) return base::Reply(hub_.log->Inclusion(req->serial(), 0), resp);
  if (link_ == nullptr) return NotHere("log proof");
  return base::Reply(link_->Proof(req->serial()), resp);
}

grpc::Status HubAdminService::GetLogConsistency(grpc::ServerContext* ctx, const v1::LogQuery* req,
                                                v1::ConsistencyProof* resp) {
  auto caller = auth_->Authorize(*ctx, "log consistency");
  if (!caller.ok()) return base::ToGrpcStatus(caller.status());
  if (hub_.log != nullptr) return base::Reply(hub_.log->Consistency(req->old_size(), req->new_size()), resp);
  if (link_ == nullptr) return NotHere("log consistency");
  return base::Reply(link_->Consistency(req->old_size(), req->new_size()), resp);
}

grpc::Status HubAdminService::WebLogin(grpc::ServerContext* ctx, const v1::WebLoginRequest*, v1::WebLoginLink* resp) {
  auto caller = auth_->Authorize(*ctx, "hub login");
  if (!caller.ok()) return base::ToGrpcStatus(caller.status());
  if (hub_.board == nullptr) return NotHere("hub login");
  if (!web_login_) {
    return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                        "this node serves no web page: set web_listen in its config and restart it");
  }
  auto url = web_login_(caller->Audit(), caller->actor.role);
  if (!url.ok()) return base::ToGrpcStatus(url.status());
  resp->set_url(*url);
  return grpc::Status::OK;
}

grpc::Status HubAdminService::ResolveAlarm(grpc::ServerContext* ctx, const v1::ResolveAlarmRequest* req,
                                           v1::Alarm* resp) {
  auto caller = auth_->Authorize(*ctx, "hub resolve");
  if (!caller.ok()) return base::ToGrpcStatus(caller.status());
  if (hub_.audit == nullptr) return NotHere("hub resolve");
  return base::Reply(hub_.audit->Resolve(req->id(), req->reason(), caller->Audit()), resp);
}

}  // namespace kuaguan::node
