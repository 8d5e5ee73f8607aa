// Feeds: a PersonLookupRequest to LookupResponder::Answer over the back office's holdings
// (peer_fixture.h: 张三's marriage record, another person's, a not-shared one outside the
// livelihood categories, one with a phone number), with a directory of its own CA. The first byte
// picks the clerk's certificate put in the request (as parsed; a front-desk clerk of the calling
// archive; a back-office one; another archive's clerk; a revoked clerk), the second whether the
// request comes from that archive and asks for 张三. Asserts: an answer only for a valid,
// unrevoked front-desk certificate of the calling archive; only records naming the person asked
// for, never another's or one outside the categories; no identity or phone number in clear; at
// most kLookupMaxRecords; refusals say why; every string valid UTF-8.
#include <botan/auto_rng.h>
#include <botan/pk_keys.h>
#include <botan/pkcs10.h>
#include <botan/x509self.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "base/clock.h"
#include "federation/lookup_responder.h"
#include "node/store.h"
#include "seal/ca.h"
#include "seal/certs.h"
#include "seal/key_file.h"
#include "tests/fuzz/fuzz_util.h"
#include "tests/fuzz/peer_fixture.h"
#include "tests/testing/fake_clock.h"

namespace {

namespace v1 = kuaguan::v1;
namespace fed = kuaguan::federation;
using kuaguan::fuzz::PeerWorld;

[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "lookup fuzz: %s\n", what.c_str());
  std::abort();
}

template <typename T>
T Must(absl::StatusOr<T> v, const char* what) {
  if (!v.ok()) Fail(absl::StrCat(what, ": ", v.status().ToString()));
  return *std::move(v);
}

class Members final : public fed::Membership {
 public:
  explicit Members(v1::Directory d) : directory_(std::move(d)) {}
  bool enrolled() const override { return true; }
  v1::Directory Directory() const override { return directory_; }
  std::string MemberName(const std::string&) const override { return ""; }
  v1::TrustBundle Trust() const override { return {}; }
  absl::StatusOr<fed::SealKit> Seal() const override { return absl::FailedPreconditionError("no seal"); }

 private:
  const v1::Directory directory_;
};

// The clerks' certificates, by the first input byte.
enum Clerk { kAsParsed, kFrontDesk, kBackOffice, kOtherArchive, kRevoked, kClerks };

struct World {
  kuaguan::fuzz::ScratchDir dir{"lookup"};
  kuaguan::testing::FakeClock clock{absl::Now()};  // stands still while fuzzing
  std::unique_ptr<kuaguan::node::Store> store;
  std::unique_ptr<Members> members;
  std::unique_ptr<fed::LookupResponder> responder;
  std::string pem[kClerks];
  std::string front_serial;

  World() {
    auto ca = Must(kuaguan::seal::CertificateAuthority::Create(dir.path() / "ca", "fuzz", "410000", "河南省档案馆"), "CA");
    auto staff = [&](const std::string& archive, const std::string& name, const std::string& role) {
      Botan::AutoSeeded_RNG rng;
      auto key = kuaguan::seal::NewKey(kuaguan::seal::KeyKind::kEcdsaP256, rng);
      Botan::X509_Cert_Options opts(name);
      const auto csr = Botan::X509::create_cert_req(opts, *key, "SHA-256", rng).BER_encode();
      return Must(ca->IssueStaffCert(csr, archive, name, role, std::chrono::hours(24 * 365)), "staff certificate");
    };
    pem[kFrontDesk] = staff(kuaguan::fuzz::kFront, "王芳", "front-desk");
    pem[kBackOffice] = staff(kuaguan::fuzz::kFront, "钱审核", "back-office");
    pem[kOtherArchive] = staff(kuaguan::fuzz::kBack, "孙前台", "front-desk");
    pem[kRevoked] = staff(kuaguan::fuzz::kFront, "李离职", "front-desk");
    front_serial = Must(kuaguan::seal::ParseCert(pem[kFrontDesk]), "front-desk certificate").serial_hex;
    v1::Directory d;
    d.set_root_pem(ca->root_pem());
    d.set_issuing_pem(ca->issuing_pem());
    d.add_revoked_serials(Must(kuaguan::seal::ParseCert(pem[kRevoked]), "revoked certificate").serial_hex);
    members = std::make_unique<Members>(std::move(d));
    store = Must(kuaguan::node::Store::Open(dir.path() / "store", &clock), "store");
    // The clock stands still, so no bucket refills: a burst no run reaches.
    responder = std::make_unique<fed::LookupResponder>(kuaguan::fuzz::kBack, members.get(),
                                                       PeerWorld::Get().back_holdings(), store.get(), &clock,
                                                       kuaguan::base::RateLimitPolicy{1e9, 1e12, absl::Minutes(1), 16});
  }
};

World& TheWorld() {
  static World* w = new World();  // lives for the process
  return *w;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  World& w = TheWorld();
  std::vector<std::pair<std::string, std::string>> seeds;
  for (uint8_t clerk = kAsParsed; clerk < kClerks; ++clerk) {
    for (int cats : {0, 1, 2}) {
      v1::PersonLookupRequest r;
      r.set_from(kuaguan::fuzz::kFront);
      r.set_person_hash(PeerWorld::Get().person_hash());
      r.set_person_id_masked("410102********1234");
      r.set_lookup_id("410200-L20260101-0a1b2c3d4e");
      if (clerk == kAsParsed) r.set_clerk_cert_pem(w.pem[kFrontDesk]);
      if (cats >= 1) r.add_categories(v1::LIVELIHOOD_MARRIAGE);
      if (cats >= 2) r.add_categories(v1::LIVELIHOOD_RETIREMENT);
      seeds.emplace_back(absl::StrCat("lookup-", clerk, "-", cats),
                         std::string{static_cast<char>(clerk), '\0'} + r.SerializeAsString());
    }
  }
  kuaguan::fuzz::WriteSeeds(seeds);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  World& w = TheWorld();
  v1::PersonLookupRequest r;
  if (!r.ParseFromArray(data + 2, static_cast<int>(size - 2))) return 0;
  const int clerk = data[0] % kClerks;
  if (clerk != kAsParsed) r.set_clerk_cert_pem(w.pem[clerk]);
  if (data[1] & 1) r.set_from(kuaguan::fuzz::kFront);
  if (data[1] & 2) r.set_person_hash(PeerWorld::Get().person_hash());

  auto answer = w.responder->Answer(r);
  if (!answer.ok()) {
    FUZZ_CHECK(!answer.status().message().empty(), "a refusal says why");
    return 0;
  }
  // Answered: the calling archive's valid, unrevoked front-desk clerk.
  FUZZ_CHECK(r.from() == kuaguan::fuzz::kFront, absl::StrCat("answered a lookup from ", r.from()));
  auto cert = kuaguan::seal::ParseCert(r.clerk_cert_pem());
  FUZZ_CHECK(cert.ok() && cert->serial_hex == w.front_serial, "answered without the front-desk clerk's certificate");
  FUZZ_CHECK(answer->records_size() <= fed::kLookupMaxRecords, absl::StrCat(answer->records_size(), " records"));
  std::string where;
  FUZZ_CHECK(kuaguan::fuzz::StringsAreUtf8(*answer, &where), where);
  for (const auto& rec : answer->records()) {
    FUZZ_CHECK(rec.code() == kuaguan::fuzz::kNamesPerson, absl::StrCat("listed ", rec.code()));
    FUZZ_CHECK(r.person_hash() == PeerWorld::Get().person_hash(), "listed a record for another person");
    FUZZ_CHECK(rec.category() != v1::LIVELIHOOD_NONE, "listed a record outside the livelihood categories");
    const std::string text = rec.SerializeAsString();
    FUZZ_CHECK(text.find("41010219800101123") == std::string::npos, "an identity number in clear");
    FUZZ_CHECK(text.find(kuaguan::fuzz::kPhone) == std::string::npos, "a phone number in clear");
  }
  return 0;
}
