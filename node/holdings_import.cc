// Holdings: catalog import — a CSV or JSON Lines file into checked records (all or nothing
// unless bad rows may be skipped), with identity numbers in their text masked and kept only as
// keyed hashes. The contract is in holdings.h.
#include "node/holdings.h"

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "ingest/catalog_file.h"
#include "ingest/identity_number.h"
#include "ingest/personal_data.h"
#include "seal/keyed_hash.h"

namespace kuaguan::node {
namespace v1 = kuaguan::v1;

absl::StatusOr<v1::ImportResult> Holdings::Import(const v1::ImportRequest& request,
                                                  const std::string& actor,
                                                  const std::function<bool()>& cancelled) {
  const std::string name = request.file_name().empty() ? "<input>" : request.file_name();
  // Parsed before the change lock: a large or hostile file holds up no other change.
  auto file = ingest::ParseCatalogFile(name, request.content());
  if (!file.ok()) {
    return AuditFailure(actor, "record.import", name,
                        absl::InvalidArgumentError(absl::StrCat(name, ": ", file.status().message())));
  }
  if (cancelled && cancelled()) {
    return AuditFailure(actor, "record.import", name,
                        absl::CancelledError(absl::StrCat(name, ": the import was cancelled; nothing was written")));
  }
  absl::MutexLock lock(&change_mu_);
  v1::ImportResult result;
  result.set_format(file->format);
  result.set_encoding(file->encoding);
  result.set_header(file->header);
  for (const auto& c : file->extra_columns) result.add_extra_columns(c);
  result.set_rows(static_cast<uint32_t>(file->rows.size()));
  std::vector<RecordWrite> writes;
  const int64_t now = clock_->NowMicros();
  for (auto& row : file->rows) {
    if (row.errors.empty()) RETURN_IF_ERROR(ProtectIdentities(&row.record));
    if (row.errors.empty()) {
      ASSIGN_OR_RETURN(auto existing, store_->GetRecord(row.record.code()));
      if (!existing) {
        RecordWrite w;
        w.current.set_version(1);
        w.current.set_state(v1::RECORD_STATE_ACTIVE);
        w.current.set_created_micros(now);
        w.current.set_updated_micros(now);
        *w.current.mutable_record() = row.record;
        w.version.set_change(v1::CHANGE_KIND_CREATED);
        w.version.set_reason(absl::StrCat("import ", name, " line ", row.line));
        writes.push_back(std::move(w));
        result.set_created(result.created() + 1);
      } else if (existing->state() == v1::RECORD_STATE_ACTIVE &&
                 SameRecord(existing->record(), row.record)) {
        result.set_unchanged(result.unchanged() + 1);
        continue;
      } else if (!request.update()) {
        row.errors.push_back(
            {"code", row.record.code(),
             existing->state() == v1::RECORD_STATE_WITHDRAWN
                 ? "already in the store and withdrawn (use --update to restore it as a new version)"
                 : "already in the store with different content (use --update to add a version, "
                   "or kuaguan modify)"});
      } else {
        RecordWrite w;
        w.current = *existing;
        w.restores_withdrawn = existing->state() == v1::RECORD_STATE_WITHDRAWN;
        w.current.set_version(existing->version() + 1);
        w.current.set_state(v1::RECORD_STATE_ACTIVE);
        w.current.set_updated_micros(now);
        *w.current.mutable_record() = row.record;
        w.version.set_change(v1::CHANGE_KIND_MODIFIED);
        w.version.set_reason(absl::StrCat("import ", name, " line ", row.line));
        writes.push_back(std::move(w));
        result.set_updated(result.updated() + 1);
      }
    }
    if (!row.errors.empty()) {
      result.set_rejected(result.rejected() + 1);
      result.add_rejected_rows(row.raw);
      for (const auto& e : row.errors) {
        auto* re = result.add_errors();
        re->set_line(static_cast<uint32_t>(row.line));
        re->set_field(e.field);
        re->set_value(e.value);
        re->set_reason(e.reason);
      }
    }
  }
  const std::string object = absl::StrCat(name, " (", file->rows.size(), " rows)");
  if ((result.rejected() > 0 && !request.skip_bad()) || request.dry_run()) {
    result.set_committed(false);
    result.set_created(0);
    result.set_updated(0);
    RETURN_IF_ERROR(store_->Audit(
        {actor, request.dry_run() ? "record.import.check" : "record.import", object,
         result.rejected() > 0 ? absl::StrCat("rejected: ", result.rejected(), " bad rows")
                               : "ok (dry run)"}));
    return result;
  }
  for (auto& w : writes) {
    w.version.set_version(w.current.version());
    w.version.set_state(v1::RECORD_STATE_ACTIVE);
    *w.version.mutable_record() = w.current.record();
    w.version.set_actor(actor);
    w.version.set_time_micros(now);
    SetContentDigests(w.current.record(), w.current.mutable_content_sm3(),
                      w.current.mutable_content_sha256());
    w.version.set_content_sm3(w.current.content_sm3());
    w.version.set_content_sha256(w.current.content_sha256());
  }
  const std::string outcome =
      absl::StrCat("ok: ", result.created(), " created, ", result.updated(), " updated, ",
                   result.unchanged(), " unchanged, ", result.rejected(), " rejected");
  if (writes.empty()) {
    RETURN_IF_ERROR(store_->Audit({actor, "record.import", object, outcome}));
    result.set_store_seq(store_->LastSeq());
  } else {
    ASSIGN_OR_RETURN(const uint64_t seq,
                     store_->Commit(std::move(writes), {actor, "record.import", object, outcome}));
    result.set_store_seq(seq);
  }
  result.set_committed(true);
  IndexAfterCommit();
  return result;
}

absl::Status Holdings::ProtectIdentities(v1::Record* record) {
  std::vector<std::string> identities;
  ingest::RewriteTextFields(record, [&](const std::string& text) {
    // Most fields hold no number that long: skip them without decoding.
    size_t digits = 0;
    for (size_t i = 0; i < text.size(); ++i) {
      const auto c = static_cast<unsigned char>(text[i]);
      if (c >= '0' && c <= '9') ++digits;
      if (c == 0xEF && i + 2 < text.size() && static_cast<unsigned char>(text[i + 1]) == 0xBC) ++digits;
    }
    if (digits < 15) return text;
    std::vector<ingest::PersonalDataFinding> ids;
    for (auto& f : ingest::FindPersonalData(text)) {
      if (f.kind != ingest::PersonalDataKind::kIdentityNumber) continue;
      if (f.check_ok) identities.push_back(f.identity);
      ids.push_back(std::move(f));
    }
    return ids.empty() ? text : ingest::MaskPersonalData(text, ids);
  });
  if (identities.empty()) return absl::OkStatus();
  ASSIGN_OR_RETURN(const std::string key, store_->PersonKey());
  for (const auto& id : identities) {
    const std::string h = seal::PersonKeyedHash(key, id);
    bool known = false;
    for (const auto& p : record->persons()) known |= p.id_hash() == h;
    if (!known) record->add_persons()->set_id_hash(h);
  }
  return absl::OkStatus();
}

}  // namespace kuaguan::node
