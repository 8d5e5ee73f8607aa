#include "federation/exchange_package.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "seal/digest.h"
#include "seal/node_signature.h"

namespace kuaguan::federation {
namespace v1 = kuaguan::v1;
namespace {

void PutLength(std::string* out, size_t n) {
  for (int shift = 24; shift >= 0; shift -= 8) out->push_back(static_cast<char>((n >> shift) & 0xff));
}

void PutBlock(std::string* out, absl::string_view bytes) {
  PutLength(out, bytes.size());
  out->append(bytes.data(), bytes.size());
}

// Reads the container front to back; every read is bounded by what is left.
class Reader {
 public:
  explicit Reader(absl::string_view bytes) : rest_(bytes) {}

  absl::StatusOr<uint32_t> Length(absl::string_view what) {
    if (rest_.size() < 4) return Truncated(what);
    uint32_t n = 0;
    for (int i = 0; i < 4; ++i) n = (n << 8) | static_cast<uint8_t>(rest_[i]);
    Skip(4);
    return n;
  }

  // A length-prefixed block of at most `max` bytes.
  absl::StatusOr<absl::string_view> Block(absl::string_view what, size_t max) {
    ASSIGN_OR_RETURN(const uint32_t n, Length(what));
    if (n > max) {
      return absl::InvalidArgumentError(
          absl::StrCat("the package's ", what, " says ", n, " bytes, more than the ", max, " allowed (at byte ", at_, ")"));
    }
    if (rest_.size() < n) return Truncated(what);
    const absl::string_view block = rest_.substr(0, n);
    Skip(n);
    return block;
  }

  bool Take(absl::string_view prefix) {
    if (rest_.substr(0, prefix.size()) != prefix) return false;
    Skip(prefix.size());
    return true;
  }

  size_t left() const { return rest_.size(); }
  size_t at() const { return at_; }

 private:
  absl::Status Truncated(absl::string_view what) const {
    return absl::InvalidArgumentError(absl::StrCat("the package is truncated in its ", what, " (at byte ", at_, ")"));
  }
  void Skip(size_t n) {
    rest_.remove_prefix(n);
    at_ += n;
  }

  absl::string_view rest_;
  size_t at_ = 0;
};

// What the signature covers: the magic, the manifest and the certificate, each length-prefixed.
std::string SignedPart(absl::string_view manifest, absl::string_view cert_pem) {
  std::string out(kPackageMagic);
  PutBlock(&out, manifest);
  PutBlock(&out, cert_pem);
  return out;
}

}  // namespace

std::string EntryName(const v1::ExchangeEntry& entry) {
  switch (entry.body_case()) {
    case v1::ExchangeEntry::kRecord:
      return absl::StrCat("record:", entry.record().code());
    case v1::ExchangeEntry::kPage:
      return absl::StrCat("page:", entry.page().code(), ":", entry.page().page());
    case v1::ExchangeEntry::BODY_NOT_SET:
      break;
  }
  return "";
}

absl::StatusOr<std::string> WritePackage(v1::ExchangeManifest manifest, const std::vector<v1::ExchangeEntry>& entries,
                                         absl::string_view key_pem, absl::string_view cert_pem) {
  if (entries.size() > kMaxPackageEntries) {
    return absl::InvalidArgumentError(absl::StrCat("a package holds at most ", kMaxPackageEntries, " entries"));
  }
  if (cert_pem.size() > kMaxPackageCertBytes) return absl::InvalidArgumentError("the certificate is too large for a package");
  manifest.set_format(kPackageFormat);
  manifest.clear_entries();
  manifest.set_records(0);
  manifest.set_pages(0);
  std::vector<std::string> encoded;
  encoded.reserve(entries.size());
  size_t total = 0;
  for (const auto& e : entries) {
    const std::string name = EntryName(e);
    if (name.empty()) return absl::InvalidArgumentError("a package entry holds neither a record nor a page");
    encoded.push_back(seal::SerializeDeterministic(e));
    total += encoded.back().size() + 4;
    auto* line = manifest.add_entries();
    line->set_name(name);
    line->set_size(encoded.back().size());
    line->set_sm3(seal::Sm3(encoded.back()));
    if (e.has_record()) {
      manifest.set_records(manifest.records() + 1);
    } else {
      manifest.set_pages(manifest.pages() + 1);
    }
  }
  std::string manifest_bytes = seal::SerializeDeterministic(manifest);
  if (manifest_bytes.size() > kMaxManifestBytes) return absl::InvalidArgumentError("the package's manifest is too large");
  ASSIGN_OR_RETURN(const std::string signature,
                   seal::SignWithNodeKey(key_pem, SignedPart(manifest_bytes, cert_pem)));
  total += kPackageMagic.size() + 16 + manifest_bytes.size() + signature.size() + cert_pem.size();
  if (total > kMaxPackageBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("the package would be ", total, " bytes, more than the ", kMaxPackageBytes, " allowed"));
  }
  std::string out;
  out.reserve(total);
  out.append(kPackageMagic.data(), kPackageMagic.size());
  PutBlock(&out, manifest_bytes);
  PutBlock(&out, signature);
  PutBlock(&out, cert_pem);
  PutLength(&out, encoded.size());
  for (const auto& e : encoded) PutBlock(&out, e);
  return out;
}

absl::StatusOr<ExchangePackage> ParsePackage(absl::string_view bytes) {
  if (bytes.size() > kMaxPackageBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("the package is ", bytes.size(), " bytes, more than the ", kMaxPackageBytes, " allowed"));
  }
  Reader in(bytes);
  if (!in.Take(kPackageMagic)) {
    return absl::InvalidArgumentError("not a direct-exchange package (直接交换包): it does not begin with KGXP1");
  }
  ExchangePackage pkg;
  ASSIGN_OR_RETURN(const absl::string_view manifest, in.Block("manifest", kMaxManifestBytes));
  ASSIGN_OR_RETURN(const absl::string_view signature, in.Block("signature", kMaxPackageSignatureBytes));
  ASSIGN_OR_RETURN(const absl::string_view cert, in.Block("certificate", kMaxPackageCertBytes));
  pkg.manifest_bytes = std::string(manifest);
  pkg.signature = std::string(signature);
  pkg.cert_pem = std::string(cert);
  if (!pkg.manifest.ParseFromString(pkg.manifest_bytes)) return absl::InvalidArgumentError("the package's manifest is unreadable");
  if (pkg.manifest.format() != kPackageFormat) {
    return absl::InvalidArgumentError(
        absl::StrCat("the package is of format ", pkg.manifest.format(), "; this node reads format ", kPackageFormat));
  }
  if (pkg.manifest.package_id().empty() || pkg.manifest.from_archive().empty()) {
    return absl::InvalidArgumentError("the package's manifest names no package id or sending archive");
  }
  ASSIGN_OR_RETURN(const uint32_t count, in.Length("entry count"));
  if (count > kMaxPackageEntries) {
    return absl::InvalidArgumentError(absl::StrCat("the package says ", count, " entries, more than the ", kMaxPackageEntries, " allowed"));
  }
  if (static_cast<int>(count) != pkg.manifest.entries_size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("the package holds ", count, " entries but its manifest lists ", pkg.manifest.entries_size()));
  }
  // Each entry takes at least its 4-byte length: a count the bytes cannot hold is refused before
  // anything is reserved for it.
  if (in.left() / 4 < count) return absl::InvalidArgumentError("the package is truncated: fewer entries than its count");
  pkg.entries.reserve(count);
  std::set<std::string> names, records;
  uint32_t n_records = 0, n_pages = 0;
  for (uint32_t i = 0; i < count; ++i) {
    const v1::ExchangeManifestEntry& line = pkg.manifest.entries(static_cast<int>(i));
    ASSIGN_OR_RETURN(const absl::string_view entry, in.Block(absl::StrCat("entry ", i + 1), kMaxPackageBytes));
    if (entry.size() != line.size() || seal::Sm3(entry) != line.sm3()) {
      return absl::DataLossError(absl::StrCat("entry ", i + 1, " (", line.name(), ") does not match its SM3 in the manifest"));
    }
    v1::ExchangeEntry e;
    if (!e.ParseFromString(std::string(entry))) {
      return absl::InvalidArgumentError(absl::StrCat("entry ", i + 1, " (", line.name(), ") is unreadable"));
    }
    const std::string name = EntryName(e);
    if (name.empty() || name != line.name()) {
      return absl::InvalidArgumentError(absl::StrCat("entry ", i + 1, " is named '", line.name(), "' but holds '", name, "'"));
    }
    if (!names.insert(name).second) return absl::InvalidArgumentError(absl::StrCat("the package names ", name, " twice"));
    if (e.has_record()) {
      if (e.record().code().empty()) return absl::InvalidArgumentError(absl::StrCat("entry ", i + 1, " is a record without a code"));
      records.insert(e.record().code());
      ++n_records;
    } else {
      if (!records.contains(e.page().code())) {
        return absl::InvalidArgumentError(absl::StrCat("entry ", i + 1, " is a page of ", e.page().code(),
                                                       ", which comes before it in no record entry"));
      }
      if (e.page().page() == 0) return absl::InvalidArgumentError(absl::StrCat("entry ", i + 1, " is page 0"));
      ++n_pages;
    }
    pkg.entries.push_back(std::move(e));
  }
  if (in.left() != 0) {
    return absl::InvalidArgumentError(absl::StrCat("the package has ", in.left(), " bytes after its last entry"));
  }
  if (n_records != pkg.manifest.records() || n_pages != pkg.manifest.pages()) {
    return absl::InvalidArgumentError("the package's manifest counts do not match its entries");
  }
  return pkg;
}

absl::Status VerifyPackageSignature(const ExchangePackage& package) {
  absl::Status st = seal::VerifyNodeSignature(package.cert_pem, SignedPart(package.manifest_bytes, package.cert_pem),
                                              package.signature);
  if (st.ok()) return st;
  return absl::UnauthenticatedError(
      absl::StrCat("the package's signature does not verify with the certificate it carries: ", st.message()));
}

}  // namespace kuaguan::federation
