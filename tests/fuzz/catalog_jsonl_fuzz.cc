// Feeds: arbitrary bytes as a catalog JSON Lines file (catalog.jsonl), UTF-8 or GB18030, also as
// a scan manifest (page lists on). Asserts: a parsed file is JSON Lines in a known encoding with
// rows; every stored string is valid UTF-8; a row's line number is within the file.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>

#include "ingest/catalog_file.h"
#include "tests/fuzz/fuzz_util.h"

namespace {

void Check(const absl::StatusOr<kuaguan::ingest::CatalogFile>& file, absl::string_view bytes) {
  if (!file.ok()) {
    FUZZ_CHECK(file.status().code() == absl::StatusCode::kInvalidArgument,
               file.status().ToString());
    return;
  }
  FUZZ_CHECK(file->format == "jsonl", file->format);
  FUZZ_CHECK(
      file->encoding == "utf-8" || file->encoding == "utf-8-bom" || file->encoding == "gb18030",
      file->encoding);
  FUZZ_CHECK(!file->rows.empty(), "a parsed file has rows");
  FUZZ_CHECK(file->header.empty(), "JSON Lines have no header");
  const size_t lines = static_cast<size_t>(std::count(bytes.begin(), bytes.end(), '\n')) + 1;
  for (const auto& row : file->rows) {
    std::string where;
    FUZZ_CHECK(kuaguan::fuzz::StringsAreUtf8(row.record, &where), where);
    FUZZ_CHECK(row.line >= 1 && row.line <= lines, std::to_string(row.line));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view bytes = kuaguan::fuzz::AsView(data, size);
  Check(kuaguan::ingest::ParseCatalogFile("catalog.jsonl", bytes), bytes);
  Check(kuaguan::ingest::ParseCatalogFile("manifest.jsonl", bytes, /*page_lists=*/true), bytes);
  return 0;
}
