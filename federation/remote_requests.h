// Remote requests at this node (就地受理、远程查询、异地出证), assembled from their parts: the
// durable outbox, the book of requests, the front desk (requests filed here), the back office
// (requests about what is held here, and the certificate issuer it uses) and the verifier of
// certificate files. It owns them, starts and stops the outbox's delivery thread, and routes an
// update from another archive to the side that holds the request.
// Thread-safe (each part is).
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "base/clock.h"
#include "federation/back_office.h"
#include "federation/certificate_issuer.h"
#include "federation/certificate_verifier.h"
#include "federation/federated_search.h"
#include "federation/front_desk.h"
#include "federation/holdings_view.h"
#include "federation/membership.h"
#include "federation/outbox.h"
#include "federation/peer_client.h"
#include "federation/request_book.h"
#include "federation/state_store.h"

namespace kuaguan::federation {

// What a node's request workflow is built from; every pointer must outlive the RemoteRequests.
struct RequestDeps {
  StateStore* store = nullptr;
  HoldingsView* holdings = nullptr;
  Membership* members = nullptr;
  PeerClient* peers = nullptr;
  FederatedSearch* search = nullptr;
  const base::Clock* clock = nullptr;
};

class RemoteRequests {
 public:
  // `archive` and `name` are this archive's code and name.
  RemoteRequests(std::string archive, std::string name, RequestPolicy policy, RequestDeps deps);
  ~RemoteRequests();

  // Starts the outbox's delivery thread (it delivers what a previous run left, then new messages).
  void Start() { outbox_.Start(); }
  // Stops and joins it; idempotent (the destructor calls it).
  void Stop() { outbox_.Stop(); }

  FrontDesk* front_desk() { return &front_; }
  BackOffice* back_office() { return &back_; }
  RequestBook* book() { return &book_; }
  CertificateVerifier* verifier() { return &verifier_; }
  Outbox* outbox() { return &outbox_; }

  // An update from archive `from` (checked against the directory already) about one of the
  // requests between us, passed to the side that holds it. PERMISSION_DENIED when the update
  // claims another sender or the request is not between us; NOT_FOUND for an unknown request.
  absl::StatusOr<kuaguan::v1::UpdateAck> ApplyUpdate(const kuaguan::v1::RequestUpdate& update,
                                                     const std::string& from);

 private:
  Outbox outbox_;
  RequestBook book_;
  CertificateIssuer issuer_;
  FrontDesk front_;
  BackOffice back_;
  CertificateVerifier verifier_;
};

}  // namespace kuaguan::federation
