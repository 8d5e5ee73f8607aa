// The CLI's connection to its node: the Admin service over the node's Unix socket, with the
// operator's name sent as x-kuaguan-actor. Thread-compatible.
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "kuaguan/v1/admin.grpc.pb.h"
#include "kuaguan/v1/desk.grpc.pb.h"
#include "base/node_config.h"

namespace kuaguan::cli {

class AdminClient {
 public:
  // Connects lazily to the node of `config`; fails only when the socket does not exist.
  static absl::StatusOr<AdminClient> Connect(const base::NodeConfig& config);

  kuaguan::v1::Admin::Stub& stub() { return *stub_; }
  kuaguan::v1::FederationAdmin::Stub& federation() { return *federation_; }
  kuaguan::v1::Requests::Stub& requests() { return *requests_; }
  // A context carrying the actor and a deadline of `timeout` from now.
  std::unique_ptr<grpc::ClientContext> Context(std::chrono::seconds timeout) const;
  // A status for a failed call: names the node's socket when the daemon is unreachable.
  absl::Status Explain(const grpc::Status& status) const;

 private:
  std::string socket_;
  std::string actor_;
  std::shared_ptr<kuaguan::v1::Admin::Stub> stub_;
  std::shared_ptr<kuaguan::v1::FederationAdmin::Stub> federation_;
  std::shared_ptr<kuaguan::v1::Requests::Stub> requests_;
};

}  // namespace kuaguan::cli
