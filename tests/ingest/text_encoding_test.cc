#include "ingest/text_encoding.h"

#include <catch2/catch.hpp>

using namespace kuaguan::ingest;

TEST_CASE("UTF-8 with and without BOM") {
  auto plain = DecodeCatalogText("档号,题名\n");
  REQUIRE(plain.ok());
  CHECK(plain->encoding == "utf-8");
  auto bom = DecodeCatalogText("\xEF\xBB\xBF档号,题名\n");
  REQUIRE(bom.ok());
  CHECK(bom->encoding == "utf-8-bom");
  CHECK(bom->text == "档号,题名\n");
}

TEST_CASE("GB18030 is detected and decoded exactly") {
  const std::string utf8 = "档号,题名\nZ109-WS·2011-Y-BGS-0001,关于召开档案工作会议的通知\n";
  auto gb = Utf8ToGb18030(utf8);
  REQUIRE(gb.ok());
  REQUIRE(*gb != utf8);
  auto back = DecodeCatalogText(*gb);
  REQUIRE(back.ok());
  CHECK(back->encoding == "gb18030");
  CHECK(back->text == utf8);
}

TEST_CASE("mixed encodings and UTF-16 are refused - naming lines") {
  auto gb_line = Utf8ToGb18030("第二行题名\n");
  REQUIRE(gb_line.ok());
  const std::string mixed = "档号,题名\n" + *gb_line;
  auto st = DecodeCatalogText(mixed);
  REQUIRE_FALSE(st.ok());
  CHECK(std::string(st.status().message()).find("mixed encodings: line 1") != std::string::npos);
  CHECK_FALSE(DecodeCatalogText("\xFF\xFE\x63\x00").ok());
  auto bad_bom = DecodeCatalogText("\xEF\xBB\xBF" "a\nb\xFF\n");
  REQUIRE_FALSE(bad_bom.ok());
  CHECK(std::string(bad_bom.status().message()).find("line 2") != std::string::npos);
}
