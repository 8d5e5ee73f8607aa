// How the front desk's node asks a member for the records about a person (PersonLookup.Lookup),
// addressed by archive code. The gRPC implementation (grpc_lookup_client.h) goes over PeerLink's
// pooled mutual-TLS channels; the fuzz and unit harnesses answer in process. Errors: NOT_FOUND
// for an archive that is no member, FAILED_PRECONDITION for a revoked one or before enrollment,
// UNAVAILABLE or DEADLINE_EXCEEDED when it cannot be reached in time, or the status it answered.
// Implementations are thread-safe.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "kuaguan/v1/lookup.pb.h"

namespace kuaguan::federation {

class LookupClient {
 public:
  virtual ~LookupClient() = default;

  virtual absl::StatusOr<kuaguan::v1::PersonLookupResponse> Lookup(const std::string& archive,
                                                                   const kuaguan::v1::PersonLookupRequest& request,
                                                                   absl::Duration timeout) = 0;
};

}  // namespace kuaguan::federation
