#include "base/engine_limit.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"

namespace kuaguan::base {

CountingLimit::Lease::Lease(Lease&& other) noexcept
    : limit_(std::exchange(other.limit_, nullptr)), count_(std::exchange(other.count_, 0)) {}

CountingLimit::Lease::~Lease() {
  if (limit_ != nullptr) limit_->Release(count_);
}

CountingLimit::CountingLimit(std::string name, int total)
    : name_(std::move(name)), total_(std::max(1, total)) {}

absl::StatusOr<CountingLimit::Lease> CountingLimit::Acquire(int want, absl::Time deadline) {
  if (want < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("asked for ", want, " ", name_, "; at least 1 is needed"));
  }
  absl::MutexLock lock(&mu_);
  if (!mu_.AwaitWithDeadline(absl::Condition(this, &CountingLimit::AnyFree), deadline)) {
    return absl::DeadlineExceededError(absl::StrCat(
        "all ", total_, " ", name_, " are in use and none came free in time; try again later"));
  }
  const int granted = std::min(want, total_ - in_use_);
  in_use_ += granted;
  return Lease(this, granted);
}

int CountingLimit::in_use() const {
  absl::MutexLock lock(&mu_);
  return in_use_;
}

void CountingLimit::Release(int count) {
  absl::MutexLock lock(&mu_);
  in_use_ -= count;
}

bool CountingLimit::AnyFree() const { return in_use_ < total_; }

}  // namespace kuaguan::base
