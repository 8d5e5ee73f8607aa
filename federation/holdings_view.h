// What the federation runtime reads of an archive's holdings, reached through this interface so
// that federation/ never includes node/ (node::Holdings implements it over the store and index).
// Every call is audited by the implementation with `actor` (or `from`) as the reader.
// Implementations are thread-safe.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "federation/share_policy.h"
#include "kuaguan/v1/admin.pb.h"

namespace kuaguan::federation {

// A record as stored and what one audience may receive of it.
struct SharedView {
  kuaguan::v1::StoredRecord record;
  ShareDecision decision;
};

class HoldingsView {
 public:
  virtual ~HoldingsView() = default;

  // The record with `code` and the share policy's decision for `audience` (share_policy.h), with
  // the node's open period, today's date, its ingest batch and any appraisal in progress.
  // NOT_FOUND when there is none. Not audited: callers audit what they give out.
  virtual absl::StatusOr<SharedView> Decide(const std::string& code, Audience audience) = 0;

  // The record with `code`. NOT_FOUND when there is none. With `shared`, exactly what a peer
  // would receive (no history, no identity hashes), or FAILED_PRECONDITION when a peer would
  // receive nothing (held, withdrawn, not shared, or secret).
  virtual absl::StatusOr<kuaguan::v1::GetRecordResponse> Get(const std::string& code, bool history,
                                                             const std::string& actor,
                                                             bool shared) = 0;
  // What `audience` receives of `code`, masked (no history, no identity hashes, no full text
  // unless the policy allows it); Get with `shared` is this for an unrelated peer. For the person
  // or an authorized requester once the back office has checked the request. FAILED_PRECONDITION
  // naming the rule when the audience may not list it; audited.
  virtual absl::StatusOr<kuaguan::v1::GetRecordResponse> GetFor(const std::string& code, const std::string& actor,
                                                                Audience audience) = 0;
  // A page as GetPage with `request.shared()`, for `audience` (its text must be allowed).
  virtual absl::StatusOr<kuaguan::v1::PageImage> GetPageFor(const kuaguan::v1::PageRequest& request,
                                                            const std::string& actor, Audience audience) = 0;
  // One page of a scanned item (with `request.shared()`: personal data covered). NOT_FOUND,
  // OUT_OF_RANGE for a page the item does not have, FAILED_PRECONDITION as for Get.
  virtual absl::StatusOr<kuaguan::v1::PageImage> GetPage(const kuaguan::v1::PageRequest& request,
                                                         const std::string& actor) = 0;
  // A search of this archive's own holdings. INVALID_ARGUMENT for a bad field, date or query.
  virtual absl::StatusOr<kuaguan::v1::SearchResponse> Search(
      const kuaguan::v1::SearchRequest& request, const std::string& actor) = 0;
  // What another archive may find here (unconditionally shared, public, accepted records), at
  // most `limit` hits, audited with `from` as the reader.
  virtual absl::StatusOr<kuaguan::v1::SearchResponse> PeerSearch(const std::string& query,
                                                                 uint32_t limit,
                                                                 const std::string& from) = 0;
};

}  // namespace kuaguan::federation
