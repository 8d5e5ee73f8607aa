#include "cli/admin_client.h"

#include <pwd.h>
#include <unistd.h>

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "base/grpc_status.h"

namespace kuaguan::cli {

namespace {

std::string OperatorName() {
  if (const passwd* pw = getpwuid(geteuid()); pw != nullptr && pw->pw_name != nullptr) {
    return pw->pw_name;
  }
  return absl::StrCat("uid:", geteuid());
}

}  // namespace

absl::StatusOr<AdminClient> AdminClient::Connect(const base::NodeConfig& config) {
  AdminClient c;
  c.socket_ = config.SocketPath().string();
  c.actor_ = OperatorName();
  std::error_code ec;
  if (!std::filesystem::exists(c.socket_, ec)) {
    return absl::UnavailableError(absl::StrCat("kuaguand is not running for ",
                                               config.config_path.string(), " (no socket ",
                                               c.socket_, "); start it with: kuaguand --config ",
                                               config.config_path.string()));
  }
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(512 << 20);
  args.SetMaxSendMessageSize(512 << 20);
  auto channel =
      grpc::CreateCustomChannel("unix:" + c.socket_, grpc::InsecureChannelCredentials(), args);
  c.stub_ = kuaguan::v1::Admin::NewStub(channel);
  c.federation_ = kuaguan::v1::FederationAdmin::NewStub(channel);
  c.requests_ = kuaguan::v1::Requests::NewStub(channel);
  return c;
}

std::unique_ptr<grpc::ClientContext> AdminClient::Context(std::chrono::seconds timeout) const {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->AddMetadata(base::kActorMetadata, actor_);
  ctx->set_deadline(std::chrono::system_clock::now() + timeout);
  return ctx;
}

absl::Status AdminClient::Explain(const grpc::Status& status) const {
  if (status.error_code() == grpc::StatusCode::UNAVAILABLE) {
    return absl::UnavailableError(absl::StrCat("no kuaguand answers on ", socket_,
                                               " (is the daemon running?): ",
                                               status.error_message()));
  }
  return base::FromGrpcStatus(status);
}

}  // namespace kuaguan::cli
