// Feeds: arbitrary bytes as a one-time enrollment token (ARCHIVE.SECRET.ROOT.PROVINCIAL) to
// seal::ParseEnrollmentToken. Asserts: a parsed token is six digits and three lower-case 64-hex
// parts that print and parse back to themselves; a refusal never repeats the secret.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "seal/enrollment_token.h"
#include "tests/fuzz/fuzz_util.h"

namespace {

bool LowerHex64(const std::string& s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c)) && (c < 'a' || c > 'f')) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view text = kuaguan::fuzz::AsView(data, size);
  auto token = kuaguan::seal::ParseEnrollmentToken(text);
  if (!token.ok()) {
    FUZZ_CHECK(token.status().code() == absl::StatusCode::kInvalidArgument,
               token.status().ToString());
    // A secret-like second part (64 hex digits) is never in the message (it goes to audit logs).
    const std::vector<absl::string_view> parts = absl::StrSplit(text, '.');
    if (parts.size() >= 2 && LowerHex64(absl::AsciiStrToLower(parts[1]))) {
      FUZZ_CHECK(!absl::StrContains(token.status().message(), parts[1]),
                 "a refusal repeats the secret");
    }
    return 0;
  }
  FUZZ_CHECK(token->archive.size() == 6, token->archive);
  for (char c : token->archive)
    FUZZ_CHECK(absl::ascii_isdigit(static_cast<unsigned char>(c)), token->archive);
  FUZZ_CHECK(LowerHex64(token->secret), "secret");
  FUZZ_CHECK(LowerHex64(token->root_sha256), token->root_sha256);
  FUZZ_CHECK(LowerHex64(token->provincial_sha256), token->provincial_sha256);
  const std::string printed = token->ToString();
  FUZZ_CHECK(printed == absl::AsciiStrToLower(absl::StripAsciiWhitespace(text)), printed);
  auto again = kuaguan::seal::ParseEnrollmentToken(printed);
  FUZZ_CHECK(again.ok() && again->ToString() == printed, printed);
  return 0;
}
