// The answering side of a self-service lookup (R6.1): another member's (or this node's own) front
// desk asks for the records about one person, by the federation's keyed hash of the identity
// number. Answered only for a front-desk clerk of the calling archive: the request carries the
// clerk's staff certificate, checked here against the directory (chain, validity, archive O = the
// caller, role OU = front-desk, not revoked). The records are those naming the person's hash in
// the eight livelihood categories that the share policy lets the person see (Audience::kPerson:
// even 暂不共享 ones, never secret, withdrawn or held ones); each lists code, title (personal data
// masked), date and category, no content. Every answer and refusal is audited here as
// "archive X clerk NAME (SERIAL)", the person by the masked number and the lookup id only.
// Lookups are limited per clerk certificate (RESOURCE_EXHAUSTED beyond). Thread-safe.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "base/clock.h"
#include "base/rate_limit.h"
#include "federation/holdings_view.h"
#include "federation/membership.h"
#include "federation/state_store.h"
#include "kuaguan/v1/lookup.pb.h"
#include "seal/certs.h"

namespace kuaguan::federation {

// Bounds of a lookup request (hostile bytes): beyond them, INVALID_ARGUMENT naming the field.
inline constexpr size_t kLookupMaxCertPem = 16 << 10;
inline constexpr size_t kLookupMaxIdField = 64;
// At most this many records in one answer (truncated beyond).
inline constexpr int kLookupMaxRecords = 200;
// Lookups per clerk certificate: 30 a minute, bursts of 60.
inline constexpr base::RateLimitPolicy kLookupRateLimit{30, 60, absl::Minutes(1), 4096};

class LookupResponder {
 public:
  // All must outlive this object. `archive` is this node's code; `limit` bounds each clerk's
  // lookups here.
  LookupResponder(std::string archive, Membership* members, HoldingsView* holdings, StateStore* store,
                  const base::Clock* clock, base::RateLimitPolicy limit = kLookupRateLimit)
      : archive_(std::move(archive)),
        members_(members),
        holdings_(holdings),
        store_(store),
        clock_(clock),
        limit_(limit) {}

  // Answers `request` from archive `request.from()`, whose node the caller has already checked
  // against the directory (or which is this archive). INVALID_ARGUMENT for a malformed field,
  // PERMISSION_DENIED when the certificate is not a valid front-desk one of that archive,
  // FAILED_PRECONDITION before enrollment, RESOURCE_EXHAUSTED over the clerk's rate.
  absl::StatusOr<kuaguan::v1::PersonLookupResponse> Answer(const kuaguan::v1::PersonLookupRequest& request);

 private:
  // The clerk named by the request's certificate, checked as above.
  absl::StatusOr<seal::StaffInfo> Clerk(const kuaguan::v1::PersonLookupRequest& request);

  const std::string archive_;
  Membership* const members_;
  HoldingsView* const holdings_;
  StateStore* const store_;
  const base::Clock* const clock_;
  base::AddressRateLimit limit_;
};

}  // namespace kuaguan::federation
