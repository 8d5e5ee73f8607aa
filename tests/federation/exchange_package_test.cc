// The direct-exchange package container (federation/exchange_package.h): a round trip, and every
// tamper refused — any flipped byte (manifest, signature, certificate, count, entry), another
// signer, truncation anywhere, bytes after the end, oversized lengths and counts, an entry swapped
// or renamed, a page before its record, and another format.
#include <botan/auto_rng.h>
#include <botan/pk_keys.h>
#include <botan/x509self.h>

#include <catch2/catch.hpp>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "federation/exchange_package.h"
#include "seal/key_file.h"

namespace v1 = kuaguan::v1;
namespace fed = kuaguan::federation;
namespace seal = kuaguan::seal;

namespace {

struct Identity {
  std::string key_pem;
  std::string cert_pem;
};

Identity NewIdentity(const std::string& code) {
  Botan::AutoSeeded_RNG rng;
  auto key = seal::NewKey(seal::KeyKind::kEcdsaP256, rng);
  Botan::X509_Cert_Options opts(code + "/CN");
  return {seal::PlainKeyPem(*key), Botan::X509::create_self_signed_cert(opts, *key, "SHA-256", rng).PEM_encode()};
}

const Identity& Sender() {
  static const Identity* id = new Identity(NewIdentity("410200"));
  return *id;
}

v1::ExchangeManifest Manifest() {
  v1::ExchangeManifest m;
  m.set_package_id("410200-2026-12-06-0a1b2c3d4e5f");
  m.set_from_archive("410200");
  m.set_from_name("开封市档案馆");
  m.set_to_archive("410100");
  m.set_created_micros(1765000000000000);
  m.set_query("婚姻登记");
  return m;
}

std::vector<v1::ExchangeEntry> Entries(int records) {
  std::vector<v1::ExchangeEntry> out;
  for (int i = 0; i < records; ++i) {
    v1::ExchangeEntry e;
    e.mutable_record()->set_code(absl::StrCat("K2-HY·1985-Y-", 1000 + i));
    e.mutable_record()->set_title(absl::StrCat("结婚登记 ", i));
    out.push_back(e);
    if (i % 2 == 0) {
      v1::ExchangeEntry p;
      p.mutable_page()->set_code(e.record().code());
      p.mutable_page()->set_page(1);
      p.mutable_page()->set_format("png");
      p.mutable_page()->set_image(std::string(300 + i, static_cast<char>(i)));
      p.mutable_page()->set_text("第一页 ***");
      out.push_back(p);
    }
  }
  return out;
}

std::string Package(int records = 5) {
  auto bytes = fed::WritePackage(Manifest(), Entries(records), Sender().key_pem, Sender().cert_pem);
  REQUIRE(bytes.ok());
  return *bytes;
}

// OK only when both the container and its signature hold.
absl::Status ReadAndVerify(const std::string& bytes) {
  auto pkg = fed::ParsePackage(bytes);
  if (!pkg.ok()) return pkg.status();
  return fed::VerifyPackageSignature(*pkg);
}

void PutLength(std::string* s, size_t at, uint32_t n) {
  for (int i = 0; i < 4; ++i) (*s)[at + i] = static_cast<char>((n >> (24 - 8 * i)) & 0xff);
}

uint32_t LengthAt(const std::string& s, size_t at) {
  uint32_t n = 0;
  for (int i = 0; i < 4; ++i) n = (n << 8) | static_cast<uint8_t>(s[at + i]);
  return n;
}

}  // namespace

TEST_CASE("exchange package: round trip") {
  const std::string bytes = Package();
  auto pkg = fed::ParsePackage(bytes);
  REQUIRE(pkg.ok());
  CHECK(fed::VerifyPackageSignature(*pkg).ok());
  CHECK(pkg->manifest.format() == fed::kPackageFormat);
  CHECK(pkg->manifest.records() == 5);
  CHECK(pkg->manifest.pages() == 3);
  CHECK(pkg->manifest.from_archive() == "410200");
  REQUIRE(pkg->entries.size() == 8);
  CHECK(pkg->entries[0].record().code() == "K2-HY·1985-Y-1000");
  CHECK(pkg->entries[1].page().image().size() == 300);
  CHECK(fed::EntryName(pkg->entries[1]) == "page:K2-HY·1985-Y-1000:1");
  CHECK(pkg->cert_pem == Sender().cert_pem);
  // An empty package is a package.
  auto empty = fed::WritePackage(Manifest(), {}, Sender().key_pem, Sender().cert_pem);
  REQUIRE(empty.ok());
  CHECK(ReadAndVerify(*empty).ok());
}

TEST_CASE("exchange package: every flipped byte is refused") {
  const std::string bytes = Package(3);
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::string bad = bytes;
    bad[i] = static_cast<char>(bad[i] ^ 0x01);
    INFO("byte " << i << " of " << bytes.size());
    CHECK_FALSE(ReadAndVerify(bad).ok());
  }
}

TEST_CASE("exchange package: truncated anywhere, or with bytes after its end, is refused") {
  const std::string bytes = Package(3);
  for (size_t n = 0; n < bytes.size(); ++n) {
    INFO("first " << n << " bytes");
    auto st = fed::ParsePackage(bytes.substr(0, n));
    CHECK_FALSE(st.ok());
  }
  auto longer = fed::ParsePackage(bytes + "x");
  REQUIRE_FALSE(longer.ok());
  CHECK(longer.status().message().find("after its last entry") != std::string::npos);
  auto other = fed::ParsePackage("PK\x03\x04 a zip file");
  REQUIRE_FALSE(other.ok());
  CHECK(other.status().message().find("KGXP1") != std::string::npos);
}

TEST_CASE("exchange package: another signer, or a re-signed manifest with another certificate, is refused") {
  const Identity other = NewIdentity("410300");
  // Signed by another key, carrying the sender's certificate.
  auto forged = fed::WritePackage(Manifest(), Entries(2), other.key_pem, Sender().cert_pem);
  REQUIRE(forged.ok());
  auto st = ReadAndVerify(*forged);
  CHECK(st.code() == absl::StatusCode::kUnauthenticated);
  // Signed by another key with its own certificate: the container holds; the directory, not the
  // container, says whose certificate it is (node/exchange.cc checks it against the sender).
  auto own = fed::WritePackage(Manifest(), Entries(2), other.key_pem, other.cert_pem);
  REQUIRE(own.ok());
  auto pkg = fed::ParsePackage(*own);
  REQUIRE(pkg.ok());
  CHECK(fed::VerifyPackageSignature(*pkg).ok());
  CHECK(pkg->cert_pem == other.cert_pem);
  CHECK(pkg->cert_pem != Sender().cert_pem);
}

TEST_CASE("exchange package: oversized lengths and counts are refused before allocation") {
  const std::string bytes = Package(2);
  const size_t manifest_at = fed::kPackageMagic.size();
  {
    std::string bad = bytes;
    PutLength(&bad, manifest_at, 0xffffffffu);
    auto st = fed::ParsePackage(bad);
    REQUIRE_FALSE(st.ok());
    CHECK(st.status().message().find("more than the") != std::string::npos);
  }
  // The entry count, after the manifest, signature and certificate blocks.
  size_t at = manifest_at;
  for (int block = 0; block < 3; ++block) at += 4 + LengthAt(bytes, at);
  for (uint32_t count : {0xffffffffu, static_cast<uint32_t>(fed::kMaxPackageEntries + 1), 4u, 2u, 0u}) {
    std::string bad = bytes;
    PutLength(&bad, at, count);
    INFO("count " << count);
    auto st = fed::ParsePackage(bad);
    CHECK_FALSE(st.ok());
  }
  // An entry's length beyond what is left.
  {
    std::string bad = bytes;
    PutLength(&bad, at + 4, 0x7fffffffu);
    CHECK_FALSE(fed::ParsePackage(bad).ok());
  }
  // A whole file over the bound.
  CHECK_FALSE(fed::ParsePackage(std::string(fed::kMaxPackageBytes + 1, 'K')).ok());
}

TEST_CASE("exchange package: entries swapped, renamed, a page before its record, another format") {
  // A page before its record (entries r0 p0 r1 r2 p2, the first and third swapped).
  {
    auto entries = Entries(3);
    std::swap(entries[0], entries[2]);
    auto bytes = fed::WritePackage(Manifest(), entries, Sender().key_pem, Sender().cert_pem);
    REQUIRE(bytes.ok());
    auto st = fed::ParsePackage(*bytes);
    REQUIRE_FALSE(st.ok());
    CHECK(st.status().message().find("comes before it in no record") != std::string::npos);
  }
  {
    auto entries = Entries(2);
    entries.push_back(entries[0]);  // the same record twice
    auto bytes = fed::WritePackage(Manifest(), entries, Sender().key_pem, Sender().cert_pem);
    REQUIRE(bytes.ok());
    auto st = fed::ParsePackage(*bytes);
    REQUIRE_FALSE(st.ok());
    CHECK(st.status().message().find("twice") != std::string::npos);
  }
  {
    v1::ExchangeEntry none;
    auto bytes = fed::WritePackage(Manifest(), {none}, Sender().key_pem, Sender().cert_pem);
    CHECK_FALSE(bytes.ok());
  }
  {
    v1::ExchangeManifest m = Manifest();
    m.clear_package_id();
    auto bytes = fed::WritePackage(m, Entries(1), Sender().key_pem, Sender().cert_pem);
    REQUIRE(bytes.ok());
    CHECK_FALSE(fed::ParsePackage(*bytes).ok());
  }
  // An entry's last byte changed, the manifest left alone: DATA_LOSS naming the SM3.
  {
    std::string bad = Package(1);
    bad[bad.size() - 1] = static_cast<char>(bad[bad.size() - 1] ^ 0x40);
    auto st = fed::ParsePackage(bad);
    REQUIRE_FALSE(st.ok());
    CHECK(st.status().code() == absl::StatusCode::kDataLoss);
    CHECK(st.status().message().find("SM3") != std::string::npos);
  }
}
