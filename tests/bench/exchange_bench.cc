// Direct exchange (直接交换) figures.
//  1. The container alone (federation/exchange_package.h), in process: a package of --records
//     catalog records (with full text) and --pages page images (rendered A4 pages, each with its
//     own noise), built (serialized, SM3 per entry, signed) and read back (bounds, SM3,
//     signature), against tar of the same entries as files piped to zstd -3.
//  2. End to end on loopback (root and the test accounts, tests/testing/test_accounts.sh): a
//     provincial node, an archive holding --records unconditionally shared records and --scanned
//     scanned pages, and an archive that asks for them all by query (`exchange request`: the
//     holder decides, masks and renders each record and page and signs), then imports the file
//     (`exchange import`: verification, one atomic write, indexing).
#include <botan/auto_rng.h>
#include <botan/pk_keys.h>
#include <botan/x509self.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "federation/exchange_package.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "seal/key_file.h"
#include "tests/bench/bench_flags.h"
#include "tests/bench/bench_people.h"
#include "tests/testing/page_render.h"
#include "tests/testing/process.h"
#include "tests/testing/temp_dir.h"

namespace fs = std::filesystem;
namespace fed = kuaguan::federation;
namespace kb = kuaguan::bench;
namespace kt = kuaguan::testing;
namespace v1 = kuaguan::v1;
using Clock = std::chrono::steady_clock;

namespace {

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }
double MiB(uint64_t n) { return static_cast<double>(n) / (1 << 20); }

std::string ReadAll(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Title(int i) {
  static const char* kinds[] = {"结婚登记", "退休审批表", "职称评审材料", "独生子女证", "土地承包合同"};
  return absl::StrCat("王", i % 97, "与李", i % 89, kinds[i % 5], "（第", i, "号）");
}

std::string FullText(int i) {
  std::string t;
  for (int k = 0; k < 12; ++k) absl::StrAppend(&t, "经审查，申请人", Title(i), "所报材料齐全，符合规定，准予办理。");
  return t;
}

void Container(const fs::path& dir, int records, int pages) {
  Botan::AutoSeeded_RNG rng;
  auto key = kuaguan::seal::NewKey(kuaguan::seal::KeyKind::kEcdsaP256, rng);
  const std::string key_pem = kuaguan::seal::PlainKeyPem(*key);
  Botan::X509_Cert_Options opts("410200/CN");
  const std::string cert_pem = Botan::X509::create_self_signed_cert(opts, *key, "SHA-256", rng).PEM_encode();
  fs::create_directories(dir / "files");
  std::vector<std::string> pngs;  // each page rendered with its own noise, as scans differ
  for (int i = 0; i < pages; ++i) {
    kt::PageSpec spec;
    spec.paragraphs = {FullText(i)};
    spec.seed = static_cast<unsigned>(i + 1);
    if (!kt::RenderPagePng(spec, (dir / "page.png").string()).ok()) {
      std::printf("  container: not run (cannot render a page)\n");
      return;
    }
    pngs.push_back(ReadAll(dir / "page.png"));
  }
  std::vector<v1::ExchangeEntry> entries;
  for (int i = 0; i < records; ++i) {
    v1::ExchangeEntry e;
    v1::Record* r = e.mutable_record();
    r->set_code(absl::StrCat("K2-WS·1985-Y-", 100000 + i));
    r->set_title(Title(i));
    r->set_responsible("开封市民政局");
    r->set_date("19850312");
    r->set_year(1985);
    r->set_share_class(v1::SHARE_CLASS_UNCONDITIONAL);
    r->set_secrecy(v1::SECRECY_PUBLIC);
    r->set_open_status(v1::OPEN_STATUS_OPEN);
    r->set_full_text(FullText(i));
    entries.push_back(e);
    std::ofstream(dir / "files" / absl::StrCat(i, ".pb"), std::ios::binary) << e.SerializeAsString();
    if (i < pages) {
      v1::ExchangeEntry p;
      p.mutable_page()->set_code(r->code());
      p.mutable_page()->set_page(1);
      p.mutable_page()->set_format("png");
      const std::string& image = pngs[i];
      p.mutable_page()->set_image(image);
      entries.push_back(p);
      std::ofstream(dir / "files" / absl::StrCat(i, "-1.png"), std::ios::binary) << image;
    }
  }
  v1::ExchangeManifest m;
  m.set_package_id("410200-2026-12-06-bench");
  m.set_from_archive("410200");
  m.set_to_archive("410100");
  const auto t0 = Clock::now();
  auto bytes = fed::WritePackage(m, entries, key_pem, cert_pem);
  const auto t1 = Clock::now();
  if (!bytes.ok()) {
    std::printf("  container: %s\n", std::string(bytes.status().message()).c_str());
    return;
  }
  auto pkg = fed::ParsePackage(*bytes);
  const bool verified = pkg.ok() && fed::VerifyPackageSignature(*pkg).ok();
  const auto t2 = Clock::now();
  std::ofstream(dir / "bench.kgx", std::ios::binary) << *bytes;
  const auto t3 = Clock::now();
  const std::string cmd = absl::StrCat("tar -C '", dir.string(), "' -cf - files | zstd -3 -q -f -o '",
                                       (dir / "files.tar.zst").string(), "'");
  const bool tar_ok = std::system(cmd.c_str()) == 0;
  const auto t4 = Clock::now();
  std::printf("  container, %d records (%.1f KiB full text each) + %d A4 pages (%.0f KiB each), %zu entries:\n", records,
              static_cast<double>(FullText(0).size()) / 1024, pages,
              pngs.empty() ? 0.0 : static_cast<double>(pngs[0].size()) / 1024, entries.size());
  std::printf("    build (serialize, SM3 per entry, sign)   %7.3f s   %7.2f MiB\n", Seconds(t1 - t0), MiB(bytes->size()));
  std::printf("    read back (bounds, SM3, signature)       %7.3f s   %s\n", Seconds(t2 - t1),
              verified ? "verified" : "NOT VERIFIED");
  if (tar_ok) {
    std::printf("    tar | zstd -3 of the same entries        %7.3f s   %7.2f MiB (no signature, no per-entry digest)\n",
                Seconds(t4 - t3), MiB(fs::file_size(dir / "files.tar.zst")));
  } else {
    std::printf("    tar | zstd -3: not run (zstd missing?)\n");
  }
}

using Node = kb::BenchNode;

std::string JsonField(const std::string& out, const std::string& key) {
  google::protobuf::Struct s;
  const size_t nl = out.size() >= 2 ? out.rfind('\n', out.size() - 2) : std::string::npos;
  const std::string last = out.substr(nl == std::string::npos ? 0 : nl + 1);  // the summary line
  if (!google::protobuf::util::JsonStringToMessage(last, &s).ok() || !s.fields().contains(key)) return "";
  const auto& v = s.fields().at(key);
  if (v.has_bool_value()) return v.bool_value() ? "true" : "false";
  return v.has_string_value() ? v.string_value() : absl::StrCat(v.number_value());
}

// A node whose people are registered: kgtest-op the provincial node's CA operator, an archive's
// cataloguer and digitizer.
bool StartNode(Node* n, const fs::path& dir, const std::string& code, const std::string& role) {
  return kb::StartBenchNode(n, dir, code, absl::StrCat("档案馆", code), role,
                            role == "provincial" ? std::vector<std::string>{"ca-operator"}
                                                 : std::vector<std::string>{"cataloguer", "digitizer"});
}

bool Check(const kt::RunResult& r, const char* what) {
  if (r.exit_code == 0) return true;
  std::fprintf(stderr, "%s: %s%s", what, r.err.c_str(), r.out.c_str());
  return false;
}

int EndToEnd(const fs::path& dir, int records, int scanned) {
  Node prov, zz, kf;
  if (!StartNode(&prov, dir / "prov", "410000", "provincial") || !StartNode(&zz, dir / "410100", "410100", "archive") ||
      !StartNode(&kf, dir / "410200", "410200", "archive")) {
    return 1;
  }
  const std::string enroll = JsonField(prov.Cli({"status", "--json"}).out, "enroll_listen");
  for (Node* n : {&zz, &kf}) {
    const std::string code = n == &zz ? "410100" : "410200";
    const kt::RunResult token =
        prov.CliAs(kb::kOperator, {"ca", "token", "--archive", code, "--name", absl::StrCat("档案馆", code), "--json"});
    if (!Check(token, "ca token") || !Check(n->Cli({"enroll", "--provincial", enroll, "--token", JsonField(token.out, "token")}), "enroll")) {
      return 1;
    }
  }
  if (!Check(zz.Cli({"directory", "refresh"}), "directory refresh")) return 1;
  const fs::path csv = dir / "catalog.csv";
  {
    std::ofstream out(csv);
    out << "档号,题名,年度,日期,责任者,共享类别,全文共享类别,密级,控制标识,全文\n";
    for (int i = 0; i < records; ++i) {
      out << "K2-WS·1985-Y-" << 100000 + i << "," << Title(i) << ",1985,19850312,开封市民政局,无条件共享,无条件共享,公开,开放,"
          << FullText(i) << "\n";
    }
  }
  kb::OpenToAccounts(csv);
  if (!Check(kf.CliAs(kb::kOperator, {"import", csv.string()}), "import")) return 1;
  if (scanned > 0) {
    const fs::path scans = dir / "scans";
    fs::create_directories(scans);
    std::ofstream manifest(scans / "manifest.csv");
    manifest << "档号,题名,年度,日期,责任者,共享类别,全文共享类别,密级,控制标识,pages\n";
    for (int i = 0; i < scanned; ++i) {
      kt::PageSpec spec;
      spec.half_page = true;
      spec.seed = static_cast<unsigned>(i + 1);
      spec.title = "结婚登记审查处理表";
      spec.paragraphs = {absl::StrCat("男方", Title(i), "，双方自愿结婚。联系电话139", 10000000 + i, "。")};
      if (!kt::RenderPagePng(spec, (scans / absl::StrCat("p", i, ".png")).string()).ok()) return 1;
      manifest << "K2-SM·1985-Y-" << 1000 + i << ",结婚登记审查处理表" << i << ",1985,19850312,开封市民政局,无条件共享,无条件共享,公开,开放,p" << i
               << ".png\n";
    }
    manifest.close();
    kb::OpenToAccounts(scans, true);
    const kt::RunResult ingest = kf.CliAs(kb::kOperator, {"ingest", "scans", (scans / "manifest.csv").string(), "--json"});
    if (!Check(ingest, "ingest scans")) return 1;
    const std::string batch = JsonField(ingest.out, "batch");
    if (kf.CliAs(kb::kOfficer, {"ingest", "accept", batch}).exit_code != 0 &&
        !Check(kf.CliAs(kb::kOfficer, {"ingest", "accept", batch, "--override", "基准测试"}), "ingest accept")) {
      return 1;
    }
  }
  const fs::path out = dir / "out";
  fs::create_directories(out);
  kb::OpenToAccounts(out);
  fs::permissions(out, fs::perms::all);  // the cataloguer (a test account) writes the package here
  const fs::path pkg = out / "kf.kgx";
  const auto t0 = Clock::now();
  const kt::RunResult got = zz.CliAs(kb::kOperator, {"exchange", "request", "--from", "410200", "--query", "民政局", "--max",
                                                     std::to_string(std::min(records + scanned, 2000)), "--out", pkg.string(), "--json"});
  const auto t1 = Clock::now();
  if (!Check(got, "exchange request")) return 1;
  const kt::RunResult imported = zz.CliAs(kb::kOperator, {"exchange", "import", pkg.string(), "--json"});
  const auto t2 = Clock::now();
  if (!Check(imported, "exchange import")) return 1;
  std::printf("  end to end, %s records and %s masked pages in %.2f MiB (%s not given%s):\n",
              JsonField(got.out, "records").c_str(), JsonField(got.out, "pages").c_str(), MiB(fs::file_size(pkg)),
              JsonField(got.out, "not_given").c_str(), JsonField(got.out, "truncated") == "true" ? ", truncated" : "");
  std::printf("    exchange request (decide, mask, render pages, sign; verify)  %7.2f s\n", Seconds(t1 - t0));
  std::printf("    exchange import (verify, one atomic write, index)             %7.2f s\n", Seconds(t2 - t1));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  int records = 1000, pages = 50, scanned = 10;
  const kb::BenchUsage usage = {
      "exchange_bench",
      "direct exchange packages: the container alone (build, read back and verify; beside tar |\n"
      "zstd -3 of the same entries as files), then end to end on loopback (root and the test\n"
      "accounts): one archive asks another for all its records by query and imports the package.",
      "exchange_bench --records 2000 --pages 100 --scanned 20"};
  if (auto exit_code = kb::ParseBenchFlags(
          argc, argv, usage,
          {kb::NumberFlag("--records", "N", "catalog records in the package", &records),
           kb::NumberFlag("--pages", "P", "page images in the in-process package", &pages),
           kb::NumberFlag("--scanned", "S", "scanned pages (OCR'd) at the holding archive, end to end", &scanned)})) {
    return *exit_code;
  }
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  kt::TempDir dir;
  kb::OpenToAccounts(dir.path());
  std::printf("exchange_bench: %d records, %d pages in process, %d scanned pages end to end\n", records, pages, scanned);
  Container(dir.path() / "container", records, pages);
  if (const std::string why = kb::PeopleUnavailable(); !why.empty()) {
    std::printf("  end to end: not run: %s\n", why.c_str());
    return 0;
  }
  return EndToEnd(dir.path() / "nodes", records, scanned);
}
