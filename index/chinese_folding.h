// Folds text for matching: traditional to simplified Chinese character by character (OpenCC
// t2s, so 檔案 finds 档案), full-width ASCII to half-width, Latin letters to lower case.
// Folding keeps one code point per code point, so positions in folded text are positions in
// the original (snippets mark the original exactly). Indexing and queries both fold.
// Thread-safe: the common Han characters (U+3400 to U+9FFF) are folded from a table made once
// at creation, without a lock; OpenCC is asked once for any other, and the answer cached.
#pragma once

#include <memory>
#include <string>
#include <vector>
#include "absl/strings/string_view.h"

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

namespace kuaguan::index {

class ChineseFolder {
 public:
  // Loads OpenCC's t2s configuration; fails when OpenCC's data files are missing.
  static absl::StatusOr<std::unique_ptr<ChineseFolder>> Create();
  ~ChineseFolder();
  ChineseFolder(const ChineseFolder&) = delete;
  ChineseFolder& operator=(const ChineseFolder&) = delete;

  // The folded form of `text` (valid UTF-8 in, valid UTF-8 out).
  std::string Fold(absl::string_view text);

 private:
  explicit ChineseFolder(void* opencc) : opencc_(opencc) {}
  static constexpr char32_t kTableFirst = 0x3400;
  static constexpr char32_t kTableEnd = 0xA000;
  // The simplified form of one Han character (itself when OpenCC maps it to several).
  char32_t FoldHan(char32_t cp);

  std::vector<char32_t> table_;  // folded form of kTableFirst + i; constant after Create

  absl::Mutex mu_;
  void* opencc_ ABSL_GUARDED_BY(mu_);  // opencc_t
  absl::flat_hash_map<char32_t, char32_t> cache_ ABSL_GUARDED_BY(mu_);
};

}  // namespace kuaguan::index
