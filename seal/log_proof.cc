#include "seal/log_proof.h"

#include <botan/data_src.h>
#include <botan/pk_keys.h>
#include <botan/x509_key.h>

#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "seal/digest.h"
#include "seal/merkle_tree.h"
#include "seal/signed_note.h"

namespace kuaguan::seal {

std::string LogLeaf(const kuaguan::v1::LogEntry& entry) { return SerializeDeterministic(entry); }

absl::StatusOr<std::pair<uint64_t, std::string>> VerifyLogCheckpoint(absl::string_view note,
                                                                     absl::string_view log_key_pem) {
  ASSIGN_OR_RETURN(const ParsedNote parsed, ParseNote(note));
  std::unique_ptr<Botan::Public_Key> key;
  try {
    Botan::DataSource_Memory src{std::string(log_key_pem)};
    key.reset(Botan::X509::load_key(src));
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("unreadable transparency log key: ", e.what()));
  }
  if (!key) return absl::InvalidArgumentError("unreadable transparency log key");
  if (absl::Status st = VerifyNoteSignature(parsed, parsed.checkpoint.origin, *key); !st.ok()) {
    return absl::UnauthenticatedError(absl::StrCat("the checkpoint is not signed by the log key: ", st.message()));
  }
  return std::make_pair(parsed.checkpoint.size, parsed.checkpoint.root);
}

absl::Status VerifyLogInclusion(const kuaguan::v1::InclusionProof& proof, absl::string_view log_key_pem) {
  ASSIGN_OR_RETURN(const auto checkpoint, VerifyLogCheckpoint(proof.checkpoint(), log_key_pem));
  if (checkpoint.first != proof.tree_size()) {
    return absl::UnauthenticatedError(absl::StrCat("the proof is for a tree of ", proof.tree_size(),
                                                   " entries, its checkpoint says ", checkpoint.first));
  }
  const std::vector<std::string> path(proof.path().begin(), proof.path().end());
  if (absl::Status st = VerifyInclusion(LeafHash(LogLeaf(proof.entry())), proof.index(), proof.tree_size(), path,
                                        checkpoint.second);
      !st.ok()) {
    return absl::UnauthenticatedError(absl::StrCat("the inclusion proof does not verify: ", st.message()));
  }
  return absl::OkStatus();
}

}  // namespace kuaguan::seal
