// OCR of many pages on a bounded set of workers, one single-threaded Tesseract engine each
// (engines are reused across pages). Each page is decoded once, into grey for OCR and the access
// and thumbnail copies; results
// come back in input order, each with its own status, so one bad page never stops the rest.
// A page whose lines run vertically, or that reads with very low confidence, is recognized again
// as one block of vertical text with the vertical model of its language (chi_sim ->
// chi_sim_vert), and the reading with the higher mean confidence is kept. Engines for
// languages other than the default are made on first use, one per worker.
// Thread-compatible: Run is called from one thread at a time (RecognizeOn: see there).
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ingest/ocr_engine.h"

namespace kuaguan::ingest {

struct PageSource {
  std::string path;       // an image file (TIFF, JPEG, PNG, PDF)
  int page = 0;           // page within the file, from 0
  std::string languages;  // Tesseract languages for this page; empty for the pool's default
  // The file's bytes when the caller has read (and digested) them already: the file is then
  // neither read nor digested again, and the page's sm3, sha256 and size are left empty.
  std::shared_ptr<const std::string> bytes;
};

struct ScannedPage {
  absl::Status status;     // why the page could not be read or recognized
  std::string sm3;         // digests of the file's bytes (the original, as stored)
  std::string sha256;
  uint64_t size = 0;
  int width = 0;
  int height = 0;
  std::string access_jpeg;     // derived from the same decode (see DecodePage)
  std::string thumbnail_jpeg;
  OcrPage ocr;
  std::string languages;   // the languages that produced `ocr` (e.g. chi_sim_vert)
  int worker = 0;          // which engine recognized it (from 1)
  int64_t start_micros = 0;
  int64_t end_micros = 0;
};

class OcrPool {
 public:
  // `workers` engines for `languages` (e.g. "chi_sim"), the default; FAILED_PRECONDITION when
  // the language data is missing.
  static absl::StatusOr<std::unique_ptr<OcrPool>> Create(int workers, const std::string& languages);

  // Recognizes `pages`; `progress(done, total)` is called after each page from a worker thread.
  // Stops taking new pages once `cancel` is set (their status is CANCELLED).
  std::vector<ScannedPage> Run(const std::vector<PageSource>& pages,
                               const std::function<void(size_t, size_t)>& progress,
                               const std::atomic<bool>* cancel);

  // Reads one page with worker `worker`'s engines (0 <= worker < workers()); the result holds
  // the page's status (CANCELLED without reading once `cancel` is set). Each worker is used by
  // one thread at a time; different workers may run at once.
  ScannedPage RecognizeOn(int worker, const PageSource& source, const std::atomic<bool>* cancel);

  int workers() const { return static_cast<int>(engines_.size()); }

 private:
  using Engines = std::map<std::string, std::unique_ptr<OcrEngine>>;  // by languages
  // The worker's engine for `languages`, made on first use.
  static absl::StatusOr<OcrEngine*> EngineFor(Engines* engines, const std::string& languages);
  // Reads, decodes and recognizes one page with the worker's `engines`.
  absl::Status RecognizePage(Engines* engines, const PageSource& source, ScannedPage* out,
                             const std::atomic<bool>* cancel);

  std::string default_languages_;
  std::vector<Engines> engines_;  // one map per worker
};

// Reads a whole file; NOT_FOUND / PERMISSION_DENIED naming it.
absl::StatusOr<std::string> ReadFileBytes(const std::string& path);

}  // namespace kuaguan::ingest
