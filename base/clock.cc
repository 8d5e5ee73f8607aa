#include "base/clock.h"

#include "absl/time/clock.h"

namespace kuaguan::base {
namespace {

class WallClock final : public Clock {
 public:
  absl::Time Now() const override { return absl::Now(); }
};

}  // namespace

const Clock* RealClock() {
  static const WallClock* const clock = new WallClock();
  return clock;
}

}  // namespace kuaguan::base
