// The CLI's connection to its node: over the node's Unix socket (the kernel tells the node who
// is calling), or over mutual TLS with a staff certificate (a profile). Nothing the client says
// about who it is counts. Thread-compatible.
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "kuaguan/v1/admin.grpc.pb.h"
#include "kuaguan/v1/desk.grpc.pb.h"
#include "kuaguan/v1/hub.grpc.pb.h"
#include "kuaguan/v1/ops.grpc.pb.h"
#include "kuaguan/v1/replica.grpc.pb.h"
#include "kuaguan/v1/appraisal.grpc.pb.h"
#include "kuaguan/v1/exchange.grpc.pb.h"
#include "base/node_config.h"
#include "cli/profile.h"

namespace kuaguan::cli {

class AdminClient {
 public:
  // Connects lazily to the node of `config`; fails only when the socket does not exist.
  // PERMISSION_DENIED when this account may not reach the socket (not in the node's group).
  static absl::StatusOr<AdminClient> Connect(const base::NodeConfig& config);
  // Connects over mutual TLS to the profile's node with its staff certificate.
  static AdminClient ConnectProfile(const Profile& profile);

  kuaguan::v1::Admin::Stub& stub() { return *stub_; }
  kuaguan::v1::FederationAdmin::Stub& federation() { return *federation_; }
  kuaguan::v1::Requests::Stub& requests() { return *requests_; }
  kuaguan::v1::HubAdmin::Stub& hub() { return *hub_; }
  kuaguan::v1::Operations::Stub& ops() { return *ops_; }
  kuaguan::v1::ReplicaAdmin::Stub& replicas() { return *replicas_; }
  kuaguan::v1::Appraisal::Stub& appraisal() { return *appraisal_; }
  kuaguan::v1::ExchangeAdmin::Stub& exchange() { return *exchange_; }
  // A context with a deadline of `timeout` from now.
  std::unique_ptr<grpc::ClientContext> Context(std::chrono::seconds timeout) const;
  // A status for a failed call: names the node's socket when the daemon is unreachable.
  absl::Status Explain(const grpc::Status& status) const;

 private:
  std::string target_;  // the socket, or the profile's node
  std::shared_ptr<kuaguan::v1::Admin::Stub> stub_;
  std::shared_ptr<kuaguan::v1::FederationAdmin::Stub> federation_;
  std::shared_ptr<kuaguan::v1::Requests::Stub> requests_;
  std::shared_ptr<kuaguan::v1::HubAdmin::Stub> hub_;
  std::shared_ptr<kuaguan::v1::Operations::Stub> ops_;
  std::shared_ptr<kuaguan::v1::ReplicaAdmin::Stub> replicas_;
  std::shared_ptr<kuaguan::v1::Appraisal::Stub> appraisal_;
  std::shared_ptr<kuaguan::v1::ExchangeAdmin::Stub> exchange_;
};

}  // namespace kuaguan::cli
