#include "base/worker_pool.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"

namespace kuaguan::base {
namespace {

// The pool whose task the current thread is running, if any.
thread_local const WorkerPool* current_pool = nullptr;

bool BatchDone(const int* left) { return *left == 0; }

}  // namespace

WorkerPool::WorkerPool(std::string name, int threads, int queue_limit)
    : name_(std::move(name)),
      thread_count_(std::max(1, threads)),
      queue_limit_(std::max(0, queue_limit)) {
  absl::MutexLock lock(&join_mu_);
  threads_.reserve(static_cast<size_t>(thread_count_));
  for (int i = 0; i < thread_count_; ++i) threads_.emplace_back([this] { Work(); });
}

WorkerPool::~WorkerPool() { Shutdown(); }

absl::Status WorkerPool::Submit(absl::AnyInvocable<void()> task) {
  if (!task) return absl::InvalidArgumentError(absl::StrCat("an empty task for the ", name_));
  absl::MutexLock lock(&mu_);
  RETURN_IF_ERROR(Admit(1));
  queue_.push_back(Item{std::move(task)});
  return absl::OkStatus();
}

absl::Status WorkerPool::RunAll(std::vector<absl::AnyInvocable<void()>> tasks) {
  if (current_pool == this) {
    return absl::FailedPreconditionError(absl::StrCat(
        "RunAll on the ", name_, " from one of their own tasks could wait for itself forever"));
  }
  for (const auto& task : tasks) {
    if (!task) return absl::InvalidArgumentError(absl::StrCat("an empty task for the ", name_));
  }
  absl::MutexLock lock(&mu_);
  RETURN_IF_ERROR(Admit(tasks.size()));
  int left = static_cast<int>(tasks.size());
  for (auto& task : tasks) queue_.push_back(Item{std::move(task), &left});
  mu_.Await(absl::Condition(&BatchDone, static_cast<const int*>(&left)));
  return absl::OkStatus();
}

void WorkerPool::Shutdown() {
  absl::MutexLock join_lock(&join_mu_);
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  for (std::thread& thread : threads_) thread.join();
  threads_.clear();
}

int WorkerPool::running() const {
  absl::MutexLock lock(&mu_);
  return running_;
}

int WorkerPool::waiting() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int>(queue_.size());
}

void WorkerPool::Work() {
  current_pool = this;
  mu_.Lock();
  while (true) {
    mu_.Await(absl::Condition(this, &WorkerPool::WorkOrStop));
    if (queue_.empty()) break;
    Item item = std::move(queue_.front());
    queue_.pop_front();
    ++running_;
    mu_.Unlock();
    item.task();
    item.task = nullptr;  // destroy the captures before the task counts as finished
    mu_.Lock();
    --running_;
    if (item.batch_left != nullptr) --*item.batch_left;
  }
  mu_.Unlock();
}

bool WorkerPool::WorkOrStop() const { return !queue_.empty() || stopping_; }

absl::Status WorkerPool::Admit(size_t count) const {
  if (stopping_) {
    return absl::FailedPreconditionError(
        absl::StrCat("the ", name_, " are shutting down and take no more work"));
  }
  const size_t capacity = static_cast<size_t>(thread_count_) + static_cast<size_t>(queue_limit_);
  if (count > capacity) {
    return absl::InvalidArgumentError(absl::StrCat("a batch of ", count, " tasks is more than the ",
                                                   name_, " can ever hold (", thread_count_,
                                                   " running and ", queue_limit_, " waiting)"));
  }
  const size_t used = static_cast<size_t>(running_) + queue_.size();
  if (used + count <= capacity) return absl::OkStatus();
  const std::string load =
      absl::StrCat("(", running_, " running, ", queue_.size(), " waiting); try again shortly");
  if (used == capacity) {
    return absl::ResourceExhaustedError(absl::StrCat("the ", name_, " are all busy ", load));
  }
  const size_t room = capacity - used;
  return absl::ResourceExhaustedError(absl::StrCat("the ", name_, " have room for ", room,
                                                   room == 1 ? " more task" : " more tasks",
                                                   ", not ", count, " ", load));
}

}  // namespace kuaguan::base
