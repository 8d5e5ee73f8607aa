// Checkpoints as signed notes with real ECDSA P-256 keys: signed, parsed and verified; a witness's
// cosignature added and verified; forged checkpoints refused; malformed notes refused with a
// message naming the line or limit that is wrong.
#include "seal/signed_note.h"

#include <botan/auto_rng.h>
#include <botan/base64.h>
#include <botan/pk_keys.h>
#include <botan/x509_key.h>

#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "seal/digest.h"
#include "seal/key_file.h"
#include "seal/merkle_tree.h"

using namespace kuaguan::seal;

namespace {

constexpr char kOrigin[] = "kuaguan.example/log/410000";
constexpr char kWitness[] = "kuaguan.example/witness/410100";

struct Signed {
  Botan::AutoSeeded_RNG rng;
  std::unique_ptr<Botan::Private_Key> log_key = NewKey(KeyKind::kEcdsaP256, rng);
  std::unique_ptr<Botan::Private_Key> witness_key = NewKey(KeyKind::kEcdsaP256, rng);
  Checkpoint checkpoint{kOrigin, 1000, LeafHash("root")};
  std::string body = CheckpointBody(checkpoint);
  std::string note = body + "\n" + *SignNote(body, kOrigin, *log_key, rng);
};

std::string B64(absl::string_view bytes) {
  return Botan::base64_encode(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
}

// The message of ParseNote's refusal of `text` (empty when it parsed).
std::string Refusal(absl::string_view text) {
  auto parsed = ParseNote(text);
  if (parsed.ok()) return "";
  CHECK(parsed.status().code() == absl::StatusCode::kInvalidArgument);
  return std::string(parsed.status().message());
}

const std::string kSig =
    "\xE2\x80\x94 " + std::string(kOrigin) + " " + B64("keyidsignature") + "\n";
const std::string kRoot = B64(std::string(32, '\0'));

}  // namespace

TEST_CASE_METHOD(Signed, "A checkpoint signed with a fresh ECDSA P-256 key parses and verifies") {
  CHECK(body == absl::StrCat(kOrigin, "\n1000\n", B64(checkpoint.root), "\n"));
  CHECK(absl::StartsWith(note, body + "\n\xE2\x80\x94 " + kOrigin + " "));
  auto parsed = ParseNote(note);
  REQUIRE(parsed.ok());
  CHECK(parsed->body == body);
  CHECK(parsed->checkpoint.origin == kOrigin);
  CHECK(parsed->checkpoint.size == 1000);
  CHECK(parsed->checkpoint.root == checkpoint.root);
  REQUIRE(parsed->signatures.size() == 1);
  CHECK(parsed->signatures[0].name == kOrigin);
  // signed-note type 0x02: the key id is SHA-256 of the SubjectPublicKeyInfo, its first 4 bytes.
  const auto spki = Botan::X509::BER_encode(*log_key);
  const std::string hash = Sha256(std::string(spki.begin(), spki.end()));
  const uint32_t want = (uint32_t{uint8_t(hash[0])} << 24) | (uint32_t{uint8_t(hash[1])} << 16) |
                        (uint32_t{uint8_t(hash[2])} << 8) | uint32_t{uint8_t(hash[3])};
  CHECK(*NoteKeyId(*log_key) == want);
  CHECK(parsed->signatures[0].key_id == want);
  CHECK(parsed->signatures[0].signature[0] == 0x30);  // a DER SEQUENCE (r, s)
  CHECK(VerifyNoteSignature(*parsed, kOrigin, *log_key).ok());
  // The empty tree's checkpoint.
  const std::string empty = CheckpointBody({kOrigin, 0, *MerkleTree().Root(0)});
  auto zero = ParseNote(empty + "\n" + *SignNote(empty, kOrigin, *log_key, rng));
  REQUIRE(zero.ok());
  CHECK(zero->checkpoint.size == 0);
  CHECK(VerifyNoteSignature(*zero, kOrigin, *log_key).ok());
}

TEST_CASE_METHOD(Signed, "A witness cosigns the same body and both signatures verify") {
  auto line = SignNote(body, kWitness, *witness_key, rng);
  REQUIRE(line.ok());
  const std::string cosigned = AddSignature(note, *line);
  auto parsed = ParseNote(cosigned);
  REQUIRE(parsed.ok());
  REQUIRE(parsed->signatures.size() == 2);
  CHECK(parsed->signatures[1].name == kWitness);
  CHECK(VerifyNoteSignature(*parsed, kOrigin, *log_key).ok());
  CHECK(VerifyNoteSignature(*parsed, kWitness, *witness_key).ok());
  // A signer with no line of its own: the log's key under the witness's name, a stranger's key.
  absl::Status s = VerifyNoteSignature(*parsed, kWitness, *log_key);
  CHECK(s.code() == absl::StatusCode::kNotFound);
  CHECK(absl::StrContains(s.message(), "no signature by \"kuaguan.example/witness/410100\""));
  CHECK(absl::StrContains(s.message(), "it is signed by kuaguan.example/log/410000 ("));
  auto stranger = NewKey(KeyKind::kEcdsaP256, rng);
  CHECK(VerifyNoteSignature(*parsed, kOrigin, *stranger).code() == absl::StatusCode::kNotFound);
  // The same line twice is refused.
  CHECK(absl::StrContains(Refusal(AddSignature(cosigned, *line)),
                          "line 7: a second signature by \"kuaguan.example/witness/410100\""));
}

TEST_CASE_METHOD(Signed, "Forged checkpoints are refused") {
  const std::string line = note.substr(body.size() + 1);
  SECTION("another root at the same size") {
    Checkpoint forged = checkpoint;
    forged.root = LeafHash("another root");
    auto parsed = ParseNote(CheckpointBody(forged) + "\n" + line);
    REQUIRE(parsed.ok());
    const absl::Status s = VerifyNoteSignature(*parsed, kOrigin, *log_key);
    CHECK(s.code() == absl::StatusCode::kUnauthenticated);
    CHECK(
        s.message() ==
        "the signature of \"kuaguan.example/log/410000\" (key id " +
            absl::StrCat(absl::Hex(*NoteKeyId(*log_key), absl::kZeroPad8)) +
            ") does not verify over the checkpoint of \"kuaguan.example/log/410000\" at size 1000");
  }
  SECTION("the body altered: another size, another origin") {
    for (const std::string& forged :
         {absl::StrReplaceAll(note, {{"\n1000\n", "\n1001\n"}}),
          absl::StrReplaceAll(note,
                              {{std::string(kOrigin) + "\n", "kuaguan.example/log/420000\n"}})}) {
      auto parsed = ParseNote(forged);
      REQUIRE(parsed.ok());
      CHECK(VerifyNoteSignature(*parsed, kOrigin, *log_key).code() ==
            absl::StatusCode::kUnauthenticated);
    }
  }
  SECTION("a signature with a byte changed") {
    auto parsed = ParseNote(note);
    REQUIRE(parsed.ok());
    std::string& sig = parsed->signatures[0].signature;
    sig[sig.size() - 1] = static_cast<char>(sig[sig.size() - 1] ^ 0x01);
    CHECK(VerifyNoteSignature(*parsed, kOrigin, *log_key).code() ==
          absl::StatusCode::kUnauthenticated);
    sig = "not DER";
    CHECK(VerifyNoteSignature(*parsed, kOrigin, *log_key).code() ==
          absl::StatusCode::kUnauthenticated);
  }
  SECTION("keys that are not ECDSA P-256 are refused") {
    auto sm2 = NewKey(KeyKind::kSm2, rng);
    auto parsed = ParseNote(note);
    REQUIRE(parsed.ok());
    const absl::Status s = VerifyNoteSignature(*parsed, kOrigin, *sm2);
    CHECK(s.code() == absl::StatusCode::kInvalidArgument);
    CHECK(absl::StrContains(s.message(), "must be ECDSA P-256, not SM2"));
    CHECK(SignNote(body, kOrigin, *sm2, rng).status().code() == absl::StatusCode::kInvalidArgument);
  }
}

TEST_CASE("Malformed notes are refused, naming what is wrong") {
  const std::string body = absl::StrCat(kOrigin, "\n1000\n", kRoot, "\n");
  REQUIRE(Refusal(body + "\n" + kSig).empty());
  struct Case {
    const char* what;
    std::string text;
    std::string message;
  };
  std::string sigs32, sigs33;
  for (int i = 0; i < 33; ++i) {
    const std::string line =
        absl::StrCat("\xE2\x80\x94 name-", i, " ", B64("keyidsignature"), "\n");
    if (i < 32) sigs32 += line;
    sigs33 += line;
  }
  REQUIRE(Refusal(body + "\n" + sigs32).empty());
  const std::vector<Case> cases = {
      {"missing blank line", body + kSig,
       "the note has no blank line between its checkpoint and its signature lines"},
      {"no signature", body + "\n", "the note has no signature line after its blank line (line 4)"},
      {"bad base64 signature", body + "\n\xE2\x80\x94 name !!!!\n",
       "line 5: the signature of \"name\" is not canonical base64"},
      {"signature without padding",
       body + "\n\xE2\x80\x94 name " + B64("keyidsignatur").substr(0, 18) + "\n",
       "line 5: the signature of \"name\" is not canonical base64"},
      {"signature of a key id only", body + "\n\xE2\x80\x94 name " + B64("abcd") + "\n",
       "line 5: the signature of \"name\" is 4 bytes; a 4-byte key id and a signature are more"},
      {"size with a leading zero", absl::StrCat(kOrigin, "\n01000\n", kRoot, "\n\n", kSig),
       "line 2 (tree size): \"01000\" has a leading zero"},
      {"size with a sign", absl::StrCat(kOrigin, "\n+1000\n", kRoot, "\n\n", kSig),
       "line 2 (tree size): \"+1000\" is not a decimal number"},
      {"size over 64 bits", absl::StrCat(kOrigin, "\n18446744073709551616\n", kRoot, "\n\n", kSig),
       "line 2 (tree size): \"18446744073709551616\" does not fit in 64 bits"},
      {"empty size", absl::StrCat(kOrigin, "\n\n", kRoot, "\n\n", kSig),
       "line 2 (tree size): empty"},
      {"root of 31 bytes",
       absl::StrCat(kOrigin, "\n1000\n", B64(std::string(31, 'r')), "\n\n", kSig),
       "line 3 (root hash): 31 bytes; a root hash is 32"},
      {"root of 33 bytes",
       absl::StrCat(kOrigin, "\n1000\n", B64(std::string(33, 'r')), "\n\n", kSig),
       "line 3 (root hash): 33 bytes; a root hash is 32"},
      {"root with non-zero padding bits",
       absl::StrCat(kOrigin, "\n1000\n", std::string(42, 'A'), "B=\n\n", kSig),
       "line 3 (root hash): \"" + std::string(42, 'A') + "B=\" is not canonical base64"},
      {"root without padding",
       absl::StrCat(kOrigin, "\n1000\n", std::string(43, 'A'), "\n\n", kSig),
       "line 3 (root hash): \"" + std::string(43, 'A') + "\" is not canonical base64"},
      {"missing root", absl::StrCat(kOrigin, "\n1000\n\n", kSig),
       "line 3 (root hash): missing; a checkpoint has three lines"},
      {"an extension line", absl::StrCat(body, "extension\n\n", kSig),
       "line 4: unexpected; a checkpoint of this log has three lines (origin, tree size, root "
       "hash) "
       "and no extension lines"},
      {"empty origin", absl::StrCat("\n1000\n", kRoot, "\n\n", kSig), "line 1 (origin): empty"},
      {"33 signature lines", body + "\n" + sigs33, "line 37: more than 32 signature lines"},
      {"carriage returns", absl::StrReplaceAll(body + "\n" + kSig, {{"\n", "\r\n"}}),
       "line 1: control character U+000D"},
      {"a tab in the origin", "kuaguan\tlog\n1000\n" + kRoot + "\n\n" + kSig,
       "line 1: control character U+0009"},
      {"NUL in a signature line", body + "\n" + kSig + std::string("\xE2\x80\x94 a\0b x\n", 10),
       "line 6: control character U+0000"},
      {"a C1 control in the root line",
       absl::StrCat(kOrigin, "\n1000\n\xC2\x85", kRoot, "\n\n", kSig),
       "line 3: control character U+0085"},
      {"a bidirectional override in the origin",
       absl::StrCat("kuaguan\xE2\x80\xAE", "gol\n1000\n", kRoot, "\n\n", kSig),
       "line 1 (origin): \"kuaguan\xEF\xBF\xBDgol\" is not printable"},
      {"invalid UTF-8", absl::StrCat(kOrigin, "\n1000\n", kRoot, "\n\n\xE2\x80\x94 n\xFF x\n"),
       "line 5: not valid UTF-8 at byte 6"},
      {"over 16 KiB",
       body + "\n" + kSig + std::string(kMaxNoteBytes - body.size() - kSig.size(), 'x'),
       "the note is 16385 bytes; at most 16384"},
      {"no em dash", body + "\n- name " + B64("keyidsignature") + "\n",
       "line 5: a signature line starts with \"— \" (U+2014 and a space), not \"- name a\""},
      {"no space after the name", body + "\n\xE2\x80\x94 name\n",
       "line 5: no space between the key name and the signature"},
      {"a '+' in the key name", body + "\n\xE2\x80\x94 na+me " + B64("keyidsignature") + "\n",
       "line 5: the key name \"na+me\" contains '+'"},
      {"an ideographic space in the key name",
       body + "\n\xE2\x80\x94 na\xE3\x80\x80me " + B64("keyidsignature") + "\n",
       "line 5: the key name \"na\xE3\x80\x80me\" contains a space (U+3000)"},
      {"an empty key name", body + "\n\xE2\x80\x94  " + B64("keyidsignature") + "\n",
       "line 5: the key name is empty"},
      {"a last line without its newline", body + "\n" + kSig.substr(0, kSig.size() - 1),
       "line 5: the signature line does not end with a newline"},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    CHECK(Refusal(c.text) == c.message);
  }
}

TEST_CASE_METHOD(Signed, "SignNote refuses a body or key name the parser would refuse") {
  auto s = SignNote(body, "a b", *log_key, rng);
  CHECK(s.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(s.status().message() == "the key name \"a b\" contains a space (U+0020)");
  CHECK(SignNote(body, "", *log_key, rng).status().code() == absl::StatusCode::kInvalidArgument);
  s = SignNote(body + "extension\n", kOrigin, *log_key, rng);
  CHECK(s.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(absl::StartsWith(s.status().message(), "line 4: unexpected"));
  CHECK(SignNote(CheckpointBody({"", 1, checkpoint.root}), kOrigin, *log_key, rng)
            .status()
            .message() == "line 1 (origin): empty");
  CHECK(
      SignNote(CheckpointBody({kOrigin, 1, "short"}), kOrigin, *log_key, rng).status().message() ==
      "line 3 (root hash): 5 bytes; a root hash is 32");
  auto parsed = ParseCheckpoint(body);
  REQUIRE(parsed.ok());
  CHECK(parsed->size == 1000);
  CHECK(CheckpointBody(*parsed) == body);
}
