#include "federation/outbox.h"

#include <algorithm>
#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "federation/request_rules.h"

namespace kuaguan::federation {
namespace v1 = kuaguan::v1;

namespace {

constexpr char kSeqKey[] = "outbox-seq";
constexpr char kDeadPrefix[] = "dead-letter/";

// A refusal that trying again will not change: the message itself is wrong for the recipient.
bool Permanent(const absl::Status& st) {
  switch (st.code()) {
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kOutOfRange:
    case absl::StatusCode::kUnimplemented:
      return true;
    default:
      return false;
  }
}

// What a list of dead letters shows: no attachment bytes, no PDF.
v1::OutboxItem Slimmed(v1::OutboxItem item) {
  for (auto& a : *item.mutable_submit()->mutable_attachments()) a.clear_data();
  item.mutable_update()->mutable_certificate()->clear_pdf();
  return item;
}

std::string RequestIdOf(const v1::OutboxItem& item) {
  return item.has_submit() ? item.submit().request_id() : item.update().request_id();
}

}  // namespace

Outbox::Outbox(StateStore* store, PeerClient* peers, const base::Clock* clock)
    : store_(store), peers_(peers), clock_(clock) {
  uint64_t seq = 0;
  auto items = store_->Scan(Family::kOutbox, "");
  if (items.ok() && !items->empty()) {
    v1::OutboxItem last;
    if (last.ParseFromString(items->back().second)) seq = last.seq();
  }
  auto kept = store_->GetMeta(kSeqKey);
  uint64_t counter = 0;
  if (kept.ok() && *kept && absl::SimpleAtoi(**kept, &counter)) seq = std::max(seq, counter);
  absl::MutexLock lock(&mu_);
  seq_ = seq;
}

Outbox::~Outbox() { Stop(); }

absl::Status Outbox::Commit(std::vector<KeyWrite> writes, std::vector<Message> messages,
                            const AuditNote& note) {
  {
    absl::MutexLock lock(&mu_);
    uint64_t seq = seq_;
    for (auto& m : messages) {
      m.item.set_seq(++seq);
      m.item.set_target(m.target);
      m.item.set_created_micros(clock_->NowMicros());
      writes.push_back({Family::kOutbox, SeqKey(seq), m.item.SerializeAsString()});
    }
    if (!messages.empty()) writes.push_back({Family::kMeta, kSeqKey, absl::StrCat(seq)});
    RETURN_IF_ERROR(store_->Write(writes, note));
    seq_ = seq;
  }
  if (!messages.empty()) Wake();
  return absl::OkStatus();
}

void Outbox::Wake() {
  absl::MutexLock lock(&wake_mu_);
  wake_ = true;
}

void Outbox::Start() { thread_ = std::thread([this] { Run(); }); }

void Outbox::Stop() {
  {
    absl::MutexLock lock(&wake_mu_);
    stop_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

bool Outbox::Stopping() {
  absl::MutexLock lock(&wake_mu_);
  return stop_;
}

void Outbox::Run() {
  for (;;) {
    {
      absl::MutexLock lock(&wake_mu_);
      auto woken = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(wake_mu_) { return wake_ || stop_; };
      wake_mu_.AwaitWithTimeout(absl::Condition(&woken), absl::Milliseconds(500));
      if (stop_) return;
      wake_ = false;
    }
    (void)DeliverDue();
  }
}

absl::StatusOr<int> Outbox::DeliverDue() {
  ASSIGN_OR_RETURN(auto items, store_->Scan(Family::kOutbox, ""));
  std::set<std::string> blocked;  // one failure holds later messages to that archive: order is kept
  const int64_t now = clock_->NowMicros();
  int delivered = 0;
  for (const auto& [key, value] : items) {
    v1::OutboxItem item;
    if (!item.ParseFromString(value) || blocked.contains(item.target())) continue;
    if (item.next_attempt_micros() > now) {
      blocked.insert(item.target());
      continue;
    }
    if (Stopping()) break;
    absl::Status st = Deliver(item);
    if (st.ok()) {
      ++delivered;
      continue;
    }
    item.set_attempts(item.attempts() + 1);
    item.set_last_error(std::string(st.message()));
    const std::string what = absl::StrCat(RequestIdOf(item), " to ", item.target());
    if (Permanent(st) || item.attempts() >= kMaxAttempts) {
      // Out of the way of the rest of the queue, kept for an operator (requests dead-letter).
      item.set_permanent(Permanent(st));
      item.set_dead_micros(clock_->NowMicros());
      (void)store_->Write({{Family::kOutbox, key, std::nullopt},
                           {Family::kMeta, absl::StrCat(kDeadPrefix, SeqKey(item.seq())), item.SerializeAsString()}},
                          {"outbox", "outbox.dead-letter", what,
                           absl::StrCat("given up after ", item.attempts(), " attempts: ", st.message())});
      continue;
    }
    blocked.insert(item.target());
    const int64_t backoff =
        std::min<int64_t>(30'000'000, 250'000LL << std::min<uint32_t>(item.attempts(), 7));
    item.set_next_attempt_micros(clock_->NowMicros() + backoff);
    (void)store_->Write({{Family::kOutbox, key, item.SerializeAsString()}},
                        {"outbox", "outbox.retry", what,
                         absl::StrCat("failed (attempt ", item.attempts(), "): ", st.message())});
  }
  return delivered;
}

absl::Status Outbox::Deliver(const v1::OutboxItem& item) {
  KeyWrite remove{Family::kOutbox, SeqKey(item.seq()), std::nullopt};
  if (item.has_submit()) {
    ASSIGN_OR_RETURN(v1::SubmitResponse answer, peers_->Submit(item.target(), item.submit()));
    if (on_submit_) return on_submit_(item, answer, std::move(remove));
    return store_->Write({remove}, {"outbox", "request.delivered", RequestIdOf(item),
                                    absl::StrCat("ok: ", item.target(), " acknowledged")});
  }
  RETURN_IF_ERROR(peers_->Update(item.target(), item.update()).status());
  return store_->Write({remove}, {"outbox", "update.delivered", item.update().request_id(),
                                  absl::StrCat("ok: ", item.target(), " acknowledged ",
                                               StateName(item.update().state()))});
}

absl::StatusOr<v1::DeadLetterList> Outbox::DeadLetters() {
  ASSIGN_OR_RETURN(auto dead, store_->Scan(Family::kMeta, kDeadPrefix));
  v1::DeadLetterList out;
  for (const auto& [key, value] : dead) {
    v1::OutboxItem item;
    if (!item.ParseFromString(value)) return absl::DataLossError(absl::StrCat("dead letter ", key, " does not parse"));
    *out.add_items() = Slimmed(std::move(item));
  }
  return out;
}

absl::StatusOr<v1::OutboxItem> Outbox::Retry(uint64_t seq, const std::string& actor) {
  const std::string key = absl::StrCat(kDeadPrefix, SeqKey(seq));
  ASSIGN_OR_RETURN(auto value, store_->Get(Family::kMeta, key));
  v1::OutboxItem item;
  if (!value) return absl::NotFoundError(absl::StrCat("there is no dead letter ", seq, " (requests dead-letter lists them)"));
  if (!item.ParseFromString(*value)) return absl::DataLossError(absl::StrCat("dead letter ", seq, " does not parse"));
  const std::string what = absl::StrCat(RequestIdOf(item), " to ", item.target(), " (was message ", seq, ")");
  Message again{item.target(), item};
  again.item.clear_attempts();
  again.item.clear_next_attempt_micros();
  again.item.clear_last_error();
  again.item.clear_dead_micros();
  again.item.clear_permanent();
  std::vector<Message> messages{std::move(again)};
  RETURN_IF_ERROR(Commit({{Family::kMeta, key, std::nullopt}}, messages, {actor, "outbox.retry-dead-letter", what, "ok"}));
  return Slimmed(item);
}

absl::StatusOr<std::string> Outbox::Pending(const std::string& request_id) {
  ASSIGN_OR_RETURN(auto pending, store_->Scan(Family::kOutbox, ""));
  std::string out;
  for (const auto& [key, value] : pending) {
    v1::OutboxItem item;
    if (!item.ParseFromString(value) || RequestIdOf(item) != request_id) continue;
    out = absl::StrCat("waiting to reach ", item.target(),
                       item.attempts() == 0
                           ? ""
                           : absl::StrCat(" (", item.attempts(), " attempts; last: ",
                                          item.last_error(), ")"));
  }
  ASSIGN_OR_RETURN(auto dead, store_->Scan(Family::kMeta, kDeadPrefix));
  for (const auto& [key, value] : dead) {
    v1::OutboxItem item;
    if (!item.ParseFromString(value) || RequestIdOf(item) != request_id) continue;
    absl::StrAppend(&out, out.empty() ? "" : "; ", "message ", item.seq(), " to ", item.target(),
                    " is on the dead-letter list (", item.last_error(), "): kuaguan requests retry ", item.seq());
  }
  return out;
}

}  // namespace kuaguan::federation
