// The provincial audit hub's three parts on a real store (node::Store in a temporary directory)
// with a clock that moves only when the test moves it: AuditHub against members whose TLS key
// and self-signed certificate are made here and whose logs are sealed as a member's store seals
// them (shipping, refusals, alarms, the sweep that finds a log rewritten with its chain
// recomputed, reopening, queries); the transparency log (inclusion and consistency proofs that
// verify, witnesses' cosignatures); and the health board (states, derived alarms, limits).
#include <botan/auto_rng.h>
#include <botan/data_src.h>
#include <botan/pk_keys.h>
#include <botan/x509cert.h>
#include <botan/x509self.h>

#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "federation/audit_hub.h"
#include "federation/health_board.h"
#include "federation/transparency_log.h"
#include "node/store.h"
#include "seal/audit_chain.h"
#include "seal/digest.h"
#include "seal/key_file.h"
#include "seal/log_proof.h"
#include "seal/merkle_tree.h"
#include "seal/node_signature.h"
#include "seal/signed_note.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/temp_dir.h"

namespace {

namespace v1 = kuaguan::v1;
namespace fed = kuaguan::federation;
namespace seal = kuaguan::seal;
using kuaguan::testing::FakeClock;
using kuaguan::testing::TempDir;

constexpr char kMember[] = "410100";  // 郑州市档案馆
constexpr char kOther[] = "410200";   // 开封市档案馆
constexpr char kOrigin[] = "kuaguan.test/log/410000";

// China Standard Time, as the archives keep dates.
absl::Time At(int y, int m, int d, int h = 10, int min = 0) {
  return absl::FromCivil(absl::CivilSecond(y, m, d, h, min, 0), absl::FixedTimeZone(8 * 3600));
}

// A member's TLS identity: an ECDSA P-256 key and a self-signed certificate over it (all that
// seal::VerifyNodeSignature needs).
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

// A member's own audit log, sealed entry by entry as its store seals it, and the messages its
// HubLink makes of it (tests/../federation/hub_link.cc ShipOnce).
class MemberLog {
 public:
  MemberLog(std::string code, const Identity* id) : code_(std::move(code)), id_(id) {}

  void Add(const std::string& actor, const std::string& action, const std::string& object, absl::Time when,
           const std::string& outcome = "ok") {
    v1::AuditEntry e;
    e.set_time_micros(absl::ToUnixMicros(when));
    e.set_actor(actor);
    e.set_action(action);
    e.set_object(object);
    e.set_outcome(outcome);
    seal::SealAuditEntry(entries.size(), entries.empty() ? "" : entries.back().hash(), &e);
    entries.push_back(std::move(e));
  }
  // `n` more entries, each with its own object ("A1-<seq>") and second.
  void AddMany(int n) {
    for (int i = 0; i < n; ++i) {
      const uint64_t seq = entries.size() + 1;
      Add("李编目 (cataloguer, unix:carol)", "record.get", absl::StrCat("A1-", seq),
          At(2026, 9, 1) + absl::Seconds(static_cast<int64_t>(seq)));
    }
  }
  // Every entry sealed again from the first, numbered 1..n: a forger covering their tracks.
  void Rechain() {
    std::string prev;
    for (size_t i = 0; i < entries.size(); ++i) {
      entries[i].clear_hash();
      seal::SealAuditEntry(i, prev, &entries[i]);
      prev = entries[i].hash();
    }
  }

  uint64_t count() const { return entries.size(); }
  std::string head() const { return entries.empty() ? "" : entries.back().hash(); }

  // A checkpoint of `archive` at (count, head) signed by `signer`.
  static v1::SignedAuditCheckpoint Signed(const std::string& archive, uint64_t count, const std::string& head,
                                          const Identity& signer) {
    v1::AuditCheckpoint cp;
    cp.set_archive(archive);
    cp.set_count(count);
    cp.set_head(head);
    cp.set_time_micros(absl::ToUnixMicros(At(2026, 9, 14)));
    v1::SignedAuditCheckpoint out;
    out.set_checkpoint(cp.SerializeAsString());
    out.set_signature(*seal::SignWithNodeKey(signer.key_pem, out.checkpoint()));
    return out;
  }
  v1::SignedAuditCheckpoint Checkpoint() const { return Signed(code_, count(), head(), *id_); }

  // Entries (after, upto] with a checkpoint naming the last of them.
  v1::AuditShipment Ship(uint64_t after, uint64_t upto) const {
    v1::AuditShipment s;
    s.set_from(code_);
    for (uint64_t i = after; i < upto && i < entries.size(); ++i) *s.add_entries() = entries[i];
    const uint64_t last = std::min<uint64_t>(upto, entries.size());
    *s.mutable_checkpoint() = Signed(code_, last, last == 0 ? "" : entries[last - 1].hash(), *id_);
    return s;
  }
  // A sweep: new entries after the hub's `cursor`, digests of the stored log up to the cursor.
  v1::AuditShipment Sweep(uint64_t cursor) const {
    v1::AuditShipment s;
    s.set_from(code_);
    for (uint64_t i = cursor; i < entries.size() && s.entries_size() < fed::kMaxShipEntries; ++i) {
      *s.add_entries() = entries[i];
    }
    std::vector<std::pair<uint64_t, std::string>> block;
    const uint64_t swept = std::min<uint64_t>(entries.size(), cursor);
    for (uint64_t i = 0; i < swept; ++i) {
      block.emplace_back(entries[i].seq(), entries[i].hash());
      if (block.size() == fed::kAuditBlock) {
        s.add_block_digests(fed::AuditBlockDigest(block));
        block.clear();
      }
    }
    if (!block.empty() || s.block_digests_size() == 0) s.add_block_digests(fed::AuditBlockDigest(block));
    s.set_swept(swept);
    *s.mutable_checkpoint() = Checkpoint();
    return s;
  }
  // Block `b` of the stored log and the entry after it, resent to be compared (as HubLink does).
  v1::AuditShipment Resend(uint64_t b, uint64_t cursor) const {
    v1::AuditShipment s;
    s.set_from(code_);
    s.set_resend(true);
    s.set_resend_block(b);
    s.set_swept(cursor);
    for (uint64_t i = b * fed::kAuditBlock; i < (b + 1) * fed::kAuditBlock + 1 && i < entries.size(); ++i) {
      *s.add_entries() = entries[i];
    }
    *s.mutable_checkpoint() = Checkpoint();
    return s;
  }

  std::vector<v1::AuditEntry> entries;

 private:
  const std::string code_;
  const Identity* const id_;
};

struct HubWorld {
  TempDir dir;
  FakeClock clock{At(2026, 9, 14)};
  std::unique_ptr<kuaguan::node::Store> store;
  Identity member = NewIdentity(kMember);
  Identity other = NewIdentity(kOther);
  std::unique_ptr<fed::AuditHub> hub;

  HubWorld() {
    store = std::move(*kuaguan::node::Store::Open(dir.path() / "store", &clock));
    Reopen();
  }
  // A hub on the same store, as after a restart.
  void Reopen() {
    hub.reset();
    auto opened = fed::AuditHub::Open(store.get(), &clock, [this](const std::string& code) -> std::optional<std::string> {
      if (code == kMember) return member.cert_pem;
      if (code == kOther) return other.cert_pem;
      return std::nullopt;
    });
    REQUIRE(opened.ok());
    hub = std::move(*opened);
  }
  v1::AuditShipAck Ship(const v1::AuditShipment& s) {
    auto ack = hub->Ship(s);
    INFO(ack.status().ToString());
    REQUIRE(ack.ok());
    return *ack;
  }
  // What the member's HubLink does: one shipment (a sweep or new entries), then the blocks the
  // hub asks for, at most two rounds.
  v1::AuditShipAck Exchange(const MemberLog& log, bool sweep, const std::string& code = kMember) {
    const uint64_t cursor = hub->Cursor(code).cursor();
    v1::AuditShipAck ack = Ship(sweep ? log.Sweep(cursor) : log.Ship(cursor, cursor + fed::kMaxShipEntries));
    for (int round = 0; ack.alarm().empty() && ack.resend_blocks_size() > 0 && round < 2; ++round) {
      ack = Ship(log.Resend(ack.resend_blocks(0), ack.cursor()));
    }
    return ack;
  }
  // Every key the hub wrote.
  size_t HubKeys() { return store->ScanMeta("hub/")->size(); }
  // The hub's copy of `code`, read from the store, checked as a chain.
  uint64_t VerifiedCopy(const std::string& code) {
    seal::AuditChainVerifier chain;
    const auto held = store->ScanMeta(absl::StrCat("hub/audit/", code, "/"));
    REQUIRE(held.ok());
    for (const auto& [key, value] : *held) {
      v1::AuditEntry e;
      REQUIRE(e.ParseFromString(value));
      REQUIRE(chain.Add(e).ok());
    }
    return chain.entries();
  }
};

uint64_t Held(fed::AuditHub* hub, const std::string& code) {
  const auto holdings = hub->Holdings();
  auto it = holdings.find(code);
  return it == holdings.end() ? 0 : it->second.entries;
}

}  // namespace

// ---- Shipping ----

TEST_CASE_METHOD(HubWorld, "hub: entries are accepted in order across shipments and a repeat is ignored") {
  MemberLog log(kMember, &member);
  log.AddMany(5);
  v1::AuditShipAck ack = Ship(log.Ship(0, 3));
  CHECK(ack.cursor() == 3);
  CHECK(ack.head() == log.entries[2].hash());
  CHECK(ack.alarm().empty());
  const int64_t first_arrival = hub->Holdings()[kMember].last_micros;
  CHECK(first_arrival == clock.NowMicros());

  clock.Advance(absl::Minutes(1));
  ack = Ship(log.Ship(3, 5));
  CHECK(ack.cursor() == 5);
  CHECK(ack.head() == log.head());
  CHECK(hub->Holdings()[kMember].last_micros == clock.NowMicros());

  // The whole log again (an answer lost): nothing changes, nothing is written.
  clock.Advance(absl::Minutes(1));
  const size_t keys = HubKeys();
  ack = Ship(log.Ship(0, 5));
  CHECK(ack.cursor() == 5);
  CHECK(ack.alarm().empty());
  CHECK(HubKeys() == keys);
  CHECK(hub->Holdings()[kMember].last_micros == clock.NowMicros() - 60'000'000);
  CHECK(hub->Cursor(kMember).cursor() == 5);
  CHECK(hub->Cursor(kMember).head() == log.head());
  CHECK(VerifiedCopy(kMember) == 5);
  CHECK(hub->Alarms().empty());
  CHECK(hub->Query({})->entries_size() == 5);
}

TEST_CASE_METHOD(HubWorld, "hub: a checkpoint not signed by the member's key is refused and nothing is stored") {
  MemberLog log(kMember, &member);
  log.AddMany(3);
  v1::AuditShipment s = log.Ship(0, 3);
  *s.mutable_checkpoint() = MemberLog::Signed(kMember, 3, log.head(), other);  // another member's key
  auto ack = hub->Ship(s);
  REQUIRE_FALSE(ack.ok());
  CHECK((absl::IsUnauthenticated(ack.status()) || absl::IsInvalidArgument(ack.status())));

  // A signature over other bytes, and no signature at all.
  s = log.Ship(0, 3);
  v1::SignedAuditCheckpoint two = log.Ship(0, 2).checkpoint();
  s.mutable_checkpoint()->set_signature(two.signature());
  CHECK(absl::IsUnauthenticated(hub->Ship(s).status()));
  s.mutable_checkpoint()->clear_signature();
  CHECK(absl::IsUnauthenticated(hub->Ship(s).status()));

  // Not a member at all.
  MemberLog stranger("419900", &member);
  stranger.AddMany(1);
  CHECK(absl::IsPermissionDenied(hub->Ship(stranger.Ship(0, 1)).status()));

  CHECK(HubKeys() == 0);
  CHECK(Held(hub.get(), kMember) == 0);
  CHECK(hub->Cursor(kMember).cursor() == 0);
  CHECK(hub->Alarms().empty());
  CHECK(hub->Query({})->entries_size() == 0);
}

TEST_CASE_METHOD(HubWorld, "hub: a checkpoint of another archive is refused") {
  MemberLog log(kMember, &member);
  log.AddMany(3);
  // Signed by the member, but naming 开封.
  v1::AuditShipment s = log.Ship(0, 3);
  *s.mutable_checkpoint() = MemberLog::Signed(kOther, 3, log.head(), member);
  auto ack = hub->Ship(s);
  CHECK(absl::IsInvalidArgument(ack.status()));
  CHECK(absl::StrContains(ack.status().message(), "another archive"));
  // 开封's checkpoint replayed by 郑州 as its own shipment.
  MemberLog kaifeng(kOther, &other);
  kaifeng.AddMany(3);
  s = log.Ship(0, 3);
  *s.mutable_checkpoint() = kaifeng.Ship(0, 3).checkpoint();
  CHECK(absl::IsInvalidArgument(hub->Ship(s).status()));
  // An unreadable checkpoint.
  s = log.Ship(0, 3);
  s.mutable_checkpoint()->set_checkpoint("\xff\xff\xff");
  CHECK(absl::IsInvalidArgument(hub->Ship(s).status()));
  CHECK(HubKeys() == 0);
  CHECK(hub->Holdings().empty());
}

TEST_CASE_METHOD(HubWorld, "hub: a shipment of more than kMaxShipEntries entries is refused") {
  MemberLog log(kMember, &member);
  log.AddMany(fed::kMaxShipEntries + 1);
  auto ack = hub->Ship(log.Ship(0, fed::kMaxShipEntries + 1));
  CHECK(absl::IsInvalidArgument(ack.status()));
  CHECK(HubKeys() == 0);
  // Exactly the most is taken, then the rest.
  CHECK(Ship(log.Ship(0, fed::kMaxShipEntries)).cursor() == fed::kMaxShipEntries);
  CHECK(Ship(log.Ship(fed::kMaxShipEntries, fed::kMaxShipEntries + 1)).cursor() == fed::kMaxShipEntries + 1);
  CHECK(VerifiedCopy(kMember) == fed::kMaxShipEntries + 1);
  // More digests than the swept entries make.
  v1::AuditShipment s = log.Sweep(10);
  s.add_block_digests("x");
  CHECK(absl::IsInvalidArgument(hub->Ship(s).status()));
}

TEST_CASE_METHOD(HubWorld, "hub: a missing entry raises an alarm naming it and the copy stays as it was") {
  MemberLog log(kMember, &member);
  log.AddMany(6);
  REQUIRE(Ship(log.Ship(0, 3)).cursor() == 3);
  v1::AuditShipAck ack = Ship(log.Ship(4, 6));  // entries 5 and 6, not 4
  CHECK(ack.cursor() == 3);
  CHECK(absl::StrContains(ack.alarm(), "entry 4 is missing"));
  const auto alarms = hub->Alarms();
  REQUIRE(alarms.size() == 1);
  CHECK(alarms[0].archive() == kMember);
  CHECK(alarms[0].kind() == "audit-mismatch");
  CHECK(alarms[0].first_bad_entry() == 4);
  CHECK(alarms[0].open());
  CHECK(alarms[0].raised_micros() == clock.NowMicros());
  CHECK(absl::StrContains(alarms[0].detail(), kMember));

  // Further shipments are refused with the alarm, even the right ones; the copy is unchanged.
  ack = Ship(log.Ship(3, 6));
  CHECK(ack.cursor() == 3);
  CHECK(ack.alarm() == alarms[0].detail());
  ack = Exchange(log, /*sweep=*/true);
  CHECK(ack.cursor() == 3);
  CHECK(ack.alarm() == alarms[0].detail());
  CHECK(hub->Cursor(kMember).alarm() == alarms[0].detail());
  CHECK(Held(hub.get(), kMember) == 3);
  CHECK(VerifiedCopy(kMember) == 3);
  CHECK(hub->Alarms().size() == 1);

  // Another member is not affected.
  MemberLog kaifeng(kOther, &other);
  kaifeng.AddMany(2);
  CHECK(Exchange(kaifeng, false, kOther).cursor() == 2);
  CHECK(hub->Cursor(kOther).alarm().empty());
}

TEST_CASE_METHOD(HubWorld, "hub: an entry whose hash does not match its content raises an alarm") {
  MemberLog log(kMember, &member);
  log.AddMany(4);
  REQUIRE(Ship(log.Ship(0, 3)).cursor() == 3);
  v1::AuditShipment s = log.Ship(3, 4);
  s.mutable_entries(0)->set_object("A1-changed-after-sealing");
  const v1::AuditShipAck ack = Ship(s);
  CHECK(ack.cursor() == 3);
  CHECK(absl::StrContains(ack.alarm(), "entry 4's hash does not match its content"));
  REQUIRE(hub->Alarms().size() == 1);
  CHECK(hub->Alarms()[0].first_bad_entry() == 4);
  CHECK(VerifiedCopy(kMember) == 3);
}

TEST_CASE_METHOD(HubWorld, "hub: a first entry that does not start a chain raises an alarm") {
  MemberLog log(kMember, &member);
  log.AddMany(2);
  v1::AuditShipment s = log.Ship(0, 2);
  s.mutable_entries(0)->set_prev_hash(std::string(32, 'x'));
  s.mutable_entries(0)->set_hash(seal::AuditEntryHash(s.entries(0)));
  CHECK(absl::StrContains(Ship(s).alarm(), "entry 1 does not start a chain"));
  CHECK(HubKeys() == 1);  // the alarm alone
}

TEST_CASE_METHOD(HubWorld, "hub: a checkpoint naming another head than the last entry raises an alarm") {
  MemberLog log(kMember, &member);
  log.AddMany(3);
  v1::AuditShipment s = log.Ship(0, 3);
  *s.mutable_checkpoint() = MemberLog::Signed(kMember, 3, log.entries[1].hash(), member);
  CHECK(absl::StrContains(Ship(s).alarm(), "names another head"));
  CHECK(Held(hub.get(), kMember) == 0);
  // A checkpoint naming fewer entries than shipped is refused.
  MemberLog kaifeng(kOther, &other);
  kaifeng.AddMany(3);
  s = kaifeng.Ship(0, 3);
  *s.mutable_checkpoint() = MemberLog::Signed(kOther, 2, kaifeng.entries[1].hash(), other);
  CHECK(absl::IsInvalidArgument(hub->Ship(s).status()));
  CHECK(Held(hub.get(), kOther) == 0);
}

TEST_CASE_METHOD(HubWorld, "hub: a log forked below the cursor is found when new entries arrive") {
  MemberLog log(kMember, &member);
  log.AddMany(3);
  REQUIRE(Ship(log.Ship(0, 3)).cursor() == 3);
  log.entries[1].set_outcome("refused");
  log.Rechain();
  log.AddMany(1);
  const v1::AuditShipAck ack = Exchange(log, /*sweep=*/false);
  CHECK(ack.cursor() == 3);
  CHECK(absl::StrContains(ack.alarm(), "entry 2 was rewritten: outcome was \"ok\", now \"refused\""));
  REQUIRE(hub->Alarms().size() == 1);
  CHECK(hub->Alarms()[0].first_bad_entry() == 2);
}

// ---- The sweep ----

namespace {

// 2,500 entries (three blocks, the last partial) shipped and held.
struct SweptWorld : HubWorld {
  MemberLog log{kMember, &member};
  SweptWorld() {
    log.AddMany(2500);
    REQUIRE(Exchange(log, false).cursor() == fed::kMaxShipEntries);
    REQUIRE(Exchange(log, false).cursor() == 2500);
  }
  // The alarm a sweep of the (changed) log raises.
  v1::Alarm SweepAlarm() {
    const v1::AuditShipAck ack = Exchange(log, /*sweep=*/true);
    CHECK(ack.cursor() == 2500);
    const auto alarms = hub->Alarms();
    REQUIRE(alarms.size() == 1);
    CHECK(ack.alarm() == alarms[0].detail());
    CHECK(Held(hub.get(), kMember) == 2500);
    CHECK(VerifiedCopy(kMember) == 2500);
    return alarms[0];
  }
};

}  // namespace

TEST_CASE_METHOD(SweptWorld, "sweep: the same log raises nothing, and again from the cached digests") {
  for (int i = 0; i < 2; ++i) {
    const v1::AuditShipAck ack = Ship(log.Sweep(2500));
    CHECK(ack.resend_blocks_size() == 0);
    CHECK(ack.alarm().empty());
    CHECK(ack.cursor() == 2500);
  }
  // New entries ride along with a sweep.
  log.AddMany(10);
  CHECK(Exchange(log, true).cursor() == 2510);
  CHECK(hub->Alarms().empty());
  // A resent block that agrees raises nothing.
  CHECK(Ship(log.Resend(1, 2510)).alarm().empty());
  CHECK(Ship(log.Resend(2, 2510)).alarm().empty());
  CHECK(Ship(log.Resend(9, 2510)).alarm().empty());  // past the copy
  CHECK(hub->Alarms().empty());
}

TEST_CASE_METHOD(SweptWorld, "sweep: a block rewritten with the chain recomputed is named with the field") {
  log.entries[1499].set_object("A1-forged");
  log.Rechain();
  const v1::AuditShipAck asked = Ship(log.Sweep(2500));
  REQUIRE(asked.resend_blocks_size() == 1);
  CHECK(asked.resend_blocks(0) == 1);  // block 0 agrees
  CHECK(asked.alarm().empty());
  const v1::Alarm alarm = SweepAlarm();
  CHECK(alarm.first_bad_entry() == 1500);
  CHECK(absl::StrContains(alarm.detail(), "entry 1500 was rewritten"));
  CHECK(absl::StrContains(alarm.detail(), "object was \"A1-1500\", now \"A1-forged\""));
}

TEST_CASE_METHOD(SweptWorld, "sweep: a rewritten time is named with both times") {
  log.entries[99].set_time_micros(log.entries[99].time_micros() + 3'600'000'000);
  log.Rechain();
  const v1::Alarm alarm = SweepAlarm();
  CHECK(alarm.first_bad_entry() == 100);
  CHECK(absl::StrContains(alarm.detail(), "entry 100 was rewritten: time was "));
}

TEST_CASE_METHOD(SweptWorld, "sweep: a dropped entry is named") {
  log.entries.erase(log.entries.begin() + 1499);
  log.Rechain();
  const v1::Alarm alarm = SweepAlarm();
  CHECK(alarm.first_bad_entry() == 1500);
  CHECK(absl::StrContains(alarm.detail(), "entry 1500 was dropped"));
}

TEST_CASE_METHOD(SweptWorld, "sweep: a drop or a swap at a block's last entry is told apart (one entry past the block)") {
  SECTION("the block's last entry dropped") {
    log.entries.erase(log.entries.begin() + 1023);
    log.Rechain();
    const v1::Alarm alarm = SweepAlarm();
    CHECK(alarm.first_bad_entry() == 1024);
    CHECK(absl::StrContains(alarm.detail(), "entry 1024 was dropped"));
  }
  SECTION("swapped across the boundary") {
    std::swap(log.entries[1023], log.entries[1024]);
    log.Rechain();
    const v1::Alarm alarm = SweepAlarm();
    CHECK(alarm.first_bad_entry() == 1024);
    CHECK(absl::StrContains(alarm.detail(), "reordered"));
  }
}

TEST_CASE_METHOD(SweptWorld, "sweep: two entries swapped are reordered, not dropped") {
  SECTION("next to each other") {
    std::swap(log.entries[1499], log.entries[1500]);
    log.Rechain();
    const v1::Alarm alarm = SweepAlarm();
    CHECK(alarm.first_bad_entry() == 1500);
    CHECK(absl::StrContains(alarm.detail(), "reordered"));
    CHECK_FALSE(absl::StrContains(alarm.detail(), "dropped"));
  }
  SECTION("apart") {
    std::swap(log.entries[1499], log.entries[1599]);
    log.Rechain();
    const v1::Alarm alarm = SweepAlarm();
    CHECK(alarm.first_bad_entry() == 1500);
    CHECK(absl::StrContains(alarm.detail(), "entries were reordered: the member's entry at 1500 is the hub's entry 1600"));
  }
}

TEST_CASE_METHOD(SweptWorld, "sweep: a truncated log is named from its first missing entry") {
  SECTION("inside a block") { log.entries.resize(2000); }
  SECTION("at a block boundary") { log.entries.resize(2048); }
  SECTION("to nothing") { log.entries.clear(); }
  const uint64_t kept = log.count();
  const v1::Alarm alarm = SweepAlarm();
  CHECK(alarm.first_bad_entry() == kept + 1);
  CHECK(absl::StrContains(alarm.detail(), absl::StrCat("the log is truncated: it holds ", kept, " entries, the hub holds 2500")));
}

TEST_CASE_METHOD(SweptWorld, "sweep: a resent block shorter than the copy is truncated") {
  v1::AuditShipment s = log.Resend(2, 2500);
  s.mutable_entries()->DeleteSubrange(100, s.entries_size() - 100);
  const v1::AuditShipAck ack = Ship(s);
  CHECK(absl::StrContains(ack.alarm(), "the log is truncated: it ends before entry 2149"));
}

TEST_CASE_METHOD(SweptWorld, "sweep: a resent block of an absurd number raises nothing") {
  // resend_block * kAuditBlock wraps around to block 0's first entry: not a block of the copy.
  v1::AuditShipment s = log.Resend(0, 2500);
  s.set_resend_block(uint64_t{1} << 54);
  s.mutable_entries(0)->set_object("A1-elsewhere");
  const v1::AuditShipAck ack = Ship(s);
  CHECK(ack.alarm().empty());
  CHECK(hub->Alarms().empty());
}

TEST_CASE_METHOD(SweptWorld, "hub: the alarm and the copy survive reopening on the same store") {
  log.entries[1499].set_object("A1-forged");
  log.Rechain();
  const v1::Alarm alarm = SweepAlarm();
  MemberLog kaifeng(kOther, &other);
  kaifeng.AddMany(1500);
  REQUIRE(Exchange(kaifeng, false, kOther).cursor() == 1500);
  const auto before = hub->Holdings();
  const std::string held_head = hub->Cursor(kMember).head();

  clock.Advance(absl::Hours(1));
  Reopen();
  const auto after = hub->Holdings();
  REQUIRE(after.size() == before.size());
  for (const auto& [code, held] : before) {
    CHECK(after.at(code).entries == held.entries);
    CHECK(after.at(code).last_micros == held.last_micros);
  }
  const auto alarms = hub->Alarms();
  REQUIRE(alarms.size() == 1);
  CHECK(alarms[0].SerializeAsString() == alarm.SerializeAsString());
  CHECK(hub->Cursor(kMember).alarm() == alarm.detail());
  CHECK(hub->Cursor(kMember).head() == held_head);
  CHECK(held_head != log.head());
  // Still refused, the copy unchanged.
  log.AddMany(5);
  const v1::AuditShipAck ack = Exchange(log, false);
  CHECK(ack.cursor() == 2500);
  CHECK(ack.alarm() == alarm.detail());
  CHECK(VerifiedCopy(kMember) == 2500);
  // The other member's sweep is checked from the copy on disk (the digests are not kept).
  CHECK(Ship(kaifeng.Sweep(1500)).resend_blocks_size() == 0);
  kaifeng.entries[10].set_actor("王保密 (security-officer, unix:alice)");
  kaifeng.Rechain();
  const v1::AuditShipAck found = Exchange(kaifeng, true, kOther);
  CHECK(absl::StrContains(found.alarm(), "entry 11 was rewritten: actor was"));
  // A second alarm is numbered after the first.
  const auto both = hub->Alarms();
  REQUIRE(both.size() == 2);
  CHECK(both[0].id() != both[1].id());
  Reopen();
  CHECK(hub->Alarms().size() == 2);
}

TEST_CASE_METHOD(HubWorld, "hub: an alarm raised by a witness is kept once and survives reopening") {
  REQUIRE(hub->RaiseAlarm(kMember, "log-inconsistency", "witness 410100: the log shrank").ok());
  REQUIRE(hub->RaiseAlarm(kMember, "log-inconsistency", "witness 410100: the log shrank").ok());
  REQUIRE(hub->Alarms().size() == 1);
  // It does not stop the member's shipments (only an audit mismatch does).
  MemberLog log(kMember, &member);
  log.AddMany(2);
  CHECK(Exchange(log, false).cursor() == 2);
  Reopen();
  REQUIRE(hub->Alarms().size() == 1);
  CHECK(hub->Alarms()[0].kind() == "log-inconsistency");
  CHECK(Exchange(log, true).alarm().empty());
}

// ---- Queries ----

TEST_CASE_METHOD(HubWorld, "hub: queries filter by archive, person, action, object and dates in China time") {
  MemberLog zz(kMember, &member);
  zz.Add("王保密 (security-officer, unix:alice)", "record.import", "catalog.csv", At(2026, 9, 14, 9));
  zz.Add("李编目 (cataloguer, unix:carol)", "record.get", "Z109-HY·1985-Y-0001", At(2026, 9, 14, 23, 30));
  zz.Add("李编目 (cataloguer, unix:carol)", "records.export", "all", At(2026, 9, 15, 0, 30));
  zz.Add("kuaguand", "index.reindex", "", At(2026, 9, 16, 8));
  MemberLog kf(kOther, &other);
  kf.Add("王保密 (security-officer, unix:bob)", "record.get", "Z109-HY·1985-Y-0001", At(2026, 9, 15, 10));
  REQUIRE(Exchange(zz, false).cursor() == 4);
  REQUIRE(Exchange(kf, false, kOther).cursor() == 1);

  auto query = [&](v1::HubAuditQuery q) {
    auto got = hub->Query(q);
    INFO(got.status().ToString());
    REQUIRE(got.ok());
    std::vector<std::string> out;
    for (const auto& row : got->entries()) out.push_back(absl::StrCat(row.archive(), ":", row.entry().seq()));
    return out;
  };
  using L = std::vector<std::string>;
  CHECK(query({}) == L{"410100:1", "410100:2", "410100:3", "410100:4", "410200:1"});
  v1::HubAuditQuery q;
  q.set_archive(kOther);
  CHECK(query(q) == L{"410200:1"});
  q.set_archive("4101");  // a prefix of a code is not the code
  CHECK(query(q).empty());

  q.Clear();
  q.set_person("王保密");
  CHECK(query(q) == L{"410100:1", "410200:1"});
  const auto rows = *hub->Query(q);
  CHECK(rows.entries(0).entry().person() == "王保密");
  CHECK(rows.entries(0).entry().role() == "security-officer");
  CHECK(rows.entries(0).entry().via() == "unix:alice");
  CHECK(rows.entries(1).entry().via() == "unix:bob");
  CHECK(rows.entries(0).entry().action() == "record.import");
  CHECK(rows.entries(0).entry().time_micros() == absl::ToUnixMicros(At(2026, 9, 14, 9)));
  q.set_person("王保密 (security-officer, unix:alice)");  // the name, not the audit form
  CHECK(query(q).empty());
  q.set_person("kuaguand");
  CHECK(query(q) == L{"410100:4"});

  q.Clear();
  q.set_action("record.");
  CHECK(query(q) == L{"410100:1", "410100:2", "410200:1"});  // not records.export
  q.set_action("record.get");
  CHECK(query(q) == L{"410100:2", "410200:1"});
  q.set_action("record");  // exact unless it ends in '.'
  CHECK(query(q).empty());

  q.Clear();
  q.set_object("Z109-HY·1985-Y-0001");
  CHECK(query(q) == L{"410100:2", "410200:1"});
  q.set_person("李编目");
  CHECK(query(q) == L{"410100:2"});

  // 00:30 on the 15th in China is still the 14th in UTC; 23:30 on the 14th is the 14th in both.
  q.Clear();
  q.set_from_date("2026-09-15");
  q.set_to_date("2026-09-15");
  CHECK(query(q) == L{"410100:3", "410200:1"});
  q.clear_from_date();
  q.set_to_date("2026-09-14");
  CHECK(query(q) == L{"410100:1", "410100:2"});
  q.Clear();
  q.set_from_date("2026-09-16");
  CHECK(query(q) == L{"410100:4"});

  q.Clear();
  q.set_limit(2);
  auto limited = hub->Query(q);
  REQUIRE(limited.ok());
  CHECK(limited->entries_size() == 2);
  CHECK(limited->matched() == 5);
  q.set_limit(10000);
  CHECK(hub->Query(q).ok());
  q.set_limit(10001);
  CHECK(absl::IsInvalidArgument(hub->Query(q).status()));

  for (const char* bad : {"2026/09/15", "yesterday", "2026-09-15T00:00", "2026-13-01", "15-09-2026"}) {
    INFO(bad);
    q.Clear();
    q.set_from_date(bad);
    CHECK(absl::IsInvalidArgument(hub->Query(q).status()));
    q.Clear();
    q.set_to_date(bad);
    CHECK(absl::IsInvalidArgument(hub->Query(q).status()));
  }
}

// ---- The transparency log ----

namespace {

struct LogWorld {
  TempDir dir;
  FakeClock clock{At(2026, 9, 14)};
  std::unique_ptr<kuaguan::node::Store> store;
  std::unique_ptr<fed::TransparencyLog> log;
  Identity member = NewIdentity(kMember);
  Identity other = NewIdentity(kOther);

  LogWorld() {
    store = std::move(*kuaguan::node::Store::Open(dir.path() / "store", &clock));
    Reopen();
  }
  void Reopen() {
    log.reset();
    auto opened = fed::TransparencyLog::Open(store.get(), &clock, kOrigin, dir.path() / "log-key.pem", "口令");
    INFO(opened.status().ToString());
    REQUIRE(opened.ok());
    log = std::move(*opened);
  }
  static v1::LogEntry Entry(int n, const std::string& archive = kMember) {
    v1::LogEntry e;
    e.set_serial(absl::StrFormat("%s-2026-%06d", archive, n));
    e.set_sm3(seal::Sm3(e.serial()));
    e.set_archive(archive);
    e.set_issued_micros(absl::ToUnixMicros(At(2026, 9, 14)) + n);
    return e;
  }
  // (size, root) of a note, checked with the log's key.
  std::pair<uint64_t, std::string> Verified(const std::string& note) {
    auto checked = seal::VerifyLogCheckpoint(note, log->log_key_pem());
    INFO(checked.status().ToString());
    REQUIRE(checked.ok());
    return *checked;
  }
  // A witness's cosignature of the checkpoint of `size` as served now.
  v1::Cosignature CosignatureBy(const std::string& code, const Identity& id, uint64_t size) {
    auto proof = log->Consistency(size, 0);  // its old note is the one of `size`
    REQUIRE(proof.ok());
    auto parsed = seal::ParseNote(proof->old_checkpoint());
    REQUIRE(parsed.ok());
    Botan::AutoSeeded_RNG rng;
    v1::Cosignature c;
    c.set_from(code);
    c.set_size(size);
    c.set_signature_line(*seal::SignNote(parsed->body, code, *id.key, rng));
    return c;
  }
};

std::vector<std::string> Path(const google::protobuf::RepeatedPtrField<std::string>& path) {
  return std::vector<std::string>(path.begin(), path.end());
}

}  // namespace

TEST_CASE_METHOD(LogWorld, "log: 1,000 certificates in batches: every inclusion and consistency proof verifies") {
  CHECK(log->size() == 0);
  const auto [empty_size, empty_root] = Verified(log->Checkpoint()->note());
  CHECK(empty_size == 0);
  CHECK(empty_root.size() == 32);

  std::vector<uint64_t> sizes = {0};
  int n = 0;
  for (int batch : {1, 2, 97, 400, 500}) {
    v1::LogSubmission sub;
    sub.set_from(kMember);
    for (int i = 0; i < batch; ++i) *sub.add_entries() = Entry(++n);
    auto done = log->Submit(sub);
    INFO(done.status().ToString());
    REQUIRE(done.ok());
    REQUIRE(done->indexes_size() == batch);
    for (int i = 0; i < batch; ++i) CHECK(done->indexes(i) == static_cast<uint64_t>(n - batch + i));
    sizes.push_back(log->size());
    clock.Advance(absl::Minutes(1));
  }
  REQUIRE(log->size() == 1000);
  const auto cp = log->Checkpoint();
  REQUIRE(cp.ok());
  CHECK(cp->size() == 1000);
  CHECK(Verified(cp->note()) == std::make_pair(uint64_t{1000}, cp->root()));
  CHECK(cp->witnesses_size() == 0);

  for (int i = 1; i <= 1000; ++i) {
    const v1::LogEntry e = Entry(i);
    auto proof = log->Inclusion(e.serial(), 0);
    REQUIRE(proof.ok());
    CHECK(proof->index() == static_cast<uint64_t>(i - 1));
    CHECK(proof->tree_size() == 1000);
    CHECK(proof->entry().SerializeAsString() == e.SerializeAsString());
    const absl::Status st = seal::VerifyLogInclusion(*proof, log->log_key_pem());
    INFO(st.ToString());
    CHECK(st.ok());
  }
  // In older checkpoints too; not in one before it, nor in one never signed.
  for (uint64_t size : sizes) {
    for (int i : {1, 3, 100, 101, 500}) {
      auto proof = log->Inclusion(Entry(i).serial(), size);
      if (static_cast<uint64_t>(i) <= size) {
        REQUIRE(proof.ok());
        CHECK(seal::VerifyLogInclusion(*proof, log->log_key_pem()).ok());
      } else if (size != 0) {
        CHECK(absl::IsOutOfRange(proof.status()));
      }
    }
  }
  CHECK(absl::IsOutOfRange(log->Inclusion(Entry(1).serial(), 50).status()));
  CHECK(absl::IsOutOfRange(log->Inclusion(Entry(1).serial(), 1001).status()));
  CHECK(absl::IsNotFound(log->Inclusion("410100-2026-999999", 0).status()));

  for (size_t a = 0; a < sizes.size(); ++a) {
    for (size_t b = std::max<size_t>(a, 1); b < sizes.size(); ++b) {  // new size 0 is the latest
      INFO(sizes[a] << " -> " << sizes[b]);
      auto proof = log->Consistency(sizes[a], sizes[b]);
      REQUIRE(proof.ok());
      const auto [old_size, old_root] = Verified(proof->old_checkpoint());
      const auto [new_size, new_root] = Verified(proof->new_checkpoint());
      CHECK(old_size == sizes[a]);
      CHECK(new_size == sizes[b]);
      const absl::Status st = seal::VerifyConsistency(old_size, new_size, old_root, new_root, Path(proof->path()));
      INFO(st.ToString());
      CHECK(st.ok());
      if (old_size > 0 && old_size < new_size) {
        // The proof of another pair does not verify.
        CHECK_FALSE(seal::VerifyConsistency(old_size, new_size, new_root, old_root, Path(proof->path())).ok());
      }
    }
  }
  CHECK(absl::IsOutOfRange(log->Consistency(3, 50).status()));
  CHECK(absl::IsOutOfRange(log->Consistency(3, 1001).status()));
  CHECK(absl::IsInvalidArgument(log->Consistency(500, 100).status()));
  auto latest = log->Consistency(100, 0);
  REQUIRE(latest.ok());
  CHECK(latest->new_size() == 1000);
}

TEST_CASE_METHOD(LogWorld, "log: what a member may not submit") {
  v1::LogSubmission sub;
  sub.set_from(kMember);
  *sub.add_entries() = Entry(1);
  *sub.add_entries() = Entry(2);
  REQUIRE(log->Submit(sub).ok());
  const auto before = log->Checkpoint();

  // The same serial with the same digest keeps its index; with another, ALREADY_EXISTS.
  v1::LogSubmission again;
  again.set_from(kMember);
  *again.add_entries() = Entry(2);
  auto kept = log->Submit(again);
  REQUIRE(kept.ok());
  CHECK(kept->indexes(0) == 1);
  again.mutable_entries(0)->set_sm3(seal::Sm3("another file"));
  *again.add_entries() = Entry(3);
  CHECK(absl::IsAlreadyExists(log->Submit(again).status()));
  // Twice in one submission with two digests.
  v1::LogSubmission twice;
  twice.set_from(kMember);
  *twice.add_entries() = Entry(4);
  *twice.add_entries() = Entry(4);
  twice.mutable_entries(1)->set_sm3(seal::Sm3("another file"));
  CHECK(absl::IsAlreadyExists(log->Submit(twice).status()));
  // A certificate of another archive.
  v1::LogSubmission foreign;
  foreign.set_from(kMember);
  *foreign.add_entries() = Entry(5);
  *foreign.add_entries() = Entry(6, kOther);
  CHECK(absl::IsPermissionDenied(log->Submit(foreign).status()));
  // Malformed entries, nothing, too much.
  auto malformed = [&](auto change) {
    v1::LogSubmission s;
    s.set_from(kMember);
    v1::LogEntry e = Entry(7);
    change(&e);
    *s.add_entries() = e;
    return log->Submit(s).status();
  };
  CHECK(absl::IsInvalidArgument(malformed([](v1::LogEntry* e) { e->clear_serial(); })));
  CHECK(absl::IsInvalidArgument(malformed([](v1::LogEntry* e) { e->set_serial(std::string(65, '1')); })));
  CHECK(absl::IsInvalidArgument(malformed([](v1::LogEntry* e) { e->set_serial("410100\n2026"); })));
  CHECK(absl::IsInvalidArgument(malformed([](v1::LogEntry* e) { e->set_sm3("short"); })));
  CHECK(absl::IsInvalidArgument(malformed([](v1::LogEntry* e) { e->set_issued_micros(0); })));
  v1::LogSubmission none;
  none.set_from(kMember);
  CHECK(absl::IsInvalidArgument(log->Submit(none).status()));
  v1::LogSubmission many;
  many.set_from(kMember);
  for (int i = 0; i <= fed::TransparencyLog::kMaxSubmission; ++i) *many.add_entries() = Entry(100 + i);
  CHECK(absl::IsInvalidArgument(log->Submit(many).status()));

  // None of it was logged.
  CHECK(log->size() == 2);
  CHECK(log->Checkpoint()->note() == before->note());
  CHECK(absl::IsNotFound(log->Inclusion(Entry(3).serial(), 0).status()));
  CHECK(absl::IsNotFound(log->Inclusion(Entry(5).serial(), 0).status()));
}

TEST_CASE_METHOD(LogWorld, "log: reopening on the same store gives the same root and checkpoint") {
  v1::LogSubmission sub;
  sub.set_from(kMember);
  for (int i = 1; i <= 300; ++i) *sub.add_entries() = Entry(i);
  REQUIRE(log->Submit(sub).ok());
  REQUIRE(log->Cosign(CosignatureBy(kMember, member, 300), member.cert_pem).ok());
  const auto before = *log->Checkpoint();
  const std::string key = log->log_key_pem();
  clock.Advance(absl::Hours(2));
  Reopen();
  CHECK(log->size() == 300);
  CHECK(log->log_key_pem() == key);
  const auto after = *log->Checkpoint();
  CHECK(after.root() == before.root());
  CHECK(after.note() == before.note());
  CHECK(after.witnesses_size() == 1);
  auto proof = log->Inclusion(Entry(17).serial(), 0);
  REQUIRE(proof.ok());
  CHECK(seal::VerifyLogInclusion(*proof, key).ok());
  // The serial index came back: a repeat keeps its index, another digest is refused.
  v1::LogSubmission again;
  again.set_from(kMember);
  *again.add_entries() = Entry(17);
  CHECK(log->Submit(again)->indexes(0) == 16);
  again.mutable_entries(0)->set_sm3(seal::Sm3("x"));
  CHECK(absl::IsAlreadyExists(log->Submit(again).status()));
  // And the log goes on from there.
  v1::LogSubmission more;
  more.set_from(kMember);
  *more.add_entries() = Entry(301);
  REQUIRE(log->Submit(more).ok());
  auto consistency = log->Consistency(300, 301);
  REQUIRE(consistency.ok());
  CHECK(seal::VerifyConsistency(300, 301, before.root(), log->Checkpoint()->root(), Path(consistency->path())).ok());
}

TEST_CASE_METHOD(LogWorld, "log: a witness's cosignature verifies and the checkpoint carries it") {
  v1::LogSubmission sub;
  sub.set_from(kMember);
  for (int i = 1; i <= 10; ++i) *sub.add_entries() = Entry(i);
  REQUIRE(log->Submit(sub).ok());

  const v1::Cosignature cosig = CosignatureBy(kMember, member, 10);
  const absl::Status st = log->Cosign(cosig, member.cert_pem);
  INFO(st.ToString());
  REQUIRE(st.ok());
  auto cp = log->Checkpoint();
  REQUIRE(cp.ok());
  REQUIRE(cp->witnesses_size() == 1);
  CHECK(cp->witnesses(0) == kMember);
  Verified(cp->note());  // still the log's
  auto parsed = seal::ParseNote(cp->note());
  REQUIRE(parsed.ok());
  CHECK(parsed->signatures.size() == 2);
  Botan::DataSource_Memory cert_src(member.cert_pem);
  std::unique_ptr<Botan::Public_Key> member_public = Botan::X509_Certificate(cert_src).load_subject_public_key();
  CHECK(seal::VerifyNoteSignature(*parsed, kMember, *member_public).ok());
  // Proofs hand out the cosigned note, and it verifies.
  auto proof = log->Inclusion(Entry(3).serial(), 10);
  REQUIRE(proof.ok());
  CHECK(absl::StrContains(proof->checkpoint(), cosig.signature_line()));
  CHECK(seal::VerifyLogInclusion(*proof, log->log_key_pem()).ok());

  // A second witness; the empty log's checkpoint can be cosigned too.
  REQUIRE(log->Cosign(CosignatureBy(kOther, other, 10), other.cert_pem).ok());
  CHECK(log->Checkpoint()->witnesses_size() == 2);
  REQUIRE(log->Cosign(CosignatureBy(kOther, other, 0), other.cert_pem).ok());
  CHECK(log->Checkpoint()->witnesses_size() == 2);
  // A size never signed.
  v1::Cosignature nowhere = cosig;
  nowhere.set_size(5);
  CHECK(absl::IsOutOfRange(log->Cosign(nowhere, member.cert_pem)));
}

TEST_CASE_METHOD(LogWorld, "log: a cosignature by the wrong key is refused") {
  v1::LogSubmission sub;
  sub.set_from(kMember);
  *sub.add_entries() = Entry(1);
  REQUIRE(log->Submit(sub).ok());
  // 开封's key, under 郑州's name, checked with 郑州's certificate.
  CHECK_FALSE(log->Cosign(CosignatureBy(kMember, other, 1), member.cert_pem).ok());
  // 郑州's own line, checked with 开封's certificate (as 开封's TLS channel would present it).
  v1::Cosignature as_other = CosignatureBy(kMember, member, 1);
  as_other.set_from(kOther);
  CHECK_FALSE(log->Cosign(as_other, other.cert_pem).ok());
  // A line signed over another body.
  v1::Cosignature stale = CosignatureBy(kMember, member, 0);
  stale.set_size(1);
  CHECK_FALSE(log->Cosign(stale, member.cert_pem).ok());
  // Garbage, and an unreadable certificate.
  v1::Cosignature garbage;
  garbage.set_from(kMember);
  garbage.set_size(1);
  garbage.set_signature_line("— 410100 AAAA\n");
  CHECK_FALSE(log->Cosign(garbage, member.cert_pem).ok());
  CHECK(absl::IsInvalidArgument(log->Cosign(CosignatureBy(kMember, member, 1), "not a certificate")));
  CHECK(log->Checkpoint()->witnesses_size() == 0);
  CHECK(store->ScanMeta("ct/cosig/")->empty());
}

TEST_CASE_METHOD(LogWorld, "log: a cosignature is one line, its witness's own") {
  v1::LogSubmission sub;
  sub.set_from(kMember);
  *sub.add_entries() = Entry(1);
  REQUIRE(log->Submit(sub).ok());
  // 郑州's valid line with a line of 开封's key id smuggled after it: 开封 could then never
  // cosign, and the note would carry a signature nobody checked.
  // (A well-formed line of 开封's key, over another checkpoint.)
  const v1::Cosignature kaifeng_line = CosignatureBy(kOther, other, 1);
  v1::Cosignature smuggled = CosignatureBy(kMember, member, 1);
  smuggled.set_signature_line(smuggled.signature_line() + CosignatureBy(kOther, other, 0).signature_line());
  CHECK(absl::IsInvalidArgument(log->Cosign(smuggled, member.cert_pem)));
  v1::Cosignature unterminated = CosignatureBy(kMember, member, 1);
  unterminated.mutable_signature_line()->pop_back();
  CHECK_FALSE(log->Cosign(unterminated, member.cert_pem).ok());
  CHECK(store->ScanMeta("ct/cosig/")->empty());
  REQUIRE(log->Cosign(kaifeng_line, other.cert_pem).ok());

  // A witness that cosigns again (its answer lost) replaces its line.
  REQUIRE(log->Cosign(CosignatureBy(kMember, member, 1), member.cert_pem).ok());
  const v1::Cosignature again = CosignatureBy(kMember, member, 1);
  const absl::Status st = log->Cosign(again, member.cert_pem);
  INFO(st.ToString());
  CHECK(st.ok());
  const auto cp = log->Checkpoint();
  CHECK(cp->witnesses_size() == 2);
  CHECK(absl::StrContains(cp->note(), again.signature_line()));
  Verified(cp->note());
}

TEST_CASE_METHOD(LogWorld, "log: a checkpoint with more witnesses than a note holds still verifies") {
  v1::LogSubmission sub;
  sub.set_from(kMember);
  *sub.add_entries() = Entry(1);
  REQUIRE(log->Submit(sub).ok());
  for (int i = 0; i < 40; ++i) {
    const std::string code = absl::StrFormat("4101%02d", i + 10);
    const Identity id = NewIdentity(code);
    const absl::Status st = log->Cosign(CosignatureBy(code, id, 1), id.cert_pem);
    INFO(code << ": " << st.ToString());
    CHECK(st.ok());
    const auto cp = log->Checkpoint();
    REQUIRE(cp.ok());
    Verified(cp->note());
    CHECK(cp->witnesses_size() <= static_cast<int>(seal::kMaxNoteSignatures) - 1);
    auto proof = log->Inclusion(Entry(1).serial(), 0);
    REQUIRE(proof.ok());
    CHECK(seal::VerifyLogInclusion(*proof, log->log_key_pem()).ok());
  }
  CHECK(log->Checkpoint()->witnesses_size() == static_cast<int>(seal::kMaxNoteSignatures) - 1);
}

// ---- The health board ----

namespace {

struct BoardWorld {
  FakeClock clock{At(2026, 9, 14)};
  fed::HealthBoard board{&clock, 60};
  v1::Directory directory;
  BoardWorld() {
    directory.set_provincial_code("410000");
    for (const auto& [code, name] : {std::pair{"410000", "河南省档案馆"}, std::pair{kMember, "郑州市档案馆"},
                                     std::pair{kOther, "开封市档案馆"}, std::pair{"410300", "洛阳市档案馆"}}) {
      auto* m = directory.add_members();
      m->set_code(code);
      m->set_name(name);
    }
    directory.mutable_members(3)->set_revoked(true);
  }
  v1::HealthReport Report(const std::string& from) const {
    v1::HealthReport r;
    r.set_from(from);
    r.set_time_micros(1);  // the member's clock: not believed
    r.set_version("1.0");
    r.set_cert_expires_micros(clock.NowMicros() + int64_t{365} * 86400 * 1000000);
    r.set_requests_total(7);
    (*r.mutable_requests_by_state())["in-review"] = 2;
    return r;
  }
  v1::FederationView View(const std::string& archive = "", const std::vector<v1::Alarm>& alarms = {}) {
    return board.View(directory, {{kMember, {42, 5}}}, alarms, 9, archive);
  }
  static const v1::MemberView& Member(const v1::FederationView& view, const std::string& code) {
    for (const auto& m : view.members()) {
      if (m.code() == code) return m;
    }
    FAIL("no member " << code);
    static v1::MemberView none;
    return none;
  }
  static std::vector<std::string> Kinds(const v1::FederationView& view, const std::string& code) {
    std::vector<std::string> out;
    for (const auto& a : view.alarms()) {
      if (a.archive() == code) out.push_back(a.kind());
    }
    return out;
  }
};

}  // namespace

TEST_CASE_METHOD(BoardWorld, "board: ok, late and down by the clock") {
  REQUIRE(board.Report(Report(kMember)).ok());
  v1::FederationView view = View();
  CHECK(view.members_size() == 3);  // not the provincial node itself
  CHECK(view.log_size() == 9);
  CHECK(view.report_interval_seconds() == 60);
  CHECK(Member(view, kMember).state() == "ok");
  CHECK(Member(view, kMember).audit_entries() == 42);
  CHECK(Member(view, kMember).last_report().time_micros() == clock.NowMicros());
  CHECK(Member(view, kMember).name() == "郑州市档案馆");
  CHECK(Kinds(view, kMember).empty());
  // Never reported: down, with an alarm; revoked: down, without one.
  CHECK(Member(view, kOther).state() == "down");
  CHECK(Kinds(view, kOther) == std::vector<std::string>{"member-down"});
  CHECK(Member(view, "410300").state() == "down");
  CHECK(Member(view, "410300").revoked());
  CHECK(Kinds(view, "410300").empty());

  clock.Advance(absl::Seconds(125));
  CHECK(Member(View(), kMember).state() == "ok");
  clock.Advance(absl::Seconds(1));
  CHECK(Member(View(), kMember).state() == "late");
  CHECK(Kinds(View(), kMember).empty());
  clock.Set(At(2026, 9, 14) + absl::Seconds(300));
  CHECK(Member(View(), kMember).state() == "late");
  clock.Advance(absl::Seconds(1));
  view = View();
  CHECK(Member(view, kMember).state() == "down");
  REQUIRE(Kinds(view, kMember) == std::vector<std::string>{"member-down"});
  for (const auto& a : view.alarms()) {
    if (a.archive() == kMember) CHECK(absl::StrContains(a.detail(), "last reported 301 s ago"));
  }
  // A report brings it back.
  REQUIRE(board.Report(Report(kMember)).ok());
  CHECK(Member(View(), kMember).state() == "ok");
  CHECK(Kinds(View(), kMember).empty());
}

TEST_CASE_METHOD(BoardWorld, "board: alarms read off the reports and the hub's") {
  v1::HealthReport r = Report(kMember);
  r.set_cert_expires_micros(clock.NowMicros() + int64_t{29} * 86400 * 1000000);
  r.set_overdue(3);
  REQUIRE(board.Report(r).ok());
  v1::HealthReport fine = Report(kOther);
  fine.set_cert_expires_micros(clock.NowMicros() + int64_t{31} * 86400 * 1000000);
  REQUIRE(board.Report(fine).ok());
  v1::FederationView view = View();
  auto kinds = Kinds(view, kMember);
  std::sort(kinds.begin(), kinds.end());
  CHECK(kinds == std::vector<std::string>{"certificate-expiring", "overdue-requests"});
  for (const auto& a : view.alarms()) {
    if (a.kind() == "certificate-expiring") CHECK(absl::StrContains(a.detail(), "expires in 29 days"));
    if (a.kind() == "overdue-requests") CHECK(absl::StrContains(a.detail(), "3 requests past"));
  }
  CHECK(Member(view, kMember).state() == "ok");  // reporting; the alarms are listed
  CHECK(Kinds(view, kOther).empty());
  CHECK(Member(view, kOther).state() == "ok");

  // A member's own alarm puts it in the alarm state.
  fine.add_alarms("transparency log inconsistency: the log shrank");
  REQUIRE(board.Report(fine).ok());
  view = View();
  CHECK(Member(view, kOther).state() == "alarm");
  CHECK(Kinds(view, kOther) == std::vector<std::string>{"member-alarm"});

  // An open alarm of the hub on a member: state alarm, listed; a closed one only listed.
  v1::Alarm hub_alarm;
  hub_alarm.set_id("A1");
  hub_alarm.set_archive(kMember);
  hub_alarm.set_kind("audit-mismatch");
  hub_alarm.set_open(true);
  view = View("", {hub_alarm});
  CHECK(Member(view, kMember).state() == "alarm");
  CHECK(Kinds(view, kMember).size() == 3);
  hub_alarm.set_open(false);
  CHECK(Member(View("", {hub_alarm}), kMember).state() == "ok");

  // One member in detail: its samples, its alarms only.
  clock.Advance(absl::Minutes(1));
  REQUIRE(board.Report(r).ok());
  view = View(kMember, {hub_alarm});
  REQUIRE(view.members_size() == 1);
  CHECK(view.members(0).samples_size() == 2);
  CHECK(view.members(0).samples(1).time_micros() == clock.NowMicros());
  CHECK(view.members(0).samples(1).overdue() == 3);
  for (const auto& a : view.alarms()) CHECK(a.archive() == kMember);
  CHECK(View().members(0).samples_size() == 0);
}

TEST_CASE_METHOD(BoardWorld, "board: oversized reports are refused and the last one kept") {
  REQUIRE(board.Report(Report(kMember)).ok());
  v1::HealthReport big = Report(kMember);
  big.set_version("2.0");
  big.set_last_error(std::string(70 * 1024, 'x'));
  CHECK(absl::IsInvalidArgument(board.Report(big)));
  v1::HealthReport states = Report(kMember);
  for (int i = 0; i < 33; ++i) (*states.mutable_requests_by_state())[absl::StrCat("s", i)] = 1;
  CHECK(absl::IsInvalidArgument(board.Report(states)));
  v1::HealthReport alarms = Report(kMember);
  for (int i = 0; i < 17; ++i) alarms.add_alarms("a");
  CHECK(absl::IsInvalidArgument(board.Report(alarms)));
  CHECK(Member(View(), kMember).last_report().version() == "1.0");
  // Long but within the limits: kept, cut to size.
  v1::HealthReport wordy = Report(kMember);
  wordy.set_last_error(std::string(5000, 'e'));
  wordy.set_version(std::string(100, 'v'));
  wordy.add_alarms(std::string(2000, 'a'));
  REQUIRE(board.Report(wordy).ok());
  const v1::FederationView view = View(kMember);
  const v1::HealthReport& kept = Member(view, kMember).last_report();
  CHECK(kept.last_error().size() < 600);
  CHECK(kept.version().size() < 60);
  CHECK(kept.alarms(0).size() < 600);
}

TEST_CASE_METHOD(BoardWorld, "board: a day of samples at most") {
  for (int i = 0; i < 1500; ++i) {
    REQUIRE(board.Report(Report(kMember)).ok());
    clock.Advance(absl::Minutes(1));
  }
  CHECK(Member(View(kMember), kMember).samples_size() == 1440);
}
