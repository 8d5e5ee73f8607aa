#include "node/scan_ingest.h"

#include <filesystem>
#include <map>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "base/status_macros.h"
#include "base/utf8.h"
#include "ingest/catalog_file.h"
#include "ingest/ocr_pool.h"
#include "ingest/page_image.h"
#include "ingest/personal_data.h"
#include "ingest/secrecy_mark.h"
#include "seal/digest.h"
#include "seal/keyed_hash.h"

namespace kuaguan::node {
namespace fs = std::filesystem;
namespace v1 = kuaguan::v1;

namespace {

constexpr const char* kPagesColumns[] = {"pages", "页面", "文件"};

struct FileData {
  std::string name;  // as the manifest wrote it
  std::string path;  // resolved
  std::string bytes;
  std::string sm3, sha256;
  int pages = 1;
};

struct Item {
  ingest::CatalogRow row;
  std::vector<FileData> files;
  std::vector<ingest::PageSource> pages;
  std::vector<std::pair<size_t, int>> page_origin;  // (file index, page in file)
};

// Resolves a manifest page entry inside `base`; refuses absolute paths, `..` and symlinks that
// lead outside.
absl::StatusOr<std::string> ResolvePage(const fs::path& base, const std::string& entry) {
  const fs::path rel(entry);
  if (rel.is_absolute()) return absl::InvalidArgumentError("absolute path (must be relative to the base folder)");
  for (const auto& part : rel) {
    if (part == "..") return absl::InvalidArgumentError("path escapes the base folder (..)");
  }
  std::error_code ec;
  const fs::path full = base / rel;
  if (!fs::exists(full, ec)) return absl::NotFoundError("no such file");
  const fs::path real = fs::canonical(full, ec);
  if (ec) return absl::InvalidArgumentError(absl::StrCat("cannot resolve: ", ec.message()));
  const std::string b = base.string() + "/";
  if (real.string().rfind(b, 0) != 0) {
    return absl::InvalidArgumentError("path escapes the base folder (through a symbolic link)");
  }
  if (!fs::is_regular_file(real, ec)) return absl::InvalidArgumentError("not a regular file");
  return real.string();
}

// Masks the digits of words that look like part of a number (7 or more digits).
std::string MaskWord(const std::string& word) {
  size_t digits = 0;
  for (char c : word) digits += absl::ascii_isdigit(static_cast<unsigned char>(c)) ? 1 : 0;
  if (digits < 7) return word;
  std::string out = word;
  for (char& c : out) {
    if (absl::ascii_isdigit(static_cast<unsigned char>(c)) || c == 'X' || c == 'x') c = '*';
  }
  return out;
}

std::string BatchId() {
  return absl::StrCat("B", absl::FormatTime("%Y%m%d%H%M%S", absl::Now(), absl::LocalTimeZone()));
}

}  // namespace

absl::Status ScanIngest::Run(const v1::IngestRequest& request, const std::string& actor,
                             const std::function<void(const v1::IngestEvent&)>& emit,
                             const std::atomic<bool>* cancel) {
  const absl::Time start = absl::Now();
  const fs::path manifest(request.manifest_path());
  ASSIGN_OR_RETURN(const std::string bytes, ingest::ReadFileBytes(manifest.string()));
  auto parsed = ingest::ParseCatalogFile(manifest.string(), bytes, /*page_lists=*/true);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(manifest.string(), ": ", parsed.status().message()));
  }
  std::error_code ec;
  const fs::path base = fs::canonical(
      request.base_dir().empty() ? fs::absolute(manifest).parent_path() : fs::path(request.base_dir()), ec);
  if (ec || !fs::is_directory(base)) {
    return absl::InvalidArgumentError(absl::StrCat("base folder ", request.base_dir(), " is not a folder"));
  }
  const int workers = request.workers() > 0 ? static_cast<int>(request.workers())
                                            : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  ASSIGN_OR_RETURN(auto pool, ingest::OcrPool::Create(workers, "chi_sim"));
  ASSIGN_OR_RETURN(const std::string person_key, store_->PersonKey());

  v1::IngestSummary summary;
  summary.set_batch(BatchId());
  summary.set_items(static_cast<uint32_t>(parsed->rows.size()));
  auto problem = [&](const ingest::CatalogRow& row, const std::string& file, absl::string_view why) {
    auto* p = summary.add_problems();
    p->set_code(row.record.code());
    p->set_line(static_cast<uint32_t>(row.line));
    p->set_file(file);
    p->set_reason(std::string(why));
  };
  v1::IngestEvent progress;
  progress.set_items_total(summary.items());
  double confidence_sum = 0;
  uint32_t confidence_pages = 0;

  // Items are OCR'd in chunks of about four pages per worker: workers stay busy across item
  // boundaries and memory stays bounded whatever the batch size.
  const size_t chunk_pages = static_cast<size_t>(workers) * 4;
  size_t next_row = 0;
  while (next_row < parsed->rows.size()) {
    if (cancel != nullptr && cancel->load()) {
      return absl::CancelledError("ingest interrupted; run the same command again to resume");
    }
    std::vector<Item> chunk;
    size_t pages_in_chunk = 0;
    while (next_row < parsed->rows.size() && pages_in_chunk < chunk_pages) {
      Item item;
      item.row = std::move(parsed->rows[next_row++]);
      auto& extra = *item.row.record.mutable_extra();
      std::string pages_text;
      for (const char* col : kPagesColumns) {
        if (auto it = extra.find(col); it != extra.end()) {
          pages_text = it->second;
          extra.erase(it);
        }
      }
      if (!item.row.errors.empty()) {
        const auto& e = item.row.errors.front();
        problem(item.row, "", absl::StrCat(e.field, " '", e.value, "': ", e.reason));
        summary.set_failed(summary.failed() + 1);
        continue;
      }
      bool ok = true;
      for (absl::string_view entry : absl::StrSplit(pages_text, ';', absl::SkipWhitespace())) {
        const std::string name(absl::StripAsciiWhitespace(entry));
        auto path = ResolvePage(base, name);
        absl::StatusOr<std::string> data = path.ok() ? ingest::ReadFileBytes(*path) : path.status();
        absl::StatusOr<int> count = data.ok() ? ingest::CountPages(*data) : data.status();
        if (!count.ok()) {
          problem(item.row, name, count.status().message());
          ok = false;
          break;
        }
        FileData f{name, *path, *std::move(data), "", "", *count};
        f.sm3 = seal::Sm3(f.bytes);
        f.sha256 = seal::Sha256(f.bytes);
        for (int p = 0; p < f.pages; ++p) {
          item.pages.push_back({f.path, p});
          item.page_origin.emplace_back(item.files.size(), p);
        }
        item.files.push_back(std::move(f));
      }
      if (ok && item.pages.empty()) {
        problem(item.row, "", "no pages listed (column pages)");
        ok = false;
      }
      if (!ok) {
        summary.set_failed(summary.failed() + 1);
        continue;
      }
      // Already ingested with the same files: a resumed run skips it.
      ASSIGN_OR_RETURN(auto existing, store_->GetRecord(item.row.record.code()));
      if (existing) {
        bool same = existing->record().files_size() == static_cast<int>(item.files.size());
        for (size_t k = 0; same && k < item.files.size(); ++k) {
          same = existing->record().files(static_cast<int>(k)).sm3() == item.files[k].sm3;
        }
        if (same) {
          summary.set_unchanged(summary.unchanged() + 1);
        } else {
          problem(item.row, "", "already in the store with other pages (ingest adds new items)");
          summary.set_failed(summary.failed() + 1);
        }
        continue;
      }
      progress.set_pages_total(progress.pages_total() + static_cast<uint32_t>(item.pages.size()));
      pages_in_chunk += item.pages.size();
      chunk.push_back(std::move(item));
    }

    std::vector<ingest::PageSource> sources;
    for (const auto& item : chunk) sources.insert(sources.end(), item.pages.begin(), item.pages.end());
    const uint32_t pages_before = progress.pages_done();
    auto scanned = pool->Run(
        sources,
        [&](size_t done, size_t) {
          v1::IngestEvent e = progress;
          e.set_pages_done(pages_before + static_cast<uint32_t>(done));
          emit(e);
        },
        cancel);
    progress.set_pages_done(pages_before + static_cast<uint32_t>(sources.size()));

    size_t offset = 0;
    for (auto& item : chunk) {
      const size_t n = item.pages.size();
      std::vector<ingest::ScannedPage> pages(std::make_move_iterator(scanned.begin() + offset),
                                            std::make_move_iterator(scanned.begin() + offset + n));
      offset += n;
      const ingest::ScannedPage* bad = nullptr;
      size_t bad_index = 0;
      for (size_t k = 0; k < n && bad == nullptr; ++k) {
        if (!pages[k].status.ok()) {
          bad = &pages[k];
          bad_index = k;
        }
      }
      if (bad != nullptr) {
        problem(item.row, item.files[item.page_origin[bad_index].first].name, bad->status.message());
        summary.set_failed(summary.failed() + 1);
        continue;
      }
      v1::Record record = item.row.record;
      RecordWrite w;
      std::string full_text;
      std::vector<ingest::TextLine> first_lines;
      for (size_t k = 0; k < n; ++k) {
        const auto& ocr = pages[k].ocr;
        const auto findings = ingest::FindPersonalData(ocr.text);
        summary.set_personal_data(summary.personal_data() + static_cast<uint32_t>(findings.size()));
        for (const auto& f : findings) {
          if (f.kind == ingest::PersonalDataKind::kIdentityNumber && f.check_ok) {
            const std::string hash = seal::PersonKeyedHash(person_key, f.identity);
            bool known = false;
            for (const auto& p : record.persons()) known |= p.id_hash() == hash;
            if (!known) record.add_persons()->set_id_hash(hash);
          }
        }
        v1::PageText t;
        t.set_page(static_cast<uint32_t>(k + 1));
        t.set_file(item.files[item.page_origin[k].first].name);
        t.set_file_page(static_cast<uint32_t>(item.page_origin[k].second));
        t.set_sm3(item.files[item.page_origin[k].first].sm3);
        t.set_text(ingest::MaskPersonalData(ocr.text, findings));
        t.set_mean_confidence(ocr.mean_confidence);
        t.set_width(static_cast<uint32_t>(pages[k].width));
        t.set_height(static_cast<uint32_t>(pages[k].height));
        t.set_personal_data(static_cast<uint32_t>(findings.size()));
        for (const auto& word : ocr.words) {
          auto* pw = t.add_words();
          pw->set_text(MaskWord(word.text));
          pw->set_left(word.left);
          pw->set_top(word.top);
          pw->set_right(word.right);
          pw->set_bottom(word.bottom);
          pw->set_confidence(word.confidence);
        }
        if (k == 0) {
          for (const auto& l : ocr.lines) {
            first_lines.push_back({l.text, pages[k].height > 0 ? double(l.top) / pages[k].height : 1.0});
          }
        }
        record.add_page_starts(static_cast<uint32_t>(base::CodePointCount(full_text)));
        absl::StrAppend(&full_text, t.text(), "\n");
        confidence_sum += ocr.mean_confidence;
        ++confidence_pages;
        w.page_texts.push_back(std::move(t));
      }
      record.set_full_text(full_text);
      record.set_pages(static_cast<int32_t>(n));
      for (auto& f : item.files) {
        auto* d = record.add_files();
        d->set_name(f.name);
        d->set_size(f.bytes.size());
        d->set_sm3(f.sm3);
        d->set_sha256(f.sha256);
        w.page_originals.emplace_back(f.sm3, std::move(f.bytes));
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
      auto committed = holdings_->CommitScanned(std::move(w), actor);
      if (!committed.ok()) {
        problem(item.row, "", committed.message());
        summary.set_failed(summary.failed() + 1);
        continue;
      }
      summary.set_created(summary.created() + 1);
      summary.set_pages(summary.pages() + static_cast<uint32_t>(n));
      progress.set_items_done(summary.created() + summary.unchanged() + summary.failed());
      progress.set_item(item.row.record.code());
      emit(progress);
    }
  }
  summary.set_mean_confidence(confidence_pages == 0 ? 0 : float(confidence_sum / confidence_pages));
  summary.set_elapsed_s(absl::ToDoubleSeconds(absl::Now() - start));
  RETURN_IF_ERROR(store_->Audit(
      {actor, "ingest.batch", absl::StrCat(summary.batch(), " ", manifest.string()),
       absl::StrCat("ok: ", summary.created(), " created, ", summary.unchanged(), " unchanged, ",
                    summary.held(), " held, ", summary.failed(), " failed")}));
  v1::IngestEvent last = progress;
  last.set_items_done(summary.items());
  last.set_finished(true);
  *last.mutable_summary() = summary;
  emit(last);
  return absl::OkStatus();
}

}  // namespace kuaguan::node
