// Who is calling, and may they: every handler of the Admin, FederationAdmin, Requests and Desk
// services starts here. The person comes from the kernel (the local socket's peer credentials,
// mapped to a registered Unix account) or from a staff certificate over mutual TLS (checked
// against the directory, then its registration), never from anything the client sends. The role
// table (base/roles.h) then decides; every refusal is audited. Thread-safe.
#pragma once

#include "absl/strings/string_view.h"

#include <grpcpp/grpcpp.h>

#include "absl/status/statusor.h"
#include "federation/peer_link.h"
#include "node/caller.h"
#include "node/local_socket.h"
#include "node/people.h"
#include "node/store.h"

namespace kuaguan::node {

class Authorizer {
 public:
  // `local` and `link` may be null (no local socket; a provincial node has no staff certificates);
  // all must outlive the authorizer.
  Authorizer(People* people, const LocalSocket* local, federation::PeerLink* link, Store* store)
      : people_(people), local_(local), link_(link), store_(store) {}

  // The person calling, acting in their first role. UNAUTHENTICATED (audited) when unknown.
  absl::StatusOr<Caller> Identify(const grpc::ServerContextBase& ctx);
  // Identify, then the role table: the caller acts in the first of their roles that may run
  // `command`. PERMISSION_DENIED (audited) naming the roles that may.
  absl::StatusOr<Caller> Authorize(const grpc::ServerContextBase& ctx, absl::string_view command);

 private:
  People* const people_;
  const LocalSocket* const local_;
  federation::PeerLink* const link_;
  Store* const store_;
};

}  // namespace kuaguan::node
