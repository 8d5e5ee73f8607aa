// The back office's certificates (出证): for a request and the records a clerk (or the auto-issue
// policy) approved, it gathers each record's shared view and shared page images (personal data
// masked), takes the next serial of the archive's yearly sequence, renders the PDF (cover page,
// pages, the seal on every page, the riding seal across them, a QR code with serial and digest)
// and stamps it with the archive's SM2 seal. The caller stores the result and the new sequence
// value in one write, so that a serial is never used twice.
// Thread-compatible: the caller serializes Issue (serials).
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "kuaguan/v1/request.pb.h"
#include "node/holdings.h"
#include "node/peer_link.h"
#include "node/store.h"

namespace kuaguan::node {

struct IssuedDocument {
  kuaguan::v1::IssuedCertificate certificate;
  kuaguan::v1::CertificateContent content;
  KeyWrite sequence;  // the archive's serial counter after this one: write it with the certificate
};

class CertificateIssuer {
 public:
  // All must outlive the issuer.
  CertificateIssuer(std::string archive, std::string name, Store* store, Holdings* holdings, PeerLink* link)
      : archive_(std::move(archive)), name_(std::move(name)), store_(store), holdings_(holdings), link_(link) {}

  // Builds and seals the certificate of `request` for `codes`. FAILED_PRECONDITION naming the
  // record that may not be certified (not found, not shared, held, withdrawn); FAILED_PRECONDITION
  // when the node has no seal.
  absl::StatusOr<IssuedDocument> Issue(const kuaguan::v1::StoredRequest& request, const std::vector<std::string>& codes,
                                       const std::string& clerk);

 private:
  const std::string archive_, name_;
  Store* const store_;
  Holdings* const holdings_;
  PeerLink* const link_;
};

}  // namespace kuaguan::node
