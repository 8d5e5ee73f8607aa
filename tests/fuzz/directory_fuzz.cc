// Feeds: after a first byte picking the use, a SignedDirectory to VerifyDirectory (a real CA's
// root, with and without a cached version), or a Directory to FindMember, CheckPeer, TrustOf...
// Asserts: only directory bytes the CA signed verify; an accepted peer is the registered one.
#include <botan/auto_rng.h>
#include <botan/pk_keys.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "seal/ca.h"
#include "seal/certs.h"
#include "seal/directory.h"
#include "seal/key_file.h"
#include "seal/sm2.h"
#include "tests/fuzz/fuzz_util.h"

namespace {

namespace seal = kuaguan::seal;
namespace v1 = kuaguan::v1;
using std::chrono::hours;

int64_t Micros(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
}

struct Fixture {
  kuaguan::fuzz::ScratchDir dir{"directory"};
  std::unique_ptr<seal::CertificateAuthority> ca;
  std::chrono::system_clock::time_point now = std::chrono::system_clock::now();
  v1::Directory cached;
  std::set<std::string> signed_bytes;                      // every directory document the CA signed
  std::vector<std::pair<std::string, std::string>> certs;  // (code, TLS certificate PEM)

  Fixture() {
    Botan::AutoSeeded_RNG rng;
    ca = std::move(
        *seal::CertificateAuthority::Create(dir.path() / "ca", "fuzz", "410000", "河南省档案馆"));
    v1::Directory d;
    d.set_version(1);
    d.set_provincial_code("410000");
    d.set_provincial_address("127.0.0.1:7400");
    d.set_issued_micros(Micros(now) - 3600 * 1000000LL);
    d.set_expires_micros(Micros(now) + 72 * 3600 * 1000000LL);
    d.set_refresh_seconds(300);
    d.set_root_pem(ca->root_pem());
    d.set_issuing_pem(ca->issuing_pem());
    d.set_seal_maker_pem(ca->seal_maker_pem());
    d.set_signer_pem(ca->signer_pem());
    for (const auto& [code, name] :
         {std::pair{"410100", "郑州市档案馆"}, std::pair{"410200", "开封市档案馆"}}) {
      std::unique_ptr<Botan::Private_Key> tls = seal::NewKey(seal::KeyKind::kEcdsaP256, rng);
      const std::string pem = *ca->IssueTlsCertForKey(*tls, code, name, hours(24 * 365));
      std::unique_ptr<Botan::Private_Key> sm2 = seal::NewKey(seal::KeyKind::kSm2, rng);
      auto* m = d.add_members();
      m->set_code(code);
      m->set_name(name);
      m->set_level("city");
      m->set_address("127.0.0.1:7420");
      m->set_tls_cert_pem(pem);
      m->set_tls_cert_sha256(seal::ParseCert(pem)->sha256_hex);
      m->set_seal_cert_pem(
          *ca->IssueSealCert(seal::Sm2PublicKeyDer(*sm2), code, name, hours(24 * 365)));
      m->set_enrolled_micros(d.issued_micros());
      certs.emplace_back(code, pem);
    }
    d.add_revoked_serials("00AA");
    cached = d;
    std::vector<std::pair<std::string, std::string>> seeds;
    const v1::SignedDirectory first = seal::SignDirectory(d, ca.get());
    signed_bytes.insert(first.directory());
    seeds.emplace_back("signed-1", std::string(1, '\0') + first.SerializeAsString());
    // The next version announces a next signer, then one signed by it (the rollover).
    d.set_version(2);
    d.set_next_signer_pem(*ca->PrepareNextSigner());
    const v1::SignedDirectory second = seal::SignDirectory(d, ca.get());
    signed_bytes.insert(second.directory());
    seeds.emplace_back("signed-2", std::string(1, '\0') + second.SerializeAsString());
    FUZZ_CHECK(ca->PromoteNextSigner().ok(), "rollover");
    d.set_version(3);
    d.set_signer_pem(ca->signer_pem());
    d.clear_next_signer_pem();
    d.mutable_members(1)->set_revoked(true);
    d.mutable_members(1)->set_revoked_reason("key compromise");
    const v1::SignedDirectory third = seal::SignDirectory(d, ca.get());
    signed_bytes.insert(third.directory());
    seeds.emplace_back("signed-3", std::string(1, '\0') + third.SerializeAsString());
    seeds.emplace_back("directory", std::string(1, '\1') + cached.SerializeAsString());
    seeds.emplace_back("directory-revoked", std::string(1, '\3') + d.SerializeAsString());
    for (const auto& [name, bytes] : seeds) {
      if (bytes[0] != '\0') continue;
      v1::SignedDirectory s;
      s.ParseFromString(bytes.substr(1));
      FUZZ_CHECK(seal::VerifyDirectory(s, ca->root_pem(), now, nullptr).ok(), name);
    }
    kuaguan::fuzz::WriteSeeds(seeds);
  }
};

const Fixture& Shared() {
  static const Fixture fixture;
  return fixture;
}

void Signed(const Fixture& f, const std::string& bytes, bool with_cache) {
  v1::SignedDirectory s;
  if (!s.ParseFromString(bytes)) return;
  auto d = seal::VerifyDirectory(s, f.ca->root_pem(), f.now, with_cache ? &f.cached : nullptr);
  if (!d.ok()) {
    FUZZ_CHECK(!d.status().message().empty(), "a refusal says why");
    return;
  }
  FUZZ_CHECK(f.signed_bytes.count(s.directory()) == 1, "a directory the CA never signed verifies");
  FUZZ_CHECK(!seal::Expired(*d, f.now), "an expired directory verifies");
  if (with_cache) FUZZ_CHECK(d->version() >= f.cached.version(), "an older version verifies");
}

void Lookups(const Fixture& f, const std::string& bytes, uint8_t use) {
  v1::Directory d;
  if (!d.ParseFromString(bytes)) return;
  const auto& [code, pem] = f.certs[use % f.certs.size()];
  const absl::Status peer = seal::CheckPeer(d, code, pem, f.now);
  if (peer.ok()) {
    const v1::Member* m = seal::FindMember(d, code);
    FUZZ_CHECK(m != nullptr && !m->revoked(), "an accepted peer is a member in good standing");
    FUZZ_CHECK(m->tls_cert_sha256() == seal::ParseCert(pem)->sha256_hex,
               "an accepted peer is the registered one");
    for (const auto& s : d.revoked_serials())
      FUZZ_CHECK(s != seal::ParseCert(pem)->serial_hex, "revoked");
  }
  // A member's own certificate never passes for another archive.
  FUZZ_CHECK(!seal::CheckPeer(d, code == "410100" ? "410200" : "410100", pem, f.now).ok(),
             "another's identity");
  const v1::TrustBundle t = seal::TrustOf(d);
  FUZZ_CHECK(t.members_size() == d.members_size(), "every member is in the trust bundle");
  for (int i = 0; i < d.members_size(); ++i) {
    FUZZ_CHECK(t.members(i).revoked() == d.members(i).revoked(), "revocation is carried");
  }
  const v1::DirectoryInfo info = seal::DirectoryInfoOf(d, f.now);
  FUZZ_CHECK(info.members() == static_cast<uint32_t>(d.members_size()), "count");
  (void)seal::FindMember(d, code);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  Shared();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const Fixture& f = Shared();
  const std::string bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 4) {
    case 0:
      Signed(f, bytes, false);
      break;
    case 1:
      Signed(f, bytes, true);
      break;
    default:
      Lookups(f, bytes, data[0] >> 2);
      break;
  }
  return 0;
}
