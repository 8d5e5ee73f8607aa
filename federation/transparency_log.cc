#include "federation/transparency_log.h"

#include <botan/auto_rng.h>
#include <botan/pk_keys.h>
#include <botan/data_src.h>
#include <botan/x509_key.h>
#include <botan/x509cert.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "base/printable.h"
#include "base/status_macros.h"
#include "seal/digest.h"
#include "seal/key_file.h"
#include "seal/log_proof.h"
#include "seal/signed_note.h"

namespace kuaguan::federation {
namespace v1 = kuaguan::v1;

namespace {

constexpr char kLeafPrefix[] = "ct/leaf/";
constexpr char kSerialPrefix[] = "ct/serial/";
constexpr char kNotePrefix[] = "ct/note/";
constexpr char kCosigPrefix[] = "ct/cosig/";
constexpr size_t kMaxSerial = 64;

std::string NoteKey(uint64_t size) { return absl::StrCat(kNotePrefix, SeqKey(size)); }
std::string CosigPrefix(uint64_t size) { return absl::StrCat(kCosigPrefix, SeqKey(size), "/"); }

absl::Status CheckEntry(const v1::LogEntry& e, const std::string& from) {
  if (e.serial().empty() || e.serial().size() > kMaxSerial || base::Printable(e.serial(), kMaxSerial) != e.serial()) {
    return absl::InvalidArgumentError(absl::StrCat("a log entry's serial \"", base::Printable(e.serial(), 80),
                                                   "\" is empty, too long or not printable"));
  }
  if (e.sm3().size() != 32) {
    return absl::InvalidArgumentError(absl::StrCat("log entry ", e.serial(), ": the SM3 digest is not 32 bytes"));
  }
  if (e.archive() != from) {
    return absl::PermissionDeniedError(absl::StrCat("log entry ", e.serial(), " names archive ",
                                                    base::Printable(e.archive(), 20), ": a member logs only its own certificates"));
  }
  if (e.issued_micros() <= 0) return absl::InvalidArgumentError(absl::StrCat("log entry ", e.serial(), " has no issue time"));
  return absl::OkStatus();
}

}  // namespace

v1::LogEntry LogEntryOf(const v1::IssuedCertificate& certificate, const std::string& archive) {
  v1::LogEntry e;
  e.set_serial(certificate.serial());
  e.set_sm3(certificate.sm3());
  e.set_archive(archive);
  e.set_issued_micros(certificate.issued_micros());
  return e;
}

TransparencyLog::~TransparencyLog() = default;

absl::StatusOr<std::unique_ptr<TransparencyLog>> TransparencyLog::Open(StateStore* store, const base::Clock* clock,
                                                                       const std::string& origin,
                                                                       const std::filesystem::path& key_path,
                                                                       const std::string& passphrase) {
  std::unique_ptr<TransparencyLog> log(new TransparencyLog());
  log->store_ = store;
  log->clock_ = clock;
  log->origin_ = origin;
  auto key = seal::ReadKeyFile(key_path, passphrase);
  if (absl::IsNotFound(key.status())) {
    Botan::AutoSeeded_RNG rng;
    std::unique_ptr<Botan::Private_Key> made = seal::NewKey(seal::KeyKind::kEcdsaP256, rng);
    RETURN_IF_ERROR(seal::WriteKeyFile(key_path, *made, passphrase));
    key = std::move(made);
  }
  if (!key.ok()) return key.status();
  log->key_ = *std::move(key);
  log->public_pem_ = Botan::X509::PEM_encode(*log->key_);

  absl::MutexLock lock(&log->mu_);
  ASSIGN_OR_RETURN(auto leaves, store->ScanMeta(kLeafPrefix));
  for (const auto& [key_name, value] : leaves) {
    v1::LogEntry e;
    if (!e.ParseFromString(value)) return absl::DataLossError(absl::StrCat("unreadable log leaf ", log->tree_.size()));
    ASSIGN_OR_RETURN(const uint64_t index, log->tree_.Append(seal::LeafHash(seal::LogLeaf(e))));
    log->serials_[e.serial()] = {index, e.sm3()};
  }
  ASSIGN_OR_RETURN(auto note, store->GetMeta(NoteKey(log->tree_.size())));
  if (note) log->note_ = *note;
  if (log->note_.empty()) {  // the empty log's first checkpoint
    ASSIGN_OR_RETURN(const std::string root, log->tree_.Root(log->tree_.size()));
    const std::string body = seal::CheckpointBody({origin, log->tree_.size(), root});
    Botan::AutoSeeded_RNG rng;
    ASSIGN_OR_RETURN(const std::string line, seal::SignNote(body, origin, *log->key_, rng));
    log->note_ = absl::StrCat(body, "\n", line);
    RETURN_IF_ERROR(store->PutMeta({{NoteKey(log->tree_.size()), log->note_}},
                                   {"hub", "log.checkpoint", absl::StrCat(origin, " size ", log->tree_.size()), "ok"}));
  }
  return log;
}

absl::StatusOr<v1::LogSubmitted> TransparencyLog::Submit(const v1::LogSubmission& submission) {
  if (submission.entries_size() == 0) return absl::InvalidArgumentError("nothing to log");
  if (submission.entries_size() > kMaxSubmission) {
    return absl::InvalidArgumentError(absl::StrCat("at most ", kMaxSubmission, " certificates a submission"));
  }
  for (const auto& e : submission.entries()) RETURN_IF_ERROR(CheckEntry(e, submission.from()));
  absl::MutexLock lock(&mu_);
  v1::LogSubmitted out;
  std::vector<std::pair<std::string, std::string>> writes;
  std::map<std::string, std::pair<uint64_t, std::string>> added;
  std::vector<const v1::LogEntry*> fresh_entries;
  for (const auto& e : submission.entries()) {
    auto known = serials_.find(e.serial());
    auto fresh = added.find(e.serial());
    const std::pair<uint64_t, std::string>* have =
        known != serials_.end() ? &known->second : fresh != added.end() ? &fresh->second : nullptr;
    if (have != nullptr) {
      if (have->second != e.sm3()) {
        return absl::AlreadyExistsError(absl::StrCat("certificate ", e.serial(),
                                                     " is logged already with another digest (index ", have->first, ")"));
      }
      out.add_indexes(have->first);
      continue;
    }
    const uint64_t index = tree_.size() + fresh_entries.size();
    added[e.serial()] = {index, e.sm3()};
    fresh_entries.push_back(&e);
    writes.emplace_back(absl::StrCat(kLeafPrefix, SeqKey(index)), e.SerializeAsString());
    writes.emplace_back(absl::StrCat(kSerialPrefix, e.serial()), absl::StrCat(index));
    out.add_indexes(index);
  }
  if (fresh_entries.empty()) return out;
  const uint64_t before = tree_.size();
  for (const v1::LogEntry* e : fresh_entries) {
    ASSIGN_OR_RETURN(const uint64_t index, tree_.Append(seal::LeafHash(seal::LogLeaf(*e))));
    (void)index;
  }
  absl::Status written = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) -> absl::Status {
    ASSIGN_OR_RETURN(const std::string root, tree_.Root(tree_.size()));
    const std::string body = seal::CheckpointBody({origin_, tree_.size(), root});
    Botan::AutoSeeded_RNG rng;
    ASSIGN_OR_RETURN(const std::string line, seal::SignNote(body, origin_, *key_, rng));
    const std::string note = absl::StrCat(body, "\n", line);
    writes.emplace_back(NoteKey(tree_.size()), note);
    RETURN_IF_ERROR(store_->PutMeta(
        writes, {absl::StrCat("peer:", submission.from()), "log.append",
                 absl::StrCat(fresh_entries.size(), " certificates from ", submission.from(), ", size ", tree_.size()),
                 "ok"}));
    note_ = note;
    return absl::OkStatus();
  }();
  if (!written.ok()) {
    // The tree in memory went ahead of the store: back to what the store holds.
    seal::MerkleTree kept;
    for (uint64_t i = 0; i < before; ++i) {
      ASSIGN_OR_RETURN(auto raw, store_->GetMeta(absl::StrCat(kLeafPrefix, SeqKey(i))));
      v1::LogEntry e;
      if (!raw || !e.ParseFromString(*raw)) return absl::DataLossError(absl::StrCat("log leaf ", i, " is unreadable"));
      ASSIGN_OR_RETURN(const uint64_t index, kept.Append(seal::LeafHash(seal::LogLeaf(e))));
      (void)index;
    }
    tree_ = std::move(kept);
    return written;
  }
  for (auto& [serial, at] : added) serials_[serial] = std::move(at);
  return out;
}

absl::StatusOr<std::string> TransparencyLog::NoteLocked(uint64_t size, std::vector<std::string>* witnesses) {
  std::string note;
  if (size == tree_.size()) {
    note = note_;
  } else {
    ASSIGN_OR_RETURN(auto kept, store_->GetMeta(NoteKey(size)));
    if (!kept) return absl::OutOfRangeError(absl::StrCat("no checkpoint of size ", size, " was signed"));
    note = *kept;
  }
  ASSIGN_OR_RETURN(auto cosigs, store_->ScanMeta(CosigPrefix(size)));
  // The log's line and as many witnesses' as a note may carry (seal/signed_note.h), in code order.
  size_t lines = 1;
  for (const auto& [key, line] : cosigs) {
    if (lines == seal::kMaxNoteSignatures) break;
    if (note.size() + line.size() > seal::kMaxNoteBytes) continue;
    note = seal::AddSignature(note, line);
    ++lines;
    if (witnesses != nullptr) witnesses->push_back(key.substr(CosigPrefix(size).size()));
  }
  return note;
}

absl::StatusOr<v1::LogCheckpoint> TransparencyLog::Checkpoint() {
  absl::MutexLock lock(&mu_);
  std::vector<std::string> witnesses;
  ASSIGN_OR_RETURN(const std::string note, NoteLocked(tree_.size(), &witnesses));
  v1::LogCheckpoint out;
  out.set_note(note);
  out.set_size(tree_.size());
  ASSIGN_OR_RETURN(*out.mutable_root(), tree_.Root(tree_.size()));
  out.set_log_key_pem(public_pem_);
  for (auto& w : witnesses) out.add_witnesses(std::move(w));
  return out;
}

absl::StatusOr<v1::InclusionProof> TransparencyLog::Inclusion(const std::string& serial, uint64_t tree_size) {
  absl::MutexLock lock(&mu_);
  auto it = serials_.find(serial);
  if (it == serials_.end()) {
    return absl::NotFoundError(absl::StrCat("certificate ", base::Printable(serial, 80), " is not in the log (yet)"));
  }
  const uint64_t size = tree_size == 0 ? tree_.size() : tree_size;
  if (size > tree_.size()) return absl::OutOfRangeError(absl::StrCat("the log has ", tree_.size(), " entries, not ", size));
  if (it->second.first >= size) {
    return absl::OutOfRangeError(absl::StrCat("certificate ", serial, " is entry ", it->second.first,
                                              ", after the tree of size ", size));
  }
  v1::InclusionProof out;
  ASSIGN_OR_RETURN(*out.mutable_checkpoint(), NoteLocked(size, nullptr));
  ASSIGN_OR_RETURN(auto raw, store_->GetMeta(absl::StrCat(kLeafPrefix, SeqKey(it->second.first))));
  if (!raw || !out.mutable_entry()->ParseFromString(*raw)) return absl::DataLossError("a log leaf is unreadable");
  out.set_index(it->second.first);
  out.set_tree_size(size);
  ASSIGN_OR_RETURN(auto path, tree_.InclusionProof(it->second.first, size));
  for (auto& h : path) out.add_path(std::move(h));
  out.set_log_key_pem(public_pem_);
  return out;
}

absl::StatusOr<v1::ConsistencyProof> TransparencyLog::Consistency(uint64_t old_size, uint64_t new_size) {
  absl::MutexLock lock(&mu_);
  const uint64_t size = new_size == 0 ? tree_.size() : new_size;
  if (size > tree_.size()) return absl::OutOfRangeError(absl::StrCat("the log has ", tree_.size(), " entries, not ", size));
  if (old_size > size) return absl::InvalidArgumentError(absl::StrCat("old size ", old_size, " is above new size ", size));
  v1::ConsistencyProof out;
  out.set_old_size(old_size);
  out.set_new_size(size);
  ASSIGN_OR_RETURN(auto path, tree_.ConsistencyProof(old_size, size));
  for (auto& h : path) out.add_path(std::move(h));
  ASSIGN_OR_RETURN(*out.mutable_old_checkpoint(), NoteLocked(old_size, nullptr));
  ASSIGN_OR_RETURN(*out.mutable_new_checkpoint(), NoteLocked(size, nullptr));
  return out;
}

absl::Status TransparencyLog::Cosign(const v1::Cosignature& cosignature, const std::string& cert_pem) {
  std::unique_ptr<Botan::Public_Key> key;
  try {
    Botan::DataSource_Memory src(cert_pem);
    key = Botan::X509_Certificate(src).load_subject_public_key();
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("unreadable member certificate: ", e.what()));
  }
  // One signature line, the witness's own: more lines would put signatures nobody checked into
  // the note served to everyone (and take other witnesses' names and key ids).
  const std::string& line = cosignature.signature_line();
  if (line.empty() || line.find('\n') != line.size() - 1) {
    return absl::InvalidArgumentError("a cosignature is one signature line, ending in a newline");
  }
  absl::MutexLock lock(&mu_);
  // Checked against the log's own note, without the cosignatures gathered: a witness that
  // cosigns again replaces its line.
  std::string note = note_;
  if (cosignature.size() != tree_.size()) {
    ASSIGN_OR_RETURN(auto kept, store_->GetMeta(NoteKey(cosignature.size())));
    if (!kept) return absl::OutOfRangeError(absl::StrCat("no checkpoint of size ", cosignature.size(), " was signed"));
    note = *std::move(kept);
  }
  ASSIGN_OR_RETURN(const seal::ParsedNote parsed, seal::ParseNote(seal::AddSignature(note, line)));
  if (parsed.signatures.size() != 2 || parsed.signatures.back().name != cosignature.from()) {
    return absl::InvalidArgumentError("a cosignature is a line of the witness's own name");
  }
  RETURN_IF_ERROR(seal::VerifyNoteSignature(parsed, cosignature.from(), *key));
  return store_->PutMeta({{absl::StrCat(CosigPrefix(cosignature.size()), cosignature.from()), cosignature.signature_line()}},
                         {absl::StrCat("peer:", cosignature.from()), "log.cosign",
                          absl::StrCat("size ", cosignature.size()), "ok"});
}

uint64_t TransparencyLog::size() {
  absl::MutexLock lock(&mu_);
  return tree_.size();
}

}  // namespace kuaguan::federation
