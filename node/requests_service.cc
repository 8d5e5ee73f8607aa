#include "node/requests_service.h"

#include "base/grpc_status.h"

namespace kuaguan::node {
namespace v1 = kuaguan::v1;

namespace {

const absl::Status kNotArchive =
    absl::FailedPreconditionError("remote requests are served by archive nodes, not the provincial node");

// The command a decision is: requests not-found, refuse or extend.
absl::string_view DecisionCommandOf(v1::RequestState state) {
  switch (state) {
    case v1::REQUEST_STATE_EXTENDED:
      return "requests extend";
    case v1::REQUEST_STATE_REFUSED:
      return "requests refuse";
    default:
      return "requests not-found";
  }
}

// Authorizes `command` and answers with fn(caller), or the refusal.
template <typename Resp, typename Fn>
grpc::Status Serve(Authorizer* auth, const federation::RemoteRequests* requests, const grpc::ServerContext& ctx,
                   absl::string_view command, Resp* resp, Fn fn) {
  absl::StatusOr<Caller> caller = auth->Authorize(ctx, command);
  if (!caller.ok()) return base::ToGrpcStatus(caller.status());
  if (requests == nullptr) return base::ToGrpcStatus(kNotArchive);
  return base::Reply(fn(*caller), resp);
}

}  // namespace

grpc::Status RequestsService::List(grpc::ServerContext* ctx, const v1::ListRequestsRequest* req, v1::RequestList* resp) {
  return Serve(auth_, requests_, *ctx, "requests list", resp, [&](const Caller&) { return requests_->book()->List(*req); });
}

grpc::Status RequestsService::Show(grpc::ServerContext* ctx, const v1::RequestRef* req, v1::RequestDetail* resp) {
  return Serve(auth_, requests_, *ctx, "requests show", resp,
           [&](const Caller& c) { return requests_->back_office()->Show(req->request_id(), c.Audit()); });
}

grpc::Status RequestsService::Issue(grpc::ServerContext* ctx, const v1::IssueCommand* req, v1::StoredRequest* resp) {
  return Serve(auth_, requests_, *ctx, "requests issue", resp, [&](const Caller& c) { return requests_->back_office()->Issue(*req, c.Audit()); });
}

grpc::Status RequestsService::Decide(grpc::ServerContext* ctx, const v1::DecisionCommand* req, v1::StoredRequest* resp) {
  return Serve(auth_, requests_, *ctx, DecisionCommandOf(req->state()), resp,
           [&](const Caller& c) { return requests_->back_office()->Decide(*req, c.Audit()); });
}

grpc::Status RequestsService::Overdue(grpc::ServerContext* ctx, const v1::OverdueRequest* req, v1::RequestList* resp) {
  return Serve(auth_, requests_, *ctx, "requests overdue", resp, [&](const Caller&) { return requests_->book()->Overdue(req->as_of()); });
}

grpc::Status RequestsService::DeadLetters(grpc::ServerContext* ctx, const v1::RequestStatsRequest*,
                                          v1::DeadLetterList* resp) {
  return Serve(auth_, requests_, *ctx, "requests dead-letter", resp,
               [&](const Caller&) { return requests_->outbox()->DeadLetters(); });
}

grpc::Status RequestsService::RetryDeadLetter(grpc::ServerContext* ctx, const v1::DeadLetterRef* req,
                                              v1::OutboxItem* resp) {
  return Serve(auth_, requests_, *ctx, "requests retry", resp,
               [&](const Caller& c) { return requests_->outbox()->Retry(req->seq(), c.Audit()); });
}

grpc::Status RequestsService::Stats(grpc::ServerContext* ctx, const v1::RequestStatsRequest*, v1::RequestStats* resp) {
  return Serve(auth_, requests_, *ctx, "stats requests", resp, [&](const Caller&) { return requests_->book()->Stats(); });
}

grpc::Status RequestsService::Verify(grpc::ServerContext* ctx, const v1::VerifyCommand* req, v1::VerifyResult* resp) {
  return Serve(auth_, requests_, *ctx, "verify", resp,
           [&](const Caller& c) { return requests_->verifier()->Verify(req->pdf(), req->online(), c.Audit()); });
}

grpc::Status RequestsService::Trust(grpc::ServerContext* ctx, const v1::RequestStatsRequest*, v1::TrustBundle* resp) {
  return Serve(auth_, requests_, *ctx, "verify", resp, [&](const Caller&) { return requests_->verifier()->Trust(); });
}

grpc::Status RequestsService::RevokeCertificate(grpc::ServerContext* ctx, const v1::RevokeCertificateCommand* req,
                                                v1::IssuedCertificate* resp) {
  return Serve(auth_, requests_, *ctx, "requests revoke-certificate", resp, [&](const Caller& c) {
    return requests_->back_office()->RevokeCertificate(req->serial(), req->reason(), c.Audit());
  });
}

grpc::Status RequestsService::Approve(grpc::ServerContext* ctx, const v1::RequestRef* req, v1::StoredRequest* resp) {
  return Serve(auth_, requests_, *ctx, "requests approve", resp,
               [&](const Caller& c) { return requests_->back_office()->Approve(req->request_id(), c.Audit()); });
}

grpc::Status RequestsService::Explain(grpc::ServerContext* ctx, const v1::ExplainRequest* req, v1::ExplainResponse* resp) {
  return Serve(auth_, requests_, *ctx, "policy explain", resp,
               [&](const Caller& c) { return requests_->back_office()->Explain(*req, c.Audit()); });
}

grpc::Status RequestsService::Authorize(grpc::ServerContext* ctx, const v1::AuthorizeCommand* req,
                                        v1::StoredRequest* resp) {
  return Serve(auth_, requests_, *ctx, "requests authorize", resp,
               [&](const Caller& c) { return requests_->back_office()->Authorize(*req, c.Audit()); });
}

grpc::Status RequestsService::DigitizeQueue(grpc::ServerContext* ctx, const v1::DigitizeQueueRequest* req,
                                            v1::DigitizeQueueList* resp) {
  return Serve(auth_, requests_, *ctx, "digitize queue", resp,
               [&](const Caller& c) { return requests_->back_office()->Queue(*req, c.Audit()); });
}

}  // namespace kuaguan::node
