// The Desk gRPC service on an archive's mutual-TLS listener: staff of this archive, identified by
// their staff certificates, ask their own node (kuaguan-desk): who am I, file a remote request,
// follow it, fetch its certificate, print the receipt. Thin: authorizes the caller (Authorizer:
// a registered staff certificate and the role table) and calls RemoteRequests. The front desk sees
// only the front-desk side of its own archive; every read is audited. Thread-safe.
#pragma once

#include <string>

#include "kuaguan/v1/desk.grpc.pb.h"
#include "federation/peer_link.h"
#include "federation/remote_requests.h"
#include "node/authorizer.h"
#include "node/store.h"

namespace kuaguan::node {

class DeskService final : public kuaguan::v1::Desk::Service {
 public:
  // All must outlive the service. `archive` and `name` are this archive's code and name.
  DeskService(Authorizer* auth, Store* store, federation::RemoteRequests* requests,
              const base::Clock* clock, std::string archive, std::string name)
      : auth_(auth),
        store_(store),
        requests_(requests),
        clock_(clock),
        archive_(std::move(archive)),
        name_(std::move(name)) {}
  grpc::Status WhoAmI(grpc::ServerContext* ctx, const kuaguan::v1::WhoAmIRequest* req,
                      kuaguan::v1::WhoAmIResponse* resp) override;
  grpc::Status FileRequest(grpc::ServerContext* ctx, const kuaguan::v1::FileRequestRequest* req,
                           kuaguan::v1::StoredRequest* resp) override;
  grpc::Status ListRequests(grpc::ServerContext* ctx, const kuaguan::v1::ListRequestsRequest* req,
                            kuaguan::v1::RequestList* resp) override;
  grpc::Status GetRequest(grpc::ServerContext* ctx, const kuaguan::v1::RequestRef* req,
                          kuaguan::v1::StoredRequest* resp) override;
  grpc::Status FetchCertificate(grpc::ServerContext* ctx, const kuaguan::v1::RequestRef* req,
                                kuaguan::v1::CertificateFile* resp) override;
  grpc::Status GetReceipt(grpc::ServerContext* ctx, const kuaguan::v1::RequestRef* req,
                          kuaguan::v1::Receipt* resp) override;

 private:
  // The front-desk copy of `request_id`; NOT_FOUND for a back-office one (not this desk's).
  absl::StatusOr<kuaguan::v1::StoredRequest> FrontCopy(const std::string& request_id);

  Authorizer* const auth_;
  Store* const store_;
  federation::RemoteRequests* const requests_;
  const base::Clock* const clock_;
  const std::string archive_, name_;
};

}  // namespace kuaguan::node
