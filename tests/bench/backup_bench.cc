// Backups of a big node (issue 15): a node made with `kuaguan init`, filled in-process while it is
// stopped (--records generated catalog records through node::Holdings, the way `kuaguan import`
// stores them; --pages rendered scanned page images written as page blobs into the store's pages
// family, content-addressed by SM3 as ingest stores them, without OCR, which would cost about
// 0.7 s a page), then started as kuaguand. Measured through the real commands: the first
// `kuaguan backup create` (time, size), 1% of the records changed (an --update import while the
// node is stopped) and the next backup (time, new bytes), `backup verify`, `backup drill`, then
// `kuaguan restore` with both key shares and the restored node's start (it compares its store
// with the backup's digests before it serves). Against the obvious peer in the same run: tar of
// the stopped node's data directory piped to zstd -3, full and again after the change (tar has no
// dedup, so its "incremental" is the whole archive again). Needs root (the node's service account
// is the system administrator who backs up).
#include <botan/pk_keys.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "index/record_index.h"
#include "node/holdings.h"
#include "node/store.h"
#include "seal/backup_key.h"
#include "seal/digest.h"
#include "tests/bench/bench_flags.h"
#include "tests/testing/catalog_gen.h"
#include "tests/testing/page_render.h"
#include "tests/testing/process.h"
#include "tests/testing/temp_dir.h"

namespace {

namespace fs = std::filesystem;
namespace v1 = kuaguan::v1;
using kuaguan::testing::BinDir;
using kuaguan::testing::Run;
using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point since) { return std::chrono::duration<double>(Clock::now() - since).count(); }

uint64_t DirBytes(const fs::path& dir) {
  uint64_t n = 0;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->is_regular_file(ec)) n += it->file_size(ec);
  }
  return n;
}

std::string MiB(uint64_t bytes) { return absl::StrFormat("%.1f MiB", static_cast<double>(bytes) / 1048576.0); }

std::string ReadAll(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A number from a --json line of the CLI ("key": 123), or -1.
double JsonNumber(const std::string& json, const std::string& key) {
  const size_t at = json.find(absl::StrCat("\"", key, "\""));
  if (at == std::string::npos) return -1;
  const size_t colon = json.find(':', at);
  return std::strtod(json.c_str() + colon + 1, nullptr);
}

[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "backup_bench: %s\n", what.c_str());
  std::exit(1);
}

kuaguan::testing::RunResult MustRun(const std::vector<std::string>& argv) {
  auto r = Run(argv);
  if (r.exit_code != 0) Fail(absl::StrCat(argv[0], " ", argv.size() > 1 ? argv[1] : "", " failed: ", r.err, r.out));
  return r;
}

class Node {
 public:
  explicit Node(fs::path config) : config_(std::move(config)) {}
  ~Node() { Stop(); }
  // Starts kuaguand; returns the seconds until `kuaguan status` answers.
  double Start() {
    const auto t0 = Clock::now();
    daemon_ = std::make_unique<kuaguan::testing::Process>(
        std::vector<std::string>{BinDir() + "/kuaguand", "--config", config_.string()},
        (config_.parent_path() / "kuaguand.log").string());
    while (Cli({"status"}).exit_code != 0) {
      if (daemon_->Wait(std::chrono::milliseconds(0)) != -1) Fail("kuaguand died: " + ReadAll(config_.parent_path() / "kuaguand.log"));
      if (Seconds(t0) > 1200) Fail("kuaguand did not come up in 20 minutes");
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return Seconds(t0);
  }
  void Stop() {
    if (!daemon_) return;
    daemon_->Signal(SIGTERM);
    if (daemon_->Wait(std::chrono::minutes(5)) != 0) Fail("kuaguand did not stop cleanly");
    daemon_.reset();
  }
  kuaguan::testing::RunResult Cli(std::vector<std::string> args) const {
    args.insert(args.begin(), BinDir() + "/kuaguan");
    args.push_back("--config");
    args.push_back(config_.string());
    return Run(args);
  }

 private:
  fs::path config_;
  std::unique_ptr<kuaguan::testing::Process> daemon_;
};

// `tar` of `data` piped to `zstd -3` into `out`: seconds.
double TarZstd(const fs::path& data, const fs::path& out) {
  const auto t0 = Clock::now();
  const std::string cmd = absl::StrCat("tar -C '", data.parent_path().string(), "' -cf - '", data.filename().string(),
                                       "' | zstd -3 -q -f -o '", out.string(), "'");
  if (std::system(cmd.c_str()) != 0) Fail("tar | zstd failed: " + cmd);
  return Seconds(t0);
}

}  // namespace

int main(int argc, char** argv) {
  uint64_t records = 1000000, pages = 1000, threads = 2;
  if (auto done = kuaguan::bench::ParseBenchFlags(
          argc, argv,
          {"backup_bench",
           "Backup of a node with N records and P scanned pages: the first backup's time and size, the next\n"
           "incremental backup's after 1% of the records change, verify, drill, restore and the restored\n"
           "node's start, against tar | zstd -3 of the stopped node's data directory. Needs root.",
           "backup_bench --records 1000000 --pages 1000"},
          {kuaguan::bench::NumberFlag("--records", "N", "catalog records", &records),
           kuaguan::bench::NumberFlag("--pages", "P", "scanned page images (rendered, A4 300 dpi)", &pages),
           kuaguan::bench::NumberFlag("--threads", "T", "threads rendering pages", &threads)})) {
    return *done;
  }
  if (::geteuid() != 0) Fail("needs root: the node's service account backs up");
  ::setenv("KUAGUAN_PASSPHRASE_FILE", (kuaguan::testing::SharedBinDir() + "/passphrase").c_str(), 0);
  kuaguan::testing::TempDir dir;
  const fs::path node_dir = dir.path() / "node", repo = dir.path() / "repo", restored = dir.path() / "restored";
  MustRun({BinDir() + "/kuaguan", "init", node_dir.string(), "--archive-id", "410100", "--name", "郑州市档案馆", "--listen",
           "127.0.0.1:0", "--role", "archive"});
  const fs::path data = node_dir / "data";  // made by kuaguand at its first start: made here, as private
  fs::create_directories(data);
  fs::permissions(data, fs::perms::owner_all);

  // --- Fill, in-process, the node stopped.
  std::printf("Filling a node with %llu records and %llu scanned pages (in-process, before kuaguand starts)\n",
              static_cast<unsigned long long>(records), static_cast<unsigned long long>(pages));
  kuaguan::testing::CatalogGenOptions gen;
  gen.count = records;
  const std::vector<v1::Record> all = kuaguan::testing::GenerateRecords(gen);
  constexpr size_t kBatch = 100000;
  {
    auto store = kuaguan::node::Store::Open(data / "store");
    if (!store.ok()) Fail(std::string(store.status().message()));
    auto index = kuaguan::index::RecordIndex::Open(data / "index");
    if (!index.ok()) Fail(std::string(index.status().message()));
    kuaguan::node::Holdings holdings(store->get(), index->get());
    auto t0 = Clock::now();
    for (size_t from = 0; from < all.size(); from += kBatch) {
      const std::vector<v1::Record> slice(all.begin() + static_cast<std::ptrdiff_t>(from),
                                          all.begin() + static_cast<std::ptrdiff_t>(std::min(all.size(), from + kBatch)));
      v1::ImportRequest req;
      req.set_file_name("bench.csv");
      req.set_content(kuaguan::testing::CatalogCsv(slice));
      auto imported = holdings.Import(req, "bench");
      if (!imported.ok() || imported->created() != slice.size()) Fail("import failed");
    }
    std::printf("  records imported in %.1f s\n", Seconds(t0));

    t0 = Clock::now();
    std::vector<std::string> images(pages);
    std::vector<std::thread> workers;
    for (uint64_t w = 0; w < std::max<uint64_t>(threads, 1); ++w) {
      workers.emplace_back([&, w] {
        for (uint64_t i = w; i < pages; i += std::max<uint64_t>(threads, 1)) {
          kuaguan::testing::PageSpec spec;
          spec.title = absl::StrCat("郑州市民政局关于婚姻登记工作的通知（第", i + 1, "号）");
          spec.paragraphs = {kuaguan::testing::ComposeParagraph(700, static_cast<unsigned>(i) + 1)};
          spec.seed = static_cast<unsigned>(i) + 1;
          const fs::path png = dir.path() / absl::StrCat("page-", i, ".png");
          if (!kuaguan::testing::RenderPagePng(spec, png.string()).ok()) Fail("cannot render a page");
          images[i] = ReadAll(png);
          fs::remove(png);
        }
      });
    }
    for (auto& t : workers) t.join();
    uint64_t page_bytes = 0;
    for (const auto& image : images) {
      page_bytes += image.size();
      const absl::Status st = (*store)->Write({{kuaguan::federation::Family::kPages, kuaguan::seal::Sm3(image), image}},
                                              {"bench", "page.store", "bench", "a rendered page"});
      if (!st.ok()) Fail(std::string(st.message()));
    }
    std::printf("  %llu pages rendered and stored in %.1f s (%s of images)\n", static_cast<unsigned long long>(pages),
                Seconds(t0), MiB(page_bytes).c_str());
  }
  std::printf("  data directory: %s (store %s, index %s)\n\n", MiB(DirBytes(data)).c_str(),
              MiB(DirBytes(data / "store")).c_str(), MiB(DirBytes(data / "index")).c_str());

  const double tar1_s = TarZstd(data, dir.path() / "full.tar.zst");
  const uint64_t tar1_bytes = fs::file_size(dir.path() / "full.tar.zst");

  Node node(node_dir / "kuaguan.toml");
  node.Start();
  auto t0 = Clock::now();
  const auto first = MustRun({BinDir() + "/kuaguan", "backup", "create", "--to", repo.string(), "--json", "--config",
                              (node_dir / "kuaguan.toml").string()});
  const double first_s = Seconds(t0);
  const uint64_t first_repo = DirBytes(repo);
  const double first_total = JsonNumber(first.out, "total_bytes");
  node.Stop();

  // --- 1% of the records change (a new version each), the node stopped.
  {
    std::vector<v1::Record> changed;
    for (size_t i = 0; i < all.size(); i += 100) {
      v1::Record r = all[i];
      r.set_title(absl::StrCat(r.title(), "（更正）"));
      changed.push_back(std::move(r));
    }
    auto store = kuaguan::node::Store::Open(data / "store");
    auto index = kuaguan::index::RecordIndex::Open(data / "index");
    if (!store.ok() || !index.ok()) Fail("cannot open the stopped node's store");
    kuaguan::node::Holdings holdings(store->get(), index->get());
    v1::ImportRequest req;
    req.set_file_name("changes.csv");
    req.set_content(kuaguan::testing::CatalogCsv(changed));
    req.set_update(true);
    auto imported = holdings.Import(req, "bench");
    if (!imported.ok() || imported->updated() != changed.size()) Fail("the update import failed");
    std::printf("%zu records changed (1%%)\n", changed.size());
  }
  const double tar2_s = TarZstd(data, dir.path() / "again.tar.zst");
  const uint64_t tar2_bytes = fs::file_size(dir.path() / "again.tar.zst");

  node.Start();
  t0 = Clock::now();
  const auto second = MustRun({BinDir() + "/kuaguan", "backup", "create", "--to", repo.string(), "--json", "--config",
                               (node_dir / "kuaguan.toml").string()});
  const double second_s = Seconds(t0);
  const uint64_t second_repo = DirBytes(repo) - first_repo;
  t0 = Clock::now();
  MustRun({BinDir() + "/kuaguan", "backup", "verify", repo.string(), "--json", "--config",
           (node_dir / "kuaguan.toml").string()});
  const double verify_s = Seconds(t0);
  t0 = Clock::now();
  MustRun({BinDir() + "/kuaguan", "backup", "drill", repo.string(), "--json", "--config",
           (node_dir / "kuaguan.toml").string()});
  const double drill_s = Seconds(t0);
  node.Stop();

  // --- Restore on a "new machine": both shares (as `kuaguan backup key-share` prints them).
  auto key = kuaguan::seal::BackupKey::Load(node_dir / "backup.key", false);
  if (!key.ok()) Fail(std::string(key.status().message()));
  for (int n : {1, 2}) {
    const fs::path f = dir.path() / absl::StrCat("share-", n);
    std::ofstream(f) << key->ShareText(n) << "\n";
    fs::permissions(f, fs::perms::owner_read | fs::perms::owner_write);
  }
  t0 = Clock::now();
  MustRun({BinDir() + "/kuaguan", "restore", repo.string(), "--to", restored.string(), "--share",
           (dir.path() / "share-1").string(), "--share", (dir.path() / "share-2").string(), "--json"});
  const double restore_s = Seconds(t0);
  Node back(restored / "kuaguan.toml");
  const double start_s = back.Start();
  back.Stop();
  if (!fs::exists(restored / "data" / "restored-from.checked")) Fail("the restored node did not check its store");

  const double second_total = JsonNumber(second.out, "total_bytes");
  std::printf("\nBackup of %llu records and %llu pages (data directory %s; 2 cores)\n", static_cast<unsigned long long>(records),
              static_cast<unsigned long long>(pages), MiB(DirBytes(data)).c_str());
  std::printf("| %-44s | %10s | %14s | %14s |\n", "", "time", "size", "plaintext");
  std::printf("|%s|%s|%s|%s|\n", std::string(46, '-').c_str(), std::string(12, '-').c_str(), std::string(16, '-').c_str(),
              std::string(16, '-').c_str());
  const auto row = [](const std::string& what, double s, const std::string& size, const std::string& plain) {
    std::printf("| %-44s | %8.1f s | %14s | %14s |\n", what.c_str(), s, size.c_str(), plain.c_str());
  };
  row("kuaguan backup create (first)", first_s, MiB(first_repo), MiB(static_cast<uint64_t>(first_total)));
  row("kuaguan backup create (after 1% changed)", second_s, MiB(second_repo) + " new",
      MiB(static_cast<uint64_t>(second_total)));
  row("tar | zstd -3 (full)", tar1_s, MiB(tar1_bytes), "");
  row("tar | zstd -3 again (after 1% changed)", tar2_s, MiB(tar2_bytes), "");
  row("kuaguan backup verify", verify_s, "", "");
  row("kuaguan backup drill", drill_s, "", "");
  row("kuaguan restore (both shares)", restore_s, MiB(DirBytes(restored)) + " *", "");
  row("restored kuaguand start (store checked)", start_s, "", "");
  std::printf(
      "(backup sizes: bytes added to the repository, encrypted and padded; the backup leaves out the search\n"
      " index, which the restored node rebuilds; tar: compressed bytes of the whole data directory;\n"
      " * the restored folder after its start)\n");
  return 0;
}
