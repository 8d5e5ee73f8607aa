// Benchmark: what scanned text a search can find. Two sets of generated 300-dpi A4 pages, dense
// administrative pages (tests/testing/dense_pages.h) and the lighter ocr_bench-style pages, each
// ingested through the node's real pipeline (ScanIngest into a store and index, items of 1–4
// pages) and read by the tesseract CLI (one single-threaded process per core) in the same run.
// Per set: phrases sampled from the rendered text; the share present in the stored OCR text
// (the OCR ceiling), the share a full-text search finds (must equal the ceiling), the phrases
// lost by indexing, the CLI's ceiling, Han-character accuracy and pages/s against the CLI.
//   scan_text_bench [--pages 30] [--light-pages 8] [--phrases 10] [--workers W]
#include <cstdio>
#include <filesystem>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "base/openmp_env.h"
#include "tests/bench/bench_flags.h"
#include "tests/bench/ocr_compare.h"
#include "tests/testing/dense_pages.h"
#include "tests/testing/scan_corpus.h"
#include "tests/testing/temp_dir.h"

namespace {

using kuaguan::testing::DensePage;
using kuaguan::testing::Phrase;

// Counts over phrases, overall and for those crossing a line break.
struct Share {
  size_t all = 0, crossing = 0;
  void Add(const Phrase& p) {
    ++all;
    if (p.crosses_line_break) ++crossing;
  }
};

std::string Percent(size_t n, size_t of) {
  return of == 0 ? "-" : absl::StrFormat("%.1f%%", 100.0 * double(n) / double(of));
}

std::string Shares(const Share& s, const Share& total) {
  return absl::StrCat(Percent(s.all, total.all), "  (across a line break ", Percent(s.crossing, total.crossing),
                      ", within a line ", Percent(s.all - s.crossing, total.all - total.crossing), ")");
}

// Renders, ingests, runs the CLI and prints one set's figures.
absl::Status RunSet(const std::string& label, const std::vector<DensePage>& pages, size_t phrases_per_page,
                    int workers, const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  std::vector<std::string> paths;
  std::vector<std::vector<Phrase>> phrases;
  size_t han = 0, tables = 0, seals = 0;
  int min_line = 1000, max_line = 0;
  for (size_t i = 0; i < pages.size(); ++i) {
    paths.push_back((dir / absl::StrCat("page-", i, ".png")).string());
    if (auto st = kuaguan::testing::RenderLayoutPng(pages[i].layout, paths.back()); !st.ok()) return st;
    phrases.push_back(kuaguan::testing::SamplePhrases(pages[i], phrases_per_page, static_cast<unsigned>(7 + i)));
    han += kuaguan::bench::HanOnly(pages[i].truth).size();
    tables += pages[i].has_table;
    seals += pages[i].has_seal;
    min_line = std::min(min_line, pages[i].chars_per_line);
    max_line = std::max(max_line, pages[i].chars_per_line);
  }
  const auto groups = kuaguan::testing::GroupPages(pages.size());
  std::vector<std::vector<std::string>> items;
  for (const auto& [first, count] : groups) {
    items.emplace_back();
    for (size_t k = first; k < first + count; ++k) items.back().push_back(absl::StrCat("page-", k, ".png"));
  }
  std::printf("scan_text_bench, %s: %zu pages in %zu items of 1-4 pages, %d-%d characters a line, "
              "%zu Han characters a page, %zu with a table, %zu with a red seal; %d workers\n",
              label.c_str(), pages.size(), items.size(), min_line, max_line, han / std::max<size_t>(1, pages.size()),
              tables, seals, workers);
  std::fflush(stdout);

  auto corpus = kuaguan::testing::IngestScans(dir, "store", items, workers);
  if (!corpus.ok()) return corpus.status();
  size_t vertical = 0;  // pages whose reading was taken again with the vertical model
  for (const auto& code : corpus->codes) {
    auto texts = corpus->store->PageTexts(code);
    if (!texts.ok()) return texts.status();
    for (const auto& t : *texts) vertical += absl::StrContains(t.ocr_languages(), "_vert");
  }
  const std::string cli_dir = (dir / "cli").string();
  std::filesystem::create_directories(cli_dir);
  const double cli_secs = kuaguan::bench::RunCli(paths, workers, true, cli_dir);

  Share total, ours, found, cli, found_not_present, lost_share;
  std::vector<std::string> lost;
  kuaguan::bench::HanAccuracy our_acc, cli_acc;
  for (size_t it = 0; it < groups.size(); ++it) {
    const auto [first, count] = groups[it];
    auto stored = kuaguan::testing::StoredText(*corpus, it);
    if (!stored.ok()) return stored.status();
    std::string truth, cli_text;
    for (size_t k = first; k < first + count; ++k) {
      absl::StrAppend(&truth, pages[k].truth, "\n");
      const std::string page_text = kuaguan::bench::TextOfCli(cli_dir, k);
      absl::StrAppend(&cli_text, page_text, "\n");
      cli_acc.Add(pages[k].truth, page_text);
    }
    our_acc.Add(truth, *stored);
    for (size_t k = first; k < first + count; ++k) {
      for (const auto& p : phrases[k]) {
        total.Add(p);
        const bool present = kuaguan::testing::ContainsPhrase(*stored, p.text);
        auto hit = kuaguan::testing::SearchFinds(*corpus, p.text, it);
        if (!hit.ok()) return hit.status();
        if (present) ours.Add(p);
        if (*hit) found.Add(p);
        if (*hit && !present) found_not_present.Add(p);
        if (present && !*hit) {
          lost_share.Add(p);
          lost.push_back(absl::StrCat(p.text, p.crosses_line_break ? " (across a line break)" : "", " in ",
                                      corpus->codes[it]));
        }
        if (kuaguan::testing::ContainsPhrase(cli_text, p.text)) cli.Add(p);
      }
    }
  }
  const double n = static_cast<double>(pages.size());
  std::printf("  phrases sampled (6-8 Han characters)  %zu, %zu of them across a line break\n", total.all,
              total.crossing);
  std::printf("  OCR ceiling (in the stored text)      %s\n", Shares(ours, total).c_str());
  std::printf("  found by search                       %s\n", Shares(found, total).c_str());
  std::printf("  lost by indexing (present, not found) %zu, %zu of them across a line break%s\n", lost_share.all,
              lost_share.crossing, lost.empty() ? "  (search equals the ceiling)" : "");
  for (size_t i = 0; i < lost.size() && i < 8; ++i) std::printf("    %s\n", lost[i].c_str());
  if (found_not_present.all > 0) {
    std::printf("  found though not in the stored text   %zu\n", found_not_present.all);
  }
  std::printf("  tesseract CLI ceiling                 %s\n", Shares(cli, total).c_str());
  std::printf("  Han-character accuracy                kuaguan %.2f%%, tesseract CLI %.2f%%\n", our_acc.Percent(),
              cli_acc.Percent());
  std::printf("  pages/s                               kuaguan whole pipeline %.3f, tesseract CLI (%d "
              "single-thread procs) %.3f: %.2fx (goal >= 1.1x)\n",
              n / corpus->seconds, workers, n / cli_secs, cli_secs / corpus->seconds);
  std::printf("  pages read again as vertical text     %zu (kept the vertical reading)\n", vertical);
  std::fflush(stdout);
  return absl::OkStatus();
}

}  // namespace

int main(int argc, char** argv) {
  kuaguan::base::EnsureSingleThreadedOpenMp(argv);
  int dense = 30, light = 8, per_page = 10;
  int workers = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const kuaguan::bench::BenchUsage usage = {
      "scan_text_bench",
      "Generated 300-dpi A4 scans, dense administrative pages (28-40 characters a line, two fonts,\n"
      "skew, speckle, tables, red seals) and the lighter ocr_bench-style pages, ingested through\n"
      "the real pipeline and read by the tesseract CLI in the same run. Per set: phrases sampled\n"
      "from the rendered text (some across line breaks), the share in the stored OCR text (the OCR\n"
      "ceiling), the share a full-text search finds, the phrases lost by indexing, the CLI's\n"
      "ceiling, Han-character accuracy and pages/s against the CLI. Prints figures.",
      "scan_text_bench --pages 30 --light-pages 8"};
  if (auto exit_code = kuaguan::bench::ParseBenchFlags(
          argc, argv, usage,
          {kuaguan::bench::NumberFlag("--pages", "N", "dense pages", &dense),
           kuaguan::bench::NumberFlag("--light-pages", "N", "lighter pages (0: none)", &light),
           kuaguan::bench::NumberFlag("--phrases", "N", "phrases sampled a page", &per_page),
           kuaguan::bench::NumberFlag("--workers", "W",
                                      "OCR engines and tesseract CLI processes, one per core", &workers)})) {
    return *exit_code;
  }
  if (dense < 0 || light < 0 || per_page < 1 || workers < 1) {
    std::fprintf(stderr, "scan_text_bench: page counts must be >= 0, --phrases and --workers >= 1\n");
    return 2;
  }
  kuaguan::testing::TempDir dir;
  const std::pair<std::string, int> sets[] = {{"dense set", dense}, {"lighter set", light}};
  for (size_t s = 0; s < 2; ++s) {
    if (sets[s].second == 0) continue;
    std::vector<DensePage> pages;
    for (int i = 0; i < sets[s].second; ++i) {
      pages.push_back(s == 0 ? kuaguan::testing::MakeDensePage(static_cast<unsigned>(i + 1))
                             : kuaguan::testing::MakeLightPage(static_cast<unsigned>(i)));
    }
    if (auto st = RunSet(sets[s].first, pages, static_cast<size_t>(per_page), workers,
                         dir.path() / absl::StrCat("set", s));
        !st.ok()) {
      std::fprintf(stderr, "scan_text_bench: %s: %s\n", sets[s].first.c_str(), std::string(st.message()).c_str());
      return 1;
    }
  }
  return 0;
}
