#include "ingest/ocr_pool.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
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

absl::StatusOr<std::unique_ptr<OcrPool>> OcrPool::Create(int workers, const std::string& languages) {
  auto pool = std::unique_ptr<OcrPool>(new OcrPool());
  for (int i = 0; i < std::max(1, workers); ++i) {
    auto engine = OcrEngine::Create(languages);
    if (!engine.ok()) return engine.status();
    pool->engines_.push_back(std::move(*engine));
  }
  return pool;
}

std::vector<ScannedPage> OcrPool::Run(const std::vector<PageSource>& pages,
                                      const std::function<void(size_t, size_t)>& progress,
                                      const std::atomic<bool>* cancel) {
  std::vector<ScannedPage> results(pages.size());
  std::atomic<size_t> next{0};
  std::atomic<size_t> done{0};
  auto work = [&](OcrEngine* engine, int worker) {
    for (size_t i = next++; i < pages.size(); i = next++) {
      ScannedPage& out = results[i];
      out.worker = worker;
      out.start_micros = absl::ToUnixMicros(absl::Now());
      if (cancel != nullptr && cancel->load()) {
        out.status = absl::CancelledError("stopped before this page");
        continue;
      }
      auto bytes = ReadFileBytes(pages[i].path);
      if (!bytes.ok()) {
        out.status = bytes.status();
      } else {
        out.size = bytes->size();
        out.sm3 = seal::Sm3(*bytes);
        out.sha256 = seal::Sha256(*bytes);
        auto grey = DecodePageGrey(*bytes, pages[i].page);
        if (!grey.ok()) {
          out.status = absl::InvalidArgumentError(
              absl::StrCat(pages[i].path, ": ", grey.status().message()));
        } else {
          out.width = grey->width;
          out.height = grey->height;
          auto ocr = engine->Recognize(*grey);
          if (ocr.ok()) {
            out.ocr = std::move(*ocr);
          } else {
            out.status = ocr.status();
          }
        }
      }
      out.end_micros = absl::ToUnixMicros(absl::Now());
      progress(++done, pages.size());
    }
  };
  std::vector<std::thread> threads;
  for (size_t w = 1; w < engines_.size(); ++w) {
    threads.emplace_back(work, engines_[w].get(), static_cast<int>(w + 1));
  }
  work(engines_[0].get(), 1);
  for (auto& t : threads) t.join();
  return results;
}

}  // namespace kuaguan::ingest
