// Reads a whole catalog file (CSV or JSON Lines, UTF-8 or GB18030) into checked records, one
// per row, each with every problem found in it. Pure; thread-safe.
#pragma once

#include <string>
#include "absl/strings/string_view.h"
#include <vector>

#include "absl/status/statusor.h"
#include "proto/record_fields.h"
#include "kuaguan/v1/record.pb.h"

namespace kuaguan::ingest {

struct CatalogRow {
  size_t line = 0;                   // 1-based line in the file where the row starts
  std::string raw;                   // the row as written (for a rejects file)
  kuaguan::v1::Record record;        // completed by FinishRecord
  std::vector<proto::FieldError> errors;    // empty when the row is good
};

struct CatalogFile {
  std::string format;    // "csv" or "jsonl"
  std::string encoding;  // "utf-8", "utf-8-bom" or "gb18030"
  std::string header;    // CSV header line as written (empty for JSON Lines)
  std::vector<std::string> extra_columns;  // unknown columns, kept as extra fields
  std::vector<CatalogRow> rows;
};

// Parses `bytes`; `file_name` chooses the format by extension (.csv, .jsonl/.ndjson/.json),
// else the content decides. Fails with INVALID_ARGUMENT for problems of the whole file (encoding,
// unbalanced quotes, an empty file, a header with repeated, unnamed or missing columns). Columns
// that are no known element are kept as extra fields and listed in extra_columns. Problems
// of single rows (column count, values, cross-checks, a code repeated within the file) are
// reported in the rows and do not fail the call.
// With `page_lists` (scan manifests), a column named pages / 页面 / 文件 is the item's list of
// page files and is kept, as written, in the record's extra fields under its column name.
// JSON Lines: a line longer than this, or nesting objects and lists deeper, is a bad row
// (checked before the line is parsed, so that no line costs more than linear time).
inline constexpr size_t kMaxJsonLineBytes = 256u << 10;
inline constexpr int kMaxJsonDepth = 3;
absl::StatusOr<CatalogFile> ParseCatalogFile(absl::string_view file_name, absl::string_view bytes,
                                             bool page_lists = false);

// A value shortened for messages: at most 40 characters, with the full size when cut.
std::string ShortValue(absl::string_view value);

}  // namespace kuaguan::ingest
