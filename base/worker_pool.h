// A fixed set of worker threads for long work (long admin calls, fan-out to federation members,
// OCR) with a bounded queue in front of them. Submitting never blocks: when every thread is busy
// and the queue is full the work is refused at once with RESOURCE_EXHAUSTED and a sentence that
// says what is busy, so a caller can tell its client to come back instead of piling up threads.
// Shutdown runs everything already accepted and joins every thread; no thread is detached.
//
// The pool's capacity is threads + queue_limit tasks, running or waiting. Counting both (not
// only the queue) makes admission independent of how quickly an idle worker picks a task up.
//
// Thread-safe: every public method may be called from any thread, including from the pool's own
// tasks, except Shutdown (and so the destructor), which a pool's own task must not call: a thread
// cannot join itself, and the process aborts.
#pragma once

#include <deque>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"

namespace kuaguan::base {

class WorkerPool {
 public:
  // Starts max(1, `threads`) threads. At most max(0, `queue_limit`) tasks wait while every thread
  // is busy. `name` is a plural noun phrase such as "import workers"; errors read "the import
  // workers are ...".
  WorkerPool(std::string name, int threads, int queue_limit);

  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Calls Shutdown().
  ~WorkerPool();

  // Queues `task` to run on one of the threads; never blocks. Errors: RESOURCE_EXHAUSTED when
  // every thread is busy and queue_limit tasks already wait; FAILED_PRECONDITION once Shutdown
  // has begun; INVALID_ARGUMENT for an empty task. An accepted task always runs, even when
  // Shutdown is called before it starts. Its captures are destroyed on the worker thread.
  absl::Status Submit(absl::AnyInvocable<void()> task) ABSL_LOCKS_EXCLUDED(mu_);

  // Runs `tasks` on the pool and returns once every one of them has finished (and has been
  // destroyed), so the tasks may capture the caller's locals by reference. All or nothing: when
  // the pool cannot take the whole batch at this moment, RESOURCE_EXHAUSTED and none of it runs.
  // Other errors, also with nothing run: INVALID_ARGUMENT when the batch is larger than the
  // pool's whole capacity (no retry would help) or holds an empty task; FAILED_PRECONDITION once
  // Shutdown has begun, or when called from one of this pool's own tasks (the batch could wait
  // behind its caller forever; use another pool for nested fan-out). An empty batch returns OK
  // at once unless Shutdown has begun.
  absl::Status RunAll(std::vector<absl::AnyInvocable<void()>> tasks) ABSL_LOCKS_EXCLUDED(mu_);

  // Stops accepting work, runs every task already accepted, and joins every thread. Idempotent;
  // a concurrent second call returns once the first has joined the threads. Must not be called
  // from one of this pool's own tasks (the process aborts: a thread cannot join itself).
  void Shutdown() ABSL_LOCKS_EXCLUDED(join_mu_, mu_);

  // Tasks running now, and tasks accepted but not yet started. For metrics and tests; the
  // numbers may change as soon as they are returned.
  int running() const ABSL_LOCKS_EXCLUDED(mu_);
  int waiting() const ABSL_LOCKS_EXCLUDED(mu_);

  const std::string& name() const { return name_; }

 private:
  struct Item {
    absl::AnyInvocable<void()> task;
    int* batch_left = nullptr;  // a RunAll's count of unfinished tasks, guarded by mu_
  };

  // Body of each thread: runs queued tasks until shutdown has begun and the queue is empty.
  void Work() ABSL_LOCKS_EXCLUDED(mu_);
  // True when a worker has something to do: a task to run, or an empty queue during shutdown.
  bool WorkOrStop() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // OK when `count` more tasks fit now, else the error to return.
  absl::Status Admit(size_t count) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // Constant after construction.
  const std::string name_;
  const int thread_count_;
  const int queue_limit_;

  // Serializes Shutdown callers; held while joining. Acquired before mu_.
  absl::Mutex join_mu_ ABSL_ACQUIRED_BEFORE(mu_);
  std::vector<std::thread> threads_ ABSL_GUARDED_BY(join_mu_);

  // State guarded by mu_.
  mutable absl::Mutex mu_;
  std::deque<Item> queue_ ABSL_GUARDED_BY(mu_);
  int running_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace kuaguan::base
