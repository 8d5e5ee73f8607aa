// kuaguan-gen-catalog: writes a generated Chinese catalog file for demos and benchmarks.
// usage: kuaguan-gen-catalog OUT.csv|OUT.jsonl [--count N] [--seed S] [--gb18030] [--full-text]
#include <fstream>
#include <iostream>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "ingest/text_encoding.h"
#include "tests/testing/catalog_gen.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: kuaguan-gen-catalog OUT.csv|OUT.jsonl [--count N] [--seed S] "
                 "[--gb18030] [--full-text]\n";
    return 2;
  }
  const std::string out_path = argv[1];
  kuaguan::testing::CatalogGenOptions opts;
  bool gb = false;
  for (int i = 2; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--count" && i + 1 < argc) {
      if (!absl::SimpleAtoi(argv[++i], &opts.count)) return 2;
    } else if (a == "--seed" && i + 1 < argc) {
      if (!absl::SimpleAtoi(argv[++i], &opts.seed)) return 2;
    } else if (a == "--gb18030") {
      gb = true;
    } else if (a == "--full-text") {
      opts.full_text = true;
    } else {
      std::cerr << "kuaguan-gen-catalog: unknown argument " << a << "\n";
      return 2;
    }
  }
  const auto records = kuaguan::testing::GenerateRecords(opts);
  std::string text = absl::EndsWith(out_path, ".jsonl") ? kuaguan::testing::CatalogJsonLines(records)
                                                        : kuaguan::testing::CatalogCsv(records);
  if (gb) {
    auto converted = kuaguan::ingest::Utf8ToGb18030(text);
    if (!converted.ok()) {
      std::cerr << "kuaguan-gen-catalog: " << converted.status().message() << "\n";
      return 1;
    }
    text = *converted;
  }
  std::ofstream(out_path, std::ios::binary) << text;
  std::cout << "wrote " << records.size() << " records to " << out_path << "\n";
  return 0;
}
