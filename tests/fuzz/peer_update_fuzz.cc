// Feeds: switches (which end, a fresh request, the true sender, the real certificate) and a
// RequestUpdate to RemoteRequests::ApplyUpdate (peer_fixture.h). Asserts: other archives change
// nothing; changes carry sender and our time; due dates move once; delivered certificates verify.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "seal/sealed_certificate.h"
#include "tests/fuzz/fuzz_util.h"
#include "tests/fuzz/peer_fixture.h"

namespace {

namespace v1 = kuaguan::v1;
using kuaguan::fuzz::PeerWorld;

std::string Key(const v1::StateChange& c) { return c.SerializeAsString(); }

bool Has(const v1::StoredRequest& r, v1::RequestState state) {
  for (const auto& c : r.history()) {
    if (c.state() == state) return true;
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  PeerWorld& w = PeerWorld::Get();
  std::vector<std::pair<std::string, std::string>> seeds;
  for (size_t i = 0; i < w.updates().size(); ++i) {
    v1::RequestUpdate u = w.updates()[i];
    const bool to_front = u.from() == kuaguan::fuzz::kBack;
    u.mutable_certificate()->clear_pdf();  // switch 8 puts the real one back: seeds stay small
    seeds.emplace_back(
        absl::StrCat("update-", i),
        std::string(1, static_cast<char>((to_front ? 1 : 0) | 2 | 4 | 8)) + u.SerializeAsString());
    seeds.emplace_back(absl::StrCat("update-as-sent-", i),
                       std::string(1, static_cast<char>(to_front ? 1 : 0)) + u.SerializeAsString());
  }
  kuaguan::fuzz::WriteSeeds(seeds);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  PeerWorld& w = PeerWorld::Get();
  const uint8_t use = data[0];
  v1::RequestUpdate u;
  if (!u.ParseFromArray(data + 1, static_cast<int>(size - 1))) return 0;
  const bool to_front = use & 1;
  kuaguan::federation::RemoteRequests* at = to_front ? w.front() : w.back();
  const std::string counterpart = to_front ? kuaguan::fuzz::kBack : kuaguan::fuzz::kFront;
  if (use & 2) u.set_request_id(w.FileFresh(kuaguan::fuzz::kOtherPerson));
  if (use & 4) u.set_from(counterpart);
  if ((use & 8) && u.state() == v1::REQUEST_STATE_ISSUED) *u.mutable_certificate() = w.issued();
  const std::string id = u.request_id();
  auto before = at->book()->Get(id, /*full=*/true);

  // The peer service passes the sender its TLS certificate proved: the update's `from`.
  auto ack = at->ApplyUpdate(u, u.from());
  auto after = at->book()->Get(id, /*full=*/true);
  w.Pump();
  if (!ack.ok()) FUZZ_CHECK(!ack.status().message().empty(), "a refusal says why");
  if (!before.ok()) return 0;
  FUZZ_CHECK(after.ok(), after.status().ToString());
  const std::string owner =
      to_front ? before->request().target_archive() : before->request().from_archive();
  if (u.from() != owner || before->back_office() == to_front) {
    FUZZ_CHECK(
        after->SerializeAsString() == before->SerializeAsString(),
        absl::StrCat("archive ", u.from(), " changed request ", id, " that is not between us"));
    return 0;
  }
  std::set<std::string> old;
  for (const auto& c : before->history()) old.insert(Key(c));
  const std::string self = to_front ? kuaguan::fuzz::kFront : kuaguan::fuzz::kBack;
  for (const auto& c : after->history()) {
    if (old.count(Key(c)) == 1) continue;
    FUZZ_CHECK(
        c.archive() == u.from() || c.archive() == self,
        absl::StrCat("a change stamped with archive ", c.archive(), " came from ", u.from()));
    FUZZ_CHECK(c.at_micros() == w.now_micros(),
               absl::StrCat("a change is dated ", c.at_micros(), " by the sender"));
    if (!to_front) {
      FUZZ_CHECK(
          c.state() == v1::REQUEST_STATE_DELIVERED,
          "a front desk reported " + v1::RequestState_Name(c.state()) + " to the back office");
    } else if (c.archive() == u.from()) {
      FUZZ_CHECK(c.state() != v1::REQUEST_STATE_DELIVERED && c.state() != v1::REQUEST_STATE_FILED,
                 "a back office reported " + v1::RequestState_Name(c.state()));
    }
  }
  if (after->due_date() != before->due_date()) {
    FUZZ_CHECK(Has(*after, v1::REQUEST_STATE_EXTENDED) && !Has(*before, v1::REQUEST_STATE_EXTENDED),
               "the due date moved to " + after->due_date() + " without the extension");
  }
  if (to_front && after->state() == v1::REQUEST_STATE_DELIVERED &&
      before->state() != v1::REQUEST_STATE_DELIVERED) {
    auto verified = kuaguan::seal::VerifySealedCertificate(after->certificate().pdf(), w.trust());
    FUZZ_CHECK(verified.ok(),
               "a delivered certificate does not verify: " + verified.status().ToString());
    FUZZ_CHECK(
        verified->content.request_id() == id,
        "the certificate of request " + verified->content.request_id() + " delivered for " + id);
  }
  return 0;
}
