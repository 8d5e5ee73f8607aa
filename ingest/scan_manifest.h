// Where an ingest's page files come from: a manifest of items (catalog columns plus `pages`, a
// `;`-separated list of page files relative to a base folder), or a folder holding one catalog
// file and one sub-folder of page files per item named by its reference code. Page paths are
// hostile input: they are resolved inside the base folder only (no absolute paths, no `..`, no
// symbolic link that leads out). Pure functions over the file system; thread-safe.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "ingest/catalog_file.h"
#include "kuaguan/v1/record.pb.h"

namespace kuaguan::ingest {

// The manifest columns that list an item's page files.
inline constexpr const char* kPagesColumns[] = {"pages", "页面", "文件"};

// Resolves a manifest page entry inside `base` (canonical). INVALID_ARGUMENT for an absolute
// path, `..`, a link out of `base` or not a regular file; NOT_FOUND when it does not exist.
absl::StatusOr<std::string> ResolvePage(const std::filesystem::path& base, const std::string& entry);

// File-name order as people number scans: digit runs compare by value (2.tif before 10.tif).
bool NaturalLess(const std::string& a, const std::string& b);

// The catalog of a folder of items: its one CSV or JSON Lines file. INVALID_ARGUMENT naming the
// folder when there is none or more than one.
absl::StatusOr<std::filesystem::path> FolderCatalog(const std::filesystem::path& folder);

// Folder mode: a row without a pages column takes the page files (TIFF, JPEG, PNG, PDF) of the
// sub-folder named by its reference code, in natural order. Returns the sub-folders no row names.
std::vector<std::string> PagesFromFolders(const std::filesystem::path& base,
                                          std::vector<CatalogRow>* rows);

// Removes the pages column from `record`'s extra fields and returns its value ("" when absent).
std::string TakePageList(kuaguan::v1::Record* record);

// Tesseract languages for an item, from its 语种 (language) field: traditional characters (繁体,
// zh-Hant, chi_tra) are read with chi_tra; English named beside Chinese adds eng. The default,
// chi_sim alone, also reads Latin letters and digits (adding eng to every page makes Tesseract
// misread short Chinese headers such as secrecy marks).
std::string OcrLanguages(const kuaguan::v1::Record& record);

}  // namespace kuaguan::ingest
