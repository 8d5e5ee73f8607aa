// Page files in every accepted format through libvips and the OCR pool: derivatives from one
// decode, multi-page TIFF, PDF (and a PDF without pages), vertical writing (chi_sim_vert) and
// traditional characters (chi_tra), on pages rendered from composed Chinese text; files in other
// formats and PDFs poppler would have to rebuild (found by tests/fuzz/page_image_fuzz) refused.
#include <catch2/catch.hpp>

#include <sys/resource.h>
#include <vips/vips8>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "ingest/ocr_pool.h"
#include "ingest/page_image.h"
#include "tests/testing/page_render.h"
#include "tests/testing/temp_dir.h"

using namespace kuaguan::ingest;
namespace kt = kuaguan::testing;

namespace {

std::string ReadAll(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Compact(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c != ' ' && c != '\n') out.push_back(c);
  }
  return out;
}

kt::PageSpec Half(std::vector<std::string> paragraphs, std::string title = "") {
  kt::PageSpec spec;
  spec.half_page = true;
  spec.title = std::move(title);
  spec.paragraphs = std::move(paragraphs);
  return spec;
}

}  // namespace

TEST_CASE("one decode gives grey for OCR - an access JPEG and a thumbnail - colour kept") {
  StartVips();
  kt::TempDir dir;
  const auto png = dir.path() / "p.png";
  REQUIRE(kt::RenderPagePng(Half({"档案馆将定期向社会开放。"}), png.string()).ok());
  auto page = DecodePage(ReadAll(png));
  REQUIRE(page.ok());
  CHECK(page->grey.width == 2480);
  CHECK_FALSE(page->colour);  // the renderer writes grey as RGB: not colour
  auto access = DecodePage(page->access_jpeg);
  auto thumb = DecodePage(page->thumbnail_jpeg);
  REQUIRE(access.ok());
  REQUIRE(thumb.ok());
  CHECK(std::max(access->grey.width, access->grey.height) == 2480 / 2);  // A5: 2480 x 1748 pixels
  CHECK(std::max(thumb->grey.width, thumb->grey.height) <= kThumbnailLongSide);
  CHECK(std::max(thumb->grey.width, thumb->grey.height) > kThumbnailLongSide / 2);

  // A colour photograph keeps its colour in the derivatives.
  vips::VImage photo = vips::VImage::black(600, 400, vips::VImage::option()->set("bands", 3)) +
                       std::vector<double>{200, 40, 40};
  photo = photo.cast(VIPS_FORMAT_UCHAR).copy(vips::VImage::option()->set("interpretation", VIPS_INTERPRETATION_sRGB));
  void* buf = nullptr;
  size_t size = 0;
  photo.write_to_buffer(".jpg", &buf, &size);
  const std::string jpeg(static_cast<char*>(buf), size);
  g_free(buf);
  auto colour = DecodePage(jpeg);
  REQUIRE(colour.ok());
  CHECK(colour->colour);
  CHECK(colour->grey.width == 600);  // never enlarged
  vips::VImage back = vips::VImage::new_from_buffer(colour->access_jpeg.data(), colour->access_jpeg.size(), "");
  CHECK(back.bands() == 3);
  CHECK(back.width() == 600);
}

TEST_CASE("a multi-page TIFF and a PDF give each page - a PDF without pages is refused") {
  StartVips();
  kt::TempDir dir;
  const auto p1 = dir.path() / "1.png", p2 = dir.path() / "2.png";
  REQUIRE(kt::RenderPagePng(Half({"婚姻登记档案按年度装订成册。"}), p1.string()).ok());
  REQUIRE(kt::RenderPagePng(Half({"退休审批表由人事部门统一保管。"}), p2.string()).ok());
  // Two pages stacked, written as a two-page TIFF (libvips splits at page-height).
  vips::VImage a = vips::VImage::new_from_file(p1.c_str()).extract_band(0);
  vips::VImage b = vips::VImage::new_from_file(p2.c_str()).extract_band(0);
  vips::VImage both = a.join(b, VIPS_DIRECTION_VERTICAL).copy();
  both.set("page-height", a.height());
  const auto tiff = dir.path() / "two.tif";
  both.tiffsave(tiff.c_str(), vips::VImage::option()->set("compression", VIPS_FOREIGN_TIFF_COMPRESSION_DEFLATE));
  const std::string tiff_bytes = ReadAll(tiff);
  REQUIRE(*CountPages(tiff_bytes) == 2);
  auto second = DecodePage(tiff_bytes, 1);
  REQUIRE(second.ok());
  CHECK(second->grey.height == a.height());
  CHECK_FALSE(DecodePage(tiff_bytes, 2).ok());

  const auto pdf = dir.path() / "two.pdf";
  REQUIRE(kt::RenderPagesPdf({Half({"土地承包合同的原件存放在第三库房。"}, "第一页"),
                              Half({"独生子女证明材料已经全部归档。"}, "第二页")},
                             pdf.string())
              .ok());
  const std::string pdf_bytes = ReadAll(pdf);
  REQUIRE(*CountPages(pdf_bytes) == 2);
  auto pool = OcrPool::Create(2, "chi_sim");
  REQUIRE(pool.ok());
  auto pages = (*pool)->Run({{pdf.string(), 0, "", nullptr}, {pdf.string(), 1, "", nullptr}, {tiff.string(), 1, "", nullptr}},
                            [](size_t, size_t) {}, nullptr);
  REQUIRE(pages.size() == 3);
  for (const auto& p : pages) REQUIRE(p.status.ok());
  CHECK(pages[0].width == 2480);  // rendered at 300 dpi
  CHECK(Compact(pages[0].ocr.text).find("第三库房") != std::string::npos);
  CHECK(Compact(pages[1].ocr.text).find("证明材料") != std::string::npos);
  CHECK(Compact(pages[2].ocr.text).find("人事部门") != std::string::npos);

  // A PDF whose page tree is empty.
  const std::string empty_pdf =
      "%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
      "2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
      "trailer<</Root 1 0 R>>\n%%EOF\n";
  auto none = CountPages(empty_pdf);
  REQUIRE_FALSE(none.ok());
  INFO(none.status().message());
  CHECK(none.status().code() == absl::StatusCode::kInvalidArgument);
}

TEST_CASE("other formats and PDFs with a damaged cross-reference are refused before libvips") {
  // Were poppler to see the crafted PDFs below it would allocate without end (24 GB in a minute):
  // should this test ever fail, it fails on a memory limit rather than the machine.
  const rlimit limit{8ull << 30, 8ull << 30};
  REQUIRE(setrlimit(RLIMIT_AS, &limit) == 0);
  StartVips();
  const std::vector<std::string> crafted = {
      // As page_image_fuzz found it (327 bytes; its xref table cut, startxref past the end).
      std::string("%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >\xc4\xf5\x9a\x91\x9b\x90\x9d\x95\n") +
          "2 0 obj\n<< /Type /Pages /Kids [Font <8 /F1 5 0 R >> >> >>\nendobj\n4 0 obj\n<< /Length 33 >>\n"
          "stream\nBT /F1 12 Tf 8 20 Td00000009 00000 n \n0000000058 00000 n \n0000000115 00000 n \n"
          "0000000239 00000 n \n0000000322 00000 n \ntrailer\n<< /Size 6 /Root 1 0 R >>\nstartxref\n392\n"
          "%%EOF\n",
      // Minimized: an unterminated dictionary before `stream`, startxref past the end.
      "%PDF-1.4\n1 0obj<</<<>>stream\nstartxref\n92\n%%EOF\n",
      "%PDF\n1 0obj<</<<>>stream\nstartxref92",  // the same without a PDF header: no format of ours
      // startxref at no cross-reference; a table entry at no object; a /Prev loop.
      "%PDF-1.4\nnot a cross-reference\nstartxref\n9\n%%EOF\n",
      "%PDF-1.4\n1 0 obj\n<< >>\nendobj\nxref\n0 2\n0000000000 65535 f \n0000000003 00000 n \n"
      "trailer\n<< /Size 2 /Root 1 0 R >>\nstartxref\n30\n%%EOF\n",
      "%PDF-1.4\nxref\n0 1\n0000000000 65535 f \ntrailer\n<< /Size 1 /Prev 9 >>\nstartxref\n9\n%%EOF\n",
      // Formats libvips reads but pages are not in: SVG (librsvg), PGM and BMP (ImageMagick), GIF.
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"15000\" height=\"15000\"><rect/></svg>",
      "P2\n2 2\n255\n0 1 2 3\n",
      "BM" + std::string(56, '\0'),
      "GIF89a\x01\x00\x01\x00\x80\x00\x00",
  };
  for (const std::string& bytes : crafted) {
    INFO(bytes.substr(0, 40));
    auto pages = CountPages(bytes);
    REQUIRE_FALSE(pages.ok());
    CHECK(pages.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK_FALSE(DecodePage(bytes, 0).ok());
    CHECK_FALSE(RedactedPage(bytes, 0, {}).ok());
  }
  // A well-formed PDF with a table and an incremental update (/Prev) still opens.
  std::string pdf = "%PDF-1.4\n";
  const size_t o1 = pdf.size();
  pdf += "1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n";
  const size_t o2 = pdf.size();
  pdf += "2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n";
  const size_t o3 = pdf.size();
  pdf += "3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 72 72] >>\nendobj\n";
  const size_t x1 = pdf.size();
  char entries[128];
  std::snprintf(entries, sizeof(entries), "%010zu 00000 n \n%010zu 00000 n \n%010zu 00000 n \n", o1, o2, o3);
  pdf += std::string("xref\n0 4\n0000000000 65535 f \n") + entries +
         "trailer\n<< /Size 4 /Root 1 0 R >>\nstartxref\n" + std::to_string(x1) + "\n%%EOF\n";
  const size_t o4 = pdf.size();
  pdf += "4 0 obj\n<< /Producer (update) >>\nendobj\n";
  const size_t x2 = pdf.size();
  std::snprintf(entries, sizeof(entries), "%010zu 00000 n \n", o4);
  pdf += std::string("xref\n4 1\n") + entries + "trailer\n<< /Size 5 /Root 1 0 R /Prev " +
         std::to_string(x1) + " >>\nstartxref\n" + std::to_string(x2) + "\n%%EOF\n";
  auto pages = CountPages(pdf);
  INFO(pages.status().ToString());
  REQUIRE(pages.ok());
  CHECK(*pages == 1);
}

TEST_CASE("a vertical page is read with chi_sim_vert and traditional text with chi_tra") {
  kt::TempDir dir;
  kt::PageSpec vertical = Half({"退休审批表由人事部门统一保管", "独生子女证明材料已经全部归档"});
  vertical.vertical = true;
  vertical.font_pt = 16;
  const auto vpath = dir.path() / "v.png";
  REQUIRE(kt::RenderPagePng(vertical, vpath.string()).ok());
  kt::PageSpec traditional = Half({"檔案館將定期向社會開放，查閱利用檔案須履行登記手續。"});
  traditional.font_family = "Noto Serif CJK TC";
  const auto tpath = dir.path() / "t.png";
  REQUIRE(kt::RenderPagePng(traditional, tpath.string()).ok());

  auto pool = OcrPool::Create(1, "chi_sim");
  REQUIRE(pool.ok());
  auto pages = (*pool)->Run({{vpath.string(), 0, "", nullptr}, {tpath.string(), 0, "chi_tra", nullptr}},
                            [](size_t, size_t) {}, nullptr);
  REQUIRE(pages[0].status.ok());
  REQUIRE(pages[1].status.ok());
  INFO(pages[0].ocr.text);
  INFO(pages[1].ocr.text);
  CHECK(pages[0].ocr.vertical);
  CHECK(pages[0].languages == "chi_sim_vert");
  CHECK(Compact(pages[0].ocr.text).find("退休审批表由人事部门统一保管") != std::string::npos);
  CHECK(pages[1].languages == "chi_tra");
  CHECK(Compact(pages[1].ocr.text).find("檔案館") != std::string::npos);
  CHECK(Compact(pages[1].ocr.text).find("登記手續") != std::string::npos);
}
