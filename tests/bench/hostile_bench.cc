// hostile_bench: what hostile bytes cost a node. Crafted "certificates" of many shapes through the
// sealed-certificate verifier, beside `qpdf --check` on the same files (the obvious peer: a real
// PDF parser); nested JSON Lines rows through the catalog parser, beside protobuf's JSON parser
// on the same lines (what the importer used before the nesting check); the enrollment rate
// limiter under a flood from many addresses; and terminal sanitizing of peer text. Prints figures.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/printable.h"
#include "base/rate_limit.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "ingest/catalog_file.h"
#include "seal/sealed_certificate.h"
#include "tests/bench/bench_flags.h"
#include "tests/testing/process.h"
#include "tests/testing/seal_fixture.h"

namespace {

using Clock = std::chrono::steady_clock;

// The median of `runs` timings of `fn`, in microseconds.
double MedianUs(int runs, const std::function<void()>& fn) {
  std::vector<double> us;
  for (int i = 0; i < runs; ++i) {
    const auto a = Clock::now();
    fn();
    us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - a).count());
  }
  std::sort(us.begin(), us.end());
  return us[us.size() / 2];
}

// `qpdf --check FILE`, wall time in microseconds (one run: it is a process).
double QpdfUs(const std::string& path) {
  const auto a = Clock::now();
  (void)kuaguan::testing::Run({"/usr/bin/qpdf", "--check", path});
  return std::chrono::duration<double, std::micro>(Clock::now() - a).count();
}

void Certificates(int runs) {
  kuaguan::testing::SealFixture f;
  const std::string good = f.SealedFile();
  const std::string marker = "\n%KuaguanSeal-1\n";
  const std::string seal = good.substr(good.rfind(marker) + 1);
  std::string random(1 << 20, '\0');
  uint32_t x = 2463534242u;
  for (char& c : random) {
    x ^= x << 13, x ^= x >> 17, x ^= x << 5;
    c = static_cast<char>(x);
  }
  const std::vector<std::pair<std::string, std::string>> shapes = {
      {"the genuine sealed certificate", good},
      {"30 KB of digits after /Size", "%PDF-1.7\ntrailer\n<< /Size " + std::string(30000, '7') +
                                          " /Root 1 0 R >>\nstartxref\n9\n%%EOF\n" + seal},
      {"300 KB of spaces in the trailer", "%PDF-1.7\ntrailer\n<< /Size 3 /Root 1 0 R " + std::string(300000, ' ') +
                                              ">>\nstartxref\n9\n%%EOF\n" + seal},
      {"100 000 nested << in the trailer", "%PDF-1.7\ntrailer\n" + std::string(200000, '<') + "\n%%EOF\n" + seal},
      {"a huge seal /Length", good.substr(0, good.rfind(marker) + 1) +
                                  "\n%KuaguanSeal-1\n1 0 obj\n<< /Type /KuaguanSeal /Length 99999999999999999999 >>\nstream\n"},
      {"1 MiB of random bytes", random},
      {"32 MiB + 1 of '%'", std::string(kuaguan::seal::kMaxCertificateBytes + 1, '%')},
  };
  std::printf("crafted certificate files (verify, median of %d; qpdf --check, one run):\n", runs);
  std::printf("  %-34s %10s %12s %12s  %s\n", "shape", "bytes", "verify us", "qpdf us", "verdict");
  for (const auto& [name, bytes] : shapes) {
    std::string verdict;
    const double us = MedianUs(runs, [&] {
      auto r = kuaguan::seal::VerifySealedCertificate(bytes, f.trust);
      verdict = r.ok() ? "valid" : std::string(r.status().message()).substr(0, 50);
    });
    const std::string path = (f.dir.path() / "crafted.pdf").string();
    std::ofstream(path, std::ios::binary) << bytes;
    std::printf("  %-34s %10zu %12.1f %12.0f  %s\n", name.c_str(), bytes.size(), us, QpdfUs(path), verdict.c_str());
  }
}

void JsonLines(int rows) {
  std::string good;
  for (int i = 0; i < rows; ++i) {
    absl::StrAppend(&good, "{\"档号\":\"Z109-WS·2011-Y-BGS-", i, "\",\"题名\":\"关于印发会议纪要的通知\",\"年度\":2011,"
                    "\"密级\":\"公开\",\"persons\":[\"张三\",\"李四\"]}\n");
  }
  const auto a = Clock::now();
  auto parsed = kuaguan::ingest::ParseCatalogFile("good.jsonl", good);
  const double secs = std::chrono::duration<double>(Clock::now() - a).count();
  std::printf("JSON Lines catalog: %d good rows parsed in %.3f s (%.0f rows/s, %s)\n", rows, secs, rows / secs,
              parsed.ok() ? "ok" : "FAILED");
  std::printf("nested JSON lines (one row each): this parser (depth checked first) beside protobuf JSON alone\n");
  std::printf("  %-10s %14s %16s\n", "line", "ours us", "protobuf us");
  for (size_t kb : {2, 5, 10, 200}) {
    const size_t n = kb * 1024 / 2 - 8;
    const std::string line = "{\"t\":" + std::string(n, '[') + std::string(n, ']') + "}";
    const double ours = MedianUs(3, [&] { (void)kuaguan::ingest::ParseCatalogFile("deep.jsonl", line + "\n"); });
    std::string theirs = "(not run: minutes)";
    if (kb <= 10) {
      google::protobuf::Struct s;
      theirs = absl::StrCat(
          static_cast<int64_t>(MedianUs(1, [&] { (void)google::protobuf::util::JsonStringToMessage(line, &s); })));
    }
    std::printf("  %6zu KB %14.0f %16s\n", kb, ours, theirs.c_str());
  }
}

void Flood(int attempts) {
  kuaguan::base::AddressRateLimit limit(kuaguan::base::kEnrollmentRateLimit);
  const absl::Time t0 = absl::Now();
  int allowed = 0;
  const auto a = Clock::now();
  for (int i = 0; i < attempts; ++i) {
    const std::string address = absl::StrCat("ipv4:10.0.", (i % 1000) / 250, ".", i % 250);
    allowed += limit.Attempt(address, t0 + absl::Microseconds(i)) == kuaguan::base::AddressRateLimit::Verdict::kAllowed;
  }
  const double secs = std::chrono::duration<double>(Clock::now() - a).count();
  const auto reports = limit.TakeReports(t0 + absl::Minutes(2), true);
  std::printf("enrollment flood: %d attempts from 1000 addresses: %.0f decisions/s, %d let through, %zu audit "
              "reports\n",
              attempts, attempts / secs, allowed, reports.size());
}

void Sanitize() {
  std::string text;
  while (text.size() < (8u << 20)) absl::StrAppend(&text, "郑州市档案馆 410100 \x1b[2J\xe2\x80\xae ok\n");
  std::string out;
  const double us = MedianUs(3, [&] { out = kuaguan::base::Printable(text, text.size() * 3, true); });
  std::printf("terminal sanitizing of peer text: %.0f MB/s\n", text.size() / us);
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 20, rows = 100000, attempts = 1000000;
  const kuaguan::bench::BenchUsage usage = {
      "hostile_bench",
      "what hostile bytes cost: crafted certificate files through the verifier beside qpdf --check,\n"
      "nested JSON Lines rows beside protobuf's JSON parser, the enrollment rate limiter under a\n"
      "flood, and terminal sanitizing. Prints figures.",
      "hostile_bench --runs 10 --rows 10000"};
  if (auto exit_code = kuaguan::bench::ParseBenchFlags(
          argc, argv, usage,
          {kuaguan::bench::NumberFlag("--runs", "N", "verifications of each crafted file", &runs),
           kuaguan::bench::NumberFlag("--rows", "N", "good JSON Lines rows parsed", &rows),
           kuaguan::bench::NumberFlag("--attempts", "N", "enrollment attempts in the flood", &attempts)})) {
    return *exit_code;
  }
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  Certificates(runs);
  JsonLines(rows);
  Flood(attempts);
  Sanitize();
  return 0;
}
