#include "node/audit_list.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/actor.h"
#include "base/status_macros.h"

namespace kuaguan::node {

absl::StatusOr<kuaguan::v1::AuditList> ListAudit(Store* store, const kuaguan::v1::AuditListRequest& request) {
  constexpr uint32_t kMaxLimit = 10000;
  if (request.limit() > kMaxLimit) {
    return absl::InvalidArgumentError(absl::StrCat("--limit ", request.limit(), " is above ", kMaxLimit));
  }
  const uint32_t limit = request.limit() == 0 ? 1000 : request.limit();
  const std::string& action = request.action();
  const bool prefix = !action.empty() && action.back() == '.';
  kuaguan::v1::AuditList out;
  RETURN_IF_ERROR(store->ForEachAudit(
      [&](const kuaguan::v1::AuditEntry& e) {
        const base::Actor actor = base::ParseActor(e.actor());
        if (!request.actor().empty() && actor.person != request.actor()) return true;
        if (!action.empty() && (prefix ? !absl::StartsWith(e.action(), action) : e.action() != action)) return true;
        auto* entry = out.add_entries();
        entry->set_seq(e.seq());
        entry->set_time_micros(e.time_micros());
        entry->set_person(actor.person);
        entry->set_role(actor.role);
        entry->set_via(actor.via);
        entry->set_action(e.action());
        entry->set_object(e.object());
        entry->set_outcome(e.outcome());
        return static_cast<uint32_t>(out.entries_size()) < limit;
      },
      request.since()));
  out.set_last_seq(store->LastSeq());
  return out;
}

}  // namespace kuaguan::node
