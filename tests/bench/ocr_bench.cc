// Benchmark: OCR of generated 300-dpi Chinese A4 pages through Kuaguan's pipeline (libvips
// decode, SM3/SHA-256 of the original, single-threaded Tesseract engines, one per core) against
// the tesseract CLI on the same pages in the same run, used both ways: default settings, and one
// single-threaded process per core. Han-character accuracy against the rendered text.
// Peak memory of the whole pipeline at growing batch sizes, each in a fresh process.
//   ocr_bench [--pages N] [--workers W] [--memory 50,500]
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "base/openmp_env.h"
#include "base/utf8.h"
#include "ingest/ocr_pool.h"
#include "tests/bench/bench_flags.h"
#include "tests/bench/ocr_compare.h"
#include "tests/testing/page_render.h"
#include "tests/testing/scan_corpus.h"
#include "tests/testing/temp_dir.h"

namespace {

using Clock = std::chrono::steady_clock;
using kuaguan::bench::HanAccuracy;
using kuaguan::bench::HanOnly;
using kuaguan::bench::RunCli;

// Ingests `items` one-page items whose pages cycle through `distinct` rendered pages in `dir`
// (page-K.png) into a new store and index under dir/`name`; returns seconds.
absl::StatusOr<double> RunPipeline(const std::filesystem::path& dir, int items, int distinct,
                                   int workers, const std::string& name) {
  std::vector<std::vector<std::string>> pages;
  for (int i = 0; i < items; ++i) pages.push_back({absl::StrCat("page-", i % distinct, ".png")});
  auto corpus = kuaguan::testing::IngestScans(dir, name, pages, workers);
  if (!corpus.ok()) return corpus.status();
  return corpus->seconds;
}

}  // namespace

int main(int argc, char** argv) {
  kuaguan::base::EnsureSingleThreadedOpenMp(argv);
  int n = 6;
  int workers = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::vector<int> memory_sizes;
  int child_items = 0;
  std::string child_dir;
  const kuaguan::bench::BenchUsage usage = {
      "ocr_bench",
      "OCR of generated 300-dpi Chinese A4 pages through Kuaguan's pipeline (pages/s, s/page,\n"
      "Han-character accuracy, peak RSS) against the tesseract CLI on the same pages, both with\n"
      "default threading and one single-threaded process per core; then the peak memory of the\n"
      "whole pipeline at each --memory batch size, each in a fresh process. Prints figures.",
      "ocr_bench --pages 8 --memory 50,500"};
  const kuaguan::bench::BenchFlag memory = {
      "--memory", "SIZES",
      "comma-separated batch sizes (pages) whose peak memory is measured (default: none)",
      [&memory_sizes](const std::string& v) {
        memory_sizes.clear();
        for (absl::string_view part : absl::StrSplit(v, ',', absl::SkipEmpty())) {
          int size = 0;
          if (!absl::SimpleAtoi(part, &size) || size <= 0) {
            return absl::InvalidArgumentError(
                absl::StrCat("'", part, "' is not a positive number of pages"));
          }
          memory_sizes.push_back(size);
        }
        return absl::OkStatus();
      }};
  const kuaguan::bench::BenchFlag child_dir_flag = {
      "--dir", "DIR", "internal: the pages' folder, for --pipeline-child",
      [&child_dir](const std::string& v) {
        child_dir = v;
        return absl::OkStatus();
      }};
  if (auto exit_code = kuaguan::bench::ParseBenchFlags(
          argc, argv, usage,
          {kuaguan::bench::NumberFlag("--pages", "N", "pages to render and OCR", &n),
           kuaguan::bench::NumberFlag("--workers", "W",
                                      "OCR engines and tesseract CLI processes, one per core",
                                      &workers),
           memory,
           kuaguan::bench::NumberFlag("--pipeline-child", "N",
                                      "internal: run the pipeline on N items and exit",
                                      &child_items),
           child_dir_flag,
           kuaguan::bench::NumberFlag("--distinct", "N",
                                      "internal: distinct pages the items cycle through", &n)})) {
    return *exit_code;
  }
  if (child_items > 0) {
    auto secs = RunPipeline(child_dir, child_items, n, workers, absl::StrCat("mem", child_items));
    if (!secs.ok()) std::fprintf(stderr, "%s\n", std::string(secs.status().message()).c_str());
    return secs.ok() ? 0 : 1;
  }
  kuaguan::testing::TempDir dir;
  std::vector<std::string> paths, truths;
  for (int i = 0; i < n; ++i) {
    kuaguan::testing::PageSpec spec;
    spec.title = "关于档案数字化工作的报告";
    spec.font_pt = 12;  // four paragraphs of ~220 characters fill an A4 page
    for (int p = 0; p < 4; ++p) {
      spec.paragraphs.push_back(kuaguan::testing::ComposeParagraph(220, 100 * i + p));
    }
    spec.seed = static_cast<unsigned>(i + 1);
    spec.skew_degrees = (i % 3 - 1) * 0.4;
    const std::string path = (dir.path() / absl::StrCat("page-", i, ".png")).string();
    if (!kuaguan::testing::RenderPagePng(spec, path).ok()) return 1;
    std::string truth = spec.title;
    for (const auto& p : spec.paragraphs) truth += p;
    paths.push_back(path);
    truths.push_back(truth);
  }
  std::printf("ocr_bench: %d generated 300-dpi A4 pages (~%zu Han characters each), %d workers\n", n,
              HanOnly(truths[0]).size(), workers);

  // Decoding and deriving alone (libvips: grey for OCR, access JPEG, thumbnail), one thread.
  const auto d0 = Clock::now();
  for (const auto& p : paths) {
    auto bytes = kuaguan::ingest::ReadFileBytes(p);
    if (!bytes.ok() || !kuaguan::ingest::DecodePage(*bytes).ok()) return 1;
  }
  const double decode = std::chrono::duration<double>(Clock::now() - d0).count();

  auto pool = kuaguan::ingest::OcrPool::Create(workers, "chi_sim");
  if (!pool.ok()) {
    std::fprintf(stderr, "%s\n", std::string(pool.status().message()).c_str());
    return 1;
  }
  std::vector<kuaguan::ingest::PageSource> sources;
  for (const auto& p : paths) sources.push_back({p, 0, "", nullptr});
  const auto t0 = Clock::now();
  const auto results = (*pool)->Run(sources, [](size_t, size_t) {}, nullptr);
  const double ours = std::chrono::duration<double>(Clock::now() - t0).count();
  HanAccuracy our_acc;
  for (int i = 0; i < n; ++i) our_acc.Add(truths[i], results[i].ocr.text);
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);

  // The whole pipeline: manifest, decode, digests, OCR, masking, RocksDB commit, Xapian index.
  auto pipeline = RunPipeline(dir.path(), n, n, workers, "store");
  if (!pipeline.ok()) {
    std::fprintf(stderr, "pipeline failed: %s\n", std::string(pipeline.status().message()).c_str());
    return 1;
  }
  rusage ru2{};
  getrusage(RUSAGE_SELF, &ru2);

  const double cli_default = RunCli(paths, 1, false, dir.path().string());
  HanAccuracy cli_acc;
  for (int i = 0; i < n; ++i) cli_acc.Add(truths[i], kuaguan::bench::TextOfCli(dir.path().string(), i));
  const double cli_procs = RunCli(paths, workers, true, dir.path().string());

  std::printf("  kuaguan (decode+digest+OCR, %d engines)  %6.3f pages/s  %5.2f s/page  Han accuracy %.2f%%  peak RSS %ld MiB\n",
              workers, n / ours, ours / n, our_acc.Percent(), ru.ru_maxrss / 1024);
  std::printf("  of which decode + access JPEG + thumbnail %5.2f s/page (one thread)\n", decode / n);
  std::printf("  kuaguan whole pipeline (+store, index)    %6.3f pages/s  %5.2f s/page  peak RSS %ld MiB\n",
              n / *pipeline, *pipeline / n, ru2.ru_maxrss / 1024);
  std::printf("  tesseract CLI, default threading         %6.3f pages/s  %5.2f s/page  Han accuracy %.2f%%\n",
              n / cli_default, cli_default / n, cli_acc.Percent());
  std::printf("  tesseract CLI, %d single-thread procs     %6.3f pages/s  %5.2f s/page\n", workers,
              n / cli_procs, cli_procs / n);
  std::printf("  kuaguan vs best CLI use: OCR pool %.2fx, whole pipeline %.2fx (goal >= 1.1x)\n",
              (n / ours) / std::max(n / cli_default, n / cli_procs),
              (n / *pipeline) / std::max(n / cli_default, n / cli_procs));

  // Memory as batches grow: the whole pipeline in a fresh process per size, peak RSS of each.
  for (int size : memory_sizes) {
    const auto t = Clock::now();
    const pid_t pid = fork();
    if (pid == 0) {
      const std::string items = std::to_string(size), distinct = std::to_string(n), w = std::to_string(workers);
      execl("/proc/self/exe", argv[0], "--pipeline-child", items.c_str(), "--dir", dir.path().c_str(),
            "--distinct", distinct.c_str(), "--workers", w.c_str(), nullptr);
      _exit(127);
    }
    int status = 0;
    rusage child{};
    wait4(pid, &status, 0, &child);
    const double secs = std::chrono::duration<double>(Clock::now() - t).count();
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      std::fprintf(stderr, "pipeline of %d pages failed\n", size);
      return 1;
    }
    std::printf("  whole pipeline, batch of %4d pages       %6.3f pages/s  peak RSS %ld MiB\n", size,
                size / secs, child.ru_maxrss / 1024);
  }
  return 0;
}
