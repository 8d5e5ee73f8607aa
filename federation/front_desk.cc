#include "federation/front_desk.h"

#include "federation/authorization.h"

#include <algorithm>

#include <botan/auto_rng.h>

#include "absl/strings/str_cat.h"
#include "base/actor.h"
#include "absl/strings/str_join.h"
#include "base/printable.h"
#include "base/status_macros.h"
#include "federation/working_days.h"
#include "federation/request_rules.h"
#include "federation/transparency_log.h"
#include "proto/record_fields.h"
#include "ingest/identity_number.h"
#include "seal/digest.h"
#include "seal/keyed_hash.h"
#include "seal/sealed_certificate.h"

namespace kuaguan::federation {
namespace v1 = kuaguan::v1;

namespace {

std::string NewRequestId(const std::string& archive, absl::Time now) {
  Botan::AutoSeeded_RNG rng;
  const auto r = rng.random_vec(5);
  return absl::StrCat(archive, "-", absl::FormatTime("%Y%m%d", now, Beijing()), "-",
                      seal::ToHex(std::string(r.begin(), r.end())));
}

// An identity number as errors (and so audit entries) may show it: the first 6 and last 4
// characters, the rest '*'; wholly masked when short or not plain ASCII.
std::string ShownMasked(const std::string& number) {
  const bool ascii = std::all_of(number.begin(), number.end(), [](char c) { return c > 0x20 && c < 0x7f; });
  if (!ascii || number.size() < 11) return std::string(std::min<size_t>(number.size(), 18), '*');
  return absl::StrCat(number.substr(0, 6), std::string(number.size() - 10, '*'), number.substr(number.size() - 4));
}

// The checks of a filing that need no state: INVALID_ARGUMENT naming the field.
absl::Status CheckFiling(const v1::FileRequestRequest& in, absl::Time now) {
  if (in.person_name().empty()) return absl::InvalidArgumentError("--name: the person's name is required");
  const auto id = ingest::ParseIdentityNumber(in.id_number());
  if (!id) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--id-number \"", ShownMasked(in.id_number()), "\" is not an identity number (18 characters, a real birth date)"));
  }
  if (!id->check_ok && !id->old_form) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--id-number ", ShownMasked(in.id_number()), ": the check character is wrong (mistyped digit?)"));
  }
  if (id->normalized.substr(6, 8) > absl::FormatTime("%Y%m%d", now, Beijing())) {
    return absl::InvalidArgumentError(
        absl::StrCat("--id-number ", ShownMasked(in.id_number()), ": the birth date is in the future"));
  }
  if (in.purpose().empty()) return absl::InvalidArgumentError("--purpose: the purpose of the request is required");
  if (in.category().empty()) return absl::InvalidArgumentError("--category is required (e.g. 婚姻登记 or marriage)");
  if (auto category = proto::ParseLivelihood(in.category()); !category.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("--category: ", category.status().message()));
  }
  RETURN_IF_ERROR(CheckAttachments(in.attachments()));
  if (in.has_authorization()) {
    if (in.authorization().ByteSizeLong() == 0) return absl::InvalidArgumentError("authorization: empty");
    RETURN_IF_ERROR(CheckAuthorizationForm(in.authorization()));
  }
  if (in.target().empty() == in.find().empty()) {
    return absl::InvalidArgumentError("give either --target CODE or --find QUERY");
  }
  return absl::OkStatus();
}

}  // namespace

FrontDesk::FrontDesk(std::string archive, std::string name, RequestBook* book, StateStore* store,
                     Membership* members, FederatedSearch* search, const base::Clock* clock)
    : archive_(std::move(archive)),
      name_(std::move(name)),
      book_(book),
      store_(store),
      members_(members),
      search_(search),
      clock_(clock) {}

absl::StatusOr<v1::StoredRequest> FrontDesk::File(const v1::FileRequestRequest& in,
                                                  const seal::StaffInfo& clerk) {
  const std::string actor =
      base::Actor{clerk.name, clerk.role, absl::StrCat("certificate:", clerk.cert.serial_hex)}.ToString();
  if (clerk.role != "front-desk") {
    return absl::PermissionDeniedError(
        absl::StrCat("filing requests is front-desk work; this certificate is for a ", clerk.role));
  }
  RETURN_IF_ERROR(CheckFiling(in, clock_->Now()));
  ASSIGN_OR_RETURN(const Target target, Resolve(in, actor));
  v1::StoredRequest stored;
  v1::RemoteRequest* r = stored.mutable_request();
  ASSIGN_OR_RETURN(*r, Compose(in, clerk, target));
  absl::MutexLock lock(&mu_);
  if (!in.request_id().empty()) {
    auto existing = book_->Read(in.request_id());
    if (existing.ok()) {
      v1::RemoteRequest same = *r;
      same.set_request_id(in.request_id());
      same.set_filed_micros(existing->request().filed_micros());
      if (seal::Sm3(seal::SerializeDeterministic(same)) != existing->content_sm3()) {
        return absl::AlreadyExistsError(
            absl::StrCat("request ", in.request_id(), " was filed with other content"));
      }
      return *existing;
    }
    if (existing.status().code() != absl::StatusCode::kNotFound) return existing.status();
    if (in.request_id().rfind(archive_ + "-", 0) != 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("a request id must begin with this archive's code ", archive_));
    }
    r->set_request_id(in.request_id());
  } else {
    r->set_request_id(NewRequestId(archive_, clock_->Now()));
  }
  r->set_filed_micros(clock_->NowMicros());
  stored.set_content_sm3(seal::Sm3(seal::SerializeDeterministic(*r)));
  Outbox::Message submit{target.code, {}};
  *submit.item.mutable_submit() = *r;
  RETURN_IF_ERROR(book_->Commit(&stored, v1::REQUEST_STATE_FILED, actor,
                                absl::StrCat("for ", target.code, " ", target.name), false, {},
                                {std::move(submit)}));
  return Slim(stored);
}

absl::StatusOr<FrontDesk::Target> FrontDesk::Resolve(const v1::FileRequestRequest& in,
                                                     const std::string& actor) {
  Target t{in.target(), "", {in.record_codes().begin(), in.record_codes().end()}};
  if (!in.find().empty()) {
    v1::SearchRequest sr;
    sr.set_query(in.find());
    sr.set_limit(5);
    ASSIGN_OR_RETURN(auto found, search_->Search(sr, actor));
    if (found.hits().empty()) {
      return absl::NotFoundError(
          absl::StrCat("no archive of the federation shares a record matching \"", in.find(), "\""));
    }
    t.code = found.hits(0).archive();
    if (t.records.empty()) t.records.push_back(found.hits(0).code());
  }
  if (t.code == archive_) {
    return absl::InvalidArgumentError("the target is this archive: serve the person from local holdings");
  }
  t.name = members_->MemberName(t.code);
  if (t.name.empty()) {
    return absl::NotFoundError(absl::StrCat("archive ", t.code, " is not a member of the federation"));
  }
  return t;
}

absl::StatusOr<v1::RemoteRequest> FrontDesk::Compose(const v1::FileRequestRequest& in,
                                                     const seal::StaffInfo& clerk,
                                                     const Target& target) {
  const auto id = ingest::ParseIdentityNumber(in.id_number());
  if (!id) return absl::InvalidArgumentError("--id-number is not an identity number");
  ASSIGN_OR_RETURN(const v1::LivelihoodCategory category, proto::ParseLivelihood(in.category()));
  ASSIGN_OR_RETURN(const std::string key, store_->PersonKey());
  v1::RemoteRequest r;
  r.set_from_archive(archive_);
  r.set_from_name(name_);
  r.set_target_archive(target.code);
  r.set_person_name(in.person_name());
  r.set_person_id_masked(ShownMasked(id->normalized));
  r.set_person_hash(seal::PersonKeyedHash(key, id->normalized));
  r.set_category(category);
  r.set_purpose(in.purpose());
  for (const auto& c : target.records) r.add_record_codes(c);
  r.set_query(in.find());
  for (auto a : in.attachments()) {
    a.set_sm3(seal::Sm3(a.data()));
    *r.add_attachments() = std::move(a);
  }
  if (in.has_authorization()) {
    *r.mutable_authorization() = in.authorization();
    r.mutable_authorization()->mutable_document()->set_sm3(seal::Sm3(in.authorization().document().data()));
  }
  r.set_filed_by(clerk.name);
  return r;
}

absl::StatusOr<v1::CertificateFile> FrontDesk::Fetch(const std::string& request_id,
                                                     const std::string& actor) {
  ASSIGN_OR_RETURN(auto r, book_->Get(request_id, true));
  if (r.certificate().pdf().empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "request ", request_id, " has no certificate (it is ", StateName(r.state()), ")"));
  }
  v1::CertificateFile f;
  f.set_request_id(request_id);
  f.set_serial(r.certificate().serial());
  f.set_pdf(r.certificate().pdf());
  *f.mutable_trust() = members_->Trust();
  RETURN_IF_ERROR(store_->Audit(
      {actor, "request.fetch", request_id, absl::StrCat("ok: ", r.certificate().serial())}));
  return f;
}

absl::StatusOr<std::string> FrontDesk::Receipt(const std::string& request_id) {
  ASSIGN_OR_RETURN(auto s, book_->Get(request_id));
  const v1::RemoteRequest& r = s.request();
  std::string t = absl::StrCat("档案查询受理回执 / Request receipt\n", std::string(40, '='), "\n");
  absl::StrAppend(&t, "受理编号 Request id:        ", r.request_id(), "\n");
  absl::StrAppend(&t, "受理单位 Accepted at:       ", r.from_name(), " (", r.from_archive(), ")\n");
  absl::StrAppend(&t, "查询单位 Holding archive:   ", members_->MemberName(r.target_archive()), " (",
                  r.target_archive(), ")\n");
  absl::StrAppend(&t, "当事人 Person:              ", r.person_name(), " (", r.person_id_masked(), ")\n");
  absl::StrAppend(&t, "查档类别 Category:          ", proto::LivelihoodLabel(r.category()), "\n");
  absl::StrAppend(&t, "用途 Purpose:               ", r.purpose(), "\n");
  if (r.record_codes_size() > 0) {
    absl::StrAppend(&t, "档号 Records:               ", absl::StrJoin(r.record_codes(), ", "), "\n");
  }
  absl::StrAppend(&t, "受理时间 Filed:             ",
                  absl::FormatTime("%Y-%m-%d %H:%M", absl::FromUnixMicros(r.filed_micros()), Beijing()),
                  "\n");
  absl::StrAppend(&t, "受理人 Clerk:               ", r.filed_by(), "\n");
  absl::StrAppend(&t, "状态 State:                 ", StateName(s.state()), "\n");
  if (!s.due_date().empty()) absl::StrAppend(&t, "答复期限 Answer due by:     ", s.due_date(), "\n");
  if (!s.extension_reason().empty()) {
    absl::StrAppend(&t, "延期理由 Extended because:  ", s.extension_reason(), "\n");
  }
  absl::StrAppend(&t, std::string(40, '-'), "\n",
                  "馆际查档免费办理，自对方馆收到之日起3个工作日内答复（可延长3个工作日）。\n"
                  "The service is free. The holding archive answers within 3 working days of receipt "
                  "(one extension of 3 working days, with the reason given).\n");
  return t;
}

absl::StatusOr<bool> FrontDesk::TakeReported(v1::StoredRequest* stored, const v1::StateChange& change,
                                              const std::string& from) {
  const std::string& id = stored->request().request_id();
  if (!BackOfficeReports(change.state())) {
    return absl::FailedPreconditionError(absl::StrCat("archive ", from, " may not report ",
                                                      StateName(change.state()), " for request ", id));
  }
  if (HasReported(*stored, change, from)) return false;
  const v1::RequestState answered = AnswerFrom(*stored, from);
  // A certificate that did not verify may be sent again; any other second answer is refused.
  const bool reissue = answered == v1::REQUEST_STATE_ISSUED && change.state() == v1::REQUEST_STATE_ISSUED &&
                       stored->certificate().pdf().empty() && stored->state() != v1::REQUEST_STATE_DELIVERED;
  if (Closed(change.state()) && answered != v1::REQUEST_STATE_UNSPECIFIED && !reissue) {
    return absl::FailedPreconditionError(absl::StrCat("request ", id, " was already answered ",
                                                      StateName(answered), " by ", from));
  }
  if (change.state() == v1::REQUEST_STATE_EXTENDED) {
    absl::CivilDay due;
    if (answered == v1::REQUEST_STATE_UNSPECIFIED && stored->extension_reason().empty() && stored->due_date().empty()) {
      // The extension raced the answer to our submit, which brings the due date: the sender's
      // outbox tries again (a first look may extend at once, for a record being digitized).
      return absl::UnavailableError(absl::StrCat("request ", id, " is not yet received here; try again"));
    }
    if (answered != v1::REQUEST_STATE_UNSPECIFIED || !stored->extension_reason().empty() ||
        !absl::ParseCivilTime(stored->due_date(), &due)) {
      return absl::FailedPreconditionError(absl::StrCat(
          "request ", id, " may be extended once, before it is answered and after it was received"));
    }
    // The one extension: 3 more working days, counted here; the sender's dates are not taken.
    stored->set_due_date(DayString(WorkingCalendar::BuiltIn().AddWorkingDays(due, kDeadlineDays).due));
    const std::string reason = base::Printable(change.reason(), 1024);
    stored->set_extension_reason(reason.empty() ? "(no reason given)" : reason);
  }
  Merge(stored, Reported(change, from, clock_->NowMicros()));
  return true;
}

absl::StatusOr<v1::UpdateAck> FrontDesk::ApplyUpdate(const v1::RequestUpdate& update,
                                                     const std::string& from) {
  absl::MutexLock lock(&mu_);
  auto read = book_->Read(update.request_id());
  if (!read.ok() && read.status().code() != absl::StatusCode::kNotFound) return read.status();
  if (!read.ok() || read->back_office() || from != read->request().target_archive()) {
    return NoSuchRequest(update.request_id(), from);
  }
  v1::StoredRequest stored = *std::move(read);
  const v1::RemoteRequest& r = stored.request();
  const v1::StateChange& change = update.change();
  v1::UpdateAck ack;
  if (update.state() != change.state()) {
    return absl::InvalidArgumentError("the update's state and its change's state differ");
  }
  const bool repeat = HasReported(stored, change, from);
  // We may know of the issue already (from the submit's answer) but not hold the certificate.
  const bool brings_certificate = change.state() == v1::REQUEST_STATE_ISSUED &&
                                  stored.certificate().pdf().empty() &&
                                  !update.certificate().pdf().empty();
  if (repeat && !brings_certificate) {
    ack.set_state(stored.state());
    return ack;
  }
  if (!repeat) {
    if (auto took = TakeReported(&stored, change, from); !took.ok()) {
      (void)store_->Audit({absl::StrCat("archive:", from), "request.update", r.request_id(),
                           absl::StrCat("refused: ", took.status().message())});
      return took.status();
    }
  }
  if (change.state() == v1::REQUEST_STATE_ISSUED) {
    *stored.mutable_certificate() = update.certificate();
    auto verified = seal::VerifySealedCertificate(update.certificate().pdf(), members_->Trust());
    if (verified.ok() && verified->content.request_id() == r.request_id() &&
        verified->content.serial() == update.certificate().serial() &&
        verified->content.issuing_archive() == from) {
      stored.clear_verify_error();
      // Its transparency-log inclusion proof is fetched and kept here too (the hub link).
      RETURN_IF_ERROR(book_->Commit(&stored, v1::REQUEST_STATE_DELIVERED, "policy:verify",
                                    absl::StrCat("certificate ", update.certificate().serial(), " verified"),
                                    true,
                                    {{Family::kMeta, absl::StrCat("ct/want/", update.certificate().serial()),
                                      LogEntryOf(update.certificate(), from).SerializeAsString()}}));
      ack.set_state(stored.state());
      return ack;
    }
    stored.mutable_certificate()->clear_pdf();  // not kept: it may be any bytes at all
    stored.set_verify_error(verified.ok() ? "the certificate is for another request or from another archive"
                                          : base::Printable(verified.status().message(), 1024));
  }
  RETURN_IF_ERROR(store_->Write(
      {{Family::kRequests, r.request_id(), stored.SerializeAsString()}},
      {absl::StrCat("archive:", from), absl::StrCat("request.", v1::RequestState_Name(change.state())),
       r.request_id(),
       stored.verify_error().empty() ? "ok" : absl::StrCat("certificate refused: ", stored.verify_error())}));
  ack.set_state(stored.state());
  return ack;
}

absl::Status FrontDesk::Submitted(const v1::OutboxItem& item, const v1::SubmitResponse& answer,
                                  KeyWrite remove) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(v1::StoredRequest stored, book_->Read(item.submit().request_id()));
  const std::string& from = item.target();
  if (stored.due_date().empty()) {
    // The day of receipt as the back office gives it, if it lies between filing and today;
    // the due date is counted here from it.
    const absl::CivilDay filed = DayOf(stored.request().filed_micros());
    const absl::CivilDay today = DayOf(clock_->NowMicros());
    absl::CivilDay received;
    if (!absl::ParseCivilTime(answer.received_date(), &received) || received < filed || received > today) {
      received = today;
    }
    stored.set_received_date(DayString(received));
    stored.set_due_date(DayString(WorkingCalendar::BuiltIn().AddWorkingDays(received, kDeadlineDays).due));
  }
  std::string refused;
  for (const auto& c : answer.history()) {
    if (c.archive() != from) continue;  // ours, or another archive's: not the sender's to report
    if (auto took = TakeReported(&stored, c, from); !took.ok()) refused = std::string(took.status().message());
  }
  return store_->Write({std::move(remove),
                        {Family::kRequests, stored.request().request_id(), stored.SerializeAsString()}},
                       {"outbox", "request.delivered", stored.request().request_id(),
                        absl::StrCat("ok: ", from, " acknowledged, now ", StateName(stored.state()),
                                     refused.empty() ? "" : absl::StrCat("; ignored: ", refused))});
}

}  // namespace kuaguan::federation
