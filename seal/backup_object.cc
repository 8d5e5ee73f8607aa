#include "seal/backup_object.h"

#include <botan/aead.h>
#include <botan/auto_rng.h>
#include <botan/exceptn.h>
#include <botan/mac.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "seal/digest.h"

namespace kuaguan::seal {
namespace {

constexpr absl::string_view kMagic = "KGBO1";
constexpr size_t kNonce = 12, kTag = 16, kLength = 8;

int Log2(uint64_t n) {
  int b = -1;
  while (n != 0) {
    n >>= 1;
    ++b;
  }
  return b;
}

std::unique_ptr<Botan::AEAD_Mode> Mode(const BackupKey& key, absl::string_view label, Botan::Cipher_Dir dir) {
  auto mode = Botan::AEAD_Mode::create_or_throw("AES-256/GCM", dir);
  mode->set_key(reinterpret_cast<const uint8_t*>(key.cipher_key().data()), key.cipher_key().size());
  const std::string ad = absl::StrCat(kMagic, "\n", label);
  mode->set_associated_data(reinterpret_cast<const uint8_t*>(ad.data()), ad.size());
  return mode;
}

}  // namespace

uint64_t PadmeLength(uint64_t n) {
  if (n < 2) return n;
  const int e = Log2(n);
  const int s = Log2(static_cast<uint64_t>(e)) + 1;
  const int last_bits = e - s;
  const uint64_t mask = (uint64_t{1} << last_bits) - 1;
  return (n + mask) & ~mask;
}

std::string BackupObjectId(const BackupKey& key, absl::string_view plain) {
  auto mac = Botan::MessageAuthenticationCode::create_or_throw("HMAC(SM3)");
  mac->set_key(reinterpret_cast<const uint8_t*>(key.id_key().data()), key.id_key().size());
  mac->update(reinterpret_cast<const uint8_t*>(plain.data()), plain.size());
  const auto out = mac->final();
  return ToHex(std::string(out.begin(), out.end()));
}

bool IsBackupObjectId(absl::string_view id) {
  if (id.size() != 64) return false;
  for (char c : id) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

absl::StatusOr<std::string> SealBackupObject(const BackupKey& key, absl::string_view label, absl::string_view plain) {
  try {
    Botan::AutoSeeded_RNG rng;
    const auto nonce = rng.random_vec(kNonce);
    const uint64_t body = kLength + plain.size();
    Botan::secure_vector<uint8_t> buf(PadmeLength(body), 0);
    for (size_t i = 0; i < kLength; ++i) buf[i] = static_cast<uint8_t>(plain.size() >> (8 * (kLength - 1 - i)));
    std::copy(plain.begin(), plain.end(), buf.begin() + kLength);
    auto mode = Mode(key, label, Botan::Cipher_Dir::ENCRYPTION);
    mode->start(nonce);
    mode->finish(buf);
    std::string out(kMagic);
    out.append(nonce.begin(), nonce.end());
    out.append(buf.begin(), buf.end());
    return out;
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("cannot encrypt backup object ", label, ": ", e.what()));
  }
}

absl::StatusOr<std::string> OpenBackupObject(const BackupKey& key, absl::string_view label, absl::string_view sealed) {
  if (!absl::StartsWith(sealed, kMagic) || sealed.size() < kMagic.size() + kNonce + kTag + kLength) {
    return absl::InvalidArgumentError(absl::StrCat("backup object ", label, " is not a sealed object (", kMagic, ")"));
  }
  const auto* p = reinterpret_cast<const uint8_t*>(sealed.data()) + kMagic.size();
  Botan::secure_vector<uint8_t> buf(p + kNonce, reinterpret_cast<const uint8_t*>(sealed.data()) + sealed.size());
  try {
    auto mode = Mode(key, label, Botan::Cipher_Dir::DECRYPTION);
    mode->start(p, kNonce);
    mode->finish(buf);
  } catch (const Botan::Invalid_Authentication_Tag&) {
    return absl::DataLossError(absl::StrCat("backup object ", label,
                                            " does not open: changed, damaged, or made under another backup key"));
  } catch (const std::exception& e) {
    return absl::DataLossError(absl::StrCat("backup object ", label, " does not open: ", e.what()));
  }
  uint64_t n = 0;
  for (size_t i = 0; i < kLength; ++i) n = (n << 8) | buf[i];
  if (n > buf.size() - kLength) return absl::DataLossError(absl::StrCat("backup object ", label, " states a wrong length"));
  return std::string(buf.begin() + kLength, buf.begin() + kLength + static_cast<std::ptrdiff_t>(n));
}

}  // namespace kuaguan::seal
