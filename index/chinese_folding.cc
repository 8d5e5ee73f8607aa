#include "absl/strings/string_view.h"
#include "index/chinese_folding.h"

#include <opencc/opencc.h>

#include "absl/strings/str_cat.h"
#include "base/utf8.h"

namespace kuaguan::index {

absl::StatusOr<std::unique_ptr<ChineseFolder>> ChineseFolder::Create() {
  opencc_t cc = opencc_open(OPENCC_DEFAULT_CONFIG_TRAD_TO_SIMP);
  if (cc == reinterpret_cast<opencc_t>(-1)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot load OpenCC t2s configuration: ", opencc_error(), " (is package opencc installed?)"));
  }
  return std::unique_ptr<ChineseFolder>(new ChineseFolder(cc));
}

ChineseFolder::~ChineseFolder() {
  absl::MutexLock lock(&mu_);
  opencc_close(static_cast<opencc_t>(opencc_));
}

std::string ChineseFolder::Fold(absl::string_view text) {
  std::string pre;
  pre.reserve(text.size());
  bool has_non_ascii = false;
  for (char32_t cp : base::DecodeUtf8(text)) {
    if (cp >= 0xFF01 && cp <= 0xFF5E) cp -= 0xFEE0;  // full-width ASCII
    if (cp == 0x3000) cp = ' ';
    if (cp >= 'A' && cp <= 'Z') cp += 32;
    has_non_ascii |= cp >= 0x80;
    base::AppendUtf8(cp, &pre);
  }
  if (!has_non_ascii) return pre;
  absl::MutexLock lock(&mu_);
  char* out = opencc_convert_utf8(static_cast<opencc_t>(opencc_), pre.data(), pre.size());
  if (out == nullptr) return pre;
  std::string result(out);
  opencc_convert_utf8_free(out);
  return result;
}

}  // namespace kuaguan::index
