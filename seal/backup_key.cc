#include "seal/backup_key.h"

#include <botan/auto_rng.h>
#include <botan/hex.h>
#include <botan/mac.h>

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "seal/digest.h"
#include "seal/key_file.h"

namespace kuaguan::seal {
namespace {

constexpr size_t kKeyBytes = 32;
constexpr absl::string_view kFileMagic = "KGBK1";

std::string HmacSm3(absl::string_view key, absl::string_view data) {
  auto mac = Botan::MessageAuthenticationCode::create_or_throw("HMAC(SM3)");
  mac->set_key(reinterpret_cast<const uint8_t*>(key.data()), key.size());
  mac->update(reinterpret_cast<const uint8_t*>(data.data()), data.size());
  const auto out = mac->final();
  return std::string(out.begin(), out.end());
}

std::string Xor(absl::string_view a, absl::string_view b) {
  std::string out(a);
  for (size_t i = 0; i < out.size() && i < b.size(); ++i) out[i] = static_cast<char>(out[i] ^ b[i]);
  return out;
}

std::string Check(absl::string_view text) { return ToHex(Sm3(text)).substr(0, 4); }

absl::StatusOr<std::string> Unhex(absl::string_view hex, size_t bytes, absl::string_view what) {
  if (hex.size() != bytes * 2) return absl::InvalidArgumentError(absl::StrCat(what, " is not ", bytes * 2, " hex digits"));
  try {
    const auto raw = Botan::hex_decode(std::string(hex));
    return std::string(raw.begin(), raw.end());
  } catch (const std::exception&) {
    return absl::InvalidArgumentError(absl::StrCat(what, " is not hex"));
  }
}

struct Share {
  int n = 0;
  std::string key_id, bytes;
};

absl::StatusOr<Share> ParseShare(absl::string_view text, absl::string_view which) {
  std::string t = absl::AsciiStrToLower(absl::StripAsciiWhitespace(text));
  std::vector<std::string> parts = absl::StrSplit(t, '-');
  if (parts.size() != 5 || parts[0] != "kgbk1" || (parts[1] != "1" && parts[1] != "2")) {
    return absl::InvalidArgumentError(
        absl::StrCat(which, " is not a backup key share (KGBK1-<1|2>-<key id>-<64 hex>-<check>)"));
  }
  const std::string body = absl::StrCat("KGBK1-", parts[1], "-", parts[2], "-", parts[3]);
  if (Check(body) != parts[4]) {
    return absl::InvalidArgumentError(absl::StrCat(which, " is mistyped: its check digits ", parts[4], " do not match"));
  }
  Share s;
  s.n = parts[1] == "1" ? 1 : 2;
  s.key_id = parts[2];
  auto raw = Unhex(parts[3], kKeyBytes, which);
  if (!raw.ok()) return raw.status();
  s.bytes = *std::move(raw);
  return s;
}

}  // namespace

BackupKey::BackupKey(std::string raw, std::string share1) : raw_(std::move(raw)), share1_(std::move(share1)) {
  id_ = ToHex(Sm3(absl::StrCat("kuaguan backup key id\n", raw_))).substr(0, 16);
  cipher_key_ = HmacSm3(raw_, "kuaguan backup objects v1");
  id_key_ = HmacSm3(raw_, "kuaguan backup object ids v1");
}

absl::StatusOr<BackupKey> BackupKey::Load(const std::filesystem::path& file, bool create) {
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) {
    if (!create) return absl::NotFoundError(absl::StrCat(file.string(), ": no backup key file"));
    Botan::AutoSeeded_RNG rng;
    const auto raw = rng.random_vec(kKeyBytes), share = rng.random_vec(kKeyBytes);
    const BackupKey made(std::string(raw.begin(), raw.end()), std::string(share.begin(), share.end()));
    if (absl::Status st = made.Save(file); !st.ok()) return st;
  }
  auto text = ReadPrivateFile(file);
  if (!text.ok()) return text.status();
  std::vector<std::string> parts = absl::StrSplit(absl::StripAsciiWhitespace(*text), ' ');
  if (parts.size() != 3 || parts[0] != kFileMagic) {
    return absl::InvalidArgumentError(absl::StrCat(file.string(), ": not a backup key file (", kFileMagic, ")"));
  }
  auto raw = Unhex(parts[1], kKeyBytes, absl::StrCat(file.string(), ": the key"));
  if (!raw.ok()) return raw.status();
  auto share = Unhex(parts[2], kKeyBytes, absl::StrCat(file.string(), ": share 1"));
  if (!share.ok()) return share.status();
  return BackupKey(*std::move(raw), *std::move(share));
}

absl::StatusOr<BackupKey> BackupKey::FromShares(absl::string_view a, absl::string_view b) {
  auto first = ParseShare(a, "the first share");
  if (!first.ok()) return first.status();
  auto second = ParseShare(b, "the second share");
  if (!second.ok()) return second.status();
  if (first->n == second->n) {
    return absl::InvalidArgumentError(absl::StrCat("both shares are share ", first->n, ": one of each (1 and 2) is needed"));
  }
  if (first->key_id != second->key_id) {
    return absl::InvalidArgumentError(absl::StrCat("the shares belong to different backup keys (", first->key_id,
                                                   " and ", second->key_id, ")"));
  }
  const Share& s1 = first->n == 1 ? *first : *second;
  BackupKey key(Xor(first->bytes, second->bytes), s1.bytes);
  if (key.id() != first->key_id) {
    return absl::InvalidArgumentError(absl::StrCat("the shares do not make key ", first->key_id));
  }
  return key;
}

absl::Status BackupKey::Save(const std::filesystem::path& file) const {
  return WritePrivateFile(file, absl::StrCat(kFileMagic, " ", ToHex(raw_), " ", ToHex(share1_), "\n"));
}

std::string BackupKey::ShareText(int n) const {
  const std::string bytes = n == 1 ? share1_ : Xor(raw_, share1_);
  const std::string body = absl::StrCat("KGBK1-", n, "-", id_, "-", ToHex(bytes));
  return absl::StrCat(body, "-", Check(body));
}

}  // namespace kuaguan::seal
