// Questions put to every member at once: a ping of each (reachability, round trip, clock skew)
// and the federated catalog search (what each archive shares, merged by score). The calls go out
// through a PeerClient on a bounded worker pool shared by all callers, in waves of at most 16;
// when the pool cannot take a wave, the caller gets RESOURCE_EXHAUSTED saying what is busy. Each archive's answer (or why it
// gave none: slow, down, refused) is reported beside the merged result.
// Thread-safe.
#pragma once

#include <string>
#include <vector>

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
  // At most this many calls go to the pool at once; a larger fan-out runs in waves.
  static constexpr size_t kWave = 16;
  // Runs `calls` on the pool, kWave at a time, each wave waited for.
  absl::Status RunInWaves(std::vector<absl::AnyInvocable<void()>> calls);

  const std::string archive_;
  Membership* const members_;
  PeerClient* const peers_;
  StateStore* const store_;
  base::WorkerPool* const pool_;
  const base::Clock* const clock_;
};

}  // namespace kuaguan::federation
