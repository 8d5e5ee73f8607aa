#include "node/audit_list.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "federation/audit_view.h"
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
        if (!action.empty() && (prefix ? !absl::StartsWith(e.action(), action) : e.action() != action)) return true;
        kuaguan::v1::AuditListEntry shown = federation::AuditListEntryOf(e);
        if (!request.actor().empty() && shown.person() != request.actor()) return true;
        *out.add_entries() = std::move(shown);
        return static_cast<uint32_t>(out.entries_size()) < limit;
      },
      request.since()));
  out.set_last_seq(store->LastSeq());
  return out;
}

}  // namespace kuaguan::node
