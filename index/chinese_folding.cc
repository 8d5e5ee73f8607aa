#include "absl/strings/string_view.h"
#include "index/chinese_folding.h"

#include <opencc/opencc.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "base/utf8.h"

namespace kuaguan::index {

absl::StatusOr<std::unique_ptr<ChineseFolder>> ChineseFolder::Create() {
  opencc_t cc = opencc_open(OPENCC_DEFAULT_CONFIG_TRAD_TO_SIMP);
  if (cc == reinterpret_cast<opencc_t>(-1)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot load OpenCC t2s configuration: ", opencc_error(), " (is package opencc installed?)"));
  }
  std::unique_ptr<ChineseFolder> folder(new ChineseFolder(cc));
  // One conversion of the whole table, a character a line: no phrase spans a line, so each
  // character is converted alone, as FoldHan would.
  std::string all;
  for (char32_t cp = kTableFirst; cp < kTableEnd; ++cp) {
    base::AppendUtf8(cp, &all);
    all += '\n';
  }
  folder->table_.reserve(kTableEnd - kTableFirst);
  if (char* out = opencc_convert_utf8(cc, all.data(), all.size())) {
    const std::string converted(out);
    opencc_convert_utf8_free(out);
    for (absl::string_view line : absl::StrSplit(converted, '\n')) {
      const char32_t cp = kTableFirst + static_cast<char32_t>(folder->table_.size());
      if (cp >= kTableEnd) break;
      const auto cps = base::DecodeUtf8(line);
      folder->table_.push_back(cps.size() == 1 ? cps[0] : cp);
    }
  }
  if (folder->table_.size() != kTableEnd - kTableFirst) folder->table_.clear();  // ask OpenCC each time
  return folder;
}

ChineseFolder::~ChineseFolder() {
  absl::MutexLock lock(&mu_);
  opencc_close(static_cast<opencc_t>(opencc_));
}

char32_t ChineseFolder::FoldHan(char32_t cp) {
  if (cp >= kTableFirst && cp < kTableEnd && !table_.empty()) return table_[cp - kTableFirst];
  {
    absl::ReaderMutexLock lock(&mu_);
    if (auto it = cache_.find(cp); it != cache_.end()) return it->second;
  }
  absl::MutexLock lock(&mu_);
  std::string in;
  base::AppendUtf8(cp, &in);
  char32_t folded = cp;
  if (char* out = opencc_convert_utf8(static_cast<opencc_t>(opencc_), in.data(), in.size())) {
    const auto cps = base::DecodeUtf8(out);
    if (cps.size() == 1) folded = cps[0];
    opencc_convert_utf8_free(out);
  }
  cache_.emplace(cp, folded);
  return folded;
}

std::string ChineseFolder::Fold(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char32_t cp : base::DecodeUtf8(text)) {
    if (cp >= 0xFF01 && cp <= 0xFF5E) cp -= 0xFEE0;  // full-width ASCII
    if (cp == 0x3000) cp = ' ';
    if (cp >= 'A' && cp <= 'Z') cp += 32;
    if (base::IsHan(cp)) cp = FoldHan(cp);
    base::AppendUtf8(cp, &out);
  }
  return out;
}

}  // namespace kuaguan::index
