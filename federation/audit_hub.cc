#include "federation/audit_hub.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "federation/audit_view.h"
#include "base/printable.h"
#include "base/status_macros.h"
#include "seal/audit_chain.h"
#include "seal/digest.h"
#include "seal/node_signature.h"

namespace kuaguan::federation {
namespace v1 = kuaguan::v1;

namespace {

constexpr char kEntryPrefix[] = "hub/audit/";
constexpr char kCopyPrefix[] = "hub/copy/";
constexpr char kCheckpointPrefix[] = "hub/checkpoint/";
constexpr char kAlarmPrefix[] = "hub/alarm/";

std::string EntryKey(const std::string& code, uint64_t seq) { return absl::StrCat(kEntryPrefix, code, "/", SeqKey(seq)); }

bool SameContent(const v1::AuditEntry& a, const v1::AuditEntry& b) {
  return a.time_micros() == b.time_micros() && a.actor() == b.actor() && a.action() == b.action() &&
         a.object() == b.object() && a.outcome() == b.outcome();
}

// What changed between the hub's entry and the member's, field by field.
std::string Changes(const v1::AuditEntry& was, const v1::AuditEntry& now) {
  std::string out;
  auto field = [&](const char* name, const std::string& a, const std::string& b) {
    if (a == b) return;
    absl::StrAppend(&out, out.empty() ? "" : "; ", name, " was \"", base::Printable(a, 120), "\", now \"",
                    base::Printable(b, 120), "\"");
  };
  field("actor", was.actor(), now.actor());
  field("action", was.action(), now.action());
  field("object", was.object(), now.object());
  field("outcome", was.outcome(), now.outcome());
  if (was.time_micros() != now.time_micros()) {
    absl::StrAppend(&out, out.empty() ? "" : "; ", "time was ",
                    absl::FormatTime("%Y-%m-%d %H:%M:%S", absl::FromUnixMicros(was.time_micros()), absl::UTCTimeZone()),
                    ", now ",
                    absl::FormatTime("%Y-%m-%d %H:%M:%S", absl::FromUnixMicros(now.time_micros()), absl::UTCTimeZone()));
  }
  return out;
}

absl::StatusOr<int64_t> DayMicros(const std::string& date, bool end) {
  absl::CivilDay day;
  if (!absl::ParseCivilTime(date, &day)) {
    return absl::InvalidArgumentError(absl::StrCat("date \"", base::Printable(date, 40), "\" is not YYYY-MM-DD"));
  }
  // Dates are the archives' own (China Standard Time, UTC+8).
  const absl::TimeZone cst = absl::FixedTimeZone(8 * 3600);
  return absl::ToUnixMicros(absl::FromCivil(end ? day + 1 : day, cst)) - (end ? 1 : 0);
}

}  // namespace

std::string AuditBlockDigest(const std::vector<std::pair<uint64_t, std::string>>& entries) {
  std::string data;
  data.reserve(entries.size() * 40);
  for (const auto& [seq, hash] : entries) absl::StrAppend(&data, SeqKey(seq), hash);
  return seal::Sm3(data);
}

absl::StatusOr<std::unique_ptr<AuditHub>> AuditHub::Open(StateStore* store, const base::Clock* clock,
                                                          CertLookup cert_of) {
  std::unique_ptr<AuditHub> hub(new AuditHub());
  hub->store_ = store;
  hub->clock_ = clock;
  hub->cert_of_ = std::move(cert_of);
  absl::MutexLock lock(&hub->mu_);
  ASSIGN_OR_RETURN(auto copies, store->ScanMeta(kCopyPrefix));
  for (const auto& [key, value] : copies) {
    v1::AuditCheckpoint cp;
    if (!cp.ParseFromString(value)) return absl::DataLossError(absl::StrCat("unreadable ", key));
    Copy& c = hub->copies_[cp.archive()];
    c.count = cp.count();
    c.head = cp.head();
    c.last_micros = cp.time_micros();
  }
  ASSIGN_OR_RETURN(auto checkpoints, store->ScanMeta(kCheckpointPrefix));
  for (const auto& [key, value] : checkpoints) {
    v1::SignedAuditCheckpoint signed_cp;
    v1::AuditCheckpoint cp;
    if (signed_cp.ParseFromString(value) && cp.ParseFromString(signed_cp.checkpoint())) {
      hub->copies_[cp.archive()].checkpoint_count = cp.count();
    }
  }
  ASSIGN_OR_RETURN(auto alarms, store->ScanMeta(kAlarmPrefix));
  for (const auto& [key, value] : alarms) {
    v1::Alarm a;
    if (!a.ParseFromString(value)) return absl::DataLossError(absl::StrCat("unreadable ", key));
    if (a.open() && a.kind() == "audit-mismatch") hub->copies_[a.archive()].alarmed = true;
    hub->alarms_.push_back(std::move(a));
  }
  return hub;
}

v1::AuditShipAck AuditHub::AckOf(const Copy& copy) const {
  v1::AuditShipAck ack;
  ack.set_cursor(copy.count);
  ack.set_head(copy.head);
  return ack;
}

v1::AuditShipAck AuditHub::Cursor(const std::string& code) {
  absl::MutexLock lock(&mu_);
  auto it = copies_.find(code);
  v1::AuditShipAck ack = it == copies_.end() ? v1::AuditShipAck() : AckOf(it->second);
  if (it != copies_.end() && it->second.alarmed) {
    for (const auto& a : alarms_) {
      if (a.open() && a.archive() == code && a.kind() == "audit-mismatch") ack.set_alarm(a.detail());
    }
  }
  return ack;
}

absl::StatusOr<std::vector<v1::AuditEntry>> AuditHub::Entries(const std::string& code, uint64_t from, uint64_t to) {
  std::vector<v1::AuditEntry> out;
  for (uint64_t seq = from; seq < to; ++seq) {
    ASSIGN_OR_RETURN(auto raw, store_->GetMeta(EntryKey(code, seq)));
    if (!raw) return absl::DataLossError(absl::StrCat("the hub's copy of ", code, " lacks entry ", seq));
    v1::AuditEntry e;
    if (!e.ParseFromString(*raw)) return absl::DataLossError(absl::StrCat("the hub's entry ", seq, " of ", code, " is unreadable"));
    out.push_back(std::move(e));
  }
  return out;
}

absl::StatusOr<std::string> AuditHub::BlockDigest(const std::string& code, const Copy& copy, uint64_t block) {
  const uint64_t from = block * kAuditBlock + 1;
  const uint64_t to = std::min((block + 1) * kAuditBlock, copy.count) + 1;
  ASSIGN_OR_RETURN(auto entries, Entries(code, from, to));
  std::vector<std::pair<uint64_t, std::string>> pairs;
  pairs.reserve(entries.size());
  for (const auto& e : entries) pairs.emplace_back(e.seq(), e.hash());
  return AuditBlockDigest(pairs);
}

absl::StatusOr<std::optional<std::pair<uint64_t, std::string>>> AuditHub::Compare(
    const std::string& code, const Copy& copy, const v1::AuditShipment& shipment) {
  // (Checked before multiplying: a block number from the member must not wrap around.)
  if (shipment.resend_block() >= (copy.count + kAuditBlock - 1) / kAuditBlock) return std::nullopt;
  const uint64_t from = shipment.resend_block() * kAuditBlock + 1;
  const uint64_t to = std::min(from + kAuditBlock, std::min(copy.count, std::max<uint64_t>(shipment.swept(), 1)) + 1);
  // One entry past the block, when the hub holds it, tells a drop or a swap at the block's end.
  const size_t block = to > from ? to - from : 0;
  ASSIGN_OR_RETURN(auto held, Entries(code, from, std::max(std::min(to + 1, copy.count + 1), from)));
  const auto& sent = shipment.entries();
  for (size_t i = 0; i < block && i < held.size(); ++i) {
    const v1::AuditEntry& h = held[i];
    if (i >= static_cast<size_t>(sent.size())) {
      return std::make_pair(h.seq(), absl::StrCat("the log is truncated: it ends before entry ", h.seq(),
                                                  " (the hub holds ", copy.count, " entries)"));
    }
    const v1::AuditEntry& m = sent[static_cast<int>(i)];
    if (m.seq() == h.seq() && m.hash() == h.hash() && SameContent(m, h)) continue;
    auto found_later = [&](size_t from_index) -> std::optional<size_t> {
      for (size_t j = from_index; j < held.size(); ++j) {
        if (SameContent(m, held[j])) return j;
      }
      return std::nullopt;
    };
    // The hub's entry still further on in the member's log: moved (reordered), not dropped.
    auto sent_later = [&]() {
      for (size_t k = i + 1; k < static_cast<size_t>(sent.size()); ++k) {
        if (SameContent(sent[static_cast<int>(k)], h)) return true;
      }
      return false;
    };
    if ((m.seq() > h.seq() || (m.seq() == h.seq() && i + 1 < held.size() && SameContent(m, held[i + 1]))) &&
        !sent_later()) {
      if (auto j = found_later(i + 1)) {
        return std::make_pair(h.seq(), absl::StrCat("entry ", h.seq(), " was dropped (", h.action(), " ",
                                                    base::Printable(h.object(), 120), "): the member's log goes on with what was entry ",
                                                    held[*j].seq()));
      }
    }
    if (m.seq() == h.seq() && SameContent(m, h)) {
      return std::make_pair(h.seq(), absl::StrCat("entry ", h.seq(), "'s hash was changed (its content is the same)"));
    }
    if (auto j = found_later(0); j && *j != i) {
      return std::make_pair(h.seq(), absl::StrCat("entries were reordered: the member's entry at ", h.seq(),
                                                  " is the hub's entry ", held[*j].seq()));
    }
    if (m.seq() != h.seq()) {
      return std::make_pair(h.seq(), absl::StrCat("entry ", h.seq(), " is numbered ", m.seq(), " in the member's log"));
    }
    return std::make_pair(h.seq(), absl::StrCat("entry ", h.seq(), " was rewritten: ", Changes(h, m)));
  }
  return std::nullopt;
}

absl::Status AuditHub::KeepAlarmLocked(v1::Alarm a) {
  a.set_id(absl::StrCat("A", alarms_.size() + 1));
  a.set_raised_micros(clock_->NowMicros());
  a.set_open(true);
  RETURN_IF_ERROR(store_->PutMeta({{absl::StrCat(kAlarmPrefix, SeqKey(alarms_.size() + 1)), a.SerializeAsString()}},
                                  {"hub", absl::StrCat("hub.alarm.", a.kind()), a.archive(), base::Printable(a.detail(), 500)}));
  alarms_.push_back(std::move(a));
  return absl::OkStatus();
}

absl::Status AuditHub::RaiseLocked(const std::string& code, Copy* copy, uint64_t entry, const std::string& detail) {
  v1::Alarm a;
  a.set_archive(code);
  a.set_kind("audit-mismatch");
  a.set_detail(absl::StrCat("archive ", code, ": ", detail));
  a.set_first_bad_entry(entry);
  RETURN_IF_ERROR(KeepAlarmLocked(std::move(a)));
  copy->alarmed = true;
  return absl::OkStatus();
}

absl::Status AuditHub::RaiseAlarm(const std::string& code, const std::string& kind, const std::string& detail) {
  absl::MutexLock lock(&mu_);
  for (const auto& a : alarms_) {
    if (a.open() && a.archive() == code && a.kind() == kind && a.detail() == detail) return absl::OkStatus();
  }
  v1::Alarm a;
  a.set_archive(code);
  a.set_kind(kind);
  a.set_detail(base::Printable(detail, 1000));
  return KeepAlarmLocked(std::move(a));
}

absl::StatusOr<v1::AuditShipAck> AuditHub::Ship(const v1::AuditShipment& shipment) {
  const std::string& code = shipment.from();
  if (shipment.entries_size() > kMaxShipEntries) {
    return absl::InvalidArgumentError(absl::StrCat("a shipment carries at most ", kMaxShipEntries, " entries"));
  }
  if (static_cast<uint64_t>(shipment.block_digests_size()) > shipment.swept() / kAuditBlock + 1) {
    return absl::InvalidArgumentError("more block digests than the swept entries make");
  }
  v1::AuditCheckpoint cp;
  if (!cp.ParseFromString(shipment.checkpoint().checkpoint()) || cp.archive() != code) {
    return absl::InvalidArgumentError("the shipment's checkpoint is unreadable or of another archive");
  }
  const std::optional<std::string> cert = cert_of_(code);
  if (!cert) return absl::PermissionDeniedError(absl::StrCat("archive ", code, " is not a member"));
  RETURN_IF_ERROR(seal::VerifyNodeSignature(*cert, shipment.checkpoint().checkpoint(), shipment.checkpoint().signature()));

  absl::MutexLock lock(&mu_);
  Copy& copy = copies_[code];
  if (copy.alarmed) {
    v1::AuditShipAck ack = AckOf(copy);
    for (const auto& a : alarms_) {
      if (a.open() && a.archive() == code && a.kind() == "audit-mismatch") ack.set_alarm(a.detail());
    }
    return ack;
  }
  auto raise = [&](uint64_t entry, const std::string& detail)
                   ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) -> absl::StatusOr<v1::AuditShipAck> {
    RETURN_IF_ERROR(RaiseLocked(code, &copy, entry, detail));
    v1::AuditShipAck ack = AckOf(copy);
    ack.set_alarm(alarms_.back().detail());
    return ack;
  };

  if (shipment.resend()) {
    ASSIGN_OR_RETURN(auto differs, Compare(code, copy, shipment));
    if (differs) return raise(differs->first, differs->second);
    return AckOf(copy);
  }

  // The sweep: the member's stored log, block by block, against the copy.
  if (shipment.block_digests_size() > 0) {
    const uint64_t swept = std::min(shipment.swept(), copy.count);
    for (int b = 0; static_cast<uint64_t>(b) * kAuditBlock < swept; ++b) {
      if (b >= shipment.block_digests_size()) break;
      std::string held;
      const bool complete = (static_cast<uint64_t>(b) + 1) * kAuditBlock <= swept;
      if (complete && static_cast<size_t>(b) < copy.blocks.size()) {
        held = copy.blocks[b];
      } else {
        Copy prefix = copy;
        prefix.count = swept;
        ASSIGN_OR_RETURN(held, BlockDigest(code, prefix, b));
        if (complete && static_cast<size_t>(b) == copy.blocks.size()) copy.blocks.push_back(held);
      }
      if (held != shipment.block_digests(b)) {
        v1::AuditShipAck ack = AckOf(copy);
        ack.add_resend_blocks(b);
        return ack;
      }
    }
    if (shipment.swept() < copy.count && cp.count() < copy.count) {
      return raise(cp.count() + 1, absl::StrCat("the log is truncated: it holds ", cp.count(),
                                                " entries, the hub holds ", copy.count));
    }
  }

  // New entries: they must extend the copy.
  uint64_t count = copy.count;
  std::string head = copy.head;
  std::vector<std::pair<std::string, std::string>> writes;
  for (const v1::AuditEntry& e : shipment.entries()) {
    if (e.seq() <= count) continue;  // held already (a repeat after a lost answer)
    if (e.seq() != count + 1) {
      return raise(count + 1, absl::StrCat("entry ", count + 1, " is missing: the member's log goes from ", count,
                                           " to ", e.seq()));
    }
    if (e.prev_hash() != head) {
      v1::AuditShipAck ack = AckOf(copy);
      if (count == 0) return raise(1, "entry 1 does not start a chain");
      ack.add_resend_blocks((count - 1) / kAuditBlock);  // find where the logs part
      return ack;
    }
    if (seal::AuditEntryHash(e) != e.hash()) {
      return raise(e.seq(), absl::StrCat("entry ", e.seq(), "'s hash does not match its content"));
    }
    count = e.seq();
    head = e.hash();
    writes.emplace_back(EntryKey(code, e.seq()), e.SerializeAsString());
  }
  if (cp.count() == count && cp.head() != head) {
    return raise(count, absl::StrCat("the member's checkpoint at ", count, " names another head than entry ", count));
  }
  if (cp.count() < count) {
    return absl::InvalidArgumentError("the checkpoint names fewer entries than the shipment carries");
  }
  if (writes.empty() && cp.count() == copy.checkpoint_count) return AckOf(copy);
  const uint64_t first = copy.count + 1;
  v1::AuditCheckpoint kept;
  kept.set_archive(code);
  kept.set_count(count);
  kept.set_head(head);
  kept.set_time_micros(writes.empty() ? copy.last_micros : clock_->NowMicros());
  writes.emplace_back(absl::StrCat(kCopyPrefix, code), kept.SerializeAsString());
  writes.emplace_back(absl::StrCat(kCheckpointPrefix, code), shipment.checkpoint().SerializeAsString());
  RETURN_IF_ERROR(store_->PutMeta(
      writes, {absl::StrCat("peer:", code), "hub.audit.receive",
               writes.size() > 2 ? absl::StrCat(code, " entries ", first, "-", count) : absl::StrCat(code, " checkpoint ", cp.count()),
               "ok"}));
  copy.count = count;
  copy.head = head;
  copy.last_micros = kept.time_micros();
  copy.checkpoint_count = cp.count();
  return AckOf(copy);
}

absl::StatusOr<v1::HubAuditList> AuditHub::Query(const v1::HubAuditQuery& query) {
  constexpr uint32_t kMaxLimit = 10000;
  if (query.limit() > kMaxLimit) return absl::InvalidArgumentError(absl::StrCat("--limit ", query.limit(), " is above ", kMaxLimit));
  const uint32_t limit = query.limit() == 0 ? 1000 : query.limit();
  int64_t from = 0, to = INT64_MAX;
  if (!query.from_date().empty()) {
    ASSIGN_OR_RETURN(from, DayMicros(query.from_date(), false));
  }
  if (!query.to_date().empty()) {
    ASSIGN_OR_RETURN(to, DayMicros(query.to_date(), true));
  }
  const std::string& action = query.action();
  const bool prefix = !action.empty() && action.back() == '.';
  ASSIGN_OR_RETURN(auto raw, store_->ScanMeta(query.archive().empty() ? std::string(kEntryPrefix)
                                                                      : absl::StrCat(kEntryPrefix, query.archive(), "/")));
  v1::HubAuditList out;
  uint64_t matched = 0;
  for (const auto& [key, value] : raw) {
    v1::AuditEntry e;
    if (!e.ParseFromString(value)) continue;
    if (e.time_micros() < from || e.time_micros() > to) continue;
    if (!action.empty() && (prefix ? !absl::StartsWith(e.action(), action) : e.action() != action)) continue;
    if (!query.object().empty() && e.object() != query.object()) continue;
    v1::AuditListEntry shown = AuditListEntryOf(e);
    if (!query.person().empty() && shown.person() != query.person()) continue;
    ++matched;
    if (static_cast<uint32_t>(out.entries_size()) >= limit) continue;
    auto* row = out.add_entries();
    const size_t slash = key.find('/', sizeof(kEntryPrefix) - 1);
    row->set_archive(key.substr(sizeof(kEntryPrefix) - 1, slash - (sizeof(kEntryPrefix) - 1)));
    *row->mutable_entry() = std::move(shown);
  }
  out.set_matched(matched);
  return out;
}

absl::StatusOr<v1::Alarm> AuditHub::Resolve(const std::string& id, const std::string& reason, const std::string& actor) {
  if (reason.empty()) return absl::InvalidArgumentError("resolving an alarm needs --reason");
  absl::MutexLock lock(&mu_);
  for (size_t i = 0; i < alarms_.size(); ++i) {
    v1::Alarm& a = alarms_[i];
    if (a.id() != id) continue;
    if (!a.open()) return absl::FailedPreconditionError(absl::StrCat("alarm ", id, " is closed already"));
    v1::Alarm closed = a;
    closed.set_open(false);
    closed.set_resolved_by(actor);
    closed.set_resolved_reason(base::Printable(reason, 500));
    closed.set_resolved_micros(clock_->NowMicros());
    RETURN_IF_ERROR(store_->PutMeta({{absl::StrCat(kAlarmPrefix, SeqKey(i + 1)), closed.SerializeAsString()}},
                                    {actor, "hub.alarm.resolve", absl::StrCat(id, " ", a.archive()),
                                     absl::StrCat("ok: ", closed.resolved_reason())}));
    a = closed;
    bool still = false;
    for (const auto& other : alarms_) {
      if (other.open() && other.archive() == a.archive() && other.kind() == "audit-mismatch") still = true;
    }
    copies_[a.archive()].alarmed = still;
    return a;
  }
  return absl::NotFoundError(absl::StrCat("no alarm ", base::Printable(id, 40), " (federation status lists them)"));
}

std::vector<v1::Alarm> AuditHub::Alarms() {
  absl::MutexLock lock(&mu_);
  std::vector<v1::Alarm> out = alarms_;
  std::stable_sort(out.begin(), out.end(), [](const v1::Alarm& a, const v1::Alarm& b) { return a.open() > b.open(); });
  return out;
}

std::map<std::string, AuditHub::Held> AuditHub::Holdings() {
  absl::MutexLock lock(&mu_);
  std::map<std::string, Held> out;
  for (const auto& [code, copy] : copies_) out[code] = {copy.count, copy.last_micros};
  return out;
}

}  // namespace kuaguan::federation
