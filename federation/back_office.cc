#include "federation/back_office.h"

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "base/actor.h"
#include "base/utf8.h"
#include "base/status_macros.h"
#include "federation/request_rules.h"
#include "federation/transparency_log.h"
#include "federation/working_days.h"
#include "seal/digest.h"

namespace kuaguan::federation {
namespace v1 = kuaguan::v1;

namespace {

constexpr char kByIdentity[] = "person (identity number)";
// What the requester hears from the first look, whatever it found.
constexpr char kInReview[] = "a clerk reviews the request (审核中)";

// A received request's fields, bounded and checked before anything is stored: INVALID_ARGUMENT
// naming the field.
absl::Status CheckIncoming(const v1::RemoteRequest& r) {
  if (absl::Status st = base::CheckPersonName(r.person_name()); !st.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("person_name: ", st.message()));
  }
  if (r.person_hash().size() != 32) {
    return absl::InvalidArgumentError("person_hash: the identity hash (32 bytes) is required");
  }
  const std::string& m = r.person_id_masked();
  const auto digits = [&m](size_t from, size_t to) {
    return std::all_of(m.begin() + from, m.begin() + to, [](char c) { return c >= '0' && c <= '9'; });
  };
  if (m.size() != 18 || !digits(0, 6) || m.substr(6, 8) != std::string(8, '*') || !digits(14, 17) ||
      !((m[17] >= '0' && m[17] <= '9') || m[17] == 'X')) {
    return absl::InvalidArgumentError("person_id_masked: not of the form 410105********123X");
  }
  if (!v1::LivelihoodCategory_IsValid(r.category()) || r.category() == v1::LIVELIHOOD_NONE) {
    return absl::InvalidArgumentError(absl::StrCat("category: ", static_cast<int>(r.category()),
                                                   " is not a livelihood category (民生类别)"));
  }
  const std::pair<const char*, const std::string*> texts[] = {
      {"purpose", &r.purpose()}, {"query", &r.query()}, {"filed_by", &r.filed_by()}, {"from_name", &r.from_name()}};
  for (const auto& [field, text] : texts) {
    if (text->size() > 2000 || !base::IsValidUtf8(*text) || base::FirstControlChar(*text) != 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ": at most 2000 bytes of UTF-8 without control characters"));
    }
  }
  if (r.purpose().empty()) return absl::InvalidArgumentError("purpose: the purpose is required");
  if (r.record_codes_size() > 50) {
    return absl::InvalidArgumentError(absl::StrCat("record_codes: ", r.record_codes_size(), " codes; at most 50"));
  }
  for (const auto& code : r.record_codes()) {
    if (code.empty() || code.size() > 128 || !base::IsValidUtf8(code) || base::FirstControlChar(code) != 0) {
      return absl::InvalidArgumentError("record_codes: a code is empty, too long or not printable");
    }
  }
  return CheckAttachments(r.attachments());
}

v1::SubmitResponse AnswerOf(const v1::StoredRequest& stored) {
  v1::SubmitResponse resp;
  resp.set_state(stored.state());
  resp.set_received_date(stored.received_date());
  resp.set_due_date(stored.due_date());
  *resp.mutable_history() = stored.history();
  return resp;
}

}  // namespace

absl::StatusOr<v1::SubmitResponse> BackOffice::Receive(const v1::RemoteRequest& request,
                                                       const std::string& from) {
  if (request.from_archive() != from) {
    return absl::PermissionDeniedError(
        absl::StrCat("archive ", from, " cannot file for archive ", request.from_archive()));
  }
  if (request.target_archive() != archive_) {
    return absl::InvalidArgumentError(
        absl::StrCat("the request is for archive ", request.target_archive(), ", not ", archive_));
  }
  if (request.request_id().rfind(from + "-", 0) != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("request id ", request.request_id(), " is not of archive ", from));
  }
  RETURN_IF_ERROR(CheckIncoming(request));
  const std::string content_sm3 = seal::Sm3(seal::SerializeDeterministic(request));
  const std::string& id = request.request_id();
  std::vector<std::string> auto_issue;
  v1::StoredRequest snapshot;
  {
    absl::MutexLock lock(&mu_);
    auto existing = book_->Read(id);
    v1::StoredRequest stored;
    if (existing.ok()) {
      if (existing->content_sm3() != content_sm3) {
        (void)store_->Audit({absl::StrCat("archive:", from), "request.receive", id,
                             "refused: a replay of this id with other content"});
        return absl::AlreadyExistsError(
            absl::StrCat("request ", id, " was already received with other content; refused"));
      }
      stored = *std::move(existing);
    } else {
      if (existing.status().code() != absl::StatusCode::kNotFound) return existing.status();
      ASSIGN_OR_RETURN(KeyWrite quota, CountAgainstQuota(request, from));
      *stored.mutable_request() = request;
      stored.set_back_office(true);
      stored.set_content_sm3(content_sm3);
      const absl::CivilDay today = DayOf(clock_->NowMicros());
      const auto due = WorkingCalendar::BuiltIn().AddWorkingDays(today, kDeadlineDays);
      stored.set_received_date(DayString(today));
      stored.set_due_date(DayString(due.due));
      for (int y : due.years_without_data) stored.add_calendar_gaps(y);
      RETURN_IF_ERROR(book_->Commit(&stored, v1::REQUEST_STATE_RECEIVED, absl::StrCat("archive:", from),
                                    absl::StrCat("due ", stored.due_date()), false, {std::move(quota)}));
    }
    // The first look; also on a retry after a crash between receipt and the first look.
    if (stored.state() != v1::REQUEST_STATE_RECEIVED || issuing_.contains(id)) return AnswerOf(stored);
    auto triaged = Triage(&stored);
    if (!triaged.ok()) {
      stored.set_review_note(absl::StrCat("the automatic search failed: ", triaged.status().message()));
      RETURN_IF_ERROR(book_->Commit(&stored, v1::REQUEST_STATE_IN_REVIEW, "policy:search", kInReview, true));
      return AnswerOf(stored);
    }
    if (triaged->empty()) return AnswerOf(stored);
    auto_issue = *std::move(triaged);
    issuing_.insert(id);
    snapshot = stored;
  }
  auto issued = IssueMarked(snapshot, auto_issue, "policy:auto-issue");
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(v1::StoredRequest stored, book_->Read(id));
  if (!issued.ok() && stored.state() == v1::REQUEST_STATE_RECEIVED && !issuing_.contains(id)) {
    stored.set_review_note(absl::StrCat("automatic issuing failed: ", issued.status().message()));
    RETURN_IF_ERROR(book_->Commit(&stored, v1::REQUEST_STATE_IN_REVIEW, "policy:search", kInReview, true));
  }
  return AnswerOf(stored);
}

absl::StatusOr<std::vector<v1::SearchHit>> BackOffice::Candidates(const v1::RemoteRequest& r,
                                                                   bool by_name) {
  const std::string actor = absl::StrCat("request:", r.request_id());
  std::vector<v1::SearchHit> hits;
  std::set<std::string> seen;
  v1::SearchRequest by_person;
  by_person.set_person_hash(r.person_hash());
  by_person.set_limit(20);
  ASSIGN_OR_RETURN(auto a, holdings_->Search(by_person, actor));
  for (auto& h : *a.mutable_hits()) {
    h.set_matched_field(kByIdentity);
    if (seen.insert(h.code()).second) hits.push_back(h);
  }
  if (!by_name) return hits;
  v1::SearchRequest named;
  named.set_query(r.person_name());
  named.set_has_livelihood(true);
  named.set_livelihood(r.category());
  named.set_limit(20);
  ASSIGN_OR_RETURN(auto b, holdings_->Search(named, actor));
  for (auto& h : *b.mutable_hits()) {
    if (seen.insert(h.code()).second) hits.push_back(h);
  }
  return hits;
}

absl::StatusOr<bool> BackOffice::Certifiable(const std::string& code, const v1::RemoteRequest& r,
                                             bool* names_person) {
  const std::string actor = absl::StrCat("request:", r.request_id());
  auto full = holdings_->Get(code, false, actor, /*shared=*/false);
  if (!full.ok()) {
    if (full.status().code() == absl::StatusCode::kNotFound) return false;
    return full.status();
  }
  const auto& rec = full->record().record();
  *names_person = false;
  for (const auto& p : rec.persons()) *names_person |= p.id_hash() == r.person_hash();
  auto shared = holdings_->Get(code, false, actor, /*shared=*/true);
  if (!shared.ok() && shared.status().code() != absl::StatusCode::kFailedPrecondition) return shared.status();
  return shared.ok() && rec.share_class() == v1::SHARE_CLASS_UNCONDITIONAL && rec.livelihood() == r.category();
}

absl::StatusOr<std::vector<std::string>> BackOffice::Triage(v1::StoredRequest* stored) {
  // What the first look finds stays here, for the clerk (review_note). The requester hears the
  // same "in review" whether records are absent, may not be shared, or are merely not exact:
  // only a certificate (auto-issue) or a clerk's answer tells it more.
  const v1::RemoteRequest& r = stored->request();
  std::vector<std::string> exact;  // shareable records that name the person by identity number
  std::vector<std::string> other;
  if (r.record_codes_size() > 0) {
    for (const auto& code : r.record_codes()) {
      bool names_person = false;
      ASSIGN_OR_RETURN(const bool ok, Certifiable(code, r, &names_person));
      (ok && names_person ? exact : other).push_back(code);
    }
    if (policy_.auto_issue && other.empty()) return exact;
    stored->set_review_note(absl::StrCat(
        "named records: ", exact.size(), " may be certified at once; not at once (absent, not shared, or not "
        "naming the person): ", other.empty() ? "none" : absl::StrJoin(other, ", "),
        ". For an absent record and one that may not be shared, answer not found (查无此档) alike."));
  } else {
    ASSIGN_OR_RETURN(auto hits, Candidates(r, /*by_name=*/false));
    for (const auto& h : hits) {
      bool names_person = false;
      ASSIGN_OR_RETURN(const bool ok, Certifiable(h.code(), r, &names_person));
      (ok && names_person ? exact : other).push_back(h.code());
    }
    if (policy_.auto_issue && !exact.empty()) return exact;
    stored->set_review_note(absl::StrCat(
        "by identity number: ", exact.size() + other.size(),
        " records name the person, ", exact.size(), " of them may be certified at once; "
        "requests show lists the candidates, by name too."));
  }
  RETURN_IF_ERROR(book_->Commit(stored, v1::REQUEST_STATE_IN_REVIEW, "policy:search", kInReview, true));
  return std::vector<std::string>{};
}

absl::StatusOr<v1::UpdateAck> BackOffice::ApplyUpdate(const v1::RequestUpdate& update,
                                                      const std::string& from) {
  absl::MutexLock lock(&mu_);
  auto read = book_->Read(update.request_id());
  if (!read.ok() && read.status().code() != absl::StatusCode::kNotFound) return read.status();
  if (!read.ok() || !read->back_office() || from != read->request().from_archive()) {
    return NoSuchRequest(update.request_id(), from);
  }
  v1::StoredRequest stored = *std::move(read);
  const v1::StateChange& change = update.change();
  const std::string& id = stored.request().request_id();
  v1::UpdateAck ack;
  ack.set_state(stored.state());
  absl::Status refused;
  if (update.state() != change.state() || !FrontDeskReports(change.state())) {
    refused = absl::FailedPreconditionError(absl::StrCat(
        "archive ", from, " may report only delivery (已送达) of request ", id, ", not ",
        StateName(change.state())));
  } else if (HasReported(stored, change, from) || stored.state() == v1::REQUEST_STATE_DELIVERED) {
    return ack;
  } else if (stored.state() != v1::REQUEST_STATE_ISSUED) {
    refused = absl::FailedPreconditionError(
        absl::StrCat("request ", id, " is ", StateName(stored.state()), ": there is no certificate to deliver"));
  }
  if (!refused.ok()) {
    (void)store_->Audit({absl::StrCat("archive:", from), "request.update", id,
                         absl::StrCat("refused: ", refused.message())});
    return refused;
  }
  // The due date, the extension and the history of this end are this end's own: only the
  // delivery is taken, with the sender and the time of receipt.
  Merge(&stored, Reported(change, from, clock_->NowMicros()));
  RETURN_IF_ERROR(store_->Write({{Family::kRequests, id, stored.SerializeAsString()}},
                                {absl::StrCat("archive:", from), "request.REQUEST_STATE_DELIVERED", id, "ok"}));
  ack.set_state(stored.state());
  return ack;
}

absl::StatusOr<KeyWrite> BackOffice::CountAgainstQuota(const v1::RemoteRequest& request,
                                                       const std::string& from) {
  const std::string key = absl::StrCat("quota/", from, "/", DayString(DayOf(clock_->NowMicros())));
  ASSIGN_OR_RETURN(auto kept, store_->GetMeta(key));
  uint64_t count = 0, bytes = 0;
  if (kept) {
    const std::vector<std::string> parts = absl::StrSplit(*kept, ' ');
    if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &count) || !absl::SimpleAtoi(parts[1], &bytes)) {
      return absl::DataLossError(absl::StrCat("the quota counter ", key, " does not parse"));
    }
  }
  uint64_t size = 0;
  for (const auto& a : request.attachments()) size += a.data().size();
  if (count + 1 > policy_.daily_requests_per_member || bytes + size > policy_.daily_attachment_bytes_per_member) {
    (void)store_->Audit({absl::StrCat("archive:", from), "request.receive", request.request_id(),
                         absl::StrCat("refused: the daily quota is used (", count, " requests, ", bytes, " bytes)")});
    return absl::ResourceExhaustedError(absl::StrCat(
        "archive ", from, " has filed ", count, " requests (", bytes >> 20, " MiB of attachments) here today; the "
        "daily quota is ", policy_.daily_requests_per_member, " requests and ", policy_.daily_attachment_bytes_per_member >> 20,
        " MiB: try again tomorrow (Beijing time)"));
  }
  return KeyWrite{Family::kMeta, key, absl::StrCat(count + 1, " ", bytes + size)};
}

absl::StatusOr<v1::CertificateStatus> BackOffice::CertificateState(const v1::CertificateQuery& query) {
  v1::CertificateStatus st;
  st.set_archive(archive_);
  ASSIGN_OR_RETURN(auto raw, store_->Get(Family::kCertificates, query.serial()));
  (void)store_->Audit({absl::StrCat("archive:", query.from()), "certificate.check", query.serial(),
                       raw ? "ok: issued" : "ok: unknown"});
  if (!raw) return st;
  v1::StoredRequest kept;
  if (!kept.ParseFromString(*raw)) {
    return absl::DataLossError(absl::StrCat("certificate ", query.serial(), " does not parse"));
  }
  st.set_issued(true);
  st.set_matches(kept.certificate().sm3() == query.sm3());
  st.set_revoked(kept.certificate().revoked());
  st.set_revoked_reason(kept.certificate().revoked_reason());
  st.set_issued_micros(kept.certificate().issued_micros());
  return st;
}

absl::StatusOr<v1::RequestDetail> BackOffice::Show(const std::string& request_id,
                                                   const std::string& actor) {
  v1::RequestDetail d;
  ASSIGN_OR_RETURN(*d.mutable_request(), book_->Get(request_id));
  if (d.request().back_office() && !Closed(d.request().state())) {
    ASSIGN_OR_RETURN(auto hits, Candidates(d.request().request(), /*by_name=*/true));
    for (auto& h : hits) *d.add_candidates() = std::move(h);
  }
  RETURN_IF_ERROR(store_->Audit({actor, "request.show", request_id, "ok"}));
  return d;
}

absl::StatusOr<v1::StoredRequest> BackOffice::LoadOpen(const std::string& request_id,
                                                       absl::string_view verb) {
  ASSIGN_OR_RETURN(v1::StoredRequest stored, book_->Read(request_id));
  if (!stored.back_office()) {
    return absl::FailedPreconditionError(
        absl::StrCat("this archive filed the request; the holding archive ", verb));
  }
  if (Closed(stored.state())) {
    return absl::FailedPreconditionError(
        absl::StrCat("request ", request_id, " is already ", StateName(stored.state())));
  }
  if (issuing_.contains(request_id)) {
    return absl::FailedPreconditionError(
        absl::StrCat("request ", request_id, " is being issued at this moment"));
  }
  return stored;
}

absl::StatusOr<v1::StoredRequest> BackOffice::Issue(const v1::IssueCommand& command,
                                                    const std::string& actor) {
  v1::StoredRequest snapshot;
  {
    absl::MutexLock lock(&mu_);
    ASSIGN_OR_RETURN(snapshot, LoadOpen(command.request_id(), "issues"));
    if (policy_.dual_approval) {
      if (command.record_codes().empty()) {
        return absl::InvalidArgumentError("name at least one record to certify (--record CODE)");
      }
      for (const std::string& code : command.record_codes()) {
        if (!holdings_->Get(code, false, actor, /*shared=*/false).ok()) {
          return absl::FailedPreconditionError(absl::StrCat("record ", code, " is not in this archive's holdings"));
        }
      }
      snapshot.clear_prepared_records();
      for (const std::string& code : command.record_codes()) snapshot.add_prepared_records(code);
      snapshot.set_prepared_by(actor);
      RETURN_IF_ERROR(book_->Commit(&snapshot, snapshot.state(), actor,
                                    absl::StrCat("prepared to certify ", absl::StrJoin(command.record_codes(), ", "),
                                                 "; awaiting the approver (dual approval, 双人审批)"),
                                    false));
      return Slim(snapshot);
    }
    issuing_.insert(command.request_id());
  }
  return IssueMarked(snapshot, {command.record_codes().begin(), command.record_codes().end()}, actor);
}

absl::StatusOr<v1::StoredRequest> BackOffice::Approve(const std::string& request_id, const std::string& actor) {
  v1::StoredRequest snapshot;
  {
    absl::MutexLock lock(&mu_);
    if (!policy_.dual_approval) {
      return absl::FailedPreconditionError(
          "this archive issues without a second person (issue_approval = \"single\"): requests issue is enough");
    }
    ASSIGN_OR_RETURN(snapshot, LoadOpen(request_id, "approves"));
    if (snapshot.prepared_records().empty()) {
      return absl::FailedPreconditionError(
          absl::StrCat("request ", request_id, " has nothing prepared to approve (requests issue prepares it)"));
    }
    const std::string clerk = base::ParseActor(snapshot.prepared_by()).person;
    if (clerk == base::ParseActor(actor).person) {
      return absl::PermissionDeniedError(absl::StrCat(
          "dual approval (双人审批): ", clerk, " prepared this certificate and may not also approve it"));
    }
    issuing_.insert(request_id);
  }
  return IssueMarked(snapshot, {snapshot.prepared_records().begin(), snapshot.prepared_records().end()},
                     snapshot.prepared_by(), actor);
}

absl::StatusOr<v1::StoredRequest> BackOffice::IssueMarked(const v1::StoredRequest& snapshot,
                                                          const std::vector<std::string>& codes,
                                                          const std::string& actor, const std::string& approver) {
  const std::string& request_id = snapshot.request().request_id();
  auto doc = issuer_->Issue(snapshot, codes, actor, approver);
  absl::MutexLock lock(&mu_);
  issuing_.erase(request_id);
  if (!doc.ok()) return doc.status();
  const std::string serial = doc->certificate.serial();
  ASSIGN_OR_RETURN(v1::StoredRequest stored, book_->Read(request_id));
  if (Closed(stored.state())) {
    return absl::FailedPreconditionError(
        absl::StrCat("request ", request_id, " is already ", StateName(stored.state())));
  }
  v1::IssuedCertificate kept = doc->certificate;
  *stored.mutable_certificate() = std::move(doc->certificate);
  stored.clear_issued_records();
  for (const auto& c : codes) stored.add_issued_records(c);
  kept.clear_pdf();
  v1::StoredRequest record_of_issue;  // the certificates family: serial -> request and digest
  *record_of_issue.mutable_certificate() = kept;
  *record_of_issue.mutable_request()->mutable_request_id() = request_id;
  RETURN_IF_ERROR(book_->Commit(
      &stored, v1::REQUEST_STATE_ISSUED, approver.empty() ? actor : approver,
      absl::StrCat("certificate ", serial, " for ", absl::StrJoin(codes, ", "),
                   approver.empty() ? "" : absl::StrCat(", prepared by ", base::ParseActor(actor).person)),
      true,
      {{Family::kCertificates, serial, record_of_issue.SerializeAsString()},
       // For the transparency log: the hub link submits it (issuing never waits for the hub).
       {Family::kMeta, absl::StrCat("ct/spool/", serial), LogEntryOf(kept, archive_).SerializeAsString()}}));
  return Slim(stored);
}

absl::StatusOr<v1::StoredRequest> BackOffice::Decide(const v1::DecisionCommand& command,
                                                     const std::string& actor) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(v1::StoredRequest stored, LoadOpen(command.request_id(), "answers"));
  switch (command.state()) {
    case v1::REQUEST_STATE_NOT_FOUND:
      break;
    case v1::REQUEST_STATE_REFUSED:
      if (command.reason().empty()) return absl::InvalidArgumentError("refuse: --reason is required");
      break;
    case v1::REQUEST_STATE_EXTENDED: {
      if (command.reason().empty()) {
        return absl::InvalidArgumentError("extend: --reason is required (the front desk sees it)");
      }
      if (!stored.extension_reason().empty()) {
        return absl::FailedPreconditionError("a request may be extended only once");
      }
      absl::CivilDay due;
      if (!absl::ParseCivilTime(stored.due_date(), &due)) {
        return absl::DataLossError("the request has no due date");
      }
      stored.set_due_date(DayString(WorkingCalendar::BuiltIn().AddWorkingDays(due, kDeadlineDays).due));
      stored.set_extension_reason(command.reason());
      break;
    }
    default:
      return absl::InvalidArgumentError("a decision is not found, refused or extended");
  }
  RETURN_IF_ERROR(book_->Commit(&stored, command.state(), actor, command.reason(), true));
  return Slim(stored);
}

absl::StatusOr<v1::IssuedCertificate> BackOffice::RevokeCertificate(const std::string& serial,
                                                                    const std::string& reason,
                                                                    const std::string& actor) {
  if (reason.empty()) return absl::InvalidArgumentError("revoking a certificate needs --reason");
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(auto raw, store_->Get(Family::kCertificates, serial));
  if (!raw) return absl::NotFoundError(absl::StrCat("this archive issued no certificate ", serial));
  v1::StoredRequest kept;
  if (!kept.ParseFromString(*raw)) {
    return absl::DataLossError(absl::StrCat("certificate ", serial, " does not parse"));
  }
  v1::IssuedCertificate* c = kept.mutable_certificate();
  if (c->revoked()) {
    return absl::FailedPreconditionError(absl::StrCat(serial, " was already revoked: ", c->revoked_reason()));
  }
  c->set_revoked(true);
  c->set_revoked_reason(reason);
  c->set_revoked_micros(clock_->NowMicros());
  RETURN_IF_ERROR(store_->Write({{Family::kCertificates, serial, kept.SerializeAsString()}},
                                {actor, "certificate.revoke", serial, absl::StrCat("ok: ", reason)}));
  return *c;
}

}  // namespace kuaguan::federation
