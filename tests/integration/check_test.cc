// kuaguan check on a real node: one byte flipped (node stopped, so no cache hides it) in a data
// block of the records' table file, or in the middle of the blob file holding a scanned page, is
// found and its file named; check --repair stages the file's copy from the last backup; after a
// restart the check is clean, the audit has store.repaired, and the record and page read back
// exactly as before.
#include <catch2/catch.hpp>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "rocksdb/options.h"
#include "rocksdb/sst_file_reader.h"
#include "rocksdb/table_properties.h"
#include "tests/integration/node_fixture.h"
#include "tests/testing/page_render.h"
#include "tests/testing/process.h"

namespace kuaguan::testing {
namespace {

namespace fs = std::filesystem;

constexpr char kScanned[] = "C1-WS·2020-Y-0001";
constexpr char kCatalogued[] = "C1-WS·2020-Y-0102";

std::string ReadAll(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void Flip(const fs::path& file, uint64_t at) {
  std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(static_cast<std::streamoff>(at));
  char c = 0;
  f.get(c);
  f.seekp(static_cast<std::streamoff>(at));
  f.put(static_cast<char>(c ^ 0x10));
  REQUIRE(f.good());
}

// The store's table file of column family `family` with the most data, and its data blocks' size.
std::pair<fs::path, uint64_t> TableOf(const fs::path& store, const std::string& family) {
  std::pair<fs::path, uint64_t> best;
  for (const auto& e : fs::directory_iterator(store)) {
    if (e.path().extension() != ".sst") continue;
    rocksdb::Options options;
    rocksdb::SstFileReader reader(options);
    REQUIRE(reader.Open(e.path().string()).ok());
    const auto props = reader.GetTableProperties();
    if (props->column_family_name == family && props->data_size > best.second) best = {e.path(), props->data_size};
  }
  return best;
}

fs::path LargestBlob(const fs::path& store) {
  fs::path best;
  for (const auto& e : fs::directory_iterator(store)) {
    if (e.path().extension() == ".blob" && (best.empty() || e.file_size() > fs::file_size(best))) best = e.path();
  }
  return best;
}

TEST_CASE("a flipped byte in a table or blob file is found, named, and repaired from the last backup") {
  RunningNode node;
  node.Start();
  const fs::path scans = node.dir() / "scans";
  fs::create_directories(scans);
  PageSpec spec;
  spec.half_page = true;
  spec.title = "关于档案馆库房改造的报告";
  spec.paragraphs = {"档案馆将定期向社会开放。"};
  REQUIRE(RenderPagePng(spec, (scans / "p1.png").string()).ok());
  WriteFile(scans / "manifest.csv", absl::StrCat("档号,题名,年度,pages\n", kScanned, ",库房改造报告,2020,p1.png\n"));
  const auto ingest = node.Cli({"ingest", "scans", (scans / "manifest.csv").string(), "--json"});
  INFO(ingest.err << ingest.out);
  REQUIRE(ingest.exit_code == 0);
  std::string csv = "档号,题名,年度\n";
  for (int i = 100; i < 400; ++i) absl::StrAppend(&csv, "C1-WS·2020-Y-0", i, ",招工登记表", i, ",2020\n");
  WriteFile(node.dir() / "a.csv", csv);
  REQUIRE(node.Cli({"import", (node.dir() / "a.csv").string()}).exit_code == 0);

  const std::string record = node.Cli({"get", kCatalogued}).out;
  const std::string scanned = node.Cli({"get", kScanned}).out;
  REQUIRE(record.find("SM3:") != std::string::npos);
  const fs::path page = node.dir() / "page.png";
  REQUIRE(node.Cli({"page", kScanned, "1", "--out", page.string()}).exit_code == 0);
  REQUIRE(ReadAll(page) == ReadAll(scans / "p1.png"));
  REQUIRE(node.Cli({"backup", "create"}).exit_code == 0);  // flushes: every family in table files
  const auto clean = node.CliJson({"check"});
  INFO(node.Cli({"check"}).out);
  REQUIRE(clean.fields().at("ok").bool_value());
  CHECK(Num(clean, "records_checked") == 301);
  CHECK(Num(clean, "originals_checked") == 1);
  CHECK(Num(clean, "table_files") >= 5);
  CHECK(Num(clean, "blob_files") >= 1);
  REQUIRE(node.Stop(SIGTERM) == 0);

  const fs::path store = node.dir() / "data" / "store";
  fs::path damaged;
  SECTION("a data block of the records' table file") {
    const auto [table, data_size] = TableOf(store, "records");
    REQUIRE(!table.empty());
    damaged = table;
    Flip(table, data_size / 2);
  }
  SECTION("the blob file holding the scanned page") {
    damaged = LargestBlob(store);
    REQUIRE(!damaged.empty());
    Flip(damaged, fs::file_size(damaged) / 2);
  }
  node.Start();
  const auto found = node.Cli({"check"});
  INFO(found.out << found.err);
  CHECK(found.exit_code != 0);
  CHECK(found.out.find("DAMAGED") != std::string::npos);
  CHECK(found.out.find(absl::StrCat("file ", damaged.filename().string(), ": ")) != std::string::npos);
  if (damaged.extension() == ".blob") {
    CHECK(found.out.find("page image") != std::string::npos);  // the page record in the blob file is named
    CHECK(node.Cli({"page", kScanned, "1", "--out", (node.dir() / "bad.png").string()}).exit_code != 0);
  }

  const auto repair = node.Cli({"check", "--repair"});
  INFO(repair.out << repair.err);
  CHECK(repair.exit_code != 0);
  CHECK(repair.out.find(absl::StrCat("Staged for the next start: ", damaged.filename().string())) != std::string::npos);
  CHECK(repair.out.find("Restart the node") != std::string::npos);
  CHECK(fs::exists(node.dir() / "data" / "repair" / damaged.filename()));

  REQUIRE(node.Stop(SIGTERM) == 0);
  node.Start();
  const auto after = node.Cli({"check"});
  INFO(after.out << after.err << node.daemon_log());
  CHECK(after.exit_code == 0);
  CHECK(after.out.find("Store is whole") != std::string::npos);
  CHECK(!fs::exists(node.dir() / "data" / "repair" / damaged.filename()));
  const auto audit = node.Cli({"audit", "list", "--action", "store.repaired"});
  CHECK(audit.out.find(damaged.filename().string()) != std::string::npos);
  CHECK(node.Cli({"audit", "list", "--action", "store.check"}).out.find("damaged") != std::string::npos);
  CHECK(node.Cli({"audit", "verify"}).exit_code == 0);
  CHECK(node.Cli({"get", kCatalogued}).out == record);
  CHECK(node.Cli({"get", kScanned}).out == scanned);
  REQUIRE(node.Cli({"page", kScanned, "1", "--out", page.string()}).exit_code == 0);
  CHECK(ReadAll(page) == ReadAll(scans / "p1.png"));
}

TEST_CASE("damage in a file no backup holds is named as not repairable, with what to do") {
  RunningNode node;
  node.Start();
  WriteFile(node.dir() / "a.csv", "档号,题名,年度\nC2-WS·2020-Y-0001,退休审批表,2020\n");
  REQUIRE(node.Cli({"import", (node.dir() / "a.csv").string()}).exit_code == 0);
  REQUIRE(node.Cli({"backup", "create"}).exit_code == 0);  // flushes: the records' first table file
  const fs::path store = node.dir() / "data" / "store";
  const fs::path first = TableOf(store, "records").first;
  REQUIRE(!first.empty());
  // Later records reach a table file only a backup elsewhere holds.
  WriteFile(node.dir() / "b.csv", "档号,题名,年度\nC2-WS·2020-Y-0002,招工登记表,2020\nC2-WS·2020-Y-0003,调令,2020\n");
  REQUIRE(node.Cli({"import", (node.dir() / "b.csv").string()}).exit_code == 0);
  REQUIRE(node.Cli({"backup", "create", "--to", (node.dir() / "elsewhere").string()}).exit_code == 0);
  REQUIRE(node.Stop(SIGTERM) == 0);
  fs::path later;
  uint64_t data_size = 0;
  for (const auto& e : fs::directory_iterator(store)) {
    if (e.path().extension() != ".sst" || e.path() == first) continue;
    rocksdb::Options options;
    rocksdb::SstFileReader reader(options);
    REQUIRE(reader.Open(e.path().string()).ok());
    if (reader.GetTableProperties()->column_family_name == "records") {
      later = e.path();
      data_size = reader.GetTableProperties()->data_size;
    }
  }
  REQUIRE(!later.empty());
  Flip(later, data_size / 2);
  node.Start();
  const auto repair = node.Cli({"check", "--repair"});
  INFO(repair.out << repair.err);
  CHECK(repair.exit_code != 0);
  CHECK(repair.out.find(absl::StrCat("file ", later.filename().string(), ": ")) != std::string::npos);
  CHECK(repair.out.find("not repairable from backups") != std::string::npos);
  CHECK(repair.out.find("kuaguan restore") != std::string::npos);
  CHECK(repair.out.find("Staged") == std::string::npos);
  // Only the system administrator checks.
  CHECK(node.CliAs("kgtest-op", {"check"}).exit_code != 0);
}

}  // namespace
}  // namespace kuaguan::testing
