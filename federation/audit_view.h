// How an audit entry is shown to an auditor (安全审计员): its actor split into the person, the
// role they acted in and how they were authenticated (base/actor.h). The node's own trail
// (`audit list`) and the hub's copies of every member's (`hub audit`) show entries alike.
// Pure; thread-safe.
#pragma once

#include "kuaguan/v1/audit.pb.h"
#include "kuaguan/v1/people.pb.h"

namespace kuaguan::federation {

kuaguan::v1::AuditListEntry AuditListEntryOf(const kuaguan::v1::AuditEntry& entry);

}  // namespace kuaguan::federation
