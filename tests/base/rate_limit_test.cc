// The per-address rate limit on a fake clock: a burst, then the refill rate; addresses apart;
// refusals reported once per window (the first at once), a flood that goes on once a window, a
// quiet address forgotten; the table bounded under many addresses; gRPC peer strings keyed
// without their port.
#include <catch2/catch.hpp>

#include "absl/strings/str_cat.h"
#include "base/rate_limit.h"
#include "tests/testing/fake_clock.h"

using kuaguan::base::AddressRateLimit;
using kuaguan::base::kEnrollmentRateLimit;
using kuaguan::base::PeerAddress;
using kuaguan::base::RateLimitPolicy;
using kuaguan::testing::FakeClock;
using Verdict = AddressRateLimit::Verdict;

namespace {

constexpr char kA[] = "ipv4:10.0.0.1";
constexpr char kB[] = "ipv4:10.0.0.2";

absl::Time Start() { return absl::FromCivil(absl::CivilSecond(2026, 3, 2, 9, 0, 0), absl::UTCTimeZone()); }

}  // namespace

TEST_CASE("enrollment attempts: bursts of 10, then 5 a minute, each address on its own") {
  CHECK(kEnrollmentRateLimit.per_minute == 5);
  CHECK(kEnrollmentRateLimit.burst == 10);
  FakeClock clock(Start());
  AddressRateLimit limit(kEnrollmentRateLimit);
  for (int i = 0; i < 10; ++i) CHECK(limit.Attempt(kA, clock.Now()) == Verdict::kAllowed);
  CHECK(limit.Attempt(kA, clock.Now()) == Verdict::kRefusedFirst);
  CHECK(limit.Attempt(kA, clock.Now()) == Verdict::kRefused);
  // Another address is not held back by the first.
  CHECK(limit.Attempt(kB, clock.Now()) == Verdict::kAllowed);
  // One attempt comes back every 12 s.
  clock.Advance(absl::Seconds(11));
  CHECK(limit.Attempt(kA, clock.Now()) == Verdict::kRefused);
  clock.Advance(absl::Seconds(2));
  CHECK(limit.Attempt(kA, clock.Now()) == Verdict::kAllowed);
  CHECK(limit.Attempt(kA, clock.Now()) == Verdict::kRefused);
  // A minute later, five.
  clock.Advance(absl::Minutes(1));
  for (int i = 0; i < 5; ++i) CHECK(limit.Attempt(kA, clock.Now()) == Verdict::kAllowed);
  CHECK(limit.Attempt(kA, clock.Now()) == Verdict::kRefused);
  // A clock that steps back refills nothing and breaks nothing.
  clock.Advance(-absl::Hours(1));
  CHECK(limit.Attempt(kA, clock.Now()) == Verdict::kRefused);
}

TEST_CASE("refusals are reported once per address and window, the first at once") {
  FakeClock clock(Start());
  AddressRateLimit limit(kEnrollmentRateLimit);
  // 500 attempts in a second: 10 allowed, 1 logged at once, 489 counted.
  int allowed = 0, first = 0, counted = 0;
  for (int i = 0; i < 500; ++i) {
    switch (limit.Attempt(kA, clock.Now())) {
      case Verdict::kAllowed: ++allowed; break;
      case Verdict::kRefusedFirst: ++first; break;
      case Verdict::kRefused: ++counted; break;
    }
  }
  CHECK(allowed == 10);
  CHECK(first == 1);
  CHECK(counted == 489);
  // Nothing before the window ends.
  clock.Advance(absl::Seconds(30));
  CHECK(limit.TakeReports(clock.Now()).empty());
  clock.Advance(absl::Seconds(30));
  auto reports = limit.TakeReports(clock.Now());
  REQUIRE(reports.size() == 1);
  CHECK(reports[0].address == kA);
  CHECK(reports[0].refused == 489);
  CHECK(reports[0].after_first);
  CHECK(reports[0].since == Start());
  CHECK(limit.TakeReports(clock.Now()).empty());  // each once

  // The flood goes on: the minute's five are allowed, the rest counted with no new first entry,
  // one report per window.
  allowed = counted = 0;
  for (int i = 0; i < 42; ++i) {
    const Verdict v = limit.Attempt(kA, clock.Now());
    CHECK(v != Verdict::kRefusedFirst);
    allowed += v == Verdict::kAllowed;
    counted += v == Verdict::kRefused;
  }
  CHECK(allowed == 5);
  CHECK(counted == 37);
  clock.Advance(absl::Minutes(1));
  reports = limit.TakeReports(clock.Now());
  REQUIRE(reports.size() == 1);
  CHECK(reports[0].refused == 37);
  CHECK_FALSE(reports[0].after_first);
  // A window without refusals closes it: the address is quiet, its next refusal is a first again.
  clock.Advance(absl::Minutes(1));
  CHECK(limit.TakeReports(clock.Now()).empty());
  for (int i = 0; i < 10; ++i) REQUIRE(limit.Attempt(kA, clock.Now()) == Verdict::kAllowed);
  CHECK(limit.Attempt(kA, clock.Now()) == Verdict::kRefusedFirst);
  // At shutdown every open count is reported, ended or not (here: none beyond the first).
  CHECK(limit.Attempt(kA, clock.Now()) == Verdict::kRefused);
  reports = limit.TakeReports(clock.Now(), /*all=*/true);
  REQUIRE(reports.size() == 1);
  CHECK(reports[0].refused == 1);
  // Quiet addresses are forgotten once their bucket is full again.
  clock.Advance(absl::Minutes(10));
  limit.TakeReports(clock.Now());
  CHECK(limit.tracked() == 0);
}

TEST_CASE("many addresses: the table stays bounded, new ones share one bucket") {
  FakeClock clock(Start());
  RateLimitPolicy small = kEnrollmentRateLimit;
  small.max_addresses = 8;
  AddressRateLimit limit(small);
  for (int i = 0; i < 8; ++i) CHECK(limit.Attempt(absl::StrCat("ipv4:10.0.1.", i), clock.Now()) == Verdict::kAllowed);
  CHECK(limit.tracked() == 8);
  // Every further address shares the overflow bucket: bursts of 10 between them.
  int allowed = 0;
  for (int i = 0; i < 100; ++i) allowed += limit.Attempt(absl::StrCat("ipv4:10.0.2.", i), clock.Now()) == Verdict::kAllowed;
  CHECK(allowed == 10);
  CHECK(limit.tracked() == 9);
  // Once the first eight are idle again they make room.
  clock.Advance(absl::Minutes(5));
  CHECK(limit.Attempt("ipv4:10.0.3.1", clock.Now()) == Verdict::kAllowed);
  CHECK(limit.tracked() <= 2);
}

TEST_CASE("gRPC peers are limited by address, not by port") {
  CHECK(PeerAddress("ipv4:127.0.0.1:50514") == "ipv4:127.0.0.1");
  CHECK(PeerAddress("ipv6:[::1]:50514") == "ipv6:[::1]");
  CHECK(PeerAddress("ipv6:[2001:db8::7]:443") == "ipv6:[2001:db8::7]");
  CHECK(PeerAddress("ipv6:%5B::1%5D:1") == "ipv6:%5B::1%5D:1");  // not in the bracket form: kept whole
  CHECK(PeerAddress("unix:/run/x.sock") == "unix:/run/x.sock");
  CHECK(PeerAddress("") == "");
  CHECK(PeerAddress("ipv4:") == "ipv4:");
}
