// The signed directory: the provincial node signs each version with its directory signer; a node
// accepts a version only when the signer's certificate is certified by the pinned root and the
// signature verifies, the signer is the one of the version it holds or the next one that version
// announced (two-stage key rollover), the version is not older, and it has not expired.
// Lookups answer the questions a node asks of the directory. Pure functions; thread-safe.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "kuaguan/v1/admin.pb.h"
#include "kuaguan/v1/desk.pb.h"
#include "kuaguan/v1/federation.pb.h"

namespace kuaguan::seal {

class CertificateAuthority;

// Serializes and signs `directory` with the CA's directory signer.
kuaguan::v1::SignedDirectory SignDirectory(const kuaguan::v1::Directory& directory, CertificateAuthority* ca);

// Checks `signed_dir` against `root_pem` at `now`, and against `cached` (the version held, if
// any). UNAUTHENTICATED for a bad signature or a signer not certified by the root;
// FAILED_PRECONDITION for an older version than the cached one, another federation's root, or an
// expired directory. Each error says which.
absl::StatusOr<kuaguan::v1::Directory> VerifyDirectory(const kuaguan::v1::SignedDirectory& signed_dir,
                                                       absl::string_view root_pem,
                                                       std::chrono::system_clock::time_point now,
                                                       const kuaguan::v1::Directory* cached);

// The member `code`, or nullptr.
const kuaguan::v1::Member* FindMember(const kuaguan::v1::Directory& directory, absl::string_view code);

// Why a peer presenting `cert_pem` and claiming to be `code` is not accepted, or OK: the
// certificate must chain to the directory's root through its issuing CA, be valid at `now`, not be
// revoked (by serial or with its member), and be exactly the one registered for `code`.
absl::Status CheckPeer(const kuaguan::v1::Directory& directory, absl::string_view code,
                       absl::string_view cert_pem, std::chrono::system_clock::time_point now);

// What operators see of a directory at `now` (version, times, counts, age, expiry, rollover).
kuaguan::v1::DirectoryInfo DirectoryInfoOf(const kuaguan::v1::Directory& directory,
                                           std::chrono::system_clock::time_point now);

// What certificates are verified against, from a directory: the root, the seal maker, each
// member's registered seal certificate and revocation, and the serials revoked one by one.
kuaguan::v1::TrustBundle TrustOf(const kuaguan::v1::Directory& directory);

// True when the directory has expired at `now`.
bool Expired(const kuaguan::v1::Directory& directory, std::chrono::system_clock::time_point now);

}  // namespace kuaguan::seal
