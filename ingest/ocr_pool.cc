#include "ingest/ocr_pool.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "absl/strings/str_split.h"
#include "base/status_macros.h"
#include "seal/digest.h"

namespace kuaguan::ingest {

absl::StatusOr<std::string> ReadFileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) {
      return absl::NotFoundError(absl::StrCat(path, ": no such file"));
    }
    return absl::PermissionDeniedError(absl::StrCat(path, ": cannot open (not readable)"));
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

namespace {

// The vertical model of each language: "chi_sim" -> "chi_sim_vert" (languages joined by '+'
// keep their order; a language without a vertical model is kept as it is).
std::string VerticalLanguages(const std::string& languages) {
  std::string out;
  for (absl::string_view lang : absl::StrSplit(languages, '+')) {
    if (!out.empty()) out += "+";
    const bool has_vert = lang == "chi_sim" || lang == "chi_tra" || lang == "jpn" || lang == "kor";
    absl::StrAppend(&out, lang, has_vert ? "_vert" : "");
  }
  return out;
}

}  // namespace

absl::StatusOr<std::unique_ptr<OcrPool>> OcrPool::Create(int workers, const std::string& languages) {
  auto pool = std::unique_ptr<OcrPool>(new OcrPool());
  pool->default_languages_ = languages;
  pool->engines_.resize(static_cast<size_t>(std::max(1, workers)));
  for (auto& engines : pool->engines_) {
    auto engine = EngineFor(&engines, languages);
    if (!engine.ok()) return engine.status();
  }
  return pool;
}

absl::StatusOr<OcrEngine*> OcrPool::EngineFor(Engines* engines, const std::string& languages) {
  auto& slot = (*engines)[languages];
  if (!slot) {
    auto engine = OcrEngine::Create(languages);
    if (!engine.ok()) return engine.status();
    slot = std::move(*engine);
  }
  return slot.get();
}

absl::Status OcrPool::RecognizePage(Engines* engines, const PageSource& source, ScannedPage* out,
                                    const std::atomic<bool>* cancel) {
  if (cancel != nullptr && cancel->load()) return absl::CancelledError("stopped before this page");
  std::shared_ptr<const std::string> bytes = source.bytes;
  if (bytes == nullptr) {
    ASSIGN_OR_RETURN(std::string read, ReadFileBytes(source.path));
    out->size = read.size();
    out->sm3 = seal::Sm3(read);
    out->sha256 = seal::Sha256(read);
    bytes = std::make_shared<const std::string>(std::move(read));
  }
  auto decoded = DecodePage(*bytes, source.page);
  if (!decoded.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(source.path, ": ", decoded.status().message()));
  }
  out->width = decoded->grey.width;
  out->height = decoded->grey.height;
  out->access_jpeg = std::move(decoded->access_jpeg);
  out->thumbnail_jpeg = std::move(decoded->thumbnail_jpeg);
  out->languages = source.languages.empty() ? default_languages_ : source.languages;
  ASSIGN_OR_RETURN(OcrEngine* engine, EngineFor(engines, out->languages));
  ASSIGN_OR_RETURN(out->ocr, engine->Recognize(decoded->grey));
  const std::string vertical = VerticalLanguages(out->languages);
  // Vertical by its layout, or read so poorly that it may be vertical text cut into rows.
  constexpr float kTryVerticalBelow = 40;
  if ((out->ocr.vertical || out->ocr.mean_confidence < kTryVerticalBelow) && vertical != out->languages) {
    ASSIGN_OR_RETURN(OcrEngine* vert, EngineFor(engines, vertical));
    ASSIGN_OR_RETURN(OcrPage again, vert->Recognize(decoded->grey));
    if (again.mean_confidence > out->ocr.mean_confidence) {
      out->ocr = std::move(again);
      out->languages = vertical;
    }
  }
  return absl::OkStatus();
}

ScannedPage OcrPool::RecognizeOn(int worker, const PageSource& source, const std::atomic<bool>* cancel) {
  ScannedPage out;
  out.worker = worker + 1;
  out.start_micros = absl::ToUnixMicros(absl::Now());
  out.status = RecognizePage(&engines_[static_cast<size_t>(worker)], source, &out, cancel);
  out.end_micros = absl::ToUnixMicros(absl::Now());
  return out;
}

std::vector<ScannedPage> OcrPool::Run(const std::vector<PageSource>& pages,
                                      const std::function<void(size_t, size_t)>& progress,
                                      const std::atomic<bool>* cancel) {
  std::vector<ScannedPage> results(pages.size());
  std::atomic<size_t> next{0};
  std::atomic<size_t> done{0};
  auto work = [&](int worker) {
    for (size_t i = next++; i < pages.size(); i = next++) {
      results[i] = RecognizeOn(worker, pages[i], cancel);
      progress(++done, pages.size());
    }
  };
  std::vector<std::thread> threads;
  for (int w = 1; w < workers(); ++w) threads.emplace_back(work, w);
  work(0);
  for (auto& t : threads) t.join();
  return results;
}

}  // namespace kuaguan::ingest
