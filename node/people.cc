#include "node/people.h"

#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/roles.h"
#include "base/status_macros.h"

namespace kuaguan::node {
namespace v1 = kuaguan::v1;
namespace {

constexpr char kUnixPrefix[] = "people/unix/";
constexpr char kCertPrefix[] = "people/cert/";
constexpr absl::string_view kSecurityOfficer = "security-officer";
constexpr absl::string_view kSystemAdmin = "system-admin";

bool UnixAccountExists(const std::string& user) {
  struct passwd pw;
  struct passwd* found = nullptr;
  char buf[4096];
  return ::getpwnam_r(user.c_str(), &pw, buf, sizeof buf, &found) == 0 && found != nullptr;
}

bool Holds(const v1::StaffMember& p, absl::string_view role) {
  return std::find(p.roles().begin(), p.roles().end(), role) != p.roles().end();
}

std::string Who(const v1::StaffMember& p) {
  return p.unix_user().empty() ? absl::StrCat("certificate ", p.certificate_serial())
                               : absl::StrCat("unix account ", p.unix_user());
}

}  // namespace

v1::StaffMember ServiceAccount(const std::string& user) {
  v1::StaffMember p;
  p.set_name(absl::StrCat("service account ", user));
  p.add_roles(std::string(kSystemAdmin));
  p.set_unix_user(user);
  return p;
}

absl::StatusOr<std::optional<v1::StaffMember>> People::Load(const std::string& key) {
  ASSIGN_OR_RETURN(auto raw, store_->GetMeta(key));
  if (!raw) return std::optional<v1::StaffMember>();
  v1::StaffMember p;
  if (!p.ParseFromString(*raw)) return absl::DataLossError(absl::StrCat("the registration ", key, " is corrupt"));
  return std::optional<v1::StaffMember>(std::move(p));
}

absl::StatusOr<v1::StaffList> People::List() {
  v1::StaffList out;
  *out.add_people() = ServiceAccount(service_user_);
  for (const char* prefix : {kUnixPrefix, kCertPrefix}) {
    ASSIGN_OR_RETURN(auto rows, store_->Scan(federation::Family::kMeta, prefix));
    for (const auto& [key, value] : rows) {
      if (!out.add_people()->ParseFromString(value)) {
        return absl::DataLossError(absl::StrCat("the registration ", key, " is corrupt"));
      }
    }
  }
  return out;
}

absl::Status People::CheckSeparation() {
  ASSIGN_OR_RETURN(v1::StaffList all, List());
  std::map<std::string, std::set<std::string>> three;  // name -> the 三员 roles held
  for (const v1::StaffMember& p : all.people()) {
    if (p.revoked()) continue;
    for (const std::string& r : p.roles()) {
      const base::RoleSpec* spec = base::FindRole(r);
      if (spec != nullptr && spec->three_role) three[p.name()].insert(r);
    }
  }
  std::vector<std::string> broken;
  for (const auto& [name, roles] : three) {
    if (roles.size() > 1) broken.push_back(absl::StrCat(name, " holds ", absl::StrJoin(roles, " and ")));
  }
  if (broken.empty()) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      "三员分离 (three-role separation) is broken in this store: ", absl::StrJoin(broken, "; "),
      "; nobody may hold two of system-admin, security-officer and auditor"));
}

absl::StatusOr<v1::StaffMember> People::ForUnix(const std::string& user) {
  if (user == service_user_) return ServiceAccount(user);
  ASSIGN_OR_RETURN(auto p, Load(kUnixPrefix + user));
  if (!p) {
    return absl::UnauthenticatedError(absl::StrCat(
        "unix account ", user, " is not registered at this node; the security officer (安全保密管理员) "
        "grants roles with: kuaguan staff grant ", user, " --name 姓名 --role ROLE"));
  }
  if (p->revoked()) {
    return absl::UnauthenticatedError(
        absl::StrCat("unix account ", user, " (", p->name(), ") was revoked: ", p->revoked_reason()));
  }
  return *p;
}

absl::StatusOr<v1::StaffMember> People::ForCertificate(const std::string& serial) {
  ASSIGN_OR_RETURN(auto p, Load(kCertPrefix + absl::AsciiStrToLower(serial)));
  if (!p) {
    return absl::UnauthenticatedError(
        absl::StrCat("staff certificate ", serial, " is not registered at this node (kuaguan staff add)"));
  }
  if (p->revoked()) {
    return absl::UnauthenticatedError(
        absl::StrCat("staff certificate ", serial, " (", p->name(), ") was revoked: ", p->revoked_reason()));
  }
  return *p;
}

absl::Status People::CheckRoles(const std::string& key, const std::string& name,
                                const google::protobuf::RepeatedPtrField<std::string>& roles) {
  if (roles.empty()) return absl::InvalidArgumentError("no --role given (kuaguan roles lists them)");
  std::set<std::string> three;
  for (const std::string& r : roles) {
    const base::RoleSpec* spec = base::FindRole(r);
    if (spec == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat("--role '", r, "' is not a role (kuaguan roles lists them)"));
    }
    if (spec->node != "any" && spec->node != node_role_) {
      return absl::InvalidArgumentError(absl::StrCat("role '", r, "' exists only at ", spec->node,
                                                     " nodes; this is a ", node_role_, " node"));
    }
    if (spec->three_role) three.insert(r);
  }
  ASSIGN_OR_RETURN(v1::StaffList all, List());
  for (const v1::StaffMember& p : all.people()) {
    if (p.revoked() || p.name() != name) continue;
    const std::string other = p.unix_user().empty() ? kCertPrefix + p.certificate_serial() : kUnixPrefix + p.unix_user();
    if (other == key) continue;
    for (const std::string& r : p.roles()) {
      const base::RoleSpec* spec = base::FindRole(r);
      if (spec != nullptr && spec->three_role) three.insert(r);
    }
  }
  if (three.size() > 1) {
    return absl::FailedPreconditionError(absl::StrCat(
        "三员分离 (three-role separation): ", name, " would hold ", absl::StrJoin(three, " and "),
        "; nobody may hold two of system-admin, security-officer and auditor"));
  }
  return absl::OkStatus();
}

absl::Status People::Save(const std::string& key, const v1::StaffMember& person, const AuditNote& note) {
  return store_->PutMeta({{key, person.SerializeAsString()}}, note);
}

absl::StatusOr<v1::StaffMember> People::Grant(const v1::GrantRequest& request, const Caller& by) {
  const std::string& user = request.unix_user();
  if (user.empty()) return absl::InvalidArgumentError("no Unix account given (kuaguan staff grant UNIXUSER ...)");
  RETURN_IF_ERROR(base::CheckPersonName(request.name()));
  if (!UnixAccountExists(user)) {
    return absl::InvalidArgumentError(absl::StrCat("there is no Unix account '", user, "' on this host"));
  }
  if (user == service_user_) {
    return absl::FailedPreconditionError(absl::StrCat(
        "unix account ", user, " runs kuaguand: it is the system administrator (系统管理员) and nothing else"));
  }
  if (by.actor.via == absl::StrCat("unix:", user)) {
    return absl::PermissionDeniedError("nobody grants roles to themselves");
  }
  absl::MutexLock lock(&mu_);
  if (by.actor.role == kSystemAdmin) {
    ASSIGN_OR_RETURN(v1::StaffList all, List());
    const bool have_officer = std::any_of(all.people().begin(), all.people().end(), [](const v1::StaffMember& p) {
      return !p.revoked() && Holds(p, kSecurityOfficer);
    });
    if (have_officer || request.roles_size() != 1 || request.roles(0) != kSecurityOfficer) {
      return absl::PermissionDeniedError(
          "the system administrator (系统管理员) only registers the first security officer; people and roles "
          "are the security officer's (安全保密管理员) work");
    }
  }
  const std::string key = kUnixPrefix + user;
  ASSIGN_OR_RETURN(auto existing, Load(key));
  v1::StaffMember person;
  if (existing && !existing->revoked()) {
    if (existing->name() != request.name()) {
      return absl::FailedPreconditionError(absl::StrCat("unix account ", user, " is registered to ", existing->name(),
                                                        "; revoke it first to register another person"));
    }
    person = *existing;
  }
  person.set_name(request.name());
  person.set_unix_user(user);
  person.set_revoked(false);
  person.clear_revoked_reason();
  person.clear_revoked_by();
  person.set_revoked_micros(0);
  for (const std::string& r : request.roles()) {
    if (!Holds(person, r)) person.add_roles(r);
  }
  RETURN_IF_ERROR(CheckRoles(key, person.name(), person.roles()));
  person.set_granted_by(by.Audit());
  person.set_granted_micros(store_->clock()->NowMicros());
  RETURN_IF_ERROR(Save(key, person, {by.Audit(), "staff.grant", absl::StrCat("unix:", user),
                                     absl::StrCat("ok: ", person.name(), " as ", absl::StrJoin(person.roles(), ","))}));
  return person;
}

absl::Status People::RegisterCertificate(const std::string& serial, const std::string& name, const std::string& role,
                                         const Caller& by) {
  RETURN_IF_ERROR(base::CheckPersonName(name));
  v1::StaffMember person;
  person.set_name(name);
  person.add_roles(role);
  person.set_certificate_serial(absl::AsciiStrToLower(serial));
  person.set_granted_by(by.Audit());
  person.set_granted_micros(store_->clock()->NowMicros());
  absl::MutexLock lock(&mu_);
  const std::string key = kCertPrefix + person.certificate_serial();
  RETURN_IF_ERROR(CheckRoles(key, name, person.roles()));
  return Save(key, person, {by.Audit(), "staff.register", absl::StrCat("certificate:", person.certificate_serial()),
                            absl::StrCat("ok: ", name, " as ", role)});
}

absl::StatusOr<v1::StaffMember> People::Revoke(const std::string& who, const std::string& reason, const Caller& by) {
  if (reason.empty()) return absl::InvalidArgumentError("a revocation needs --reason");
  absl::MutexLock lock(&mu_);
  std::string key = kUnixPrefix + who;
  ASSIGN_OR_RETURN(auto person, Load(key));
  if (!person) {
    key = kCertPrefix + absl::AsciiStrToLower(who);
    ASSIGN_OR_RETURN(person, Load(key));
  }
  if (!person) {
    return absl::NotFoundError(absl::StrCat(
        "'", who, "' is neither a registered Unix account nor a registered certificate serial here",
        who == service_user_ ? " (the service account is the system administrator by running kuaguand)" : ""));
  }
  if (person->revoked()) return absl::FailedPreconditionError(absl::StrCat(Who(*person), " is already revoked"));
  person->set_revoked(true);
  person->set_revoked_reason(reason);
  person->set_revoked_by(by.Audit());
  person->set_revoked_micros(store_->clock()->NowMicros());
  RETURN_IF_ERROR(Save(key, *person, {by.Audit(), "staff.revoke", who, absl::StrCat("ok: ", reason)}));
  return *person;
}

}  // namespace kuaguan::node
