#include "node/remote_requests.h"

#include <botan/auto_rng.h>

#include <algorithm>
#include <map>
#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "base/status_macros.h"
#include "federation/sealed_certificate.h"
#include "federation/working_days.h"
#include "ingest/catalog_fields.h"
#include "ingest/identity_number.h"
#include "node/grpc_status.h"
#include "seal/digest.h"
#include "seal/keyed_hash.h"

namespace kuaguan::node {
namespace v1 = kuaguan::v1;

namespace {

constexpr size_t kMaxAttachments = 10;
constexpr size_t kMaxAttachmentBytes = 8u << 20;
constexpr size_t kMaxAttachmentsTotal = 16u << 20;
constexpr int kDeadlineDays = 3;

const absl::TimeZone& Beijing() {
  static const absl::TimeZone tz = absl::FixedTimeZone(8 * 3600);
  return tz;
}

absl::CivilDay DayOf(int64_t micros) { return absl::ToCivilDay(absl::FromUnixMicros(micros), Beijing()); }

std::string DayString(absl::CivilDay d) { return absl::FormatCivilTime(d); }

int64_t NowMicros() { return absl::ToUnixMicros(absl::Now()); }

bool Closed(v1::RequestState s) {
  return s == v1::REQUEST_STATE_ISSUED || s == v1::REQUEST_STATE_NOT_FOUND || s == v1::REQUEST_STATE_REFUSED ||
         s == v1::REQUEST_STATE_DELIVERED;
}

// How far along a state is: the state of a request is the furthest of its history, whatever the
// order in which the two ends' messages arrived.
int Rank(v1::RequestState s) {
  switch (s) {
    case v1::REQUEST_STATE_FILED: return 1;
    case v1::REQUEST_STATE_RECEIVED: return 2;
    case v1::REQUEST_STATE_IN_REVIEW: return 3;
    case v1::REQUEST_STATE_EXTENDED: return 4;
    case v1::REQUEST_STATE_ISSUED:
    case v1::REQUEST_STATE_NOT_FOUND:
    case v1::REQUEST_STATE_REFUSED: return 5;
    case v1::REQUEST_STATE_DELIVERED: return 6;
    default: return 0;
  }
}

std::string StateName(v1::RequestState s) {
  switch (s) {
    case v1::REQUEST_STATE_FILED: return "filed 已受理";
    case v1::REQUEST_STATE_RECEIVED: return "received 已接收";
    case v1::REQUEST_STATE_IN_REVIEW: return "in review 审核中";
    case v1::REQUEST_STATE_EXTENDED: return "extended 已延期";
    case v1::REQUEST_STATE_ISSUED: return "issued 已出证";
    case v1::REQUEST_STATE_NOT_FOUND: return "not found 查无档案";
    case v1::REQUEST_STATE_REFUSED: return "refused 不予提供";
    case v1::REQUEST_STATE_DELIVERED: return "delivered 已送达";
    default: return "unknown";
  }
}

bool SameChange(const v1::StateChange& a, const v1::StateChange& b) {
  return a.state() == b.state() && a.at_micros() == b.at_micros() && a.archive() == b.archive();
}

// Adds `change` unless the history has it; the state becomes the furthest one.
bool Merge(v1::StoredRequest* stored, const v1::StateChange& change) {
  for (const auto& c : stored->history()) {
    if (SameChange(c, change)) return false;
  }
  *stored->add_history() = change;
  std::stable_sort(stored->mutable_history()->begin(), stored->mutable_history()->end(),
                   [](const v1::StateChange& a, const v1::StateChange& b) { return a.at_micros() < b.at_micros(); });
  if (Rank(change.state()) >= Rank(stored->state())) stored->set_state(change.state());
  if (Closed(change.state()) && stored->closed_micros() == 0) stored->set_closed_micros(change.at_micros());
  return true;
}

// What a list shows: no attachment bytes, no PDF.
v1::StoredRequest Slim(v1::StoredRequest r) {
  for (auto& a : *r.mutable_request()->mutable_attachments()) a.clear_data();
  r.mutable_certificate()->clear_pdf();
  return r;
}

absl::Status CheckAttachment(const v1::Attachment& a) {
  const std::string& d = a.data();
  if (a.name().empty() || a.name().find('/') != std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat("attachment \"", a.name(), "\": a plain file name is required"));
  }
  if (d.empty()) return absl::InvalidArgumentError(absl::StrCat("attachment ", a.name(), " is empty"));
  if (d.size() > kMaxAttachmentBytes) {
    return absl::InvalidArgumentError(absl::StrCat("attachment ", a.name(), " is ", d.size(), " bytes; the limit is ",
                                                   kMaxAttachmentBytes >> 20, " MiB"));
  }
  std::string type;
  if (d.rfind("%PDF-", 0) == 0) type = "application/pdf";
  else if (d.rfind("\x89PNG\r\n\x1a\n", 0) == 0) type = "image/png";
  else if (d.rfind("\xFF\xD8\xFF", 0) == 0) type = "image/jpeg";
  else if (d.rfind("II*", 0) == 0 || d.rfind("MM\0*", 0) == 0) type = "image/tiff";
  if (type.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("attachment ", a.name(), " is not a PDF, PNG, JPEG or TIFF file (its first bytes say otherwise)"));
  }
  if (!a.media_type().empty() && a.media_type() != type) {
    return absl::InvalidArgumentError(absl::StrCat("attachment ", a.name(), " says ", a.media_type(), " but is ", type));
  }
  if (!a.sm3().empty() && a.sm3() != seal::Sm3(d)) {
    return absl::InvalidArgumentError(absl::StrCat("attachment ", a.name(), ": its SM3 does not match its bytes"));
  }
  return absl::OkStatus();
}

std::string NewRequestId(const std::string& archive) {
  Botan::AutoSeeded_RNG rng;
  const auto r = rng.random_vec(5);
  return absl::StrCat(archive, "-", absl::FormatTime("%Y%m%d", absl::Now(), Beijing()), "-",
                      seal::ToHex(std::string(r.begin(), r.end())));
}

}  // namespace

RemoteRequests::RemoteRequests(std::string archive, std::string name, RequestPolicy policy, Store* store,
                               Holdings* holdings, PeerLink* link)
    : archive_(std::move(archive)),
      name_(std::move(name)),
      policy_(policy),
      store_(store),
      holdings_(holdings),
      link_(link),
      issuer_(archive_, name_, store, holdings, link) {}

RemoteRequests::~RemoteRequests() {
  {
    absl::MutexLock lock(&wake_mu_);
    stop_ = true;
  }
  if (outbox_.joinable()) outbox_.join();
}

void RemoteRequests::Start() {
  {
    absl::MutexLock lock(&mu_);
    auto items = store_->Scan(Family::kOutbox, "");
    if (items.ok() && !items->empty()) {
      v1::OutboxItem last;
      last.ParseFromString(items->back().second);
      outbox_seq_ = last.seq();
    }
    auto done = store_->GetMeta("outbox-seq");
    uint64_t seq = 0;
    if (done.ok() && *done && absl::SimpleAtoi(**done, &seq)) outbox_seq_ = std::max(outbox_seq_, seq);
  }
  outbox_ = std::thread([this] { RunOutbox(); });
}

absl::StatusOr<v1::StoredRequest> RemoteRequests::Load(const std::string& request_id) { return Read(request_id); }

absl::StatusOr<v1::StoredRequest> RemoteRequests::Read(const std::string& request_id) {
  ASSIGN_OR_RETURN(auto raw, store_->Get(Family::kRequests, request_id));
  if (!raw) return absl::NotFoundError(absl::StrCat("no request ", request_id));
  v1::StoredRequest r;
  if (!r.ParseFromString(*raw)) return absl::DataLossError(absl::StrCat("request ", request_id, " does not parse"));
  return r;
}

KeyWrite RemoteRequests::Enqueue(const std::string& target, v1::OutboxItem item) {
  item.set_seq(++outbox_seq_);
  item.set_target(target);
  item.set_created_micros(NowMicros());
  return {Family::kOutbox, SeqKey(item.seq()), item.SerializeAsString()};
}

absl::Status RemoteRequests::Change(v1::StoredRequest* stored, v1::RequestState state, const std::string& actor,
                                    const std::string& reason, bool notify, std::vector<KeyWrite> extra) {
  v1::StateChange change;
  change.set_state(state);
  change.set_at_micros(NowMicros());
  change.set_actor(actor);
  change.set_archive(archive_);
  change.set_reason(reason);
  Merge(stored, change);
  const v1::RemoteRequest& r = stored->request();
  if (notify) {
    v1::OutboxItem item;
    auto* u = item.mutable_update();
    u->set_from(archive_);
    u->set_request_id(r.request_id());
    u->set_state(state);
    *u->mutable_change() = change;
    u->set_due_date(stored->due_date());
    u->set_extension_reason(stored->extension_reason());
    if (state == v1::REQUEST_STATE_ISSUED) *u->mutable_certificate() = stored->certificate();
    extra.push_back(Enqueue(stored->back_office() ? r.from_archive() : r.target_archive(), std::move(item)));
  }
  extra.push_back({Family::kRequests, r.request_id(), stored->SerializeAsString()});
  extra.push_back({Family::kMeta, "outbox-seq", absl::StrCat(outbox_seq_)});
  RETURN_IF_ERROR(store_->Write(extra, {actor, absl::StrCat("request.", v1::RequestState_Name(state)), r.request_id(),
                                        reason.empty() ? "ok" : absl::StrCat("ok: ", reason)}));
  {
    absl::MutexLock lock(&wake_mu_);
    wake_ = true;
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::StoredRequest> RemoteRequests::File(const v1::FileRequestRequest& in,
                                                       const federation::StaffInfo& clerk) {
  const std::string actor = absl::StrCat("staff:", clerk.role, ":", clerk.name);
  if (clerk.role != "front-desk" && clerk.role != "admin") {
    return absl::PermissionDeniedError(absl::StrCat("filing requests is front-desk work; this certificate is for a ", clerk.role));
  }
  if (in.person_name().empty()) return absl::InvalidArgumentError("--name: the person's name is required");
  const auto id = ingest::ParseIdentityNumber(in.id_number());
  if (!id) {
    return absl::InvalidArgumentError(absl::StrCat("--id-number \"", in.id_number(),
                                                   "\" is not an identity number (18 characters, a real birth date)"));
  }
  if (!id->check_ok && !id->old_form) {
    return absl::InvalidArgumentError(absl::StrCat("--id-number ", in.id_number(),
                                                   ": the check character is wrong (mistyped digit?)"));
  }
  if (id->normalized.substr(6, 8) > absl::FormatTime("%Y%m%d", absl::Now(), Beijing())) {
    return absl::InvalidArgumentError(absl::StrCat("--id-number ", in.id_number(), ": the birth date is in the future"));
  }
  if (in.purpose().empty()) return absl::InvalidArgumentError("--purpose: the purpose of the request is required");
  if (in.category().empty()) return absl::InvalidArgumentError("--category is required (e.g. 婚姻登记 or marriage)");
  auto category = ingest::ParseLivelihood(in.category());
  if (!category.ok()) return absl::InvalidArgumentError(absl::StrCat("--category: ", category.status().message()));
  if (in.attachments_size() > static_cast<int>(kMaxAttachments)) {
    return absl::InvalidArgumentError(absl::StrCat("at most ", kMaxAttachments, " attachments"));
  }
  size_t total = 0;
  for (const auto& a : in.attachments()) {
    RETURN_IF_ERROR(CheckAttachment(a));
    total += a.data().size();
  }
  if (total > kMaxAttachmentsTotal) {
    return absl::InvalidArgumentError(absl::StrCat("the attachments total ", total, " bytes; the limit is ",
                                                   kMaxAttachmentsTotal >> 20, " MiB"));
  }
  std::string target = in.target();
  std::vector<std::string> codes(in.record_codes().begin(), in.record_codes().end());
  if (target.empty() == in.find().empty()) return absl::InvalidArgumentError("give either --target CODE or --find QUERY");
  if (!in.find().empty()) {
    v1::SearchRequest sr;
    sr.set_query(in.find());
    sr.set_limit(5);
    ASSIGN_OR_RETURN(auto found, link_->FederatedSearch(sr, actor));
    if (found.hits().empty()) {
      return absl::NotFoundError(absl::StrCat("no archive of the federation shares a record matching \"", in.find(), "\""));
    }
    target = found.hits(0).archive();
    if (codes.empty()) codes.push_back(found.hits(0).code());
  }
  if (target == archive_) return absl::InvalidArgumentError("the target is this archive: serve the person from local holdings");
  if (link_->MemberName(target).empty()) return absl::NotFoundError(absl::StrCat("archive ", target, " is not a member of the federation"));

  v1::StoredRequest stored;
  v1::RemoteRequest* r = stored.mutable_request();
  r->set_from_archive(archive_);
  r->set_from_name(name_);
  r->set_target_archive(target);
  r->set_person_name(in.person_name());
  r->set_person_id_masked(absl::StrCat(id->normalized.substr(0, 6), "********", id->normalized.substr(14)));
  ASSIGN_OR_RETURN(const std::string key, store_->PersonKey());
  r->set_person_hash(seal::PersonKeyedHash(key, id->normalized));
  r->set_category(*category);
  r->set_purpose(in.purpose());
  for (const auto& c : codes) r->add_record_codes(c);
  r->set_query(in.find());
  for (auto a : in.attachments()) {
    a.set_sm3(seal::Sm3(a.data()));
    *r->add_attachments() = std::move(a);
  }
  r->set_filed_by(clerk.name);

  absl::MutexLock lock(&mu_);
  if (!in.request_id().empty()) {
    auto existing = Load(in.request_id());
    if (existing.ok()) {
      v1::RemoteRequest same = *r;
      same.set_request_id(in.request_id());
      same.set_filed_micros(existing->request().filed_micros());
      if (seal::Sm3(seal::SerializeDeterministic(same)) != existing->content_sm3()) {
        return absl::AlreadyExistsError(absl::StrCat("request ", in.request_id(), " was filed with other content"));
      }
      return *existing;
    }
    if (existing.status().code() != absl::StatusCode::kNotFound) return existing.status();
    if (in.request_id().rfind(archive_ + "-", 0) != 0) {
      return absl::InvalidArgumentError(absl::StrCat("a request id must begin with this archive's code ", archive_));
    }
    r->set_request_id(in.request_id());
  } else {
    r->set_request_id(NewRequestId(archive_));
  }
  r->set_filed_micros(NowMicros());
  stored.set_content_sm3(seal::Sm3(seal::SerializeDeterministic(*r)));
  v1::OutboxItem item;
  *item.mutable_submit() = *r;
  std::vector<KeyWrite> extra = {Enqueue(target, std::move(item))};
  RETURN_IF_ERROR(Change(&stored, v1::REQUEST_STATE_FILED, actor,
                         absl::StrCat("for ", target, " ", link_->MemberName(target)), false, std::move(extra)));
  return Slim(stored);
}

absl::StatusOr<v1::RequestList> RemoteRequests::List(const v1::ListRequestsRequest& request) {
  ASSIGN_OR_RETURN(auto all, store_->Scan(Family::kRequests, ""));
  std::vector<v1::StoredRequest> out;
  for (const auto& [key, value] : all) {
    v1::StoredRequest r;
    if (!r.ParseFromString(value)) return absl::DataLossError(absl::StrCat("request ", key, " does not parse"));
    if (request.side() == "front" && r.back_office()) continue;
    if (request.side() == "back" && !r.back_office()) continue;
    if (request.state() != v1::REQUEST_STATE_UNSPECIFIED && r.state() != request.state()) continue;
    out.push_back(Slim(std::move(r)));
  }
  std::sort(out.begin(), out.end(), [](const v1::StoredRequest& a, const v1::StoredRequest& b) {
    return a.request().filed_micros() > b.request().filed_micros();
  });
  v1::RequestList list;
  const size_t limit = request.limit() == 0 ? 100 : request.limit();
  for (size_t i = 0; i < out.size() && i < limit; ++i) *list.add_requests() = std::move(out[i]);
  return list;
}

absl::StatusOr<v1::StoredRequest> RemoteRequests::Get(const std::string& request_id, bool full) {
  ASSIGN_OR_RETURN(auto r, Read(request_id));
  ASSIGN_OR_RETURN(auto pending, store_->Scan(Family::kOutbox, ""));
  for (const auto& [key, value] : pending) {
    v1::OutboxItem item;
    if (!item.ParseFromString(value)) continue;
    const std::string& id = item.has_submit() ? item.submit().request_id() : item.update().request_id();
    if (id != request_id) continue;
    r.set_delivery(absl::StrCat("waiting to reach ", item.target(), item.attempts() == 0 ? "" : absl::StrCat(
                                    " (", item.attempts(), " attempts; last: ", item.last_error(), ")")));
  }
  return full ? r : Slim(std::move(r));
}

absl::StatusOr<v1::CertificateFile> RemoteRequests::Fetch(const std::string& request_id, const std::string& actor) {
  ASSIGN_OR_RETURN(auto r, Get(request_id, true));
  if (r.certificate().pdf().empty()) {
    return absl::FailedPreconditionError(absl::StrCat("request ", request_id, " has no certificate (it is ",
                                                      StateName(r.state()), ")"));
  }
  v1::CertificateFile f;
  f.set_request_id(request_id);
  f.set_serial(r.certificate().serial());
  f.set_pdf(r.certificate().pdf());
  *f.mutable_trust() = link_->Trust();
  RETURN_IF_ERROR(store_->Audit({actor, "request.fetch", request_id, absl::StrCat("ok: ", r.certificate().serial())}));
  return f;
}

absl::StatusOr<std::string> RemoteRequests::Receipt(const std::string& request_id) {
  ASSIGN_OR_RETURN(auto s, Get(request_id));
  const v1::RemoteRequest& r = s.request();
  std::string t = absl::StrCat("档案查询受理回执 / Request receipt\n", std::string(40, '='), "\n");
  absl::StrAppend(&t, "受理编号 Request id:        ", r.request_id(), "\n");
  absl::StrAppend(&t, "受理单位 Accepted at:       ", r.from_name(), " (", r.from_archive(), ")\n");
  absl::StrAppend(&t, "查询单位 Holding archive:   ", link_->MemberName(r.target_archive()), " (", r.target_archive(), ")\n");
  absl::StrAppend(&t, "当事人 Person:              ", r.person_name(), " (", r.person_id_masked(), ")\n");
  absl::StrAppend(&t, "查档类别 Category:          ", ingest::LivelihoodLabel(r.category()), "\n");
  absl::StrAppend(&t, "用途 Purpose:               ", r.purpose(), "\n");
  if (r.record_codes_size() > 0) absl::StrAppend(&t, "档号 Records:               ", absl::StrJoin(r.record_codes(), ", "), "\n");
  absl::StrAppend(&t, "受理时间 Filed:             ", absl::FormatTime("%Y-%m-%d %H:%M", absl::FromUnixMicros(r.filed_micros()), Beijing()), "\n");
  absl::StrAppend(&t, "受理人 Clerk:               ", r.filed_by(), "\n");
  absl::StrAppend(&t, "状态 State:                 ", StateName(s.state()), "\n");
  if (!s.due_date().empty()) absl::StrAppend(&t, "答复期限 Answer due by:     ", s.due_date(), "\n");
  if (!s.extension_reason().empty()) absl::StrAppend(&t, "延期理由 Extended because:  ", s.extension_reason(), "\n");
  absl::StrAppend(&t, std::string(40, '-'), "\n",
                  "馆际查档免费办理，自对方馆收到之日起3个工作日内答复（可延长3个工作日）。\n"
                  "The service is free. The holding archive answers within 3 working days of receipt "
                  "(one extension of 3 working days, with the reason given).\n");
  return t;
}

absl::StatusOr<std::vector<v1::SearchHit>> RemoteRequests::Candidates(const v1::RemoteRequest& r) {
  const std::string actor = absl::StrCat("request:", r.request_id());
  std::vector<v1::SearchHit> hits;
  std::set<std::string> seen;
  v1::SearchRequest by_person;
  by_person.set_person_hash(r.person_hash());
  by_person.set_limit(20);
  ASSIGN_OR_RETURN(auto a, holdings_->Search(by_person, actor));
  for (auto& h : *a.mutable_hits()) {
    h.set_matched_field("person (identity number)");
    if (seen.insert(h.code()).second) hits.push_back(h);
  }
  v1::SearchRequest by_name;
  by_name.set_query(r.person_name());
  by_name.set_has_livelihood(r.category() != v1::LIVELIHOOD_NONE);
  by_name.set_livelihood(r.category());
  by_name.set_limit(20);
  ASSIGN_OR_RETURN(auto b, holdings_->Search(by_name, actor));
  for (auto& h : *b.mutable_hits()) {
    if (seen.insert(h.code()).second) hits.push_back(h);
  }
  return hits;
}

absl::Status RemoteRequests::Triage(v1::StoredRequest* stored) {
  const v1::RemoteRequest& r = stored->request();
  const std::string actor = absl::StrCat("request:", r.request_id());
  std::vector<std::string> exact;  // records that name the person by identity number
  if (r.record_codes_size() > 0) {
    for (const auto& code : r.record_codes()) {
      auto full = holdings_->Get(code, false, actor, /*shared=*/false);
      if (!full.ok() && full.status().code() == absl::StatusCode::kNotFound) {
        return Change(stored, v1::REQUEST_STATE_NOT_FOUND, "policy:search",
                      absl::StrCat("档号 ", code, " is not in our holdings (查无此档)"), true);
      }
      RETURN_IF_ERROR(full.status());
      auto shared = holdings_->Get(code, false, actor, /*shared=*/true);
      if (!shared.ok()) {
        return Change(stored, v1::REQUEST_STATE_REFUSED, "policy:search",
                      "the requested records cannot be provided under the sharing rules (不予提供)", true);
      }
      const auto& rec = full->record().record();
      bool names_person = false;
      for (const auto& p : rec.persons()) names_person |= p.id_hash() == r.person_hash();
      if (names_person && rec.share_class() == v1::SHARE_CLASS_UNCONDITIONAL && rec.livelihood() == r.category()) {
        exact.push_back(code);
      }
    }
    if (policy_.auto_issue && exact.size() == static_cast<size_t>(r.record_codes_size())) {
      return IssueLocked(stored, exact, "policy:auto-issue");
    }
    return Change(stored, v1::REQUEST_STATE_IN_REVIEW, "policy:search", "the named records are here", true);
  }
  ASSIGN_OR_RETURN(auto hits, Candidates(r));
  if (hits.empty()) {
    return Change(stored, v1::REQUEST_STATE_NOT_FOUND, "policy:search",
                  "no record in our holdings concerns this person (查无档案)", true);
  }
  if (policy_.auto_issue) {
    for (const auto& h : hits) {
      if (h.matched_field() != "person (identity number)") continue;
      auto full = holdings_->Get(h.code(), false, actor, false);
      if (!full.ok()) continue;
      const auto& rec = full->record().record();
      if (rec.share_class() == v1::SHARE_CLASS_UNCONDITIONAL && rec.livelihood() == r.category() &&
          holdings_->Get(h.code(), false, actor, true).ok()) {
        exact.push_back(h.code());
      }
    }
    if (!exact.empty()) return IssueLocked(stored, exact, "policy:auto-issue");
  }
  return Change(stored, v1::REQUEST_STATE_IN_REVIEW, "policy:search",
                absl::StrCat(hits.size(), " possible records found"), true);
}

absl::Status RemoteRequests::IssueLocked(v1::StoredRequest* stored, const std::vector<std::string>& codes,
                                         const std::string& actor) {
  ASSIGN_OR_RETURN(IssuedDocument doc, issuer_.Issue(*stored, codes, actor));
  v1::IssuedCertificate kept = doc.certificate;
  *stored->mutable_certificate() = std::move(doc.certificate);
  stored->clear_issued_records();
  for (const auto& c : codes) stored->add_issued_records(c);
  kept.clear_pdf();
  v1::StoredRequest record_of_issue;  // the certificates family: serial -> request and digest
  *record_of_issue.mutable_certificate() = kept;
  *record_of_issue.mutable_request()->mutable_request_id() = stored->request().request_id();
  return Change(stored, v1::REQUEST_STATE_ISSUED, actor,
                absl::StrCat("certificate ", stored->certificate().serial(), " for ", absl::StrJoin(codes, ", ")), true,
                {doc.sequence, {Family::kCertificates, stored->certificate().serial(), record_of_issue.SerializeAsString()}});
}

absl::StatusOr<v1::SubmitResponse> RemoteRequests::Receive(const v1::RemoteRequest& request, const std::string& from) {
  if (request.from_archive() != from) {
    return absl::PermissionDeniedError(absl::StrCat("archive ", from, " cannot file for archive ", request.from_archive()));
  }
  if (request.target_archive() != archive_) {
    return absl::InvalidArgumentError(absl::StrCat("the request is for archive ", request.target_archive(), ", not ", archive_));
  }
  if (request.request_id().rfind(from + "-", 0) != 0) {
    return absl::InvalidArgumentError(absl::StrCat("request id ", request.request_id(), " is not of archive ", from));
  }
  if (request.person_name().empty() || request.person_hash().size() != 32) {
    return absl::InvalidArgumentError("the request names no person (name and identity hash are required)");
  }
  for (const auto& a : request.attachments()) RETURN_IF_ERROR(CheckAttachment(a));
  const std::string content_sm3 = seal::Sm3(seal::SerializeDeterministic(request));
  absl::MutexLock lock(&mu_);
  auto existing = Load(request.request_id());
  v1::StoredRequest stored;
  if (existing.ok()) {
    if (existing->content_sm3() != content_sm3) {
      (void)store_->Audit({absl::StrCat("archive:", from), "request.receive", request.request_id(),
                           "refused: a replay of this id with other content"});
      return absl::AlreadyExistsError(absl::StrCat("request ", request.request_id(),
                                                   " was already received with other content; refused"));
    }
    stored = *std::move(existing);
  } else {
    if (existing.status().code() != absl::StatusCode::kNotFound) return existing.status();
    *stored.mutable_request() = request;
    stored.set_back_office(true);
    stored.set_content_sm3(content_sm3);
    const absl::CivilDay today = DayOf(NowMicros());
    const auto due = federation::WorkingCalendar::BuiltIn().AddWorkingDays(today, kDeadlineDays);
    stored.set_received_date(DayString(today));
    stored.set_due_date(DayString(due.due));
    for (int y : due.years_without_data) stored.add_calendar_gaps(y);
    RETURN_IF_ERROR(Change(&stored, v1::REQUEST_STATE_RECEIVED, absl::StrCat("archive:", from),
                           absl::StrCat("due ", stored.due_date()), false));
  }
  // The first look; also on a retry after a crash between receipt and the first look.
  if (stored.state() == v1::REQUEST_STATE_RECEIVED) {
    if (absl::Status t = Triage(&stored); !t.ok()) {
      RETURN_IF_ERROR(Change(&stored, v1::REQUEST_STATE_IN_REVIEW, "policy:search",
                             absl::StrCat("the automatic search failed (", t.message(), "): a clerk reviews it"), true));
    }
  }
  v1::SubmitResponse resp;
  resp.set_state(stored.state());
  resp.set_received_date(stored.received_date());
  resp.set_due_date(stored.due_date());
  *resp.mutable_history() = stored.history();
  return resp;
}

absl::StatusOr<v1::UpdateAck> RemoteRequests::ApplyUpdate(const v1::RequestUpdate& update, const std::string& from) {
  if (update.from() != from) return absl::PermissionDeniedError("an update must come from the archive that sends it");
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(v1::StoredRequest stored, Load(update.request_id()));
  const v1::RemoteRequest& r = stored.request();
  const std::string other = stored.back_office() ? r.from_archive() : r.target_archive();
  if (from != other) {
    return absl::PermissionDeniedError(absl::StrCat("request ", update.request_id(), " is not between us and ", from));
  }
  v1::UpdateAck ack;
  bool seen = false;
  for (const auto& c : stored.history()) seen |= SameChange(c, update.change());
  // The front desk may know of the issue already (from the submit's answer) but not hold the certificate.
  const bool brings_certificate = update.state() == v1::REQUEST_STATE_ISSUED && !stored.back_office() &&
                                  stored.certificate().pdf().empty() && !update.certificate().pdf().empty();
  if (seen && !brings_certificate) {
    ack.set_state(stored.state());
    return ack;
  }
  Merge(&stored, update.change());
  if (!update.due_date().empty()) stored.set_due_date(update.due_date());
  if (!update.extension_reason().empty()) stored.set_extension_reason(update.extension_reason());
  std::vector<KeyWrite> writes;
  const std::string actor = absl::StrCat("archive:", from);
  if (update.state() == v1::REQUEST_STATE_ISSUED && !stored.back_office()) {
    *stored.mutable_certificate() = update.certificate();
    auto verified = federation::VerifySealedCertificate(update.certificate().pdf(), link_->Trust());
    if (verified.ok() && verified->content.request_id() == r.request_id() &&
        verified->content.serial() == update.certificate().serial()) {
      stored.clear_verify_error();
      RETURN_IF_ERROR(Change(&stored, v1::REQUEST_STATE_DELIVERED, "policy:verify",
                             absl::StrCat("certificate ", update.certificate().serial(), " verified"), true));
      ack.set_state(stored.state());
      return ack;
    }
    stored.set_verify_error(verified.ok() ? "the certificate is for another request" : std::string(verified.status().message()));
  }
  writes.push_back({Family::kRequests, r.request_id(), stored.SerializeAsString()});
  RETURN_IF_ERROR(store_->Write(writes, {actor, absl::StrCat("request.", v1::RequestState_Name(update.state())),
                                         r.request_id(),
                                         stored.verify_error().empty() ? "ok" : absl::StrCat("certificate refused: ", stored.verify_error())}));
  ack.set_state(stored.state());
  return ack;
}

absl::StatusOr<v1::CertificateStatus> RemoteRequests::CertificateState(const v1::CertificateQuery& query) {
  v1::CertificateStatus st;
  st.set_archive(archive_);
  ASSIGN_OR_RETURN(auto raw, store_->Get(Family::kCertificates, query.serial()));
  (void)store_->Audit({absl::StrCat("archive:", query.from()), "certificate.check", query.serial(), raw ? "ok: issued" : "ok: unknown"});
  if (!raw) return st;
  v1::StoredRequest kept;
  kept.ParseFromString(*raw);
  st.set_issued(true);
  st.set_matches(kept.certificate().sm3() == query.sm3());
  st.set_revoked(kept.certificate().revoked());
  st.set_revoked_reason(kept.certificate().revoked_reason());
  st.set_issued_micros(kept.certificate().issued_micros());
  return st;
}

absl::StatusOr<v1::RequestDetail> RemoteRequests::Show(const std::string& request_id, const std::string& actor) {
  v1::RequestDetail d;
  ASSIGN_OR_RETURN(*d.mutable_request(), Get(request_id));
  if (d.request().back_office() && !Closed(d.request().state())) {
    ASSIGN_OR_RETURN(auto hits, Candidates(d.request().request()));
    for (auto& h : hits) *d.add_candidates() = std::move(h);
  }
  RETURN_IF_ERROR(store_->Audit({actor, "request.show", request_id, "ok"}));
  return d;
}

absl::StatusOr<v1::StoredRequest> RemoteRequests::Issue(const v1::IssueCommand& command, const std::string& actor) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(v1::StoredRequest stored, Load(command.request_id()));
  if (!stored.back_office()) return absl::FailedPreconditionError("this archive filed the request; the holding archive issues");
  if (Closed(stored.state())) {
    return absl::FailedPreconditionError(absl::StrCat("request ", command.request_id(), " is already ", StateName(stored.state())));
  }
  RETURN_IF_ERROR(IssueLocked(&stored, {command.record_codes().begin(), command.record_codes().end()}, actor));
  return Slim(stored);
}

absl::StatusOr<v1::StoredRequest> RemoteRequests::Decide(const v1::DecisionCommand& command, const std::string& actor) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(v1::StoredRequest stored, Load(command.request_id()));
  if (!stored.back_office()) return absl::FailedPreconditionError("this archive filed the request; the holding archive answers");
  if (Closed(stored.state())) {
    return absl::FailedPreconditionError(absl::StrCat("request ", command.request_id(), " is already ", StateName(stored.state())));
  }
  switch (command.state()) {
    case v1::REQUEST_STATE_NOT_FOUND:
      break;
    case v1::REQUEST_STATE_REFUSED:
      if (command.reason().empty()) return absl::InvalidArgumentError("refuse: --reason is required");
      break;
    case v1::REQUEST_STATE_EXTENDED: {
      if (command.reason().empty()) return absl::InvalidArgumentError("extend: --reason is required (the front desk sees it)");
      if (!stored.extension_reason().empty()) return absl::FailedPreconditionError("a request may be extended only once");
      absl::CivilDay due;
      if (!absl::ParseCivilTime(stored.due_date(), &due)) return absl::DataLossError("the request has no due date");
      stored.set_due_date(DayString(federation::WorkingCalendar::BuiltIn().AddWorkingDays(due, kDeadlineDays).due));
      stored.set_extension_reason(command.reason());
      break;
    }
    default:
      return absl::InvalidArgumentError("a decision is not found, refused or extended");
  }
  RETURN_IF_ERROR(Change(&stored, command.state(), actor, command.reason(), true));
  return Slim(stored);
}

absl::StatusOr<v1::IssuedCertificate> RemoteRequests::RevokeCertificate(const std::string& serial,
                                                                       const std::string& reason,
                                                                       const std::string& actor) {
  if (reason.empty()) return absl::InvalidArgumentError("revoking a certificate needs --reason");
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(auto raw, store_->Get(Family::kCertificates, serial));
  if (!raw) return absl::NotFoundError(absl::StrCat("this archive issued no certificate ", serial));
  v1::StoredRequest kept;
  if (!kept.ParseFromString(*raw)) return absl::DataLossError(absl::StrCat("certificate ", serial, " does not parse"));
  v1::IssuedCertificate* c = kept.mutable_certificate();
  if (c->revoked()) return absl::FailedPreconditionError(absl::StrCat(serial, " was already revoked: ", c->revoked_reason()));
  c->set_revoked(true);
  c->set_revoked_reason(reason);
  c->set_revoked_micros(NowMicros());
  RETURN_IF_ERROR(store_->Write({{Family::kCertificates, serial, kept.SerializeAsString()}},
                                {actor, "certificate.revoke", serial, absl::StrCat("ok: ", reason)}));
  return *c;
}

absl::StatusOr<v1::RequestList> RemoteRequests::Overdue(const std::string& as_of) {
  absl::CivilDay day = DayOf(NowMicros());
  if (!as_of.empty() && !absl::ParseCivilTime(as_of, &day)) {
    return absl::InvalidArgumentError(absl::StrCat("--as-of \"", as_of, "\" is not a date (YYYY-MM-DD)"));
  }
  ASSIGN_OR_RETURN(auto all, List(v1::ListRequestsRequest()));
  v1::RequestList out;
  for (const auto& r : all.requests()) {
    absl::CivilDay due;
    if (Closed(r.state()) || r.due_date().empty() || !absl::ParseCivilTime(r.due_date(), &due)) continue;
    if (due < day) *out.add_requests() = r;
  }
  return out;
}

absl::StatusOr<v1::RequestStats> RemoteRequests::Stats() {
  v1::ListRequestsRequest all_req;
  all_req.set_limit(UINT32_MAX);
  ASSIGN_OR_RETURN(auto all, List(all_req));
  std::map<std::tuple<std::string, std::string, std::string, std::string>, v1::RequestStatsRow> rows;
  const absl::CivilDay today = DayOf(NowMicros());
  for (const auto& s : all.requests()) {
    const auto& r = s.request();
    const std::string side = s.back_office() ? "back" : "front";
    const std::string other = s.back_office() ? r.from_archive() : r.target_archive();
    const std::string month = absl::FormatTime("%Y-%m", absl::FromUnixMicros(r.filed_micros()), Beijing());
    const std::string category = ingest::LivelihoodLabel(r.category());
    auto& row = rows[{side, other, category, month}];
    row.set_side(side);
    row.set_archive(other);
    row.set_category(category);
    row.set_month(month);
    row.set_accepted(row.accepted() + 1);
    bool issued = false;
    for (const auto& c : s.history()) issued |= c.state() == v1::REQUEST_STATE_ISSUED;
    if (issued) row.set_issued(row.issued() + 1);
    else if (s.state() == v1::REQUEST_STATE_NOT_FOUND) row.set_not_found(row.not_found() + 1);
    else if (s.state() == v1::REQUEST_STATE_REFUSED) row.set_refused(row.refused() + 1);
    else row.set_open(row.open() + 1);
    absl::CivilDay due;
    if (s.due_date().empty() || !absl::ParseCivilTime(s.due_date(), &due)) continue;
    const absl::CivilDay answered = s.closed_micros() != 0 ? DayOf(s.closed_micros()) : today;
    if (s.closed_micros() != 0 && answered <= due) row.set_on_time(row.on_time() + 1);
    else if (answered > due) row.set_late(row.late() + 1);
  }
  v1::RequestStats out;
  for (auto& [k, row] : rows) *out.add_rows() = std::move(row);
  return out;
}

absl::StatusOr<v1::VerifyResult> RemoteRequests::Verify(const std::string& pdf, bool online, const std::string& actor) {
  const v1::TrustBundle trust = link_->Trust();
  if (trust.seal_maker_pem().empty()) return absl::FailedPreconditionError("this node is not enrolled: it has no directory to verify against");
  auto v = federation::VerifySealedCertificate(pdf, trust);
  v1::VerifyResult out = federation::DescribeVerification(v, trust);
  if (!v.ok()) {
    (void)store_->Audit({actor, "certificate.verify", "", absl::StrCat("invalid: ", v.status().message())});
    return out;
  }
  const auto& c = v->content;
  if (online) {
    out.set_online_checked(true);
    v1::CertificateStatus st;
    absl::Status asked;
    if (c.issuing_archive() == archive_) {
      v1::CertificateQuery q;
      q.set_from(archive_);
      q.set_serial(c.serial());
      q.set_sm3(v->file_sm3);
      auto local = CertificateState(q);
      asked = local.status();
      if (local.ok()) st = *local;
    } else {
      auto stub = link_->PeerStub(c.issuing_archive());
      asked = stub.status();
      if (stub.ok()) {
        grpc::ClientContext ctx;
        ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
        v1::CertificateQuery q;
        q.set_from(archive_);
        q.set_serial(c.serial());
        q.set_sm3(v->file_sm3);
        asked = FromGrpcStatus((*stub)->CheckCertificate(&ctx, q, &st));
      }
    }
    if (!asked.ok()) {
      out.set_valid(false);
      out.set_online_answer(absl::StrCat("the issuing archive could not be asked: ", asked.message()));
      out.set_reason(out.online_answer());
    } else if (!st.issued()) {
      out.set_valid(false);
      out.set_online_answer(absl::StrCat("archive ", c.issuing_archive(), " has no record of issuing ", c.serial()));
      out.set_reason(out.online_answer());
    } else if (!st.matches()) {
      out.set_valid(false);
      out.set_online_answer(absl::StrCat("archive ", c.issuing_archive(), " issued ", c.serial(), " but not this file"));
      out.set_reason(out.online_answer());
    } else if (st.revoked()) {
      out.set_valid(false);
      out.set_online_answer(absl::StrCat("revoked: ", st.revoked_reason()));
      out.set_reason(out.online_answer());
    } else {
      out.set_online_answer(absl::StrCat("archive ", c.issuing_archive(), " confirms: issued, this very file, not revoked"));
    }
  }
  (void)store_->Audit({actor, "certificate.verify", c.serial(), out.valid() ? "ok: valid" : absl::StrCat("invalid: ", out.reason())});
  return out;
}

absl::StatusOr<v1::TrustBundle> RemoteRequests::Trust() {
  if (!link_->enrolled()) return absl::FailedPreconditionError("this node is not enrolled (kuaguan enroll)");
  return link_->Trust();
}

void RemoteRequests::RunOutbox() {
  for (;;) {
    {
      absl::MutexLock lock(&wake_mu_);
      auto woken = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(wake_mu_) { return wake_ || stop_; };
      wake_mu_.AwaitWithTimeout(absl::Condition(&woken), absl::Milliseconds(500));
      if (stop_) return;
      wake_ = false;
    }
    auto items = store_->Scan(Family::kOutbox, "");
    if (!items.ok()) continue;
    std::set<std::string> blocked;  // one failure holds the later messages to that archive: order is kept
    const int64_t now = NowMicros();
    for (const auto& [key, value] : *items) {
      v1::OutboxItem item;
      if (!item.ParseFromString(value) || blocked.contains(item.target())) continue;
      if (item.next_attempt_micros() > now) {
        blocked.insert(item.target());
        continue;
      }
      {
        absl::MutexLock lock(&wake_mu_);
        if (stop_) return;
      }
      absl::Status st = Deliver(item);
      const std::string id = item.has_submit() ? item.submit().request_id() : item.update().request_id();
      if (st.ok()) continue;
      blocked.insert(item.target());
      item.set_attempts(item.attempts() + 1);
      const int64_t backoff = std::min<int64_t>(30'000'000, 250'000LL << std::min<uint32_t>(item.attempts(), 7));
      item.set_next_attempt_micros(NowMicros() + backoff);
      item.set_last_error(std::string(st.message()));
      (void)store_->Write({{Family::kOutbox, key, item.SerializeAsString()}},
                          {"outbox", "outbox.retry", absl::StrCat(id, " to ", item.target()),
                           absl::StrCat("failed (attempt ", item.attempts(), "): ", st.message())});
    }
  }
}

absl::Status RemoteRequests::Deliver(const v1::OutboxItem& item) {
  ASSIGN_OR_RETURN(auto stub, link_->PeerStub(item.target()));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  const std::string key = SeqKey(item.seq());
  if (item.has_submit()) {
    v1::SubmitResponse resp;
    RETURN_IF_ERROR(FromGrpcStatus(stub->SubmitRequest(&ctx, item.submit(), &resp)));
    absl::MutexLock lock(&mu_);
    ASSIGN_OR_RETURN(v1::StoredRequest stored, Load(item.submit().request_id()));
    for (const auto& c : resp.history()) Merge(&stored, c);
    stored.set_received_date(resp.received_date());
    if (stored.due_date().empty() || stored.extension_reason().empty()) stored.set_due_date(resp.due_date());
    std::vector<KeyWrite> writes = {{Family::kOutbox, key, std::nullopt},
                                    {Family::kRequests, stored.request().request_id(), stored.SerializeAsString()}};
    return store_->Write(writes, {"outbox", "request.delivered", stored.request().request_id(),
                                  absl::StrCat("ok: ", item.target(), " acknowledged, now ", StateName(stored.state()))});
  }
  v1::UpdateAck ack;
  RETURN_IF_ERROR(FromGrpcStatus(stub->UpdateRequest(&ctx, item.update(), &ack)));
  return store_->Write({{Family::kOutbox, key, std::nullopt}},
                       {"outbox", "update.delivered", item.update().request_id(),
                        absl::StrCat("ok: ", item.target(), " acknowledged ", StateName(item.update().state()))});
}

}  // namespace kuaguan::node
