// The record's text form, beside the generated code: each catalog field with its English and
// Chinese (DA/T 46 element) names, how a text value is parsed and checked into a Record, and how
// it is written back out, and the labels of the enums. One table serves import, modify, export
// and the CLI's rendering, so they always agree (ingest/record_checks.h adds the cross-checks of
// a whole row). Pure; thread-safe.
#pragma once

#include <string>
#include "absl/strings/string_view.h"
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "kuaguan/v1/record.pb.h"

namespace kuaguan::proto {

struct FieldError {
  std::string field;   // the field's English name (or the column as written)
  std::string value;   // the offending value, shortened for display
  std::string reason;
};

struct CatalogField {
  absl::string_view key;      // English name: JSON Lines keys, --set names
  absl::string_view chinese;  // DA/T 46 element name: CSV export header
  std::vector<absl::string_view> aliases;  // other accepted column names
  // Parses `value` into `record`; INVALID_ARGUMENT with the reason when the value is bad.
  absl::Status (*set)(absl::string_view value, kuaguan::v1::Record* record);
  // The field's value as text that `set` accepts back.
  std::string (*get)(const kuaguan::v1::Record& record);
};

// Every field, in export order.
const std::vector<CatalogField>& CatalogFields();

// The field a column name denotes (English names case-insensitive), or nullptr when unknown.
const CatalogField* FindCatalogField(absl::string_view name);

// The column a rejects file adds with each row's problems; ignored when the file is re-imported.
inline constexpr absl::string_view kRejectReasonColumn = "错误原因";

// Keeps a column that is no known element as an extra field: checked for control characters
// and length (at most 2,000 characters), stored verbatim; empty values are not stored.
absl::Status SetExtraField(const std::string& column, absl::string_view value,
                           kuaguan::v1::Record* record);

// Column names that are recognised and deliberately ignored (e.g. 序号, a row counter).
bool IsIgnoredColumn(absl::string_view name);


// Parses 20110304, 2011-03-04, 2011/3/4, 2011.03.04 or 2011年3月4日 into YYYYMMDD.
absl::StatusOr<std::string> NormalizeDate(absl::string_view value);

// Chinese labels of enum values (公开, 无条件共享, 开放, 永久, 婚姻登记, ...).
std::string SecrecyLabel(kuaguan::v1::Secrecy v);
std::string ShareClassLabel(kuaguan::v1::ShareClass v);
std::string RetentionLabel(kuaguan::v1::Retention v);
std::string LivelihoodLabel(kuaguan::v1::LivelihoodCategory v);
std::string OpenStatusLabel(kuaguan::v1::OpenStatus v);

// Parses a label in Chinese or English into the enum; INVALID_ARGUMENT listing accepted values.
absl::StatusOr<kuaguan::v1::Secrecy> ParseSecrecy(absl::string_view v);
absl::StatusOr<kuaguan::v1::ShareClass> ParseShareClass(absl::string_view v);
absl::StatusOr<kuaguan::v1::LivelihoodCategory> ParseLivelihood(absl::string_view v);
absl::StatusOr<kuaguan::v1::Retention> ParseRetention(absl::string_view v);

}  // namespace kuaguan::proto
