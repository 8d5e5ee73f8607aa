#include "federation/back_office.h"

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "base/actor.h"
#include "base/utf8.h"
#include "base/status_macros.h"
#include "federation/authorization.h"
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
  RETURN_IF_ERROR(CheckAuthorizationForm(r.authorization()));
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
  }
  RETURN_IF_ERROR(FirstLook(id, v1::REQUEST_STATE_RECEIVED));
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(v1::StoredRequest stored, book_->Read(id));
  return AnswerOf(stored);
}

absl::Status BackOffice::FirstLook(const std::string& id, v1::RequestState expected) {
  std::vector<std::string> auto_issue;
  v1::StoredRequest snapshot;
  {
    absl::MutexLock lock(&mu_);
    ASSIGN_OR_RETURN(v1::StoredRequest stored, book_->Read(id));
    if (stored.state() != expected || issuing_.contains(id)) return absl::OkStatus();
    auto triaged = Triage(&stored);
    if (!triaged.ok()) {
      stored.set_review_note(absl::StrCat("the automatic search failed: ", triaged.status().message()));
      return book_->Commit(&stored, v1::REQUEST_STATE_IN_REVIEW, "policy:search", kInReview, true);
    }
    if (triaged->empty()) return absl::OkStatus();
    auto_issue = *std::move(triaged);
    issuing_.insert(id);
    snapshot = std::move(stored);
  }
  auto issued = IssueMarked(snapshot, auto_issue, "policy:auto-issue");
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(v1::StoredRequest stored, book_->Read(id));
  if (!issued.ok() && stored.state() == expected && !issuing_.contains(id)) {
    stored.set_review_note(absl::StrCat("automatic issuing failed: ", issued.status().message()));
    return book_->Commit(&stored, v1::REQUEST_STATE_IN_REVIEW, "policy:search", kInReview, true);
  }
  return absl::OkStatus();
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

absl::StatusOr<BackOffice::Certifiability> BackOffice::MayCertify(const v1::StoredRequest& stored,
                                                                   const std::string& code) {
  Certifiability c;
  auto peer = holdings_->Decide(code, Audience::kPeer);
  if (!peer.ok()) {
    if (peer.status().code() == absl::StatusCode::kNotFound) {
      c.refusal = absl::StrCat(code, " is not in this archive's holdings");
      return c;
    }
    return peer.status();
  }
  const v1::Record& rec = peer->record.record();
  c.exists = true;
  c.category = rec.livelihood();
  c.title = rec.title();
  c.catalog_only = CatalogOnly(rec);
  for (const auto& p : rec.persons()) c.names_person |= p.id_hash() == stored.request().person_hash();
  c.open_to_any = peer->decision.text;
  c.allowed = c.open_to_any;
  c.refusal = peer->decision.refusal;
  if (!c.allowed && c.names_person) {
    ASSIGN_OR_RETURN(const auto person, holdings_->Decide(code, Audience::kPerson));
    c.allowed = person.decision.text;
    c.audience = Audience::kPerson;
    if (!c.allowed) c.refusal = person.decision.refusal;
  }
  if (!c.allowed && HasAuthorization(stored.request())) {
    ASSIGN_OR_RETURN(const auto authorized, holdings_->Decide(code, Audience::kAuthorized));
    const absl::Status covers = AuthorizationCovers(stored, code, DayString(DayOf(clock_->NowMicros())));
    c.allowed = authorized.decision.text && covers.ok();
    c.audience = Audience::kAuthorized;
    if (!c.allowed) c.refusal = authorized.decision.text ? std::string(covers.message()) : authorized.decision.refusal;
  }
  return c;
}

absl::StatusOr<std::vector<std::string>> BackOffice::QueuePaper(v1::StoredRequest* stored,
                                                              const std::vector<std::string>& codes,
                                                              std::vector<Certifiability>* assessed) {
  std::vector<std::pair<std::string, std::string>> paper;
  std::vector<std::string> queued;
  for (const std::string& code : codes) {
    ASSIGN_OR_RETURN(Certifiability c, MayCertify(*stored, code));
    const bool waiting = std::find(stored->digitizing().begin(), stored->digitizing().end(), code) !=
                         stored->digitizing().end();
    if (c.exists && c.allowed && c.catalog_only && !waiting) {
      paper.emplace_back(code, c.title);
      queued.push_back(code);
    }
    if (assessed != nullptr) assessed->push_back(std::move(c));
  }
  if (!paper.empty()) RETURN_IF_ERROR(QueueForDigitizing(stored, paper));
  return queued;
}

absl::Status BackOffice::CheckCertifiable(v1::StoredRequest* stored, const std::vector<std::string>& codes) {
  std::vector<Certifiability> assessed;
  ASSIGN_OR_RETURN(const auto queued, QueuePaper(stored, codes, &assessed));
  if (!queued.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "held only on paper: ", absl::StrJoin(queued, ", "), " queued for digitizing now (kuaguan digitize queue); "
        "the request moves on by itself once the scans are ingested and accepted"));
  }
  for (size_t i = 0; i < codes.size(); ++i) {
    const std::string& code = codes[i];
    const Certifiability& c = assessed[i];
    if (!c.exists) return absl::FailedPreconditionError(c.refusal);
    if (!c.allowed) {
      return absl::FailedPreconditionError(
          absl::StrCat("record ", code, " cannot be certified to this requester: ", c.refusal,
                       " (kuaguan policy explain ", code, ")"));
    }
    if (c.catalog_only) {
      return absl::FailedPreconditionError(absl::StrCat(
          "record ", code, " is held only as a catalog entry: it is certified once digitized (kuaguan digitize queue)"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> BackOffice::Triage(v1::StoredRequest* stored) {
  // What the first look finds stays here, for the clerk (review_note). The requester hears the
  // same "in review" whether records are absent, may not be shared, or are merely not exact:
  // only a certificate (auto-issue), "being digitized" or a clerk's answer tells it more.
  const v1::RemoteRequest& r = stored->request();
  std::vector<std::string> codes(r.record_codes().begin(), r.record_codes().end());
  const bool named = !codes.empty();
  if (!named) {
    ASSIGN_OR_RETURN(auto hits, Candidates(r, /*by_name=*/false));
    for (const auto& h : hits) codes.push_back(h.code());
  }
  std::vector<std::string> exact;  // open to anyone, naming the person, of the request's category
  std::vector<std::string> other;
  std::vector<std::pair<std::string, std::string>> paper;  // may be certified once digitized
  for (const auto& code : codes) {
    ASSIGN_OR_RETURN(const Certifiability c, MayCertify(*stored, code));
    if (c.allowed && c.catalog_only) {
      paper.emplace_back(code, c.title);
    } else if (c.open_to_any && c.names_person && c.category == r.category()) {
      exact.push_back(code);
    } else {
      other.push_back(code);
    }
  }
  if (!paper.empty()) {
    RETURN_IF_ERROR(QueueForDigitizing(stored, paper));
    return std::vector<std::string>{};
  }
  if (named) {
    if (policy_.auto_issue && other.empty()) return exact;
    stored->set_review_note(absl::StrCat(
        "named records: ", exact.size(), " may be certified at once; not at once (absent, not shared, "
        "conditional, or not naming the person): ", other.empty() ? "none" : absl::StrJoin(other, ", "),
        ". For an absent record and one that may not be shared, answer not found (查无此档) alike."));
  } else {
    if (policy_.auto_issue && !exact.empty()) return exact;
    stored->set_review_note(absl::StrCat(
        "by identity number: ", exact.size() + other.size(),
        " records name the person, ", exact.size(), " of them may be certified at once; "
        "requests show lists the candidates, by name too."));
  }
  if (HasAuthorization(r)) {
    absl::StrAppend(stored->mutable_review_note(), " The request carries an authorization: ",
                    DescribeAuthorization(r.authorization()), " (requests authorize ", r.request_id(),
                    " --accept or --refuse --reason).");
  }
  RETURN_IF_ERROR(book_->Commit(stored, v1::REQUEST_STATE_IN_REVIEW, "policy:search", kInReview, true));
  return std::vector<std::string>{};
}

absl::Status BackOffice::QueueForDigitizing(v1::StoredRequest* stored,
                                            const std::vector<std::pair<std::string, std::string>>& codes_titles) {
  const int64_t now = clock_->NowMicros();
  const std::string& id = stored->request().request_id();
  const bool extend = stored->extension_reason().empty();
  std::string expected = stored->due_date();
  if (extend) {
    absl::CivilDay due;
    if (!absl::ParseCivilTime(stored->due_date(), &due)) return absl::DataLossError("the request has no due date");
    expected = DayString(WorkingCalendar::BuiltIn().AddWorkingDays(due, kDeadlineDays).due);
  }
  std::vector<KeyWrite> writes;
  std::vector<std::string> codes;
  for (const auto& [code, title] : codes_titles) {
    ASSIGN_OR_RETURN(KeyWrite w, digitize_.Enqueue(code, title, id, stored->due_date(), expected, now));
    writes.push_back(std::move(w));
    codes.push_back(code);
    if (std::find(stored->digitizing().begin(), stored->digitizing().end(), code) == stored->digitizing().end()) {
      stored->add_digitizing(code);
    }
  }
  const std::string reason = absl::StrCat("正在数字化 being digitized: ", absl::StrJoin(codes, ", "),
                                          " (held on paper only); expected by ", expected);
  stored->set_review_note(absl::StrCat(reason, ". The request moves on by itself once the scans are ingested and "
                                       "accepted (kuaguan digitize queue)."));
  v1::RequestState state = stored->state() == v1::REQUEST_STATE_RECEIVED ? v1::REQUEST_STATE_IN_REVIEW : stored->state();
  if (extend) {
    stored->set_due_date(expected);
    stored->set_extension_reason(reason);
    state = v1::REQUEST_STATE_EXTENDED;
  }
  return book_->Commit(stored, state, "policy:digitize", reason, true, std::move(writes));
}

absl::Status BackOffice::Digitized(const std::vector<std::string>& codes) {
  std::vector<std::pair<std::string, v1::RequestState>> ready;
  {
    absl::MutexLock lock(&mu_);
    const int64_t now = clock_->NowMicros();
    for (const std::string& code : codes) {
      ASSIGN_OR_RETURN(auto item, digitize_.Get(code));
      if (!item || item->done()) continue;
      auto current = holdings_->Decide(code, Audience::kPeer);
      if (!current.ok() || CatalogOnly(current->record.record())) continue;  // not yet digitized after all
      std::vector<KeyWrite> writes = {DigitizeQueue::Done(*item, now)};
      std::vector<std::string> moved;
      for (const std::string& id : item->requests()) {
        auto stored = book_->Read(id);
        if (!stored.ok() || !stored->back_office() || Closed(stored->state())) continue;
        auto* d = stored->mutable_digitizing();
        d->erase(std::remove(d->begin(), d->end(), code), d->end());
        writes.push_back({Family::kRequests, id, stored->SerializeAsString()});
        moved.push_back(id);
        if (d->empty()) ready.emplace_back(id, stored->state());
      }
      RETURN_IF_ERROR(store_->Write(writes, {"policy:digitize", "digitize.done", code,
                                             absl::StrCat("ok: requests waiting: ", moved.empty() ? "none" : absl::StrJoin(moved, ", "))}));
    }
  }
  for (const auto& [id, state] : ready) {
    // The request goes through the first look again: issued at once where the policy allows,
    // else back to the clerk (in review), the front desk told either way.
    {
      absl::MutexLock lock(&mu_);
      ASSIGN_OR_RETURN(v1::StoredRequest stored, book_->Read(id));
      if (stored.state() != state || issuing_.contains(id)) continue;
      // Noted here only: the front desk hears the answer (an extension is announced once).
      RETURN_IF_ERROR(book_->Commit(&stored, state, "policy:digitize",
                                    "数字化完成 digitized: the request moves on", false));
    }
    RETURN_IF_ERROR(FirstLook(id, state));
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::StoredRequest> BackOffice::Authorize(const v1::AuthorizeCommand& command, const std::string& actor) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(v1::StoredRequest stored, LoadOpen(command.request_id(), "decides on its authorization"));
  if (!HasAuthorization(stored.request())) {
    return absl::FailedPreconditionError(absl::StrCat("request ", command.request_id(), " carries no authorization (授权)"));
  }
  if (!command.accept() && command.reason().empty()) {
    return absl::InvalidArgumentError("refusing an authorization needs --reason (the front desk sees it)");
  }
  v1::AuthorizationCheck* check = stored.mutable_authorization_check();
  check->set_accepted(command.accept());
  check->set_by(actor);
  check->set_at_micros(clock_->NowMicros());
  check->set_reason(command.reason());
  const std::string what = absl::StrCat(command.accept() ? "authorization accepted (授权已核验): " : "authorization refused (授权不予认可): ",
                                        DescribeAuthorization(stored.request().authorization()),
                                        command.reason().empty() ? "" : absl::StrCat("; ", command.reason()));
  RETURN_IF_ERROR(book_->Commit(&stored, stored.state(), actor, what, false));
  // Records the authorization opens that are held only on paper go to be digitized now.
  if (command.accept()) {
    const auto& codes = stored.request().authorization().record_codes().empty()
                            ? stored.request().record_codes()
                            : stored.request().authorization().record_codes();
    RETURN_IF_ERROR(QueuePaper(&stored, {codes.begin(), codes.end()}).status());
  }
  return Slim(stored);
}

absl::StatusOr<v1::DigitizeQueueList> BackOffice::Queue(const v1::DigitizeQueueRequest& request, const std::string& actor) {
  v1::DigitizeQueueList out;
  {
    absl::MutexLock lock(&mu_);
    ASSIGN_OR_RETURN(auto items, digitize_.List(request.include_done(), request.limit() == 0 ? 100 : std::min(request.limit(), 10000u)));
    for (auto& item : items) *out.add_items() = std::move(item);
  }
  RETURN_IF_ERROR(store_->Audit({actor, "digitize.queue", "", absl::StrCat("ok: ", out.items_size(), " items")}));
  return out;
}

absl::StatusOr<v1::ExplainResponse> BackOffice::Explain(const v1::ExplainRequest& request, const std::string& actor) {
  v1::ExplainResponse out;
  out.set_code(request.code());
  std::vector<std::pair<Audience, std::string>> asked;  // audience, the authorization it rests on
  if (request.person()) {
    asked.emplace_back(Audience::kPerson, "");
  } else if (!request.for_archive().empty()) {
    asked.emplace_back(Audience::kPeer, "");
    // An open request from that archive whose accepted authorization covers the record.
    v1::ListRequestsRequest list;
    list.set_side("back");
    list.set_limit(100000);
    ASSIGN_OR_RETURN(const auto requests, book_->List(list));
    const std::string today = DayString(DayOf(clock_->NowMicros()));
    for (const auto& listed : requests.requests()) {
      if (listed.request().from_archive() != request.for_archive() || Closed(listed.state())) continue;
      ASSIGN_OR_RETURN(const v1::StoredRequest stored, book_->Read(listed.request().request_id()));
      if (AuthorizationCovers(stored, request.code(), today).ok()) {
        asked.emplace_back(Audience::kAuthorized, absl::StrCat("request ", stored.request().request_id(), ": ",
                                                               DescribeAuthorization(stored.request().authorization())));
        break;
      }
    }
  } else {
    asked = {{Audience::kPeer, ""}, {Audience::kAuthorized, "(any requester with an accepted authorization)"},
             {Audience::kPerson, ""}};
  }
  for (const auto& [audience, authorization] : asked) {
    auto view = holdings_->Decide(request.code(), audience);
    if (!view.ok()) {
      (void)store_->Audit({actor, "policy.explain", request.code(), absl::StrCat("failed: ", view.status().message())});
      return view.status();
    }
    out.set_title(view->record.record().title());
    v1::AudienceDecision* d = out.add_decisions();
    d->set_audience(AudienceName(audience));
    d->set_for_archive(request.for_archive());
    d->set_list(view->decision.list);
    d->set_text(view->decision.text);
    d->set_refusal(view->decision.refusal);
    d->set_authorization(authorization);
    for (const auto& rule : view->decision.rules) {
      v1::PolicyRuleView* v = d->add_rules();
      v->set_rule(rule.id);
      v->set_finding(rule.finding);
      v->set_effect(rule.effect);
    }
  }
  RETURN_IF_ERROR(store_->Audit({actor, "policy.explain", request.code(), "ok"}));
  return out;
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
      RETURN_IF_ERROR(CheckCertifiable(&snapshot, {command.record_codes().begin(), command.record_codes().end()}));
      snapshot.clear_prepared_records();
      for (const std::string& code : command.record_codes()) snapshot.add_prepared_records(code);
      snapshot.set_prepared_by(actor);
      RETURN_IF_ERROR(book_->Commit(&snapshot, snapshot.state(), actor,
                                    absl::StrCat("prepared to certify ", absl::StrJoin(command.record_codes(), ", "),
                                                 "; awaiting the approver (dual approval, 双人审批)"),
                                    false));
      return Slim(snapshot);
    }
    RETURN_IF_ERROR(CheckCertifiable(&snapshot, {command.record_codes().begin(), command.record_codes().end()}));
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
    RETURN_IF_ERROR(CheckCertifiable(&snapshot, {snapshot.prepared_records().begin(), snapshot.prepared_records().end()}));
    issuing_.insert(request_id);
  }
  return IssueMarked(snapshot, {snapshot.prepared_records().begin(), snapshot.prepared_records().end()},
                     snapshot.prepared_by(), actor);
}

absl::StatusOr<v1::StoredRequest> BackOffice::IssueMarked(const v1::StoredRequest& snapshot,
                                                          const std::vector<std::string>& codes,
                                                          const std::string& actor, const std::string& approver) {
  const std::string& request_id = snapshot.request().request_id();
  absl::StatusOr<IssuedDocument> doc;
  std::vector<CertificateIssuer::Certified> certified;
  for (const std::string& code : codes) {
    auto c = MayCertify(snapshot, code);
    if (!c.ok()) {
      doc = c.status();
      break;
    }
    certified.push_back({code, c->audience});
  }
  if (certified.size() == codes.size()) doc = issuer_->Issue(snapshot, certified, actor, approver);
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
