// The Desk gRPC service on an archive's mutual-TLS listener: staff of this archive, identified by
// their staff certificates, ask their own node (kuaguan-desk). Thin: checks the caller through
// PeerLink::CheckStaff. Thread-safe.
#pragma once

#include <string>

#include "kuaguan/v1/desk.grpc.pb.h"
#include "node/peer_link.h"

namespace kuaguan::node {

class DeskService final : public kuaguan::v1::Desk::Service {
 public:
  DeskService(PeerLink* link, Store* store, std::string archive, std::string name)
      : link_(link), store_(store), archive_(std::move(archive)), name_(std::move(name)) {}
  grpc::Status WhoAmI(grpc::ServerContext* ctx, const kuaguan::v1::WhoAmIRequest* req,
                      kuaguan::v1::WhoAmIResponse* resp) override;

 private:
  PeerLink* const link_;
  Store* const store_;
  const std::string archive_, name_;
};

}  // namespace kuaguan::node
