#include "federation/replica_keeper.h"

#include <botan/auto_rng.h>

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "base/status_macros.h"
#include "seal/digest.h"
#include "seal/key_file.h"

namespace kuaguan::federation {
namespace fs = std::filesystem;
namespace v1 = kuaguan::v1;
namespace {

constexpr uint64_t kPushBytes = 32 << 20;
constexpr uint32_t kDefaultSample = 64;

std::string City(const std::string& code) { return code.substr(0, 4); }

int64_t NowMicros() { return absl::ToUnixMicros(absl::Now()); }

v1::ReplicaPeerResult* AddPeer(v1::ReplicaReport* report, const std::string& code, const std::string& name) {
  v1::ReplicaPeerResult* r = report->add_peers();
  r->set_archive(code);
  r->set_name(name);
  return r;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> ReplicaKeeper::Holders(std::string* note) const {
  const v1::Directory d = membership_->Directory();
  std::vector<std::pair<std::string, std::pair<std::string, std::string>>> ranked;  // rank, (code, name)
  int same_city = 0;
  for (const auto& m : d.members()) {
    if (m.code() == code_ || m.code() == d.provincial_code() || m.revoked()) continue;
    if (City(m.code()) == City(code_)) {
      ++same_city;
      continue;
    }
    ranked.push_back({seal::Sm3(absl::StrCat("kuaguan replica placement\n", code_, "\n", m.code())), {m.code(), m.name()}});
  }
  std::sort(ranked.begin(), ranked.end());
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& r : ranked) {
    if (static_cast<int>(out.size()) == count_) break;
    out.push_back(r.second);
  }
  *note = absl::StrCat(out.size(), " of ", count_, " holders chosen from the directory's members of other cities (",
                       ranked.size(), " eligible; ", same_city, " in this archive's city left out)");
  if (static_cast<int>(out.size()) < count_) absl::StrAppend(note, "; FEWER THAN WANTED: enroll more archives");
  return out;
}

absl::StatusOr<v1::ReplicaInventory> ReplicaKeeper::InventoryAt(const std::string& holder) {
  v1::ReplicaInventoryRequest ask;
  ask.set_from(code_);
  return client_->Inventory(holder, ask);
}

absl::Status ReplicaKeeper::Send(const seal::BackupRepo& repo, const std::string& holder, const std::string& header,
                                 const std::vector<std::string>& ids, const std::vector<std::string>& drop,
                                 v1::ReplicaPeerResult* result) {
  v1::ReplicaPush push;
  push.set_from(code_);
  push.set_header(header);
  for (const auto& id : drop) push.add_drop(id);
  uint64_t bytes = 0;
  const auto flush = [&]() -> absl::Status {
    ASSIGN_OR_RETURN(const v1::ReplicaInventory inv, client_->Push(holder, push));
    result->set_held(static_cast<uint64_t>(inv.ids_size()));
    result->set_held_bytes(inv.held_bytes());
    result->set_quota_bytes(inv.quota_bytes());
    push.clear_objects();
    push.clear_drop();
    bytes = 0;
    return absl::OkStatus();
  };
  // Manifests last: a holder never has a manifest whose objects it lacks.
  std::vector<std::string> ordered = ids;
  std::stable_partition(ordered.begin(), ordered.end(), [](const std::string& id) { return id.rfind("manifest:", 0) != 0; });
  for (const auto& id : ordered) {
    ASSIGN_OR_RETURN(std::string sealed, repo.ReadReplica(id));
    if (bytes + sealed.size() > kPushBytes && push.objects_size() > 0) RETURN_IF_ERROR(flush());
    bytes += sealed.size();
    result->set_sent(result->sent() + 1);
    result->set_sent_bytes(result->sent_bytes() + sealed.size());
    auto* o = push.add_objects();
    o->set_id(id);
    o->set_sealed(std::move(sealed));
  }
  if (push.objects_size() > 0 || push.drop_size() > 0 || result->held() == 0) RETURN_IF_ERROR(flush());
  return absl::OkStatus();
}

absl::StatusOr<v1::ReplicaReport> ReplicaKeeper::Replicate(const seal::BackupRepo& repo) {
  const int64_t start = NowMicros();
  v1::ReplicaReport report;
  report.set_repository(repo.dir().string());
  std::string note;
  const auto holders = Holders(&note);
  report.set_placement(note);
  ASSIGN_OR_RETURN(const std::vector<std::string> local, repo.ReplicaIds());
  ASSIGN_OR_RETURN(const std::string header, repo.HeaderText());
  const std::set<std::string> mine(local.begin(), local.end());
  bool ok = static_cast<int>(holders.size()) >= count_;
  for (const auto& [code, name] : holders) {
    const int64_t began = NowMicros();
    v1::ReplicaPeerResult* r = AddPeer(&report, code, name);
    absl::StatusOr<v1::ReplicaInventory> inv = InventoryAt(code);
    absl::Status st = inv.status();
    if (st.ok()) {
      const std::set<std::string> held(inv->ids().begin(), inv->ids().end());
      std::vector<std::string> missing, drop;
      for (const auto& id : local) {
        if (held.count(id) == 0) missing.push_back(id);
      }
      for (const auto& id : held) {
        if (mine.count(id) == 0) drop.push_back(id);
      }
      r->set_held(held.size());
      r->set_dropped(drop.size());
      st = Send(repo, code, header, missing, drop, r);
    }
    if (!st.ok()) {
      r->set_error(std::string(st.message()));
      ok = false;
    }
    r->set_took_micros(NowMicros() - began);
  }
  report.set_ok(ok);
  report.set_took_micros(NowMicros() - start);
  return report;
}

absl::StatusOr<v1::ReplicaReport> ReplicaKeeper::Audit(const seal::BackupRepo& repo, uint32_t sample, bool no_repair) {
  const int64_t start = NowMicros();
  v1::ReplicaReport report;
  report.set_repository(repo.dir().string());
  std::string note;
  const auto holders = Holders(&note);
  report.set_placement(note);
  ASSIGN_OR_RETURN(std::vector<std::string> local, repo.ReplicaIds());
  ASSIGN_OR_RETURN(const std::string header, repo.HeaderText());
  Botan::AutoSeeded_RNG rng;
  bool ok = static_cast<int>(holders.size()) >= count_;
  for (const auto& [code, name] : holders) {
    const int64_t began = NowMicros();
    v1::ReplicaPeerResult* r = AddPeer(&report, code, name);
    // A fresh nonce and a fresh random sample for each holder.
    std::vector<std::string> ids = local;
    const size_t want = std::min<size_t>(ids.size(), sample == 0 ? kDefaultSample : sample);
    for (size_t i = 0; i < want; ++i) {
      const size_t j = i + static_cast<size_t>(rng.next_byte() | (rng.next_byte() << 8) | (rng.next_byte() << 16)) % (ids.size() - i);
      std::swap(ids[i], ids[j]);
    }
    ids.resize(want);
    v1::ReplicaChallenge challenge;
    challenge.set_from(code_);
    const auto nonce = rng.random_vec(32);
    challenge.set_nonce(std::string(nonce.begin(), nonce.end()));
    for (const auto& id : ids) challenge.add_ids(id);
    absl::StatusOr<v1::ReplicaProof> proof = client_->Prove(code, challenge);
    absl::Status st = proof.status();
    if (st.ok() && proof->answers_size() != challenge.ids_size()) {
      st = absl::DataLossError(absl::StrCat("answered ", proof->answers_size(), " of ", challenge.ids_size(), " ids"));
    }
    std::vector<std::string> resend;
    for (int i = 0; st.ok() && i < challenge.ids_size(); ++i) {
      const std::string& id = challenge.ids(i);
      ASSIGN_OR_RETURN(const std::string sealed, repo.ReadReplica(id));
      if (proof->answers(i).empty()) {
        r->add_missing(id);
        resend.push_back(id);
      } else if (proof->answers(i) != seal::Sm3(absl::StrCat(challenge.nonce(), sealed))) {
        r->add_damaged(id);
        resend.push_back(id);
      }
    }
    r->set_challenged(static_cast<uint64_t>(challenge.ids_size()));
    if (st.ok() && !resend.empty() && !no_repair) st = Send(repo, code, header, resend, {}, r);
    if (!st.ok()) {
      r->set_error(std::string(st.message()));
      ok = false;
    }
    if (!resend.empty() && no_repair) ok = false;
    r->set_took_micros(NowMicros() - began);
  }
  report.set_ok(ok);
  report.set_took_micros(NowMicros() - start);
  return report;
}

absl::StatusOr<v1::ReplicaReport> ReplicaKeeper::FetchAll(const fs::path& to) {
  const int64_t start = NowMicros();
  v1::ReplicaReport report;
  report.set_repository(to.string());
  std::error_code ec;
  if (fs::exists(to, ec) && !fs::is_empty(to, ec)) {
    return absl::FailedPreconditionError(absl::StrCat(to.string(), " is not empty: fetch replicas into a new folder"));
  }
  std::string note;
  const auto holders = Holders(&note);
  report.set_placement(note);
  std::set<std::string> have;
  bool header_written = false;
  for (const auto& [code, name] : holders) {
    const int64_t began = NowMicros();
    v1::ReplicaPeerResult* r = AddPeer(&report, code, name);
    absl::StatusOr<v1::ReplicaInventory> inv = InventoryAt(code);
    absl::Status st = inv.status();
    std::vector<std::string> wanted;
    if (st.ok()) {
      r->set_held(static_cast<uint64_t>(inv->ids_size()));
      for (const auto& id : inv->ids()) {
        if (have.count(id) == 0) wanted.push_back(id);
      }
    }
    for (size_t next = 0; st.ok() && next < wanted.size();) {
      v1::ReplicaFetch fetch;
      fetch.set_from(code_);
      for (size_t i = next; i < wanted.size() && i < next + 4096; ++i) fetch.add_ids(wanted[i]);
      absl::StatusOr<v1::ReplicaFetched> got = client_->Fetch(code, fetch);
      st = got.status();
      if (!st.ok()) break;
      if (got->objects_size() == 0) {
        st = absl::DataLossError(absl::StrCat("the holder listed ", wanted[next], " but gave nothing back"));
        break;
      }
      if (!header_written) {
        if (!seal::IsRepoHeaderOf(got->header(), code_)) {
          st = absl::DataLossError("the holder's repository header does not name this archive");
          break;
        }
        RETURN_IF_ERROR(seal::WritePrivateFile(to / "KUAGUAN-BACKUP", got->header()));
        header_written = true;
      }
      for (const auto& o : got->objects()) {
        ASSIGN_OR_RETURN(const fs::path p, seal::ReplicaPath(to, o.id()));
        RETURN_IF_ERROR(seal::WritePrivateFile(p, o.sealed(), /*durable=*/false));
        have.insert(o.id());
        r->set_fetched(r->fetched() + 1);
      }
      // The holder sends in order, up to its size limit: go on after the last one it sent.
      const std::string& last = got->objects(got->objects_size() - 1).id();
      while (next < wanted.size() && wanted[next] != last) ++next;
      ++next;
    }
    if (!st.ok()) r->set_error(std::string(st.message()));
    r->set_took_micros(NowMicros() - began);
  }
  report.set_ok(header_written);
  if (header_written) RETURN_IF_ERROR(seal::SyncFilesystem(to));
  if (!header_written) {
    return absl::NotFoundError(absl::StrCat("no holder gave back replicas of archive ", code_, " (", note, ")"));
  }
  report.set_took_micros(NowMicros() - start);
  return report;
}

}  // namespace kuaguan::federation
