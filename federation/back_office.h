// The back office (远程查询、异地出证): requests about records held here arrive from other
// archives' front desks. A request is received idempotently (a replayed id with other content is
// refused) and gets its first look at once: not found when nothing here concerns the person,
// issued at once by the auto-issue policy when unconditionally shared records name the person
// exactly, else left for a clerk to review: the requester hears the same "in review" whether a
// record is absent or may not be shared (what was found is a note for the clerk only). Fields are
// bounded, attachments checked as at the front desk, and each member has a daily quota. A clerk then issues, answers not found, refuses, or extends once. Deadlines
// are 3 working days from the day after receipt (working_days.h), extended once by 3.
// Thread-safe: changes are serialized by mu_; certificates are rendered and sealed outside it
// (a request being issued is marked, so that nothing else changes it meanwhile).
#pragma once

#include <set>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "base/clock.h"
#include "federation/certificate_issuer.h"
#include "federation/digitize_queue.h"
#include "federation/holdings_view.h"
#include "federation/request_book.h"
#include "federation/state_store.h"
#include "kuaguan/v1/desk.pb.h"
#include "kuaguan/v1/federation.pb.h"

namespace kuaguan::federation {

struct RequestPolicy {
  bool auto_issue = false;  // issue unconditionally shared records that name the person exactly
  bool dual_approval = false;  // a clerk prepares issuing, a different person (the approver) approves
  // What one member may file here in one (Beijing) day: requests, and attachment bytes.
  uint64_t daily_requests_per_member = 500;
  uint64_t daily_attachment_bytes_per_member = 512ull << 20;
};

class BackOffice {
 public:
  // All must outlive this object. `archive` is this archive's code.
  BackOffice(std::string archive, RequestPolicy policy, RequestBook* book, StateStore* store,
             HoldingsView* holdings, CertificateIssuer* issuer, const base::Clock* clock)
      : archive_(std::move(archive)),
        policy_(policy),
        book_(book),
        store_(store),
        holdings_(holdings),
        issuer_(issuer),
        clock_(clock),
        digitize_(store) {}

  // A request from archive `from` (checked against the directory already). PERMISSION_DENIED
  // when it files for another archive; INVALID_ARGUMENT for another target, a foreign request id,
  // a bad field or attachment; RESOURCE_EXHAUSTED past the daily quota; ALREADY_EXISTS for a replayed id with other content. A replay
  // with the same content answers the request as it stands.
  absl::StatusOr<kuaguan::v1::SubmitResponse> Receive(const kuaguan::v1::RemoteRequest& request,
                                                      const std::string& from)
      ABSL_LOCKS_EXCLUDED(mu_);
  // An update from the front desk that filed the request: only delivery of an issued
  // certificate, recorded with the sender and the time of receipt (FAILED_PRECONDITION, audited,
  // for anything else). NOT_FOUND alike for an unknown request and one not filed by `from`.
  absl::StatusOr<kuaguan::v1::UpdateAck> ApplyUpdate(const kuaguan::v1::RequestUpdate& update,
                                                     const std::string& from) ABSL_LOCKS_EXCLUDED(mu_);
  // Whether this archive issued certificate `query.serial()`, whether the file matches, whether
  // it is revoked. Audited with the asking archive.
  absl::StatusOr<kuaguan::v1::CertificateStatus> CertificateState(
      const kuaguan::v1::CertificateQuery& query);

  // A request with, while it is open, the candidate records found here. Audited with `actor`.
  absl::StatusOr<kuaguan::v1::RequestDetail> Show(const std::string& request_id,
                                                  const std::string& actor);
  // Under dual approval, prepares issuing the named records (kept on the request for the
  // approver) instead. Otherwise issues the certificate for the named records.
  // FAILED_PRECONDITION when the request was filed
  // here, is closed or is being issued, or a record may not be certified.
  absl::StatusOr<kuaguan::v1::StoredRequest> Issue(const kuaguan::v1::IssueCommand& command,
                                                   const std::string& actor) ABSL_LOCKS_EXCLUDED(mu_);
  // NOT_FOUND, REFUSED (a reason required) or EXTENDED (once, a reason required).
  // INVALID_ARGUMENT for another decision or a missing reason; FAILED_PRECONDITION as for Issue.
  absl::StatusOr<kuaguan::v1::StoredRequest> Decide(const kuaguan::v1::DecisionCommand& command,
                                                    const std::string& actor) ABSL_LOCKS_EXCLUDED(mu_);
  // Marks a certificate this archive issued as revoked (a reason required). NOT_FOUND for a
  // serial not issued here, FAILED_PRECONDITION when already revoked.
  // Dual approval: issues what a clerk prepared, naming both. FAILED_PRECONDITION when nothing is
  // prepared or the node does not use dual approval; PERMISSION_DENIED when `actor` is the person
  // who prepared it.
  absl::StatusOr<kuaguan::v1::StoredRequest> Approve(const std::string& request_id, const std::string& actor);
  absl::StatusOr<kuaguan::v1::IssuedCertificate> RevokeCertificate(const std::string& serial,
                                                                   const std::string& reason,
                                                                   const std::string& actor)
      ABSL_LOCKS_EXCLUDED(mu_);

  // The clerk's decision on the authorization an open request carries (有条件共享, R3.3): accepted,
  // or refused with a reason. FAILED_PRECONDITION when the request carries none or is closed.
  absl::StatusOr<kuaguan::v1::StoredRequest> Authorize(const kuaguan::v1::AuthorizeCommand& command,
                                                       const std::string& actor) ABSL_LOCKS_EXCLUDED(mu_);

  // What an unrelated peer, archive `for_archive` (with an accepted authorization on one of its
  // open requests, if any) or the person may receive of record `code`, and why (policy explain).
  absl::StatusOr<kuaguan::v1::ExplainResponse> Explain(const kuaguan::v1::ExplainRequest& request,
                                                       const std::string& actor);

  // The digitization queue, most demanded first (R3.6). Audited with `actor`.
  absl::StatusOr<kuaguan::v1::DigitizeQueueList> Queue(const kuaguan::v1::DigitizeQueueRequest& request,
                                                   const std::string& actor);
  // Records `codes` were ingested and their batch accepted: their queue items are done, and the
  // requests that waited only for them move on by themselves (issued at once under auto-issue,
  // else back to the clerk in review, the front desk told).
  absl::Status Digitized(const std::vector<std::string>& codes) ABSL_LOCKS_EXCLUDED(mu_);

 private:
  // What the share policy says of record `code` for this request's requester: the person when
  // the record names them, an accepted authorization covering it, else an unrelated peer.
  struct Certifiability {
    bool exists = false;
    bool names_person = false;
    bool allowed = false;          // some audience may receive its text (a certificate)
    bool open_to_any = false;      // an unrelated peer may (what auto-issue needs)
    Audience audience = Audience::kPeer;  // the one that allows it
    bool catalog_only = false;     // held only as a catalog entry: needs digitizing first
    kuaguan::v1::LivelihoodCategory category = kuaguan::v1::LIVELIHOOD_NONE;
    std::string title;
    std::string refusal;
  };
  absl::StatusOr<Certifiability> MayCertify(const kuaguan::v1::StoredRequest& stored, const std::string& code);
  // Puts those of `codes` that the requester may receive but that are held only on paper on the
  // digitization queue for the request (QueueForDigitizing), unless they wait already; returns them.
  // With `assessed`, also gives what the policy said of each of `codes`, in order.
  absl::StatusOr<std::vector<std::string>> QueuePaper(kuaguan::v1::StoredRequest* stored,
                                                      const std::vector<std::string>& codes,
                                                      std::vector<Certifiability>* assessed = nullptr)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // OK when every one of `codes` may be certified for the request now, else FAILED_PRECONDITION
  // naming the record and the rule (records on paper are queued first: QueuePaper).
  absl::Status CheckCertifiable(kuaguan::v1::StoredRequest* stored, const std::vector<std::string>& codes)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The first look: commits not found, refused or in review, or returns the records to issue at
  // once (auto-issue).
  absl::StatusOr<std::vector<std::string>> Triage(kuaguan::v1::StoredRequest* stored)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Records here that name the requested person by identity hash, and with `by_name` (the
  // clerk's view) those that match the name in the request's category.
  absl::StatusOr<std::vector<kuaguan::v1::SearchHit>> Candidates(const kuaguan::v1::RemoteRequest& request,
                                                                 bool by_name);
  // Puts the catalog-only records `codes` on the digitization queue for the request and extends
  // it (once) with "being digitized" and the expected date, the front desk told.
  absl::Status QueueForDigitizing(kuaguan::v1::StoredRequest* stored,
                                  const std::vector<std::pair<std::string, std::string>>& codes_titles)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The first look at request `id` while it is in state `expected` and not being issued and,
  // when it finds records to issue at once, issuing them (Receive, Digitized).
  absl::Status FirstLook(const std::string& id, kuaguan::v1::RequestState expected) ABSL_LOCKS_EXCLUDED(mu_);
  // The write that counts `request` against its archive's daily quota, or RESOURCE_EXHAUSTED
  // (audited) when the quota is used.
  absl::StatusOr<KeyWrite> CountAgainstQuota(const kuaguan::v1::RemoteRequest& request, const std::string& from)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The open back-office request `request_id`, or why it may not change now.
  absl::StatusOr<kuaguan::v1::StoredRequest> LoadOpen(const std::string& request_id,
                                                      absl::string_view verb)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Issues `codes` for the request of `snapshot`, which the caller marked in issuing_ under mu_:
  // renders and seals outside mu_, then unmarks it and commits the issue under mu_ (unless the
  // request was closed meanwhile: FAILED_PRECONDITION). `approver`: under dual approval.
  absl::StatusOr<kuaguan::v1::StoredRequest> IssueMarked(const kuaguan::v1::StoredRequest& snapshot,
                                                         const std::vector<std::string>& codes,
                                                         const std::string& actor, const std::string& approver = "")
      ABSL_LOCKS_EXCLUDED(mu_);

  // Constant after construction.
  const std::string archive_;
  const RequestPolicy policy_;
  RequestBook* const book_;
  StateStore* const store_;
  HoldingsView* const holdings_;
  CertificateIssuer* const issuer_;
  const base::Clock* const clock_;

  absl::Mutex mu_;
  DigitizeQueue digitize_ ABSL_GUARDED_BY(mu_);
  std::set<std::string> issuing_ ABSL_GUARDED_BY(mu_);  // requests whose certificate is being made
};

}  // namespace kuaguan::federation
