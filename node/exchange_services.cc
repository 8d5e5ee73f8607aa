#include "node/exchange_services.h"

#include "base/grpc_status.h"
#include "node/call_reactors.h"

namespace kuaguan::node {
namespace v1 = kuaguan::v1;
namespace {

absl::Status NoHoldings() { return absl::FailedPreconditionError("a provincial node holds no records to exchange"); }

}  // namespace

grpc::Status ExchangeService::Package(grpc::ServerContext* ctx, const v1::PackageRequest* req, v1::PackageReply* resp) {
  if (absl::Status st = link_->CheckInbound(*ctx, req->from(), "exchange.package"); !st.ok()) return base::ToGrpcStatus(st);
  absl::StatusOr<std::string> package = exchange_->MakePackage(*req);
  if (!package.ok()) return base::ToGrpcStatus(package.status());
  *resp->mutable_package() = *std::move(package);
  return grpc::Status::OK;
}

grpc::ServerUnaryReactor* ExchangeAdminService::Fetch(grpc::CallbackServerContext* ctx, const v1::ExchangeFetchRequest* req,
                                                      v1::ExchangeFetchReply* resp) {
  return LongUnary(auth_, "exchange request", calls_, ctx, resp,
                   [x = exchange_, req = *req](const Caller& c) -> absl::StatusOr<v1::ExchangeFetchReply> {
                     if (x == nullptr) return NoHoldings();
                     return x->Fetch(req, c.Audit());
                   });
}

grpc::ServerUnaryReactor* ExchangeAdminService::Import(grpc::CallbackServerContext* ctx, const v1::ExchangeImportRequest* req,
                                                       v1::ExchangePackageInfo* resp) {
  return LongUnary(auth_, "exchange import", calls_, ctx, resp,
                   [x = exchange_, req](const Caller& c) -> absl::StatusOr<v1::ExchangePackageInfo> {
                     if (x == nullptr) return NoHoldings();
                     return x->Import(req->package(), c.Audit());
                   });
}

grpc::ServerUnaryReactor* ExchangeAdminService::List(grpc::CallbackServerContext* ctx, const v1::ExchangeListRequest*,
                                                     v1::ExchangeList* resp) {
  return Unary(auth_, "exchange list", ctx, resp, [x = exchange_](const Caller& c) -> absl::StatusOr<v1::ExchangeList> {
    if (x == nullptr) return NoHoldings();
    return x->List(c.Audit());
  });
}

}  // namespace kuaguan::node
