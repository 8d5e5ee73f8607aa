// The daemon's word to systemd (sd_notify(3), a Type=notify unit): STATUS= lines, READY=1 once
// the node serves, WATCHDOG=1 from a thread of its own while a health probe passes, STOPPING=1 on
// shutdown. The environment (NOTIFY_SOCKET, WATCHDOG_USEC, WATCHDOG_PID) is read once, at
// construction; without NOTIFY_SOCKET every call is a no-op, and without a watchdog for this pid
// StartWatchdog starts no thread. Thread-safe; the destructor stops and joins the thread.
#pragma once

#include <functional>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace kuaguan::node {

class ServiceNotifier {
 public:
  ServiceNotifier();
  ~ServiceNotifier();
  ServiceNotifier(const ServiceNotifier&) = delete;
  ServiceNotifier& operator=(const ServiceNotifier&) = delete;

  // True when systemd listens (NOTIFY_SOCKET was set).
  bool enabled() const { return enabled_; }
  // How often the watchdog thread probes and pings: half of WATCHDOG_USEC; zero without one.
  absl::Duration watchdog_interval() const { return interval_; }

  // STATUS=`text`: the one line `systemctl status` shows.
  void Status(const std::string& text);
  // READY=1 with STATUS=`text`: the node serves (the unit's start has finished).
  void Ready(const std::string& text);
  // When systemd asked for a watchdog: every watchdog_interval() calls `probe` and sends
  // WATCHDOG=1 only when it returns OK; otherwise STATUS= names the failure and no ping goes, so
  // a node whose probe fails (or hangs) for a whole WatchdogSec is restarted. `probe` must stay
  // callable until Stopping() or destruction. Call at most once.
  void StartWatchdog(std::function<absl::Status()> probe);
  // Stops and joins the watchdog thread, then sends STOPPING=1 with STATUS=`text`. Idempotent
  // for the thread; call before what the probe reads is torn down.
  void Stopping(const std::string& text);

 private:
  void Send(const std::string& state);
  void WatchdogLoop(std::function<absl::Status()> probe);

  // Constant after construction.
  bool enabled_ = false;
  absl::Duration interval_ = absl::ZeroDuration();

  absl::Mutex mu_;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  absl::Mutex join_mu_;  // Stopping may come from two threads; one joins
  std::thread watchdog_;
};

}  // namespace kuaguan::node
