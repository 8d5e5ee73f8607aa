#include "base/rate_limit.h"

#include <algorithm>

namespace kuaguan::base {

AddressRateLimit::AddressRateLimit(RateLimitPolicy policy) : policy_(policy) {}

void AddressRateLimit::Refill(Entry& e, absl::Time now) const {
  if (now > e.refilled) {
    e.tokens = std::min(policy_.burst, e.tokens + absl::ToDoubleMinutes(now - e.refilled) * policy_.per_minute);
  }
  e.refilled = std::max(e.refilled, now);
}

void AddressRateLimit::ForgetIdle(absl::Time now) {
  for (auto it = entries_.begin(); it != entries_.end();) {
    Refill(it->second, now);
    if (!it->second.window_open && it->second.tokens >= policy_.burst) {
      it = entries_.erase(it);
    } else {
      ++it;
    }
  }
}

AddressRateLimit::Verdict AddressRateLimit::Attempt(absl::string_view address, absl::Time now) {
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(address);
  if (it == entries_.end()) {
    if (entries_.size() >= policy_.max_addresses) ForgetIdle(now);
    const absl::string_view key = entries_.size() < policy_.max_addresses ? address : kOtherAddresses;
    it = entries_.find(key);
    if (it == entries_.end()) {
      Entry fresh;
      fresh.tokens = policy_.burst;
      fresh.refilled = now;
      it = entries_.emplace(std::string(key), fresh).first;
    }
  }
  Entry& e = it->second;
  Refill(e, now);
  if (e.tokens >= 1) {
    e.tokens -= 1;
    return Verdict::kAllowed;
  }
  if (!e.window_open) {
    e.window_open = true;
    e.window_since = now;
    e.first_logged = true;
    e.refused = 0;
    return Verdict::kRefusedFirst;
  }
  ++e.refused;
  return Verdict::kRefused;
}

std::vector<AddressRateLimit::Report> AddressRateLimit::TakeReports(absl::Time now, bool all) {
  absl::MutexLock lock(&mu_);
  std::vector<Report> out;
  for (auto& [address, e] : entries_) {
    if (!e.window_open || (!all && now - e.window_since < policy_.report_window)) continue;
    if (e.refused > 0) {
      out.push_back(Report{address, e.refused, e.window_since, e.first_logged});
      e.window_since = now;  // the flood goes on: the next window follows without a first entry
      e.first_logged = false;
      e.refused = 0;
    } else {
      e.window_open = false;  // quiet for a whole window: the next refusal is a first again
    }
  }
  ForgetIdle(now);
  return out;
}

size_t AddressRateLimit::tracked() const {
  absl::MutexLock lock(&mu_);
  return entries_.size();
}

std::string PeerAddress(absl::string_view grpc_peer) {
  if (grpc_peer.rfind("ipv4:", 0) != 0 && grpc_peer.rfind("ipv6:", 0) != 0) return std::string(grpc_peer);
  const size_t colon = grpc_peer.rfind(':');
  if (colon <= 4) return std::string(grpc_peer);
  // ipv6 ports follow "]"; an ipv4 port follows the last colon.
  if (grpc_peer.rfind("ipv6:", 0) == 0 && (colon == 0 || grpc_peer[colon - 1] != ']')) return std::string(grpc_peer);
  return std::string(grpc_peer.substr(0, colon));
}

}  // namespace kuaguan::base
