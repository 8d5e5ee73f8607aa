// Questions put to every member at once: a ping of each (reachability, round trip, clock skew)
// and the federated catalog search (what each archive shares, merged by score). The calls go out
// through a PeerClient on a bounded worker pool shared by all callers; when the pool cannot take
// a whole fan-out, the caller gets RESOURCE_EXHAUSTED saying so. Each archive's answer (or why it
// gave none: slow, down, refused) is reported beside the merged result.
// Thread-safe.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "base/clock.h"
#include "base/worker_pool.h"
#include "federation/membership.h"
#include "federation/peer_client.h"
#include "federation/state_store.h"
#include "kuaguan/v1/admin.pb.h"
#include "kuaguan/v1/federation.pb.h"

namespace kuaguan::federation {

class FederatedSearch {
 public:
  // All must outlive this object. `archive` is this node's code.
  FederatedSearch(std::string archive, Membership* members, PeerClient* peers, StateStore* store,
                  base::WorkerPool* pool, const base::Clock* clock)
      : archive_(std::move(archive)),
        members_(members),
        peers_(peers),
        store_(store),
        pool_(pool),
        clock_(clock) {}

  // Every member with its state; reachable ones pinged within `request.timeout_ms()` (2 s).
  // FAILED_PRECONDITION before enrollment, RESOURCE_EXHAUSTED when the pool is full.
  absl::StatusOr<kuaguan::v1::PeerList> Peers(const kuaguan::v1::PeersRequest& request);
  // Searches every other unrevoked member within `request.timeout_ms()` (3 s) and merges the
  // best `request.limit()` (10) hits. Audited with `actor`. INVALID_ARGUMENT for an empty query,
  // FAILED_PRECONDITION before enrollment, RESOURCE_EXHAUSTED when the pool is full.
  absl::StatusOr<kuaguan::v1::SearchResponse> Search(const kuaguan::v1::SearchRequest& request,
                                                     const std::string& actor);

 private:
  const std::string archive_;
  Membership* const members_;
  PeerClient* const peers_;
  StateStore* const store_;
  base::WorkerPool* const pool_;
  const base::Clock* const clock_;
};

}  // namespace kuaguan::federation
