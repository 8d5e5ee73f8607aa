// Resident identity numbers (GB 11643-1999): 18 characters (6-digit address code, birth date
// YYYYMMDD, 3-digit sequence, check character from weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2,
// "10X98765432"[sum mod 11]) and the old 15-digit form (YYMMDD birth date, no check character).
// Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace kuaguan::ingest {

struct IdentityNumber {
  std::string normalized;  // 18 characters, upper-case X (15-digit numbers upgraded)
  bool check_ok = false;   // the check character is right (always false for OCR-garbled ones)
  bool old_form = false;   // given in the 15-digit form
};

// The check character for the first 17 digits; NUL when they are not 17 ASCII digits.
char IdentityCheckChar(absl::string_view first17);

// Parses an identity number. Returns nullopt unless the text is shaped like one: right length,
// digits (and a final X/x), a plausible address code (province 11-82) and a real birth date.
// A wrong check character still parses (check_ok false): OCR may misread one digit.
std::optional<IdentityNumber> ParseIdentityNumber(absl::string_view text);

}  // namespace kuaguan::ingest
