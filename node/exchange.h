// Direct exchange (直接交换, R5.7) at one archive, both ends.
// Holding end: MakePackage decides each record asked for (by codes or a catalog query) with the
// share policy for an unrelated peer (HoldingsView::Decide, Audience::kPeer); only records it may
// list go in, as get --shared gives them (masked, no identity hashes; full text only when the text
// is shared too), with their pages masked (GetPage shared) when the text is shared. At most
// max_records (≤ 2,000) records and kPackageBudgetBytes; the rest is counted, never named (a peer
// learns nothing of a record it may not list). Audited: each record read, and the package.
// Asking end: Fetch asks a member for a package and verifies it before handing it on; Import
// verifies a package file (the sender's certificate must be the one the directory registers for
// it, chained to the federation root; the signature; every entry's SM3) and stores it read-only.
// Where imported records live: in the records family, under the code "ARCHIVE/CODE" (the sending
// archive's id, a slash, its code), with StoredRecord.origin set. So they are versioned, audited,
// indexed and found by the local reading room's search like any record, yet never clash with a
// local code, and the share policy refuses every record with an origin: never shared on, never
// certified; Holdings' Modify and Withdraw refuse them. A later package from the same archive
// replaces a copy as its next version. The import is one atomic write (records, versions, pages,
// the package's entry in the meta family under "exchange/package/ID", and the audit entry).
// Thread-safe.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "base/clock.h"
#include "federation/exchange_package.h"
#include "federation/peer_link.h"
#include "kuaguan/v1/exchange.pb.h"
#include "node/holdings.h"
#include "node/store.h"

namespace kuaguan::node {

// What a package's entries may take, below federation::kMaxPackageBytes (room for the manifest).
inline constexpr size_t kPackageBudgetBytes = size_t{48} << 20;
inline constexpr uint32_t kMaxPackageRecords = 2000;
inline constexpr uint32_t kDefaultPackageRecords = 1000;

class DirectExchange {
 public:
  // All must outlive this object.
  DirectExchange(std::string archive_id, std::string name, Store* store, Holdings* holdings,
                 federation::PeerLink* link, const base::Clock* clock);

  // The package for archive `request.from` (already checked against its certificate).
  // INVALID_ARGUMENT for a bad request; FAILED_PRECONDITION before enrollment.
  absl::StatusOr<std::string> MakePackage(const kuaguan::v1::PackageRequest& request);

  // Asks member `request.from` for a package; verified as for Import. Audited.
  absl::StatusOr<kuaguan::v1::ExchangeFetchReply> Fetch(const kuaguan::v1::ExchangeFetchRequest& request,
                                                        const std::string& actor);

  // Verifies and imports a package file, all or nothing. UNAUTHENTICATED (signature, certificate),
  // DATA_LOSS (an entry's SM3), INVALID_ARGUMENT (malformed, made for another archive),
  // ALREADY_EXISTS (imported before), FAILED_PRECONDITION (a code here that is not a copy from
  // that archive). Audited, refusals too.
  absl::StatusOr<kuaguan::v1::ExchangePackageInfo> Import(const std::string& bytes, const std::string& actor);

  // The packages imported here, oldest first. Audited.
  absl::StatusOr<kuaguan::v1::ExchangeList> List(const std::string& actor);

 private:
  // The package parsed and verified against the directory.
  absl::StatusOr<federation::ExchangePackage> Verified(const std::string& bytes);

  const std::string archive_id_;
  const std::string name_;
  Store* const store_;
  Holdings* const holdings_;
  federation::PeerLink* const link_;
  const base::Clock* const clock_;
  absl::Mutex import_mu_;  // one import at a time: the check for an earlier import holds until the commit
};

// The code an imported record has here: "ARCHIVE/CODE".
std::string ImportedCode(const std::string& archive, const std::string& code);

// What a package says of itself (`bytes`: the whole file).
kuaguan::v1::ExchangePackageInfo PackageInfo(const federation::ExchangePackage& package, const std::string& bytes);

}  // namespace kuaguan::node
