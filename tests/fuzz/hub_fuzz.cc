// Feeds: the audit hub's three parts (AuditHub, TransparencyLog, HealthBoard) on one real store
// (node::Store in the scratch dir, rebuilt every 1,000 inputs after checking that a hub and a log
// reopened on it hold what they held) with a clock that moves only when an input moves it. Each
// input is a member of its own (a fresh code; one ECDSA P-256 key and self-signed certificate for
// all) and a run of operations split from the input, each [op][payload length, 2 bytes LE]
// [payload]; the op's low nibble picks what, its high nibble flags f0..f3:
//   0  an AuditShipment as parsed to Ship (f0: sent as the member);
//   1  the same as the member, its checkpoint made the member's and signed with its key (f0: the
//      entries chained onto the hub's copy; f1: the checkpoint names the last of them; f2: no
//      sweep or resend fields; f3: signed with another member's key);
//   2  n entries the harness makes (n from the payload: up to 48, or with f0 up to 2,100), chained on
//      and shipped;
//   3  a sweep of the member's log as the hub holds it, after one forger's move named by the
//      payload (a field rewritten, an entry dropped, two swapped, the log truncated; the chain
//      recomputed each time), with the resends the member's HubLink makes;
//   4  a resend as parsed, as the member, signed (f0: its checkpoint names the hub's cursor);
//   5  a LogSubmission to TransparencyLog::Submit (f0: as the member; f1: entries made
//      well-formed, of the member);
//   6  Inclusion (an InclusionRequest) or, f0, Consistency (a ConsistencyRequest) (f1: sizes
//      picked among those signed; f2: a serial picked among those logged);
//   7  a Cosignature (f0: as the member; f1: a size signed; f2: a valid line by the member's key;
//      f3: the parsed line appended to it);
//   8  a HealthReport to HealthBoard::Report, then View (f0: as the member; f1: it alone);
//   9  the clock moved forward; 10 a HubAuditQuery (f0: of any archive); 11 a LogAlarm's reason
//      raised as the hub service raises it; 12 a ResolveAlarmRequest (f0: the member's first open
//      alarm; f1: with a reason).
// Asserts: statuses are OK or the codes each call documents; the hub's copy of the member never
// shrinks, its entries read from the store chain (seal::AuditChainVerifier) and never change, and
// the cursor names its head; an alarmed member's shipments change nothing; well-formed entries
// are taken; a sweep of the log as held raises nothing and of a changed log raises an alarm naming
// the first changed entry (and saying what happened, where it is unambiguous); every inclusion and
// consistency proof handed out verifies, and every checkpoint stays a note the log's key verifies;
// a report within the limits is taken and any other refused; a query answers at most its limit.
#include <botan/auto_rng.h>
#include <botan/data_src.h>
#include <botan/pk_keys.h>
#include <botan/x509self.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "base/printable.h"
#include "federation/audit_hub.h"
#include "federation/health_board.h"
#include "federation/state_store.h"
#include "federation/transparency_log.h"
#include "google/protobuf/stubs/logging.h"
#include "node/store.h"
#include "seal/audit_chain.h"
#include "seal/digest.h"
#include "seal/key_file.h"
#include "seal/log_proof.h"
#include "seal/merkle_tree.h"
#include "seal/node_signature.h"
#include "seal/signed_note.h"
#include "tests/fuzz/fuzz_util.h"
#include "tests/testing/fake_clock.h"

namespace {

namespace v1 = kuaguan::v1;
namespace fed = kuaguan::federation;
namespace seal = kuaguan::seal;
using absl::StatusCode;

constexpr char kOrigin[] = "kuaguan.fuzz/log/410000";
constexpr char kProvincial[] = "410000";
constexpr char kSecond[] = "410200";  // another member, with a key of its own
constexpr char kAuditor[] = "王保密 (auditor, unix:alice)";
constexpr int kInputsPerWorld = 1000;
constexpr uint64_t kMaxWorldEntries = 100000;  // entries held in all, before a new world
constexpr uint64_t kMaxCopy = 3100;            // a member's copy grows no further by op 2 (3 blocks)
constexpr int kMaxOps = 32;
const absl::Time kStart = absl::FromUnixSeconds(1789000000);  // 2026-09-10

enum Op : uint8_t {
  kRawShip, kSignedShip, kGrow, kSweep, kResend, kSubmit, kProof, kCosign, kHealth, kClock, kQuery, kRaise,
  kResolve, kOps
};

struct Identity {
  std::unique_ptr<Botan::Private_Key> key;
  std::string key_pem;
  std::string cert_pem;
};

Identity NewIdentity(const std::string& code) {
  Botan::AutoSeeded_RNG rng;
  Identity id;
  id.key = seal::NewKey(seal::KeyKind::kEcdsaP256, rng);
  id.key_pem = seal::PlainKeyPem(*id.key);
  Botan::X509_Cert_Options opts(code + "/CN");
  id.cert_pem = Botan::X509::create_self_signed_cert(opts, *id.key, "SHA-256", rng).PEM_encode();
  return id;
}

std::string EntryKey(const std::string& code, uint64_t seq) { return absl::StrCat("hub/audit/", code, "/", fed::SeqKey(seq)); }

// What SameContent in the hub compares.
std::tuple<int64_t, std::string, std::string, std::string, std::string> Content(const v1::AuditEntry& e) {
  return {e.time_micros(), e.actor(), e.action(), e.object(), e.outcome()};
}

void Rechain(std::vector<v1::AuditEntry>* log, size_t from = 0) {
  std::string prev = from == 0 ? "" : (*log)[from - 1].hash();
  for (size_t i = from; i < log->size(); ++i) {
    (*log)[i].clear_hash();
    seal::SealAuditEntry(i, prev, &(*log)[i]);
    prev = (*log)[i].hash();
  }
}

bool OneOf(const absl::Status& st, std::initializer_list<StatusCode> codes) {
  if (st.ok()) return true;
  for (StatusCode c : codes) {
    if (st.code() == c) return true;
  }
  return false;
}

// The payload read from the front, short reads giving zeros.
class Reader {
 public:
  explicit Reader(const std::string& s) : s_(s) {}
  uint8_t U8() { return pos_ < s_.size() ? static_cast<uint8_t>(s_[pos_++]) : 0; }
  uint16_t U16() {
    const uint8_t lo = U8();
    const uint8_t hi = U8();
    return static_cast<uint16_t>(lo | hi << 8);
  }
  uint32_t U32() {
    const uint16_t lo = U16();
    const uint16_t hi = U16();
    return lo | static_cast<uint32_t>(hi) << 16;
  }
  std::string Rest() { return pos_ < s_.size() ? s_.substr(pos_) : ""; }

 private:
  const std::string& s_;
  size_t pos_ = 0;
};

struct World {
  std::filesystem::path dir;
  std::unique_ptr<kuaguan::node::Store> store;
  std::unique_ptr<fed::AuditHub> hub;
  std::unique_ptr<fed::TransparencyLog> log;
  std::unique_ptr<fed::HealthBoard> board;
  std::vector<uint64_t> signed_sizes{0};
  std::vector<std::string> serials;  // some logged serials, for proofs
  int inputs = 0;
};

class Harness {
 public:
  static Harness& Get() {
    static Harness* h = new Harness();
    return *h;
  }
  void Run(const uint8_t* data, size_t size);

 private:
  Harness() : member_(NewIdentity("410100")), second_(NewIdentity(kSecond)) { NewWorld(); }

  fed::AuditHub::CertLookup Certs() {
    return [this](const std::string& code) -> std::optional<std::string> {
      if (code == code_) return member_.cert_pem;
      if (code == kSecond) return second_.cert_pem;
      return std::nullopt;
    };
  }
  void NewWorld();
  void EndWorld();

  v1::SignedAuditCheckpoint Sign(v1::AuditCheckpoint cp, const Identity& id) {
    v1::SignedAuditCheckpoint out;
    out.set_checkpoint(cp.SerializeAsString());
    auto sig = seal::SignWithNodeKey(id.key_pem, out.checkpoint());
    FUZZ_CHECK(sig.ok(), sig.status().ToString());
    out.set_signature(*sig);
    return out;
  }
  v1::SignedAuditCheckpoint CheckpointOf(uint64_t count, const std::string& head) {
    v1::AuditCheckpoint cp;
    cp.set_archive(code_);
    cp.set_count(count);
    cp.set_head(head);
    cp.set_time_micros(clock_.NowMicros());
    return Sign(cp, member_);
  }
  v1::SignedAuditCheckpoint CheckpointOf(const std::vector<v1::AuditEntry>& log) {
    return CheckpointOf(log.size(), log.empty() ? "" : log.back().hash());
  }
  bool Alarmed() { return !w_->hub->Cursor(code_).alarm().empty(); }
  std::vector<v1::Alarm> OpenAlarms() {
    std::vector<v1::Alarm> out;
    for (const auto& a : w_->hub->Alarms()) {
      if (a.open() && a.archive() == code_) out.push_back(a);
    }
    return out;
  }
  // Checks the hub's copy of the member against what the harness verified so far and takes in
  // its new entries. `may_grow` false: it must be as it was.
  void CheckCopy(bool may_grow, const char* after);
  // Ship with the statuses `allowed`; the answer when OK.
  std::optional<v1::AuditShipAck> Ship(const v1::AuditShipment& s, std::initializer_list<StatusCode> allowed,
                                       const char* what) {
    auto ack = w_->hub->Ship(s);
    FUZZ_CHECK(OneOf(ack.status(), allowed), absl::StrCat(what, ": ", ack.status().ToString()));
    if (!ack.ok()) return std::nullopt;
    FUZZ_CHECK(ack->cursor() >= copy_.size(), absl::StrCat(what, ": the cursor went back"));
    return *ack;
  }

  void RawShip(const std::string& p, uint8_t f);
  void SignedShip(const std::string& p, uint8_t f);
  void Grow(const std::string& p, uint8_t f);
  void Sweep(const std::string& p);
  void Resend(const std::string& p, uint8_t f);
  void Submit(const std::string& p, uint8_t f);
  void Proof(const std::string& p, uint8_t f);
  void Cosign(const std::string& p, uint8_t f);
  void Health(const std::string& p, uint8_t f);
  void Query(const std::string& p, uint8_t f);
  void Raise(const std::string& p);
  void Resolve(const std::string& p, uint8_t f);

  kuaguan::fuzz::ScratchDir scratch_{"hub"};
  kuaguan::testing::FakeClock clock_{kStart};
  const Identity member_;
  const Identity second_;
  int worlds_ = 0;
  uint64_t members_ = 0;
  std::unique_ptr<World> w_;

  // This input's member and the hub's copy of its log as verified.
  std::string code_;
  std::vector<v1::AuditEntry> copy_;
  seal::AuditChainVerifier chain_;
  int64_t reported_micros_ = -1;  // when the member last reported (op 8), this input
};

void Harness::NewWorld() {
  w_ = std::make_unique<World>();
  w_->dir = scratch_.path() / absl::StrCat("world-", ++worlds_);
  clock_.Set(kStart);
  std::error_code ec;
  std::filesystem::create_directories(w_->dir, ec);
  std::filesystem::permissions(w_->dir, std::filesystem::perms::owner_all, ec);
  auto store = kuaguan::node::Store::Open(w_->dir / "store", &clock_);
  FUZZ_CHECK(store.ok(), store.status().ToString());
  w_->store = std::move(*store);
  auto hub = fed::AuditHub::Open(w_->store.get(), &clock_, Certs());
  FUZZ_CHECK(hub.ok(), hub.status().ToString());
  w_->hub = std::move(*hub);
  auto log = fed::TransparencyLog::Open(w_->store.get(), &clock_, kOrigin, w_->dir / "log-key.pem", "fuzz");
  FUZZ_CHECK(log.ok(), log.status().ToString());
  w_->log = std::move(*log);
  w_->board = std::make_unique<fed::HealthBoard>(&clock_, 60);
}

// The hub and the log reopened on the same store hold what they held; then the world goes.
void Harness::EndWorld() {
  std::map<std::string, fed::AuditHub::Held> held;
  for (const auto& [code, h] : w_->hub->Holdings()) {
    if (h.entries > 0) held[code] = h;
  }
  std::map<std::string, std::string> cursors;
  for (const auto& [code, h] : held) cursors[code] = w_->hub->Cursor(code).SerializeAsString();
  std::vector<std::string> alarms;
  for (const auto& a : w_->hub->Alarms()) alarms.push_back(a.SerializeAsString());
  auto checkpoint = w_->log->Checkpoint();
  FUZZ_CHECK(checkpoint.ok(), checkpoint.status().ToString());

  w_->hub.reset();
  auto hub = fed::AuditHub::Open(w_->store.get(), &clock_, Certs());
  FUZZ_CHECK(hub.ok(), hub.status().ToString());
  std::map<std::string, fed::AuditHub::Held> again;
  for (const auto& [code, h] : (*hub)->Holdings()) {
    if (h.entries > 0) again[code] = h;
  }
  FUZZ_CHECK(again.size() == held.size(), "a reopened hub holds other members");
  for (const auto& [code, h] : held) {
    FUZZ_CHECK(again[code].entries == h.entries && again[code].last_micros == h.last_micros,
               absl::StrCat("a reopened hub holds another copy of ", code));
    FUZZ_CHECK((*hub)->Cursor(code).SerializeAsString() == cursors[code],
               absl::StrCat("a reopened hub answers another cursor or alarm for ", code));
  }
  std::vector<std::string> alarms_again;
  for (const auto& a : (*hub)->Alarms()) alarms_again.push_back(a.SerializeAsString());
  FUZZ_CHECK(alarms_again == alarms, "a reopened hub has other alarms");

  w_->log.reset();
  auto log = fed::TransparencyLog::Open(w_->store.get(), &clock_, kOrigin, w_->dir / "log-key.pem", "fuzz");
  FUZZ_CHECK(log.ok(), log.status().ToString());
  auto reopened = (*log)->Checkpoint();
  FUZZ_CHECK(reopened.ok(), reopened.status().ToString());
  FUZZ_CHECK(reopened->SerializeAsString() == checkpoint->SerializeAsString(),
             "a reopened log serves another checkpoint");

  const std::filesystem::path dir = w_->dir;
  log->reset();
  hub->reset();
  w_.reset();
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

void Harness::CheckCopy(bool may_grow, const char* after) {
  const auto holdings = w_->hub->Holdings();
  auto it = holdings.find(code_);
  const uint64_t count = it == holdings.end() ? 0 : it->second.entries;
  FUZZ_CHECK(count >= copy_.size(), absl::StrCat(after, ": the hub's copy shrank from ", copy_.size(), " to ", count));
  FUZZ_CHECK(may_grow || count == copy_.size(), absl::StrCat(after, ": the copy changed from ", copy_.size(), " to ", count));
  const uint64_t had = copy_.size();
  for (uint64_t seq = had + 1; seq <= count; ++seq) {
    auto raw = w_->store->GetMeta(EntryKey(code_, seq));
    FUZZ_CHECK(raw.ok() && raw->has_value(), absl::StrCat(after, ": the copy lacks entry ", seq));
    v1::AuditEntry e;
    FUZZ_CHECK(e.ParseFromString(**raw), absl::StrCat(after, ": entry ", seq, " is unreadable"));
    const absl::Status st = chain_.Add(e);
    FUZZ_CHECK(st.ok(), absl::StrCat(after, ": the hub's copy is no chain: ", st.ToString()));
    copy_.push_back(std::move(e));
  }
  FUZZ_CHECK(!w_->store->GetMeta(EntryKey(code_, count + 1))->has_value(),
             absl::StrCat(after, ": an entry past the copy's count"));
  // What was held stays as it was (the last of it, and one more picked by its size).
  for (uint64_t seq : {had, had / 2 + 1}) {
    if (seq == 0 || seq > had) continue;
    auto raw = w_->store->GetMeta(EntryKey(code_, seq));
    FUZZ_CHECK(raw.ok() && raw->has_value() && **raw == copy_[seq - 1].SerializeAsString(),
               absl::StrCat(after, ": held entry ", seq, " changed"));
  }
  const v1::AuditShipAck cursor = w_->hub->Cursor(code_);
  FUZZ_CHECK(cursor.cursor() == count, absl::StrCat(after, ": the cursor is not the count"));
  FUZZ_CHECK(cursor.head() == (copy_.empty() ? "" : copy_.back().hash()), absl::StrCat(after, ": the head is not the last entry's"));
}

void Harness::RawShip(const std::string& p, uint8_t f) {
  v1::AuditShipment s;
  if (!s.ParseFromString(p)) return;
  if (f & 1) s.set_from(code_);
  const bool alarmed = Alarmed();
  auto ack = Ship(s, {StatusCode::kInvalidArgument, StatusCode::kUnauthenticated, StatusCode::kPermissionDenied},
                  "a shipment as sent");
  if (ack && alarmed && s.from() == code_) FUZZ_CHECK(!ack->alarm().empty(), "an alarmed member's shipment taken");
  CheckCopy(!alarmed, "a shipment as sent");
}

void Harness::SignedShip(const std::string& p, uint8_t f) {
  v1::AuditShipment s;
  if (!s.ParseFromString(p)) return;
  s.set_from(code_);
  if (f & 1) {  // chained onto the copy
    std::string prev = copy_.empty() ? "" : copy_.back().hash();
    for (int i = 0; i < s.entries_size(); ++i) {
      v1::AuditEntry* e = s.mutable_entries(i);
      e->clear_hash();
      seal::SealAuditEntry(copy_.size() + i, prev, e);
      prev = e->hash();
    }
  }
  v1::AuditCheckpoint cp;
  if (!cp.ParseFromString(s.checkpoint().checkpoint())) cp.Clear();
  cp.set_archive(code_);
  if (f & 2) {
    cp.set_count(s.entries_size() > 0 ? s.entries(s.entries_size() - 1).seq() : copy_.size());
    cp.set_head(s.entries_size() > 0 ? s.entries(s.entries_size() - 1).hash()
                                     : copy_.empty() ? "" : copy_.back().hash());
  }
  if (f & 4) {
    s.clear_block_digests();
    s.clear_swept();
    s.clear_resend();
    s.clear_resend_block();
  }
  *s.mutable_checkpoint() = Sign(cp, (f & 8) ? second_ : member_);
  const bool alarmed = Alarmed();
  auto ack = Ship(s, {StatusCode::kInvalidArgument, StatusCode::kUnauthenticated}, "a signed shipment");
  // Entries chained on, named by the checkpoint, nothing else: taken whole.
  const bool well_formed = f == 7 && s.entries_size() <= fed::kMaxShipEntries;
  if (f & 8) {
    FUZZ_CHECK(!ack, "a checkpoint signed by another member's key taken");
  } else if (well_formed) {
    FUZZ_CHECK(ack.has_value(), "a well-formed shipment refused");
    if (alarmed) {
      FUZZ_CHECK(!ack->alarm().empty() && ack->cursor() == copy_.size(), "an alarmed member's shipment taken");
    } else {
      FUZZ_CHECK(ack->alarm().empty() && ack->resend_blocks_size() == 0,
                 absl::StrCat("well-formed entries raised: ", ack->alarm()));
      FUZZ_CHECK(ack->cursor() == copy_.size() + s.entries_size(), "well-formed entries not taken");
    }
  } else if (ack && alarmed) {
    FUZZ_CHECK(!ack->alarm().empty(), "an alarmed member's shipment taken");
  }
  CheckCopy(!alarmed, "a signed shipment");
}

void Harness::Grow(const std::string& p, uint8_t f) {
  Reader r(p);
  // Few entries unless f0 (many are slow under the sanitizers, and blocks are 1,024 entries).
  const int n = (f & 1) ? r.U16() % 2100 + 1 : r.U8() % 48 + 1;
  const uint8_t salt = r.U8();
  if (copy_.size() + n > kMaxCopy && n <= fed::kMaxShipEntries) return;
  static const char* const kActors[] = {"王保密 (security-officer, unix:alice)", "李编目 (cataloguer, unix:carol)",
                                        "kuaguand", "peer:410200"};
  static const char* const kActions[] = {"record.get", "record.import", "index.reindex", "request.file"};
  std::vector<v1::AuditEntry> fresh;
  std::string prev = copy_.empty() ? "" : copy_.back().hash();
  for (int i = 0; i < n; ++i) {
    const uint64_t seq = copy_.size() + i + 1;
    v1::AuditEntry e;
    e.set_time_micros(clock_.NowMicros() + static_cast<int64_t>(seq));
    e.set_actor(kActors[(salt + i) % 4]);
    e.set_action(kActions[((salt >> 2) ^ i) % 4]);
    e.set_object(absl::StrCat("A1-", seq, "-", salt));
    e.set_outcome((salt & 0x80) && i % 7 == 0 ? "refused" : "ok");
    seal::SealAuditEntry(seq - 1, prev, &e);
    prev = e.hash();
    fresh.push_back(std::move(e));
  }
  v1::AuditShipment s;
  s.set_from(code_);
  for (const auto& e : fresh) *s.add_entries() = e;
  const uint64_t whole = copy_.size() + fresh.size();
  *s.mutable_checkpoint() = CheckpointOf(whole, fresh.back().hash());
  const bool alarmed = Alarmed();
  auto ack = Ship(s, {StatusCode::kInvalidArgument}, "entries made");
  if (n > fed::kMaxShipEntries) {
    FUZZ_CHECK(!ack, "a shipment of more than kMaxShipEntries taken");
  } else {
    FUZZ_CHECK(ack.has_value(), "entries made refused");
    if (alarmed) {
      FUZZ_CHECK(!ack->alarm().empty() && ack->cursor() == copy_.size(), "an alarmed member's entries taken");
    } else {
      FUZZ_CHECK(ack->alarm().empty(), absl::StrCat("entries made raised: ", ack->alarm()));
      FUZZ_CHECK(ack->cursor() == whole, "entries made not taken");
    }
  }
  CheckCopy(!alarmed, "entries made");
}

void Harness::Sweep(const std::string& p) {
  Reader r(p);
  const uint8_t move = r.U8() % 5;
  std::vector<v1::AuditEntry> log = copy_;
  const size_t n = log.size();
  const size_t a = n == 0 ? 0 : r.U16() % n;
  const size_t b = n == 0 ? 0 : r.U16() % n;
  const uint8_t field = r.U8() % 5;
  const std::string value = absl::StrCat("forged-", seal::ToHex(r.Rest().substr(0, 8)));
  // What the hub must say, when it can say it unambiguously.
  std::string word;
  bool changed_content = false;
  if (n > 0) {
    switch (move) {
      case 1: {
        v1::AuditEntry& e = log[a];
        const auto before = Content(e);
        switch (field) {
          case 0: e.set_actor(value); break;
          case 1: e.set_action(value); break;
          case 2: e.set_object(value); break;
          case 3: e.set_outcome(value); break;
          default:  // (unsigned: a time from a fuzzed entry may be at the end of the range)
            e.set_time_micros(static_cast<int64_t>(static_cast<uint64_t>(e.time_micros()) + 1 + (value.size() << 20)));
            break;
        }
        changed_content = Content(e) != before;
        word = "was rewritten";
        break;
      }
      case 2:
        log.erase(log.begin() + static_cast<std::ptrdiff_t>(a));
        word = a + 1 == n ? "truncated" : (a % fed::kAuditBlock != fed::kAuditBlock - 1 ? "was dropped" : "");
        break;
      case 3:
        if (a != b) {
          std::swap(log[a], log[b]);
          word = a / fed::kAuditBlock == b / fed::kAuditBlock ? "reordered" : "";
        }
        break;
      case 4:
        log.resize(a);
        word = "truncated";
        break;
      default:
        break;
    }
  }
  Rechain(&log);
  // The first entry where the member's log and the copy part (0: none).
  uint64_t first_bad = 0;
  for (size_t i = 0; i < n && first_bad == 0; ++i) {
    if (i >= log.size() || log[i].seq() != copy_[i].seq() || log[i].hash() != copy_[i].hash()) first_bad = i + 1;
  }
  // Naming is unambiguous when every entry's content is its own.
  auto unique = [&]() {
    std::set<std::tuple<int64_t, std::string, std::string, std::string, std::string>> contents;
    for (const auto& e : copy_) contents.insert(Content(e));
    return n > 0 && contents.size() == copy_.size() &&
           (move != 1 || (changed_content && !contents.count(Content(log[a]))));
  };

  // The sweep as HubLink sends it: digests of the stored log up to the hub's cursor.
  const uint64_t cursor = copy_.size();
  v1::AuditShipment s;
  s.set_from(code_);
  std::vector<std::pair<uint64_t, std::string>> block;
  const uint64_t swept = std::min<uint64_t>(log.size(), cursor);
  for (uint64_t i = 0; i < swept; ++i) {
    block.emplace_back(log[i].seq(), log[i].hash());
    if (block.size() == fed::kAuditBlock) {
      s.add_block_digests(fed::AuditBlockDigest(block));
      block.clear();
    }
  }
  if (!block.empty() || s.block_digests_size() == 0) s.add_block_digests(fed::AuditBlockDigest(block));
  s.set_swept(swept);
  *s.mutable_checkpoint() = CheckpointOf(log);
  const bool alarmed = Alarmed();
  const size_t alarms_before = w_->hub->Alarms().size();
  auto ack = Ship(s, {}, "a sweep");
  for (int round = 0; ack->alarm().empty() && ack->resend_blocks_size() > 0 && round < 2; ++round) {
    const uint64_t blk = ack->resend_blocks(0);
    FUZZ_CHECK(blk * fed::kAuditBlock < cursor, "a block past the copy asked for");
    v1::AuditShipment resend;
    resend.set_from(code_);
    resend.set_resend(true);
    resend.set_resend_block(blk);
    resend.set_swept(ack->cursor());
    for (uint64_t i = blk * fed::kAuditBlock; i < (blk + 1) * fed::kAuditBlock && i < log.size(); ++i) {
      *resend.add_entries() = log[i];
    }
    *resend.mutable_checkpoint() = CheckpointOf(log);
    ack = Ship(resend, {}, "a resent block");
  }
  if (alarmed) {
    FUZZ_CHECK(!ack->alarm().empty(), "an alarmed member's sweep answered without the alarm");
  } else if (first_bad == 0) {
    FUZZ_CHECK(ack->alarm().empty() && ack->resend_blocks_size() == 0,
               absl::StrCat("a sweep of the log as held raised: ", ack->alarm()));
  } else {
    FUZZ_CHECK(!ack->alarm().empty(), absl::StrCat("a log changed at entry ", first_bad, " raised no alarm"));
    const auto alarms = w_->hub->Alarms();
    FUZZ_CHECK(alarms.size() == alarms_before + 1, "not one alarm raised");
    const v1::Alarm* raised = nullptr;
    for (const auto& x : alarms) {
      if (x.open() && x.archive() == code_ && x.kind() == "audit-mismatch") raised = &x;
    }
    FUZZ_CHECK(raised != nullptr && raised->detail() == ack->alarm(), "the alarm answered is not the one kept");
    FUZZ_CHECK(raised->first_bad_entry() == first_bad,
               absl::StrCat("the alarm names entry ", raised->first_bad_entry(), ", the log changed at ", first_bad, ": ",
                            raised->detail()));
    if (!word.empty() && unique()) {
      FUZZ_CHECK(absl::StrContains(raised->detail(), word),
                 absl::StrCat("move ", move, " at ", a + 1, "/", b + 1, " of ", n, " is not named \"", word, "\": ",
                              raised->detail()));
    }
  }
  CheckCopy(false, "a sweep");
}

void Harness::Resend(const std::string& p, uint8_t f) {
  v1::AuditShipment s;
  if (!s.ParseFromString(p)) return;
  s.set_from(code_);
  s.set_resend(true);
  v1::AuditCheckpoint cp;
  if (!cp.ParseFromString(s.checkpoint().checkpoint())) cp.Clear();
  cp.set_archive(code_);
  if (f & 1) {
    cp.set_count(copy_.size());
    cp.set_head(copy_.empty() ? "" : copy_.back().hash());
  }
  *s.mutable_checkpoint() = Sign(cp, member_);
  const bool alarmed = Alarmed();
  auto ack = Ship(s, {StatusCode::kInvalidArgument}, "a resend as sent");
  if (ack && !ack->alarm().empty() && !alarmed) {
    const auto open = OpenAlarms();
    FUZZ_CHECK(!open.empty() && open.back().first_bad_entry() >= 1 && open.back().first_bad_entry() <= copy_.size(),
               "a resend's alarm names an entry outside the copy");
  }
  CheckCopy(false, "a resend as sent");
}

void Harness::Submit(const std::string& p, uint8_t f) {
  v1::LogSubmission sub;
  if (!sub.ParseFromString(p)) return;
  if (f & 1) sub.set_from(code_);
  if (f & 2) {
    for (int i = 0; i < sub.entries_size(); ++i) {
      v1::LogEntry* e = sub.mutable_entries(i);
      if (e->serial().empty()) e->set_serial(absl::StrCat(code_, "-", i));
      e->set_archive(sub.from());
      if (e->sm3().size() != 32) e->set_sm3(seal::Sm3(e->serial()));
      if (e->issued_micros() <= 0) e->set_issued_micros(1);
    }
  }
  const uint64_t before = w_->log->size();
  auto done = w_->log->Submit(sub);
  FUZZ_CHECK(OneOf(done.status(), {StatusCode::kInvalidArgument, StatusCode::kPermissionDenied,
                                   StatusCode::kAlreadyExists}),
             done.status().ToString());
  const uint64_t size = w_->log->size();
  if (!done.ok()) {
    FUZZ_CHECK(size == before, "a refused submission grew the log");
    return;
  }
  FUZZ_CHECK(size >= before && size - before <= static_cast<uint64_t>(sub.entries_size()), "the log grew by more than sent");
  FUZZ_CHECK(done->indexes_size() == sub.entries_size(), "not one index an entry");
  if (size > before) w_->signed_sizes.push_back(size);
  for (int i = 0; i < sub.entries_size() && i < 3; ++i) {
    FUZZ_CHECK(done->indexes(i) < size, "an index past the log");
    auto proof = w_->log->Inclusion(sub.entries(i).serial(), 0);
    FUZZ_CHECK(proof.ok(), proof.status().ToString());
    FUZZ_CHECK(proof->index() == done->indexes(i), "the proof is of another index");
    FUZZ_CHECK(proof->entry().sm3() == sub.entries(i).sm3(), "the log holds another digest");
    const absl::Status st = seal::VerifyLogInclusion(*proof, w_->log->log_key_pem());
    FUZZ_CHECK(st.ok(), absl::StrCat("a fresh inclusion proof does not verify: ", st.ToString()));
    if (w_->serials.size() < 1000) w_->serials.push_back(sub.entries(i).serial());
  }
}

void Harness::Proof(const std::string& p, uint8_t f) {
  const uint64_t size = w_->log->size();
  auto pick = [&](uint64_t n) { return w_->signed_sizes[n % w_->signed_sizes.size()]; };
  if (f & 1) {
    v1::ConsistencyRequest req;
    if (!req.ParseFromString(p)) return;
    uint64_t old_size = req.old_size(), new_size = req.new_size();
    if (f & 2) {
      old_size = pick(old_size);
      new_size = pick(new_size);
    }
    auto proof = w_->log->Consistency(old_size, new_size);
    FUZZ_CHECK(OneOf(proof.status(), {StatusCode::kOutOfRange, StatusCode::kInvalidArgument}), proof.status().ToString());
    if (f & 2) FUZZ_CHECK(proof.ok() || old_size > (new_size == 0 ? size : new_size), "signed sizes refused");
    if (!proof.ok()) return;
    auto old_cp = seal::VerifyLogCheckpoint(proof->old_checkpoint(), w_->log->log_key_pem());
    auto new_cp = seal::VerifyLogCheckpoint(proof->new_checkpoint(), w_->log->log_key_pem());
    FUZZ_CHECK(old_cp.ok() && new_cp.ok(), "a checkpoint handed out does not verify");
    FUZZ_CHECK(old_cp->first == old_size && new_cp->first == proof->new_size(), "checkpoints of other sizes");
    const absl::Status st = seal::VerifyConsistency(old_cp->first, new_cp->first, old_cp->second, new_cp->second,
                                                    std::vector<std::string>(proof->path().begin(), proof->path().end()));
    FUZZ_CHECK(st.ok(), absl::StrCat("a consistency proof does not verify: ", st.ToString()));
    return;
  }
  v1::InclusionRequest req;
  if (!req.ParseFromString(p)) return;
  std::string serial = req.serial();
  if ((f & 4) && !w_->serials.empty()) serial = w_->serials[req.tree_size() % w_->serials.size()];
  const uint64_t tree_size = (f & 2) ? pick(req.tree_size() >> 8) : req.tree_size();
  auto proof = w_->log->Inclusion(serial, tree_size);
  FUZZ_CHECK(OneOf(proof.status(), {StatusCode::kNotFound, StatusCode::kOutOfRange}), proof.status().ToString());
  if (!proof.ok()) return;
  FUZZ_CHECK(proof->entry().serial() == serial, "a proof of another certificate");
  const absl::Status st = seal::VerifyLogInclusion(*proof, w_->log->log_key_pem());
  FUZZ_CHECK(st.ok(), absl::StrCat("an inclusion proof does not verify: ", st.ToString()));
}

void Harness::Cosign(const std::string& p, uint8_t f) {
  v1::Cosignature c;
  if (!c.ParseFromString(p)) return;
  if (f & 1) c.set_from(code_);
  if (f & 2) c.set_size(w_->signed_sizes[c.size() % w_->signed_sizes.size()]);
  bool valid = false;
  if (f & 4) {
    auto proof = w_->log->Consistency(c.size(), 0);  // its old note is the one of c.size()
    if (proof.ok()) {
      auto parsed = seal::ParseNote(proof->old_checkpoint());
      FUZZ_CHECK(parsed.ok(), parsed.status().ToString());
      Botan::AutoSeeded_RNG rng;
      auto line = seal::SignNote(parsed->body, c.from(), *member_.key, rng);
      if (line.ok()) {
        valid = !(f & 8) || c.signature_line().empty();
        c.set_signature_line((f & 8) ? *line + c.signature_line() : *line);
      }
    }
  }
  const absl::Status st = w_->log->Cosign(c, member_.cert_pem);
  FUZZ_CHECK(OneOf(st, {StatusCode::kInvalidArgument, StatusCode::kUnauthenticated, StatusCode::kNotFound,
                        StatusCode::kOutOfRange}),
             st.ToString());
  FUZZ_CHECK(!valid || st.ok(), absl::StrCat("a valid cosignature refused: ", st.ToString()));
  auto cp = w_->log->Checkpoint();
  FUZZ_CHECK(cp.ok(), cp.status().ToString());
  auto checked = seal::VerifyLogCheckpoint(cp->note(), w_->log->log_key_pem());
  FUZZ_CHECK(checked.ok(), absl::StrCat("the checkpoint no longer verifies: ", checked.status().ToString()));
  auto parsed = seal::ParseNote(cp->note());
  FUZZ_CHECK(parsed.ok() && parsed->signatures.size() == static_cast<size_t>(cp->witnesses_size()) + 1,
             "the note carries other signatures than the witnesses'");
  if (st.ok()) {
    // The note of that size still verifies with the cosignature in it.
    auto proof = w_->log->Consistency(c.size(), 0);
    FUZZ_CHECK(proof.ok(), proof.status().ToString());
    FUZZ_CHECK(seal::VerifyLogCheckpoint(proof->old_checkpoint(), w_->log->log_key_pem()).ok(),
               "a cosigned checkpoint no longer verifies");
    // Served unless the note is full (as many lines as a note holds, or no room for this one).
    if (c.size() == w_->log->size() && cp->witnesses_size() + 1 < static_cast<int>(seal::kMaxNoteSignatures) &&
        cp->note().size() + c.signature_line().size() <= seal::kMaxNoteBytes) {
      FUZZ_CHECK(std::find(cp->witnesses().begin(), cp->witnesses().end(), c.from()) != cp->witnesses().end(),
                 "a cosignature taken is not served");
    }
  }
}

void Harness::Health(const std::string& p, uint8_t f) {
  v1::HealthReport report;
  if (!report.ParseFromString(p)) return;
  if (f & 1) report.set_from(code_);
  const bool within = report.ByteSizeLong() <= 64 * 1024 && report.requests_by_state_size() <= 32 &&
                      report.alarms_size() <= 16;
  const absl::Status st = w_->board->Report(report);
  FUZZ_CHECK(st.ok() == within && OneOf(st, {StatusCode::kInvalidArgument}),
             absl::StrCat("a report ", within ? "within" : "past", " the limits: ", st.ToString()));
  if (st.ok() && report.from() == code_) reported_micros_ = clock_.NowMicros();
  v1::Directory directory;
  directory.set_provincial_code(kProvincial);
  for (const std::string& code : {std::string(kProvincial), code_, std::string(kSecond)}) {
    auto* m = directory.add_members();
    m->set_code(code);
    m->set_name(absl::StrCat("档案馆 ", code));
  }
  const v1::FederationView view = w_->board->View(directory, w_->hub->Holdings(), w_->hub->Alarms(), w_->log->size(),
                                                  (f & 2) ? code_ : "");
  FUZZ_CHECK(view.members_size() == ((f & 2) ? 1 : 2), "the view lists other members");
  for (const auto& m : view.members()) {
    FUZZ_CHECK(m.state() == "ok" || m.state() == "late" || m.state() == "down" || m.state() == "alarm",
               absl::StrCat("state ", m.state()));
    if (m.code() == code_ && reported_micros_ == clock_.NowMicros()) {
      FUZZ_CHECK(m.state() == "ok" || m.state() == "alarm", absl::StrCat("just reported, yet ", m.state()));
      FUZZ_CHECK(m.last_report().from() == code_ && m.last_report().time_micros() == reported_micros_,
                 "the last report is not the one kept");
    }
    FUZZ_CHECK(m.samples_size() <= 1440, "more than a day of samples");
  }
}

void Harness::Query(const std::string& p, uint8_t f) {
  v1::HubAuditQuery q;
  if (!q.ParseFromString(p)) return;
  uint64_t held = 0;
  for (const auto& [code, h] : w_->hub->Holdings()) held += h.entries;
  if (!(f & 1) || held > 20000) q.set_archive(code_);
  auto list = w_->hub->Query(q);
  FUZZ_CHECK(OneOf(list.status(), {StatusCode::kInvalidArgument}), list.status().ToString());
  if (q.limit() > 10000) FUZZ_CHECK(!list.ok(), "a limit above 10000 taken");
  if (!list.ok()) return;
  const uint32_t limit = q.limit() == 0 ? 1000 : q.limit();
  FUZZ_CHECK(static_cast<uint32_t>(list->entries_size()) <= limit, "more entries than the limit");
  FUZZ_CHECK(list->matched() >= static_cast<uint64_t>(list->entries_size()), "fewer matched than answered");
  for (const auto& row : list->entries()) {
    FUZZ_CHECK(q.archive().empty() || row.archive() == q.archive(), "an entry of another archive");
  }
  v1::HubAuditQuery all;
  all.set_archive(code_);
  all.set_limit(10000);
  auto every = w_->hub->Query(all);
  FUZZ_CHECK(every.ok() && every->matched() == copy_.size(), "the member's entries are not all found");
}

void Harness::Raise(const std::string& p) {
  v1::LogAlarm alarm;
  if (!alarm.ParseFromString(p)) return;
  const size_t before = w_->hub->Alarms().size();
  const bool alarmed = Alarmed();
  // As HubService::RaiseLogAlarm raises it.
  const absl::Status st = w_->hub->RaiseAlarm(
      code_, "log-inconsistency", absl::StrCat("witness ", code_, ": ", kuaguan::base::Printable(alarm.reason(), 500)));
  FUZZ_CHECK(st.ok(), st.ToString());
  const size_t after = w_->hub->Alarms().size();
  FUZZ_CHECK(after == before || after == before + 1, "more than one alarm raised");
  FUZZ_CHECK(Alarmed() == alarmed, "a witness's alarm stopped or started the member's shipments");
}

void Harness::Resolve(const std::string& p, uint8_t f) {
  v1::ResolveAlarmRequest req;
  if (!req.ParseFromString(p)) return;
  const auto open = OpenAlarms();
  if ((f & 1) && !open.empty()) req.set_id(open.front().id());
  if ((f & 2) && req.reason().empty()) req.set_reason("the log was restored from the backup");
  auto closed = w_->hub->Resolve(req.id(), req.reason(), kAuditor);
  FUZZ_CHECK(OneOf(closed.status(), {StatusCode::kNotFound, StatusCode::kFailedPrecondition,
                                     StatusCode::kInvalidArgument}),
             closed.status().ToString());
  if (!closed.ok()) return;
  FUZZ_CHECK(!closed->open() && closed->id() == req.id(), "the alarm resolved is not closed");
  bool audit_open = false;
  for (const auto& a : w_->hub->Alarms()) {
    if (a.id() == req.id()) FUZZ_CHECK(!a.open(), "the alarm resolved is still open");
    if (a.open() && a.archive() == closed->archive() && a.kind() == "audit-mismatch") audit_open = true;
  }
  FUZZ_CHECK(audit_open == !w_->hub->Cursor(closed->archive()).alarm().empty(),
             "the member's shipments do not follow its open audit alarms");
  CheckCopy(false, "an alarm resolved");
}

void Harness::Run(const uint8_t* data, size_t size) {
  if (w_->inputs >= kInputsPerWorld) {
    EndWorld();
    NewWorld();
  } else {
    uint64_t held = 0;
    for (const auto& [code, h] : w_->hub->Holdings()) held += h.entries;
    if (held > kMaxWorldEntries) {
      EndWorld();
      NewWorld();
    }
  }
  ++w_->inputs;
  code_ = absl::StrFormat("F%09d", ++members_);
  copy_.clear();
  chain_ = seal::AuditChainVerifier();
  reported_micros_ = -1;

  const std::string in(reinterpret_cast<const char*>(data), size);
  size_t pos = 0;
  for (int ops = 0; ops < kMaxOps && pos + 3 <= in.size(); ++ops) {
    const uint8_t op = static_cast<uint8_t>(in[pos]);
    const size_t len = static_cast<uint8_t>(in[pos + 1]) | static_cast<size_t>(static_cast<uint8_t>(in[pos + 2])) << 8;
    pos += 3;
    const std::string payload = in.substr(pos, std::min(len, in.size() - pos));
    pos += payload.size();
    const uint8_t f = op >> 4;
    switch ((op & 0x0f) % kOps) {
      case kRawShip: RawShip(payload, f); break;
      case kSignedShip: SignedShip(payload, f); break;
      case kGrow: Grow(payload, f); break;
      case kSweep: Sweep(payload); break;
      case kResend: Resend(payload, f); break;
      case kSubmit: Submit(payload, f); break;
      case kProof: Proof(payload, f); break;
      case kCosign: Cosign(payload, f); break;
      case kHealth: Health(payload, f); break;
      case kClock: clock_.Advance(absl::Seconds(Reader(payload).U32() % (2 * 86400))); break;
      case kQuery: Query(payload, f); break;
      case kRaise: Raise(payload); break;
      case kResolve: Resolve(payload, f); break;
      default: break;
    }
  }
}

// ---- Seeds ----

std::string Rec(uint8_t op, const std::string& payload) {
  return absl::StrCat(std::string(1, static_cast<char>(op)), std::string(1, static_cast<char>(payload.size() & 0xff)),
                      std::string(1, static_cast<char>(payload.size() >> 8)), payload);
}
std::string U16(uint16_t n) { return std::string{static_cast<char>(n & 0xff), static_cast<char>(n >> 8)}; }
std::string Bytes(std::initializer_list<int> b) {
  std::string out;
  for (int x : b) out.push_back(static_cast<char>(x));
  return out;
}
uint8_t OpF(Op op, uint8_t flags) { return static_cast<uint8_t>(op | flags << 4); }

std::vector<std::pair<std::string, std::string>> Seeds() {
  std::vector<std::pair<std::string, std::string>> seeds;
  // A shipment of three entries as a member seals them (from 0: the harness rechains them).
  v1::AuditShipment ship;
  ship.set_from("410100");
  std::vector<v1::AuditEntry> entries(3);
  for (int i = 0; i < 3; ++i) {
    entries[i].set_time_micros(absl::ToUnixMicros(kStart) + i);
    entries[i].set_actor("李编目 (cataloguer, unix:carol)");
    entries[i].set_action("record.get");
    entries[i].set_object(absl::StrCat("Z109-HY·1985-Y-000", i + 1));
    entries[i].set_outcome("ok");
  }
  Rechain(&entries);
  for (const auto& e : entries) *ship.add_entries() = e;
  v1::AuditCheckpoint cp;
  cp.set_archive("410100");
  cp.set_count(3);
  cp.set_head(entries.back().hash());
  ship.mutable_checkpoint()->set_checkpoint(cp.SerializeAsString());
  ship.mutable_checkpoint()->set_signature(std::string(70, '\x30'));
  const std::string shipped = ship.SerializeAsString();
  seeds.emplace_back("signed-ship", Rec(OpF(kSignedShip, 7), shipped) + Rec(OpF(kSignedShip, 7), shipped) +
                                        Rec(kSweep, Bytes({0})));
  seeds.emplace_back("raw-ship", Rec(OpF(kRawShip, 1), shipped) + Rec(kRawShip, shipped));
  v1::AuditShipment sweep = ship;
  sweep.clear_entries();
  sweep.add_block_digests(std::string(32, 'd'));
  sweep.set_swept(3);
  seeds.emplace_back("sweep-fields", Rec(kGrow, U16(2)) + Rec(OpF(kSignedShip, 3), sweep.SerializeAsString()));
  v1::AuditShipment resend = ship;
  resend.set_resend(true);
  resend.set_resend_block(0);
  resend.set_swept(3);
  seeds.emplace_back("resend", Rec(kGrow, U16(2)) + Rec(OpF(kResend, 1), resend.SerializeAsString()));
  // Entries 5 and 6 after 3: a gap.
  v1::AuditShipment gap = ship;
  gap.clear_entries();
  std::vector<v1::AuditEntry> six(6, entries[0]);
  for (int i = 0; i < 6; ++i) six[i].set_object(absl::StrCat("A1-", i));
  Rechain(&six);
  *gap.add_entries() = six[4];
  *gap.add_entries() = six[5];
  seeds.emplace_back("gap", Rec(kGrow, U16(2)) + Rec(OpF(kSignedShip, 6), gap.SerializeAsString()) +
                                Rec(kGrow, U16(1)) + Rec(OpF(kResolve, 3), "") + Rec(kGrow, U16(1)));
  // The sweep and the forger's moves over a log of three blocks.
  seeds.emplace_back("grow-sweep", Rec(OpF(kGrow, 1), U16(1999) + "a") + Rec(OpF(kGrow, 1), U16(600) + "b") + Rec(kSweep, Bytes({0})) +
                                       Rec(kSweep, Bytes({1, 0xb0, 0x04, 0, 0, 2, 'x'})));
  seeds.emplace_back("drop", Rec(OpF(kGrow, 1), U16(299)) + Rec(kSweep, Bytes({2, 100, 0})));
  seeds.emplace_back("swap", Rec(OpF(kGrow, 1), U16(299)) + Rec(kSweep, Bytes({3, 100, 0, 101, 0})));
  seeds.emplace_back("truncate", Rec(kGrow, Bytes({40})) + Rec(kSweep, Bytes({4, 20, 0})) + Rec(kGrow, Bytes({3})));
  seeds.emplace_back("too-many", Rec(OpF(kGrow, 1), U16(2050)));
  // The transparency log.
  v1::LogSubmission sub;
  sub.set_from("410100");
  for (int i = 1; i <= 5; ++i) {
    auto* e = sub.add_entries();
    e->set_serial(absl::StrFormat("410100-2026-%06d", i));
    e->set_sm3(seal::Sm3(e->serial()));
    e->set_archive("410100");
    e->set_issued_micros(absl::ToUnixMicros(kStart));
  }
  v1::InclusionRequest incl;
  incl.set_serial("410100-2026-000003");
  v1::ConsistencyRequest cons;
  cons.set_old_size(1);
  cons.set_new_size(2);
  v1::Cosignature cosig;
  cosig.set_size(1);
  seeds.emplace_back("log", Rec(OpF(kSubmit, 3), sub.SerializeAsString()) + Rec(OpF(kSubmit, 3), sub.SerializeAsString()) +
                                Rec(kProof, incl.SerializeAsString()) + Rec(OpF(kProof, 6), incl.SerializeAsString()) +
                                Rec(OpF(kProof, 3), cons.SerializeAsString()) +
                                Rec(OpF(kCosign, 7), cosig.SerializeAsString()) +
                                Rec(OpF(kCosign, 7), cosig.SerializeAsString()) +
                                Rec(OpF(kCosign, 15), cosig.SerializeAsString()));
  // Health and the rest.
  v1::HealthReport report;
  report.set_from("410100");
  report.set_version("1.0");
  report.set_cert_expires_micros(absl::ToUnixMicros(kStart + absl::Hours(24 * 20)));
  report.set_overdue(2);
  (*report.mutable_requests_by_state())["in-review"] = 3;
  report.add_alarms("transparency log inconsistency: the log shrank");
  seeds.emplace_back("health", Rec(OpF(kHealth, 1), report.SerializeAsString()) + Rec(kClock, Bytes({200, 0, 0, 0})) +
                                   Rec(OpF(kHealth, 3), report.SerializeAsString()));
  v1::HubAuditQuery q;
  q.set_action("record.");
  q.set_from_date("2026-09-10");
  seeds.emplace_back("query", Rec(kGrow, U16(20)) + Rec(kQuery, q.SerializeAsString()) +
                                  Rec(OpF(kQuery, 1), q.SerializeAsString()));
  v1::LogAlarm alarm;
  alarm.set_reason("the log shrank from 5 to 3 entries");
  seeds.emplace_back("raise", Rec(kRaise, alarm.SerializeAsString()) + Rec(kRaise, alarm.SerializeAsString()) +
                                  Rec(OpF(kResolve, 3), "") + Rec(kGrow, U16(3)));
  return seeds;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // Protobuf logs every string field of invalid UTF-8 it refuses to parse: most inputs.
  google::protobuf::SetLogHandler([](google::protobuf::LogLevel level, const char* file, int line, const std::string& message) {
    if (level >= google::protobuf::LOGLEVEL_DFATAL) std::fprintf(stderr, "[libprotobuf %s:%d] %s\n", file, line, message.c_str());
  });
  Harness::Get();
  kuaguan::fuzz::WriteSeeds(Seeds());
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Harness::Get().Run(data, size);
  return 0;
}
