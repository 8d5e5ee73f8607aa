// The durable outbox: messages to other archives (a request filed here, a state change) are
// written to the store in the same batch as the change they carry, then delivered in order per
// archive through a PeerClient, with backoff from 0.5 s doubling to 30 s, across restarts. A
// failed attempt is recorded on the message with its reason (status shows it); a message is
// removed once its recipient acknowledged it, and that removal is audited: at-least-once
// delivery, made idempotent by request id at the other end. A message the recipient refuses for
// good (an invalid, unknown or conflicting message), or one past kMaxAttempts, moves to the
// dead-letter list (audited), so the rest of that archive's queue moves on; an operator retries
// it from there.
// Thread-safe. Deliveries run on one thread started by Start() and joined by Stop() (or the
// destructor); DeliverDue() runs one pass on the caller's thread instead (tests).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "base/clock.h"
#include "federation/peer_client.h"
#include "federation/state_store.h"
#include "kuaguan/v1/request.pb.h"

namespace kuaguan::federation {

class Outbox {
 public:
  // Attempts before a message that keeps failing is put on the dead-letter list (with the
  // backoff capped at 30 s, about 25 minutes of trying after the first few).
  static constexpr uint32_t kMaxAttempts = 60;

  // Called when the recipient of a submitted request acknowledged it: writes `remove` (the
  // message's removal) together with what the answer changes, in one batch.
  using SubmitAcknowledged = std::function<absl::Status(
      const kuaguan::v1::OutboxItem& item, const kuaguan::v1::SubmitResponse& answer,
      KeyWrite remove)>;

  // `store`, `peers` and `clock` must outlive the outbox. Reads the last sequence used.
  Outbox(StateStore* store, PeerClient* peers, const base::Clock* clock);
  ~Outbox();

  // Sets what happens on a submit's acknowledgement (before Start or the first DeliverDue).
  void OnSubmitAcknowledged(SubmitAcknowledged fn) { on_submit_ = std::move(fn); }

  // A message for archive `target`.
  struct Message {
    std::string target;
    kuaguan::v1::OutboxItem item;
  };
  // Writes `writes`, the audit entry `note` and `messages` (numbered in order, with the sequence
  // counter) in one atomic batch, then wakes the delivery thread. Numbering and writing happen
  // under one lock, so messages reach the store in the order of their numbers and the counter
  // never goes back. A store error leaves nothing written and no number used.
  absl::Status Commit(std::vector<KeyWrite> writes, std::vector<Message> messages,
                      const AuditNote& note) ABSL_LOCKS_EXCLUDED(mu_);
  // Asks the delivery thread to look now rather than at its next half-second.
  void Wake() ABSL_LOCKS_EXCLUDED(wake_mu_);

  // Starts the delivery thread (it delivers what a previous run left, then new messages).
  void Start();
  // Stops and joins the delivery thread; idempotent.
  void Stop() ABSL_LOCKS_EXCLUDED(wake_mu_);

  // One delivery pass: every message whose time has come, in order, stopping at the first
  // failure per archive. Returns how many were acknowledged; an error only when the store
  // cannot be read.
  absl::StatusOr<int> DeliverDue();

  // The dead-letter list, oldest first (attachment bytes and PDFs left out).
  absl::StatusOr<kuaguan::v1::DeadLetterList> DeadLetters();
  // Puts dead letter `seq` back at the end of the queue with its attempts reset, audited with
  // `actor`. NOT_FOUND when there is no such dead letter.
  absl::StatusOr<kuaguan::v1::OutboxItem> Retry(uint64_t seq, const std::string& actor) ABSL_LOCKS_EXCLUDED(mu_);

  // What still waits for request `request_id` ("" when nothing): "waiting to reach X (N
  // attempts; last: why)".
  absl::StatusOr<std::string> Pending(const std::string& request_id);

 private:
  void Run();
  bool Stopping() ABSL_LOCKS_EXCLUDED(wake_mu_);
  // Delivers one message; OK when the other end acknowledged it and its removal is written.
  absl::Status Deliver(const kuaguan::v1::OutboxItem& item);

  // Constant after construction.
  StateStore* const store_;
  PeerClient* const peers_;
  const base::Clock* const clock_;
  SubmitAcknowledged on_submit_;

  absl::Mutex mu_;
  uint64_t seq_ ABSL_GUARDED_BY(mu_) = 0;

  absl::Mutex wake_mu_;
  bool wake_ ABSL_GUARDED_BY(wake_mu_) = false;
  bool stop_ ABSL_GUARDED_BY(wake_mu_) = false;
  std::thread thread_;
};

}  // namespace kuaguan::federation
