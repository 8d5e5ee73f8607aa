#include "seal/keyed_hash.h"

#include <botan/mac.h>

namespace kuaguan::seal {

std::string PersonKeyedHash(absl::string_view key, absl::string_view identifier) {
  auto mac = Botan::MessageAuthenticationCode::create_or_throw("HMAC(SM3)");
  mac->set_key(reinterpret_cast<const uint8_t*>(key.data()), key.size());
  mac->update(reinterpret_cast<const uint8_t*>(identifier.data()), identifier.size());
  const auto out = mac->final();
  return std::string(out.begin(), out.end());
}

}  // namespace kuaguan::seal
