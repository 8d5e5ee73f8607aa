#include "absl/strings/string_view.h"
#include "ingest/catalog_file.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "base/utf8.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "base/csv.h"
#include "ingest/record_checks.h"
#include "ingest/text_encoding.h"

namespace kuaguan::ingest {
using proto::CatalogField;
using proto::FindCatalogField;
using proto::SetExtraField;
using proto::IsIgnoredColumn;
using proto::FieldError;
using base::ParseCsv;
using base::CsvRow;
namespace {

void SetValue(const CatalogField& f, absl::string_view value, CatalogRow* row) {
  if (absl::Status st = f.set(value, &row->record); !st.ok()) {
    row->errors.push_back({std::string(f.key), ShortValue(value), std::string(st.message())});
  }
}

// Marks rows whose code already appeared in an earlier row.
void CheckRepeatedCodes(CatalogFile* file) {
  std::unordered_map<std::string, size_t> first_line;
  for (auto& row : file->rows) {
    const std::string& code = row.record.code();
    if (code.empty()) continue;
    auto [it, inserted] = first_line.emplace(code, row.line);
    if (!inserted) {
      row.errors.push_back({"code", code, absl::StrCat("duplicate of line ", it->second)});
    }
  }
}

void Finish(CatalogRow* row) {
  const bool bad_date = std::any_of(row->errors.begin(), row->errors.end(),
                                    [](const FieldError& e) { return e.field == "date"; });
  for (auto& e : FinishRecord(&row->record)) {
    // A year that could not be derived from a bad date is the date's problem, said once.
    if (bad_date && e.field == "year" && e.value.empty()) continue;
    e.value = ShortValue(e.value);
    row->errors.push_back(std::move(e));
  }
}

bool IsPageListColumn(absl::string_view name) {
  const absl::string_view n = absl::StripAsciiWhitespace(name);
  return n == "pages" || n == "页面" || n == "文件";
}

absl::StatusOr<CatalogFile> ParseCsvCatalog(absl::string_view text, bool page_lists) {
  auto rows = ParseCsv(text);
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return absl::InvalidArgumentError("file is empty (no header row)");
  CatalogFile file;
  file.format = "csv";
  const CsvRow& header = rows->front();
  file.header = header.raw;
  std::vector<const CatalogField*> columns;
  std::vector<std::string> extra_name(header.fields.size());
  std::unordered_map<std::string, std::string> seen;
  for (size_t c = 0; c < header.fields.size(); ++c) {
    const std::string& name = header.fields[c];
    if (IsIgnoredColumn(name)) {
      columns.push_back(nullptr);
      continue;
    }
    const CatalogField* f = page_lists && IsPageListColumn(name) ? nullptr : FindCatalogField(name);
    if (f == nullptr) {
      const std::string trimmed(absl::StripAsciiWhitespace(name));
      if (trimmed.empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat("line ", header.line, ": column ", c + 1, " has no name"));
      }
      if (!seen.emplace("extra:" + trimmed, name).second) {
        return absl::InvalidArgumentError(
            absl::StrCat("line ", header.line, ": column '", trimmed, "' appears twice"));
      }
      extra_name[c] = trimmed;
      file.extra_columns.push_back(trimmed);
      columns.push_back(nullptr);
      continue;
    }
    auto [it, inserted] = seen.emplace(std::string(f->key), name);
    if (!inserted) {
      return absl::InvalidArgumentError(absl::StrCat("line ", header.line, ": columns '",
                                                     it->second, "' and '", name,
                                                     "' are the same field (", f->key, ")"));
    }
    columns.push_back(f);
  }
  if (!seen.contains("code")) {
    return absl::InvalidArgumentError("line 1: no 档号 (code) column; is the header row missing?");
  }
  if (!seen.contains("title")) return absl::InvalidArgumentError("line 1: no 题名 (title) column");
  for (size_t i = 1; i < rows->size(); ++i) {
    CsvRow& in = (*rows)[i];
    CatalogRow row;
    row.line = in.line;
    row.raw = std::move(in.raw);
    if (in.fields.size() != columns.size()) {
      row.errors.push_back({"-", "",
                            absl::StrCat("has ", in.fields.size(), " columns, the header has ",
                                         columns.size())});
      file.rows.push_back(std::move(row));
      continue;
    }
    for (size_t c = 0; c < columns.size(); ++c) {
      if (columns[c] != nullptr) {
        SetValue(*columns[c], base::CsvUnneutralize(in.fields[c]), &row);
      } else if (!extra_name[c].empty()) {
        if (absl::Status st = SetExtraField(extra_name[c], base::CsvUnneutralize(in.fields[c]), &row.record); !st.ok()) {
          row.errors.push_back({extra_name[c], ShortValue(in.fields[c]), std::string(st.message())});
        }
      }
    }
    Finish(&row);
    file.rows.push_back(std::move(row));
  }
  return file;
}

std::string JsonScalar(const google::protobuf::Value& v, bool* ok) {
  *ok = true;
  switch (v.kind_case()) {
    case google::protobuf::Value::kStringValue:
      return v.string_value();
    case google::protobuf::Value::kNumberValue: {
      const double d = v.number_value();
      if (std::floor(d) == d && std::fabs(d) < 1e15) return absl::StrCat(static_cast<int64_t>(d));
      return absl::StrCat(d);
    }
    case google::protobuf::Value::kNullValue:
      return "";
    default:
      *ok = false;
      return "";
  }
}

// Whether a JSON text nests objects and arrays deeper than `max_depth` (brackets inside strings
// do not count). Linear, no recursion: checked before the parser sees the line.
bool NestsDeeper(absl::string_view line, int max_depth) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > max_depth) return true;
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return false;
}

CatalogFile ParseJsonLinesCatalog(absl::string_view text, bool page_lists) {
  CatalogFile file;
  file.format = "jsonl";
  size_t line_no = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (absl::StripAsciiWhitespace(line).empty()) continue;
    CatalogRow row;
    row.line = line_no;
    if (line.size() > kMaxJsonLineBytes) {
      row.raw = std::string(line.substr(0, 200));
      row.errors.push_back({"-", ShortValue(line), absl::StrCat("the line is ", line.size(), " bytes; a catalog row is at most ",
                                                               kMaxJsonLineBytes >> 10, " KiB")});
      file.rows.push_back(std::move(row));
      continue;
    }
    if (NestsDeeper(line, kMaxJsonDepth)) {
      row.raw = std::string(line.substr(0, 200));
      row.errors.push_back({"-", ShortValue(line),
                            absl::StrCat("nested deeper than ", kMaxJsonDepth,
                                         " levels: a catalog row is one object of strings, numbers and lists")});
      file.rows.push_back(std::move(row));
      continue;
    }
    row.raw = std::string(line);
    google::protobuf::Struct obj;
    auto st = google::protobuf::util::JsonStringToMessage(std::string(line), &obj);
    if (!st.ok()) {
      row.errors.push_back({"-", ShortValue(line),
                            absl::StrCat("not a JSON object: ", st.message().as_string())});
      file.rows.push_back(std::move(row));
      continue;
    }
    std::unordered_map<std::string, std::string> seen;
    for (const auto& [key, value] : obj.fields()) {
      if (IsIgnoredColumn(key)) continue;
      const CatalogField* f = page_lists && IsPageListColumn(key) ? nullptr : FindCatalogField(key);
      if (f == nullptr) {
        bool ok = true;
        const std::string v = JsonScalar(value, &ok);
        absl::Status st = ok ? SetExtraField(key, v, &row.record)
                             : absl::InvalidArgumentError("value must be a string or a number");
        if (!st.ok()) row.errors.push_back({key, ShortValue(v), std::string(st.message())});
        if (std::find(file.extra_columns.begin(), file.extra_columns.end(), key) ==
            file.extra_columns.end()) {
          file.extra_columns.push_back(key);
        }
        continue;
      }
      if (auto [it, inserted] = seen.emplace(std::string(f->key), key); !inserted) {
        row.errors.push_back({key, "", absl::StrCat("same field as '", it->second, "'")});
        continue;
      }
      std::string text_value;
      bool ok = true;
      if (value.kind_case() == google::protobuf::Value::kListValue) {
        std::vector<std::string> items;
        for (const auto& item : value.list_value().values()) items.push_back(JsonScalar(item, &ok));
        text_value = absl::StrJoin(items, ";");
      } else {
        text_value = JsonScalar(value, &ok);
      }
      if (!ok) {
        row.errors.push_back({std::string(f->key), "", "value must be a string or a number"});
        continue;
      }
      SetValue(*f, text_value, &row);
    }
    Finish(&row);
    file.rows.push_back(std::move(row));
  }
  return file;
}

}  // namespace

std::string ShortValue(absl::string_view value) {
  const auto cps = base::DecodeUtf8(value);
  if (cps.size() <= 40) return std::string(value);
  std::vector<char32_t> head(cps.begin(), cps.begin() + 40);
  return absl::StrCat(base::EncodeUtf8(head), "… (", value.size(), " bytes)");
}

absl::StatusOr<CatalogFile> ParseCatalogFile(absl::string_view file_name, absl::string_view bytes,
                                             bool page_lists) {
  if (bytes.empty()) return absl::InvalidArgumentError("file is empty");
  auto decoded = DecodeCatalogText(bytes);
  if (!decoded.ok()) return decoded.status();
  const std::string lower = absl::AsciiStrToLower(file_name);
  bool jsonl;
  if (absl::EndsWith(lower, ".csv")) {
    jsonl = false;
  } else if (absl::EndsWith(lower, ".jsonl") || absl::EndsWith(lower, ".ndjson") ||
             absl::EndsWith(lower, ".json")) {
    jsonl = true;
  } else {
    jsonl = absl::StartsWith(absl::StripLeadingAsciiWhitespace(decoded->text), "{");
  }
  CatalogFile file;
  if (jsonl) {
    file = ParseJsonLinesCatalog(decoded->text, page_lists);
  } else {
    auto csv = ParseCsvCatalog(decoded->text, page_lists);
    if (!csv.ok()) return csv.status();
    file = *std::move(csv);
  }
  if (file.rows.empty()) return absl::InvalidArgumentError("file has no records");
  file.encoding = decoded->encoding;
  CheckRepeatedCodes(&file);
  return file;
}

}  // namespace kuaguan::ingest
