// The requests kept at this node, both those filed here (front desk) and those received here
// (back office), one key each in the store's requests family. It reads them, lists them, counts
// them for statistics and deadlines, and commits a state change: the change joins the request's
// history and is written in one batch with its audit entry, any extra writes, and (when the other
// end must hear of it) the outbox message that carries it.
// Thread-safe; callers serialize changes to one request (FrontDesk and BackOffice hold their
// own locks around read-change-commit).
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "base/clock.h"
#include "federation/outbox.h"
#include "federation/state_store.h"
#include "kuaguan/v1/desk.pb.h"
#include "kuaguan/v1/request.pb.h"

namespace kuaguan::federation {

class RequestBook {
 public:
  // All must outlive the book. `archive` is this node's code.
  RequestBook(std::string archive, StateStore* store, Outbox* outbox, const base::Clock* clock)
      : archive_(std::move(archive)), store_(store), outbox_(outbox), clock_(clock) {}

  const std::string& archive() const { return archive_; }

  // The stored request, whole. NOT_FOUND when there is none; DATA_LOSS when it does not parse.
  absl::StatusOr<kuaguan::v1::StoredRequest> Read(const std::string& request_id);
  // As Read, with what still waits in the outbox; attachments and PDF left out unless `full`.
  absl::StatusOr<kuaguan::v1::StoredRequest> Get(const std::string& request_id, bool full = false);
  // Newest first, filtered by side ("front", "back" or all) and state, at most `limit` (100).
  absl::StatusOr<kuaguan::v1::RequestList> List(const kuaguan::v1::ListRequestsRequest& request);
  // Open requests whose due date is before `as_of` (YYYY-MM-DD; today when empty).
  absl::StatusOr<kuaguan::v1::RequestList> Overdue(const std::string& as_of);
  // Counts by side, other archive, category and month: accepted, issued, not found, refused,
  // open, on time, late.
  absl::StatusOr<kuaguan::v1::RequestStats> Stats();

  // Appends the change to `state` by `actor` (with `reason`) to `stored` and writes it with
  // `extra`, `messages` and one audit entry in one batch; with `notify`, also queues an update
  // carrying the change to the other end.
  absl::Status Commit(kuaguan::v1::StoredRequest* stored, kuaguan::v1::RequestState state,
                      const std::string& actor, const std::string& reason, bool notify,
                      std::vector<KeyWrite> extra = {}, std::vector<Outbox::Message> messages = {});

 private:
  const std::string archive_;
  StateStore* const store_;
  Outbox* const outbox_;
  const base::Clock* const clock_;
};

}  // namespace kuaguan::federation
