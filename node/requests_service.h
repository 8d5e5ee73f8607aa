// The back office's Requests gRPC service on the node's local admin socket (kuaguan requests,
// kuaguan verify, kuaguan stats requests): thin, the caller authorized by the role table,
// everything done by RemoteRequests as that person. Thread-safe.
#pragma once

#include "kuaguan/v1/desk.grpc.pb.h"
#include "federation/remote_requests.h"
#include "node/authorizer.h"

namespace kuaguan::node {

class RequestsService final : public kuaguan::v1::Requests::Service {
 public:
  // `requests` is null on a provincial node (every call then fails with FAILED_PRECONDITION).
  RequestsService(Authorizer* auth, federation::RemoteRequests* requests) : auth_(auth), requests_(requests) {}
  grpc::Status List(grpc::ServerContext* ctx, const kuaguan::v1::ListRequestsRequest* req,
                    kuaguan::v1::RequestList* resp) override;
  grpc::Status Show(grpc::ServerContext* ctx, const kuaguan::v1::RequestRef* req,
                    kuaguan::v1::RequestDetail* resp) override;
  grpc::Status Issue(grpc::ServerContext* ctx, const kuaguan::v1::IssueCommand* req,
                     kuaguan::v1::StoredRequest* resp) override;
  grpc::Status Decide(grpc::ServerContext* ctx, const kuaguan::v1::DecisionCommand* req,
                      kuaguan::v1::StoredRequest* resp) override;
  grpc::Status DeadLetters(grpc::ServerContext* ctx, const kuaguan::v1::RequestStatsRequest* req,
                           kuaguan::v1::DeadLetterList* resp) override;
  grpc::Status RetryDeadLetter(grpc::ServerContext* ctx, const kuaguan::v1::DeadLetterRef* req,
                               kuaguan::v1::OutboxItem* resp) override;
  grpc::Status Overdue(grpc::ServerContext* ctx, const kuaguan::v1::OverdueRequest* req,
                       kuaguan::v1::RequestList* resp) override;
  grpc::Status Stats(grpc::ServerContext* ctx, const kuaguan::v1::RequestStatsRequest* req,
                     kuaguan::v1::RequestStats* resp) override;
  grpc::Status Verify(grpc::ServerContext* ctx, const kuaguan::v1::VerifyCommand* req,
                      kuaguan::v1::VerifyResult* resp) override;
  grpc::Status Trust(grpc::ServerContext* ctx, const kuaguan::v1::RequestStatsRequest* req,
                     kuaguan::v1::TrustBundle* resp) override;
  grpc::Status RevokeCertificate(grpc::ServerContext* ctx, const kuaguan::v1::RevokeCertificateCommand* req,
                                 kuaguan::v1::IssuedCertificate* resp) override;
  grpc::Status Approve(grpc::ServerContext* ctx, const kuaguan::v1::RequestRef* req,
                       kuaguan::v1::StoredRequest* resp) override;
  grpc::Status Explain(grpc::ServerContext* ctx, const kuaguan::v1::ExplainRequest* req,
                       kuaguan::v1::ExplainResponse* resp) override;
  grpc::Status Authorize(grpc::ServerContext* ctx, const kuaguan::v1::AuthorizeCommand* req,
                         kuaguan::v1::StoredRequest* resp) override;
  grpc::Status DigitizeQueue(grpc::ServerContext* ctx, const kuaguan::v1::DigitizeQueueRequest* req,
                             kuaguan::v1::DigitizeQueueList* resp) override;

 private:
  Authorizer* const auth_;
  federation::RemoteRequests* const requests_;
};

}  // namespace kuaguan::node
