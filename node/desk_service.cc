#include "node/desk_service.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "node/grpc_status.h"

namespace kuaguan::node {

grpc::Status DeskService::WhoAmI(grpc::ServerContext* ctx, const kuaguan::v1::WhoAmIRequest*,
                                 kuaguan::v1::WhoAmIResponse* resp) {
  auto staff = link_->CheckStaff(*ctx, "desk.whoami");
  if (!staff.ok()) return ToGrpcStatus(staff.status());
  (void)store_->Audit({absl::StrCat("staff:", staff->role, ":", staff->name), "desk.whoami", "", "ok"});
  resp->set_archive(archive_);
  resp->set_archive_name(name_);
  resp->set_name(staff->name);
  resp->set_role(staff->role);
  resp->set_certificate_serial(staff->cert.serial_hex);
  resp->set_certificate_not_after_micros(
      std::chrono::duration_cast<std::chrono::microseconds>(staff->cert.not_after.time_since_epoch()).count());
  resp->set_node_time_micros(absl::ToUnixMicros(absl::Now()));
  return grpc::Status::OK;
}

}  // namespace kuaguan::node
