#include "node/scan_ingest.h"

#include <filesystem>
#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
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
  int64_t read_start = 0, read_end = 0;
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

// File-name order as people number scans: digit runs compare by value (2.tif before 10.tif).
bool NaturalLess(const std::string& a, const std::string& b) {
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    const bool da = absl::ascii_isdigit(static_cast<unsigned char>(a[i]));
    const bool db = absl::ascii_isdigit(static_cast<unsigned char>(b[j]));
    if (da && db) {
      size_t ei = i, ej = j;
      while (ei < a.size() && absl::ascii_isdigit(static_cast<unsigned char>(a[ei]))) ++ei;
      while (ej < b.size() && absl::ascii_isdigit(static_cast<unsigned char>(b[ej]))) ++ej;
      const auto na = a.substr(i, ei - i), nb = b.substr(j, ej - j);
      const auto ta = na.substr(std::min(na.find_first_not_of('0'), na.size()));
      const auto tb = nb.substr(std::min(nb.find_first_not_of('0'), nb.size()));
      if (ta.size() != tb.size()) return ta.size() < tb.size();
      if (ta != tb) return ta < tb;
      i = ei;
      j = ej;
    } else {
      if (a[i] != b[j]) return a[i] < b[j];
      ++i;
      ++j;
    }
  }
  return a.size() - i < b.size() - j;
}

bool IsPageFile(const fs::path& p) {
  const std::string ext = absl::AsciiStrToLower(p.extension().string());
  return ext == ".tif" || ext == ".tiff" || ext == ".jpg" || ext == ".jpeg" || ext == ".png" ||
         ext == ".pdf";
}

// The catalog of a folder of items: its one CSV or JSON Lines file.
absl::StatusOr<fs::path> FolderCatalog(const fs::path& folder) {
  std::vector<fs::path> found;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(folder, ec)) {
    const std::string ext = absl::AsciiStrToLower(e.path().extension().string());
    if (e.is_regular_file() && (ext == ".csv" || ext == ".jsonl")) found.push_back(e.path());
  }
  if (ec) return absl::InvalidArgumentError(absl::StrCat(folder.string(), ": ", ec.message()));
  if (found.size() != 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        folder.string(), ": a folder of items needs exactly one catalog file (.csv or .jsonl) beside "
        "the item folders; found ", found.size()));
  }
  return found.front();
}

// Folder mode: a row without a pages column takes the page files of the sub-folder named by its
// reference code, in natural order. Returns the sub-folders that no row names.
std::vector<std::string> PagesFromFolders(const fs::path& base, std::vector<ingest::CatalogRow>* rows) {
  std::set<std::string> named;
  for (auto& row : *rows) {
    const std::string& code = row.record.code();
    named.insert(code);
    auto& extra = *row.record.mutable_extra();
    if (extra.contains("pages") || extra.contains("页面") || extra.contains("文件") || code.empty()) continue;
    std::error_code ec;
    std::vector<std::string> files;
    for (const auto& e : fs::directory_iterator(base / code, ec)) {
      if (IsPageFile(e.path())) files.push_back(e.path().filename().string());
    }
    std::sort(files.begin(), files.end(), NaturalLess);
    for (auto& f : files) f = absl::StrCat(code, "/", f);
    extra["pages"] = absl::StrJoin(files, ";");
  }
  std::vector<std::string> orphans;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(base, ec)) {
    const std::string name = e.path().filename().string();
    if (e.is_directory() && !named.contains(name)) orphans.push_back(name);
  }
  std::sort(orphans.begin(), orphans.end());
  return orphans;
}

// True when the word's digits (two or more) are part of a run of personal data on the page:
// such words are masked in text and covered in the shared image.
bool PartOfFinding(const std::string& word, const std::vector<ingest::PersonalDataFinding>& found) {
  std::string digits;
  for (char c : word) {
    if (absl::ascii_isdigit(static_cast<unsigned char>(c))) digits.push_back(c);
    if (c == 'X' || c == 'x') digits.push_back('X');
  }
  if (digits.size() < 2) return false;
  for (const auto& f : found) {
    if (f.digits.find(digits) != std::string::npos) return true;
  }
  return false;
}

std::string MaskWord(const std::string& word) {
  std::string out = word;
  for (char& c : out) {
    if (absl::ascii_isdigit(static_cast<unsigned char>(c)) || c == 'X' || c == 'x') c = '*';
  }
  return out;
}

// Tesseract languages for an item, from its 语种 (language) field: traditional characters
// (繁体, zh-Hant, chi_tra) are read with chi_tra; English named beside Chinese adds eng. The
// default, chi_sim alone, also reads Latin letters and digits; adding eng to every page makes
// Tesseract misread short Chinese headers such as secrecy marks.
std::string OcrLanguages(const v1::Record& record) {
  const std::string lang = absl::AsciiStrToLower(record.language());
  const bool traditional = absl::StrContains(lang, "繁") || absl::StrContains(lang, "hant") ||
                           absl::StrContains(lang, "chi_tra") || absl::StrContains(lang, "zh-tw") ||
                           absl::StrContains(lang, "zh-hk");
  const bool english = absl::StrContains(lang, "英") || absl::StrContains(lang, "eng");
  return absl::StrCat(traditional ? "chi_tra" : "chi_sim", english ? "+eng" : "");
}

constexpr float kLowConfidence = 60;  // pages below this are listed for re-scanning or checking

int64_t NowMicros() { return absl::ToUnixMicros(absl::Now()); }

// The four-property report and the sample, computed from the batch and the store.
absl::Status ComputeQc(Store* store, v1::IngestBatch* b) {
  b->clear_qc();
  // Authenticity: every stored original's digests recomputed.
  v1::QcCheck auth;
  auth.set_property("authenticity");
  size_t files = 0, bad = 0;
  // Integrity: counts, gaps in item numbers within each series.
  v1::QcCheck integ;
  integ.set_property("integrity");
  std::map<std::string, std::vector<int>> series;
  for (const auto& code : b->codes()) {
    ASSIGN_OR_RETURN(const auto rec, store->GetRecord(code));
    if (!rec) continue;
    for (const auto& f : rec->record().files()) {
      ++files;
      auto bytes = store->PageBlob(f.sm3());
      if (!bytes.ok() || seal::Sm3(*bytes) != f.sm3() || seal::Sha256(*bytes) != f.sha256()) {
        ++bad;
        auth.add_findings(absl::StrCat(code, " ", f.name(), ": stored original does not match its digests"));
      }
    }
    ASSIGN_OR_RETURN(const auto texts, store->PageTexts(code));
    if (static_cast<int>(texts.size()) != rec->record().pages()) {
      integ.add_findings(absl::StrCat(code, ": ", texts.size(), " pages stored, ",
                                      rec->record().pages(), " expected"));
    }
    const auto& ref = rec->record().reference();
    const std::string prefix = code.substr(0, code.size() - ref.item().size());
    int item = 0;
    if (absl::SimpleAtoi(ref.item(), &item)) series[prefix].push_back(item);
  }
  auth.add_findings(absl::StrCat(files, " files: SM3 and SHA-256 recomputed, ", bad, " mismatches"));
  auth.set_passed(bad == 0);
  for (auto& [prefix, items] : series) {
    std::sort(items.begin(), items.end());
    for (size_t k = 1; k < items.size(); ++k) {
      if (items[k] > items[k - 1] + 1) {
        integ.add_findings(absl::StrCat("gap in item numbers of ", prefix, "*: ", items[k - 1],
                                        " is followed by ", items[k]));
      }
    }
  }
  for (const auto& p : b->summary().problems()) {
    integ.add_findings(absl::StrCat("line ", p.line(), " ", p.code(), " ", p.file(), ": ", p.reason()));
  }
  integ.set_passed(integ.findings().empty());
  integ.add_findings(absl::StrCat(b->codes_size(), " items ingested, ", b->summary().failed(),
                                  " failed"));
  // Usability: every page decoded; the confidence distribution; pages below the threshold.
  v1::QcCheck use;
  use.set_property("usability");
  int buckets[4] = {0, 0, 0, 0};
  for (float c : b->confidences()) buckets[c < kLowConfidence ? 0 : c < 80 ? 1 : c < 90 ? 2 : 3]++;
  use.add_findings(absl::StrFormat("OCR confidence: %d pages < %.0f, %d in 60-80, %d in 80-90, %d >= 90",
                                   buckets[0], kLowConfidence, buckets[1], buckets[2], buckets[3]));
  for (const auto& l : b->low_pages()) use.add_findings(absl::StrCat("low confidence: ", l));
  use.set_passed(b->low_pages().empty());
  // Security: secrecy marks held, personal data masked.
  v1::QcCheck sec;
  sec.set_property("security");
  sec.add_findings(absl::StrCat(b->summary().held(), " items held for a secrecy mark"));
  sec.add_findings(absl::StrCat(b->summary().personal_data(), " runs of personal data masked"));
  sec.set_passed(true);
  for (auto* c : {&auth, &integ, &use, &sec}) *b->add_qc() = std::move(*c);
  b->set_qc_passed(std::all_of(b->qc().begin(), b->qc().end(),
                               [](const v1::QcCheck& c) { return c.passed(); }));
  // A random sample of at least 10% of the items (at least one) for manual checking.
  b->clear_sample();
  std::vector<std::string> codes(b->codes().begin(), b->codes().end());
  std::mt19937_64 rng(std::hash<std::string>{}(b->id()));
  std::shuffle(codes.begin(), codes.end(), rng);
  const size_t n = codes.empty() ? 0 : std::max<size_t>(1, (codes.size() + 9) / 10);
  for (size_t k = 0; k < n; ++k) b->add_sample(codes[k]);
  return absl::OkStatus();
}

std::string BatchId() {
  return absl::StrCat("B", absl::FormatTime("%Y%m%d%H%M%S", absl::Now(), absl::LocalTimeZone()));
}

}  // namespace

absl::Status ScanIngest::Run(const v1::IngestRequest& request, const std::string& actor,
                             const std::function<void(const v1::IngestEvent&)>& emit,
                             const std::atomic<bool>* cancel) {
  const absl::Time start = absl::Now();
  std::error_code ec;
  const bool folder = fs::is_directory(request.manifest_path(), ec);
  fs::path manifest(request.manifest_path());
  if (folder) {
    ASSIGN_OR_RETURN(manifest, FolderCatalog(manifest));
  }
  ASSIGN_OR_RETURN(const std::string bytes, ingest::ReadFileBytes(manifest.string()));
  auto parsed = ingest::ParseCatalogFile(manifest.string(), bytes, /*page_lists=*/true);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(manifest.string(), ": ", parsed.status().message()));
  }
  const fs::path base = fs::canonical(
      request.base_dir().empty() ? fs::absolute(manifest).parent_path() : fs::path(request.base_dir()), ec);
  if (ec || !fs::is_directory(base)) {
    return absl::InvalidArgumentError(absl::StrCat("base folder ", request.base_dir(), " is not a folder"));
  }
  const std::vector<std::string> orphans =
      folder ? PagesFromFolders(base, &parsed->rows) : std::vector<std::string>{};
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
  for (const auto& name : orphans) {
    auto* p = summary.add_problems();
    p->set_file(absl::StrCat(name, "/"));
    p->set_reason(absl::StrCat("folder has no row in ", manifest.filename().string(), " (not ingested)"));
  }
  v1::IngestBatch batch;
  batch.set_id(summary.batch());
  batch.set_manifest(manifest.string());
  batch.set_operator_(actor);
  batch.set_started_micros(NowMicros());
  v1::IngestEvent progress;
  progress.set_items_total(summary.items());
  double confidence_sum = 0;
  uint32_t confidence_pages = 0;

  // Items are OCR'd in chunks of about four pages per worker: workers stay busy across item
  // boundaries and memory stays bounded whatever the batch size.
  const size_t chunk_pages = static_cast<size_t>(workers) * 4;
  size_t next_row = 0;
  while (next_row < parsed->rows.size()) {
    if (batch.codes_size() > 0) {
      *batch.mutable_summary() = summary;
      RETURN_IF_ERROR(store_->PutBatch(batch));  // an interrupted batch still has its record
    }
    if (cancel != nullptr && cancel->load()) {
      return absl::CancelledError("ingest interrupted; run the same command again to resume");
    }
    std::vector<Item> chunk;
    size_t pages_in_chunk = 0;
    while (next_row < parsed->rows.size() && pages_in_chunk < chunk_pages) {
      Item item;
      item.read_start = NowMicros();
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
          item.pages.push_back({f.path, p, OcrLanguages(item.row.record)});
          item.page_origin.emplace_back(item.files.size(), p);
        }
        item.files.push_back(std::move(f));
      }
      if (ok && item.pages.empty()) {
        problem(item.row, "", folder ? absl::StrCat("no page files in folder ", item.row.record.code(), "/")
                                     : std::string("no pages listed (column pages)"));
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
      item.read_end = NowMicros();
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
      RETURN_IF_ERROR(holdings_->ProtectIdentities(&record));
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
        t.set_ocr_languages(pages[k].languages);
        // A number may be split across words ("号1" + "10105…"): a word with digits next to
        // a masked word is masked too (the safe side).
        std::vector<bool> masked(ocr.words.size());
        for (size_t wi = 0; wi < ocr.words.size(); ++wi) {
          masked[wi] = PartOfFinding(ocr.words[wi].text, findings);
        }
        auto has_digit = [](const std::string& s) {
          return std::any_of(s.begin(), s.end(),
                             [](char c) { return absl::ascii_isdigit(static_cast<unsigned char>(c)); });
        };
        std::vector<bool> grown = masked;
        for (size_t wi = 0; wi < ocr.words.size(); ++wi) {
          if (!masked[wi]) continue;
          if (wi > 0 && has_digit(ocr.words[wi - 1].text)) grown[wi - 1] = true;
          if (wi + 1 < ocr.words.size() && has_digit(ocr.words[wi + 1].text)) grown[wi + 1] = true;
        }
        for (size_t wi = 0; wi < ocr.words.size(); ++wi) {
          const auto& word = ocr.words[wi];
          auto* pw = t.add_words();
          pw->set_text(grown[wi] ? MaskWord(word.text) : word.text);
          pw->set_masked(grown[wi]);
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
        batch.add_confidences(ocr.mean_confidence);
        if (ocr.mean_confidence < kLowConfidence) {
          batch.add_low_pages(absl::StrFormat("%s page %d (confidence %.0f)",
                                              item.row.record.code(), k + 1, ocr.mean_confidence));
        }
        record.add_page_starts(static_cast<uint32_t>(base::CodePointCount(full_text)));
        absl::StrAppend(&full_text, t.text(), "\n");
        confidence_sum += ocr.mean_confidence;
        ++confidence_pages;
        w.page_texts.push_back(std::move(t));
      }
      record.set_full_text(full_text);
      record.set_pages(static_cast<int32_t>(n));
      for (size_t k = 0; k < n; ++k) {
        const auto& [file, file_page] = item.page_origin[k];
        const std::string& sm3 = item.files[file].sm3;
        const auto fp = static_cast<uint32_t>(file_page);
        w.page_blobs.emplace_back(PageDerivativeKey(sm3, fp, "access"), std::move(pages[k].access_jpeg));
        w.page_blobs.emplace_back(PageDerivativeKey(sm3, fp, "thumbnail"),
                                  std::move(pages[k].thumbnail_jpeg));
      }
      for (auto& f : item.files) {
        auto* d = record.add_files();
        d->set_name(f.name);
        d->set_size(f.bytes.size());
        d->set_sm3(f.sm3);
        d->set_sha256(f.sha256);
        w.page_blobs.emplace_back(f.sm3, std::move(f.bytes));
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
      const int64_t commit_start = NowMicros();
      auto committed = holdings_->CommitScanned(std::move(w), actor);
      if (!committed.ok()) {
        problem(item.row, "", committed.message());
        summary.set_failed(summary.failed() + 1);
        continue;
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
      auto row = [&](const char* step, const std::string& worker, int64_t s, int64_t e) {
        auto* r = batch.add_sheet();
        r->set_code(code);
        r->set_step(step);
        r->set_worker(worker);
        r->set_pages(static_cast<uint32_t>(n));
        r->set_operator_(actor);
        r->set_start_micros(s);
        r->set_end_micros(e);
      };
      row("read-digest", "kuaguand", item.read_start, item.read_end);
      row("ocr", absl::StrJoin(names, " "), ocr_start, ocr_end);
      row("commit", "kuaguand", commit_start, NowMicros());
      progress.set_items_done(summary.created() + summary.unchanged() + summary.failed());
      progress.set_item(item.row.record.code());
      emit(progress);
    }
  }
  summary.set_mean_confidence(confidence_pages == 0 ? 0 : float(confidence_sum / confidence_pages));
  summary.set_elapsed_s(absl::ToDoubleSeconds(absl::Now() - start));
  *batch.mutable_summary() = summary;
  batch.set_finished_micros(NowMicros());
  RETURN_IF_ERROR(ComputeQc(store_, &batch));
  RETURN_IF_ERROR(store_->PutBatch(batch));
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
  return *batch;
}

}  // namespace kuaguan::node
