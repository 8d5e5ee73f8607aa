// The people registered at this node and their roles, kept in the store's meta family:
// people/unix/USER for local accounts (granted by the security officer) and people/cert/SERIAL for
// staff certificates (registered when `staff add` makes them). The node's service account (the
// Unix user running kuaguand) is the system administrator and nothing else, implicitly; it may
// register the first security officer. No person (by name) holds two of the three 三员 roles:
// refused at grant time, and a store where it happened is refused at start. Revocation is a state
// with who, when and why, effective for the next call. Thread-safe.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "kuaguan/v1/people.pb.h"
#include "node/caller.h"
#include "node/store.h"

namespace kuaguan::node {

class People {
 public:
  // `node_role` is "archive" or "provincial" (roles exist at one or the other); `service_user` the
  // Unix account the daemon runs as.
  People(Store* store, std::string node_role, std::string service_user)
      : store_(store), node_role_(std::move(node_role)), service_user_(std::move(service_user)) {}

  // FAILED_PRECONDITION naming each person who holds two 三员 roles.
  absl::Status CheckSeparation();

  // The active registration of a Unix account (the service account's is implicit).
  // UNAUTHENTICATED when it is not registered or revoked.
  absl::StatusOr<kuaguan::v1::StaffMember> ForUnix(const std::string& user);
  // The active registration of a staff certificate; UNAUTHENTICATED when not registered or revoked.
  absl::StatusOr<kuaguan::v1::StaffMember> ForCertificate(const std::string& serial);

  // Grants roles to a local account (adding to the roles it has). INVALID_ARGUMENT for a bad
  // name, role or account; PERMISSION_DENIED when `by` may not (the system administrator only
  // registers the first security officer; nobody grants to themselves); FAILED_PRECONDITION
  // for 三员分离 or an account registered to another name.
  absl::StatusOr<kuaguan::v1::StaffMember> Grant(const kuaguan::v1::GrantRequest& request, const Caller& by);
  // Registers a staff certificate just issued for `name` in `role`; same checks as Grant.
  absl::Status RegisterCertificate(const std::string& serial, const std::string& name, const std::string& role,
                                   const Caller& by);
  // Revokes a Unix account or a certificate serial. NOT_FOUND when neither is registered;
  // INVALID_ARGUMENT without a reason.
  absl::StatusOr<kuaguan::v1::StaffMember> Revoke(const std::string& who, const std::string& reason, const Caller& by);
  // Every registration, revoked ones included, the service account first.
  absl::StatusOr<kuaguan::v1::StaffList> List();

  const std::string& service_user() const { return service_user_; }

 private:
  // The registration stored under `key`, if any.
  absl::StatusOr<std::optional<kuaguan::v1::StaffMember>> Load(const std::string& key);
  // Checks roles exist at this node; then that `name`, holding `roles` in the registration under
  // `key`, would not hold two 三员 roles across all active registrations.
  absl::Status CheckRoles(const std::string& key, const std::string& name,
                          const google::protobuf::RepeatedPtrField<std::string>& roles)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status Save(const std::string& key, const kuaguan::v1::StaffMember& person, const AuditNote& note)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  Store* const store_;
  const std::string node_role_;
  const std::string service_user_;
  absl::Mutex mu_;  // grants and revocations check and write as one step
};

// The service account's person: the system administrator.
kuaguan::v1::StaffMember ServiceAccount(const std::string& user);

}  // namespace kuaguan::node
