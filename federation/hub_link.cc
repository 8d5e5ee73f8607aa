#include "federation/hub_link.h"

#include <botan/auto_rng.h>
#include <botan/data_src.h>
#include <botan/pkcs8.h>
#include <botan/x509_key.h>

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "base/printable.h"
#include "base/status_macros.h"
#include "federation/audit_hub.h"
#include "federation/transparency_log.h"
#include "seal/log_proof.h"
#include "seal/merkle_tree.h"
#include "seal/node_signature.h"
#include "seal/signed_note.h"

namespace kuaguan::federation {
namespace v1 = kuaguan::v1;

namespace {

constexpr char kSpoolPrefix[] = "ct/spool/";
constexpr char kWantPrefix[] = "ct/want/";
constexpr char kProofPrefix[] = "ct/proof/";
constexpr char kLogKey[] = "ct/log-key";
constexpr char kWitnessed[] = "ct/witnessed";
constexpr int kMaxProofsAPass = 200;

absl::Status FromGrpc(const grpc::Status& st, absl::string_view what) {
  return absl::Status(static_cast<absl::StatusCode>(st.error_code()), absl::StrCat(what, ": ", st.error_message()));
}

void Deadline(grpc::ClientContext* ctx, int seconds) {
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(seconds));
}

std::vector<std::string> Path(const google::protobuf::RepeatedPtrField<std::string>& path) {
  return {path.begin(), path.end()};
}

}  // namespace

HubLink::HubLink(std::string archive, PeerLink* link, StateStore* store, AuditReader reader, AuditHead head,
                 HealthCollector health, const base::Clock* clock, HubLinkOptions options)
    : archive_(std::move(archive)), link_(link), store_(store), reader_(std::move(reader)), head_(std::move(head)),
      health_(std::move(health)), clock_(clock), options_(options) {}

HubLink::~HubLink() { Stop(); }

void HubLink::Start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] { Run(); });
}

void HubLink::Stop() {
  {
    absl::MutexLock lock(&wake_mu_);
    stop_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

void HubLink::Run() {
  absl::Time next_sweep = absl::Now(), next_report = absl::Now(), next_witness = absl::Now();
  for (;;) {
    {
      absl::MutexLock lock(&wake_mu_);
      auto stopping = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(wake_mu_) { return stop_; };
      wake_mu_.AwaitWithTimeout(absl::Condition(&stopping), absl::Seconds(1));
      if (stop_) return;
    }
    if (!link_->enrolled()) continue;
    const absl::Time now = absl::Now();
    const bool sweep = now >= next_sweep;
    absl::Status st = ShipOnce(sweep);
    if (st.ok() && sweep) next_sweep = now + absl::Seconds(options_.sweep_seconds);
    if (st.ok()) st = LogOnce();
    if (st.ok() && now >= next_witness) {
      st = WitnessOnce();
      next_witness = now + absl::Seconds(options_.witness_seconds);
    }
    if (now >= next_report) {
      const absl::Status reported = ReportOnce();
      if (st.ok()) st = reported;
      next_report = now + absl::Seconds(options_.report_seconds);
    }
    Failed(st);
  }
}

void HubLink::Failed(const absl::Status& st) {
  absl::MutexLock lock(&mu_);
  const std::string text = st.ok() ? "" : base::Printable(st.ToString(), 500);
  if (text != last_error_ && !text.empty()) std::fprintf(stderr, "kuaguand: audit hub: %s\n", text.c_str());
  last_error_ = text;
}

void HubLink::Alarm(const std::string& text) {
  {
    absl::MutexLock lock(&mu_);
    for (const auto& a : alarms_) {
      if (a == text) return;
    }
    alarms_.push_back(text);
  }
  std::fprintf(stderr, "kuaguand: ALARM: %s\n", text.c_str());
  (void)store_->Audit({"kuaguand", "hub.alarm", archive_, base::Printable(text, 500)});
}

absl::StatusOr<v1::SignedAuditCheckpoint> HubLink::SignCheckpoint(uint64_t count, const std::string& head) {
  v1::AuditCheckpoint cp;
  cp.set_archive(archive_);
  cp.set_count(count);
  cp.set_head(head);
  cp.set_time_micros(clock_->NowMicros());
  v1::SignedAuditCheckpoint out;
  out.set_checkpoint(cp.SerializeAsString());
  ASSIGN_OR_RETURN(*out.mutable_signature(), seal::SignWithNodeKey(link_->identity().key_pem, out.checkpoint()));
  return out;
}

absl::Status HubLink::ShipOnce(bool sweep) {
  ASSIGN_OR_RETURN(auto stub, link_->HubStub());
  uint64_t cursor = 0;
  {
    absl::MutexLock lock(&mu_);
    cursor = cursor_;
    if (!cursor_known_) {
      grpc::ClientContext ctx;
      Deadline(&ctx, 5);
      v1::AuditCursorRequest req;
      req.set_from(archive_);
      v1::AuditShipAck ack;
      if (grpc::Status st = stub->AuditCursor(&ctx, req, &ack); !st.ok()) return FromGrpc(st, "the audit hub did not answer");
      cursor_ = cursor = ack.cursor();
      cursor_known_ = true;
    }
  }
  v1::AuditShipment shipment;
  shipment.set_from(archive_);
  RETURN_IF_ERROR(reader_(
      [&](const v1::AuditEntry& e) {
        *shipment.add_entries() = e;
        return shipment.entries_size() < kMaxShipEntries;
      },
      cursor));
  auto [count, head] = head_();
  if (sweep) {
    // The whole log as stored: block digests over the entries the hub holds, and the real count.
    uint64_t stored = 0;
    std::string last;
    std::vector<std::pair<uint64_t, std::string>> block;
    RETURN_IF_ERROR(reader_(
        [&](const v1::AuditEntry& e) {
          ++stored;
          last = e.hash();
          if (stored <= cursor) {
            block.emplace_back(e.seq(), e.hash());
            if (block.size() == kAuditBlock) {
              shipment.add_block_digests(AuditBlockDigest(block));
              block.clear();
            }
          }
          return true;
        },
        0));
    if (!block.empty()) shipment.add_block_digests(AuditBlockDigest(block));
    shipment.set_swept(std::min(stored, cursor));
    if (stored < count || (stored == count && last != head)) {
      count = stored;
      head = last;
    }
    if (shipment.block_digests_size() == 0) shipment.add_block_digests(AuditBlockDigest({}));
  } else if (shipment.entries_size() == 0) {
    return absl::OkStatus();  // nothing new
  }
  if (shipment.entries_size() > 0 && shipment.entries(shipment.entries_size() - 1).seq() > count) {
    const auto& last = shipment.entries(shipment.entries_size() - 1);
    count = last.seq();
    head = last.hash();
  }
  ASSIGN_OR_RETURN(*shipment.mutable_checkpoint(), SignCheckpoint(count, head));
  v1::AuditShipAck ack;
  {
    grpc::ClientContext ctx;
    Deadline(&ctx, 10);
    if (grpc::Status st = stub->ShipAudit(&ctx, shipment, &ack); !st.ok()) {
      absl::MutexLock lock(&mu_);
      cursor_known_ = false;  // ask again next time (the hub may have restarted)
      return FromGrpc(st, "the audit hub refused the shipment");
    }
  }
  for (int round = 0; ack.alarm().empty() && ack.resend_blocks_size() > 0 && round < 2; ++round) {
    const uint64_t b = ack.resend_blocks(0);
    v1::AuditShipment resend;
    resend.set_from(archive_);
    resend.set_resend(true);
    resend.set_resend_block(b);
    resend.set_swept(ack.cursor());
    uint64_t position = 0;  // the block and the entry after it (the hub looks one past the end)
    RETURN_IF_ERROR(reader_(
        [&](const v1::AuditEntry& e) {
          ++position;
          if (position > b * kAuditBlock) *resend.add_entries() = e;
          return position < (b + 1) * kAuditBlock + 1;
        },
        0));
    ASSIGN_OR_RETURN(*resend.mutable_checkpoint(), SignCheckpoint(count, head));
    grpc::ClientContext ctx;
    Deadline(&ctx, 10);
    if (grpc::Status st = stub->ShipAudit(&ctx, resend, &ack); !st.ok()) {
      return FromGrpc(st, "the audit hub refused the resent block");
    }
  }
  {
    absl::MutexLock lock(&mu_);
    cursor_ = ack.cursor();
    accepted_ = ack.cursor();
  }
  if (!ack.alarm().empty()) Alarm(absl::StrCat("the audit hub raised an alarm on this archive's log: ", ack.alarm()));
  return absl::OkStatus();
}

absl::Status HubLink::PinLogKey(const std::string& pem) {
  ASSIGN_OR_RETURN(auto pinned, store_->GetMeta(kLogKey));
  if (!pinned) {
    return store_->PutMeta({{kLogKey, pem}}, {"kuaguand", "log.key-pinned", "the audit hub's transparency log key", "ok"});
  }
  if (*pinned != pem) {
    Alarm("the audit hub presented another transparency log key than the one pinned");
    return absl::UnauthenticatedError("the transparency log key changed");
  }
  return absl::OkStatus();
}

absl::Status HubLink::LogOnce() {
  ASSIGN_OR_RETURN(auto spool, store_->ScanMeta(kSpoolPrefix));
  ASSIGN_OR_RETURN(auto wanted, store_->ScanMeta(kWantPrefix));
  if (spool.empty() && wanted.empty()) return absl::OkStatus();
  ASSIGN_OR_RETURN(auto stub, link_->HubStub());
  if (!spool.empty()) {
    v1::LogSubmission sub;
    sub.set_from(archive_);
    std::vector<std::string> keys;
    for (const auto& [key, value] : spool) {
      if (sub.entries_size() == TransparencyLog::kMaxSubmission) break;
      if (!sub.add_entries()->ParseFromString(value)) return absl::DataLossError(absl::StrCat("unreadable ", key));
      keys.push_back(key);
    }
    grpc::ClientContext ctx;
    Deadline(&ctx, 10);
    v1::LogSubmitted done;
    if (grpc::Status st = stub->SubmitLog(&ctx, sub, &done); !st.ok()) return FromGrpc(st, "the transparency log refused");
    if (done.indexes_size() != sub.entries_size()) return absl::InternalError("the transparency log answered for another count");
    std::vector<KeyWrite> writes;
    for (int i = 0; i < sub.entries_size(); ++i) {
      writes.push_back({Family::kMeta, keys[static_cast<size_t>(i)], std::nullopt});
      writes.push_back({Family::kMeta, absl::StrCat(kWantPrefix, sub.entries(i).serial()), sub.entries(i).SerializeAsString()});
    }
    RETURN_IF_ERROR(store_->Write(writes, {"kuaguand", "log.submitted",
                                           absl::StrCat(sub.entries_size(), " certificates, first index ", done.indexes(0)),
                                           "ok"}));
    ASSIGN_OR_RETURN(wanted, store_->ScanMeta(kWantPrefix));
  }
  int fetched = 0;
  for (const auto& [key, value] : wanted) {
    if (++fetched > kMaxProofsAPass) break;
    v1::LogEntry entry;
    if (!entry.ParseFromString(value)) return absl::DataLossError(absl::StrCat("unreadable ", key));
    grpc::ClientContext ctx;
    Deadline(&ctx, 5);
    v1::InclusionRequest req;
    req.set_from(archive_);
    req.set_serial(entry.serial());
    v1::InclusionProof proof;
    grpc::Status st = stub->GetInclusion(&ctx, req, &proof);
    if (st.error_code() == grpc::StatusCode::NOT_FOUND) continue;  // the issuer has not logged it yet
    if (!st.ok()) return FromGrpc(st, "the transparency log did not give a proof");
    RETURN_IF_ERROR(PinLogKey(proof.log_key_pem()));
    if (proof.entry().serial() != entry.serial() || proof.entry().sm3() != entry.sm3() ||
        proof.entry().archive() != entry.archive()) {
      Alarm(absl::StrCat("the transparency log holds certificate ", entry.serial(), " with another digest or archive"));
      continue;
    }
    if (absl::Status ok = seal::VerifyLogInclusion(proof, proof.log_key_pem()); !ok.ok()) {
      Alarm(absl::StrCat("the inclusion proof of certificate ", entry.serial(), " does not verify: ", ok.message()));
      continue;
    }
    RETURN_IF_ERROR(store_->Write({{Family::kMeta, key, std::nullopt},
                                   {Family::kMeta, absl::StrCat(kProofPrefix, entry.serial()), proof.SerializeAsString()}},
                                  {"kuaguand", "log.proof", entry.serial(),
                                   absl::StrCat("ok: index ", proof.index(), " in ", proof.tree_size())}));
  }
  return absl::OkStatus();
}

absl::Status HubLink::WitnessOnce() {
  ASSIGN_OR_RETURN(auto stub, link_->HubStub());
  v1::LogCheckpoint cp;
  {
    grpc::ClientContext ctx;
    Deadline(&ctx, 5);
    v1::CheckpointRequest req;
    req.set_from(archive_);
    if (grpc::Status st = stub->GetCheckpoint(&ctx, req, &cp); !st.ok()) return FromGrpc(st, "no checkpoint from the log");
  }
  RETURN_IF_ERROR(PinLogKey(cp.log_key_pem()));
  auto checked = seal::VerifyLogCheckpoint(cp.note(), cp.log_key_pem());
  if (!checked.ok()) {
    Alarm(absl::StrCat("a checkpoint from the transparency log is not validly signed: ", checked.status().message()));
    return checked.status();
  }
  const auto [size, root] = *checked;
  ASSIGN_OR_RETURN(auto kept, store_->GetMeta(kWitnessed));
  v1::LogCheckpoint last;
  if (kept && !last.ParseFromString(*kept)) return absl::DataLossError("the last witnessed checkpoint is unreadable");
  auto raise = [&](const std::string& why) -> absl::Status {
    Alarm(absl::StrCat("transparency log inconsistency: ", why));
    grpc::ClientContext ctx;
    Deadline(&ctx, 5);
    v1::LogAlarm alarm;
    alarm.set_from(archive_);
    alarm.set_reason(why);
    alarm.set_old_note(last.note());
    alarm.set_new_note(cp.note());
    v1::HubAck ack;
    (void)stub->RaiseLogAlarm(&ctx, alarm, &ack);
    return absl::DataLossError(why);
  };
  if (kept) {
    if (size < last.size()) {
      return raise(absl::StrCat("the log shrank from ", last.size(), " to ", size, " entries"));
    }
    if (size == last.size() && root != last.root()) {
      return raise(absl::StrCat("two checkpoints of size ", size, " with different roots"));
    }
    if (size == last.size()) return absl::OkStatus();  // seen and cosigned already
    grpc::ClientContext ctx;
    Deadline(&ctx, 5);
    v1::ConsistencyRequest req;
    req.set_from(archive_);
    req.set_old_size(last.size());
    req.set_new_size(size);
    v1::ConsistencyProof proof;
    if (grpc::Status st = stub->GetConsistency(&ctx, req, &proof); !st.ok()) {
      return raise(absl::StrCat("no consistency proof from ", last.size(), " to ", size, ": ", st.error_message()));
    }
    if (absl::Status ok = seal::VerifyConsistency(last.size(), size, last.root(), root, Path(proof.path())); !ok.ok()) {
      return raise(absl::StrCat("the checkpoint of size ", size, " does not extend the one of size ", last.size(), ": ",
                                ok.message()));
    }
  }
  v1::LogCheckpoint witnessed;
  witnessed.set_note(cp.note());
  witnessed.set_size(size);
  witnessed.set_root(root);
  RETURN_IF_ERROR(store_->PutMeta({{kWitnessed, witnessed.SerializeAsString()}},
                                  {"kuaguand", "log.witness", absl::StrCat("size ", size), "ok"}));
  // Cosign the body with the node's key, under the archive's code.
  ASSIGN_OR_RETURN(const seal::ParsedNote parsed, seal::ParseNote(cp.note()));
  std::unique_ptr<Botan::Private_Key> key;
  try {
    Botan::DataSource_Memory src(link_->identity().key_pem);
    key = Botan::PKCS8::load_key(src);
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("the node key is unreadable: ", e.what()));
  }
  Botan::AutoSeeded_RNG rng;
  ASSIGN_OR_RETURN(const std::string line, seal::SignNote(parsed.body, archive_, *key, rng));
  grpc::ClientContext ctx;
  Deadline(&ctx, 5);
  v1::Cosignature cosig;
  cosig.set_from(archive_);
  cosig.set_size(size);
  cosig.set_signature_line(line);
  v1::HubAck ack;
  if (grpc::Status st = stub->Cosign(&ctx, cosig, &ack); !st.ok()) return FromGrpc(st, "the log refused our cosignature");
  return absl::OkStatus();
}

absl::Status HubLink::ReportOnce() {
  v1::HealthReport report = health_();
  report.set_from(archive_);
  report.set_time_micros(clock_->NowMicros());
  {
    absl::MutexLock lock(&mu_);  // what this link knows, whatever the collector filled in
    report.set_audit_checkpoint(accepted_);
    if (report.last_error().empty()) report.set_last_error(last_error_);
    report.clear_alarms();
    for (const auto& a : alarms_) report.add_alarms(a);
  }
  ASSIGN_OR_RETURN(auto stub, link_->HubStub());
  grpc::ClientContext ctx;
  Deadline(&ctx, 5);
  v1::HubAck ack;
  if (grpc::Status st = stub->ReportHealth(&ctx, report, &ack); !st.ok()) return FromGrpc(st, "the health report was refused");
  return absl::OkStatus();
}

absl::StatusOr<v1::LogCheckpoint> HubLink::Checkpoint() {
  ASSIGN_OR_RETURN(auto stub, link_->HubStub());
  grpc::ClientContext ctx;
  Deadline(&ctx, 5);
  v1::CheckpointRequest req;
  req.set_from(archive_);
  v1::LogCheckpoint cp;
  if (grpc::Status st = stub->GetCheckpoint(&ctx, req, &cp); !st.ok()) return FromGrpc(st, "the transparency log did not answer");
  return cp;
}

absl::StatusOr<v1::InclusionProof> HubLink::Proof(const std::string& serial) {
  ASSIGN_OR_RETURN(auto stub, link_->HubStub());
  grpc::ClientContext ctx;
  Deadline(&ctx, 5);
  v1::InclusionRequest req;
  req.set_from(archive_);
  req.set_serial(serial);
  v1::InclusionProof proof;
  grpc::Status st = stub->GetInclusion(&ctx, req, &proof);
  if (!st.ok()) {
    ASSIGN_OR_RETURN(auto held, store_->GetMeta(absl::StrCat(kProofPrefix, serial)));
    if (!held || !proof.ParseFromString(*held)) return FromGrpc(st, "the transparency log gave no proof");
  }
  // Checked against the key pinned at first sight, not the one the answer names.
  ASSIGN_OR_RETURN(auto pinned, store_->GetMeta(kLogKey));
  if (pinned) proof.set_log_key_pem(*pinned);
  return proof;
}

absl::StatusOr<v1::ConsistencyProof> HubLink::Consistency(uint64_t old_size, uint64_t new_size) {
  ASSIGN_OR_RETURN(auto stub, link_->HubStub());
  grpc::ClientContext ctx;
  Deadline(&ctx, 5);
  v1::ConsistencyRequest req;
  req.set_from(archive_);
  req.set_old_size(old_size);
  req.set_new_size(new_size);
  v1::ConsistencyProof proof;
  if (grpc::Status st = stub->GetConsistency(&ctx, req, &proof); !st.ok()) return FromGrpc(st, "the transparency log gave no proof");
  return proof;
}

uint64_t HubLink::audit_checkpoint() {
  absl::MutexLock lock(&mu_);
  return accepted_;
}

std::string HubLink::last_error() {
  absl::MutexLock lock(&mu_);
  return last_error_;
}

std::vector<std::string> HubLink::alarms() {
  absl::MutexLock lock(&mu_);
  return alarms_;
}

}  // namespace kuaguan::federation
