// Archival reference codes (档号) after DA/T 22-2015 and DA/T 13-2022: parts joined by `-` or
// `·`, e.g. Z109-WS·2011-Y-BGS-0001, A439-WS·2015·D30·003-005, C038-001-002-003.
// Pure functions; thread-safe.
#pragma once

#include "absl/strings/string_view.h"

#include "absl/status/statusor.h"
#include "kuaguan/v1/record.pb.h"

namespace kuaguan::ingest {

// Parses `code` into its parts. Fails with INVALID_ARGUMENT saying what is wrong: empty code,
// an empty part (doubled or trailing separator), a character that is not a letter, digit or
// Han character, fewer than two parts, a last part (件号) that is not digits, or over 100 bytes.
absl::StatusOr<kuaguan::v1::ReferenceCode> ParseReferenceCode(absl::string_view code);

// The retention code used inside reference codes (Y, D30, D10, C, D) for a retention value.
absl::string_view RetentionCodePart(kuaguan::v1::Retention retention);

}  // namespace kuaguan::ingest
