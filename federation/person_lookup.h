// The asking side of a self-service lookup (R6.1, HN-18): a front-desk clerk, having checked the
// person's identity document, asks for the records about that person at every member. The
// identity number is checked (check character, a real birth date, not in the future), hashed
// with the federation's key and masked here; the number itself is never kept or sent. Every
// unrevoked member is asked at once (this archive too, in process) on the fan-out pool, each
// within the deadline; the answers are merged and numbered for the clerk to choose from, and the
// archives that gave none are named with why. Audited here with the clerk and the masked number;
// each answering archive audits its side. Thread-safe.
#pragma once

#include <string>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "base/clock.h"
#include "base/worker_pool.h"
#include "federation/lookup_client.h"
#include "federation/lookup_responder.h"
#include "federation/membership.h"
#include "federation/state_store.h"
#include "kuaguan/v1/lookup.pb.h"
#include "seal/certs.h"

namespace kuaguan::federation {

class PersonLookup {
 public:
  // All must outlive this object. `archive` is this node's code; `self` answers for it.
  PersonLookup(std::string archive, Membership* members, LookupClient* peers, LookupResponder* self,
               StateStore* store, base::WorkerPool* pool, const base::Clock* clock)
      : archive_(std::move(archive)),
        members_(members),
        peers_(peers),
        self_(self),
        store_(store),
        pool_(pool),
        clock_(clock) {}

  // The records about the person `request` names, for `clerk` (a front-desk staff certificate of
  // this archive, as the desk session presented it). INVALID_ARGUMENT naming the bad field (name,
  // identity number, category, timeout); PERMISSION_DENIED for another role; FAILED_PRECONDITION
  // before enrollment; RESOURCE_EXHAUSTED when the fan-out pool is full.
  absl::StatusOr<kuaguan::v1::DeskLookupResponse> Lookup(const kuaguan::v1::DeskLookupRequest& request,
                                                         const seal::StaffInfo& clerk);

 private:
  // At most this many calls go to the pool at once; a larger federation is asked in waves.
  static constexpr size_t kWave = 16;

  const std::string archive_;
  Membership* const members_;
  LookupClient* const peers_;
  LookupResponder* const self_;
  StateStore* const store_;
  base::WorkerPool* const pool_;
  const base::Clock* const clock_;
};

}  // namespace kuaguan::federation
