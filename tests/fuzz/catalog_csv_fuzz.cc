// Feeds: arbitrary bytes as a catalog CSV file (catalog.csv), UTF-8 or GB18030, also as a scan
// manifest (page lists on). Asserts: a parsed file is CSV in a known encoding with rows; every
// stored string is valid UTF-8; every field of a row without errors writes back to text it reads.
#include <cstddef>
#include <cstdint>
#include <string>

#include "ingest/catalog_file.h"
#include "proto/record_fields.h"
#include "tests/fuzz/fuzz_util.h"

namespace {

using kuaguan::fuzz::AsView;

void Check(const absl::StatusOr<kuaguan::ingest::CatalogFile>& file, absl::string_view bytes) {
  if (!file.ok()) {
    FUZZ_CHECK(file.status().code() == absl::StatusCode::kInvalidArgument,
               file.status().ToString());
    return;
  }
  FUZZ_CHECK(file->format == "csv", file->format);
  FUZZ_CHECK(
      file->encoding == "utf-8" || file->encoding == "utf-8-bom" || file->encoding == "gb18030",
      file->encoding);
  FUZZ_CHECK(!file->rows.empty(), "a parsed file has rows");
  if (kuaguan::base::IsValidUtf8(bytes) && bytes.substr(0, 3) != "\xEF\xBB\xBF") {
    FUZZ_CHECK(file->encoding == "utf-8", "valid UTF-8 is read as UTF-8");
  }
  for (const auto& row : file->rows) {
    std::string where;
    FUZZ_CHECK(kuaguan::fuzz::StringsAreUtf8(row.record, &where), where);
    FUZZ_CHECK(row.line >= 1, "rows are numbered from 1");
    if (!row.errors.empty()) continue;
    // What export writes of a good record, import reads back to the same text.
    for (const auto& f : kuaguan::proto::CatalogFields()) {
      const std::string text = f.get(row.record);
      if (text.empty()) continue;
      kuaguan::v1::Record again;
      const absl::Status st = f.set(text, &again);
      FUZZ_CHECK(st.ok(), std::string(f.key) + " '" + text + "': " + st.ToString());
      FUZZ_CHECK(f.get(again) == text,
                 std::string(f.key) + " '" + text + "' reads back as '" + f.get(again) + "'");
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view bytes = AsView(data, size);
  Check(kuaguan::ingest::ParseCatalogFile("catalog.csv", bytes), bytes);
  Check(kuaguan::ingest::ParseCatalogFile("manifest.csv", bytes, /*page_lists=*/true), bytes);
  return 0;
}
