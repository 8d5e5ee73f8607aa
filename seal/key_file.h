// Private keys at rest: PKCS#8 PEM encrypted with a passphrase (PBES2: PBKDF2-SHA-256, AES-256), written
// atomically with mode 0600. ECDSA P-256 keys are TLS identities; SM2 keys are seal keys. The
// public half travels as certificates and CSRs; a private key never leaves its file except
// decrypted in memory. Thread-safe (no shared state).
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace Botan {
class Private_Key;
class RandomNumberGenerator;
}  // namespace Botan

namespace kuaguan::seal {

enum class KeyKind { kEcdsaP256, kSm2 };

// A new private key of `kind`.
std::unique_ptr<Botan::Private_Key> NewKey(KeyKind kind, Botan::RandomNumberGenerator& rng);

// Writes `key` encrypted under `passphrase` to `path` (mode 0600, atomically). INVALID_ARGUMENT
// for an empty passphrase.
absl::Status WriteKeyFile(const std::filesystem::path& path, const Botan::Private_Key& key,
                          const std::string& passphrase);

// Reads a key written by WriteKeyFile. PERMISSION_DENIED when the file is readable by others,
// UNAUTHENTICATED for a wrong passphrase, NOT_FOUND for a missing file.
absl::StatusOr<std::unique_ptr<Botan::Private_Key>> ReadKeyFile(const std::filesystem::path& path,
                                                                const std::string& passphrase);

// The unencrypted PKCS#8 PEM of `key`, for handing to the TLS stack in memory only.
std::string PlainKeyPem(const Botan::Private_Key& key);

// Certificates and other public files beside the keys: read whole / written (truncating).
// NOT_FOUND / INTERNAL naming the file.
absl::StatusOr<std::string> ReadTextFile(const std::filesystem::path& path);
absl::Status WriteTextFile(const std::filesystem::path& path, const std::string& text);

// Private files (keys, passphrases, backup objects): written atomically with mode 0600 (folders
// made), fsync'd with their folder unless `durable` is false (many files then one SyncFilesystem);
// read back only when group and others cannot read them (PERMISSION_DENIED otherwise, NOT_FOUND
// for a missing file).
absl::Status WritePrivateFile(const std::filesystem::path& path, const std::string& data, bool durable = true);
// Makes everything written on the filesystem holding `path` durable (syncfs). INTERNAL naming it.
absl::Status SyncFilesystem(const std::filesystem::path& path);
absl::StatusOr<std::string> ReadPrivateFile(const std::filesystem::path& path);

// The node's key passphrase: the contents of `file` (trailing newline dropped). When `file` does
// not exist and `create` is set, a random passphrase is written there first (mode 0600): a key
// file, which operators may move to removable media and point the config at.
absl::StatusOr<std::string> LoadPassphrase(const std::filesystem::path& file, bool create);

}  // namespace kuaguan::seal
