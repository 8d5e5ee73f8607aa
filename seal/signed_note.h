// The transparency log's checkpoints as signed notes (https://c2sp.org/tlog-checkpoint,
// https://c2sp.org/signed-note): the checkpoint body, signing it, parsing a note strictly, and
// checking one signer's signature; witnesses cosign the same body with a line of their own.
//
// A note is its body, a blank line, and one or more signature lines:
//
//   <origin>\n<tree size in decimal>\n<base64 of the 32-byte root hash>\n
//   \n
//   — <key name> <base64 of key id (4 bytes) || signature>\n      (U+2014 EM DASH, a space)
//
// Signatures are signed-note type 0x02, "ECDSA signatures as implemented by
// github.com/transparency-dev/witness" (the form Sigstore's Rekor uses): ECDSA over SHA-256 of
// the body, the signature DER-encoded (r, s); key id = the first 4 bytes, big-endian, of
// SHA-256(the key's SubjectPublicKeyInfo DER), which the spec sets for this type in place of
// the usual SHA-256(name || "\n" || type || key). So transparency-dev's note verifiers check our
// lines. We take only ECDSA P-256 keys (the spec allows P-384 and P-521 too): the federation's
// nodes already hold such keys (their TLS keys).
//
// Parsing is strict and bounded: at most 16 KiB and 32 signature lines; UTF-8 without control
// characters (newline ends lines, nothing else); the body is exactly three lines (origin, size,
// root; no extension lines): origin non-empty and printable, size decimal without leading zeros
// (except "0"), root canonical base64 of exactly 32 bytes; signature key names non-empty without
// spaces or '+', signatures canonical base64, no two lines by the same name and key id. Errors
// name the line (counted from 1) that is wrong. Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace Botan {
class Private_Key;
class Public_Key;
class RandomNumberGenerator;
}  // namespace Botan

namespace kuaguan::seal {

inline constexpr size_t kMaxNoteBytes = 16 * 1024;
inline constexpr size_t kMaxNoteSignatures = 32;
// signed-note's signature type of our lines (ECDSA, SHA-256, DER signature): it appears in a
// verifier key "<name>+<hex key id>+base64(0x02 || SPKI DER)", not in the lines themselves.
inline constexpr uint8_t kNoteSignatureTypeEcdsa = 0x02;

// A log's signed statement of its size and root (tlog-checkpoint).
struct Checkpoint {
  std::string origin;  // the log's name, e.g. "kuaguan.example/log/410000"
  uint64_t size = 0;   // the number of leaves
  std::string root;    // raw 32-byte root hash of the first `size` leaves
};

// One signature line of a note.
struct NoteSignature {
  std::string name;       // the key name
  uint32_t key_id = 0;    // the 4-byte key id, big-endian
  std::string signature;  // the signature bytes after the key id
};

// A note as parsed: its body (the signed text, final newline included), the checkpoint it
// states, and every signature line in order (known keys or not).
struct ParsedNote {
  std::string body;
  Checkpoint checkpoint;
  std::vector<NoteSignature> signatures;
};

// The checkpoint's body: origin "\n" decimal size "\n" base64(root) "\n". No check (SignNote
// and ParseCheckpoint check).
std::string CheckpointBody(const Checkpoint& checkpoint);

// Parses a checkpoint body (three lines, each ending in "\n"). INVALID_ARGUMENT naming the line
// that is wrong.
absl::StatusOr<Checkpoint> ParseCheckpoint(absl::string_view body);

// The key id of `key` (ECDSA P-256): SHA-256(SPKI DER)[:4], big-endian. INVALID_ARGUMENT for
// another kind of key.
absl::StatusOr<uint32_t> NoteKeyId(const Botan::Public_Key& key);

// The signature line "— name base64(key id || signature)\n" of `key` (ECDSA P-256) over `body`,
// which must be a checkpoint body ParseCheckpoint accepts, with `rng`. A note is the body, "\n"
// and the line. INVALID_ARGUMENT for a body or key name the parser would refuse, or another kind
// of key; INTERNAL when Botan fails to sign.
absl::StatusOr<std::string> SignNote(absl::string_view body, absl::string_view name,
                                     const Botan::Private_Key& key,
                                     Botan::RandomNumberGenerator& rng);

// Parses a signed checkpoint note (see the rules above). INVALID_ARGUMENT naming the line or
// limit that is broken. Checks no signature.
absl::StatusOr<ParsedNote> ParseNote(absl::string_view text);

// Checks the signature of `name` with `key` (ECDSA P-256) over the note's body. NOT_FOUND when
// no line has that name and this key's id (lines by other keys are ignored, as signed-note
// requires); UNAUTHENTICATED when the signature does not verify; INVALID_ARGUMENT for another
// kind of key.
absl::Status VerifyNoteSignature(const ParsedNote& note, absl::string_view name,
                                 const Botan::Public_Key& key);

// `note` with the signature line `line` (from SignNote over the same body) appended: how a
// witness cosigns. No check (ParseNote checks the result).
std::string AddSignature(absl::string_view note, absl::string_view line);

}  // namespace kuaguan::seal
