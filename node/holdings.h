// An archive's holdings: the plain logic behind the admin service. Imports catalog files,
// reads, searches, modifies and withdraws records, exports them, rebuilds the index and checks
// the audit chain. Every read and change of holdings is audited (a change in the same batch as
// the change itself). The index follows the store's change log and catches up after a crash.
// Thread-safe: changes are serialized (change_mu_), index catch-up is serialized (index_mu_),
// reads run concurrently.
#pragma once

#include <atomic>
#include <functional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "index/record_index.h"
#include "kuaguan/v1/admin.pb.h"
#include "base/clock.h"
#include "federation/holdings_view.h"
#include "node/store.h"

namespace kuaguan::node {

class Holdings final : public federation::HoldingsView {
 public:
  // `store`, `index` and `clock` must outlive this object. `open_years`: the open period
  // (config open_period_years).
  Holdings(Store* store, index::RecordIndex* index, const base::Clock* clock = base::RealClock(),
           int open_years = 25);

  absl::StatusOr<federation::SharedView> Decide(const std::string& code, federation::Audience audience) override;
  absl::StatusOr<kuaguan::v1::GetRecordResponse> GetFor(const std::string& code, const std::string& actor,
                                                        federation::Audience audience) override;
  absl::StatusOr<kuaguan::v1::PageImage> GetPageFor(const kuaguan::v1::PageRequest& request, const std::string& actor,
                                                    federation::Audience audience) override;

  // Brings the index up to the store's last change. Called at start and after every change.
  absl::Status CatchUpIndex();

  // Rebuilds an index made in an older format (index::kIndexFormat) from the store, resumably,
  // calling `progress(done, total)` as it goes, and audits it; nothing to do for a current one.
  // Called at start, before the node serves.
  absl::Status UpgradeIndex(const std::function<void(uint64_t, uint64_t)>& progress);

  // Imports a catalog file. A file-level problem fails with INVALID_ARGUMENT naming the file;
  // row problems come back in the result with committed=false (nothing written) unless
  // skip_bad is set, in which case the good rows are committed. The file is parsed before the
  // change lock is taken; when `cancelled` says so after parsing (the caller gave up), nothing
  // is written and the answer is CANCELLED.
  absl::StatusOr<kuaguan::v1::ImportResult> Import(const kuaguan::v1::ImportRequest& request,
                                                   const std::string& actor,
                                                   const std::function<bool()>& cancelled = {});

  // NOT_FOUND when there is no record with the code. With `shared`, exactly what a peer would
  // receive: no history, no identity hashes; FAILED_PRECONDITION when a peer would receive
  // nothing (held, withdrawn, not shared, or secret).
  absl::StatusOr<kuaguan::v1::GetRecordResponse> Get(const std::string& code, bool history,
                                                     const std::string& actor,
                                                     bool shared = false) override;

  // INVALID_ARGUMENT for a bad field, date or empty search.
  absl::StatusOr<kuaguan::v1::SearchResponse> Search(const kuaguan::v1::SearchRequest& request,
                                                     const std::string& actor) override;

  // New version with the fields set. NOT_FOUND, FAILED_PRECONDITION (withdrawn, or a read-only
  // copy received by direct exchange: node/exchange.h) or INVALID_ARGUMENT (unknown field, bad
  // value, the code itself).
  absl::StatusOr<kuaguan::v1::ChangeResponse> Modify(const kuaguan::v1::ModifyRequest& request,
                                                     const std::string& actor);

  // Records the withdrawal as a new version; the record leaves the index. A reason is required.
  // FAILED_PRECONDITION for a read-only copy received by direct exchange.
  absl::StatusOr<kuaguan::v1::ChangeResponse> Withdraw(const kuaguan::v1::WithdrawRequest& request,
                                                       const std::string& actor);

  // Calls `emit` for each record (active only unless asked) of one consistent snapshot, until
  // it returns false.
  absl::Status Export(bool include_withdrawn, const std::string& actor,
                      const std::function<bool(const kuaguan::v1::Record&)>& emit);

  // Rebuilds the index from the store with progress; resumable after interruption.
  absl::Status Reindex(const std::string& actor,
                       const std::function<void(const kuaguan::v1::ReindexProgress&)>& progress,
                       const std::atomic<bool>* cancel);

  absl::StatusOr<kuaguan::v1::AuditVerifyResult> VerifyAudit(const std::string& actor);

  absl::StatusOr<kuaguan::v1::NodeStats> Stats();

  // Identity numbers in the record's text fields are masked; valid ones are added to the
  // record's persons as keyed hashes. Phone numbers stay (masked in the shared view).
  absl::Status ProtectIdentities(kuaguan::v1::Record* record);

  // Commits one ingested item as version 1 (its originals and page texts in the same batch).
  // ALREADY_EXISTS when the code is taken.
  absl::Status CommitScanned(RecordWrite write, const std::string& actor);

  // One page of a scanned item: the original file, or (shared) a PNG with personal data covered;
  // with a highlight query, the access copy as PNG with the query's matches boxed (local use,
  // page_highlight.h; NOT_FOUND when the query is not on the page, INVALID_ARGUMENT with shared).
  // NOT_FOUND, OUT_OF_RANGE for a page the item does not have (or a record without scanned
  // pages), FAILED_PRECONDITION when a peer would not receive the item.
  absl::StatusOr<kuaguan::v1::PageImage> GetPage(const kuaguan::v1::PageRequest& request,
                                                 const std::string& actor) override;

  // Items held for a secrecy mark.
  absl::StatusOr<kuaguan::v1::HeldList> ListHeld(const std::string& actor);

  // What another archive may find here: unconditionally shared, public records (from accepted
  // ingest batches), searched in catalog fields only (no full text, no persons), at most
  // `limit`. Audited with the asking archive as the actor.
  absl::StatusOr<kuaguan::v1::SearchResponse> PeerSearch(const std::string& query, uint32_t limit,
                                                         const std::string& from) override;

  // Releases a held item (a new version; it joins the index). A reason is required;
  // FAILED_PRECONDITION when the item is not held.
  absl::StatusOr<kuaguan::v1::ChangeResponse> ReleaseHeld(const kuaguan::v1::ReleaseRequest& request,
                                                          const std::string& actor);

 private:
  // The share policy's decision for `r` (share_policy.h) with this node's context.
  absl::StatusOr<federation::ShareDecision> DecideFor(const kuaguan::v1::StoredRecord& r,
                                                     federation::Audience audience);
  // FAILED_PRECONDITION naming the rule when `audience` may not list `r` (or, with
  // `text`, receive its full text and pages), else OK.
  absl::Status SharedCheck(const kuaguan::v1::StoredRecord& r, bool text, federation::Audience audience);
  // Brings the index up after a committed change; failures are logged, not returned.
  void IndexAfterCommit();
  // Audits a refused or failed request and passes its status on.
  absl::Status AuditFailure(const std::string& actor, const std::string& action,
                            const std::string& object, const absl::Status& status);
  absl::StatusOr<kuaguan::v1::ChangeResponse> CommitChange(
      kuaguan::v1::StoredRecord current, kuaguan::v1::ChangeKind kind, const std::string& reason,
      const std::string& actor, const std::string& action);

  // Constant after construction.
  Store* const store_;
  index::RecordIndex* const index_;
  const base::Clock* const clock_;
  const int open_years_;

  absl::Mutex change_mu_ ABSL_ACQUIRED_BEFORE(index_mu_);
  absl::Mutex index_mu_;
};

// The meta key naming the appraisal plan in progress for record `code` (set by the appraisal
// module while a plan holds the record, the plan id as value).
std::string AppraisalActiveKey(const std::string& code);

// True when the two records have the same deterministic encoding.
bool SameRecord(const kuaguan::v1::Record& a, const kuaguan::v1::Record& b);

// SM3 and SHA-256 of a record's deterministic encoding.
void SetContentDigests(const kuaguan::v1::Record& record, std::string* sm3, std::string* sha256);

}  // namespace kuaguan::node
