// Attempts from the network limited per peer address, for a door anyone may knock on (the
// provincial node's enrollment port): a token bucket per address (`per_minute` attempts refill
// each minute, up to `burst` at once), and the refusals counted so that they are logged once per
// window rather than once each — the first refusal from a quiet address at once (kRefusedFirst),
// the rest as one count per address when each `report_window` ends (TakeReports). At most
// `max_addresses` addresses are tracked; idle ones (bucket full again, no open window) are
// forgotten first, and past that every new address shares one bucket. Time is passed in (an
// injected clock). Thread-safe: one absl::Mutex.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace kuaguan::base {

struct RateLimitPolicy {
  double per_minute = 5;
  double burst = 10;
  absl::Duration report_window = absl::Minutes(1);
  size_t max_addresses = 4096;
};

// Enrollment attempts per address: 5 a minute, bursts of 10, refusals audited once a minute.
inline constexpr RateLimitPolicy kEnrollmentRateLimit{5, 10, absl::Minutes(1), 4096};

// The key all new addresses share once `max_addresses` are tracked.
inline constexpr char kOtherAddresses[] = "(other addresses)";

class AddressRateLimit {
 public:
  explicit AddressRateLimit(RateLimitPolicy policy);
  AddressRateLimit(const AddressRateLimit&) = delete;
  AddressRateLimit& operator=(const AddressRateLimit&) = delete;

  enum class Verdict {
    kAllowed,       // within the limit: one attempt taken from the bucket
    kRefusedFirst,  // over the limit, the first refusal of a window: log it now
    kRefused,       // over the limit, counted for the window's report
  };
  // One attempt from `address` at `now`.
  Verdict Attempt(absl::string_view address, absl::Time now) ABSL_LOCKS_EXCLUDED(mu_);

  struct Report {
    std::string address;
    int64_t refused = 0;         // refusals in the window not logged one by one
    absl::Time since;            // when the window opened
    bool after_first = false;    // the window opened with a kRefusedFirst (logged already)
  };
  // The refusals counted in every window that has ended by `now` (each once), or in every open
  // window when `all` (at shutdown). A window that counted refusals is followed at once by the
  // next one, so a flood that goes on is reported once per window and its first refusal only
  // once; a window without any closes and the address is quiet again.
  std::vector<Report> TakeReports(absl::Time now, bool all = false) ABSL_LOCKS_EXCLUDED(mu_);

  // Addresses tracked now (for tests and metrics).
  size_t tracked() const ABSL_LOCKS_EXCLUDED(mu_);

  const RateLimitPolicy& policy() const { return policy_; }

 private:
  struct Entry {
    double tokens = 0;
    absl::Time refilled;
    bool window_open = false;
    absl::Time window_since;
    bool first_logged = false;  // this window opened with a kRefusedFirst
    int64_t refused = 0;
  };
  void Refill(Entry& e, absl::Time now) const;
  // Forgets addresses whose bucket is full again and that have no open window.
  void ForgetIdle(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const RateLimitPolicy policy_;
  mutable absl::Mutex mu_;
  std::map<std::string, Entry, std::less<>> entries_ ABSL_GUARDED_BY(mu_);
};

// The address of a gRPC peer without its port, the key to limit by: "ipv4:127.0.0.1:50514" ->
// "ipv4:127.0.0.1", "ipv6:[::1]:50514" -> "ipv6:[::1]"; anything else as it is.
std::string PeerAddress(absl::string_view grpc_peer);

}  // namespace kuaguan::base
