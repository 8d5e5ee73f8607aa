#include "node/scan_ingest.h"

#include "federation/digitize_queue.h"

#include <cstdio>

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "base/status_macros.h"
#include "base/utf8.h"
#include "ingest/batch_quality.h"
#include "ingest/catalog_file.h"
#include "ingest/ocr_pool.h"
#include "ingest/page_stream.h"
#include "ingest/page_image.h"
#include "ingest/personal_data.h"
#include "ingest/scan_manifest.h"
#include "ingest/secrecy_mark.h"
#include "ingest/word_masking.h"
#include "seal/digest.h"
#include "seal/keyed_hash.h"

namespace kuaguan::node {
namespace fs = std::filesystem;
namespace v1 = kuaguan::v1;

namespace {

// How long an ingest waits for an OCR engine that other ingests hold.
constexpr absl::Duration kEngineWait = absl::Seconds(5);

struct FileData {
  std::string name;  // as the manifest wrote it
  std::string path;  // resolved
  std::shared_ptr<const std::string> bytes;  // read once, shared with the item's pages
  std::string sm3, sha256;
  int pages = 1;
};

struct Item {
  ingest::CatalogRow row;
  std::vector<FileData> files;
  std::vector<ingest::PageSource> pages;
  std::vector<std::pair<size_t, int>> page_origin;  // (file index, page in file)
  int64_t read_start = 0, read_end = 0;
};

// One run of an ingest: its summary, batch record and progress, and the steps of one item.
class IngestRun {
 public:
  IngestRun(Store* store, Holdings* holdings, const base::Clock* clock, std::string actor,
            std::string person_key, fs::path base, bool folder)
      : store_(store),
        holdings_(holdings),
        clock_(clock),
        actor_(std::move(actor)),
        person_key_(std::move(person_key)),
        base_(std::move(base)),
        folder_(folder) {}

  v1::IngestSummary summary;
  v1::IngestBatch batch;
  v1::IngestEvent progress;

  // Records a problem with one row (and its file); the item is not ingested.
  void Problem(const ingest::CatalogRow& row, const std::string& file, absl::string_view why) {
    auto* p = summary.add_problems();
    p->set_code(row.record.code());
    p->set_line(static_cast<uint32_t>(row.line));
    p->set_file(file);
    p->set_reason(std::string(why));
  }

  // Reads and digests an item's page files. nullopt when the row is bad, a file cannot be read,
  // or the item is already stored (counted as failed or unchanged); an error only from the store.
  absl::StatusOr<std::optional<Item>> Read(ingest::CatalogRow row);

  // Stores one recognized item as version 1 (text masked, identities hashed, held for a secrecy
  // mark) with its process-sheet rows: true; or reports why not: false. An error only from the
  // store.
  absl::StatusOr<bool> Commit(Item& item, std::vector<ingest::ScannedPage> pages);

  // Completes the batch: summary, the DA/T 70 report, the batch record and its audit entry, and
  // the last event (finished, with the summary).
  absl::Status Finish(const std::string& manifest, absl::Time start,
                      const std::function<void(const v1::IngestEvent&)>& emit);

  // The mean OCR confidence of the committed pages.
  float MeanConfidence() const {
    return confidence_pages_ == 0 ? 0 : float(confidence_sum_ / confidence_pages_);
  }

 private:
  // The stored page `k` of `item`; adds identity hashes found on it to `record`.
  v1::PageText PageText(const Item& item, const ingest::ScannedPage& page, size_t k,
                        v1::Record* record);
  void AddSheet(const std::string& code, const char* step, const std::string& worker, uint32_t pages,
                int64_t start, int64_t end);

  Store* const store_;
  Holdings* const holdings_;
  const base::Clock* const clock_;
  const std::string actor_;
  const std::string person_key_;
  const fs::path base_;
  const bool folder_;
  double confidence_sum_ = 0;
  uint32_t confidence_pages_ = 0;
};

absl::StatusOr<std::optional<Item>> IngestRun::Read(ingest::CatalogRow row) {
  Item item;
  item.read_start = clock_->NowMicros();
  item.row = std::move(row);
  const std::string pages_text = ingest::TakePageList(&item.row.record);
  // The scans of a record held only as a catalog entry (按需数字化): its catalog stands, so the
  // manifest row needs no more than the code and the pages.
  ASSIGN_OR_RETURN(auto existing, store_->GetRecord(item.row.record.code()));
  const bool digitizes = existing && existing->state() == v1::RECORD_STATE_ACTIVE && !existing->held() &&
                         federation::Undigitized(existing->record());
  if (digitizes) {
    item.row.record = existing->record();
    item.row.errors.clear();
  }
  if (!item.row.errors.empty()) {
    const auto& e = item.row.errors.front();
    Problem(item.row, "", absl::StrCat(e.field, " '", e.value, "': ", e.reason));
    summary.set_failed(summary.failed() + 1);
    return std::nullopt;
  }
  for (absl::string_view entry : absl::StrSplit(pages_text, ';', absl::SkipWhitespace())) {
    const std::string name(absl::StripAsciiWhitespace(entry));
    auto path = ingest::ResolvePage(base_, name);
    absl::StatusOr<std::string> data = path.ok() ? ingest::ReadFileBytes(*path) : path.status();
    absl::StatusOr<int> count = data.ok() ? ingest::CountPages(*data) : data.status();
    if (!count.ok()) {
      Problem(item.row, name, count.status().message());
      summary.set_failed(summary.failed() + 1);
      return std::nullopt;
    }
    FileData f{name, *path, std::make_shared<const std::string>(*std::move(data)), "", "", *count};
    f.sm3 = seal::Sm3(*f.bytes);
    f.sha256 = seal::Sha256(*f.bytes);
    for (int p = 0; p < f.pages; ++p) {
      item.pages.push_back({f.path, p, ingest::OcrLanguages(item.row.record), f.bytes});
      item.page_origin.emplace_back(item.files.size(), p);
    }
    item.files.push_back(std::move(f));
  }
  if (item.pages.empty()) {
    Problem(item.row, "", folder_ ? absl::StrCat("no page files in folder ", item.row.record.code(), "/")
                                  : std::string("no pages listed (column pages)"));
    summary.set_failed(summary.failed() + 1);
    return std::nullopt;
  }
  // Already ingested with the same files: a resumed run skips it.
  if (existing && !digitizes) {
    bool same = existing->record().files_size() == static_cast<int>(item.files.size());
    for (size_t k = 0; same && k < item.files.size(); ++k) {
      same = existing->record().files(static_cast<int>(k)).sm3() == item.files[k].sm3;
    }
    if (same) {
      summary.set_unchanged(summary.unchanged() + 1);
    } else {
      Problem(item.row, "", "already in the store with other pages (ingest adds new items)");
      summary.set_failed(summary.failed() + 1);
    }
    return std::nullopt;
  }
  item.read_end = clock_->NowMicros();
  progress.set_pages_total(progress.pages_total() + static_cast<uint32_t>(item.pages.size()));
  return item;
}

v1::PageText IngestRun::PageText(const Item& item, const ingest::ScannedPage& page, size_t k,
                                 v1::Record* record) {
  const auto& ocr = page.ocr;
  const auto findings = ingest::FindPersonalData(ocr.text);
  summary.set_personal_data(summary.personal_data() + static_cast<uint32_t>(findings.size()));
  for (const auto& f : findings) {
    if (f.kind != ingest::PersonalDataKind::kIdentityNumber || !f.check_ok) continue;
    const std::string hash = seal::PersonKeyedHash(person_key_, f.identity);
    bool known = false;
    for (const auto& p : record->persons()) known |= p.id_hash() == hash;
    if (!known) record->add_persons()->set_id_hash(hash);
  }
  const auto& [file, file_page] = item.page_origin[k];
  v1::PageText t;
  t.set_page(static_cast<uint32_t>(k + 1));
  t.set_file(item.files[file].name);
  t.set_file_page(static_cast<uint32_t>(file_page));
  t.set_sm3(item.files[file].sm3);
  t.set_width(static_cast<uint32_t>(page.width));
  t.set_height(static_cast<uint32_t>(page.height));
  t.set_ocr_languages(page.languages);
  ingest::FillMaskedPage(ocr, findings, &t);
  batch.add_confidences(ocr.mean_confidence);
  if (ocr.mean_confidence < ingest::kLowConfidence) {
    batch.add_low_pages(absl::StrFormat("%s page %d (confidence %.0f)", item.row.record.code(), k + 1,
                                        ocr.mean_confidence));
  }
  confidence_sum_ += ocr.mean_confidence;
  ++confidence_pages_;
  return t;
}

void IngestRun::AddSheet(const std::string& code, const char* step, const std::string& worker,
                         uint32_t pages, int64_t start, int64_t end) {
  auto* r = batch.add_sheet();
  r->set_code(code);
  r->set_step(step);
  r->set_worker(worker);
  r->set_pages(pages);
  r->set_operator_(actor_);
  r->set_start_micros(start);
  r->set_end_micros(end);
}

absl::StatusOr<bool> IngestRun::Commit(Item& item, std::vector<ingest::ScannedPage> pages) {
  const size_t n = pages.size();
  for (size_t k = 0; k < n; ++k) {
    if (!pages[k].status.ok()) {
      Problem(item.row, item.files[item.page_origin[k].first].name, pages[k].status.message());
      summary.set_failed(summary.failed() + 1);
      return false;
    }
  }
  v1::Record record = item.row.record;
  RETURN_IF_ERROR(holdings_->ProtectIdentities(&record));
  RecordWrite w;
  std::string full_text;
  std::vector<ingest::TextLine> first_lines;
  for (size_t k = 0; k < n; ++k) {
    v1::PageText t = PageText(item, pages[k], k, &record);
    if (k == 0) {
      for (const auto& l : pages[k].ocr.lines) {
        first_lines.push_back({l.text, pages[k].height > 0 ? double(l.top) / pages[k].height : 1.0});
      }
    }
    record.add_page_starts(static_cast<uint32_t>(base::CodePointCount(full_text)));
    absl::StrAppend(&full_text, t.text(), "\n");
    w.page_texts.push_back(std::move(t));
  }
  record.set_full_text(full_text);
  record.set_pages(static_cast<int32_t>(n));
  for (size_t k = 0; k < n; ++k) {
    const auto& [file, file_page] = item.page_origin[k];
    const std::string& sm3 = item.files[file].sm3;
    const auto fp = static_cast<uint32_t>(file_page);
    w.page_blobs.emplace_back(PageDerivativeKey(sm3, fp, "access"), std::move(pages[k].access_jpeg));
    w.page_blobs.emplace_back(PageDerivativeKey(sm3, fp, "thumbnail"), std::move(pages[k].thumbnail_jpeg));
  }
  for (auto& f : item.files) {
    auto* d = record.add_files();
    d->set_name(f.name);
    d->set_size(f.bytes->size());
    d->set_sm3(f.sm3);
    d->set_sha256(f.sha256);
    w.page_blobs.emplace_back(f.sm3, *f.bytes);
  }
  const ingest::SecrecyCheck secrecy = ingest::CheckSecrecyMark(first_lines);
  if (secrecy.held()) {
    w.current.set_held(true);
    w.current.set_held_mark(secrecy.mark->line);
    record.set_secrecy(secrecy.mark->level);
    record.set_share_class(v1::SHARE_CLASS_NOT_SHARED);
    summary.set_held(summary.held() + 1);
  }
  w.current.set_ingest_batch(summary.batch());
  *w.current.mutable_record() = std::move(record);
  const int64_t commit_start = clock_->NowMicros();
  if (absl::Status committed = holdings_->CommitScanned(std::move(w), actor_); !committed.ok()) {
    Problem(item.row, "", committed.message());
    summary.set_failed(summary.failed() + 1);
    return false;
  }
  summary.set_created(summary.created() + 1);
  summary.set_pages(summary.pages() + static_cast<uint32_t>(n));
  const std::string& code = item.row.record.code();
  batch.add_codes(code);
  std::set<std::string> names;  // engine and model, e.g. ocr-2/chi_sim_vert
  int64_t ocr_start = INT64_MAX, ocr_end = 0;
  for (const auto& p : pages) {
    names.insert(absl::StrCat("ocr-", p.worker, "/", p.languages));
    ocr_start = std::min(ocr_start, p.start_micros);
    ocr_end = std::max(ocr_end, p.end_micros);
  }
  const auto count = static_cast<uint32_t>(n);
  AddSheet(code, "read-digest", "kuaguand", count, item.read_start, item.read_end);
  AddSheet(code, "ocr", absl::StrJoin(names, " "), count, ocr_start, ocr_end);
  AddSheet(code, "commit", "kuaguand", count, commit_start, clock_->NowMicros());
  return true;
}

absl::Status IngestRun::Finish(const std::string& manifest, absl::Time start,
                              const std::function<void(const v1::IngestEvent&)>& emit) {
  summary.set_mean_confidence(MeanConfidence());
  summary.set_elapsed_s(absl::ToDoubleSeconds(clock_->Now() - start));
  *batch.mutable_summary() = summary;
  batch.set_finished_micros(clock_->NowMicros());
  ingest::BatchContents contents;
  contents.record = [this](const std::string& code) { return store_->GetRecord(code); };
  contents.original = [this](const std::string& sm3) { return store_->PageBlob(sm3); };
  contents.page_texts = [this](const std::string& code) -> absl::StatusOr<size_t> {
    ASSIGN_OR_RETURN(auto texts, store_->PageTexts(code));
    return texts.size();
  };
  RETURN_IF_ERROR(ingest::AssessBatch(contents, &batch));
  RETURN_IF_ERROR(store_->PutBatch(batch));
  RETURN_IF_ERROR(store_->Audit(
      {actor_, "ingest.batch", absl::StrCat(summary.batch(), " ", manifest),
       absl::StrCat("ok: ", summary.created(), " created, ", summary.unchanged(), " unchanged, ",
                    summary.held(), " held, ", summary.failed(), " failed")}));
  v1::IngestEvent last = progress;
  last.set_items_done(summary.items());
  last.set_finished(true);
  *last.mutable_summary() = summary;
  emit(last);
  return absl::OkStatus();
}

}  // namespace

absl::Status ScanIngest::Run(const IngestJob& job, const std::string& actor,
                             const std::function<void(const v1::IngestEvent&)>& emit,
                             const std::atomic<bool>* cancel) {
  const absl::Time start = clock_->Now();
  std::error_code ec;
  const bool folder = fs::is_directory(job.manifest, ec);
  fs::path manifest(job.manifest);
  if (folder) {
    ASSIGN_OR_RETURN(manifest, ingest::FolderCatalog(manifest));
  }
  ASSIGN_OR_RETURN(const std::string bytes, ingest::ReadFileBytes(manifest.string()));
  const std::string shown = job.display_name.empty() ? manifest.string() : job.display_name;
  auto parsed = ingest::ParseCatalogFile(shown, bytes, /*page_lists=*/true);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(shown, ": ", parsed.status().message()));
  }
  const fs::path base =
      fs::canonical(job.base.empty() ? fs::absolute(manifest).parent_path() : job.base, ec);
  if (ec || !fs::is_directory(base)) {
    return absl::InvalidArgumentError(absl::StrCat("base folder ", job.base.string(), " is not a folder"));
  }
  const std::vector<std::string> orphans =
      folder ? ingest::PagesFromFolders(base, &parsed->rows) : std::vector<std::string>{};
  const int wanted = job.workers > 0 ? std::min(static_cast<int>(job.workers), engines_->total()) : engines_->total();
  auto lease = engines_->Acquire(wanted, absl::Now() + kEngineWait);  // a real wait
  if (!lease.ok()) return absl::ResourceExhaustedError(lease.status().message());
  const int workers = lease->count();
  ASSIGN_OR_RETURN(auto pool, ingest::OcrPool::Create(workers, "chi_sim"));
  ASSIGN_OR_RETURN(std::string person_key, store_->PersonKey());

  IngestRun run(store_, holdings_, clock_, actor, std::move(person_key), base, folder);
  run.summary.set_batch(absl::StrCat("B", absl::FormatTime("%Y%m%d%H%M%S", start, absl::LocalTimeZone())));
  run.summary.set_items(static_cast<uint32_t>(parsed->rows.size()));
  for (const auto& name : orphans) {
    auto* p = run.summary.add_problems();
    p->set_file(absl::StrCat(name, "/"));
    p->set_reason(absl::StrCat("folder has no row in ", manifest.filename().string(), " (not ingested)"));
  }
  run.batch.set_id(run.summary.batch());
  run.batch.set_manifest(shown);
  run.batch.set_operator_(actor);
  run.batch.set_started_micros(clock_->NowMicros());
  run.progress.set_items_total(run.summary.items());

  // One continuous queue of pages across items (ingest::PageStream): an item commits as soon
  // as its last page is read, and a window of pages in flight bounds memory.
  constexpr size_t kWindowPagesPerEngine = 4;
  constexpr int kCommitsPerBatchRecord = 16;  // an interrupted batch still has its record
  ingest::PageStream stream(pool.get(), static_cast<size_t>(workers) * kWindowPagesPerEngine);
  std::map<uint64_t, Item> admitted;
  size_t next_row = 0;
  int unrecorded = 0;
  auto next = [&]() -> absl::StatusOr<std::optional<ingest::StreamItem>> {
    while (next_row < parsed->rows.size()) {
      const uint64_t id = next_row;
      ASSIGN_OR_RETURN(std::optional<Item> item, run.Read(std::move(parsed->rows[next_row++])));
      if (!item) continue;
      ingest::StreamItem s{id, item->pages};
      admitted.emplace(id, *std::move(item));
      return s;
    }
    return std::nullopt;
  };
  auto done = [&](uint64_t id, std::vector<ingest::ScannedPage> pages) -> absl::Status {
    auto node = admitted.extract(id);
    Item& item = node.mapped();
    ASSIGN_OR_RETURN(const bool created, run.Commit(item, std::move(pages)));
    const v1::IngestSummary& sum = run.summary;
    run.progress.set_items_done(sum.created() + sum.unchanged() + sum.failed());
    if (created) run.progress.set_item(item.row.record.code());
    emit(run.progress);
    if (created && ++unrecorded >= kCommitsPerBatchRecord) {
      unrecorded = 0;
      *run.batch.mutable_summary() = run.summary;
      RETURN_IF_ERROR(store_->PutBatch(run.batch));
    }
    return absl::OkStatus();
  };
  auto page_read = [&](size_t read) {
    run.progress.set_pages_done(static_cast<uint32_t>(read));
    emit(run.progress);
  };
  const absl::Status streamed = stream.Run(next, done, page_read, cancel);
  if (absl::IsCancelled(streamed)) {
    *run.batch.mutable_summary() = run.summary;
    if (run.batch.codes_size() > 0) RETURN_IF_ERROR(store_->PutBatch(run.batch));
    return absl::CancelledError("ingest interrupted; run the same command again to resume");
  }
  RETURN_IF_ERROR(streamed);
  return run.Finish(shown, start, emit);
}

absl::StatusOr<v1::IngestBatch> ScanIngest::Batch(const std::string& id, const std::string& actor) {
  ASSIGN_OR_RETURN(auto batch, store_->GetBatch(id));
  if (!batch) return absl::NotFoundError(absl::StrCat("no ingest batch ", id));
  RETURN_IF_ERROR(store_->Audit({actor, "ingest.report", id, "ok"}));
  return *batch;
}

absl::StatusOr<v1::IngestBatch> ScanIngest::Accept(const std::string& id,
                                                   const std::string& override_reason,
                                                   const std::string& actor) {
  ASSIGN_OR_RETURN(auto batch, store_->GetBatch(id));
  if (!batch) return absl::NotFoundError(absl::StrCat("no ingest batch ", id));
  if (batch->accepted()) return absl::FailedPreconditionError(absl::StrCat(id, " is already accepted"));
  if (!batch->qc_passed() && absl::StripAsciiWhitespace(override_reason).empty()) {
    std::vector<std::string> failed;
    for (const auto& c : batch->qc()) {
      if (!c.passed()) failed.push_back(c.property());
    }
    absl::Status st = absl::FailedPreconditionError(absl::StrCat(
        "batch ", id, " fails quality control (", absl::StrJoin(failed, ", "),
        "); see kuaguan ingest report ", id, ", or accept with --override REASON"));
    RETURN_IF_ERROR(store_->Audit({actor, "ingest.accept", id, std::string(st.message())}));
    return st;
  }
  batch->set_accepted(true);
  batch->set_accept_note(override_reason);
  RETURN_IF_ERROR(store_->PutBatch(*batch));
  RETURN_IF_ERROR(store_->Audit(
      {actor, "ingest.accept", id,
       override_reason.empty() ? "ok" : absl::StrCat("ok: QC overridden: ", override_reason)}));
  std::function<absl::Status(const std::vector<std::string>&)> hook;
  {
    absl::MutexLock lock(&hook_mu_);
    hook = on_accepted_;
  }
  if (hook) {
    if (absl::Status st = hook({batch->codes().begin(), batch->codes().end()}); !st.ok()) {
      std::fprintf(stderr, "kuaguand: batch %s accepted; moving its waiting requests on failed: %s\n", id.c_str(),
                   std::string(st.message()).c_str());
    }
  }
  return *batch;
}

void ScanIngest::OnAccepted(std::function<absl::Status(const std::vector<std::string>&)> hook) {
  absl::MutexLock lock(&hook_mu_);
  on_accepted_ = std::move(hook);
}

}  // namespace kuaguan::node
