#include "absl/strings/string_view.h"
#include "base/csv.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace kuaguan::base {

absl::StatusOr<std::vector<CsvRow>> ParseCsv(absl::string_view text) {
  std::vector<CsvRow> rows;
  size_t i = 0, line = 1;
  const size_t n = text.size();
  while (i < n) {
    CsvRow row;
    row.line = line;
    const size_t row_start = i;
    std::string field;
    bool row_done = false;
    while (!row_done) {
      if (i < n && text[i] == '"') {
        const size_t quote_line = line;
        ++i;
        while (true) {
          if (i >= n) {
            return absl::InvalidArgumentError(absl::StrCat(
                "line ", quote_line, ": unbalanced quote (field opened here is never closed)"));
          }
          if (text[i] == '"') {
            if (i + 1 < n && text[i + 1] == '"') {
              field.push_back('"');
              i += 2;
              continue;
            }
            ++i;
            break;
          }
          if (text[i] == '\n') ++line;
          field.push_back(text[i++]);
        }
        if (i < n && text[i] != ',' && text[i] != '\n' && text[i] != '\r') {
          return absl::InvalidArgumentError(
              absl::StrCat("line ", line, ": text after a closing quote (unbalanced quotes)"));
        }
      } else {
        while (i < n && text[i] != ',' && text[i] != '\n' && text[i] != '\r') {
          if (text[i] == '"') {
            return absl::InvalidArgumentError(absl::StrCat(
                "line ", line, ": quote inside an unquoted field (unbalanced quotes)"));
          }
          field.push_back(text[i++]);
        }
      }
      row.fields.push_back(std::move(field));
      field.clear();
      if (i < n && text[i] == ',') {
        ++i;
        continue;
      }
      size_t row_end = i;
      if (i < n && text[i] == '\r') ++i;
      if (i < n && text[i] == '\n') ++i;
      row.raw = std::string(text.substr(row_start, row_end - row_start));
      ++line;
      row_done = true;
    }
    // Rows of nothing but separators and spaces (spreadsheets leave them) are not rows.
    const bool blank = std::all_of(row.fields.begin(), row.fields.end(), [](const std::string& f) {
      return absl::StripAsciiWhitespace(f).empty();
    });
    if (!blank) rows.push_back(std::move(row));
  }
  return rows;
}

namespace {

// A cell a spreadsheet would read as a formula (or a DDE call): =, +, -, @, tab, CR first.
bool FormulaLike(absl::string_view field) {
  return !field.empty() && absl::string_view("=+-@\t\r").find(field[0]) != absl::string_view::npos;
}

}  // namespace

std::string CsvEscape(absl::string_view field) {
  const bool formula = FormulaLike(field);
  if (!formula && field.find_first_of(",\"\r\n") == absl::string_view::npos) return std::string(field);
  std::string out = formula ? "\"'" : "\"";
  for (char c : field) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

std::string CsvUnneutralize(absl::string_view field) {
  if (field.size() >= 2 && field[0] == '\'' && FormulaLike(field.substr(1))) return std::string(field.substr(1));
  return std::string(field);
}

}  // namespace kuaguan::base
