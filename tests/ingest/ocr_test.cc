// Real Tesseract on pages rendered from composed Chinese text, decoded through libvips.
#include <catch2/catch.hpp>

#include <zlib.h>

#include <fstream>
#include <sstream>

#include "ingest/ocr_engine.h"
#include "ingest/page_image.h"
#include "ingest/personal_data.h"
#include "ingest/secrecy_mark.h"
#include "tests/testing/page_render.h"
#include "tests/testing/temp_dir.h"

using namespace kuaguan::ingest;

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

// A valid 1-bit PNG of width x height, all black: a few hundred KB that decode to gigapixels.
std::string PngBomb(uint32_t width, uint32_t height) {
  auto be32 = [](uint32_t v) {
    return std::string{static_cast<char>(v >> 24), static_cast<char>(v >> 16),
                       static_cast<char>(v >> 8), static_cast<char>(v)};
  };
  auto chunk = [&](const std::string& type, const std::string& data) {
    const std::string body = type + data;
    const uint32_t crc = crc32(0, reinterpret_cast<const Bytef*>(body.data()), body.size());
    return be32(static_cast<uint32_t>(data.size())) + body + be32(crc);
  };
  const std::string ihdr = be32(width) + be32(height) + std::string("\x01\x00\x00\x00\x00", 5);
  std::string row(1 + (width + 7) / 8, '\0');
  z_stream zs{};
  deflateInit(&zs, 9);
  std::string idat;
  std::vector<unsigned char> buf(1 << 16);
  for (uint32_t y = 0; y <= height; ++y) {
    zs.next_in = reinterpret_cast<Bytef*>(row.data());
    zs.avail_in = y < height ? static_cast<uInt>(row.size()) : 0;
    const int flush = y < height ? Z_NO_FLUSH : Z_FINISH;
    do {
      zs.next_out = buf.data();
      zs.avail_out = static_cast<uInt>(buf.size());
      deflate(&zs, flush);
      idat.append(reinterpret_cast<char*>(buf.data()), buf.size() - zs.avail_out);
    } while (zs.avail_out == 0);
  }
  deflateEnd(&zs);
  return std::string("\x89PNG\r\n\x1a\n", 8) + chunk("IHDR", ihdr) + chunk("IDAT", idat) +
         chunk("IEND", "");
}

}  // namespace

TEST_CASE("a rendered Chinese page is read back with its mark and personal data") {
  kuaguan::testing::TempDir dir;
  kuaguan::testing::PageSpec spec;
  spec.half_page = true;
  spec.header = "机密★10年";
  spec.title = "婚姻登记档案移交清单";
  spec.paragraphs = {"申请人王建国，身份证号11010519491231002X，联系电话13812345678。",
                     kuaguan::testing::ComposeParagraph(120, 3)};
  const auto path = dir.path() / "page.png";
  REQUIRE(kuaguan::testing::RenderPagePng(spec, path.string()).ok());

  auto decoded = DecodePage(ReadAll(path));
  REQUIRE(decoded.ok());
  const GreyImage* grey = &decoded->grey;
  CHECK(grey->width == 2480);
  auto engine = OcrEngine::Create("chi_sim");
  REQUIRE(engine.ok());
  auto page = (*engine)->Recognize(*grey);
  REQUIRE(page.ok());
  const std::string text = Compact(page->text);
  INFO(page->text);
  CHECK(text.find("婚姻登记档案移交清单") != std::string::npos);
  CHECK(page->mean_confidence > 70);
  // Header, title and the two paragraphs stand apart by wide gaps: blank lines between them,
  // none inside the two-line paragraphs.
  size_t blank = 0;
  for (size_t at = page->text.find("\n\n"); at != std::string::npos; at = page->text.find("\n\n", at + 2)) {
    ++blank;
  }
  CHECK(blank == 3);
  CHECK_FALSE(page->words.empty());

  std::vector<TextLine> lines;
  for (const auto& l : page->lines) {
    lines.push_back({l.text, static_cast<double>(l.top) / grey->height});
  }
  const auto secrecy = CheckSecrecyMark(lines);
  CHECK(secrecy.held());
  const auto found = FindPersonalData(page->text);
  bool id = false, phone = false;
  for (const auto& f : found) {
    id |= f.kind == PersonalDataKind::kIdentityNumber && f.identity == "11010519491231002X";
    phone |= f.kind == PersonalDataKind::kMobilePhone;
  }
  CHECK(id);
  CHECK(phone);
}

TEST_CASE("bad page files are refused with a reason") {
  CHECK(DecodePage("").status().message() == "empty file (0 bytes)");
  CHECK_FALSE(DecodePage("this is not an image at all").ok());
  auto bomb = DecodePage(PngBomb(30000, 30000));
  REQUIRE_FALSE(bomb.ok());
  INFO(bomb.status().message());
  CHECK(std::string(bomb.status().message()).find("30000 x 30000") != std::string::npos);
  kuaguan::testing::TempDir dir;
  kuaguan::testing::PageSpec spec;
  spec.half_page = true;
  spec.paragraphs = {"短页"};
  REQUIRE(kuaguan::testing::RenderPagePng(spec, (dir.path() / "p.png").string()).ok());
  const std::string png = ReadAll(dir.path() / "p.png");
  auto truncated = DecodePage(png.substr(0, png.size() / 2));
  CHECK_FALSE(truncated.ok());
  CHECK(*CountPages(png) == 1);
}

TEST_CASE("Tesseract's spaces between Han characters are removed") {
  CHECK(JoinHanSpacing("档 案 馆 ， 2011 年") == "档案馆，2011 年");
  CHECK(JoinHanSpacing("ISO 9001 认证") == "ISO 9001 认证");
}

TEST_CASE("a blank line where a paragraph ends - by the gap, or another column") {
  auto line = [](const std::string& text, int left, int top, int right) {
    return OcrBox{text, left, top, right, top + 50, 90};
  };
  // Line pitch 80 (gap 30); a gap of 110 ends a paragraph; a line beside the last is a cell.
  const std::vector<OcrBox> lines = {line("第一条本", 100, 100, 2000), line("办法适用", 100, 180, 2000),
                                     line("第二条", 100, 260, 900),   line("第三条", 100, 420, 2000),
                                     line("姓名", 100, 500, 400),     line("张三", 600, 500, 900)};
  CHECK(JoinLines(lines, false) == "第一条本\n办法适用\n第二条\n\n第三条\n姓名\n\n张三\n");
  CHECK(JoinLines(lines, true) == "第一条本\n办法适用\n第二条\n第三条\n姓名\n张三\n");
  CHECK(JoinLines({}, false).empty());
}
