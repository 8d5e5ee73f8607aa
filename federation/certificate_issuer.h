// The back office's certificates (出证). A serial is first reserved from the archive's yearly
// sequence (the counter is written at once, so a serial is never used twice; one reserved by an
// issue that then fails is skipped, never reused). Then, outside any workflow lock, the issuer
// gathers each approved record's shared view and shared page images (personal data masked),
// renders the PDF (cover page, pages, the seal on every page, the riding seal across them, a QR
// code with serial and digest) and stamps it with the archive's SM2 seal.
// Thread-safe: serial reservations are serialized by serial_mu_; renders run concurrently.
#pragma once

#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
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

  // The next serial of this year's sequence, its counter written (audited with `actor`) before it
  // is returned. DATA_LOSS for an unreadable counter; a store error as it comes.
  absl::StatusOr<std::string> ReserveSerial(const std::string& actor) ABSL_LOCKS_EXCLUDED(serial_mu_);

  // Builds and seals the certificate `serial` of `request` for `codes`, by `clerk`.
  // INVALID_ARGUMENT when `codes` is empty; FAILED_PRECONDITION naming the record that may not be
  // certified (not found, not shared, held, withdrawn), or when the node has no seal.
  absl::StatusOr<IssuedDocument> Render(const kuaguan::v1::StoredRequest& request,
                                        const std::vector<std::string>& codes,
                                        const std::string& clerk, const std::string& serial);

 private:
  // Adds record `code`'s shared view and shared pages (personal data masked) to the document
  // and the signed content. FAILED_PRECONDITION naming the record when it may not be certified.
  absl::Status AddRecord(const std::string& code, const std::string& actor,
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
