// Folds text for matching: traditional to simplified Chinese (OpenCC t2s, so 檔案 finds 档案),
// full-width ASCII to half-width, Latin letters to lower case. Indexing and queries both fold.
// Thread-safe: one converter guarded by a mutex.
#pragma once

#include <memory>
#include <string>
#include "absl/strings/string_view.h"

#include "absl/base/thread_annotations.h"
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
  absl::Mutex mu_;
  void* opencc_ ABSL_GUARDED_BY(mu_);  // opencc_t
};

}  // namespace kuaguan::index
