// LookupClient over gRPC: the member's PersonLookup service at its address from the cached
// directory, over PeerLink's pooled mutual-TLS channel, with the caller's deadline. A gRPC status
// comes back as the absl::Status of the same code and message. Thread-safe.
#pragma once

#include <string>

#include "federation/lookup_client.h"
#include "federation/peer_link.h"

namespace kuaguan::federation {

class GrpcLookupClient final : public LookupClient {
 public:
  // `link` must outlive this object.
  explicit GrpcLookupClient(PeerLink* link) : link_(link) {}

  absl::StatusOr<kuaguan::v1::PersonLookupResponse> Lookup(const std::string& archive,
                                                           const kuaguan::v1::PersonLookupRequest& request,
                                                           absl::Duration timeout) override;

 private:
  PeerLink* const link_;
};

}  // namespace kuaguan::federation
