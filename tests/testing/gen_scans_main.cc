// kuaguan-gen-scans: renders scanned-looking Chinese pages and a manifest for demos and
// benchmarks. usage: kuaguan-gen-scans DIR [--items N] [--half | --dense]
// Item 2 carries a secrecy mark; item 3 is a marriage registration form (婚姻登记, shared
// unconditionally) with an identity number and a phone number. With --dense the pages are the
// dense administrative pages of dense_pages.h instead (tables, red seals), and each page's
// printed text is written beside it (itemNNN-p1.txt).
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "tests/testing/dense_pages.h"
#include "tests/testing/page_render.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: kuaguan-gen-scans DIR [--items N] [--half | --dense]\n";
    return 2;
  }
  const std::filesystem::path dir = argv[1];
  int items = 4;
  bool half = false;
  bool dense = false;
  for (int i = 2; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--items" && i + 1 < argc) {
      if (!absl::SimpleAtoi(argv[++i], &items) || items < 1) return 2;
    } else if (a == "--half") {
      half = true;
    } else if (a == "--dense") {
      dense = true;
    } else {
      std::cerr << "kuaguan-gen-scans: unknown argument " << a << "\n";
      return 2;
    }
  }
  std::filesystem::create_directories(dir);
  std::string manifest = "档号,题名,责任者,日期,保管期限,密级,共享类别,民生类别,pages\n";
  static const char* kTitles[] = {"关于档案馆库房改造的报告", "关于防汛抗旱工作的紧急通知",
                                  "婚姻登记申请表", "关于职工退休审批的请示"};
  for (int i = 1; i <= items; ++i) {
    kuaguan::testing::PageSpec spec;
    spec.half_page = half;
    spec.title = kTitles[(i - 1) % 4];
    spec.seed = static_cast<unsigned>(i);
    if (i % 4 == 2) spec.header = "机密★10年";
    if (i % 4 == 3) {
      spec.paragraphs.push_back("申请人王建国，身份证号11010519491231002X，联系电话13912345678。");
    }
    spec.paragraphs.push_back(kuaguan::testing::ComposeParagraph(half ? 120 : 400, i));
    const std::string name = absl::StrFormat("item%03d-p1.png", i);
    absl::Status st;
    if (dense) {
      const kuaguan::testing::DensePage page = kuaguan::testing::MakeDensePage(static_cast<unsigned>(i));
      spec.title = page.title;
      std::ofstream(dir / absl::StrFormat("item%03d-p1.txt", i)) << page.truth;
      st = kuaguan::testing::RenderLayoutPng(page.layout, (dir / name).string());
    } else {
      st = kuaguan::testing::RenderPagePng(spec, (dir / name).string());
    }
    if (!st.ok()) {
      std::cerr << "kuaguan-gen-scans: " << st.message() << "\n";
      return 1;
    }
    absl::StrAppend(&manifest, absl::StrFormat("Z109-WS·2020-Y-SMJ-%04d", i), ",", spec.title,
                    ",郑州市档案局,2020-06-", absl::StrFormat("%02d", (i % 28) + 1), ",永久,公开,",
                    i % 4 == 3 ? "无条件共享,婚姻登记," : ",,", name, "\n");
  }
  std::ofstream(dir / "manifest.csv") << manifest;
  std::cout << "wrote " << items << " scanned items and " << (dir / "manifest.csv").string() << "\n";
  return 0;
}
