#include "seal/secret_box.h"

#include <botan/aead.h>
#include <botan/auto_rng.h>
#include <botan/pbkdf.h>

#include "absl/strings/match.h"

namespace kuaguan::seal {
namespace {

constexpr absl::string_view kMagic = "KGSB1";
constexpr size_t kSalt = 16, kNonce = 12, kTag = 16;
constexpr size_t kRounds = 100000;

Botan::secure_vector<uint8_t> DeriveKey(absl::string_view passphrase, const uint8_t* salt) {
  auto pbkdf = Botan::PBKDF::create_or_throw("PBKDF2(SHA-256)");
  return pbkdf->pbkdf_iterations(32, std::string(passphrase), salt, kSalt, kRounds);
}

}  // namespace

bool IsSealedSecret(absl::string_view value) {
  return absl::StartsWith(value, kMagic) && value.size() >= kMagic.size() + kSalt + kNonce + kTag;
}

absl::StatusOr<std::string> SealSecret(absl::string_view passphrase, absl::string_view plain) {
  if (passphrase.empty()) return absl::InvalidArgumentError("no passphrase to seal a secret with");
  try {
    Botan::AutoSeeded_RNG rng;
    std::vector<uint8_t> salt(kSalt), nonce(kNonce);
    rng.randomize(salt.data(), salt.size());
    rng.randomize(nonce.data(), nonce.size());
    auto mode = Botan::AEAD_Mode::create_or_throw("AES-256/GCM", Botan::ENCRYPTION);
    mode->set_key(DeriveKey(passphrase, salt.data()));
    mode->set_associated_data(reinterpret_cast<const uint8_t*>(kMagic.data()), kMagic.size());
    mode->start(nonce);
    Botan::secure_vector<uint8_t> buf(plain.begin(), plain.end());
    mode->finish(buf);
    std::string out(kMagic);
    out.append(salt.begin(), salt.end());
    out.append(nonce.begin(), nonce.end());
    out.append(buf.begin(), buf.end());
    return out;
  } catch (const std::exception& e) {
    return absl::InternalError(std::string("cannot seal a secret: ") + e.what());
  }
}

absl::StatusOr<std::string> OpenSecret(absl::string_view passphrase, absl::string_view sealed) {
  if (!IsSealedSecret(sealed)) return absl::InvalidArgumentError("not a sealed secret");
  const auto* p = reinterpret_cast<const uint8_t*>(sealed.data()) + kMagic.size();
  try {
    auto mode = Botan::AEAD_Mode::create_or_throw("AES-256/GCM", Botan::DECRYPTION);
    mode->set_key(DeriveKey(passphrase, p));
    mode->set_associated_data(reinterpret_cast<const uint8_t*>(kMagic.data()), kMagic.size());
    mode->start(p + kSalt, kNonce);
    Botan::secure_vector<uint8_t> buf(p + kSalt + kNonce, reinterpret_cast<const uint8_t*>(sealed.data()) + sealed.size());
    mode->finish(buf);
    return std::string(buf.begin(), buf.end());
  } catch (const Botan::Invalid_Authentication_Tag&) {
    return absl::UnauthenticatedError("a sealed secret does not open: wrong key passphrase, or changed bytes");
  } catch (const std::exception& e) {
    return absl::InternalError(std::string("cannot open a sealed secret: ") + e.what());
  }
}

}  // namespace kuaguan::seal
