// Message digests used for authenticity: SM3 (GB/T 32905) and SHA-256, through Botan.
// Pure functions; thread-safe.
#pragma once

#include <string>
#include "absl/strings/string_view.h"

#include "google/protobuf/message_lite.h"

namespace kuaguan::seal {

// 32-byte raw SM3 digest of `data`.
std::string Sm3(absl::string_view data);

// 32-byte raw SHA-256 digest of `data`.
std::string Sha256(absl::string_view data);

// Deterministic protobuf encoding of `msg`: the bytes that digests and signatures cover.
std::string SerializeDeterministic(const google::protobuf::MessageLite& msg);

// Lower-case hex of raw bytes.
std::string ToHex(absl::string_view raw);

// The Botan library version in use.
std::string BotanVersion();

}  // namespace kuaguan::seal
