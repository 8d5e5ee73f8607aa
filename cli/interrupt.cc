#include "cli/interrupt.h"

#include <chrono>
#include <csignal>

namespace kuaguan::cli {
namespace {

std::atomic<bool> g_interrupted{false};
void OnInterrupt(int) { g_interrupted = true; }

}  // namespace

InterruptCancels::InterruptCancels(grpc::ClientContext* call) {
  g_interrupted = false;
  std::signal(SIGINT, OnInterrupt);
  watcher_ = std::thread([this, call] {
    while (!done_) {
      if (g_interrupted) {
        call->TryCancel();
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  });
}

InterruptCancels::~InterruptCancels() {
  done_ = true;
  watcher_.join();
  std::signal(SIGINT, SIG_DFL);
}

}  // namespace kuaguan::cli
