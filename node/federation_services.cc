#include "node/federation_services.h"

#include <chrono>

#include "absl/strings/str_cat.h"
#include "base/actor.h"
#include "seal/certs.h"
#include "seal/tls.h"
#include "base/grpc_status.h"
#include "node/metrics.h"

namespace kuaguan::node {
namespace v1 = kuaguan::v1;

namespace {

grpc::Status NotRole(const char* role) {
  return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, absl::StrCat("only a ", role, " node does this"));
}

}  // namespace

grpc::Status FederationService::Enroll(grpc::ServerContext* ctx, const v1::EnrollRequest* req, v1::EnrollResponse* resp) {
  return base::Reply(provincial_->Enroll(*req, ctx->peer()), resp);
}

grpc::Status FederationService::GetDirectory(grpc::ServerContext* ctx, const v1::DirectoryRequest*,
                                             v1::SignedDirectory* resp) {
  const std::string pem = seal::PeerCertPem(*ctx);
  auto checked = pem.empty() ? absl::StatusOr<seal::CertInfo>(absl::UnauthenticatedError("no client certificate"))
                             : seal::CheckTlsCert(pem, provincial_->issuing_pem(),
                                                        provincial_->identity().root_pem, clock_->NowChrono());
  if (!checked.ok()) return base::ToGrpcStatus(absl::PermissionDeniedError(checked.status().message()));
  return base::Reply(provincial_->Current(), resp);
}

grpc::Status FederationService::IssueStaffCert(grpc::ServerContext* ctx, const v1::StaffCertRequest* req,
                                               v1::StaffCertResponse* resp) {
  return base::Reply(provincial_->IssueStaffCert(*req, seal::PeerCertPem(*ctx)), resp);
}

grpc::Status FederationAdminService::AddStaff(grpc::ServerContext* ctx, const v1::StaffAddRequest* req,
                                              v1::StaffAddResult* resp) {
  auto caller = auth_->Authorize(*ctx, "staff add");
  if (!caller.ok()) return base::ToGrpcStatus(caller.status());
  if (link_ == nullptr) return NotRole("archive");
  if (absl::Status st = base::CheckPersonName(req->name()); !st.ok()) return base::ToGrpcStatus(st);
  auto address = enroll_address_();
  if (!address.ok()) return base::ToGrpcStatus(address.status());
  auto added = link_->AddStaff(*req, *address, caller->Audit());
  if (added.ok()) {
    if (absl::Status st = people_->RegisterCertificate(added->serial(), added->name(), added->role(), *caller);
        !st.ok()) {
      return base::ToGrpcStatus(st);
    }
  }
  return base::Reply(std::move(added), resp);
}

grpc::Status FederationAdminService::CreateToken(grpc::ServerContext* ctx, const v1::TokenRequest* req,
                                                 v1::TokenResponse* resp) {
  auto caller = auth_->Authorize(*ctx, "ca token");
  if (!caller.ok()) return base::ToGrpcStatus(caller.status());
  if (provincial_ == nullptr) return NotRole("provincial");
  return base::Reply(provincial_->CreateToken(*req, caller->Audit()), resp);
}

grpc::Status FederationAdminService::Revoke(grpc::ServerContext* ctx, const v1::RevokeRequest* req,
                                            v1::DirectoryInfo* resp) {
  auto caller = auth_->Authorize(*ctx, "ca revoke");
  if (!caller.ok()) return base::ToGrpcStatus(caller.status());
  if (provincial_ == nullptr) return NotRole("provincial");
  return base::Reply(provincial_->Revoke(*req, caller->Audit()), resp);
}

grpc::Status FederationAdminService::RollSigner(grpc::ServerContext* ctx, const v1::RollSignerRequest*,
                                                v1::DirectoryInfo* resp) {
  auto caller = auth_->Authorize(*ctx, "ca roll-signer");
  if (!caller.ok()) return base::ToGrpcStatus(caller.status());
  if (provincial_ == nullptr) return NotRole("provincial");
  return base::Reply(provincial_->RollSigner(caller->Audit()), resp);
}

grpc::Status FederationAdminService::Enroll(grpc::ServerContext* ctx, const v1::EnrollCommand* req,
                                            v1::EnrollResult* resp) {
  auto caller = auth_->Authorize(*ctx, "enroll");
  if (!caller.ok()) return base::ToGrpcStatus(caller.status());
  if (link_ == nullptr) return NotRole("archive");
  auto address = enroll_address_();
  if (!address.ok()) return base::ToGrpcStatus(address.status());
  auto result = link_->Enroll(*req, *address, caller->Audit());
  if (result.ok()) {
    if (absl::Status st = enrolled_(); !st.ok()) return base::ToGrpcStatus(st);
  }
  return base::Reply(std::move(result), resp);
}

grpc::Status FederationAdminService::RefreshDirectory(grpc::ServerContext* ctx, const v1::RefreshRequest*,
                                                      v1::DirectoryInfo* resp) {
  auto caller = auth_->Authorize(*ctx, "directory refresh");
  if (!caller.ok()) return base::ToGrpcStatus(caller.status());
  if (link_ == nullptr) return NotRole("archive");
  return base::Reply(link_->Refresh(caller->Audit()), resp);
}

grpc::Status FederationAdminService::ListPeers(grpc::ServerContext* ctx, const v1::PeersRequest* req, v1::PeerList* resp) {
  auto caller = auth_->Authorize(*ctx, "peers");
  if (!caller.ok()) return base::ToGrpcStatus(caller.status());
  if (link_ == nullptr) return NotRole("archive");
  return base::Reply(search_->Peers(*req), resp);
}

grpc::Status FederationAdminService::ExportCerts(grpc::ServerContext* ctx, const v1::CertExportRequest*, v1::CertBundle* resp) {
  auto caller = auth_->Authorize(*ctx, "cert export");
  if (!caller.ok()) return base::ToGrpcStatus(caller.status());
  if (link_ == nullptr) return NotRole("archive");
  return base::Reply(link_->ExportCerts(), resp);
}

grpc::Status FederationAdminService::FederatedSearch(grpc::ServerContext* ctx, const v1::SearchRequest* req,
                                                     v1::SearchResponse* resp) {
  auto caller = auth_->Authorize(*ctx, "search --federated");
  if (!caller.ok()) return base::ToGrpcStatus(caller.status());
  if (link_ == nullptr) return NotRole("archive");
  const auto start = std::chrono::steady_clock::now();
  absl::StatusOr<v1::SearchResponse> result = search_->Search(*req, caller->Audit());
  if (Metrics* m = metrics_.load(std::memory_order_acquire); m != nullptr) {
    m->ObserveSearch(true, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  return base::Reply(std::move(result), resp);
}

}  // namespace kuaguan::node
