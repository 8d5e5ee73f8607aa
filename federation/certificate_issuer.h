// The back office's certificates (出证), made outside any workflow lock. The issuer gathers each
// approved record's shared view and shared page images (personal data masked), then reserves the
// next serial of the archive's yearly sequence (the counter is written at once, so a serial is
// never used twice; one reserved by an issue that then fails to render is skipped, never
// reused), renders the PDF (cover page, pages, the seal on every page, the riding seal across
// them, a QR code with serial and digest) and stamps it with the archive's SM2 seal.
// Thread-safe: serial reservations are serialized by serial_mu_; renders run concurrently.
#pragma once

#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "base/clock.h"
#include "document/certificate_pdf.h"
#include "federation/holdings_view.h"
#include "federation/membership.h"
#include "federation/state_store.h"
#include "kuaguan/v1/request.pb.h"

namespace kuaguan::federation {

struct IssuedDocument {
  kuaguan::v1::IssuedCertificate certificate;
  kuaguan::v1::CertificateContent content;
};

class CertificateIssuer {
 public:
  // All must outlive the issuer. `archive` and `name` are this archive's code and name.
  CertificateIssuer(std::string archive, std::string name, StateStore* store,
                    HoldingsView* holdings, Membership* members, const base::Clock* clock)
      : archive_(std::move(archive)),
        name_(std::move(name)),
        store_(store),
        holdings_(holdings),
        members_(members),
        clock_(clock) {}

  // Builds, numbers and seals the certificate of `request` for `codes`, by `clerk`. The seal and
  // every record are checked and gathered first, so a refusal uses no serial; then the serial is
  // reserved (its counter written, audited), then the PDF rendered and sealed. INVALID_ARGUMENT
  // when `codes` is empty; FAILED_PRECONDITION naming the record that may not be certified (not
  // found, not shared, held, withdrawn), or when the node has no seal; DATA_LOSS for an
  // unreadable serial counter. `clerk` and `approver` are actors (base/actor.h); the certificate
  // names the people.
  // Each record is given as its requester may receive it (`Certified::audience`, which the back
  // office decided with the share policy); one given through the request's authorization makes
  // the certificate name that authorization (有条件共享: for this requester only).
  struct Certified {
    std::string code;
    Audience audience = Audience::kPeer;
  };
  absl::StatusOr<IssuedDocument> Issue(const kuaguan::v1::StoredRequest& request,
                                       const std::vector<Certified>& records,
                                       const std::string& clerk, const std::string& approver = "");

 private:
  // The next serial of the year of `now` (Beijing), its counter written before it is returned.
  absl::StatusOr<std::string> ReserveSerial(absl::Time now, const std::string& actor)
      ABSL_LOCKS_EXCLUDED(serial_mu_);
  // Adds record `code`'s shared view and shared pages (personal data masked) to the document
  // and the signed content. FAILED_PRECONDITION naming the record when it may not be certified.
  absl::Status AddRecord(const Certified& record, const std::string& actor,
                         document::CertificateDocument* doc, kuaguan::v1::CertificateContent* content);

  // Constant after construction.
  const std::string archive_, name_;
  StateStore* const store_;
  HoldingsView* const holdings_;
  Membership* const members_;
  const base::Clock* const clock_;

  absl::Mutex serial_mu_;
};

}  // namespace kuaguan::federation
