#include "node/holdings.h"

#include <cstdio>
#include <unordered_set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "absl/strings/ascii.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "base/status_macros.h"
#include "federation/request_rules.h"
#include "ingest/record_checks.h"
#include "ingest/catalog_file.h"
#include "seal/audit_chain.h"
#include "ingest/identity_number.h"
#include "ingest/page_image.h"
#include "ingest/personal_data.h"
#include "seal/digest.h"
#include "seal/keyed_hash.h"

namespace kuaguan::node {
namespace v1 = kuaguan::v1;

namespace {

constexpr size_t kCatchUpBatch = 20000;


std::string Outcome(const absl::Status& s) {
  return s.ok() ? "ok" : absl::StrCat(absl::StatusCodeToString(s.code()), ": ", s.message());
}

// A copy received by direct exchange (node/exchange.h) is the sending archive's: never changed here.
absl::Status ReadOnlyCopy(const v1::StoredRecord& r, const char* what) {
  return absl::FailedPreconditionError(absl::StrCat(r.record().code(), " is a read-only copy from archive ",
                                                    r.origin().archive(), " (直接交换, package ", r.origin().package(),
                                                    "): it cannot be ", what, " here"));
}

}  // namespace

bool SameRecord(const v1::Record& a, const v1::Record& b) {
  return seal::SerializeDeterministic(a) == seal::SerializeDeterministic(b);
}

void SetContentDigests(const v1::Record& record, std::string* sm3, std::string* sha256) {
  const std::string bytes = seal::SerializeDeterministic(record);
  *sm3 = seal::Sm3(bytes);
  *sha256 = seal::Sha256(bytes);
}

Holdings::Holdings(Store* store, index::RecordIndex* index, const base::Clock* clock, int open_years)
    : store_(store), index_(index), clock_(clock), open_years_(open_years) {}

std::string AppraisalActiveKey(const std::string& code) { return absl::StrCat("appraisal/active/", code); }

absl::Status Holdings::AuditFailure(const std::string& actor, const std::string& action,
                                    const std::string& object, const absl::Status& status) {
  RETURN_IF_ERROR(store_->Audit({actor, action, object, Outcome(status)}));
  return status;
}

absl::Status Holdings::CatchUpIndex() {
  absl::MutexLock lock(&index_mu_);
  uint64_t seq = index_->IndexedSeq();
  const uint64_t last = store_->LastSeq();
  if (seq > last) {
    // The index claims changes the store does not have (a store restored from an older copy):
    // it cannot be trusted, so it is rebuilt from the store.
    auto source = store_->SnapshotSource();
    RETURN_IF_ERROR(index_->Rebuild(source.get(), [](uint64_t, uint64_t, bool) {}, nullptr));
    seq = index_->IndexedSeq();
  }
  while (seq < store_->LastSeq()) {
    ASSIGN_OR_RETURN(const auto changes, store_->ChangesAfter(seq, kCatchUpBatch));
    if (changes.empty()) break;
    std::vector<index::IndexUpdate> updates;
    std::unordered_set<std::string> seen;
    for (auto it = changes.rbegin(); it != changes.rend(); ++it) {
      if (!seen.insert(it->second).second) continue;
      ASSIGN_OR_RETURN(const auto current, store_->GetRecord(it->second));
      index::IndexUpdate u;
      u.code = it->second;
      if (current && current->state() == v1::RECORD_STATE_ACTIVE && !current->held()) {
        u.record = current->record();
      }
      updates.push_back(std::move(u));
    }
    RETURN_IF_ERROR(index_->Apply(updates, changes.back().first));
    seq = changes.back().first;
  }
  return absl::OkStatus();
}

absl::Status Holdings::UpgradeIndex(const std::function<void(uint64_t, uint64_t)>& progress) {
  const uint32_t format = index_->Format();
  if (format == index::kIndexFormat) return absl::OkStatus();
  absl::Status st;
  {
    absl::MutexLock lock(&index_mu_);
    auto source = store_->SnapshotSource();
    st = index_->Rebuild(
        source.get(), [&](uint64_t done, uint64_t total, bool) { progress(done, total); }, nullptr);
  }
  if (st.ok()) st = CatchUpIndex();
  RETURN_IF_ERROR(store_->Audit({"kuaguand", "index.upgrade",
                                 absl::StrCat("format ", format, " to ", index::kIndexFormat),
                                 Outcome(st)}));
  return st;
}

void Holdings::IndexAfterCommit() {
  // The change is committed and audited; an index failure must not report it as failed. The
  // index catches up on the next change, at start, or with kuaguan reindex.
  if (absl::Status st = CatchUpIndex(); !st.ok()) {
    std::fprintf(stderr, "kuaguand: index behind the store: %s (run kuaguan reindex)\n",
                 std::string(st.message()).c_str());
  }
}


absl::StatusOr<federation::ShareDecision> Holdings::DecideFor(const v1::StoredRecord& r,
                                                               federation::Audience audience) {
  federation::PolicyContext ctx;
  ctx.today = federation::DayString(federation::DayOf(clock_->NowMicros()));
  ctx.open_years = open_years_;
  if (!r.ingest_batch().empty()) {
    ASSIGN_OR_RETURN(const auto batch, store_->GetBatch(r.ingest_batch()));
    ctx.batch_accepted = batch && batch->accepted();
  }
  ASSIGN_OR_RETURN(const auto plan, store_->Get(federation::Family::kMeta, AppraisalActiveKey(r.record().code())));
  if (plan) ctx.appraisal_in_progress = *plan;
  return federation::DecideShare(r, audience, ctx);
}

absl::StatusOr<federation::SharedView> Holdings::Decide(const std::string& code, federation::Audience audience) {
  ASSIGN_OR_RETURN(auto current, store_->GetRecord(code));
  if (!current) return absl::NotFoundError(absl::StrCat("no record with code ", code));
  federation::SharedView view;
  ASSIGN_OR_RETURN(view.decision, DecideFor(*current, audience));
  view.record = *std::move(current);
  return view;
}

absl::Status Holdings::SharedCheck(const v1::StoredRecord& r, bool text, federation::Audience audience) {
  ASSIGN_OR_RETURN(const auto d, DecideFor(r, audience));
  if (d.list && (d.text || !text)) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(r.record().code(), ": ", d.refusal,
                                                    " (kuaguan policy explain ", r.record().code(), ")"));
}

absl::StatusOr<v1::SearchResponse> Holdings::PeerSearch(const std::string& query, uint32_t limit,
                                                        const std::string& from) {
  v1::SearchRequest local;
  local.set_query(query);
  local.set_field("catalog");
  local.set_share_class(v1::SHARE_CLASS_UNCONDITIONAL);
  local.set_secrecy(v1::SECRECY_PUBLIC);
  local.set_limit(std::min<uint32_t>(limit == 0 ? 10 : limit, 100) * 2);  // room for the checks below
  ASSIGN_OR_RETURN(v1::SearchResponse found, Search(local, absl::StrCat("peer:", from)));
  v1::SearchResponse out;
  out.set_total(found.total());
  out.set_elapsed_ms(found.elapsed_ms());
  for (auto& h : *found.mutable_hits()) {
    if (out.hits_size() >= static_cast<int>(std::min<uint32_t>(limit == 0 ? 10 : limit, 100))) break;
    ASSIGN_OR_RETURN(const auto r, store_->GetRecord(h.code()));
    if (!r || !SharedCheck(*r, /*text=*/false, federation::Audience::kPeer).ok()) continue;  // e.g. controlled, or a batch not accepted
    h.set_page(0);
    // A peer receives text only masked, as from get --shared: no identity or phone number.
    for (std::string* text : {h.mutable_title(), h.mutable_snippet(), h.mutable_responsible()}) {
      *text = ingest::MaskPersonalData(*text, ingest::FindPersonalData(*text));
    }
    *out.add_hits() = std::move(h);
  }
  // The estimate counts only records a peer may see when every candidate was looked at.
  if (found.hits_size() < static_cast<int>(local.limit())) out.set_total(out.hits_size());
  return out;
}

absl::StatusOr<v1::GetRecordResponse> Holdings::GetFor(const std::string& code, const std::string& actor,
                                                       federation::Audience audience) {
  const std::string action = absl::StrCat("record.get.shared", audience == federation::Audience::kPeer ? "" : ".",
                                          audience == federation::Audience::kPeer ? "" : federation::AudienceName(audience));
  ASSIGN_OR_RETURN(auto current, store_->GetRecord(code));
  if (!current) {
    return AuditFailure(actor, action, code, absl::NotFoundError(absl::StrCat("no record with code ", code)));
  }
  if (absl::Status st = SharedCheck(*current, /*text=*/false, audience); !st.ok()) {
    return AuditFailure(actor, action, code, st);
  }
  ASSIGN_OR_RETURN(const auto d, DecideFor(*current, audience));
  if (!d.text) {  // the catalog is shared, the full text is not (HN-11)
    current->mutable_record()->clear_full_text();
    current->mutable_record()->clear_page_starts();
  }
  for (auto& p : *current->mutable_record()->mutable_persons()) p.clear_id_hash();
  ingest::RewriteTextFields(current->mutable_record(), [](const std::string& text) {
    return ingest::MaskPersonalData(text, ingest::FindPersonalData(text));
  });
  v1::GetRecordResponse resp;
  *resp.mutable_record() = *std::move(current);
  RETURN_IF_ERROR(store_->Audit({actor, action, code, "ok"}));
  return resp;
}

absl::StatusOr<v1::GetRecordResponse> Holdings::Get(const std::string& code, bool history,
                                                    const std::string& actor, bool shared) {
  if (shared) return GetFor(code, actor, federation::Audience::kPeer);
  ASSIGN_OR_RETURN(auto current, store_->GetRecord(code));
  if (!current) {
    return AuditFailure(actor, "record.get", code,
                        absl::NotFoundError(absl::StrCat("no record with code ", code)));
  }
  v1::GetRecordResponse resp;
  *resp.mutable_record() = *std::move(current);
  if (history) {
    ASSIGN_OR_RETURN(auto versions, store_->History(code));
    for (auto& v : versions) *resp.add_history() = std::move(v);
  }
  RETURN_IF_ERROR(store_->Audit({actor, history ? "record.history" : "record.get", code, "ok"}));
  return resp;
}

absl::StatusOr<v1::SearchResponse> Holdings::Search(const v1::SearchRequest& request,
                                                    const std::string& actor) {
  const absl::Time start = clock_->Now();
  index::SearchSpec spec;
  spec.query = request.query();
  spec.field = request.field().empty() ? "any" : request.field();
  spec.limit = request.limit();
  spec.offset = request.offset();
  spec.year = request.year();
  if (request.secrecy() != v1::SECRECY_UNSPECIFIED) spec.secrecy = request.secrecy();
  if (request.share_class() != v1::SHARE_CLASS_UNSPECIFIED) spec.share_class = request.share_class();
  if (request.has_livelihood()) spec.livelihood = request.livelihood();
  // Identity and phone numbers in a query are masked in the audit log, which is never cleaned.
  std::string object =
      absl::StrCat(spec.field, ":", ingest::MaskPersonalData(request.query(), ingest::FindPersonalData(request.query())));
  if (!request.person().empty()) {
    const auto id = ingest::ParseIdentityNumber(request.person());
    if (!id) {
      return AuditFailure(actor, "record.search", "person:<invalid>",
                          absl::InvalidArgumentError("--person is not an identity number"));
    }
    ASSIGN_OR_RETURN(const auto keys, store_->PersonKeys());
    for (const auto& key : keys) spec.person_hashes.push_back(seal::PersonKeyedHash(key, id->normalized));
    // The audit names the person by a prefix of the hash, never by the number.
    absl::StrAppend(&object, " person:", seal::ToHex(spec.person_hashes.front()).substr(0, 16));
  }
  if (!request.person_hash().empty()) {
    spec.person_hashes.push_back(request.person_hash());
    absl::StrAppend(&object, " person:", seal::ToHex(request.person_hash()).substr(0, 16));
  }
  for (auto [in, out, flag] : {std::tuple{&request.from_date(), &spec.from_date, "--from"},
                               std::tuple{&request.to_date(), &spec.to_date, "--to"}}) {
    if (in->empty()) continue;
    auto d = proto::NormalizeDate(*in);
    if (!d.ok()) {
      return AuditFailure(actor, "record.search", object,
                          absl::InvalidArgumentError(
                              absl::StrCat(flag, " '", *in, "': ", d.status().message())));
    }
    *out = *d;
  }
  if (!spec.from_date.empty() && !spec.to_date.empty() && spec.from_date > spec.to_date) {
    return AuditFailure(actor, "record.search", object,
                        absl::InvalidArgumentError("--from is after --to"));
  }
  const bool filtered = spec.year != 0 || !spec.person_hashes.empty() || spec.secrecy || spec.share_class || spec.livelihood ||
                        !spec.from_date.empty() || !spec.to_date.empty();
  if (request.query().empty() && !filtered) {
    return AuditFailure(actor, "record.search", object,
                        absl::InvalidArgumentError("empty search: give a query or a filter"));
  }
  auto found = index_->Search(spec);
  if (!found.ok()) return AuditFailure(actor, "record.search", object, found.status());
  v1::SearchResponse resp;
  resp.set_total(found->total);
  for (auto& h : found->hits) {
    auto* hit = resp.add_hits();
    hit->set_code(h.code);
    hit->set_title(h.title);
    hit->set_score(h.score);
    hit->set_snippet(h.snippet);
    hit->set_date(h.date);
    hit->set_responsible(h.responsible);
    hit->set_matched_field(h.matched_field);
    hit->set_page(h.page);
  }
  RETURN_IF_ERROR(store_->Audit(
      {actor, "record.search", object, absl::StrCat("ok: ", found->hits.size(), " hits")}));
  resp.set_elapsed_ms(absl::ToDoubleMilliseconds(clock_->Now() - start));
  return resp;
}

absl::StatusOr<v1::ChangeResponse> Holdings::CommitChange(v1::StoredRecord current,
                                                          v1::ChangeKind kind,
                                                          const std::string& reason,
                                                          const std::string& actor,
                                                          const std::string& action) {
  const int64_t now = clock_->NowMicros();
  RecordWrite w;
  current.set_version(current.version() + 1);
  current.set_updated_micros(now);
  SetContentDigests(current.record(), current.mutable_content_sm3(),
                    current.mutable_content_sha256());
  w.version.set_version(current.version());
  w.version.set_change(kind);
  w.version.set_state(current.state());
  *w.version.mutable_record() = current.record();
  w.version.set_actor(actor);
  w.version.set_reason(reason);
  w.version.set_time_micros(now);
  w.version.set_content_sm3(current.content_sm3());
  w.version.set_content_sha256(current.content_sha256());
  w.current = current;
  // Writers outside change_mu_ (an appraisal announcement) may have moved the record on since it
  // was read: the commit is refused (ABORTED) rather than overwrite their version.
  w.check_previous = true;
  ASSIGN_OR_RETURN(const uint64_t seq,
                   store_->Commit({std::move(w)}, {actor, action, current.record().code(),
                                                   absl::StrCat("ok: version ", current.version())}));
  (void)seq;
  IndexAfterCommit();
  v1::ChangeResponse resp;
  *resp.mutable_record() = std::move(current);
  resp.set_changed(true);
  return resp;
}

absl::StatusOr<v1::ChangeResponse> Holdings::Modify(const v1::ModifyRequest& request,
                                                    const std::string& actor) {
  absl::MutexLock lock(&change_mu_);
  const std::string& code = request.code();
  ASSIGN_OR_RETURN(auto existing, store_->GetRecord(code));
  if (!existing) {
    return AuditFailure(actor, "record.modify", code,
                        absl::NotFoundError(absl::StrCat("no record with code ", code)));
  }
  if (!existing->origin().archive().empty()) {
    return AuditFailure(actor, "record.modify", code, ReadOnlyCopy(*existing, "modified"));
  }
  if (existing->state() != v1::RECORD_STATE_ACTIVE) {
    return AuditFailure(actor, "record.modify", code,
                        absl::FailedPreconditionError(
                            absl::StrCat(code, " is withdrawn; it cannot be modified")));
  }
  if (request.set().empty()) {
    return AuditFailure(actor, "record.modify", code,
                        absl::InvalidArgumentError("nothing to set (use --set FIELD=VALUE)"));
  }
  v1::Record record = existing->record();
  std::vector<std::string> problems;
  std::unordered_set<std::string> keys;
  for (const auto& fv : request.set()) {
    const proto::CatalogField* f = proto::FindCatalogField(fv.field());
    if (f == nullptr) {
      problems.push_back(absl::StrCat("unknown field '", fv.field(), "'"));
      continue;
    }
    if (f->key == "code") {
      problems.push_back("档号 (code) cannot be modified: it identifies the record");
      continue;
    }
    keys.insert(std::string(f->key));
    if (absl::Status st = f->set(fv.value(), &record); !st.ok()) {
      problems.push_back(absl::StrCat(f->key, " '", ingest::ShortValue(fv.value()), "': ",
                                      st.message()));
    }
  }
  // A new date without a new year re-derives the year from the date.
  if (keys.contains("date") && !keys.contains("year")) record.set_year(0);
  RETURN_IF_ERROR(ProtectIdentities(&record));
  for (const auto& e : ingest::FinishRecord(&record)) {
    problems.push_back(absl::StrCat(e.field, " '", e.value, "': ", e.reason));
  }
  if (!problems.empty()) {
    return AuditFailure(actor, "record.modify", code,
                        absl::InvalidArgumentError(absl::StrJoin(problems, "; ")));
  }
  if (SameRecord(record, existing->record())) {
    RETURN_IF_ERROR(store_->Audit({actor, "record.modify", code, "ok: nothing changed"}));
    v1::ChangeResponse resp;
    *resp.mutable_record() = *std::move(existing);
    resp.set_changed(false);
    return resp;
  }
  v1::StoredRecord current = *std::move(existing);
  *current.mutable_record() = std::move(record);
  return CommitChange(std::move(current), v1::CHANGE_KIND_MODIFIED, request.reason(), actor,
                      "record.modify");
}

absl::StatusOr<v1::ChangeResponse> Holdings::Withdraw(const v1::WithdrawRequest& request,
                                                      const std::string& actor) {
  absl::MutexLock lock(&change_mu_);
  const std::string& code = request.code();
  if (absl::StripAsciiWhitespace(request.reason()).empty()) {
    return AuditFailure(actor, "record.withdraw", code,
                        absl::InvalidArgumentError("a withdrawal needs a reason (--reason TEXT)"));
  }
  ASSIGN_OR_RETURN(auto existing, store_->GetRecord(code));
  if (!existing) {
    return AuditFailure(actor, "record.withdraw", code,
                        absl::NotFoundError(absl::StrCat("no record with code ", code)));
  }
  if (!existing->origin().archive().empty()) {
    return AuditFailure(actor, "record.withdraw", code, ReadOnlyCopy(*existing, "withdrawn"));
  }
  if (existing->state() == v1::RECORD_STATE_WITHDRAWN) {
    return AuditFailure(actor, "record.withdraw", code,
                        absl::FailedPreconditionError(absl::StrCat(code, " is already withdrawn")));
  }
  v1::StoredRecord current = *std::move(existing);
  current.set_state(v1::RECORD_STATE_WITHDRAWN);
  return CommitChange(std::move(current), v1::CHANGE_KIND_WITHDRAWN, request.reason(), actor,
                      "record.withdraw");
}

absl::Status Holdings::Export(bool include_withdrawn, const std::string& actor,
                              const std::function<bool(const v1::Record&)>& emit) {
  auto cursor = store_->Cursor(include_withdrawn);
  uint64_t n = 0;
  bool stopped = false;
  while (!stopped) {
    auto batch = cursor->Next(1000);
    if (!batch.ok()) return AuditFailure(actor, "record.export", "", batch.status());
    if (batch->empty()) break;
    for (const auto& r : *batch) {
      if (!emit(r.record())) {
        stopped = true;
        break;
      }
      ++n;
    }
  }
  return store_->Audit({actor, "record.export", absl::StrCat(n, " records"),
                        stopped ? "interrupted" : "ok"});
}

absl::Status Holdings::Reindex(const std::string& actor,
                               const std::function<void(const v1::ReindexProgress&)>& progress,
                               const std::atomic<bool>* cancel) {
  const absl::Time start = clock_->Now();
  absl::Status st;
  {
    absl::MutexLock lock(&index_mu_);
    auto source = store_->SnapshotSource();
    st = index_->Rebuild(
        source.get(),
        [&](uint64_t done, uint64_t total, bool resumed) {
          v1::ReindexProgress p;
          p.set_done(done);
          p.set_total(total);
          p.set_resumed(resumed);
          p.set_elapsed_s(absl::ToDoubleSeconds(clock_->Now() - start));
          progress(p);
        },
        cancel);
  }
  if (st.ok()) st = CatchUpIndex();
  RETURN_IF_ERROR(store_->Audit({actor, "index.reindex", "", Outcome(st)}));
  return st;
}

absl::StatusOr<v1::AuditVerifyResult> Holdings::VerifyAudit(const std::string& actor) {
  ASSIGN_OR_RETURN(v1::AuditVerifyResult result, store_->VerifyAuditChain());
  RETURN_IF_ERROR(store_->Audit({actor, "audit.verify", absl::StrCat(result.entries(), " entries"),
                                 result.ok() ? "ok" : absl::StrCat("DATA_LOSS: ", result.reason())}));
  return result;
}

absl::StatusOr<v1::NodeStats> Holdings::Stats() {
  const StoreCounts c = store_->Counts();
  v1::NodeStats s;
  s.set_records(c.records);
  s.set_withdrawn(c.withdrawn);
  s.set_active(c.records - c.withdrawn);
  s.set_versions(c.versions);
  s.set_audit_entries(c.audit_entries);
  s.set_indexed_documents(index_->DocCount());
  s.set_store_bytes(store_->SizeBytes());
  s.set_index_bytes(index_->SizeBytes());
  s.set_store_seq(store_->LastSeq());
  s.set_index_seq(index_->IndexedSeq());
  return s;
}

}  // namespace kuaguan::node
