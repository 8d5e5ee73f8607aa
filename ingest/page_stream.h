// Streams the pages of many items through an OcrPool's engines as one continuous queue: no
// barrier between items or chunks, so an engine takes the next page the moment it is free.
// Items come from `next` one at a time and are admitted while fewer than `window` pages are in
// flight (queued, being read, or read but not yet handed back), so memory is bounded by the
// window plus one item whatever the batch size. An item is handed to `done` on the calling
// thread as soon as its last page is read, pages in the item's order (items may finish out of
// order). `page_read` runs on the calling thread after pages are read, with the count so far.
// When `cancel` is set no item is admitted any more, queued pages are dropped with their items
// (never handed to `done`), and pages already being read finish. An error from `next` or `done`
// stops the stream the same way and is returned. Runs on the calling thread plus one thread
// per engine; Run is called from one thread at a time.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ingest/ocr_pool.h"

namespace kuaguan::ingest {

struct StreamItem {
  uint64_t id = 0;  // the caller's, handed back to `done`
  std::vector<PageSource> pages;
};

class PageStream {
 public:
  // `pool` must outlive the stream. `window` is at least the pool's workers.
  PageStream(OcrPool* pool, size_t window);

  using NextItem = std::function<absl::StatusOr<std::optional<StreamItem>>()>;  // nullopt: no more
  using ItemDone = std::function<absl::Status(uint64_t id, std::vector<ScannedPage> pages)>;
  using PageRead = std::function<void(size_t pages_read)>;

  // Returns OK when every item was handed to `done`, CANCELLED when `cancel` stopped it.
  absl::Status Run(const NextItem& next, const ItemDone& done, const PageRead& page_read,
                   const std::atomic<bool>* cancel);

  // The most pages that were in flight at once during the last Run (for benchmarks).
  size_t peak_in_flight() const { return peak_in_flight_; }

 private:
  OcrPool* const pool_;
  const size_t window_;
  size_t peak_in_flight_ = 0;
};

}  // namespace kuaguan::ingest
