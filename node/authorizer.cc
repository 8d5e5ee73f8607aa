#include "node/authorizer.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/roles.h"
#include "base/status_macros.h"

namespace kuaguan::node {

absl::StatusOr<Caller> Authorizer::Identify(const grpc::ServerContextBase& ctx) {
  const std::string peer = ctx.peer();
  absl::StatusOr<kuaguan::v1::StaffMember> person;
  Caller caller;
  if (local_ != nullptr && peer.rfind("fd:", 0) == 0) {
    absl::StatusOr<std::string> account = local_->AccountOf(peer);
    if (account.ok()) {
      caller.actor.via = absl::StrCat("unix:", *account);
      person = people_->ForUnix(*account);
    } else {
      person = account.status();
    }
  } else if (link_ != nullptr && !seal::PeerCertPem(ctx).empty()) {
    absl::StatusOr<seal::StaffInfo> staff = link_->CheckStaff(ctx, "staff.call");
    if (staff.ok()) {
      caller.actor.via = absl::StrCat("certificate:", staff->cert.serial_hex);
      caller.certificate = *staff;
      person = people_->ForCertificate(staff->cert.serial_hex);
    } else {
      person = absl::UnauthenticatedError(staff.status().message());
    }
  } else {
    person = absl::UnauthenticatedError(
        "no verified identity: use the node's local socket from a registered account, or a staff certificate "
        "over mutual TLS");
  }
  if (!person.ok()) {
    (void)store_->Audit({caller.actor.via.empty() ? peer : caller.actor.via, "access.identify", "",
                         absl::StrCat("refused: ", person.status().message())});
    return absl::UnauthenticatedError(person.status().message());
  }
  caller.actor.person = person->name();
  caller.roles.assign(person->roles().begin(), person->roles().end());
  if (!caller.roles.empty()) caller.actor.role = caller.roles.front();
  return caller;
}

absl::StatusOr<Caller> Authorizer::Authorize(const grpc::ServerContextBase& ctx, absl::string_view command) {
  ASSIGN_OR_RETURN(Caller caller, Identify(ctx));
  for (const std::string& role : caller.roles) {
    if (base::RoleMay(role, command)) {
      caller.actor.role = role;
      return caller;
    }
  }
  std::vector<std::string> may;
  if (const base::CommandRule* rule = base::FindCommand(command); rule != nullptr) {
    for (absl::string_view r : rule->roles) {
      const base::RoleSpec* spec = base::FindRole(r);
      may.push_back(absl::StrCat(std::string(r), spec != nullptr ? absl::StrCat(" ", std::string(spec->name_zh)) : ""));
    }
  }
  const std::string why = absl::StrCat(
      caller.actor.person, " (", absl::StrJoin(caller.roles, ", "), ") may not run '", std::string(command), "'",
      may.empty() ? std::string() : absl::StrCat(": it is for ", absl::StrJoin(may, ", ")), " (kuaguan roles)");
  (void)store_->Audit({caller.Audit(), "access.denied", std::string(command), absl::StrCat("refused: ", why)});
  return absl::PermissionDeniedError(why);
}

}  // namespace kuaguan::node
