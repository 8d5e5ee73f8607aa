// The seal picture and the certificate PDF (PNG pages and a JPEG page embedded as is), checked
// with real tools: pdfinfo counts the pages,
// pdftotext reads the Chinese back exactly, qpdf finds the file sound, and pdftoppm's rendering
// shows the red seal on every page and the riding seal's slice on every right edge.
#include <catch2/catch.hpp>

#include <cairo.h>

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "document/cairo_util.h"
#include "document/certificate_pdf.h"
#include "document/seal_picture.h"
#include "ingest/page_image.h"
#include "tests/testing/process.h"
#include "tests/testing/temp_dir.h"

using namespace kuaguan::document;

namespace {

bool Red(const unsigned char* px) { return px[2] > 150 && px[1] < 90 && px[0] < 110; }  // BGRA

// Whether the rectangle of `s` (an RGB24/ARGB32 image) holds a red pixel.
bool HasRed(cairo_surface_t* s, int x0, int y0, int x1, int y1) {
  cairo_surface_flush(s);
  const unsigned char* data = cairo_image_surface_get_data(s);
  const int stride = cairo_image_surface_get_stride(s);
  for (int y = std::max(0, y0); y < std::min(y1, cairo_image_surface_get_height(s)); ++y) {
    for (int x = std::max(0, x0); x < std::min(x1, cairo_image_surface_get_width(s)); ++x) {
      if (Red(data + y * stride + x * 4)) return true;
    }
  }
  return false;
}

std::string PagePng(const std::string& text) {
  Surface s(cairo_image_surface_create(CAIRO_FORMAT_RGB24, 620, 877));
  Context cr(cairo_create(s.get()));
  cairo_set_source_rgb(cr.get(), 1, 1, 1);
  cairo_paint(cr.get());
  cairo_set_source_rgb(cr.get(), 0, 0, 0);
  absl::MutexLock fonts(&FontMutex());
  DrawText(cr.get(), text, 40, 60, {20, false, true, 540, PANGO_ALIGN_LEFT});
  return *SurfacePng(s.get());
}

std::string ReadAll(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

CertificateDocument Sample() {
  CertificateDocument d;
  d.serial = "410100-2026-000042-7";
  d.issuing_code = "410100";
  d.issuing_name = "郑州市档案馆";
  d.requesting_code = "410200";
  d.requesting_name = "开封市档案馆";
  d.person_name = "王建国";
  d.person_id_masked = "110105********002X";
  d.category = "婚姻登记";
  d.purpose = "办理养老保险待遇";
  d.issued_at = "2026-11-23 10:15";
  d.clerk = "赵敏";
  d.records = {{"Z109-WS·2020-Y-SMJ-0003", "婚姻登记申请表", "2020-06-04", 2, std::string(64, 'a')},
               {"Z109-WS·2020-Y-SMJ-0007", "王建国与李秀英结婚登记", "1985-03-12", 1, std::string(64, 'b')}};
  d.pages = {{PagePng("婚姻登记申请表 第一页"), "档号 Z109-WS·2020-Y-SMJ-0003 — 第 1 页 / 共 2 页"},
             {PagePng("婚姻登记申请表 第二页"), "档号 Z109-WS·2020-Y-SMJ-0003 — 第 2 页 / 共 2 页"},
             {*kuaguan::ingest::RedactedPage(PagePng("结婚登记"), 0, {}, kuaguan::ingest::RedactedFormat::kJpeg),
              "档号 Z109-WS·2020-Y-SMJ-0007 — 第 1 页 / 共 1 页"}};
  d.seal_png = *RenderSealPng("郑州市档案馆", "电子出证专用章", 600);
  d.qr_text = "KUAGUAN-CERT:410100-2026-000042-7:SM3:abcdef";
  d.created_unix_seconds = 1795400000;
  return d;
}

}  // namespace

TEST_CASE("the seal picture is red and round on a transparent square") {
  auto png = RenderSealPng("郑州市档案馆", "电子出证专用章", 400);
  REQUIRE(png.ok());
  auto s = PngSurface(*png, "seal");
  REQUIRE(s.ok());
  CHECK(cairo_image_surface_get_width(s->get()) == 400);
  CHECK(cairo_image_surface_get_height(s->get()) == 400);
  CHECK(HasRed(s->get(), 190, 190, 210, 210));  // the star
  CHECK(HasRed(s->get(), 0, 190, 30, 210));     // the ring, left
  const unsigned char* corner = cairo_image_surface_get_data(s->get());
  CHECK(corner[3] == 0);  // transparent outside
  CHECK(RenderSealPng("", "x", 400).status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(RenderSealPng("郑州市档案馆", "x", 10).status().code() == absl::StatusCode::kInvalidArgument);
}

TEST_CASE("a certificate PDF reads back in standard tools with the seal on every page") {
  kuaguan::testing::TempDir dir;
  const auto d = Sample();
  auto pdf = RenderCertificatePdf(d);
  REQUIRE(pdf.ok());
  CHECK(*RenderCertificatePdf(d) == *pdf);  // deterministic
  const auto path = dir.path() / "c.pdf";
  std::ofstream(path, std::ios::binary) << *pdf;
  using kuaguan::testing::Run;
  const auto info = Run({"/usr/bin/pdfinfo", path.string()});
  INFO(info.out << info.err);
  const size_t at = info.out.find("Pages:");
  REQUIRE(at != std::string::npos);
  CHECK(std::stoi(info.out.substr(at + 6)) == 4);
  const std::string text = Run({"/usr/bin/pdftotext", path.string(), "-"}).out;
  for (const char* s : {"410100-2026-000042-7", "郑州市档案馆", "开封市档案馆", "王建国", "婚姻登记申请表",
                        "王建国与李秀英结婚登记", "办理养老保险待遇", "同等法律效力"}) {
    CHECK(text.find(s) != std::string::npos);
  }
  const auto check = Run({"/usr/bin/qpdf", "--check", path.string()});
  INFO(check.out << check.err);
  CHECK(check.exit_code == 0);
  REQUIRE(Run({"/usr/bin/pdftoppm", "-r", "50", "-png", path.string(), (dir.path() / "p").string()}).exit_code == 0);
  for (int page = 1; page <= 4; ++page) {
    auto img = PngSurface(ReadAll(dir.path() / absl::StrCat("p-", page, ".png")), "page");
    REQUIRE(img.ok());
    const int w = cairo_image_surface_get_width(img->get()), h = cairo_image_surface_get_height(img->get());
    INFO("page " << page);
    CHECK(HasRed(img->get(), w - 5, h / 2 - 20, w, h / 2 + 20));  // the riding seal's slice at the edge
    CHECK(HasRed(img->get(), w / 2, h / 2 + 40, w, h));            // the seal, lower right
    CHECK_FALSE(HasRed(img->get(), 0, 0, w / 3, h / 3));
  }
}

TEST_CASE("bad certificate inputs are named") {
  auto d = Sample();
  d.records.clear();
  CHECK(RenderCertificatePdf(d).status().message().find("no records") != std::string::npos);
  d = Sample();
  d.pages[1].image = "\x89PNG\r\n\x1a\ngarbage";
  CHECK(RenderCertificatePdf(d).status().message().find("page image 2") != std::string::npos);
  d = Sample();
  d.seal_png.clear();
  CHECK(RenderCertificatePdf(d).status().message().find("seal") != std::string::npos);
  d = Sample();
  d.pages[2].image = "\xFF\xD8\xFF\xE0 truncated";
  CHECK(RenderCertificatePdf(d).status().message().find("page image 3") != std::string::npos);
}
