// Remote requests at both ends (就地受理、远程查询、异地出证). At the front desk: a clerk files a
// request for a person (identity number checked, hashed and masked: the number is never kept);
// it is stored and, in the same write, queued in the outbox. At the back office: a request is
// received idempotently (a replayed id with other content is refused), searched at once (not
// found at once when nothing here concerns the person, refused without saying why when a named
// record may not be shared), then reviewed and answered by a clerk — issue, not found, refuse,
// extend once — or issued at once by the auto-issue policy when unconditionally shared records
// name the person exactly. Every state change is one write with its audit entry and the outbox
// message that carries it to the other end; the outbox delivers in order per archive over mutual
// TLS, retrying with backoff, across restarts of either node, so both ends agree. The front desk
// verifies a certificate before taking it (delivered) and tells the back office.
// Deadlines: 3 working days from the day after receipt, one extension of 3 (working_days.h).
// Thread-safe: changes are serialized by mu_; the outbox runs on its own thread.
#pragma once

#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "federation/certs.h"
#include "kuaguan/v1/desk.pb.h"
#include "kuaguan/v1/federation.pb.h"
#include "node/certificate_issuer.h"
#include "node/holdings.h"
#include "node/peer_link.h"
#include "node/store.h"

namespace kuaguan::node {

struct RequestPolicy {
  bool auto_issue = false;  // issue unconditionally shared records that name the person exactly
};

class RemoteRequests {
 public:
  // All must outlive this object.
  RemoteRequests(std::string archive, std::string name, RequestPolicy policy, Store* store, Holdings* holdings,
                 PeerLink* link);
  ~RemoteRequests();

  // Starts the outbox thread (delivers what a previous run left, then new messages).
  void Start();

  // Front desk. INVALID_ARGUMENT naming the bad field (identity number, attachment, category);
  // NOT_FOUND for a target that is no member; ALREADY_EXISTS for a reused id with other content.
  absl::StatusOr<kuaguan::v1::StoredRequest> File(const kuaguan::v1::FileRequestRequest& request,
                                                  const federation::StaffInfo& clerk);
  absl::StatusOr<kuaguan::v1::RequestList> List(const kuaguan::v1::ListRequestsRequest& request);
  // NOT_FOUND when there is no such request. Attachments and PDF left out unless `full`.
  absl::StatusOr<kuaguan::v1::StoredRequest> Get(const std::string& request_id, bool full = false);
  // The certificate of a delivered (or issued) request with what verifies it.
  absl::StatusOr<kuaguan::v1::CertificateFile> Fetch(const std::string& request_id, const std::string& actor);
  // A printable receipt (回执) for the person.
  absl::StatusOr<std::string> Receipt(const std::string& request_id);

  // Peer calls (the caller's archive already checked against the directory as `from`).
  absl::StatusOr<kuaguan::v1::SubmitResponse> Receive(const kuaguan::v1::RemoteRequest& request, const std::string& from);
  absl::StatusOr<kuaguan::v1::UpdateAck> ApplyUpdate(const kuaguan::v1::RequestUpdate& update, const std::string& from);
  absl::StatusOr<kuaguan::v1::CertificateStatus> CertificateState(const kuaguan::v1::CertificateQuery& query);

  // Back office.
  absl::StatusOr<kuaguan::v1::RequestDetail> Show(const std::string& request_id, const std::string& actor);
  absl::StatusOr<kuaguan::v1::StoredRequest> Issue(const kuaguan::v1::IssueCommand& command, const std::string& actor);
  // NOT_FOUND, REFUSED (a reason required) or EXTENDED (once, a reason required).
  absl::StatusOr<kuaguan::v1::StoredRequest> Decide(const kuaguan::v1::DecisionCommand& command, const std::string& actor);
  absl::StatusOr<kuaguan::v1::RequestList> Overdue(const std::string& as_of);
  // Marks a certificate this archive issued as revoked (a reason required); online verification
  // then reports it. NOT_FOUND for a serial not issued here, FAILED_PRECONDITION when revoked.
  absl::StatusOr<kuaguan::v1::IssuedCertificate> RevokeCertificate(const std::string& serial, const std::string& reason,
                                                                   const std::string& actor);
  absl::StatusOr<kuaguan::v1::RequestStats> Stats();
  // Verifies a certificate file against the cached directory; `online` also asks its issuer.
  absl::StatusOr<kuaguan::v1::VerifyResult> Verify(const std::string& pdf, bool online, const std::string& actor);
  // The cached directory's trust material (FAILED_PRECONDITION before enrollment).
  absl::StatusOr<kuaguan::v1::TrustBundle> Trust();

 private:
  // Load: for a change (under mu_). Read: a reader's consistent view of one request (each is one key).
  absl::StatusOr<kuaguan::v1::StoredRequest> Load(const std::string& request_id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<kuaguan::v1::StoredRequest> Read(const std::string& request_id);
  // Appends `change` (state and reason) and writes the request, `extra` and, when `notify`, an
  // outbox message to the other end carrying the change, with one audit entry.
  absl::Status Change(kuaguan::v1::StoredRequest* stored, kuaguan::v1::RequestState state, const std::string& actor,
                      const std::string& reason, bool notify, std::vector<KeyWrite> extra = {})
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  KeyWrite Enqueue(const std::string& target, kuaguan::v1::OutboxItem item) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The back office's first look: not found, refused, auto-issued, or in review.
  absl::Status Triage(kuaguan::v1::StoredRequest* stored) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status IssueLocked(kuaguan::v1::StoredRequest* stored, const std::vector<std::string>& codes,
                           const std::string& actor) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<std::vector<kuaguan::v1::SearchHit>> Candidates(const kuaguan::v1::RemoteRequest& request);

  void RunOutbox();
  // Delivers one message; OK when the other end acknowledged it.
  absl::Status Deliver(const kuaguan::v1::OutboxItem& item);

  // Constant after construction.
  const std::string archive_, name_;
  const RequestPolicy policy_;
  Store* const store_;
  Holdings* const holdings_;
  PeerLink* const link_;
  CertificateIssuer issuer_;

  absl::Mutex mu_;
  uint64_t outbox_seq_ ABSL_GUARDED_BY(mu_) = 0;

  absl::Mutex wake_mu_;
  bool wake_ ABSL_GUARDED_BY(wake_mu_) = false;
  bool stop_ ABSL_GUARDED_BY(wake_mu_) = false;
  std::thread outbox_;
};

}  // namespace kuaguan::node
