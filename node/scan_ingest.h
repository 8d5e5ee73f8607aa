// Digitization ingest: a manifest of items (catalog columns plus `pages`, a `;`-separated list
// of page files relative to the manifest's folder or a base folder), or a folder holding one
// catalog file and one sub-folder of page files per item named by its reference code (pages in
// natural file-name order), becomes stored, OCR'd, searchable records. Per item: originals stored unchanged and content-addressed (SM3), pages
// decoded once and recognized by single-threaded Tesseract engines (one per worker), personal
// data masked in the stored text (valid identity numbers kept only as keyed hashes), and an item
// whose first page bears a secrecy mark held: stored, never indexed, until released. Each item
// is committed on its own (a crash loses no committed item and half-writes none); a rerun skips
// items already ingested with the same page files. Bad items are reported and the rest go on.
// Every batch is kept with its process sheet (per item: read and digest, OCR with the engines
// that did it, commit; operator; times) and a quality-control report after DA/T 70's four
// properties, with a random sample of at least 10% of its items for manual checking.
// The manifest and folder rules, the masking of recognized words and the DA/T 70 report are
// ingest/'s (scan_manifest.h, word_masking.h, batch_quality.h); this class reads, recognizes and
// commits. OCR engines come from a limit shared by every ingest of the node (one per core in
// total): an ingest gets between one and the workers it asks for.
// Thread-safe: concurrent runs share only the store, the holdings and the engine limit.
#pragma once

#include <atomic>
#include <filesystem>
#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "kuaguan/v1/admin.pb.h"
#include "base/clock.h"
#include "base/engine_limit.h"
#include "node/holdings.h"
#include "node/store.h"

namespace kuaguan::node {

// What to ingest: files the daemon itself placed (a staging area, or a benchmark's folder).
struct IngestJob {
  std::filesystem::path manifest;  // a CSV / JSON Lines manifest, or a folder of items
  std::filesystem::path base;      // page paths are relative to it; empty: the manifest's folder
  uint32_t workers = 0;            // 0: every OCR engine of the node
  std::string display_name;        // the manifest as the operator named it, for messages
};

class ScanIngest {
 public:
  // All must outlive this object.
  ScanIngest(Store* store, Holdings* holdings, base::CountingLimit* engines, const base::Clock* clock)
      : store_(store), holdings_(holdings), engines_(engines), clock_(clock) {}

  // Runs the ingest. INVALID_ARGUMENT for an unreadable manifest or base folder;
  // RESOURCE_EXHAUSTED when other ingests hold every OCR engine; per-item problems are in the
  // final event's summary. `emit` receives progress events and, last, the
  // summary (finished = true). When `cancel` is set it stops taking pages, commits the items whose
  // pages are all read and answers CANCELLED (a rerun resumes).
  absl::Status Run(const IngestJob& job, const std::string& actor,
                   const std::function<void(const kuaguan::v1::IngestEvent&)>& emit,
                   const std::atomic<bool>* cancel);

  // A batch with its quality-control report (four properties), sample and process sheet.
  // NOT_FOUND for an unknown batch.
  absl::StatusOr<kuaguan::v1::IngestBatch> Batch(const std::string& id, const std::string& actor);

  // Accepts a batch. FAILED_PRECONDITION while its QC fails, unless `override_reason` is given
  // (the override is recorded and audited), or when it is already accepted. Then calls the
  // accepted hook with the batch's codes (digitized records let waiting requests move on).
  absl::StatusOr<kuaguan::v1::IngestBatch> Accept(const std::string& id,
                                                  const std::string& override_reason,
                                                  const std::string& actor);

  // What Accept calls with an accepted batch's record codes; its failures are logged, never
  // undo the acceptance. Set once the remote-request workflow runs (at start or enrollment).
  void OnAccepted(std::function<absl::Status(const std::vector<std::string>&)> hook) ABSL_LOCKS_EXCLUDED(hook_mu_);

 private:
  Store* const store_;
  Holdings* const holdings_;
  base::CountingLimit* const engines_;
  const base::Clock* const clock_;
  absl::Mutex hook_mu_;
  std::function<absl::Status(const std::vector<std::string>&)> on_accepted_ ABSL_GUARDED_BY(hook_mu_);
};

}  // namespace kuaguan::node
