// Checking what the transparency log hands out, wherever it is checked (a member witnessing, the
// front desk keeping a proof, `kuaguan verify` online or offline): a checkpoint note signed by
// the log's key, and a certificate's inclusion proof against such a checkpoint. The leaf of a
// certificate is the deterministic serialization of its LogEntry. Pure; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "kuaguan/v1/hub.pb.h"

namespace kuaguan::seal {

// The leaf bytes of `entry`.
std::string LogLeaf(const kuaguan::v1::LogEntry& entry);

// The size and root of checkpoint `note` when it is signed by the log key `log_key_pem` (a
// SubjectPublicKeyInfo PEM) under the note's own origin. INVALID_ARGUMENT for a malformed note
// or key, UNAUTHENTICATED for a missing or bad signature.
absl::StatusOr<std::pair<uint64_t, std::string>> VerifyLogCheckpoint(absl::string_view note,
                                                                     absl::string_view log_key_pem);

// Checks `proof`: its checkpoint signed by `log_key_pem`, of the proof's tree size, and the
// entry's leaf at the proof's index under that checkpoint's root. UNAUTHENTICATED saying what
// does not match.
absl::Status VerifyLogInclusion(const kuaguan::v1::InclusionProof& proof, absl::string_view log_key_pem);

}  // namespace kuaguan::seal
