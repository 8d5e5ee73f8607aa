// Verification of a certificate file someone brings (kuaguan verify): its seal, signature and
// content against the cached directory's trust material; with `online`, also the issuing
// archive's word that it issued this very file and has not revoked it (asked over a PeerClient,
// or of this archive's own back office). Every verification is audited.
// Thread-safe.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "federation/back_office.h"
#include "federation/membership.h"
#include "federation/peer_client.h"
#include "federation/state_store.h"
#include "kuaguan/v1/desk.pb.h"

namespace kuaguan::federation {

class CertificateVerifier {
 public:
  // All must outlive this object. `archive` is this archive's code.
  CertificateVerifier(std::string archive, Membership* members, PeerClient* peers,
                      BackOffice* local, StateStore* store)
      : archive_(std::move(archive)), members_(members), peers_(peers), local_(local), store_(store) {}

  // The outcome for people: valid with what the certificate says, or invalid with the reason.
  // FAILED_PRECONDITION before enrollment (no directory to verify against).
  absl::StatusOr<kuaguan::v1::VerifyResult> Verify(const std::string& pdf, bool online,
                                                   const std::string& actor);
  // The cached directory's trust material. FAILED_PRECONDITION before enrollment.
  absl::StatusOr<kuaguan::v1::TrustBundle> Trust();

 private:
  const std::string archive_;
  Membership* const members_;
  PeerClient* const peers_;
  BackOffice* const local_;
  StateStore* const store_;
};

}  // namespace kuaguan::federation
