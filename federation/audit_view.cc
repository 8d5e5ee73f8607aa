#include "federation/audit_view.h"

#include "base/actor.h"

namespace kuaguan::federation {

kuaguan::v1::AuditListEntry AuditListEntryOf(const kuaguan::v1::AuditEntry& e) {
  const base::Actor actor = base::ParseActor(e.actor());
  kuaguan::v1::AuditListEntry out;
  out.set_seq(e.seq());
  out.set_time_micros(e.time_micros());
  out.set_person(actor.person);
  out.set_role(actor.role);
  out.set_via(actor.via);
  out.set_action(e.action());
  out.set_object(e.object());
  out.set_outcome(e.outcome());
  return out;
}

}  // namespace kuaguan::federation
