#include "base/worker_pool.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/match.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

using kuaguan::base::WorkerPool;

namespace {

// Upper bound on any wait in these tests; reached only when something is broken.
constexpr absl::Duration kPatience = absl::Seconds(5);

using Task = absl::AnyInvocable<void()>;

template <typename... F>
std::vector<Task> Batch(F&&... f) {
  std::vector<Task> tasks;
  (tasks.emplace_back(std::forward<F>(f)), ...);
  return tasks;
}

// A count that tasks raise and the test waits on.
class Counter {
 public:
  void Add() ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    ++count_;
  }
  // True once the count reaches `want`; false after kPatience.
  bool AwaitAtLeast(int want) ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    auto reached = [this, want]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return count_ >= want; };
    return mu_.AwaitWithTimeout(absl::Condition(&reached), kPatience);
  }
  int value() const ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    return count_;
  }

 private:
  mutable absl::Mutex mu_;
  int count_ ABSL_GUARDED_BY(mu_) = 0;
};

// Occupies one thread of a pool until `gate` opens; `started` is notified once it runs.
Task Blocker(absl::Notification* started, const absl::Notification* gate) {
  return [started, gate] {
    started->Notify();
    (void)gate->WaitForNotificationWithTimeout(kPatience);
  };
}

}  // namespace

TEST_CASE("submitted tasks run on the pool's threads") {
  WorkerPool pool("test workers", 2, 16);
  Counter done;
  std::atomic<int> on_caller_thread{0};
  const std::thread::id caller = std::this_thread::get_id();
  auto task = [&] {
    if (std::this_thread::get_id() == caller) ++on_caller_thread;
    done.Add();
  };
  for (int i = 0; i < 10; ++i) REQUIRE(pool.Submit(task).ok());
  CHECK(done.AwaitAtLeast(10));
  CHECK(on_caller_thread == 0);
  CHECK(pool.name() == "test workers");
}

TEST_CASE("Submit beyond the queue limit is refused, naming what is busy") {
  WorkerPool pool("import workers", 2, 3);
  absl::Notification gate, started_a, started_b;
  Counter ran;
  REQUIRE(pool.Submit(Blocker(&started_a, &gate)).ok());
  REQUIRE(pool.Submit(Blocker(&started_b, &gate)).ok());
  for (int i = 0; i < 3; ++i) REQUIRE(pool.Submit([&] { ran.Add(); }).ok());
  REQUIRE(started_a.WaitForNotificationWithTimeout(kPatience));
  REQUIRE(started_b.WaitForNotificationWithTimeout(kPatience));
  CHECK(pool.running() == 2);
  CHECK(pool.waiting() == 3);

  const absl::Status refused = pool.Submit([&] { ran.Add(); });
  CHECK(refused.code() == absl::StatusCode::kResourceExhausted);
  CHECK(std::string(refused.message()) ==
        "the import workers are all busy (2 running, 3 waiting); try again shortly");
  CHECK(pool.waiting() == 3);

  gate.Notify();
  CHECK(ran.AwaitAtLeast(3));
  pool.Shutdown();
  CHECK(ran.value() == 3);
}

TEST_CASE("Shutdown refuses new work, runs what is queued and joins, once") {
  WorkerPool pool("ocr workers", 1, 5);
  absl::Notification gate, started;
  std::vector<int> order;  // written by the only worker thread; read after joins
  auto first = [&] {
    started.Notify();
    (void)gate.WaitForNotificationWithTimeout(kPatience);
    order.push_back(0);
  };
  REQUIRE(pool.Submit(first).ok());
  for (int i = 1; i <= 5; ++i) REQUIRE(pool.Submit([&order, i] { order.push_back(i); }).ok());
  REQUIRE(started.WaitForNotificationWithTimeout(kPatience));

  // Two concurrent Shutdown calls while the only thread is held; each must return only after
  // every queued task has run.
  size_t seen_by[2] = {0, 0};
  std::thread stoppers[2] = {std::thread([&] {
                               pool.Shutdown();
                               seen_by[0] = order.size();
                             }),
                             std::thread([&] {
                               pool.Shutdown();
                               seen_by[1] = order.size();
                             })};
  // The pool is full (1 running, 5 waiting), so Submit says RESOURCE_EXHAUSTED until Shutdown has
  // begun and FAILED_PRECONDITION from then on.
  absl::Status late;
  const absl::Time deadline = absl::Now() + kPatience;
  do {
    std::this_thread::yield();
    late = pool.Submit([] {});
  } while (late.code() == absl::StatusCode::kResourceExhausted && absl::Now() < deadline);
  CHECK(late.code() == absl::StatusCode::kFailedPrecondition);
  CHECK(absl::StrContains(late.message(), "the ocr workers are shutting down"));
  CHECK(pool.waiting() == 5);  // accepted work is kept

  gate.Notify();
  for (std::thread& t : stoppers) t.join();
  CHECK(order == std::vector<int>{0, 1, 2, 3, 4, 5});
  CHECK(seen_by[0] == 6);
  CHECK(seen_by[1] == 6);
  CHECK(pool.running() == 0);
  CHECK(pool.waiting() == 0);
  pool.Shutdown();  // idempotent
  CHECK(pool.RunAll(Batch([] {})).code() == absl::StatusCode::kFailedPrecondition);
}

TEST_CASE("the destructor runs queued work before returning") {
  std::vector<int> ran;  // one worker thread; read after the destructor joined it
  {
    WorkerPool pool("test workers", 1, 10);
    for (int i = 0; i < 10; ++i) REQUIRE(pool.Submit([&ran, i] { ran.push_back(i); }).ok());
  }
  CHECK(ran == std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
}

TEST_CASE("RunAll waits for the whole batch, which runs in parallel") {
  WorkerPool pool("federation workers", 3, 0);
  Counter arrived;
  bool met[3] = {false, false, false};  // each written by one task; read after RunAll
  auto member = [&](int i) {
    return [&, i] {
      arrived.Add();
      met[i] = arrived.AwaitAtLeast(3);  // only true if all three run at the same time
    };
  };
  REQUIRE(pool.RunAll(Batch(member(0), member(1), member(2))).ok());
  CHECK(met[0]);
  CHECK(met[1]);
  CHECK(met[2]);
  CHECK(pool.running() == 0);
  CHECK(pool.RunAll({}).ok());
}

TEST_CASE("RunAll refuses a batch the pool cannot take whole, and runs none of it") {
  WorkerPool pool("federation workers", 2, 2);
  absl::Notification gate, started_a, started_b;
  REQUIRE(pool.Submit(Blocker(&started_a, &gate)).ok());
  REQUIRE(pool.Submit(Blocker(&started_b, &gate)).ok());
  REQUIRE(pool.Submit([] {}).ok());
  REQUIRE(started_a.WaitForNotificationWithTimeout(kPatience));
  REQUIRE(started_b.WaitForNotificationWithTimeout(kPatience));

  std::atomic<int> batch_ran{0};
  const absl::Status refused = pool.RunAll(Batch([&] { ++batch_ran; }, [&] { ++batch_ran; }));
  CHECK(refused.code() == absl::StatusCode::kResourceExhausted);
  CHECK(std::string(refused.message()) ==
        "the federation workers have room for 1 more task, not 2 (2 running, 1 waiting); try "
        "again shortly");
  CHECK(pool.waiting() == 1);

  std::vector<Task> too_big;
  for (int i = 0; i < 5; ++i) too_big.emplace_back([&] { ++batch_ran; });
  const absl::Status never = pool.RunAll(std::move(too_big));
  CHECK(never.code() == absl::StatusCode::kInvalidArgument);
  CHECK(absl::StrContains(never.message(), "federation workers can ever hold"));

  gate.Notify();
  pool.Shutdown();
  CHECK(batch_ran == 0);
}

TEST_CASE("RunAll from a pool's own task is refused, on another pool it works") {
  WorkerPool admin("admin workers", 1, 1);
  WorkerPool federation("federation workers", 2, 2);
  absl::Status own, other;
  std::atomic<int> members{0};
  absl::Notification done;
  auto call = [&] {
    own = admin.RunAll(Batch([&] { ++members; }));
    other = federation.RunAll(Batch([&] { ++members; }, [&] { ++members; }));
    done.Notify();
  };
  REQUIRE(admin.Submit(call).ok());
  REQUIRE(done.WaitForNotificationWithTimeout(kPatience));
  CHECK(own.code() == absl::StatusCode::kFailedPrecondition);
  CHECK(std::string(own.message()) ==
        "RunAll on the admin workers from one of their own tasks could wait for itself forever");
  CHECK(other.ok());
  CHECK(members == 2);
}

TEST_CASE("a task may submit more work to its own pool") {
  WorkerPool pool("test workers", 1, 1);
  absl::Notification inner_ran;
  absl::Status inner;
  REQUIRE(pool.Submit([&] { inner = pool.Submit([&] { inner_ran.Notify(); }); }).ok());
  CHECK(inner_ran.WaitForNotificationWithTimeout(kPatience));
  CHECK(inner.ok());
}

TEST_CASE("empty tasks are refused") {
  WorkerPool pool("test workers", 1, 1);
  CHECK(pool.Submit(nullptr).code() == absl::StatusCode::kInvalidArgument);
  std::vector<Task> batch;
  batch.emplace_back([] {});
  batch.emplace_back(nullptr);
  CHECK(pool.RunAll(std::move(batch)).code() == absl::StatusCode::kInvalidArgument);
}

TEST_CASE("several threads submitting at once: every accepted task runs exactly once") {
  constexpr int kSubmitters = 4;
  constexpr int kEach = 250;

  SECTION("a queue large enough for everything") {
    std::vector<std::atomic<int>> runs(kSubmitters * kEach);
    {
      WorkerPool pool("test workers", 2, kSubmitters * kEach);
      std::vector<std::thread> submitters;
      for (int s = 0; s < kSubmitters; ++s) {
        submitters.emplace_back([&, s] {
          for (int i = 0; i < kEach; ++i) {
            const size_t id = static_cast<size_t>(s * kEach + i);
            if (!pool.Submit([&runs, id] { ++runs[id]; }).ok()) return;
          }
        });
      }
      for (std::thread& t : submitters) t.join();
    }
    int once = 0;
    for (const auto& r : runs) once += r == 1 ? 1 : 0;
    CHECK(once == kSubmitters * kEach);
  }

  SECTION("a small queue, some refused") {
    std::atomic<int> accepted{0}, refused{0}, other{0}, ran{0};
    {
      WorkerPool pool("test workers", 2, 4);
      std::vector<std::thread> submitters;
      for (int s = 0; s < kSubmitters; ++s) {
        submitters.emplace_back([&] {
          for (int i = 0; i < kEach; ++i) {
            const absl::Status st = pool.Submit([&] { ++ran; });
            if (st.ok()) {
              ++accepted;
            } else if (st.code() == absl::StatusCode::kResourceExhausted) {
              ++refused;
            } else {
              ++other;
            }
          }
        });
      }
      for (std::thread& t : submitters) t.join();
    }
    CHECK(accepted + refused == kSubmitters * kEach);
    CHECK(accepted >= 6);  // the first six always fit
    CHECK(other == 0);
    CHECK(ran == accepted);
  }
}
