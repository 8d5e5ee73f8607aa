#include "federation/remote_requests.h"

#include "base/status_macros.h"

namespace kuaguan::federation {
namespace v1 = kuaguan::v1;

RemoteRequests::RemoteRequests(std::string archive, std::string name, RequestPolicy policy,
                               RequestDeps deps)
    : outbox_(deps.store, deps.peers, deps.clock),
      book_(archive, deps.store, &outbox_, deps.clock),
      issuer_(archive, name, deps.store, deps.holdings, deps.members, deps.clock),
      front_(archive, name, &book_, deps.store, deps.members, deps.search, deps.clock),
      back_(archive, policy, &book_, deps.store, deps.holdings, &issuer_, deps.clock),
      verifier_(archive, deps.members, deps.peers, &back_, deps.store) {
  outbox_.OnSubmitAcknowledged(
      [this](const v1::OutboxItem& item, const v1::SubmitResponse& answer, KeyWrite remove) {
        return front_.Submitted(item, answer, std::move(remove));
      });
}

RemoteRequests::~RemoteRequests() { Stop(); }

absl::StatusOr<v1::UpdateAck> RemoteRequests::ApplyUpdate(const v1::RequestUpdate& update,
                                                          const std::string& from) {
  if (update.from() != from) {
    return absl::PermissionDeniedError("an update must come from the archive that sends it");
  }
  ASSIGN_OR_RETURN(const v1::StoredRequest stored, book_.Read(update.request_id()));
  return stored.back_office() ? back_.ApplyUpdate(update, from) : front_.ApplyUpdate(update, from);
}

}  // namespace kuaguan::federation
