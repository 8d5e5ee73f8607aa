#include "cli/admin_client.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "base/grpc_status.h"
#include "base/node_config.h"
#include "seal/tls.h"

namespace kuaguan::cli {

absl::StatusOr<AdminClient> AdminClient::Connect(const base::NodeConfig& config) {
  AdminClient c;
  c.target_ = config.SocketPath().string();
  struct stat st {};
  if (::stat(c.target_.c_str(), &st) != 0) {
    if (errno == EACCES) {
      return absl::PermissionDeniedError(absl::StrCat(
          "this account may not reach ", c.target_, ": it is not in the node's socket group '", config.socket_group,
          "' (the system administrator adds operators to it)"));
    }
    return absl::UnavailableError(absl::StrCat("kuaguand is not running for ", config.config_path.string(),
                                               " (no socket ", c.target_, "); start it with: kuaguand --config ",
                                               config.config_path.string()));
  }
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(base::kMaxAdminMessageBytes);
  args.SetMaxSendMessageSize(base::kMaxAdminMessageBytes);
  auto channel = grpc::CreateCustomChannel("unix:" + c.target_, grpc::InsecureChannelCredentials(), args);
  c.stub_ = kuaguan::v1::Admin::NewStub(channel);
  c.federation_ = kuaguan::v1::FederationAdmin::NewStub(channel);
  c.requests_ = kuaguan::v1::Requests::NewStub(channel);
  c.hub_ = kuaguan::v1::HubAdmin::NewStub(channel);
  c.ops_ = kuaguan::v1::Operations::NewStub(channel);
  c.replicas_ = kuaguan::v1::ReplicaAdmin::NewStub(channel);
  c.appraisal_ = kuaguan::v1::Appraisal::NewStub(channel);
  c.exchange_ = kuaguan::v1::ExchangeAdmin::NewStub(channel);
  return c;
}

AdminClient AdminClient::ConnectProfile(const Profile& profile) {
  AdminClient c;
  c.target_ = profile.node;
  auto channel =
      seal::MutualTlsChannel(seal::TlsIdentity{profile.key_pem, profile.cert_pem, profile.root_pem}, profile.node,
                             profile.archive);
  c.stub_ = kuaguan::v1::Admin::NewStub(channel);
  c.federation_ = kuaguan::v1::FederationAdmin::NewStub(channel);
  c.requests_ = kuaguan::v1::Requests::NewStub(channel);
  c.hub_ = kuaguan::v1::HubAdmin::NewStub(channel);
  c.ops_ = kuaguan::v1::Operations::NewStub(channel);
  c.replicas_ = kuaguan::v1::ReplicaAdmin::NewStub(channel);
  c.appraisal_ = kuaguan::v1::Appraisal::NewStub(channel);
  c.exchange_ = kuaguan::v1::ExchangeAdmin::NewStub(channel);
  return c;
}

std::unique_ptr<grpc::ClientContext> AdminClient::Context(std::chrono::seconds timeout) const {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(std::chrono::system_clock::now() + timeout);
  return ctx;
}

absl::Status AdminClient::Explain(const grpc::Status& status) const {
  if (status.error_code() == grpc::StatusCode::UNAVAILABLE) {
    return absl::UnavailableError(absl::StrCat("no kuaguand answers on ", target_,
                                               " (is the daemon running?): ", status.error_message()));
  }
  return base::FromGrpcStatus(status);
}

}  // namespace kuaguan::cli
