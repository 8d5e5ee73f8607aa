#include "ingest/page_stream.h"

#include <algorithm>
#include <deque>
#include <map>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace kuaguan::ingest {
namespace {

struct Task {
  uint64_t item = 0;
  size_t page = 0;
  PageSource source;
};

struct Slot {
  std::vector<ScannedPage> pages;
  size_t remaining = 0;
};

// What the coordinator and the engine threads share.
struct Shared {
  absl::Mutex mu;
  std::deque<Task> queue ABSL_GUARDED_BY(mu);
  std::map<uint64_t, Slot> slots ABSL_GUARDED_BY(mu);
  std::deque<uint64_t> ready ABSL_GUARDED_BY(mu);  // items whose pages are all read
  size_t busy ABSL_GUARDED_BY(mu) = 0;             // engines reading a page
  size_t read ABSL_GUARDED_BY(mu) = 0;             // pages read so far
  bool closing ABSL_GUARDED_BY(mu) = false;        // engine threads leave when the queue is empty
};

}  // namespace

PageStream::PageStream(OcrPool* pool, size_t window)
    : pool_(pool), window_(std::max<size_t>(window, static_cast<size_t>(pool->workers()))) {}

absl::Status PageStream::Run(const NextItem& next, const ItemDone& done, const PageRead& page_read,
                             const std::atomic<bool>* cancel) {
  Shared s;
  auto engine = [this, &s, cancel](int worker) {
    for (;;) {
      Task task;
      {
        absl::MutexLock lock(&s.mu);
        s.mu.Await(absl::Condition(
            +[](Shared* sh) ABSL_EXCLUSIVE_LOCKS_REQUIRED(sh->mu) { return !sh->queue.empty() || sh->closing; },
            &s));
        if (s.queue.empty()) return;
        task = std::move(s.queue.front());
        s.queue.pop_front();
        ++s.busy;
      }
      ScannedPage page = pool_->RecognizeOn(worker, task.source, cancel);
      absl::MutexLock lock(&s.mu);
      --s.busy;
      ++s.read;
      auto slot = s.slots.find(task.item);
      if (slot == s.slots.end()) continue;  // dropped by a stop while being read
      slot->second.pages[task.page] = std::move(page);
      if (--slot->second.remaining == 0) s.ready.push_back(task.item);
    }
  };
  std::vector<std::thread> threads;
  for (int w = 0; w < pool_->workers(); ++w) threads.emplace_back(engine, w);

  peak_in_flight_ = 0;
  size_t in_flight = 0;  // pages admitted and not yet handed to `done`
  size_t reported = 0;
  bool exhausted = false;
  absl::Status error;
  auto stopped = [&] { return !error.ok() || (cancel != nullptr && cancel->load()); };
  std::map<uint64_t, size_t> sizes;
  for (;;) {
    // Admit items while the window has room (an item larger than the window goes in whole).
    while (!exhausted && !stopped() && in_flight < window_) {
      absl::StatusOr<std::optional<StreamItem>> item = next();
      if (!item.ok()) {
        error = item.status();
        break;
      }
      if (!item->has_value()) {
        exhausted = true;
        break;
      }
      StreamItem it = **std::move(item);
      if (it.pages.empty()) continue;
      const size_t n = it.pages.size();
      in_flight += n;
      peak_in_flight_ = std::max(peak_in_flight_, in_flight);
      sizes[it.id] = n;
      absl::MutexLock lock(&s.mu);
      Slot& slot = s.slots[it.id];
      slot.pages.resize(n);
      slot.remaining = n;
      for (size_t k = 0; k < n; ++k) s.queue.push_back({it.id, k, std::move(it.pages[k])});
    }
    std::vector<std::pair<uint64_t, std::vector<ScannedPage>>> finished;
    size_t read = 0;
    bool all_done = false;
    {
      absl::MutexLock lock(&s.mu);
      if (stopped() && !s.queue.empty()) {
        // Stop: queued pages are dropped, and with them every item they belong to.
        for (const Task& t : s.queue) {
          if (s.slots.erase(t.item) > 0) in_flight -= sizes[t.item];
        }
        s.queue.clear();
      }
      const bool admit_more = !exhausted && !stopped() && in_flight < window_;
      auto progress = [&, admit_more]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(s.mu) {
        return !s.ready.empty() || s.read != reported || admit_more ||
               (s.queue.empty() && s.busy == 0) ||
               (cancel != nullptr && cancel->load() && !s.queue.empty());
      };
      s.mu.Await(absl::Condition(&progress));
      while (!s.ready.empty()) {
        const uint64_t id = s.ready.front();
        s.ready.pop_front();
        auto slot = s.slots.extract(id);
        if (slot.empty()) continue;
        auto& pages = slot.mapped().pages;
        // A page taken just as the stream stopped was not read: its item is dropped.
        const bool cut = std::any_of(pages.begin(), pages.end(),
                                     [](const ScannedPage& p) { return absl::IsCancelled(p.status); });
        if (cut) {
          in_flight -= sizes[id];
          continue;
        }
        finished.emplace_back(id, std::move(pages));
      }
      read = s.read;
      all_done = s.queue.empty() && s.busy == 0 && s.ready.empty() && finished.empty() &&
                 (exhausted || stopped());
    }
    if (read != reported) {
      reported = read;
      if (page_read) page_read(read);
    }
    for (auto& [id, pages] : finished) {
      in_flight -= sizes[id];
      sizes.erase(id);
      if (!error.ok()) continue;
      if (absl::Status st = done(id, std::move(pages)); !st.ok()) error = st;
    }
    if (all_done) break;
  }
  {
    absl::MutexLock lock(&s.mu);
    s.closing = true;
  }
  for (auto& t : threads) t.join();
  if (!error.ok()) return error;
  if (cancel != nullptr && cancel->load()) return absl::CancelledError("stopped");
  return absl::OkStatus();
}

}  // namespace kuaguan::ingest
