// The gRPC faces of the audit hub. HubService (provincial node, mutual-TLS listener): what
// members send and ask — every call checked against the directory (the caller's certificate must
// be the one registered for the archive it names). HubAdminService (local socket): the
// provincial auditor's and monitor's queries, and `kuaguan log ...` on any node (a member asks
// its hub). Thin: they check who is calling and translate statuses.
// Thread-safe: stateless beyond the objects they are given.
#pragma once

#include <functional>
#include <string>

#include "federation/audit_hub.h"
#include "federation/health_board.h"
#include "federation/hub_link.h"
#include "federation/provincial.h"
#include "federation/transparency_log.h"
#include "kuaguan/v1/hub.grpc.pb.h"
#include "node/authorizer.h"
#include "node/store.h"

namespace kuaguan::node {

// The provincial node's hub: its three parts (all outlive the services).
struct HubParts {
  federation::Provincial* provincial = nullptr;
  federation::AuditHub* audit = nullptr;
  federation::TransparencyLog* log = nullptr;
  federation::HealthBoard* board = nullptr;
};

class HubService final : public kuaguan::v1::Hub::Service {
 public:
  explicit HubService(HubParts hub) : hub_(hub) {}
  grpc::Status ShipAudit(grpc::ServerContext* ctx, const kuaguan::v1::AuditShipment* req,
                         kuaguan::v1::AuditShipAck* resp) override;
  grpc::Status AuditCursor(grpc::ServerContext* ctx, const kuaguan::v1::AuditCursorRequest* req,
                           kuaguan::v1::AuditShipAck* resp) override;
  grpc::Status SubmitLog(grpc::ServerContext* ctx, const kuaguan::v1::LogSubmission* req,
                         kuaguan::v1::LogSubmitted* resp) override;
  grpc::Status GetCheckpoint(grpc::ServerContext* ctx, const kuaguan::v1::CheckpointRequest* req,
                             kuaguan::v1::LogCheckpoint* resp) override;
  grpc::Status GetInclusion(grpc::ServerContext* ctx, const kuaguan::v1::InclusionRequest* req,
                            kuaguan::v1::InclusionProof* resp) override;
  grpc::Status GetConsistency(grpc::ServerContext* ctx, const kuaguan::v1::ConsistencyRequest* req,
                              kuaguan::v1::ConsistencyProof* resp) override;
  grpc::Status Cosign(grpc::ServerContext* ctx, const kuaguan::v1::Cosignature* req,
                      kuaguan::v1::HubAck* resp) override;
  grpc::Status RaiseLogAlarm(grpc::ServerContext* ctx, const kuaguan::v1::LogAlarm* req,
                             kuaguan::v1::HubAck* resp) override;
  grpc::Status ReportHealth(grpc::ServerContext* ctx, const kuaguan::v1::HealthReport* req,
                            kuaguan::v1::HubAck* resp) override;

 private:
  // OK when the caller's certificate is member `from`'s registered one.
  absl::Status Member(grpc::ServerContext* ctx, const std::string& from);
  const HubParts hub_;
};

class HubAdminService final : public kuaguan::v1::HubAdmin::Service {
 public:
  // A one-time login link to the web page for an authenticated person (actor, role).
  using LoginLinkFn = std::function<absl::StatusOr<std::string>(const std::string& actor, const std::string& role)>;
  // On the provincial node `hub` is set (and `web_login` when the page is served); on an archive
  // `link` is (the log queries go to its hub). All must outlive the service.
  HubAdminService(Authorizer* auth, Store* store, HubParts hub, federation::HubLink* link, LoginLinkFn web_login)
      : auth_(auth), store_(store), hub_(hub), link_(link), web_login_(std::move(web_login)) {}

  grpc::Status QueryAudit(grpc::ServerContext* ctx, const kuaguan::v1::HubAuditQuery* req,
                          kuaguan::v1::HubAuditList* resp) override;
  grpc::Status FederationStatus(grpc::ServerContext* ctx, const kuaguan::v1::FederationStatusRequest* req,
                                kuaguan::v1::FederationView* resp) override;
  grpc::Status GetLogCheckpoint(grpc::ServerContext* ctx, const kuaguan::v1::LogQuery* req,
                                kuaguan::v1::LogCheckpoint* resp) override;
  grpc::Status GetLogProof(grpc::ServerContext* ctx, const kuaguan::v1::LogQuery* req,
                           kuaguan::v1::InclusionProof* resp) override;
  grpc::Status GetLogConsistency(grpc::ServerContext* ctx, const kuaguan::v1::LogQuery* req,
                                 kuaguan::v1::ConsistencyProof* resp) override;
  grpc::Status WebLogin(grpc::ServerContext* ctx, const kuaguan::v1::WebLoginRequest* req,
                        kuaguan::v1::WebLoginLink* resp) override;
  grpc::Status ResolveAlarm(grpc::ServerContext* ctx, const kuaguan::v1::ResolveAlarmRequest* req,
                            kuaguan::v1::Alarm* resp) override;

 private:
  Authorizer* const auth_;
  Store* const store_;
  const HubParts hub_;
  federation::HubLink* const link_;
  const LoginLinkFn web_login_;
};

// The federation view from the hub's parts (the web page and `federation status` share it).
kuaguan::v1::FederationView FederationViewOf(const HubParts& hub, const std::string& archive);

}  // namespace kuaguan::node
