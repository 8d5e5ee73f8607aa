// The front desk (就地受理): a clerk files a request for a person who came here, about records
// another archive holds. The identity number is checked (check character, a real birth date, not
// in the future), hashed with the federation's key and masked: the number itself is never kept
// or sent. The request is stored and queued for the holding archive in one write. The front desk
// follows the answers the back office sends, verifies a certificate before taking it (delivered)
// and tells the back office, and gives the clerk the status, the receipt (回执) and the file.
// Thread-safe: changes to requests are serialized by mu_.
#pragma once

#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "base/clock.h"
#include "federation/federated_search.h"
#include "federation/membership.h"
#include "federation/outbox.h"
#include "federation/request_book.h"
#include "federation/state_store.h"
#include "kuaguan/v1/desk.pb.h"
#include "kuaguan/v1/federation.pb.h"
#include "seal/certs.h"

namespace kuaguan::federation {

class FrontDesk {
 public:
  // All must outlive this object. `archive` and `name` are this archive's code and name.
  FrontDesk(std::string archive, std::string name, RequestBook* book, StateStore* store,
            Membership* members, FederatedSearch* search, const base::Clock* clock);

  // Files a request by `clerk` (front-desk or admin staff). INVALID_ARGUMENT naming the bad field
  // (name, identity number, purpose, category, attachment, target); PERMISSION_DENIED for other
  // roles; NOT_FOUND for a target that is no member or a --find that matches nothing;
  // ALREADY_EXISTS for a reused request id with other content (the same content returns the
  // request as it stands).
  absl::StatusOr<kuaguan::v1::StoredRequest> File(const kuaguan::v1::FileRequestRequest& request,
                                                  const seal::StaffInfo& clerk)
      ABSL_LOCKS_EXCLUDED(mu_);
  // The certificate of a delivered (or issued) request with what verifies it, audited with
  // `actor`. NOT_FOUND; FAILED_PRECONDITION when the request has no certificate.
  absl::StatusOr<kuaguan::v1::CertificateFile> Fetch(const std::string& request_id,
                                                     const std::string& actor);
  // A printable receipt (回执) for the person. NOT_FOUND when there is no such request.
  absl::StatusOr<std::string> Receipt(const std::string& request_id);

  // An update from the back office about a request filed here (`from` checked against the
  // directory already). NOT_FOUND alike for an unknown request and one `from` does not hold;
  // FAILED_PRECONDITION for what a back office may not report (see TakeReported). A certificate is verified before the request is marked
  // delivered; the bytes of one that fails are not kept, its reason is (status shows it).
  absl::StatusOr<kuaguan::v1::UpdateAck> ApplyUpdate(const kuaguan::v1::RequestUpdate& update,
                                                     const std::string& from) ABSL_LOCKS_EXCLUDED(mu_);

  // The outbox's acknowledgement of a submitted request: takes the back office's answer (its
  // history, receipt day and due date) and removes the message, in one write.
  absl::Status Submitted(const kuaguan::v1::OutboxItem& item,
                         const kuaguan::v1::SubmitResponse& answer, KeyWrite remove)
      ABSL_LOCKS_EXCLUDED(mu_);

 private:
  // Where a filing goes: the archive (named, or holding the best --find hit) and the records.
  struct Target {
    std::string code, name;
    std::vector<std::string> records;
  };
  // Takes a change the holding archive `from` reported into `stored`: false for a redelivery.
  // FAILED_PRECONDITION for a state a back office may not report, a second answer, or a second
  // extension. Archive, actor and time are the sender and now; an extension's due date is
  // counted here.
  absl::StatusOr<bool> TakeReported(kuaguan::v1::StoredRequest* stored, const kuaguan::v1::StateChange& change,
                                    const std::string& from) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // NOT_FOUND when --find matches nothing or the target is no member; INVALID_ARGUMENT for
  // this archive itself.
  absl::StatusOr<Target> Resolve(const kuaguan::v1::FileRequestRequest& request,
                                 const std::string& actor);
  // The request as it travels: the person's number hashed and masked, attachments digested.
  absl::StatusOr<kuaguan::v1::RemoteRequest> Compose(const kuaguan::v1::FileRequestRequest& request,
                                                     const seal::StaffInfo& clerk,
                                                     const Target& target);

  // Constant after construction.
  const std::string archive_, name_;
  RequestBook* const book_;
  StateStore* const store_;
  Membership* const members_;
  FederatedSearch* const search_;
  const base::Clock* const clock_;

  absl::Mutex mu_;
};

}  // namespace kuaguan::federation
