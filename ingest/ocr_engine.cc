#include "ingest/ocr_engine.h"

#include <tesseract/baseapi.h>
#include <tesseract/resultiterator.h>

#include <algorithm>
#include <cstdlib>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/openmp_env.h"
#include "base/utf8.h"

namespace kuaguan::ingest {
namespace {

bool IsCjkPunct(char32_t cp) {
  return (cp >= 0x3000 && cp <= 0x303F) || (cp >= 0xFF00 && cp <= 0xFFEF) || cp == 0x2014 ||
         cp == 0x2026 || (cp >= 0x201C && cp <= 0x201D);
}

bool IsCjk(char32_t cp) { return base::IsHan(cp) || IsCjkPunct(cp); }

std::string Take(char* s) {
  std::string out = s == nullptr ? "" : s;
  delete[] s;
  return out;
}

}  // namespace

std::string JoinHanSpacing(const std::string& text) {
  const auto cps = base::DecodeUtf8(text);
  std::vector<char32_t> out;
  for (size_t i = 0; i < cps.size(); ++i) {
    if (cps[i] == ' ' && !out.empty()) {
      size_t j = i;
      while (j < cps.size() && cps[j] == ' ') ++j;
      const bool next_cjk = j < cps.size() && IsCjk(cps[j]);
      const bool next_punct = j < cps.size() && IsCjkPunct(cps[j]);
      if ((IsCjk(out.back()) && next_cjk) || IsCjkPunct(out.back()) || next_punct) {
        i = j - 1;
        continue;
      }
    }
    out.push_back(cps[i]);
  }
  return base::EncodeUtf8(out);
}

std::string JoinLines(const std::vector<OcrBox>& lines, bool vertical) {
  std::vector<int> heights, gaps;
  for (size_t i = 0; i < lines.size(); ++i) {
    heights.push_back(lines[i].bottom - lines[i].top);
    if (i > 0 && lines[i].top >= lines[i - 1].bottom) gaps.push_back(lines[i].top - lines[i - 1].bottom);
  }
  // The usual line height (median) and line gap (lower quartile: on a sparse page many gaps
  // are paragraph ends).
  auto quantile = [](std::vector<int> v, size_t q) {
    if (v.empty()) return 0;
    std::nth_element(v.begin(), v.begin() + static_cast<long>(v.size() / q), v.end());
    return v[v.size() / q];
  };
  const int height = quantile(heights, 2);
  const int gap = quantile(gaps, 4);
  std::string text;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (i > 0 && !vertical) {
      const OcrBox& prev = lines[i - 1];
      const OcrBox& cur = lines[i];
      const int between = cur.top - prev.bottom;
      const bool below = cur.top >= prev.top + (prev.bottom - prev.top) / 2 &&
                         cur.left < prev.right && cur.right > prev.left;
      const bool wide_gap = between > height && between > gap * 9 / 5;
      if (!below || wide_gap) text += "\n";
    }
    absl::StrAppend(&text, lines[i].text, "\n");
  }
  return text;
}

absl::StatusOr<std::unique_ptr<OcrEngine>> OcrEngine::Create(const std::string& languages) {
  if (!base::OpenMpSingleThreaded()) {
    return absl::FailedPreconditionError(
        "OMP_THREAD_LIMIT=1 must be set when the process starts (see base/openmp_env.h): "
        "multi-threaded Tesseract engines run several times slower side by side");
  }
  std::unique_ptr<OcrEngine> engine(new OcrEngine());
  engine->api_ = std::make_unique<tesseract::TessBaseAPI>();
  if (engine->api_->Init(nullptr, languages.c_str(), tesseract::OEM_LSTM_ONLY) != 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "Tesseract cannot load ", languages, " (install its tesseract-ocr-* language package)"));
  }
  // A vertical model is used on pages already judged vertical: the page is read as one block of
  // vertical text (Tesseract's automatic layout often cuts a few columns into short rows).
  engine->api_->SetPageSegMode(absl::StrContains(languages, "_vert")
                                   ? tesseract::PSM_SINGLE_BLOCK_VERT_TEXT
                                   : tesseract::PSM_AUTO);
  engine->languages_ = languages;
  engine->api_->SetVariable("debug_file", "/dev/null");
  return engine;
}

OcrEngine::~OcrEngine() {
  if (api_) api_->End();
}

absl::StatusOr<OcrPage> OcrEngine::Recognize(const GreyImage& image, int dpi) {
  if (image.width <= 0 || image.height <= 0) return absl::InvalidArgumentError("empty page image");
  api_->SetImage(image.pixels.data(), image.width, image.height, 1, image.width);
  api_->SetSourceResolution(dpi);
  if (api_->Recognize(nullptr) != 0) return absl::InternalError("Tesseract could not recognize the page");
  OcrPage page;
  std::unique_ptr<tesseract::ResultIterator> it(api_->GetIterator());
  auto collect = [&](tesseract::PageIteratorLevel level, std::vector<OcrBox>* out) {
    if (!it) return;
    it->Begin();
    do {
      OcrBox b;
      b.text = JoinHanSpacing(Take(it->GetUTF8Text(level)));
      while (!b.text.empty() && (b.text.back() == '\n' || b.text.back() == ' ')) b.text.pop_back();
      if (b.text.empty()) continue;
      it->BoundingBox(level, &b.left, &b.top, &b.right, &b.bottom);
      b.confidence = it->Confidence(level);
      out->push_back(std::move(b));
    } while (it->Next(level));
  };
  collect(tesseract::RIL_TEXTLINE, &page.lines);
  size_t vertical = 0, lines = 0;
  if (it) {
    it->Begin();
    do {
      if (it->Empty(tesseract::RIL_TEXTLINE)) continue;
      tesseract::Orientation orientation;
      tesseract::WritingDirection direction;
      tesseract::TextlineOrder order;
      float deskew = 0;
      it->Orientation(&orientation, &direction, &order, &deskew);
      int left = 0, top = 0, right = 0, bottom = 0;
      it->BoundingBox(tesseract::RIL_TEXTLINE, &left, &top, &right, &bottom);
      ++lines;
      if (direction == tesseract::WRITING_DIRECTION_TOP_TO_BOTTOM || bottom - top > 3 * (right - left)) {
        ++vertical;
      }
    } while (it->Next(tesseract::RIL_TEXTLINE));
  }
  page.vertical = lines >= 2 && vertical * 2 >= lines;
  collect(tesseract::RIL_WORD, &page.words);
  page.text = JoinLines(page.lines, page.vertical);
  page.mean_confidence = static_cast<float>(api_->MeanTextConf());
  api_->Clear();
  return page;
}

}  // namespace kuaguan::ingest
