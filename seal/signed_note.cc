#include "seal/signed_note.h"

#include <botan/base64.h>
#include <botan/ecc_key.h>
#include <botan/pubkey.h>
#include <botan/rng.h>
#include <botan/x509_key.h>

#include <optional>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "base/printable.h"
#include "base/status_macros.h"
#include "base/utf8.h"
#include "seal/digest.h"
#include "seal/merkle_tree.h"

namespace kuaguan::seal {
namespace {

constexpr absl::string_view kSignaturePrefix = "\xE2\x80\x94 ";  // U+2014 EM DASH, a space
constexpr size_t kKeyIdBytes = 4;

// Foreign text quoted in an error, made safe to print and short.
std::string Quote(absl::string_view text) {
  return absl::StrCat("\"", base::Printable(text, 64), "\"");
}

std::string KeyIdHex(uint32_t key_id) { return absl::StrFormat("%08x", key_id); }

// True when Printable would show `text` unchanged: no control characters, bidirectional
// overrides or line separators.
bool IsPrintable(absl::string_view text) { return base::Printable(text, text.size()) == text; }

// The standard base64 (RFC 4648 §4) of `text`, only in its one canonical spelling (padding,
// zero trailing bits, no whitespace); nullopt otherwise.
std::optional<std::string> DecodeBase64Strictly(absl::string_view text) {
  if (text.empty()) return std::nullopt;
  try {
    const auto bytes = Botan::base64_decode(text.data(), text.size(), /*ignore_ws=*/false);
    if (Botan::base64_encode(bytes.data(), bytes.size()) != text) return std::nullopt;
    return std::string(bytes.begin(), bytes.end());
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::string EncodeBase64(absl::string_view bytes) {
  return Botan::base64_encode(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
}

// Go's unicode.IsSpace: what signed-note forbids in key names besides '+'.
bool IsUnicodeSpace(char32_t c) {
  return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F ||
         c == 0x3000;
}

absl::Status CheckKeyName(absl::string_view name) {
  if (name.empty()) return absl::InvalidArgumentError("the key name is empty");
  if (name.find('+') != absl::string_view::npos) {
    return absl::InvalidArgumentError(absl::StrCat("the key name ", Quote(name), " contains '+'"));
  }
  for (char32_t c : base::DecodeUtf8(name)) {
    if (IsUnicodeSpace(c)) {
      return absl::InvalidArgumentError(
          absl::StrCat("the key name ", Quote(name), " contains a space (U+",
                       absl::StrFormat("%04X", static_cast<uint32_t>(c)), ")"));
    }
  }
  if (!base::IsValidUtf8(name) || !IsPrintable(name)) {
    return absl::InvalidArgumentError(
        absl::StrCat("the key name ", Quote(name), " is not printable UTF-8"));
  }
  return absl::OkStatus();
}

// What is wrong with one line of a note (without its newline) as note text: not UTF-8, or a
// control character. OK when nothing.
absl::Status CheckLineText(size_t number, absl::string_view line) {
  const size_t bad = base::FirstInvalidUtf8(line);
  if (bad != absl::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("line ", number, ": not valid UTF-8 at byte ", bad + 1));
  }
  // FirstControlChar passes tab, and answers 0 (none) for U+0000 itself.
  std::optional<char32_t> control;
  if (line.find('\0') != absl::string_view::npos) {
    control = 0;
  } else if (line.find('\t') != absl::string_view::npos) {
    control = U'\t';
  } else if (const char32_t c = base::FirstControlChar(line); c != 0) {
    control = c;
  }
  if (control) {
    return absl::InvalidArgumentError(
        absl::StrCat("line ", number, ": control character U+",
                     absl::StrFormat("%04X", static_cast<uint32_t>(*control))));
  }
  return absl::OkStatus();
}

// CheckLineText over every line of `text`, so that the first bad line is named before the
// structure is looked at (a "\r\n" note is refused for its U+000D, not its blank line).
absl::Status CheckNoteText(absl::string_view text) {
  size_t number = 1;
  for (size_t pos = 0; pos <= text.size(); ++number) {
    size_t end = text.find('\n', pos);
    if (end == absl::string_view::npos) end = text.size();
    RETURN_IF_ERROR(CheckLineText(number, text.substr(pos, end - pos)));
    pos = end + 1;
  }
  return absl::OkStatus();
}

// OK when `key` is an ECDSA key on P-256; INVALID_ARGUMENT otherwise.
absl::Status CheckEcdsaP256(const Botan::Public_Key& key) {
  const auto* ec = dynamic_cast<const Botan::EC_PublicKey*>(&key);
  if (key.algo_name() != "ECDSA" || ec == nullptr ||
      !(ec->domain() == Botan::EC_Group("secp256r1"))) {
    return absl::InvalidArgumentError(absl::StrCat("a checkpoint key must be ECDSA P-256, not ",
                                                   key.algo_name(), " (", key.key_length(),
                                                   " bits)"));
  }
  return absl::OkStatus();
}

// The checkpoint in `body`, whose lines are numbered from `first_line`.
absl::StatusOr<Checkpoint> ParseCheckpointLines(absl::string_view body, size_t first_line) {
  static constexpr const char* kWhat[] = {"origin", "tree size", "root hash"};
  std::string lines[3];
  size_t pos = 0;
  for (size_t i = 0; i < 3; ++i) {
    const size_t number = first_line + i;
    if (pos == body.size()) {
      return absl::InvalidArgumentError(absl::StrCat("line ", number, " (", kWhat[i],
                                                     "): missing; a checkpoint has three lines"));
    }
    const size_t end = body.find('\n', pos);
    if (end == absl::string_view::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("line ", number, " (", kWhat[i], "): does not end with a newline"));
    }
    lines[i] = std::string(body.substr(pos, end - pos));
    RETURN_IF_ERROR(CheckLineText(number, lines[i]));
    pos = end + 1;
  }
  if (pos != body.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("line ", first_line + 3, ": unexpected; a checkpoint of this log has three ",
                     "lines (origin, tree size, root hash) and no extension lines"));
  }
  Checkpoint c;
  if (lines[0].empty()) {
    return absl::InvalidArgumentError(absl::StrCat("line ", first_line, " (origin): empty"));
  }
  if (!IsPrintable(lines[0])) {
    return absl::InvalidArgumentError(
        absl::StrCat("line ", first_line, " (origin): ", Quote(lines[0]), " is not printable"));
  }
  c.origin = lines[0];
  const std::string& size = lines[1];
  const size_t size_line = first_line + 1;
  if (size.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("line ", size_line, " (tree size): empty"));
  }
  for (char ch : size) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(ch))) {
      return absl::InvalidArgumentError(absl::StrCat(
          "line ", size_line, " (tree size): ", Quote(size), " is not a decimal number"));
    }
  }
  if (size.size() > 1 && size[0] == '0') {
    return absl::InvalidArgumentError(
        absl::StrCat("line ", size_line, " (tree size): ", Quote(size), " has a leading zero"));
  }
  if (!absl::SimpleAtoi(size, &c.size)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "line ", size_line, " (tree size): ", Quote(size), " does not fit in 64 bits"));
  }
  const size_t root_line = first_line + 2;
  std::optional<std::string> root = DecodeBase64Strictly(lines[2]);
  if (!root) {
    return absl::InvalidArgumentError(absl::StrCat(
        "line ", root_line, " (root hash): ", Quote(lines[2]), " is not canonical base64"));
  }
  if (root->size() != kMerkleHashBytes) {
    return absl::InvalidArgumentError(absl::StrCat("line ", root_line,
                                                   " (root hash): ", root->size(),
                                                   " bytes; a root hash is ", kMerkleHashBytes));
  }
  c.root = std::move(*root);
  return c;
}

// One signature line, without its newline.
absl::StatusOr<NoteSignature> ParseSignatureLine(size_t number, absl::string_view line) {
  if (line.substr(0, kSignaturePrefix.size()) != kSignaturePrefix) {
    return absl::InvalidArgumentError(absl::StrCat(
        "line ", number, ": a signature line starts with \"— \" (U+2014 and a space), not ",
        Quote(line.substr(0, 8))));
  }
  line.remove_prefix(kSignaturePrefix.size());
  const size_t space = line.find(' ');
  if (space == absl::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("line ", number, ": no space between the key name and the signature"));
  }
  NoteSignature sig;
  sig.name = std::string(line.substr(0, space));
  if (absl::Status s = CheckKeyName(sig.name); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("line ", number, ": ", s.message()));
  }
  std::optional<std::string> bytes = DecodeBase64Strictly(line.substr(space + 1));
  if (!bytes) {
    return absl::InvalidArgumentError(absl::StrCat("line ", number, ": the signature of ",
                                                   Quote(sig.name), " is not canonical base64"));
  }
  if (bytes->size() <= kKeyIdBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("line ", number, ": the signature of ", Quote(sig.name), " is ", bytes->size(),
                     " bytes; a 4-byte key id and a signature are more"));
  }
  for (size_t i = 0; i < kKeyIdBytes; ++i) {
    sig.key_id = (sig.key_id << 8) | static_cast<uint8_t>((*bytes)[i]);
  }
  sig.signature = bytes->substr(kKeyIdBytes);
  return sig;
}

}  // namespace

std::string CheckpointBody(const Checkpoint& checkpoint) {
  return absl::StrCat(checkpoint.origin, "\n", checkpoint.size, "\n", EncodeBase64(checkpoint.root),
                      "\n");
}

absl::StatusOr<Checkpoint> ParseCheckpoint(absl::string_view body) {
  if (body.size() > kMaxNoteBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("the checkpoint is ", body.size(), " bytes; at most ", kMaxNoteBytes));
  }
  return ParseCheckpointLines(body, 1);
}

absl::StatusOr<uint32_t> NoteKeyId(const Botan::Public_Key& key) {
  RETURN_IF_ERROR(CheckEcdsaP256(key));
  try {
    const std::vector<uint8_t> spki = Botan::X509::BER_encode(key);
    const std::string hash =
        Sha256(absl::string_view(reinterpret_cast<const char*>(spki.data()), spki.size()));
    uint32_t id = 0;
    for (size_t i = 0; i < kKeyIdBytes; ++i) id = (id << 8) | static_cast<uint8_t>(hash[i]);
    return id;
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("the key cannot be encoded: ", e.what()));
  }
}

absl::StatusOr<std::string> SignNote(absl::string_view body, absl::string_view name,
                                     const Botan::Private_Key& key,
                                     Botan::RandomNumberGenerator& rng) {
  RETURN_IF_ERROR(CheckKeyName(name));
  RETURN_IF_ERROR(ParseCheckpoint(body).status());
  ASSIGN_OR_RETURN(const uint32_t key_id, NoteKeyId(key));
  std::vector<uint8_t> signature;
  try {
    Botan::PK_Signer signer(key, rng, "EMSA1(SHA-256)", Botan::DER_SEQUENCE);
    signature =
        signer.sign_message(reinterpret_cast<const uint8_t*>(body.data()), body.size(), rng);
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("the checkpoint cannot be signed: ", e.what()));
  }
  std::string bytes;
  for (int shift = 24; shift >= 0; shift -= 8) bytes.push_back(static_cast<char>(key_id >> shift));
  bytes.append(signature.begin(), signature.end());
  return absl::StrCat(kSignaturePrefix, name, " ", EncodeBase64(bytes), "\n");
}

absl::StatusOr<ParsedNote> ParseNote(absl::string_view text) {
  if (text.size() > kMaxNoteBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("the note is ", text.size(), " bytes; at most ", kMaxNoteBytes));
  }
  RETURN_IF_ERROR(CheckNoteText(text));
  // The text ends at the last blank line (signed-note); signatures follow it.
  const size_t split = text.rfind("\n\n");
  if (split == absl::string_view::npos) {
    return absl::InvalidArgumentError(
        "the note has no blank line between its checkpoint and its signature lines");
  }
  ParsedNote note;
  note.body = std::string(text.substr(0, split + 1));
  ASSIGN_OR_RETURN(note.checkpoint, ParseCheckpointLines(note.body, 1));
  const size_t blank_line = 4;  // the checkpoint is three lines
  absl::string_view rest = text.substr(split + 2);
  if (rest.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the note has no signature line after its blank line (line ", blank_line, ")"));
  }
  std::set<std::pair<std::string, uint32_t>> seen;
  for (size_t number = blank_line + 1; !rest.empty(); ++number) {
    const size_t end = rest.find('\n');
    if (end == absl::string_view::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("line ", number, ": the signature line does not end with a newline"));
    }
    const absl::string_view line = rest.substr(0, end);
    rest.remove_prefix(end + 1);
    if (note.signatures.size() == kMaxNoteSignatures) {
      return absl::InvalidArgumentError(
          absl::StrCat("line ", number, ": more than ", kMaxNoteSignatures, " signature lines"));
    }
    ASSIGN_OR_RETURN(NoteSignature sig, ParseSignatureLine(number, line));
    if (!seen.emplace(sig.name, sig.key_id).second) {
      return absl::InvalidArgumentError(absl::StrCat("line ", number, ": a second signature by ",
                                                     Quote(sig.name), " with key id ",
                                                     KeyIdHex(sig.key_id)));
    }
    note.signatures.push_back(std::move(sig));
  }
  return note;
}

absl::Status VerifyNoteSignature(const ParsedNote& note, absl::string_view name,
                                 const Botan::Public_Key& key) {
  ASSIGN_OR_RETURN(const uint32_t key_id, NoteKeyId(key));
  const NoteSignature* found = nullptr;
  std::string others;
  for (const NoteSignature& sig : note.signatures) {
    if (sig.name == name && sig.key_id == key_id) {
      found = &sig;
      break;
    }
    absl::StrAppend(&others, others.empty() ? "" : ", ", base::Printable(sig.name, 64), " (",
                    KeyIdHex(sig.key_id), ")");
  }
  if (found == nullptr) {
    return absl::NotFoundError(absl::StrCat("the checkpoint has no signature by ", Quote(name),
                                            " with key id ", KeyIdHex(key_id), "; it is signed by ",
                                            others.empty() ? "nobody" : others));
  }
  bool valid = false;
  try {
    Botan::PK_Verifier verifier(key, "EMSA1(SHA-256)", Botan::DER_SEQUENCE);
    valid = verifier.verify_message(
        reinterpret_cast<const uint8_t*>(note.body.data()), note.body.size(),
        reinterpret_cast<const uint8_t*>(found->signature.data()), found->signature.size());
  } catch (const std::exception&) {
    valid = false;
  }
  if (!valid) {
    return absl::UnauthenticatedError(
        absl::StrCat("the signature of ", Quote(name), " (key id ", KeyIdHex(key_id),
                     ") does not verify over the checkpoint of ", Quote(note.checkpoint.origin),
                     " at size ", note.checkpoint.size));
  }
  return absl::OkStatus();
}

std::string AddSignature(absl::string_view note, absl::string_view line) {
  return absl::StrCat(note, line);
}

}  // namespace kuaguan::seal
