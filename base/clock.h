// Where node and federation code read the time: a Clock is injected, so that tests can run a
// deadline, a certificate's validity or a retry backoff forward without sleeping.
// Implementations are thread-safe.
#pragma once

#include <chrono>
#include <cstdint>

#include "absl/time/time.h"

namespace kuaguan::base {

class Clock {
 public:
  virtual ~Clock() = default;
  // The current time.
  virtual absl::Time Now() const = 0;

  // The current time in microseconds since the Unix epoch.
  int64_t NowMicros() const { return absl::ToUnixMicros(Now()); }
  // The current time as a std::chrono time point (for certificate checks).
  std::chrono::system_clock::time_point NowChrono() const { return absl::ToChronoTime(Now()); }
};

// The wall clock (absl::Now). Never null; lives for the whole program.
const Clock* RealClock();

}  // namespace kuaguan::base
