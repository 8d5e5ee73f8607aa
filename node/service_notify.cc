#include "node/service_notify.h"

#include <systemd/sd-daemon.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"

namespace kuaguan::node {
namespace {

// A STATUS= value is one line: a newline would end it and start a field of its own.
std::string OneLine(std::string text) {
  std::replace(text.begin(), text.end(), '\n', ' ');
  return text;
}

}  // namespace

ServiceNotifier::ServiceNotifier() {
  const char* socket = std::getenv("NOTIFY_SOCKET");
  enabled_ = socket != nullptr && socket[0] != '\0';
  if (!enabled_) return;
  uint64_t usec = 0;
  // > 0 only when WATCHDOG_USEC is set and WATCHDOG_PID, if set, is this process.
  if (sd_watchdog_enabled(/*unset_environment=*/0, &usec) > 0 && usec > 0) {
    interval_ = absl::Microseconds(static_cast<int64_t>(usec / 2));
  }
}

ServiceNotifier::~ServiceNotifier() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  if (watchdog_.joinable()) watchdog_.join();
}

void ServiceNotifier::Send(const std::string& state) {
  if (!enabled_) return;
  if (const int r = sd_notify(/*unset_environment=*/0, state.c_str()); r < 0) {
    std::fprintf(stderr, "kuaguand: cannot notify systemd (%s): %s\n", state.substr(0, state.find('\n')).c_str(),
                 std::strerror(-r));
  }
}

void ServiceNotifier::Status(const std::string& text) { Send(absl::StrCat("STATUS=", OneLine(text))); }

void ServiceNotifier::Ready(const std::string& text) { Send(absl::StrCat("READY=1\nSTATUS=", OneLine(text))); }

void ServiceNotifier::StartWatchdog(std::function<absl::Status()> probe) {
  if (!enabled_ || interval_ <= absl::ZeroDuration() || watchdog_.joinable()) return;
  watchdog_ = std::thread([this, probe = std::move(probe)] { WatchdogLoop(probe); });
}

void ServiceNotifier::WatchdogLoop(std::function<absl::Status()> probe) {
  bool failing = false;
  while (true) {
    const absl::Status st = probe();
    {
      absl::MutexLock lock(&mu_);
      if (stop_) return;
    }
    if (st.ok()) {
      Send(failing ? "WATCHDOG=1\nSTATUS=serving (the store answers again)" : "WATCHDOG=1");
    } else {
      Send(absl::StrCat("STATUS=unhealthy, withholding the watchdog ping: ", OneLine(st.ToString())));
    }
    failing = !st.ok();
    absl::MutexLock lock(&mu_);
    if (mu_.AwaitWithTimeout(absl::Condition(&stop_), interval_)) return;
  }
}

void ServiceNotifier::Stopping(const std::string& text) {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  {
    absl::MutexLock lock(&join_mu_);
    if (watchdog_.joinable()) watchdog_.join();
  }
  Send(absl::StrCat("STOPPING=1\nSTATUS=", OneLine(text)));
}

}  // namespace kuaguan::node
