// A one-line progress bar on a terminal's stderr (done/total, rate, ETA); silent when stderr
// is not a terminal. Thread-compatible.
#pragma once

#include <cstdint>
#include <string>

#include "absl/time/time.h"

namespace kuaguan::cli {

class ProgressBar {
 public:
  explicit ProgressBar(std::string unit);
  // Redraws the bar (at most ten times a second, and always when done == total).
  void Update(uint64_t done, uint64_t total);
  // Ends the bar's line.
  void Finish();

 private:
  std::string unit_;
  bool enabled_;
  absl::Time start_;
  absl::Time last_draw_ = absl::InfinitePast();
  bool drawn_ = false;
};

}  // namespace kuaguan::cli
