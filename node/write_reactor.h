// A server-streaming reactor fed by a producer running as a task of a bounded worker pool: the
// producer calls emit(item) for each message (emit blocks until the previous write is done, and
// returns false once the client has gone), then returns its final status. Used for long streams
// (export, reindex progress, ingest) so that no gRPC callback thread blocks. When the pool is
// full the stream ends at once with RESOURCE_EXHAUSTED saying what is busy. The reactor deletes
// itself in OnDone, after its task has finished.
#pragma once

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <functional>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "base/grpc_status.h"
#include "base/worker_pool.h"

namespace kuaguan::node {

template <typename T>
class ThreadedWriteReactor : public grpc::ServerWriteReactor<T> {
 public:
  using Emit = std::function<bool(const T&)>;
  using Producer = std::function<absl::Status(const Emit&, const std::atomic<bool>& cancelled)>;

  // `pool` must outlive the stream.
  ThreadedWriteReactor(base::WorkerPool* pool, Producer producer) {
    absl::Status queued = pool->Submit([this, p = std::move(producer)] {
      Run(p);
      finished_.Notify();
    });
    if (!queued.ok()) {
      finished_.Notify();
      this->Finish(base::ToGrpcStatus(queued));
    }
  }

  void OnWriteDone(bool ok) override {
    absl::MutexLock lock(&mu_);
    writing_ = false;
    if (!ok) cancelled_ = true;
  }
  void OnCancel() override {
    absl::MutexLock lock(&mu_);
    cancelled_ = true;
  }
  void OnDone() override {
    finished_.WaitForNotification();
    delete this;
  }

 private:
  bool Idle() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return !writing_ || cancelled_; }

  void Run(const Producer& producer) {
    const absl::Status st = producer(
        [this](const T& item) {
          {
            absl::MutexLock lock(&mu_);
            mu_.Await(absl::Condition(this, &ThreadedWriteReactor::Idle));
            if (cancelled_) return false;
            writing_ = true;
            current_ = item;
          }
          this->StartWrite(&current_);
          return true;
        },
        cancelled_);
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(this, &ThreadedWriteReactor::Idle));
    }
    this->Finish(base::ToGrpcStatus(st));
  }

  absl::Notification finished_;
  std::atomic<bool> cancelled_{false};
  absl::Mutex mu_;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  T current_;  // the message being written; touched only between writes
};

}  // namespace kuaguan::node
