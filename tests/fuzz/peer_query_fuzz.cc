// Feeds: a PeerSearchRequest to the back office's Holdings::PeerSearch or a CertificateQuery to
// BackOffice::CertificateState (peer_fixture.h). Asserts: hits are within the limit, never a
// not-shared record, an identity or phone number in clear; only a serial this world issued is
// said issued, and only that certificate's file is said to match.
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "tests/fuzz/fuzz_util.h"
#include "tests/fuzz/peer_fixture.h"

namespace {

namespace v1 = kuaguan::v1;
using kuaguan::fuzz::PeerWorld;

void Search(PeerWorld& w, const uint8_t* data, size_t size) {
  v1::PeerSearchRequest req;
  if (!req.ParseFromArray(data, static_cast<int>(size))) return;
  auto found = w.back_holdings()->PeerSearch(req.query(), req.limit(), req.from());
  if (!found.ok()) {
    FUZZ_CHECK(!found.status().message().empty(), "a refusal says why");
    return;
  }
  if (req.limit() > 0)
    FUZZ_CHECK(static_cast<uint32_t>(found->hits_size()) <= req.limit(), "over the limit");
  FUZZ_CHECK(found->hits_size() <= 1000, absl::StrCat(found->hits_size(), " hits"));
  for (const auto& h : found->hits()) {
    const std::string text = h.SerializeAsString();
    FUZZ_CHECK(h.code() != kuaguan::fuzz::kNotShared, "a not-shared record is found by a peer");
    FUZZ_CHECK(text.find(kuaguan::fuzz::kNotSharedWords) == std::string::npos,
               "a peer reads a not-shared record");
    FUZZ_CHECK(text.find("41010219800101123") == std::string::npos,
               "an identity number reaches a peer in clear");
    FUZZ_CHECK(text.find(kuaguan::fuzz::kPhone) == std::string::npos,
               "a phone number reaches a peer in clear");
  }
}

void Certificate(PeerWorld& w, const uint8_t* data, size_t size, bool real_serial) {
  v1::CertificateQuery q;
  if (!q.ParseFromArray(data, static_cast<int>(size))) return;
  if (real_serial) q.set_serial(w.issued().serial());
  auto status = w.back()->back_office()->CertificateState(q);
  if (!status.ok()) {
    FUZZ_CHECK(!status.status().message().empty(), "a refusal says why");
    return;
  }
  const v1::IssuedCertificate* issued = w.issued_with(q.serial());
  FUZZ_CHECK(status->issued() == (issued != nullptr),
             status->issued() ? "a serial never issued is said issued" : "an issued serial is said unknown");
  if (status->matches()) {
    FUZZ_CHECK(issued != nullptr && q.sm3() == issued->sm3(),
               "another file is said to be the certificate");
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  PeerWorld& w = PeerWorld::Get();
  std::vector<std::pair<std::string, std::string>> seeds;
  for (const char* query :
       {"张三", "结婚登记", "any:张三 AND 婚姻", "内部", "title:结婚", "\"张三与李四\""}) {
    v1::PeerSearchRequest req;
    req.set_from(kuaguan::fuzz::kFront);
    req.set_query(query);
    req.set_limit(10);
    seeds.emplace_back(absl::StrCat("search-", seeds.size()),
                       std::string(1, '\0') + req.SerializeAsString());
  }
  v1::CertificateQuery q;
  q.set_from(kuaguan::fuzz::kFront);
  q.set_serial(w.issued().serial());
  q.set_sm3(w.issued().sm3());
  seeds.emplace_back("certificate", std::string(1, '\1') + q.SerializeAsString());
  q.set_sm3(std::string(32, 'x'));
  seeds.emplace_back("certificate-other-file", std::string(1, '\3') + q.SerializeAsString());
  kuaguan::fuzz::WriteSeeds(seeds);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  PeerWorld& w = PeerWorld::Get();
  if (data[0] % 2 == 0) {
    Search(w, data + 1, size - 1);
  } else {
    Certificate(w, data + 1, size - 1, data[0] & 2);
  }
  return 0;
}
