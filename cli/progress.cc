#include "cli/progress.h"

#include <unistd.h>

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"

namespace kuaguan::cli {

ProgressBar::ProgressBar(std::string unit)
    : unit_(std::move(unit)), enabled_(isatty(STDERR_FILENO) == 1), start_(absl::Now()) {}

void ProgressBar::Update(uint64_t done, uint64_t total) {
  if (!enabled_) return;
  const absl::Time now = absl::Now();
  if (done < total && now - last_draw_ < absl::Milliseconds(100)) return;
  last_draw_ = now;
  constexpr int kWidth = 30;
  const double frac = total == 0 ? 1.0 : static_cast<double>(done) / static_cast<double>(total);
  const int filled = static_cast<int>(frac * kWidth);
  const double secs = absl::ToDoubleSeconds(now - start_);
  const double rate = secs > 0 ? static_cast<double>(done) / secs : 0;
  std::string eta = "--";
  if (rate > 0 && total >= done) {
    eta = absl::StrCat(static_cast<int64_t>(static_cast<double>(total - done) / rate), "s");
  }
  std::fprintf(stderr, "\r[%s%s] %s/%s %s  %s/s  ETA %s   ", std::string(filled, '#').c_str(),
               std::string(kWidth - filled, ' ').c_str(), absl::StrCat(done).c_str(),
               absl::StrCat(total).c_str(), unit_.c_str(),
               absl::StrFormat("%.0f", rate).c_str(), eta.c_str());
  std::fflush(stderr);
  drawn_ = true;
}

void ProgressBar::Finish() {
  if (enabled_ && drawn_) std::fprintf(stderr, "\n");
  drawn_ = false;
}

}  // namespace kuaguan::cli
