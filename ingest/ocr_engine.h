// One Tesseract engine (C++ API), single-threaded: Tesseract's OpenMP threading makes it several
// times slower on small machines, so the process runs one engine per core instead, and must
// start with OMP_THREAD_LIMIT=1 (base::EnsureSingleThreadedOpenMp). Recognizes a
// grey page into text, lines and words with boxes and confidences. Chinese output is joined
// (Tesseract puts spaces between Han characters). Not thread-safe: one engine per worker.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "ingest/page_image.h"

namespace tesseract {
class TessBaseAPI;
}

namespace kuaguan::ingest {

struct OcrBox {
  std::string text;
  int left = 0, top = 0, right = 0, bottom = 0;  // pixels
  float confidence = 0;                          // 0-100
};

struct OcrPage {
  std::string text;            // lines joined with '\n', a blank line where a paragraph ends
  std::vector<OcrBox> lines;
  std::vector<OcrBox> words;
  float mean_confidence = 0;   // 0-100
  bool vertical = false;       // most lines run top to bottom (Tesseract's layout, or their shape)
};

class OcrEngine {
 public:
  // `languages` as Tesseract names them, e.g. "chi_sim+eng". FAILED_PRECONDITION when the
  // language data is not installed.
  static absl::StatusOr<std::unique_ptr<OcrEngine>> Create(const std::string& languages);
  ~OcrEngine();
  OcrEngine(const OcrEngine&) = delete;
  OcrEngine& operator=(const OcrEngine&) = delete;

  absl::StatusOr<OcrPage> Recognize(const GreyImage& image, int dpi = 300);

  const std::string& languages() const { return languages_; }

 private:
  OcrEngine() = default;
  std::unique_ptr<tesseract::TessBaseAPI> api_;
  std::string languages_;
};

// The page's text from its lines in reading order: lines joined with '\n', and a blank line
// where a paragraph ends: before a line whose vertical gap to the previous one is well above
// the page's usual line spacing, or that does not stand below it (another column or cell).
// Vertical pages' columns are joined by '\n' alone.
std::string JoinLines(const std::vector<OcrBox>& lines, bool vertical);

// Removes the spaces Tesseract puts between Han characters (and around CJK punctuation).
std::string JoinHanSpacing(const std::string& text);

}  // namespace kuaguan::ingest
