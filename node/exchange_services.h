// The gRPC faces of direct exchange (node/exchange.h). ExchangeService (mutual-TLS peer
// listener): a member asks for a package; the caller's certificate must be the one the directory
// registers for the archive it names (PeerLink::CheckInbound, refusals audited). ExchangeAdminService
// (local socket): `exchange request`, `exchange import` and `exchange list`, authorized by the role
// table. Thin: they check who is calling and translate statuses. Thread-safe.
#pragma once

#include "base/worker_pool.h"
#include "federation/peer_link.h"
#include "kuaguan/v1/exchange.grpc.pb.h"
#include "node/authorizer.h"
#include "node/exchange.h"

namespace kuaguan::node {

class ExchangeService final : public kuaguan::v1::Exchange::Service {
 public:
  // Both must outlive the service.
  ExchangeService(federation::PeerLink* link, DirectExchange* exchange) : link_(link), exchange_(exchange) {}
  grpc::Status Package(grpc::ServerContext* ctx, const kuaguan::v1::PackageRequest* req,
                       kuaguan::v1::PackageReply* resp) override;

 private:
  federation::PeerLink* const link_;
  DirectExchange* const exchange_;
};

class ExchangeAdminService final : public kuaguan::v1::ExchangeAdmin::CallbackService {
 public:
  // All must outlive the service; `exchange` is null on a provincial node (it holds no records).
  ExchangeAdminService(Authorizer* auth, DirectExchange* exchange, base::WorkerPool* calls)
      : auth_(auth), exchange_(exchange), calls_(calls) {}
  grpc::ServerUnaryReactor* Fetch(grpc::CallbackServerContext* ctx, const kuaguan::v1::ExchangeFetchRequest* req,
                                  kuaguan::v1::ExchangeFetchReply* resp) override;
  grpc::ServerUnaryReactor* Import(grpc::CallbackServerContext* ctx, const kuaguan::v1::ExchangeImportRequest* req,
                                   kuaguan::v1::ExchangePackageInfo* resp) override;
  grpc::ServerUnaryReactor* List(grpc::CallbackServerContext* ctx, const kuaguan::v1::ExchangeListRequest* req,
                                 kuaguan::v1::ExchangeList* resp) override;

 private:
  Authorizer* const auth_;
  DirectExchange* const exchange_;
  base::WorkerPool* const calls_;
};

}  // namespace kuaguan::node
