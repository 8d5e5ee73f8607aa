// The audit trail as the auditor (安全审计员) reads it: entries after a sequence number, filtered
// by person or action, each actor split into person, role and how they were authenticated.
#pragma once

#include "absl/status/statusor.h"
#include "kuaguan/v1/people.pb.h"
#include "node/store.h"

namespace kuaguan::node {

// INVALID_ARGUMENT for a limit above 10000.
absl::StatusOr<kuaguan::v1::AuditList> ListAudit(Store* store, const kuaguan::v1::AuditListRequest& request);

}  // namespace kuaguan::node
