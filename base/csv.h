// RFC 4180 CSV parsing of already-decoded UTF-8 text, keeping line numbers and raw row text
// so that errors name the line and rejected rows can be written back out. Pure; thread-safe.
#pragma once

#include <string>
#include "absl/strings/string_view.h"
#include <vector>

#include "absl/status/statusor.h"

namespace kuaguan::base {

struct CsvRow {
  size_t line = 0;                  // 1-based line where the row starts
  std::vector<std::string> fields;
  std::string raw;                  // the row's text as in the file, without the line break
};

// Splits `text` into rows. Quoted fields may hold commas, quotes ("") and line breaks. Empty
// lines are skipped. Fails with INVALID_ARGUMENT naming the line for an unterminated quote or
// text after a closing quote.
absl::StatusOr<std::vector<CsvRow>> ParseCsv(absl::string_view text);

// Quotes a field for CSV output when it needs it. A field a spreadsheet would take for a formula
// (first character =, +, -, @, tab or CR) is written with a leading ' so that it stays text.
std::string CsvEscape(absl::string_view field);
// The inverse of that neutralization, for import: "'=x" is "=x"; anything else is unchanged.
std::string CsvUnneutralize(absl::string_view field);

}  // namespace kuaguan::base
