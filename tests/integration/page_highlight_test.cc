// kuaguan page --highlight against a running node, on a page rendered from composed Chinese text
// and read by real Tesseract: a phrase across a line break is boxed on the access copy twice (the
// end of one line, the start of the next), a traditional query on simplified text, and the errors.
#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <vector>
#include <vips/vips8>

#include "absl/strings/str_replace.h"
#include "base/utf8.h"
#include "ingest/page_image.h"
#include "tests/integration/node_fixture.h"
#include "tests/testing/page_render.h"

using namespace kuaguan::testing;
namespace base = kuaguan::base;

namespace {

// The rows of the image where `a` and `b` differ (by more than JPEG-free rounding), each with
// its leftmost differing column. Both are decoded as 8-bit sRGB.
std::vector<std::pair<int, int>> DifferingRows(const std::string& a, const std::string& b) {
  kuaguan::ingest::StartVips();
  auto rgb = [](const std::string& path) {
    return vips::VImage::new_from_file(path.c_str())
        .colourspace(VIPS_INTERPRETATION_sRGB)
        .cast(VIPS_FORMAT_UCHAR);
  };
  const vips::VImage x = rgb(a), y = rgb(b);
  REQUIRE(x.width() == y.width());
  REQUIRE(x.height() == y.height());
  const vips::VImage diff = (x.cast(VIPS_FORMAT_INT) - y.cast(VIPS_FORMAT_INT))
                                .abs()
                                .bandbool(VIPS_OPERATION_BOOLEAN_OR)
                                .cast(VIPS_FORMAT_UCHAR);
  size_t size = 0;
  auto* pixels = static_cast<uint8_t*>(diff.write_to_memory(&size));
  std::vector<std::pair<int, int>> rows;
  for (int r = 0; r < diff.height(); ++r) {
    for (int c = 0; c < diff.width(); ++c) {
      if (pixels[static_cast<size_t>(r) * diff.width() + c] > 8) {
        rows.emplace_back(r, c);
        break;
      }
    }
  }
  g_free(pixels);
  return rows;
}

// Runs of consecutive rows: (first row, last row, leftmost differing column).
struct Band {
  int first = 0, last = 0, left = 0;
};
std::vector<Band> Bands(const std::vector<std::pair<int, int>>& rows) {
  std::vector<Band> bands;
  for (const auto& [r, c] : rows) {
    if (!bands.empty() && bands.back().last + 1 == r) {
      bands.back().last = r;
      bands.back().left = std::min(bands.back().left, c);
    } else {
      bands.push_back({r, r, c});
    }
  }
  return bands;
}

}  // namespace

TEST_CASE("page --highlight boxes a phrase on the access copy - across a line break - errors") {
  RunningNode node;
  node.Start();
  const auto scans = node.dir() / "scans";
  std::filesystem::create_directories(scans);
  PageSpec spec;
  spec.half_page = true;
  spec.paragraphs = {
      "第一条为了加强档案管理，规范收集、整理、保管和利用工作，根据国家有关法律法规，结合本市"
      "实际情况，制定本办法。第二条本办法适用于本市各级国家综合档案馆以及机关、团体、企业事业"
      "单位和其他组织的档案工作。"};
  REQUIRE(RenderPagePng(spec, (scans / "p1.png").string()).ok());
  const std::string code = "Z3-WS·2021-Y-0001";
  WriteFile(scans / "manifest.csv",
            "档号,题名,年度,pages\n" + code + ",档案管理办法,2021,p1.png\n");
  WriteFile(node.dir() / "catalog.csv", "档号,题名,年度\nZ3-WS·2021-Y-0002,无扫描件,2021\n");
  auto run = node.Cli({"ingest", "scans", (scans / "manifest.csv").string(), "--json"});
  INFO(run.err << run.out);
  REQUIRE(run.exit_code == 0);
  REQUIRE(node.Cli({"import", (node.dir() / "catalog.csv").string()}).exit_code == 0);

  // A phrase across a line break of the recognized text: two Han characters either side, found
  // once in the text as it runs on.
  const std::string text =
      Str(node.CliJson({"get", code}).fields().at("record").struct_value(), "full_text");
  const auto cps = base::DecodeUtf8(text);
  const std::string flowed = absl::StrReplaceAll(text, {{"\n", ""}});
  std::string phrase;
  for (size_t i = 2; i + 2 < cps.size() && phrase.empty(); ++i) {
    if (cps[i] != '\n' || !base::IsHan(cps[i - 2]) || !base::IsHan(cps[i - 1]) ||
        !base::IsHan(cps[i + 1]) || !base::IsHan(cps[i + 2])) {
      continue;
    }
    const std::string candidate =
        base::EncodeUtf8({cps[i - 2], cps[i - 1], cps[i + 1], cps[i + 2]});
    if (flowed.find(candidate) == flowed.rfind(candidate)) phrase = candidate;
  }
  INFO("recognized text: " << text);
  REQUIRE(!phrase.empty());
  INFO("phrase: " << phrase);

  const auto plain = (node.dir() / "access.jpg").string();
  const auto marked = (node.dir() / "marked.png").string();
  REQUIRE(node.Cli({"page", code, "1", "--access", "--out", plain}).exit_code == 0);
  auto got = node.CliJson({"page", code, "1", "--highlight", phrase, "--out", marked});
  CHECK(Num(got, "boxes") == 2);
  CHECK(Str(got, "format") == "png");
  CHECK(Str(got, "copy") == "access");
  CHECK(Num(got, "pages") == 1);
  // The same size as the access copy, changed in two bands of rows (two lines): the first at the
  // end of its line, the second at the start of the next.
  const auto bands = Bands(DifferingRows(plain, marked));
  REQUIRE(bands.size() == 2);
  CHECK(bands[0].last < bands[1].first);
  CHECK(bands[0].left > bands[1].left);
  CHECK(bands[1].last - bands[1].first < 80);  // one line of 14-point text at ~150 dpi

  // A traditional query finds the simplified text; the plain text output names the boxes.
  const auto traditional =
      node.Cli({"page", code, "1", "--highlight", "綜合檔案館", "--out", marked});
  INFO(traditional.err);
  CHECK(traditional.exit_code == 0);
  CHECK(traditional.out.find("1 box highlighting '綜合檔案館'") != std::string::npos);

  // Errors: not on the page (no file written), the shared view, no such page, no scanned pages,
  // an empty query.
  const auto none = (node.dir() / "none.png").string();
  const auto missing = node.Cli({"page", code, "1", "--highlight", "库房改造", "--out", none});
  CHECK(missing.exit_code != 0);
  CHECK(missing.err.find("'库房改造' is not on page 1 of " + code) != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(none));
  CHECK(node.Cli({"page", code, "1", "--shared", "--highlight", phrase, "--out", none})
            .err.find("local use") != std::string::npos);
  CHECK(node.Cli({"page", code, "9", "--highlight", phrase, "--out", none})
            .err.find("out of range") != std::string::npos);
  CHECK(node.Cli({"page", "Z3-WS·2021-Y-0002", "1", "--highlight", phrase, "--out", none})
            .err.find("no scanned pages") != std::string::npos);
  CHECK(
      node.Cli({"page", code, "1", "--highlight", " ", "--out", none}).err.find("needs a query") !=
      std::string::npos);
  CHECK(node.Cli({"page", code, "1", "--highlight", "。", "--out", none})
            .err.find("no searchable characters") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(none));
}
