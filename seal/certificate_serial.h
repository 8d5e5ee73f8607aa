// Serials of e-sealed certificates (出证编号), unique in the federation: ARCHIVE-YEAR-SEQUENCE-C,
// e.g. 410100-2026-000042-7. The issuing archive's code (unique in the directory), the year of
// issue, the archive's sequence within that year (six digits, more when needed), and a check
// character by ISO 7064 MOD 11-2 over the digits before it (0-9 or X, the scheme of identity
// numbers), which catches every single wrong digit and every swap of two adjacent digits. No
// public standard fixes this format: it is ours.
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace kuaguan::seal {

struct CertificateSerial {
  std::string archive;  // six digits
  int year = 0;
  uint64_t sequence = 0;  // from 1
};

std::string FormatSerial(const CertificateSerial& serial);

// Parses and checks a serial (case-insensitive check character). INVALID_ARGUMENT saying what is
// wrong: the shape, the archive code, the year, or a check character that does not match.
absl::StatusOr<CertificateSerial> ParseSerial(absl::string_view text);

}  // namespace kuaguan::seal
