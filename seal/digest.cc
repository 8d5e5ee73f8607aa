#include "absl/strings/string_view.h"
#include "seal/digest.h"

#include <botan/hash.h>
#include <botan/hex.h>
#include <botan/version.h>

#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

namespace kuaguan::seal {
namespace {

std::string Digest(const char* algo, absl::string_view data) {
  auto hash = Botan::HashFunction::create_or_throw(algo);
  hash->update(reinterpret_cast<const uint8_t*>(data.data()), data.size());
  const auto out = hash->final();
  return std::string(out.begin(), out.end());
}

}  // namespace

std::string Sm3(absl::string_view data) { return Digest("SM3", data); }

std::string Sha256(absl::string_view data) { return Digest("SHA-256", data); }

std::string SerializeDeterministic(const google::protobuf::MessageLite& msg) {
  std::string out;
  {
    google::protobuf::io::StringOutputStream raw(&out);
    google::protobuf::io::CodedOutputStream coded(&raw);
    coded.SetSerializationDeterministic(true);
    msg.SerializeToCodedStream(&coded);
  }
  return out;
}

std::string ToHex(absl::string_view raw) {
  return Botan::hex_encode(reinterpret_cast<const uint8_t*>(raw.data()), raw.size(), false);
}

std::string BotanVersion() { return Botan::short_version_string(); }

}  // namespace kuaguan::seal
