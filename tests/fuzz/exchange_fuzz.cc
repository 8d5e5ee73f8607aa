// Feeds direct-exchange package files (federation/exchange_package.h) to ParsePackage and
// VerifyPackageSignature: after a first byte picking the use, (0) the rest as a whole file, or
// (1) a real signed package with the rest of the input XORed into it from an offset the next two
// bytes give. Seeded with real packages (records and pages). Asserts: refusals carry a message and
// are INVALID_ARGUMENT or DATA_LOSS; a parsed package has as many entries as its manifest lists,
// each matching its line; a package whose signature verifies with the harness's certificate has a
// manifest the harness signed; a real package with nothing XORed in reads and verifies.
#include <botan/auto_rng.h>
#include <botan/pk_keys.h>
#include <botan/x509self.h>

#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "federation/exchange_package.h"
#include "seal/digest.h"
#include "seal/key_file.h"
#include "tests/fuzz/fuzz_util.h"

namespace {

namespace fed = kuaguan::federation;
namespace seal = kuaguan::seal;
namespace v1 = kuaguan::v1;

struct Fixture {
  std::string key_pem, cert_pem;
  std::string real;                    // a real package, the base of mode 1
  std::set<std::string> signed_manifests;

  Fixture() {
    Botan::AutoSeeded_RNG rng;
    auto key = seal::NewKey(seal::KeyKind::kEcdsaP256, rng);
    key_pem = seal::PlainKeyPem(*key);
    Botan::X509_Cert_Options opts("410200/CN");
    cert_pem = Botan::X509::create_self_signed_cert(opts, *key, "SHA-256", rng).PEM_encode();
    std::vector<std::pair<std::string, std::string>> seeds;
    for (int records : {0, 1, 3}) {
      v1::ExchangeManifest m;
      m.set_package_id(absl::StrCat("410200-2026-12-06-seed", records));
      m.set_from_archive("410200");
      m.set_to_archive("410100");
      std::vector<v1::ExchangeEntry> entries;
      for (int i = 0; i < records; ++i) {
        v1::ExchangeEntry r;
        r.mutable_record()->set_code(absl::StrCat("K2-HY·1985-Y-000", i));
        r.mutable_record()->set_title("结婚登记");
        entries.push_back(r);
        v1::ExchangeEntry p;
        p.mutable_page()->set_code(r.record().code());
        p.mutable_page()->set_page(1);
        p.mutable_page()->set_format("png");
        p.mutable_page()->set_image(std::string(64, static_cast<char>(i)));
        entries.push_back(p);
      }
      const std::string bytes = *fed::WritePackage(m, entries, key_pem, cert_pem);
      signed_manifests.insert(fed::ParsePackage(bytes)->manifest_bytes);
      seeds.emplace_back(absl::StrCat("package-", records), std::string(1, '\0') + bytes);
      if (records == 3) real = bytes;
    }
    seeds.emplace_back("xor-nothing", std::string("\x01\x00\x00", 3));
    seeds.emplace_back("xor-count", std::string("\x01\x00\x10\xff\xff", 5));
    kuaguan::fuzz::WriteSeeds(seeds);
  }
};

Fixture& F() {
  static Fixture* f = new Fixture();
  return *f;
}

void Check(const std::string& bytes, bool untouched) {
  auto pkg = fed::ParsePackage(bytes);
  if (!pkg.ok()) {
    FUZZ_CHECK(!untouched, pkg.status().message());
    FUZZ_CHECK(!pkg.status().message().empty(), "a refusal without a message");
    FUZZ_CHECK(pkg.status().code() == absl::StatusCode::kInvalidArgument ||
                   pkg.status().code() == absl::StatusCode::kDataLoss,
               pkg.status().ToString());
    return;
  }
  FUZZ_CHECK(static_cast<int>(pkg->entries.size()) == pkg->manifest.entries_size(), "entries and manifest differ");
  for (size_t i = 0; i < pkg->entries.size(); ++i) {
    FUZZ_CHECK(fed::EntryName(pkg->entries[i]) == pkg->manifest.entries(static_cast<int>(i)).name(), "entry name");
  }
  const absl::Status verified = fed::VerifyPackageSignature(*pkg);
  if (untouched) FUZZ_CHECK(verified.ok(), verified.message());
  if (verified.ok() && pkg->cert_pem == F().cert_pem) {
    FUZZ_CHECK(F().signed_manifests.contains(pkg->manifest_bytes), "a manifest the harness never signed verifies");
  }
  if (!verified.ok()) FUZZ_CHECK(verified.code() == absl::StatusCode::kUnauthenticated, verified.ToString());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Fixture& f = F();
  if (size == 0) return 0;
  const absl::string_view in = kuaguan::fuzz::AsView(data, size);
  if (in[0] % 2 == 0) {
    Check(std::string(in.substr(1)), false);
    return 0;
  }
  if (size < 3) return 0;
  const size_t offset = ((static_cast<uint8_t>(in[1]) << 8) | static_cast<uint8_t>(in[2])) % f.real.size();
  std::string bytes = f.real;
  bool changed = false;
  const absl::string_view x = in.substr(3);
  for (size_t i = 0; i < x.size() && offset + i < bytes.size(); ++i) {
    changed |= x[i] != 0;
    bytes[offset + i] = static_cast<char>(bytes[offset + i] ^ x[i]);
  }
  Check(bytes, !changed);
  return 0;
}
