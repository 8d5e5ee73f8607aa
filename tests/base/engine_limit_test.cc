#include "base/engine_limit.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

using kuaguan::base::CountingLimit;

namespace {

// Upper bound on any wait in these tests; reached only when something is broken.
constexpr absl::Duration kPatience = absl::Seconds(5);

}  // namespace

TEST_CASE("grants what is free, up to what is asked, and takes it back with the lease") {
  CountingLimit limit("OCR engines", 4);
  auto a = limit.Acquire(3, absl::InfinitePast());
  REQUIRE(a.ok());
  CHECK(a->count() == 3);
  {
    auto b = limit.Acquire(3, absl::InfinitePast());
    REQUIRE(b.ok());
    CHECK(b->count() == 1);
    CHECK(limit.in_use() == 4);

    auto none = limit.Acquire(1, absl::InfinitePast());
    CHECK(none.status().code() == absl::StatusCode::kDeadlineExceeded);
    CHECK(std::string(none.status().message()) ==
          "all 4 OCR engines are in use and none came free in time; try again later");
  }
  CHECK(limit.in_use() == 3);

  CountingLimit::Lease moved = *std::move(a);
  CHECK(moved.count() == 3);
  CHECK(a->count() == 0);  // a moved-from lease holds nothing
  CHECK(limit.in_use() == 3);
}

TEST_CASE("a caller waits until a unit comes free") {
  CountingLimit limit("OCR engines", 2);
  std::optional<CountingLimit::Lease> first(*limit.Acquire(1, absl::InfinitePast()));
  auto second = limit.Acquire(1, absl::InfinitePast());
  REQUIRE(second.ok());

  absl::Notification got;
  int granted = 0;
  std::thread waiter([&] {
    auto lease = limit.Acquire(2, absl::Now() + kPatience);
    granted = lease.ok() ? lease->count() : -1;
    got.Notify();
  });
  CHECK_FALSE(got.HasBeenNotified());  // nothing is free yet
  first.reset();
  CHECK(got.WaitForNotificationWithTimeout(kPatience));
  waiter.join();
  CHECK(granted == 1);
  CHECK(limit.in_use() == 1);
}

TEST_CASE("asking for nothing is an error, and the total is at least one") {
  CountingLimit limit("OCR engines", 0);
  CHECK(limit.total() == 1);
  CHECK(limit.Acquire(0, absl::InfinitePast()).status().code() ==
        absl::StatusCode::kInvalidArgument);
}

TEST_CASE("concurrent callers never hold more than the total together") {
  CountingLimit limit("OCR engines", 3);
  std::atomic<int> held{0}, most{0}, failed{0};
  std::vector<std::thread> ingests;
  for (int t = 0; t < 4; ++t) {
    ingests.emplace_back([&] {
      for (int i = 0; i < 100; ++i) {
        auto lease = limit.Acquire(2, absl::Now() + kPatience);
        if (!lease.ok()) {
          ++failed;
          continue;
        }
        const int now = held += lease->count();
        int seen = most.load();
        while (now > seen && !most.compare_exchange_weak(seen, now)) {
        }
        held -= lease->count();
      }
    });
  }
  for (std::thread& t : ingests) t.join();
  CHECK(failed == 0);
  CHECK(most <= 3);
  CHECK(limit.in_use() == 0);
}
