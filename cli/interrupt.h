// Ctrl-C during a long streamed call (ingest, reindex, backup): while an InterruptCancels lives,
// SIGINT cancels `call` (from a watcher thread: TryCancel is not async-signal-safe) instead of
// killing the CLI, so the node ends the work cleanly and a rerun resumes. One at a time.
#pragma once

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <thread>

namespace kuaguan::cli {

class InterruptCancels {
 public:
  explicit InterruptCancels(grpc::ClientContext* call);
  ~InterruptCancels();  // restores SIGINT's default
  InterruptCancels(const InterruptCancels&) = delete;
  InterruptCancels& operator=(const InterruptCancels&) = delete;

 private:
  std::atomic<bool> done_{false};
  std::thread watcher_;
};

}  // namespace kuaguan::cli
