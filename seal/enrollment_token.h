// The one-time enrollment token (入网令牌) that the provincial CA operator hands a newcomer out of
// band (`kuaguan ca token`): ARCHIVE.SECRET.ROOT-SHA256.PROVINCIAL-SHA256, that is the archive it
// is for (six digits), a 256-bit secret (the provincial node keeps only its SHA-256) and two
// pins, the SHA-256 of the federation's root certificate and of the provincial node's own TLS
// certificate: the newcomer's enrollment channel accepts that one leaf and no other, so a member
// that intercepts the newcomer's traffic cannot present its own (valid) federation certificate and
// take the token. The older three-part form, which pinned only the root, is refused with a reason.
// Hex is read in either case and kept in lower case. Pure functions; thread-safe.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace kuaguan::seal {

struct EnrollmentToken {
  std::string archive;            // GB/T 2260 code of the archive that may enroll with it
  std::string secret;             // 64 hex digits
  std::string root_sha256;        // 64 hex digits: the federation's root certificate (DER)
  std::string provincial_sha256;  // 64 hex digits: the provincial node's TLS certificate (DER)

  // The token as printed and typed.
  std::string ToString() const;
};

// Parses a token. INVALID_ARGUMENT with the reason (never with the secret): not four parts (the
// three-part form of earlier versions says so), an archive that is not six digits, a secret or a
// pin that is not 64 hex digits.
absl::StatusOr<EnrollmentToken> ParseEnrollmentToken(absl::string_view token);

}  // namespace kuaguan::seal
