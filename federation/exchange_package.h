// The direct-exchange package file (直接交换, *.kgx): a versioned, bounded container that can be
// carried as a file. Layout, every length a big-endian uint32:
//   "KGXP1\n" | len, manifest | len, signature | len, sender certificate (PEM) | count |
//   count x (len, entry)
// The manifest (ExchangeManifest, deterministic encoding) names every entry with its size and SM3;
// the signature is the sending node's (seal/node_signature.h) over the magic, the manifest and
// the certificate (each length-prefixed as in the file): every byte but the signature's is
// covered. Nothing may follow the last entry. ParsePackage reads hostile bytes: every length and
// count is bounded before anything is allocated, each entry is checked against its manifest line
// (size, SM3, name), and a failure says what was wrong and where. Whether the certificate is the
// sending archive's registered one is the caller's question (the directory's). Pure; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "kuaguan/v1/exchange.pb.h"

namespace kuaguan::federation {

inline constexpr absl::string_view kPackageMagic = "KGXP1\n";
inline constexpr uint32_t kPackageFormat = 1;
// A whole package; it travels in one peer message (seal::kMaxPeerMessageBytes, 64 MiB).
inline constexpr size_t kMaxPackageBytes = size_t{56} << 20;
inline constexpr size_t kMaxPackageEntries = 20000;
inline constexpr size_t kMaxManifestBytes = size_t{4} << 20;
inline constexpr size_t kMaxPackageSignatureBytes = 512;
inline constexpr size_t kMaxPackageCertBytes = size_t{16} << 10;

struct ExchangePackage {
  kuaguan::v1::ExchangeManifest manifest;
  std::string manifest_bytes;  // as signed
  std::string signature;
  std::string cert_pem;
  std::vector<kuaguan::v1::ExchangeEntry> entries;  // in manifest order
};

// The manifest name of an entry: "record:CODE" or "page:CODE:N".
std::string EntryName(const kuaguan::v1::ExchangeEntry& entry);

// Fills `manifest`'s entry lines and counts from `entries`, signs it with the unencrypted PKCS#8
// PEM key `key_pem` and writes the container with `cert_pem` (the key's certificate).
// INVALID_ARGUMENT when a bound would be exceeded or the key cannot sign.
absl::StatusOr<std::string> WritePackage(kuaguan::v1::ExchangeManifest manifest,
                                         const std::vector<kuaguan::v1::ExchangeEntry>& entries,
                                         absl::string_view key_pem, absl::string_view cert_pem);

// Reads a container: structure, bounds, manifest format, every entry's size, SM3 and name against
// the manifest, names unique, each page's record present. INVALID_ARGUMENT (malformed, oversized)
// or DATA_LOSS (an entry does not match its manifest line), naming what and where. The signature
// is not checked here.
absl::StatusOr<ExchangePackage> ParsePackage(absl::string_view bytes);

// OK when the package's signature over its manifest verifies with its certificate's key;
// UNAUTHENTICATED otherwise.
absl::Status VerifyPackageSignature(const ExchangePackage& package);

}  // namespace kuaguan::federation
