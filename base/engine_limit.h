// A cap on a counted resource shared by concurrent jobs, such as OCR engines: "one engine per
// core in total" however many ingests run at once. A job asks for up to `want` units and gets
// between 1 and `want` of them, waiting until at least one is free or a deadline passes; they come
// back when its Lease is destroyed. A lease keeps what it was granted until then, so a job that
// took every unit holds them until it ends; a job that wants to leave room should ask for fewer.
// Thread-safe. The limit must outlive its leases.
#pragma once

#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace kuaguan::base {

class CountingLimit {
 public:
  // Units granted by Acquire; returned to the limit when the lease is destroyed. Move-only.
  class Lease {
   public:
    Lease(Lease&& other) noexcept;
    Lease& operator=(Lease&&) = delete;
    ~Lease();

    // How many units this lease holds (0 once moved from).
    int count() const { return count_; }

   private:
    friend class CountingLimit;
    Lease(CountingLimit* limit, int count) : limit_(limit), count_(count) {}

    CountingLimit* limit_;  // null once moved from
    int count_;
  };

  // max(1, `total`) units. `name` is a plural noun phrase such as "OCR engines"; errors read
  // "all 4 OCR engines are in use ...".
  CountingLimit(std::string name, int total);

  CountingLimit(const CountingLimit&) = delete;
  CountingLimit& operator=(const CountingLimit&) = delete;

  // Grants min(`want`, free units), at least 1, waiting while none is free. Errors:
  // INVALID_ARGUMENT when `want` < 1; DEADLINE_EXCEEDED when no unit came free by `deadline`
  // (a deadline already past means "only if one is free now"). Thread-safe.
  absl::StatusOr<Lease> Acquire(int want, absl::Time deadline) ABSL_LOCKS_EXCLUDED(mu_);

  // Units held by leases now; for metrics and tests.
  int in_use() const ABSL_LOCKS_EXCLUDED(mu_);
  int total() const { return total_; }

 private:
  void Release(int count) ABSL_LOCKS_EXCLUDED(mu_);
  bool AnyFree() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // Constant after construction.
  const std::string name_;
  const int total_;

  // State guarded by mu_.
  mutable absl::Mutex mu_;
  int in_use_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace kuaguan::base
