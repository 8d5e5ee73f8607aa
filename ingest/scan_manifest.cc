#include "ingest/scan_manifest.h"

#include <algorithm>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace kuaguan::ingest {
namespace fs = std::filesystem;

namespace {

bool IsPageFile(const fs::path& p) {
  const std::string ext = absl::AsciiStrToLower(p.extension().string());
  return ext == ".tif" || ext == ".tiff" || ext == ".jpg" || ext == ".jpeg" || ext == ".png" ||
         ext == ".pdf";
}

}  // namespace

absl::StatusOr<std::string> ResolvePage(const fs::path& base, const std::string& entry) {
  const fs::path rel(entry);
  if (rel.is_absolute()) return absl::InvalidArgumentError("absolute path (must be relative to the base folder)");
  for (const auto& part : rel) {
    if (part == "..") return absl::InvalidArgumentError("path escapes the base folder (..)");
  }
  std::error_code ec;
  const fs::path full = base / rel;
  if (!fs::exists(full, ec)) return absl::NotFoundError("no such file");
  const fs::path real = fs::canonical(full, ec);
  if (ec) return absl::InvalidArgumentError(absl::StrCat("cannot resolve: ", ec.message()));
  const std::string b = base.string() + "/";
  if (real.string().rfind(b, 0) != 0) {
    return absl::InvalidArgumentError("path escapes the base folder (through a symbolic link)");
  }
  if (!fs::is_regular_file(real, ec)) return absl::InvalidArgumentError("not a regular file");
  return real.string();
}

bool NaturalLess(const std::string& a, const std::string& b) {
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    const bool da = absl::ascii_isdigit(static_cast<unsigned char>(a[i]));
    const bool db = absl::ascii_isdigit(static_cast<unsigned char>(b[j]));
    if (da && db) {
      size_t ei = i, ej = j;
      while (ei < a.size() && absl::ascii_isdigit(static_cast<unsigned char>(a[ei]))) ++ei;
      while (ej < b.size() && absl::ascii_isdigit(static_cast<unsigned char>(b[ej]))) ++ej;
      const auto na = a.substr(i, ei - i), nb = b.substr(j, ej - j);
      const auto ta = na.substr(std::min(na.find_first_not_of('0'), na.size()));
      const auto tb = nb.substr(std::min(nb.find_first_not_of('0'), nb.size()));
      if (ta.size() != tb.size()) return ta.size() < tb.size();
      if (ta != tb) return ta < tb;
      i = ei;
      j = ej;
    } else {
      if (a[i] != b[j]) return a[i] < b[j];
      ++i;
      ++j;
    }
  }
  return a.size() - i < b.size() - j;
}

absl::StatusOr<fs::path> FolderCatalog(const fs::path& folder) {
  std::vector<fs::path> found;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(folder, ec)) {
    const std::string ext = absl::AsciiStrToLower(e.path().extension().string());
    if (e.is_regular_file() && (ext == ".csv" || ext == ".jsonl")) found.push_back(e.path());
  }
  if (ec) return absl::InvalidArgumentError(absl::StrCat(folder.string(), ": ", ec.message()));
  if (found.size() != 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        folder.string(), ": a folder of items needs exactly one catalog file (.csv or .jsonl) beside "
        "the item folders; found ", found.size()));
  }
  return found.front();
}

std::vector<std::string> PagesFromFolders(const fs::path& base, std::vector<CatalogRow>* rows) {
  std::set<std::string> named;
  for (auto& row : *rows) {
    const std::string& code = row.record.code();
    named.insert(code);
    auto& extra = *row.record.mutable_extra();
    if (extra.contains("pages") || extra.contains("页面") || extra.contains("文件") || code.empty()) continue;
    std::error_code ec;
    std::vector<std::string> files;
    for (const auto& e : fs::directory_iterator(base / code, ec)) {
      if (IsPageFile(e.path())) files.push_back(e.path().filename().string());
    }
    std::sort(files.begin(), files.end(), NaturalLess);
    for (auto& f : files) f = absl::StrCat(code, "/", f);
    extra["pages"] = absl::StrJoin(files, ";");
  }
  std::vector<std::string> orphans;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(base, ec)) {
    const std::string name = e.path().filename().string();
    if (e.is_directory() && !named.contains(name)) orphans.push_back(name);
  }
  std::sort(orphans.begin(), orphans.end());
  return orphans;
}

std::string TakePageList(kuaguan::v1::Record* record) {
  auto& extra = *record->mutable_extra();
  std::string pages;
  for (const char* col : kPagesColumns) {
    if (auto it = extra.find(col); it != extra.end()) {
      pages = it->second;
      extra.erase(it);
    }
  }
  return pages;
}

std::string OcrLanguages(const kuaguan::v1::Record& record) {
  const std::string lang = absl::AsciiStrToLower(record.language());
  const bool traditional = absl::StrContains(lang, "繁") || absl::StrContains(lang, "hant") ||
                           absl::StrContains(lang, "chi_tra") || absl::StrContains(lang, "zh-tw") ||
                           absl::StrContains(lang, "zh-hk");
  const bool english = absl::StrContains(lang, "英") || absl::StrContains(lang, "eng");
  return absl::StrCat(traditional ? "chi_tra" : "chi_sim", english ? "+eng" : "");
}

}  // namespace kuaguan::ingest
